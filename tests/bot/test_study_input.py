"""What cadres type when logging study: amounts, dates, activity names, the one-line form,
and the figures shown back (target, progress bar)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.config import DEFAULT_CONFIG, load_config
from bot.study.progress import progress_bar, target_for
from bot.study.input import (
    OneLine, StudyInputError, check_amount, check_date, match_activity, parse_amount, parse_date, parse_record_id,
    split_one_line,
)
from db.models import Person, PersonRole

STUDY = load_config(DEFAULT_CONFIG, env={}).study
TODAY = date(2026, 11, 20)


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("2", "2"), ("1.5", "1.5"), ("１．５", "1.5"), (".5", "0.5"), ("2小时", "2"), ("3 天", "3"), ("两", "2"),
     ("半天", "0.5"), ("一个半", "1.5"), ("1个半小时", "1.5"), ("两个半", "2.5"), ("十二", "12"), ("二十", "20"),
     ("1.50", "1.5")],
)
def test_amounts_in_digits_and_words(typed: str, amount: str) -> None:
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    ("typed", "code"),
    [("0", "amount_not_positive"), ("-1", "amount_not_positive"), ("负一", "amount_not_positive"),
     ("0.00", "amount_not_positive"), ("1e9", "amount_unreadable"), ("nan", "amount_unreadable"),
     ("NaN", "amount_unreadable"), ("inf", "amount_unreadable"), ("Infinity", "amount_unreadable"),
     ("1,5", "amount_unreadable"), ("很多", "amount_unreadable"), ("", "amount_unreadable"),
     ("9999999", "amount_unreadable"), ("1.001", "amount_too_precise")],
)
def test_amounts_refused_with_a_reason(typed: str, code: str) -> None:
    with pytest.raises(StudyInputError) as caught:
        parse_amount(typed)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("key", "amount", "code"),
    [("jiangzuo", "25", "amount_too_large"), ("jiangzuo", "9", "amount_over_daily_cap"),
     ("dushu", "1.5", "amount_not_whole"), ("tuochan", "32", "amount_too_large"), ("jizhong", "11", "amount_too_large")],
)
def test_amounts_keep_the_activitys_rules(key: str, amount: str, code: str) -> None:
    with pytest.raises(StudyInputError) as caught:
        check_amount(Decimal(amount), STUDY.activity(key))
    assert caught.value.code == code


def test_amounts_within_the_rules_pass() -> None:
    check_amount(Decimal("0.5"), STUDY.activity("tuochan"))  # half a day of training
    check_amount(Decimal("8"), STUDY.activity("jiangzuo"))


@pytest.mark.parametrize(
    ("typed", "day"),
    [("今天", TODAY), ("昨天", date(2026, 11, 19)), ("前天", date(2026, 11, 18)), ("11-18", date(2026, 11, 18)),
     ("11/18", date(2026, 11, 18)), ("2026-11-18", date(2026, 11, 18)), ("11月18日", date(2026, 11, 18)),
     ("11月18号", date(2026, 11, 18)), ("2026年11月18日", date(2026, 11, 18)), ("18日", date(2026, 11, 18))],
)
def test_dates_in_the_forms_people_write(typed: str, day: date) -> None:
    assert parse_date(typed, TODAY) == day


def test_a_date_without_a_year_is_the_nearest_such_day() -> None:
    assert parse_date("12-30", date(2027, 1, 5)) == date(2026, 12, 30)
    assert parse_date("11-25", TODAY) == date(2026, 11, 25)  # then refused as in the future


@pytest.mark.parametrize("typed", ["2026-02-30", "13-01", "明天见", "32日", "11-18-2026"])
def test_impossible_dates_are_unreadable(typed: str) -> None:
    with pytest.raises(StudyInputError) as caught:
        parse_date(typed, TODAY)
    assert caught.value.code == "date_unreadable"


def test_future_and_too_old_dates_are_refused_naming_the_limit() -> None:
    with pytest.raises(StudyInputError) as future:
        check_date(date(2026, 11, 21), TODAY, 30)
    with pytest.raises(StudyInputError) as old:
        check_date(date(2026, 10, 20), TODAY, 30)
    assert (future.value.code, future.value.day) == ("date_future", TODAY)
    assert (old.value.code, old.value.day, old.value.limit) == ("date_too_old", date(2026, 10, 21), 30)
    check_date(date(2026, 10, 21), TODAY, 30)


@pytest.mark.parametrize(
    ("typed", "key"),
    [("专题讲座", "jiangzuo"), ("讲座", "jiangzuo"), ("网络课", "wangxue"), ("网络课程", "wangxue"), ("网课", "wangxue"),
     ("网络学院", "wangxue"), ("wangxue", "wangxue"), ("培训", "tuochan"), ("调研", "diaoyan"), ("读书", "dushu"),
     ("例会", "zhouyi"), ("ＷＡＮＧＸＵＥ", "wangxue")],
)
def test_activity_names_match_loosely(typed: str, key: str) -> None:
    match = match_activity(typed, STUDY.activities)
    assert match.activity is not None and match.activity.key == key


@pytest.mark.parametrize(("typed", "offered"), [
    ("学习", ["jizhong", "zhouyi", "wangxue"]), ("课", ["wangxue", "jiangke"]), ("看书", ["dushu"]),
    ("线上课程", ["wangxue"]),
])
def test_an_unclear_name_offers_only_the_close_activities(typed: str, offered: list[str]) -> None:
    match = match_activity(typed, STUDY.activities)
    assert match.activity is None and [a.key for a in match.closest] == offered


@pytest.mark.parametrize("typed", ["跑步", "看电影", "体育锻炼", "zzz"])
def test_a_name_like_no_activity_offers_none_as_a_guess(typed: str) -> None:
    match = match_activity(typed, STUDY.activities)
    assert match.activity is None and match.closest == ()


def test_an_ambiguous_word_puts_both_meanings_first() -> None:
    match = match_activity("学习", STUDY.activities)
    assert [a.key for a in match.closest[:2]] == ["jizhong", "zhouyi"]


def test_the_one_line_form_splits_activity_amount_date_and_note() -> None:
    assert split_one_line("专题讲座 2 学习二十大报告".split()) == OneLine("专题讲座", "2", None, "学习二十大报告")
    assert split_one_line("网络学院 1.5 昨天".split()) == OneLine("网络学院", "1.5", "昨天", "")
    assert split_one_line("专题讲座2 11-18 党课 第二讲".split()) == OneLine("专题讲座", "2", "11-18", "党课 第二讲")
    assert split_one_line(["读书笔记"]) == OneLine("读书笔记", None, None, "")


def test_record_ids_are_small_whole_numbers() -> None:
    assert parse_record_id("12") == 12 and parse_record_id("#12") == 12
    assert [parse_record_id(t) for t in ("", "abc", "-1", "1.5", "1" * 10, "١٢")] == [None] * 6


def test_progress_bar_fills_by_tenths_and_stops_at_full() -> None:
    assert progress_bar(0) == "░░░░░░░░░░ 0%"
    assert progress_bar(0.45) == "▓▓▓▓░░░░░░ 45%"
    assert progress_bar(1) == "▓▓▓▓▓▓▓▓▓▓ 100%"
    assert progress_bar(1.5) == "▓▓▓▓▓▓▓▓▓▓ 150%"


def _person(**fields: object) -> Person:
    roles = fields.pop("roles", ("cadre",))
    person = Person(external_id="X", name="甲", unit=fields.pop("unit", "组织科"), **fields)
    person.role_rows = [PersonRole(role=role) for role in roles]  # type: ignore[union-attr]
    return person


def test_target_is_person_then_level_then_unit_then_role_then_yearly() -> None:
    targets = STUDY.targets.model_copy(update={"by_unit": {"组织科": 100}, "by_role": {"supervisor": 95}})
    study = STUDY.model_copy(update={"targets": targets})
    assert target_for(_person(target=60.0, level="县处级"), study) == 60
    assert target_for(_person(level="县处级"), study) == 110
    assert target_for(_person(level="乡科级"), study) == 100
    assert target_for(_person(unit="干部科", roles=("cadre", "supervisor")), study) == 95
    assert target_for(_person(unit="干部科"), study) == 90
