"""Workdays in the Chinese official calendar: weekends, public holidays and make-up workdays (调休).

Pure date logic, no I/O: the lists come from config (reminders.holidays), so a new year's
放假安排 is a config edit, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger


@dataclass(frozen=True)
class WorkCalendar:
    holidays: frozenset[date] = frozenset()
    makeup_workdays: frozenset[date] = frozenset()

    def is_workday(self, day: date) -> bool:
        if day in self.makeup_workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def first_workday_on_or_after(self, day: date) -> date:
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def is_first_workday_of_month(self, day: date) -> bool:
        return self.first_workday_on_or_after(day.replace(day=1)) == day

    def is_first_workday_of_quarter(self, day: date) -> bool:
        return day.month in (1, 4, 7, 10) and self.is_first_workday_of_month(day)


def cron_trigger(expression: str, tz: ZoneInfo) -> CronTrigger:
    """A five-field crontab ('30 8 * * mon') in the configured zone; ValueError if malformed."""
    return CronTrigger.from_crontab(expression, timezone=tz)


def latest_fire_time(trigger: CronTrigger, now: datetime, horizon: timedelta) -> datetime | None:
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
