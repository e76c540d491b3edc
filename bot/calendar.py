"""Workdays in the Chinese official calendar: weekends, public holidays and make-up workdays (调休).

Pure date logic, no I/O: the lists come from config (reminders.holidays), so a new year's
放假安排 is a config edit, not a code change. A year whose list is not in config yet still
keeps its fixed-date statutory holidays, and says so (missing_lists), so the calendar does not
end silently on 31 December.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

# Days off by date in every year's arrangement under 全国年节及纪念日放假办法 (2024 revision, in
# force from 2025): 元旦 1月1日, 劳动节 5月1日、2日, 国庆节 10月1日至3日. The lunar holidays
# (春节, 清明, 端午, 中秋) and the 调休 around them are only known from each year's 通知.
STATUTORY_FIXED_DAYS_OFF = frozenset({(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()
    # The years config has an arrangement for: a year with no holiday listed has none.
    listed_years: frozenset[int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "listed_years", frozenset(day.year for day in self.holidays))

    def is_workday(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        if day.year not in self.listed_years and (day.month, day.day) in STATUTORY_FIXED_DAYS_OFF:
            return False  # no list for this year yet: its fixed-date holidays are still holidays
        return day.weekday() < 5

    def first_workday_on_or_after(self, day: date) -> date:
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def days_off_before(self, day: date, most: int = 31) -> int:
        """How many days off come right before `day` (2 on an ordinary Monday): how far back a
        fire time postponed to `day` can lie."""
        count = 0
        while count < most and not self.is_workday(day - timedelta(days=count + 1)):
            count += 1
        return count

    def is_first_workday_of_month(self, day: date) -> bool:
        return self.first_workday_on_or_after(day.replace(day=1)) == day

    def is_first_workday_of_quarter(self, day: date) -> bool:
        return day.month in (1, 4, 7, 10) and self.is_first_workday_of_month(day)

    def has_list(self, year: int) -> bool:
        return year in self.listed_years

    def missing_lists(self, today: date) -> tuple[int, ...]:
        """The years admins should be told to fill in: this year whenever it has no list, and
        next year from December on (the 国务院办公厅 通知 comes out in October or November, so
        earlier there is nothing to copy yet)."""
        years = [today.year] + ([today.year + 1] if today.month == 12 else [])
        return tuple(year for year in years if not self.has_list(year))


def postponed_to_workday(fire: datetime, calendar: WorkCalendar, tz: ZoneInfo) -> datetime:
    """A fire time that falls on a day off moves to the same local clock time of the next
    workday (the digest of a holiday Monday goes out when people are back)."""
    local = fire.astimezone(tz)
    day = calendar.first_workday_on_or_after(local.date())
    if day == local.date():
        return fire
    return datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=tz).astimezone(fire.tzinfo)


# --- cron lines ------------------------------------------------------------------------------
# config.yaml promises crontab. APScheduler 3 counts weekdays from Monday = 0 and ANDs the two
# day fields; crontab has 0 and 7 = Sunday, 1 = Monday, and when both day-of-month and
# day-of-week are restricted, fires on either. So the day-of-week field is read here, the
# crontab way, and handed to APScheduler as names, which mean the same to both.

_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # index = crontab number


def cron_trigger(expression: str, tz: ZoneInfo) -> BaseTrigger:
    """A five-field crontab ('30 8 * * mon', '0 9 * * 1') in the configured zone, meaning
    what crontab means; ValueError if malformed."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"five fields are needed, got {len(fields)}")
    minute, hour, day, month, weekday = fields
    names = _scheduler_weekdays(weekday)

    def cron(day_field: str, weekday_field: str) -> CronTrigger:
        return CronTrigger(minute=minute, hour=hour, day=day_field, month=month, day_of_week=weekday_field, timezone=tz)

    if day.startswith("*") or weekday.startswith("*"):
        return cron(day, names)
    return OrTrigger([cron(day, "*"), cron("*", names)])  # crontab: the 1st, or any Monday


def crontab_weekdays(field_text: str) -> frozenset[int]:
    """The crontab day numbers (0 = Sunday … 6 = Saturday) a day-of-week field names:
    '1-5', '0,6', '7', 'mon-fri', '*/2'. ValueError for anything crontab would refuse."""
    days: set[int] = set()
    for part in field_text.lower().split(","):
        body, slash, step_text = part.partition("/")
        step = _cron_number(step_text, 1, 7) if slash else 1
        if body == "*":
            low, high = 0, 7
        elif "-" in body:
            low, high = (_cron_day(end) for end in body.split("-", 1))
            if low > high:
                raise ValueError(f"day-of-week range '{body}' runs backwards")
        elif slash:
            raise ValueError(f"day of week '{part}': a step needs '*' or a range before it")
        else:
            low = high = _cron_day(body)
        days.update(number % 7 for number in range(low, high + 1, step))
    return frozenset(days)


def _scheduler_weekdays(field_text: str) -> str:
    """The same days as APScheduler names ('mon,fri'), or '*' for every day."""
    if field_text == "*":
        return "*"
    days = crontab_weekdays(field_text)
    return "*" if len(days) == 7 else ",".join(_CRON_DAYS[number] for number in sorted(days))


def _cron_day(token: str) -> int:
    if token in _CRON_DAYS:
        return _CRON_DAYS.index(token)
    return _cron_number(token, 0, 7)


def _cron_number(token: str, low: int, high: int) -> int:
    if not (token.isascii() and token.isdigit()) or not low <= int(token) <= high:
        raise ValueError(f"'{token}' in the day-of-week field is not a number from {low} to {high} or sun-sat")
    return int(token)


def latest_fire_time(trigger: BaseTrigger, now: datetime, horizon: timedelta) -> datetime | None:
    """The last time the schedule fired at or before `now`, looking back at most `horizon`.

    Only the latest one matters: after downtime a missed reminder is sent once, never once
    per missed tick.
    """
    latest = None
    fire = trigger.get_next_fire_time(None, now - horizon)
    while fire is not None and fire <= now:
        latest = fire
        fire = trigger.get_next_fire_time(fire, fire + timedelta(seconds=1))
    return latest


def quiet_until(local_now: datetime, start: time, end: time) -> datetime | None:
    """If `local_now` falls in the quiet window [start, end) (which may cross midnight), when it ends."""
    if start == end:
        return None
    clock = local_now.timetz().replace(tzinfo=None)
    today_end = datetime.combine(local_now.date(), end, tzinfo=local_now.tzinfo)
    if start < end:
        return today_end if start <= clock < end else None
    if clock >= start:
        return today_end + timedelta(days=1)
    if clock < end:
        return today_end
    return None
