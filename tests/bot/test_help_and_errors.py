"""Finding one's way: /help per role, /cancel, unknown commands, odd messages, and errors."""

from __future__ import annotations

from telegram.ext import CommandHandler

from tests.conftest import BotHarness


async def test_help_shows_the_commands_of_the_speakers_roles(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre_help = (await harness.send(await harness.join("C01"), "/help"))[0].text
    admin_help = (await harness.send(await harness.join("A01"), "/help"))[0].text
    assert "/help" in cadre_help and "/cancel" in cadre_help
    assert "/invites" not in cadre_help
    assert "/invites" in admin_help


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
