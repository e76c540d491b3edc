"""Talk notes stay private: saved encrypted when typed in time, refused (and never logged as a
question, shown in /gaps or in the admins' digest) when typed too late, kept in their step
across a restart, never in the logs, and shown only in protected messages."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, text
from telegram.ext import MessageHandler, filters

from bot.console.chat import LocalUser
from db import talks
from db.models import Question, Talk
from tests.bot.restart import restarted
from tests.conftest import BotHarness

ROSTER = """\
- {id: "C01", name: 张明, unit: 组织科, roles: cadre}
- {id: "C02", name: 李华, unit: 组织科, roles: cadre}
- {id: "S01", name: 赵强, unit: 组织科, roles: cadre;supervisor, supervises: 组织科}
- {id: "A01", name: 陈静, unit: 办公室, roles: admin}
"""
NOTES = "李华家里老人生病思想压力大想调岗"


async def setup(harness: BotHarness) -> dict[str, LocalUser]:
    """赵强 last talked with 张明 on 08-20, so a prompt is due on 11-20."""
    await harness.import_roster(ROSTER)
    users = {eid: await harness.join(eid) for eid in ("C01", "C02", "S01", "A01")}
    async with harness.services.db.session() as session:
        s01, c01 = await harness.person("S01"), await harness.person("C01")
        recorded = datetime(2026, 8, 20, 18, tzinfo=harness.services.config.tz)
        await talks.record_talk(session, s01.id, c01.id, date(2026, 8, 20), recorded)
        await session.commit()
    return users


async def press_done(harness: BotHarness, supervisor: LocalUser):  # type: ignore[no-untyped-def]
    sent = await harness.tick("2026-11-20 09:00")
    [prompt] = [m for m in sent if m.chat_id == supervisor.user_id and "谈心谈话提醒" in m.text]
    asked = (await harness.press(supervisor, prompt, "已谈"))[-1]
    replies = await harness.press(supervisor, asked, "今天")
    assert "仅您本人可见" in replies[-1].text
    return prompt


async def stored_talks(harness: BotHarness) -> list[Talk]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(Talk).where(Talk.notes.is_not(None)).order_by(Talk.id))).all())


async def raw_notes(harness: BotHarness) -> list[str]:
    """The notes column as the database holds it, read past the ORM."""
    async with harness.services.db.session() as session:
        return [row[0] for row in (await session.execute(text("SELECT notes FROM talks WHERE notes IS NOT NULL"))).all()]


async def logged_questions(harness: BotHarness) -> list[str]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(Question.text))).all())


# --- in time ---------------------------------------------------------------------------------


async def test_notes_typed_in_time_are_saved_encrypted_and_read_back_only_by_their_author(harness: BotHarness) -> None:
    users = await setup(harness)
    prompt = await press_done(harness, users["S01"])
    harness.set_time(harness.services.now() + timedelta(minutes=25))
    saved = await harness.send(users["S01"], NOTES)
    assert saved[-1].text == "谈话要点已保存，仅您本人可见。"
    [stored] = await raw_notes(harness)
    assert NOTES not in stored and NOTES.encode() not in stored.encode() and stored.isascii()
    [talk] = await stored_talks(harness)
    assert talk.notes_format == "fernet" and harness.services.notes.decrypt(stored) == NOTES
    own_log = await harness.press(users["S01"], prompt, "查看记录")
    assert NOTES in own_log[-1].text
    assert await logged_questions(harness) == []


async def test_the_notes_view_the_report_and_the_export_are_protected_from_forwarding(harness: BotHarness) -> None:
    users = await setup(harness)
    prompt = await press_done(harness, users["S01"])
    await harness.send(users["S01"], NOTES)
    mark = len(harness.request.calls)
    await harness.press(users["S01"], prompt, "查看记录")
    await harness.send(users["S01"], "/report 张明")
    await harness.send(users["S01"], "/export")
    sent = [(method, params) for method, params in harness.request.calls[mark:] if method in ("sendMessage", "sendDocument")]
    assert [method for method, _ in sent] == ["sendMessage", "sendMessage", "sendDocument"]
    assert all(params.get("protect_content") is True for _, params in sent), sent


# --- too late --------------------------------------------------------------------------------


async def test_notes_typed_45_minutes_later_are_not_saved_not_logged_and_never_reach_gaps_or_the_digest(
    harness: BotHarness,
) -> None:
    users = await setup(harness)
    await press_done(harness, users["S01"])
    await harness.send(users["C01"], "公积金怎么提取")  # a real gap, to show the digest does list gaps
    harness.set_time(harness.services.now() + timedelta(minutes=45))
    late = await harness.send(users["S01"], NOTES)
    assert len(late) == 1 and "没有保存" in late[0].text and "不会作为问题记录" in late[0].text
    assert late[0].button("补写记录")
    assert await stored_talks(harness) == []
    assert await logged_questions(harness) == ["公积金怎么提取"]
    gaps = "\n".join(m.text for m in await harness.send(users["A01"], "/gaps"))
    assert "公积金怎么提取" in gaps and NOTES not in gaps
    digest = [m.text for m in await harness.tick("2026-11-23 09:00") if m.chat_id == users["A01"].user_id]
    assert any("公积金怎么提取（1次）" in t for t in digest) and not any(NOTES in t for t in digest)


async def test_late_notes_that_read_like_a_question_are_still_not_logged(harness: BotHarness) -> None:
    users = await setup(harness)
    await press_done(harness, users["S01"])
    harness.set_time(harness.services.now() + timedelta(hours=3))
    late = await harness.send(users["S01"], "询问了他对调岗的想法，是否愿意去乡镇？")
    assert "没有保存" in late[-1].text
    assert await logged_questions(harness) == []


async def test_after_the_window_a_question_the_base_answers_is_answered_and_a_day_later_text_is_a_question(
    harness: BotHarness,
) -> None:
    users = await setup(harness)
    await press_done(harness, users["S01"])
    harness.set_time(harness.services.now() + timedelta(hours=2))
    assert "每季度召开1次" in (await harness.send(users["S01"], "三会一课多久开一次"))[-1].text
    harness.set_time(harness.services.now() + timedelta(hours=23))
    later = await harness.send(users["S01"], "家中老人住院怎么请假")
    assert "没有保存" not in later[-1].text
    assert await logged_questions(harness) == ["三会一课多久开一次", "家中老人住院怎么请假"]


async def test_notes_added_later_from_the_talk_log_follow_the_earlier_ones(harness: BotHarness) -> None:
    users = await setup(harness)
    prompt = await press_done(harness, users["S01"])
    await harness.send(users["S01"], "谈了工作安排")
    harness.set_time(harness.services.now() + timedelta(days=2))
    log = (await harness.press(users["S01"], prompt, "查看记录"))[-1]
    asked = (await harness.press(users["S01"], log, "补写记录"))[-1]
    assert "张明" in asked.text and "11月20日" in asked.text
    assert (await harness.send(users["S01"], NOTES))[-1].text == "谈话要点已保存，仅您本人可见。"
    log = (await harness.press(users["S01"], prompt, "查看记录"))[-1]
    assert "谈了工作安排" in log.text and NOTES in log.text
    assert await logged_questions(harness) == []


async def test_late_notes_can_be_sent_again_with_the_add_notes_button(harness: BotHarness) -> None:
    users = await setup(harness)
    await press_done(harness, users["S01"])
    harness.set_time(harness.services.now() + timedelta(hours=1))
    late = (await harness.send(users["S01"], NOTES))[-1]
    await harness.press(users["S01"], late, "补写记录")
    assert (await harness.send(users["S01"], NOTES))[-1].text == "谈话要点已保存，仅您本人可见。"
    [talk] = await stored_talks(harness)
    assert harness.services.notes.decrypt(talk.notes or "") == NOTES
    assert await logged_questions(harness) == []


async def test_the_add_notes_button_of_someone_elses_talk_or_a_forged_one_is_refused(harness: BotHarness) -> None:
    users = await setup(harness)
    prompt = await press_done(harness, users["S01"])
    [talk_id] = [t.id for t in (await all_talks(harness)) if t.held_on == date(2026, 11, 20)]
    for user, data in ((users["C01"], f"tk:notes:{talk_id}"), (users["S01"], "tk:notes:99999999999999999999"),
                       (users["S01"], "tk:notes:abc"), (users["S01"], "tk:notes:999999")):
        replies = await harness.chat.press_data(user, prompt, data)
        assert replies[-1].kind == "alert" and "暂无权限" in replies[-1].text, data


async def all_talks(harness: BotHarness) -> list[Talk]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(Talk))).all())


async def test_skipping_or_cancelling_the_notes_step_makes_later_text_a_question(harness: BotHarness) -> None:
    users = await setup(harness)
    await press_done(harness, users["S01"])
    assert (await harness.send(users["S01"], "/cancel"))[-1].text == "已取消。"
    harness.set_time(harness.services.now() + timedelta(hours=1))
    assert "没有保存" not in (await harness.send(users["S01"], "公积金怎么提取"))[-1].text
    assert await logged_questions(harness) == ["公积金怎么提取"]


# --- restarts, keys, logs ----------------------------------------------------------------------


async def test_after_a_restart_the_notes_step_continues(harness: BotHarness) -> None:
    users = await setup(harness)
    await press_done(harness, users["S01"])
    async with restarted(harness) as second:
        saved = await second.send(users["S01"], NOTES)
        assert saved[-1].text == "谈话要点已保存，仅您本人可见。"
    [talk] = await stored_talks(harness)
    assert harness.services.notes.decrypt(talk.notes or "") == NOTES
    assert await logged_questions(harness) == []


async def test_without_a_key_notes_are_refused_politely_kept_out_of_the_log_and_the_operator_told(
    harness: BotHarness, caplog: pytest.LogCaptureFixture,
) -> None:
    users = await setup(harness)
    harness.services.notes = None
    await press_done(harness, users["S01"])
    with caplog.at_level(logging.ERROR):
        refused = await harness.send(users["S01"], NOTES)
    assert "无法保存" in refused[-1].text and "联系管理员" in refused[-1].text and refused[-1].button("补写记录")
    assert "CADREBOT_NOTES_KEY" in caplog.text and NOTES not in caplog.text
    again = await harness.send(users["S01"], "补充：需要组织关心")  # still in the step: refused the same way
    assert "无法保存" in again[-1].text
    assert await stored_talks(harness) == [] and await logged_questions(harness) == []


async def test_a_failing_handler_logs_where_and_what_failed_but_never_what_was_typed(
    harness: BotHarness, caplog: pytest.LogCaptureFixture,
) -> None:
    users = await setup(harness)
    secret = "家里老人生病想调岗"

    async def explode(update, context):  # type: ignore[no-untyped-def]
        raise ValueError(f"cannot read {update.message.text}")

    harness.app.add_handler(MessageHandler(filters.TEXT, explode), group=0)
    harness.app.handlers[0].insert(0, harness.app.handlers[0].pop())
    with caplog.at_level(logging.ERROR):
        replies = await harness.send(users["S01"], secret)
    assert "出了点问题" in replies[-1].text
    record = next(r for r in caplog.records if r.name == "cadrebot.errors")
    message = record.getMessage()
    assert secret not in caplog.text and secret not in message
    assert "text message" in message and str(users["S01"].user_id) in message
    assert "ValueError" in message and "explode" in message


# --- /talks and 撤销 ---------------------------------------------------------------------------


async def test_talks_shows_the_notes_to_their_author_only_protected_and_undo_takes_them_away(
    harness: BotHarness, caplog: pytest.LogCaptureFixture,
) -> None:
    users = await setup(harness)
    with caplog.at_level(logging.INFO):  # what the bot runs at (PTB's DEBUG echoes every request)
        sent = await harness.tick("2026-11-20 09:00")
        [prompt] = [m for m in sent if m.chat_id == users["S01"].user_id and "谈心谈话提醒" in m.text]
        asked = (await harness.press(users["S01"], prompt, "已谈"))[-1]
        recorded = (await harness.press(users["S01"], asked, "今天"))[-1]
        assert (await harness.send(users["S01"], NOTES))[-1].text == "谈话要点已保存，仅您本人可见。"
        listing = (await harness.send(users["S01"], "/talks"))[-1]
        assert NOTES not in listing.text
        mark = len(harness.request.calls)
        log = (await harness.press(users["S01"], listing, "张明"))[-1]
        assert NOTES in log.text
        [(_, params)] = [c for c in harness.request.calls[mark:] if c[0] == "sendMessage"]
        assert params.get("protect_content") is True
        for other in (users["C01"], users["A01"]):  # the cadre and an admin: refused, nothing shown
            denied = await harness.chat.press_data(other, listing, listing.button("张明").data)
            assert denied[-1].kind == "alert" and NOTES not in denied[-1].text
        undone = await harness.press(users["S01"], recorded, "撤销")
        assert "要点一并删除" in undone[-1].text
    assert await raw_notes(harness) == []
    assert NOTES not in caplog.text
    assert await logged_questions(harness) == []
