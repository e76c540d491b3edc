"""Conversations kept in the database: a /study draft or a /talk topic continues after a
restart and on another instance, a lapsed draft is dropped and said so once, and a question
asked mid-draft is answered (and logged) with the draft's prompt asked again."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import DEFAULT_CONFIG, ConfigError, ConversationSettings, load_config
from bot.console.chat import LocalUser
from db.models import FlowState, Question, StudyRecord, TalkRequest
from tests.bot.restart import restarted
from tests.conftest import BotHarness


async def cadre(harness: BotHarness, external_id: str = "C01") -> LocalUser:
    await harness.import_roster()
    return await harness.join(external_id)


async def records(harness: BotHarness) -> list[StudyRecord]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(StudyRecord))).all())


async def logged_questions(harness: BotHarness) -> list[str]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(Question.text).order_by(Question.id))).all())


async def open_flows(harness: BotHarness) -> list[FlowState]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(FlowState))).all())


def later(harness: BotHarness, **delta: float) -> None:
    harness.set_time(harness.services.now() + timedelta(**delta))


# --- restarts --------------------------------------------------------------------------------


async def test_a_study_draft_pressed_through_on_a_new_application_at_every_step_is_saved_once(
    harness: BotHarness,
) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    for label, expect in (("专题讲座", "学习了多少小时"), ("2小时", "哪天学习的"), ("今天", "备注"), ("跳过", "请确认")):
        async with restarted(harness) as instance:
            shown = (await instance.press(user, shown, label))[-1]
            assert expect in shown.text, label
    async with restarted(harness) as instance:
        saved = (await instance.press(user, shown, "确认"))[-1]
    assert saved.text.startswith("已记录：专题讲座2小时")
    [record] = await records(harness)
    assert (record.activity, record.amount, record.note) == ("jiangzuo", 2, "")
    assert await open_flows(harness) == []


async def test_typed_steps_continue_after_each_restart(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    for typed, expect in (("2", "哪天学习的"), ("昨天", "备注"), ("学习党章", "请确认")):
        async with restarted(harness) as instance:
            shown = (await instance.send(user, typed))[-1]
            assert expect in shown.text, typed
    assert "备注：学习党章" in shown.text and "11月19日（昨天）" in shown.text
    async with restarted(harness) as instance:
        await instance.press(user, shown, "确认")
    [record] = await records(harness)
    assert (record.amount, record.note, str(record.study_date)) == (2, "学习党章", "2026-11-19")
    assert await logged_questions(harness) == []  # 2, 昨天, 学习党章 were the draft's, not questions


async def test_confirm_pressed_on_two_instances_records_once(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    for label in ("专题讲座", "2小时", "今天", "跳过"):
        shown = (await harness.press(user, shown, label))[-1]
    async with restarted(harness) as other:
        await harness.press(user, shown, "确认")
        again = await other.press(user, shown, "确认")
    assert again[-1].kind == "alert" and again[-1].text == "已记录过了，不会重复记录。"
    assert len(await records(harness)) == 1


async def test_a_talk_topic_asked_for_continues_after_a_restart_and_is_not_a_question(harness: BotHarness) -> None:
    await harness.import_roster()
    user, supervisor = await harness.join("C01"), await harness.join("S01")
    asked = (await harness.send(user, "/talk"))[-1]
    assert "/talk" in asked.text and "话题" in asked.text
    async with restarted(harness) as instance:
        replies = await instance.send(user, "最近工作压力比较大，怎么调整？")
    told = [m for m in replies if m.chat_id == supervisor.user_id]
    assert len(told) == 1 and "最近工作压力比较大，怎么调整？" in told[0].text
    assert "已转告" in replies[-1].text
    async with harness.services.db.session() as session:
        assert (await session.scalars(select(TalkRequest.topic))).all() == ["最近工作压力比较大，怎么调整？"]
    assert await logged_questions(harness) == []
    assert "已转告" not in (await harness.send(user, "三会一课多久开一次"))[-1].text  # the step is over


# --- timeouts --------------------------------------------------------------------------------


async def test_a_lapsed_draft_is_dropped_and_said_so_once_then_text_is_a_question_again(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    amount = (await harness.press(user, shown, "专题讲座"))[-1]
    later(harness, minutes=11)
    replies = await harness.send(user, "三会一课多久开一次")
    assert "已超过10分钟没有操作，已作废" in replies[0].text and "/study" in replies[0].text
    assert "每季度召开1次" in replies[-1].text
    again = await harness.send(user, "主题党日多久开展一次")
    assert not any("作废" in m.text for m in again)
    stale = await harness.press(user, amount, "2小时")
    assert stale[-1].kind == "alert" and "失效" in stale[-1].text and not any("作废" in m.text for m in stale)
    assert await records(harness) == [] and await open_flows(harness) == []


async def test_a_button_pressed_after_the_draft_lapsed_says_it_was_dropped(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    amount = (await harness.press(user, shown, "专题讲座"))[-1]
    later(harness, minutes=30)
    replies = await harness.press(user, amount, "2小时")
    assert any("已作废" in m.text for m in replies if m.kind == "text")
    assert replies[-1].kind == "alert" and "失效" in replies[-1].text
    assert await records(harness) == []


async def test_each_answer_gives_the_draft_its_time_again(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    later(harness, minutes=9)
    assert "哪天学习的" in (await harness.send(user, "2"))[-1].text
    later(harness, minutes=9)
    assert "备注" in (await harness.send(user, "今天"))[-1].text


async def test_the_timeout_comes_from_the_config(harness: BotHarness) -> None:
    config = harness.services.config
    harness.services.config = config.model_copy(update={"conversations": ConversationSettings(timeout_minutes=2)})
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    later(harness, minutes=3)
    replies = await harness.send(user, "2")
    assert "已超过2分钟没有操作" in replies[0].text


async def test_a_lapsed_talk_topic_is_dropped_and_said_so(harness: BotHarness) -> None:
    user = await cadre(harness)
    await harness.send(user, "/talk")
    later(harness, minutes=15)
    replies = await harness.send(user, "公积金怎么提取")
    assert "没有填写话题，已取消" in replies[0].text and "/talk" in replies[0].text
    async with harness.services.db.session() as session:
        assert (await session.scalars(select(TalkRequest))).all() == []
    assert await logged_questions(harness) == ["公积金怎么提取"]


# --- questions mid-draft -----------------------------------------------------------------------


async def test_a_question_asked_mid_draft_is_answered_logged_and_the_prompt_asked_again(harness: BotHarness) -> None:
    """The issue's case: /study → 脱产培训, then 党费怎么交 got 「党费怎么交」不是有效的数量."""
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "脱产培训")
    replies = await harness.send(user, "党费怎么交")
    assert not any("不是有效的数量" in m.text for m in replies)
    assert any("党费" in m.text and "比例" in m.text for m in replies[:-1])  # the answer
    assert "还没有完成" in replies[-1].text and "学习了多少天" in replies[-1].text
    assert await logged_questions(harness) == ["党费怎么交"]
    assert "哪天学习的" in (await harness.send(user, "2"))[-1].text  # the draft goes on


async def test_a_question_at_the_date_step_and_at_the_confirmation_is_answered_too(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    shown = (await harness.press(user, shown, "专题讲座"))[-1]
    await harness.press(user, shown, "2小时")
    at_date = await harness.send(user, "三会一课多久开一次？")
    assert "每季度召开1次" in at_date[0].text and "哪天学习的" in at_date[-1].text
    assert "不能记录未来的学习" in (await harness.send(user, "明天"))[-1].text  # a date, not a question
    await harness.send(user, "今天")
    confirm = (await harness.send(user, "没有"))[-1]
    assert "请确认" in confirm.text
    at_confirm = await harness.send(user, "主题党日多久开展一次")
    assert "请确认" in at_confirm[-1].text and at_confirm[-1].button("确认")
    hint = (await harness.send(user, "好的"))[-1]
    assert "请点「确认」" in hint.text and hint.button("确认")
    assert await logged_questions(harness) == ["三会一课多久开一次？", "主题党日多久开展一次"]


async def test_a_note_that_reads_like_a_question_is_the_note(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    shown = (await harness.press(user, shown, "专题讲座"))[-1]
    shown = (await harness.press(user, shown, "2小时"))[-1]
    await harness.press(user, shown, "今天")
    confirm = (await harness.send(user, "如何理解新时代党的建设总要求？"))[-1]
    assert "备注：如何理解新时代党的建设总要求？" in confirm.text
    assert await logged_questions(harness) == []


async def test_an_activity_typed_at_the_first_step_is_a_choice(harness: BotHarness) -> None:
    user = await cadre(harness)
    await harness.send(user, "/study")
    assert "学习了多少小时" in (await harness.send(user, "讲座"))[-1].text
    await harness.send(user, "/study")
    unclear = (await harness.send(user, "开会"))[-1]
    assert "没有「开会」这个学习类型" in unclear.text and unclear.buttons
    assert await logged_questions(harness) == []


async def test_a_typo_in_an_amount_is_still_asked_about_not_taken_for_a_question(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    again = (await harness.send(user, "两个钟头多"))[-1]
    assert "不是有效的数量" in again.text and "学习了多少小时" in again.text
    assert await logged_questions(harness) == []


@pytest.mark.parametrize("setting", ["timeout_minutes: 0", "notes_minutes: -5", "late_notes_hours: 1000", "timeout: 10"])
def test_a_bad_conversation_setting_stops_start_up_naming_its_key(tmp_path: Path, setting: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(f"conversations:\n  {setting}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert f"conversations.{setting.split(':')[0]}" in str(caught.value) and "\n" not in str(caught.value)


def test_the_shipped_conversation_timeouts() -> None:
    settings = load_config(DEFAULT_CONFIG, env={}).conversations
    assert (settings.timeout_minutes, settings.notes_minutes, settings.late_notes_hours) == (10, 30, 24)
