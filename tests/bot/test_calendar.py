"""The calendar reminders and digests run on: cron lines mean what crontab means, config's
放假安排 agrees with the chinesecalendar package, and a year with no list does not pass
silently (fixed-date holidays still skipped, admins told)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from bot.scheduling import reminders
from bot.calendar import STATUTORY_FIXED_DAYS_OFF, WorkCalendar, cron_trigger, postponed_to_workday
from bot.config import DEFAULT_CONFIG, ConfigError, load_config
from bot.scheduling.reminders import describe_schedule
from bot.schedule_config import Holidays, ReminderSchedule
from tests.conftest import BotHarness

SHANGHAI = ZoneInfo("Asia/Shanghai")
SHIPPED = load_config(DEFAULT_CONFIG, env={})
CALENDAR = SHIPPED.reminders.holidays.calendar


def fire_days(cron: str, count: int, start: date = date(2026, 11, 16)) -> list[str]:
    """The weekday names (Mon …) of the next `count` distinct days the line fires, from `start`."""
    trigger = cron_trigger(cron, SHANGHAI)
    fire, days = None, []
    now = datetime(start.year, start.month, start.day, tzinfo=SHANGHAI)
    while len(days) < count:
        fire = trigger.get_next_fire_time(fire, now if fire is None else fire + timedelta(seconds=1))
        if fire.strftime("%a %m-%d") not in days:
            days.append(fire.strftime("%a %m-%d"))
    return [day.split()[0] for day in days]


# --- cron lines --------------------------------------------------------------------------------


def test_one_in_the_day_of_week_field_is_monday_as_in_crontab() -> None:
    assert fire_days("0 9 * * 1", 3) == ["Mon", "Mon", "Mon"]
    first = cron_trigger("0 9 * * 1", SHANGHAI).get_next_fire_time(None, datetime(2026, 11, 18, tzinfo=SHANGHAI))
    assert first == datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("cron", ["0 9 * * 0", "* * * * 7", "0 9 * * sun"])
def test_zero_and_seven_are_sunday(cron: str) -> None:
    assert fire_days(cron, 2) == ["Sun", "Sun"]


def test_ranges_and_lists_count_from_sunday_zero() -> None:
    assert fire_days("0 9 * * 1-5", 7) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Mon", "Tue"]
    assert fire_days("0 9 * * 0,6", 4) == ["Sat", "Sun", "Sat", "Sun"]
    assert fire_days("0 9 * * 5-7", 3) == ["Fri", "Sat", "Sun"]
    assert fire_days("0 9 * * mon-fri", 5) == ["Mon", "Tue", "Wed", "Thu", "Fri"]


def test_a_line_restricting_both_day_fields_fires_on_either_as_crontab_does() -> None:
    assert fire_days("0 9 1 * 1", 3, start=date(2026, 11, 24)) == ["Mon", "Tue", "Mon"]  # 11-30, 12-01, 12-07


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("digest:\n  cron: '0 9 * * 8'\n", "digest.cron:"),
     ("digest:\n  cron: '0 9 * * 5-1'\n", "digest.cron:"),
     ("reminders:\n  schedules:\n    - {key: a, name: 甲, cron: '0 9 * * 1/2', text: 好}\n", "reminders.schedules.0.cron:")],
)
def test_a_weekday_crontab_would_refuse_stops_start_up_naming_the_key(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert fragment in str(caught.value) and "0 and 7 are Sunday" in str(caught.value)


@pytest.mark.parametrize(
    ("cron", "shown"),
    [("30 8 * * 1", "每周一 08:30"), ("0 9 * * 1-5", "工作日 09:00"), ("0 9 * * 0,6", "每周六、日 09:00"),
     ("0 9 * * 7", "每周日 09:00"), ("0 16 * * fri", "每周五 16:00"), ("0 9 * * *", "每天 09:00")],
)
def test_remind_shows_numeric_weekdays_the_way_they_fire(cron: str, shown: str) -> None:
    assert describe_schedule(ReminderSchedule(key="k", name="甲", cron=cron, text="好")) == shown


# --- config's lists against chinesecalendar ------------------------------------------------------


def test_configured_holidays_match_chinesecalendar_for_every_year_both_know() -> None:
    known = {day.year for day in chinese_calendar.holidays}
    years = sorted(CALENDAR.listed_years & known)
    assert years, "config and chinesecalendar share no year: update one of them"
    holidays = SHIPPED.reminders.holidays
    for year in years:
        assert {d for d in holidays.days_off if d.year == year} == {
            d for d in chinese_calendar.holidays if d.year == year}, year
        assert {d for d in holidays.makeup_workdays if d.year == year} == {
            d for d in chinese_calendar.workdays if d.year == year}, year


def test_the_fixed_dates_kept_without_a_list_are_days_off_in_every_known_year() -> None:
    for year in sorted({day.year for day in chinese_calendar.holidays}):
        since = (1, 1), (5, 1), (10, 1), (10, 2), (10, 3)
        # 5月2日 is statutory from 2025 (全国年节及纪念日放假办法, 2024 revision).
        fixed = STATUTORY_FIXED_DAYS_OFF if year >= 2025 else since
        for month, day in fixed:
            assert chinese_calendar.is_holiday(date(year, month, day)), (year, month, day)


# --- a year with no list -----------------------------------------------------------------------


def test_a_year_without_a_list_keeps_its_fixed_holidays_and_nothing_else() -> None:
    assert not CALENDAR.has_list(2027)
    assert not CALENDAR.is_workday(date(2027, 1, 1))  # 元旦, a Friday
    assert not CALENDAR.is_workday(date(2027, 10, 1))
    assert CALENDAR.is_first_workday_of_month(date(2027, 1, 4)) and CALENDAR.is_first_workday_of_quarter(date(2027, 1, 4))
    assert CALENDAR.is_workday(date(2027, 2, 8))  # 春节 2027 is not known until its list is added


def test_a_listed_year_is_taken_as_listed() -> None:
    calendar = WorkCalendar(frozenset({date(2030, 1, 1)}))
    assert calendar.is_workday(date(2030, 10, 2))  # the 2030 list (here: only 元旦) is the truth


def test_admins_are_told_this_year_always_and_next_year_in_december() -> None:
    assert CALENDAR.missing_lists(date(2026, 11, 30)) == ()
    assert CALENDAR.missing_lists(date(2026, 12, 1)) == (2027,)
    assert CALENDAR.missing_lists(date(2027, 3, 1)) == (2027,)
    filled = Holidays(days_off=(*SHIPPED.reminders.holidays.days_off, date(2027, 1, 1))).calendar
    assert filled.missing_lists(date(2026, 12, 7)) == ()
    assert filled.missing_lists(date(2027, 12, 6)) == (2028,)


def test_a_fire_time_on_a_day_off_moves_to_the_same_time_of_the_next_workday() -> None:
    holiday_monday = datetime(2026, 10, 5, 9, 0, tzinfo=SHANGHAI)
    assert postponed_to_workday(holiday_monday, CALENDAR, SHANGHAI) == datetime(2026, 10, 8, 9, 0, tzinfo=SHANGHAI)
    workday = datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)
    assert postponed_to_workday(workday, CALENDAR, SHANGHAI) == workday


def test_a_day_listed_both_off_and_as_a_makeup_workday_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("reminders:\n  holidays:\n    days_off: [2027-01-01]\n    makeup_workdays: [2027-01-01]\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    assert "reminders.holidays" in str(caught.value) and "2027-01-01" in str(caught.value)


# --- through the scheduler ---------------------------------------------------------------------


async def everyone(harness: BotHarness) -> dict[str, object]:
    await harness.import_roster()
    return {eid: await harness.join(eid) for eid in ("C01", "C02", "C03", "S01", "A01")}


def texts_to(messages, user) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text for m in messages if m.chat_id == user.user_id]


def configure(harness: BotHarness, section: str, **changes: object) -> None:
    config = harness.services.config
    updated = getattr(config, section).model_copy(update=changes)
    harness.services.config = config.model_copy(update={section: updated})


async def test_on_new_years_day_2027_without_a_list_no_new_month_reminder_until_the_first_workday(
    harness: BotHarness,
) -> None:
    users = await everyone(harness)
    assert await harness.tick("2027-01-01 08:30") == []
    monday = texts_to(await harness.tick("2027-01-04 08:30"), users["C01"])
    assert any("新的一个月开始了" in t for t in monday) and any("新季度开始了" in t for t in monday)
    assert any("周一例会固定学习日" in t for t in monday)


async def test_the_first_tick_logs_that_the_years_list_is_missing_once(
    harness: BotHarness, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reminders, "_WARNED_MISSING", set())
    await everyone(harness)
    with caplog.at_level(logging.WARNING, logger="bot.scheduling.reminders"):
        await harness.tick("2027-01-01 08:00")
        await harness.tick("2027-01-01 08:01")
    warnings = [r.getMessage() for r in caplog.records if "holiday list" in r.getMessage()]
    assert len(warnings) == 1 and "2027" in warnings[0]


async def test_the_admins_december_digest_says_the_2027_list_is_missing(harness: BotHarness) -> None:
    users = await everyone(harness)
    november = await harness.tick("2026-11-30 09:00")
    assert not any("放假安排" in t for t in texts_to(november, users["A01"]))
    december = await harness.tick("2026-12-07 09:00")
    assert any("放假安排缺少2027年" in t and "reminders.holidays" in t for t in texts_to(december, users["A01"]))
    assert not any("放假安排" in t for t in texts_to(december, users["S01"]))


async def test_once_2027_is_filled_in_the_december_digest_says_nothing_of_it(harness: BotHarness) -> None:
    users = await everyone(harness)
    days_off = (*harness.services.config.reminders.holidays.days_off, date(2027, 1, 1))
    configure(harness, "reminders", holidays=Holidays(days_off=days_off))
    december = await harness.tick("2026-12-07 09:00")
    assert any("各单位学习周报" in t for t in texts_to(december, users["A01"]))
    assert not any("放假安排" in t for t in texts_to(december, users["A01"]))


async def test_the_digest_of_a_holiday_monday_goes_out_on_the_next_workday(harness: BotHarness) -> None:
    users = await everyone(harness)
    assert not any("学习周报" in m.text for m in await harness.tick("2026-10-05 09:00"))  # 国庆
    thursday = texts_to(await harness.tick("2026-10-08 09:00"), users["S01"])
    assert any("组织科学习周报 · 9月28日—10月4日" in t for t in thursday)
    assert not any("学习周报" in m.text for m in await harness.tick("2026-10-08 09:30"))


async def test_with_workdays_only_off_the_digest_goes_out_on_the_holiday(harness: BotHarness) -> None:
    users = await everyone(harness)
    configure(harness, "digest", workdays_only=False)
    holiday = texts_to(await harness.tick("2026-10-05 09:00"), users["S01"])
    assert any("组织科学习周报 · 9月28日—10月4日" in t for t in holiday)


async def test_a_monday_cron_line_reminds_on_monday_not_tuesday(harness: BotHarness) -> None:
    users = await everyone(harness)
    schedule = ReminderSchedule(key="monday_nine", name="周一九点", cron="0 9 * * 1", text="{name}，周一九点学习提醒。")
    configure(harness, "reminders", schedules=(schedule,))
    assert any("周一九点学习提醒" in t for t in texts_to(await harness.tick("2026-11-23 09:00"), users["C01"]))
    assert not any("周一九点" in m.text for m in await harness.tick("2026-11-24 09:00"))
    assert not any("周一九点" in m.text for m in await harness.tick("2026-11-29 09:00"))  # nor Sunday
