"""Study reminders: who gets which configured reminder when, and what it says.

Planning happens once per (schedule, fire time), in the scheduler's tick; the text is
rendered at send time, so someone whose reminder was held for quiet hours sees the
figures of the moment it arrives.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.calendar import cron_trigger, crontab_weekdays, latest_fire_time, quiet_until
from bot.scheduling import readings as reading_messages
from bot.scheduling.delivery import Outgoing
from bot.study.progress import local_today
from bot.schedule_config import ReminderSchedule
from bot.services import Services
from bot.study.standing import standings
from db import deliveries, reminders
from db.deliveries import Claimed, Planned
from db.models import Person, ReminderPrefs
from db.people import PersonFacts, facts, ids_query

log = logging.getLogger(__name__)

KIND_PREFIX = "reminder"
STUDY_GO = "st:go"


def kind_of(schedule: ReminderSchedule) -> str:
    return f"{KIND_PREFIX}:{schedule.key}"


def due_fire_time(schedule: ReminderSchedule, services: Services, now: datetime) -> datetime | None:
    """The fire time this schedule owes a fan-out for at `now`, if any (within the grace period)."""
    settings = services.config.reminders
    grace = timedelta(minutes=settings.grace_minutes)
    fire = latest_fire_time(cron_trigger(schedule.cron, services.config.tz), now, grace + timedelta(minutes=1))
    if fire is None or now - fire > grace:
        return None
    day = fire.astimezone(services.config.tz).date()
    calendar = settings.holidays.calendar
    if schedule.only == "first_workday_of_month" and not calendar.is_first_workday_of_month(day):
        return None
    if schedule.only == "first_workday_of_quarter" and not calendar.is_first_workday_of_quarter(day):
        return None
    if schedule.skip_non_workdays and not calendar.is_workday(day):
        return None
    return fire


_WARNED_MISSING: set[tuple[int, ...]] = set()  # the missing years already logged by this process


def warn_of_missing_holiday_lists(services: Services, now: datetime) -> tuple[int, ...]:
    """Log, once a process for each set of missing years, that config has no 放假安排 for this
    year (or, in December, next year): at the first tick after start, and again when December
    adds next year. Until the list is added only fixed-date holidays are skipped."""
    calendar = services.config.reminders.holidays.calendar
    missing = calendar.missing_lists(local_today(now, services.config.tz))
    if missing and missing not in _WARNED_MISSING:
        _WARNED_MISSING.add(missing)
        log.warning(
            "config has no holiday list (reminders.holidays) for %s: until it is added, reminders "
            "skip only 元旦, 劳动节 and 国庆节 by date; 春节 and the other holidays count as workdays",
            ", ".join(map(str, missing)),
        )
    return missing


async def plan_reminders(session: AsyncSession, services: Services, now: datetime) -> int:
    """Create the deliveries of every schedule that is due; returns how many fan-outs began."""
    warn_of_missing_holiday_lists(services, now)
    started = 0
    for schedule in services.config.reminders.schedules:
        fire = due_fire_time(schedule, services, now)
        if fire is None:
            continue
        period = fire.astimezone(services.config.tz).strftime("%Y-%m-%dT%H:%M")
        if not await deliveries.claim_fanout(session, kind_of(schedule), period, now):
            continue
        await _plan_audience(session, services, schedule, kind_of(schedule), period, fire, now)
        started += 1
    return started


async def _plan_audience(
    session: AsyncSession, services: Services, schedule: ReminderSchedule, kind: str, period: str,
    fire: datetime, now: datetime,
) -> None:
    """People with preferences are planned one by one (mute, snooze, quiet hours); everyone
    else in one INSERT … SELECT. A `behind` audience needs everyone's figures first."""
    audience = schedule.audience
    role = audience.value if audience.kind == "role" else "cadre"
    if audience.kind == "behind":
        ids = await _behind(session, services, role, now)
        prefs = await reminders.prefs_for(session, ids)
        planned = [plan_for(person_id, prefs.get(person_id), schedule, services, fire, now) for person_id in ids]
        await deliveries.add_deliveries(session, kind, period, planned, now)
        return
    everyone = ids_query(role=role, unit=audience.value if audience.kind == "unit" else None, reachable_only=True)
    prefs = await reminders.prefs_among(session, everyone)
    planned = [plan_for(person_id, row, schedule, services, fire, now) for person_id, row in prefs.items()]
    await deliveries.add_deliveries(session, kind, period, planned, now)
    rest = everyone.where(Person.id.not_in(select(ReminderPrefs.person_id)))
    await deliveries.add_deliveries_for(session, kind, period, rest, max(fire, now), now)


def plan_for(
    person_id: int, prefs: ReminderPrefs | None, schedule: ReminderSchedule, services: Services,
    fire: datetime, now: datetime,
) -> Planned:
    """Muted and snoozed people get a skipped row (so nothing retries); quiet hours delay."""
    if prefs is not None:
        if prefs.muted_all or schedule.key in prefs.muted:
            return Planned(person_id, fire, skipped="muted")
        if prefs.snooze_until is not None and prefs.snooze_until > now:
            return Planned(person_id, fire, skipped="snoozed")
    return Planned(person_id, deliver_at(prefs, services, max(fire, now)))


def deliver_at(prefs: ReminderPrefs | None, services: Services, moment: datetime) -> datetime:
    """`moment`, or the end of the person's quiet hours if it falls inside them."""
    if prefs is None or not prefs.quiet_start or not prefs.quiet_end:
        return moment
    local = moment.astimezone(services.config.tz)
    end = quiet_until(local, time.fromisoformat(prefs.quiet_start), time.fromisoformat(prefs.quiet_end))
    return end.astimezone(moment.tzinfo) if end is not None else moment


async def _behind(session: AsyncSession, services: Services, role: str, now: datetime) -> list[int]:
    """Ids of the joined, reachable people below the pro-rata figure by more than the margin."""
    people = await facts(session, role=role, reachable_only=True)
    standing = await standings(session, services.config.study, people, local_today(now, services.config.tz))
    margin = services.config.reminders.behind_margin
    return [p.id for p in people if standing[p.id].behind_by_more_than(margin)]


def applies_to(schedule: ReminderSchedule, person: Person | PersonFacts) -> bool:
    """Whether a schedule can ever reach this person (what /remind lists)."""
    audience = schedule.audience
    if audience.kind == "role":
        return person.has_role(audience.value or "")
    if not person.has_role("cadre"):
        return False
    return audience.kind != "unit" or person.unit == audience.value


async def render_reminders(
    session: AsyncSession, services: Services, batch: list[tuple[Claimed, PersonFacts]]
) -> dict[int, Outgoing | None]:
    """The schedule's text with each person's figures, and buttons straight into logging."""
    by_schedule: dict[str, list[tuple[Claimed, PersonFacts]]] = {}
    for delivery, person in batch:
        by_schedule.setdefault(delivery.kind.split(":", 1)[1], []).append((delivery, person))
    rendered: dict[int, Outgoing | None] = {}
    for key, items in by_schedule.items():
        schedule = services.config.reminders.schedule(key)
        if schedule is None:  # the schedule left the config since it was planned
            rendered.update(dict.fromkeys((delivery.id for delivery, _ in items), None))
        else:
            rendered.update(await _render_schedule(session, services, schedule, items))
    return rendered


async def _render_schedule(
    session: AsyncSession, services: Services, schedule: ReminderSchedule, items: list[tuple[Claimed, PersonFacts]]
) -> dict[int, Outgoing | None]:
    """One schedule's messages: its keyboard is shared by all of them, and the credit totals
    are read only when its text shows figures (a fan-out renders thousands at a time)."""
    # The reminder that carries the week's reading (config readings.reminder) gains its title
    # and 已读 / 写心得 as the first row; without a reading it is unchanged.
    reading = await reading_messages.for_reminder(session, services, schedule.key)
    keyboard = _buttons(services, schedule.activities, reading.id if reading is not None else None)
    extra = reading_messages.reminder_line(reading) if reading is not None else ""
    common = {"credit_name": services.config.study.credit_name}
    standing = None
    if schedule.shows_figures:
        today = local_today(services.now(), services.config.tz)
        standing = await standings(session, services.config.study, [p for _, p in items], today)
    rendered: dict[int, Outgoing | None] = {}
    for delivery, person in items:
        values = {"name": person.name, "unit": person.unit, **common}
        if standing is not None:
            figures = standing[person.id]
            values.update(total=_num(figures.total), target=_num(figures.target),
                          expected=_num(figures.expected), gap=_num(figures.gap))
        rendered[delivery.id] = Outgoing(schedule.text.format_map(values) + extra, keyboard)
    return rendered


def _buttons(services: Services, activity_keys: Sequence[str], reading_id: str | None = None) -> InlineKeyboardMarkup:
    rows = [reading_messages.reading_buttons(reading_id)] if reading_id is not None else []
    for key in activity_keys:
        activity = services.config.study.loggable_activity(key)
        if activity is not None:
            rows.append([InlineKeyboardButton(texts.REMINDER_LOG_ACTIVITY.format(name=activity.name), callback_data=f"{STUDY_GO}:{key}")])
    rows.append([
        InlineKeyboardButton(texts.REMINDER_LOG_OTHER, callback_data=f"{STUDY_GO}:"),
        InlineKeyboardButton(texts.REMINDER_SETTINGS, callback_data="rm:show"),
    ])
    return InlineKeyboardMarkup(rows)


# Figures repeat across a batch (most people share a target and the pace); rounded as everywhere (texts.num).
_num = lru_cache(maxsize=4096)(texts.num)


_WEEKDAY_NAMES = ("日", "一", "二", "三", "四", "五", "六")  # index = crontab number, 0 = Sunday
_WORKWEEK = frozenset(range(1, 6))


def describe_schedule(schedule: ReminderSchedule) -> str:
    """'每周一 08:30', '工作日 08:30', '每月第一个工作日 08:30', or the cron line when it is unusual.
    Weekdays are read as crontab reads them (as cron_trigger does): 0 and 7 Sunday, 1 Monday."""
    fields = schedule.cron.split()
    minute, hour, day, month, weekday = fields
    if not (minute.isdigit() and hour.isdigit()) or day != "*" or month != "*":
        return schedule.cron
    clock = f"{int(hour):02d}:{int(minute):02d}"
    if schedule.only == "first_workday_of_month":
        return texts.WHEN_FIRST_WORKDAY_MONTH.format(time=clock)
    if schedule.only == "first_workday_of_quarter":
        return texts.WHEN_FIRST_WORKDAY_QUARTER.format(time=clock)
    days = crontab_weekdays(weekday)
    if len(days) == 7:
        return texts.WHEN_DAILY.format(time=clock)
    if days == _WORKWEEK:
        return texts.WHEN_WORKDAYS.format(time=clock)
    ordered = sorted(days, key=lambda number: (number - 1) % 7)  # Monday first, Sunday last
    return texts.WHEN_WEEKLY.format(days="、".join(_WEEKDAY_NAMES[n] for n in ordered), time=clock)
