"""The week's reading (/reading, /publish): 已读 and 心得 recorded once, every bad 心得 refused
with its limit and nothing lost, forged buttons, a non-admin's /publish, a restart mid-flow,
the Monday reminder carrying the reading, and the digest and /export views of it."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from bot.console.chat import LocalUser
from db.models import ReadingMark, StudyRecord
from tests.bot.restart import restarted
from tests.conftest import PROJECT_ROOT, BotHarness

WEDNESDAY = datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai, week 2026-W49
NOTES = "通过学习新时代党的组织路线，我深刻认识到组织体系建设是党的建设的重点。" * 4  # 35 × 4 = 140 字


async def people(harness: BotHarness) -> dict[str, LocalUser]:
    await harness.import_roster()
    users = {code: await harness.join(code) for code in ("C01", "C02", "C03", "S01", "A01")}
    harness.set_time(WEDNESDAY)
    return users


async def records(harness: BotHarness) -> list[StudyRecord]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(StudyRecord).order_by(StudyRecord.id))).all())


async def marks(harness: BotHarness) -> list[ReadingMark]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(ReadingMark).order_by(ReadingMark.id))).all())


async def test_reading_shows_this_weeks_reading_with_its_credits_and_two_buttons(harness: BotHarness) -> None:
    who = await people(harness)
    [shown] = await harness.send(who["C01"], "/reading")
    assert "《新时代党的组织路线》" in shown.text and "11月30日至12月6日" in shown.text
    assert "计1学时" in shown.text and "出处：" in shown.text
    assert [b.text for b in shown.flat_buttons] == ["已读", "写心得"]


async def test_a_week_without_a_reading_says_so_and_offers_the_latest_past_one(harness: BotHarness) -> None:
    who = await people(harness)
    harness.set_time(datetime(2027, 1, 13, 2, 0, tzinfo=timezone.utc))  # 2027-W02: none shipped
    [shown] = await harness.send(who["C01"], "/reading")
    assert shown.text.startswith("本周（1月11日至1月17日）还没有安排篇目") and "《中央八项规定》" in shown.text
    harness.set_time(datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc))  # before the first one
    [none] = await harness.send(who["C01"], "/reading")
    assert none.text == "本周还没有安排每周一篇的篇目，请留意管理员的通知。" and not none.flat_buttons


async def test_read_records_the_credit_once_and_a_second_press_says_already_recorded(harness: BotHarness) -> None:
    who = await people(harness)
    [shown] = await harness.send(who["C01"], "/reading")
    [answer] = await harness.press(who["C01"], shown, "已读")
    assert answer.text == "已记录：已读《新时代党的组织路线》，计1学时。"
    [again] = await harness.press(who["C01"], shown, "已读")
    assert again.text == "已记录过本篇的已读，无需重复。"
    [record] = await records(harness)
    assert (record.activity, record.credits, record.status) == ("dushu", 1.0, "confirmed")
    assert "已读过本篇" in (await harness.send(who["C01"], "/reading"))[0].text


async def test_notes_of_enough_length_record_the_notes_credit_and_the_read_credit_once(harness: BotHarness) -> None:
    who = await people(harness)
    [shown] = await harness.send(who["C01"], "/reading")
    asked = await harness.press(who["C01"], shown, "写心得")
    assert "100至2000字" in asked[-1].text
    [saved] = await harness.send(who["C01"], NOTES)
    assert saved.text == "心得已提交：《新时代党的组织路线》，连同已读共计2学时。"
    assert sorted(r.credits for r in await records(harness)) == [1.0, 1.0]
    [mark] = await marks(harness)
    assert mark.notes == NOTES and mark.read_at is not None
    [twice] = await harness.press(who["C01"], shown, "写心得")
    assert twice.text == "您已提交过本篇的心得，每篇只记一次。"
    [read_after] = await harness.press(who["C01"], shown, "已读")
    assert read_after.text == "已记录过本篇的已读，无需重复。"
    assert len(await records(harness)) == 2


async def test_short_notes_are_told_the_count_and_the_minimum_and_the_flow_stays_open(harness: BotHarness) -> None:
    who = await people(harness)
    [shown] = await harness.send(who["C01"], "/reading")
    await harness.press(who["C01"], shown, "写心得")
    [short] = await harness.send(who["C01"], "学习了，很有收获。")
    assert short.text.startswith("心得目前9字，至少需要100字。")
    [saved] = await harness.send(who["C01"], NOTES)  # extended and sent again: taken
    assert saved.text.startswith("心得已提交")


async def test_notes_of_4000_characters_or_only_emoji_are_refused_with_the_limit_and_can_be_resent(harness: BotHarness) -> None:
    who = await people(harness)
    [shown] = await harness.send(who["C01"], "/reading")
    await harness.press(who["C01"], shown, "写心得")
    [long] = await harness.send(who["C01"], "学" * 4000)
    assert long.text.startswith("心得4000字，超过了2000字的上限。")
    [emoji] = await harness.send(who["C01"], "👍🎉🎉👍 ！！")
    assert emoji.text.startswith("心得需要写成文字，只有表情或符号无法记录。")
    assert await records(harness) == [] and await marks(harness) == []
    [saved] = await harness.send(who["C01"], NOTES)
    assert saved.text.startswith("心得已提交")


async def test_a_forged_or_replaced_reading_button_is_stale_and_records_nothing(harness: BotHarness) -> None:
    who = await people(harness)
    [shown] = await harness.send(who["C01"], "/reading")
    for data in ("rd:read:r-2027-w01", "rd:read:../../x", "rd:note:pub-99999999999", "rd:read:" + "a" * 60, "rd:zz:1"):
        [answer] = await harness.chat.press_data(who["C01"], shown, data)
        assert answer.text.startswith("这个按钮已失效"), data
    assert await records(harness) == []


async def test_publish_by_a_non_admin_is_not_allowed(harness: BotHarness) -> None:
    who = await people(harness)
    for code in ("C01", "S01"):
        [refused] = await harness.send(who[code], "/publish")
        assert refused.text == "抱歉，这项功能您暂无权限使用。"


async def test_an_admin_publishes_after_a_preview_that_names_the_reading_it_replaces(harness: BotHarness) -> None:
    who = await people(harness)
    await harness.send(who["A01"], "/publish")
    await harness.send(who["A01"], "学习《干部任用条例》")
    [preview] = await harness.send(who["A01"], "2026-12-01")  # text that is not a link: the body
    assert "2026-W50" in preview.text and "将替换该周原有篇目《新时代好干部标准》" in preview.text  # W49 has one: next week
    [moved] = await harness.send(who["A01"], "2026-12-02")  # a typed date picks this week instead
    assert "2026-W49" in moved.text and "《新时代党的组织路线》" in moved.text
    [gone] = await harness.press(who["A01"], preview, "发布")  # the older preview's button
    assert gone.text.startswith("这次发布已处理或已过期")
    done = await harness.press(who["A01"], moved, "发布")
    assert done[-1].text == "已发布：2026-W49《学习《干部任用条例》》。"
    again = await harness.press(who["A01"], moved, "发布")
    assert again[-1].text.startswith("这次发布已处理或已过期")
    [shown] = await harness.send(who["C01"], "/reading")
    assert "《学习《干部任用条例》》" in shown.text and "2026-12-01" in shown.text


async def test_cancel_publishes_nothing(harness: BotHarness) -> None:
    who = await people(harness)
    await harness.send(who["A01"], "/publish")
    await harness.send(who["A01"], "标题")
    [preview] = await harness.send(who["A01"], "https://www.12371.cn/")
    assert "原文：https://www.12371.cn/" in preview.text
    answer = await harness.press(who["A01"], preview, "取消")
    assert answer[-1].text == "已取消，未发布。"
    assert "《新时代党的组织路线》" in (await harness.send(who["C01"], "/reading"))[0].text


async def test_a_restart_mid_flow_keeps_the_notes_flow_and_loses_nothing(harness: BotHarness) -> None:
    who = await people(harness)
    [shown] = await harness.send(who["C01"], "/reading")
    await harness.press(who["C01"], shown, "写心得")
    async with restarted(harness) as second:
        [saved] = await second.send(who["C01"], NOTES)
        assert saved.text.startswith("心得已提交")
        [twice] = await second.press(who["C01"], shown, "写心得")
        assert twice.text == "您已提交过本篇的心得，每篇只记一次。"
    assert len(await records(harness)) == 2


async def test_a_full_daily_cap_is_said_plainly_and_nothing_is_recorded(harness: BotHarness) -> None:
    who = await people(harness)
    await harness.send(who["C01"], "/study 读书笔记 2 党章")
    logged = len(await records(harness))
    [shown] = await harness.send(who["C01"], "/reading")
    [answer] = await harness.press(who["C01"], shown, "已读")
    assert answer.text.startswith("今天登记的读书笔记已达每日上限（2篇），本次未能计入学时")
    assert len(await records(harness)) == logged and await marks(harness) == []


async def test_the_monday_reminder_carries_the_weeks_reading_and_its_buttons(harness: BotHarness) -> None:
    who = await people(harness)
    sent = await harness.tick("2026-11-30 08:30")
    mine = next(m for m in sent if m.chat_id == who["C01"].user_id)
    assert "本周一篇：《新时代党的组织路线》" in mine.text
    assert [b.text for b in mine.flat_buttons][:2] == ["已读", "写心得"]
    [answer] = await harness.press(who["C01"], mine, "已读")
    assert answer.text.startswith("已记录：已读")


async def test_a_monday_without_a_reading_keeps_the_reminder_unchanged(harness: BotHarness) -> None:
    who = await people(harness)
    sent = await harness.tick("2027-01-11 08:30")
    mine = next(m for m in sent if m.chat_id == who["C01"].user_id)
    assert "本周一篇" not in mine.text and "已读" not in [b.text for b in mine.flat_buttons]


async def test_the_digest_shows_who_read_it_and_never_the_notes(harness: BotHarness) -> None:
    who = await people(harness)
    [shown] = await harness.send(who["C01"], "/reading")
    await harness.press(who["C01"], shown, "写心得")
    await harness.send(who["C01"], NOTES)
    digest = "\n".join(m.text for m in await harness.send(who["S01"], "/digest"))
    assert "每周一篇《新时代党的组织路线》：已读1/3" in digest and "未读：" in digest and "李华" in digest
    assert NOTES[:20] not in digest


async def test_only_an_admins_export_has_the_notes_sheet(harness: BotHarness) -> None:
    who = await people(harness)
    [shown] = await harness.send(who["C01"], "/reading")
    await harness.press(who["C01"], shown, "写心得")
    await harness.send(who["C01"], NOTES)
    admin = (await harness.send(who["A01"], "/export"))[-1]
    book = load_workbook(io.BytesIO(admin.content))
    assert "每周一篇心得" in book.sheetnames
    sheet = book["每周一篇心得"]
    assert [c.value for c in sheet[2]][2:5] == ["张明", "组织科", NOTES]
    supervisor = (await harness.send(who["S01"], "/export"))[-1]
    book = load_workbook(io.BytesIO(supervisor.content))
    assert "每周一篇心得" not in book.sheetnames
    assert all(NOTES[:20] not in str(cell.value) for ws in book.worksheets for row in ws.iter_rows() for cell in row)


async def test_reload_takes_an_edited_readings_file_and_keeps_the_served_ones_when_it_is_broken(
    harness: BotHarness, tmp_path: Path,
) -> None:
    who = await people(harness)
    folder = tmp_path / "readings"
    folder.mkdir()
    shipped = (PROJECT_ROOT / "knowledge" / "readings" / "2026-2027.yaml").read_text(encoding="utf-8")
    harness.services.knowledge.reading_paths = [folder]  # as if config.readings.paths named it
    (folder / "plan.yaml").write_text(shipped.replace("title: 新时代党的组织路线", "title: 新时代党的组织路线（修订）"),
                                      encoding="utf-8")
    reloaded = (await harness.send(who["A01"], "/reload"))[-1].text
    assert "每周一篇：5篇。" in reloaded
    assert "《新时代党的组织路线（修订）》" in (await harness.send(who["C01"], "/reading"))[0].text
    (folder / "plan.yaml").write_text(shipped.replace("week: 2026-W50", "week: 2026-W99"), encoding="utf-8")
    refused = (await harness.send(who["A01"], "/reload"))[-1].text
    assert "每周一篇的文件有1处问题，未更新，仍使用原有的5篇" in refused and "plan.yaml" in refused
    assert "《新时代党的组织路线（修订）》" in (await harness.send(who["C01"], "/reading"))[0].text
