"""Dates the way cadres write them in /study: 上周五, 三天前, 十一月三十日 … in the guided flow
and in the one-line form. A word that looks like a date but names no day is asked about,
never turned into the note, never recorded as today."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from bot.console.chat import LocalUser
from bot.study.input import StudyInputError, check_date, looks_like_date, parse_date, split_one_line
from db.models import StudyRecord
from tests.conftest import BotHarness

THURSDAY = date(2026, 12, 3)  # the day the cadre types; 11月30日 was the Monday of this week

WRITTEN = [
    ("今天", date(2026, 12, 3)), ("昨天", date(2026, 12, 2)), ("前天", date(2026, 12, 1)),
    ("大前天", date(2026, 11, 30)), ("上周五", date(2026, 11, 27)), ("上周一", date(2026, 11, 23)),
    ("上周日", date(2026, 11, 29)), ("上周天", date(2026, 11, 29)), ("上星期五", date(2026, 11, 27)),
    ("本周三", date(2026, 12, 2)), ("这周三", date(2026, 12, 2)), ("本周一", date(2026, 11, 30)),
    ("周五", date(2026, 11, 27)), ("3天前", date(2026, 11, 30)), ("三天前", date(2026, 11, 30)),
    ("两天前", date(2026, 12, 1)), ("11月30日", date(2026, 11, 30)), ("11.30", date(2026, 11, 30)),
    ("11-30", date(2026, 11, 30)), ("十一月三十日", date(2026, 11, 30)), ("十一月三十号", date(2026, 11, 30)),
    ("2026-11-30", date(2026, 11, 30)), ("2026年11月30日", date(2026, 11, 30)),
    ("二〇二六年十一月三十日", date(2026, 11, 30)), ("１１．３０", date(2026, 11, 30)),
]
UNREADABLE = ["上上周八", "2026-02-30", "13月5日", "11.31", "上周末", "大大前天", "十一月", "11-30-2026"]
NOTES_WITH_NUMERALS = ["学习二十大报告第3章", "第3章", "三会一课", "二十大", "十九届六中全会", "本周例会", "3"]


# --- the parser ------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "day"), WRITTEN)
def test_each_way_of_writing_a_day_is_read_as_that_day(typed: str, day: date) -> None:
    assert looks_like_date(typed)
    assert parse_date(typed, THURSDAY) == day


@pytest.mark.parametrize(("typed", "day"), [("明天", date(2026, 12, 4)), ("后天", date(2026, 12, 5)),
                                            ("本周五", date(2026, 12, 4)), ("下周一", date(2026, 12, 7))])
def test_a_future_day_is_read_and_then_refused_naming_today(typed: str, day: date) -> None:
    assert parse_date(typed, THURSDAY) == day
    with pytest.raises(StudyInputError) as caught:
        check_date(parse_date(typed, THURSDAY), THURSDAY, 30)
    assert (caught.value.code, caught.value.day) == ("date_future", THURSDAY)


def test_a_day_without_a_year_is_the_latest_such_day() -> None:
    assert parse_date("12月30日", date(2027, 1, 5)) == date(2026, 12, 30)  # in January: last December
    assert parse_date("十二月三十日", date(2027, 1, 5)) == date(2026, 12, 30)
    assert parse_date("1月5日", THURSDAY) == date(2026, 1, 5)
    assert parse_date("12-30", date(2026, 11, 20)) == date(2025, 12, 30)  # 40 days ahead: last year's


def test_a_day_a_few_weeks_ahead_is_this_years_slip_and_refused_as_future() -> None:
    assert parse_date("11-25", date(2026, 11, 20)) == date(2026, 11, 25)


@pytest.mark.parametrize("typed", UNREADABLE)
def test_a_word_that_looks_like_a_date_but_names_no_day_is_unreadable(typed: str) -> None:
    assert looks_like_date(typed)
    with pytest.raises(StudyInputError) as caught:
        parse_date(typed, THURSDAY)
    assert (caught.value.code, caught.value.value) == ("date_unreadable", typed)


@pytest.mark.parametrize("note", NOTES_WITH_NUMERALS)
def test_a_note_with_numerals_is_not_a_date(note: str) -> None:
    assert not looks_like_date(note)
    assert split_one_line(["专题讲座", "2", note]).day is None


def test_the_one_line_form_takes_the_word_after_the_amount_as_the_date_even_when_unreadable() -> None:
    assert split_one_line("专题讲座 2 上周五 备注".split()).day == "上周五"
    line = split_one_line("专题讲座 2 上上周八 备注".split())
    assert (line.day, line.note) == ("上上周八", "备注")


# --- through the bot -------------------------------------------------------------------------


async def cadre_on(harness: BotHarness, today: date) -> LocalUser:
    """A cadre who has joined, at 10:00 local on `today`."""
    harness.set_time(datetime(today.year, today.month, today.day, 2, 0, tzinfo=timezone.utc))
    await harness.import_roster()
    return await harness.join("C01")


async def stored(harness: BotHarness) -> list[StudyRecord]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(StudyRecord).order_by(StudyRecord.id))).all())


@pytest.mark.parametrize(("typed", "day"), WRITTEN)
async def test_the_one_line_form_records_the_day_written(harness: BotHarness, typed: str, day: date) -> None:
    user = await cadre_on(harness, THURSDAY)
    reply = (await harness.send(user, f"/study 专题讲座 2 {typed} 学习党章"))[-1]
    assert "已记录" in reply.text and f"{day.month}月{day.day}日" in reply.text
    assert [(r.study_date, r.note) for r in await stored(harness)] == [(day, "学习党章")]


@pytest.mark.parametrize("typed", ["上上周八", "2026-02-30", "13月5日", "11.31"])
async def test_the_one_line_form_asks_about_an_unreadable_date_and_records_nothing(harness: BotHarness, typed: str) -> None:
    user = await cadre_on(harness, THURSDAY)
    reply = (await harness.send(user, f"/study 专题讲座 2 {typed} 学习党章"))[-1]
    assert f"未能识别日期「{typed}」。" in reply.text and "/study 类型 数量" in reply.text
    assert await stored(harness) == []


@pytest.mark.parametrize("typed", ["明天", "后天", "本周五"])
async def test_the_one_line_form_refuses_a_future_day_naming_today(harness: BotHarness, typed: str) -> None:
    user = await cadre_on(harness, THURSDAY)
    reply = (await harness.send(user, f"/study 专题讲座 2 {typed}"))[-1]
    assert "不能记录未来的学习（今天是12月3日）" in reply.text
    assert await stored(harness) == []


async def test_a_note_with_numerals_is_kept_as_the_note_and_the_day_is_today(harness: BotHarness) -> None:
    user = await cadre_on(harness, THURSDAY)
    reply = (await harness.send(user, "/study 专题讲座 2 学习二十大报告第3章"))[-1]
    assert "已记录" in reply.text and "12月3日（今天）" in reply.text
    assert [(r.study_date, r.note) for r in await stored(harness)] == [(THURSDAY, "学习二十大报告第3章")]


async def test_in_january_a_december_day_is_last_years(harness: BotHarness) -> None:
    user = await cadre_on(harness, date(2027, 1, 5))
    reply = (await harness.send(user, "/study 专题讲座 2 12月30日"))[-1]
    assert "已记录" in reply.text and "2026年12月30日" in reply.text
    assert [r.study_date for r in await stored(harness)] == [date(2026, 12, 30)]


async def test_the_guided_date_step_reads_words_and_asks_again_about_an_unreadable_one(harness: BotHarness) -> None:
    user = await cadre_on(harness, THURSDAY)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    assert "哪天学习的" in (await harness.send(user, "2"))[-1].text
    asked = (await harness.send(user, "上上周八"))[-1]
    assert "未能识别日期「上上周八」。" in asked.text and "哪天学习的" in asked.text
    future = (await harness.send(user, "明天"))[-1]
    assert "不能记录未来的学习（今天是12月3日）" in future.text and "哪天学习的" in future.text
    note_step = (await harness.send(user, "上周五"))[-1]
    confirm = (await harness.press(user, note_step, "跳过"))[-1]
    assert "日期：11月27日" in confirm.text
    await harness.press(user, confirm, "确认")
    assert [r.study_date for r in await stored(harness)] == [date(2026, 11, 27)]


async def test_the_guided_date_step_reads_chinese_numerals(harness: BotHarness) -> None:
    user = await cadre_on(harness, THURSDAY)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    await harness.send(user, "2")
    note_step = (await harness.send(user, "三天前"))[-1]
    confirm = (await harness.press(user, note_step, "跳过"))[-1]
    assert "日期：11月30日" in confirm.text
