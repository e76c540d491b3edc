"""Finding one's way: /help per role, /cancel, unknown commands, odd messages, and errors."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from telegram.error import Conflict
from telegram.ext import CommandHandler

from handlers import errors
from tests.conftest import BotHarness


async def test_help_shows_the_commands_of_the_speakers_roles(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre_help = (await harness.send(await harness.join("C01"), "/help"))[0].text
    admin_help = (await harness.send(await harness.join("A01"), "/help"))[0].text
    assert "/help" in cadre_help and "/cancel" in cadre_help
    assert "/invites" not in cadre_help
    assert "/invites" in admin_help


async def test_help_fits_one_screen_for_every_role_and_lists_each_command_once(harness: BotHarness) -> None:
    from bot.chat.commands import COMMANDS, HELP_LAYOUT, HELP_LAYOUT_OMITTED

    await harness.import_roster()
    for external_id in ("C01", "S01", "A01"):
        shown = (await harness.send(await harness.join(external_id), "/help"))[-1].text
        assert len(shown.splitlines()) <= 12, shown
    laid_out = [name for row in HELP_LAYOUT for name in row]
    assert sorted(laid_out) == sorted({c.name for c in COMMANDS} - HELP_LAYOUT_OMITTED)


async def test_help_for_someone_with_every_role_stays_within_twelve_lines() -> None:
    from handlers.start import help_overview

    shown = help_overview("陈静", frozenset({"cadre", "supervisor", "admin"}))
    assert len(shown.splitlines()) <= 12, shown
    assert shown.splitlines()[1] == "/study 记录学习 · /credits 学习进度 · /fix 更正记录"


async def test_cadre_help_reads_as_a_short_list(harness: BotHarness) -> None:
    await harness.import_roster()
    shown = (await harness.send(await harness.join("C01"), "/help"))[-1].text
    assert shown == (
        "张明，您可以使用以下功能：\n"
        "/study 记录学习 · /credits 学习进度 · /fix 更正记录\n"
        "/talk 申请谈心谈话 · /remind 提醒设置\n"
        "/annual 年度学习记录\n"
        "/quiz 每日一题、专题测验 · /reading 每周一篇\n"
        "/me 我的身份 · /cancel 取消当前操作\n"
        "直接发送问题即可查询政策，例如「三会一课多久开一次」，也可发送 /ask 问题。\n"
        "发送「/help 命令」查看用法，例如 /help study。"
    )


async def test_help_with_a_command_shows_its_usage(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre = await harness.join("C01")
    shown = (await harness.send(cadre, "/help study"))[-1].text
    assert shown == (
        "/study — 记录学习\n"
        "用法：/study 或 /study 专题讲座 2 备注\n"
        "类型和数量必填，日期（如 昨天、上周五、11月18日）和备注可省略，日期默认为今天。\n"
        "也可以只发 /study，按提示点选。"
    )
    assert (await harness.send(cadre, "/help /credits"))[-1].text.startswith("/credits — 查看学习进度\n用法：/credits、")
    assert (await harness.send(cadre, "/help void"))[-1].text == "「/void」不在您可用的功能中。发送 /help 查看可用功能。"
    assert (await harness.send(cadre, "/help nosuch"))[-1].text == "没有「/nosuch」这个命令。发送 /help 查看可用命令。"
    admin = await harness.join("A01")
    assert (await harness.send(admin, "/help upload"))[-1].text.startswith("直接把文件发给我即可：\n· 人员名单")


async def test_unknown_command_gets_a_hint_to_help(harness: BotHarness) -> None:
    await harness.import_roster()
    replies = await harness.send(await harness.join("C01"), "/foobar 123")
    assert "/foobar" in replies[0].text and "/help" in replies[0].text


async def test_cancel_with_nothing_running_says_so(harness: BotHarness) -> None:
    await harness.import_roster()
    replies = await harness.send(await harness.join("C01"), "/cancel")
    assert replies[0].text == "当前没有进行中的操作。"


async def test_a_sticker_gets_a_polite_text_only_hint(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")
    replies = await harness.chat.deliver(
        {"message": {**harness.chat._message(user), "sticker": {
            "file_id": "s1", "file_unique_id": "s1", "width": 512, "height": 512,
            "is_animated": False, "is_video": False, "type": "regular"}}}
    )
    assert "文字" in replies[0].text


async def test_a_failing_handler_gets_a_polite_apology_and_nothing_half_written(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")

    async def explode(update, context):  # type: ignore[no-untyped-def]
        context.person.name = "已被改坏"
        raise RuntimeError("boom")

    harness.app.add_handler(CommandHandler("boom", explode), group=0)
    harness.app.handlers[0].insert(0, harness.app.handlers[0].pop())
    replies = await harness.send(user, "/boom")
    assert "出了点问题" in replies[-1].text
    assert "张明" in (await harness.send(user, "/help"))[0].text


async def test_invites_command_is_refused_to_a_cadre(harness: BotHarness) -> None:
    await harness.import_roster()
    replies = await harness.send(await harness.join("C01"), "/invites")
    assert "暂无权限" in replies[0].text


async def test_admin_gets_the_unused_invites_as_csv(harness: BotHarness) -> None:
    await harness.import_roster()
    replies = await harness.send(await harness.join("A01"), "/invites")
    document = replies[-1]
    assert document.kind == "document" and document.filename == "invites.csv"
    lines = document.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "id,name,code,link"
    assert any(line.startswith("C01,张明,") and "https://t.me/cadrebot_test?start=" in line for line in lines)
    assert not any(line.startswith("A01,") for line in lines)  # the admin has joined


async def test_a_second_poller_conflict_is_one_warning_line_without_a_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """PTB hands getUpdates errors to the error handler with no update; a 409 is no bug here."""
    context = SimpleNamespace(error=Conflict("Conflict: terminated by other getUpdates request"))
    with caplog.at_level(logging.DEBUG, logger="cadrebot.errors"):
        await errors.on_error(None, context)  # type: ignore[arg-type]
    assert [(r.levelname, r.exc_info) for r in caplog.records] == [("WARNING", None)]
    assert "409 Conflict" in caplog.records[0].getMessage()
