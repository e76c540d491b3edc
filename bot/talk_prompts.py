"""Talk prompts (谈心谈话): when a pair is due, the supervisor is prompted with talking points,
and the cadre gets a short preparation note the day before.

Each pair has its own cadence (config default, per-unit override). Due = last talk of the
pair (or the cadre's joining the roster) + cadence, pushed back by a postponement. A
supervisor who does not act is prompted again every `follow_up_days`, each prompt its own
delivery period, so nothing is ever sent twice.
"""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.delivery import Outgoing
from bot.progress import local_today
from bot.reminders import deliver_at
from bot.services import Services
from bot.standing import standings
from bot.talking_points import Situation, talking_points
from db import credits, deliveries, people, reminders, talks
from db.deliveries import Claimed, Planned
from db.models import Person
from db.people import PersonFacts, facts

TALK, PREP = "talk", "talkprep"
CALLBACK = "tk"


def due_date(services: Services, cadre: Person | PersonFacts, last: date | None, postponed: date | None) -> date:
    cadence = services.config.talks.cadence_for(cadre.unit)
    base = last or cadre.created_at.astimezone(services.config.tz).date()
    due = base + timedelta(days=cadence)
    return max(due, postponed) if postponed else due


async def plan_talks(session: AsyncSession, services: Services, now: datetime) -> bool:
    """Once a workday, at the prompt time: prompts for due pairs, preparation notes for tomorrow's."""
    local = now.astimezone(services.config.tz)
    today = local.date()
    if local.time() < services.config.talks.prompt_time:
        return False
    if services.config.talks.workdays_only and not services.config.reminders.holidays.calendar.is_workday(today):
        return False
    if not await deliveries.claim_fanout(session, TALK, today.isoformat(), now):
        return False
    pairs = [p for p in await talks.supervision_pairs(session) if p.supervisor.chat_id and p.cadre.active]
    last = await talks.last_talks(session, sorted({p.cadre.id for p in pairs}))
    postponed = await talks.postponements(session)
    people = {p.id: p for pair in pairs for p in (pair.supervisor, pair.cadre)}
    prefs = await reminders.prefs_for(session, list(people))
    follow_up = services.config.talks.follow_up_days
    for pair in pairs:
        key = (pair.supervisor.id, pair.cadre.id)
        due = due_date(services, pair.cadre, last.get(key), postponed.get(key))
        if today >= due:
            # One period per follow-up window: a re-prompt each window, never two in one.
            nudge = (today - due).days // follow_up
            when = deliver_at(prefs.get(pair.supervisor.id), services, now)
            await deliveries.add_deliveries(
                session, f"{TALK}:{pair.cadre.id}", f"{due.isoformat()}#{nudge}", [Planned(pair.supervisor.id, when)], now
            )
        elif due - today == timedelta(days=1) and pair.cadre.chat_id:
            when = deliver_at(prefs.get(pair.cadre.id), services, now)
            await deliveries.add_deliveries(
                session, f"{PREP}:{pair.supervisor.id}", due.isoformat(), [Planned(pair.cadre.id, when)], now
            )
    return True


async def render_talks(
    session: AsyncSession, services: Services, batch: list[tuple[Claimed, PersonFacts]]
) -> dict[int, Outgoing | None]:
    """Prompts for supervisors: still relevant only if the talk has not happened since."""
    cadre_ids = [int(d.kind.split(":")[1]) for d, _ in batch]
    cadres = {p.id: p for p in await facts(session, cadre_ids)}
    last = await talks.last_talks(session, cadre_ids)
    postponed = await talks.postponements(session)
    requested = await talks.open_requests(session, cadre_ids)
    today = local_today(services.now(), services.config.tz)
    standing = await standings(session, services.config.study, list(cadres.values()), today)
    rejected = await credits.rejected_since(session, cadre_ids, today - timedelta(days=30))
    rendered: dict[int, Outgoing | None] = {}
    for delivery, supervisor in batch:
        cadre = cadres.get(int(delivery.kind.split(":")[1]))
        if cadre is None or not cadre.active or not people.supervises(supervisor, cadre):
            rendered[delivery.id] = None
            continue
        key = (supervisor.id, cadre.id)
        due = due_date(services, cadre, last.get(key), postponed.get(key))
        if due > today:
            rendered[delivery.id] = None  # talked or postponed since this was planned
            continue
        figures = standing[cadre.id]
        situation = Situation(
            cadence_days=services.config.talks.cadence_for(cadre.unit), last_talk=last.get(key), today=today,
            behind_gap=figures.gap if figures.behind_by_more_than(services.config.reminders.behind_margin) else None,
            total=figures.total, target=figures.target, credit_name=services.config.study.credit_name,
            recently_rejected=cadre.id in rejected, requested_topics=tuple(requested.get(cadre.id, ())),
        )
        seed = zlib.crc32(f"{supervisor.id}:{cadre.id}:{due}".encode())
        points = talking_points(situation, services.config.talks.topics, seed)
        rendered[delivery.id] = Outgoing(prompt_text(services, cadre, last.get(key), due, points), prompt_buttons(cadre.id))
    return rendered


def prompt_text(services: Services, cadre: PersonFacts, last: date | None, due: date, points: list[str]) -> str:
    lines = [
        texts.TALK_PROMPT.format(name=cadre.name, unit=cadre.unit or "—"),
        texts.TALK_PROMPT_LAST.format(last=_day(last) if last else texts.TALK_NEVER, due=_day(due),
                                      cadence=services.config.talks.cadence_for(cadre.unit)),
        texts.TALK_PROMPT_POINTS,
    ]
    lines += [f"{i}. {point}" for i, point in enumerate(points, start=1)]
    return "\n".join(lines)


def prompt_buttons(cadre_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.TALK_DONE, callback_data=f"{CALLBACK}:done:{cadre_id}"),
        InlineKeyboardButton(texts.TALK_LATER, callback_data=f"{CALLBACK}:later:{cadre_id}"),
        InlineKeyboardButton(texts.TALK_LOG, callback_data=f"{CALLBACK}:log:{cadre_id}"),
    ]])


def log_button(cadre_id: int) -> InlineKeyboardMarkup:
    """What stays on a prompt once acted on: the history, not a second 已谈."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.TALK_LOG, callback_data=f"{CALLBACK}:log:{cadre_id}")]])


async def render_preparation(
    session: AsyncSession, services: Services, batch: list[tuple[Claimed, PersonFacts]]
) -> dict[int, Outgoing | None]:
    """The day-before note to the cadre; dropped if the talk already happened or moved."""
    supervisor_ids = [int(d.kind.split(":")[1]) for d, _ in batch]
    supervisors = {p.id: p for p in await facts(session, supervisor_ids)}
    rendered: dict[int, Outgoing | None] = {}
    for delivery, cadre in batch:
        supervisor = supervisors.get(int(delivery.kind.split(":")[1]))
        rendered[delivery.id] = None if supervisor is None else Outgoing(
            texts.TALK_PREPARE.format(supervisor=supervisor.name, day=_day(date.fromisoformat(delivery.period)))
        )
    return rendered


def _day(day: date) -> str:
    return f"{day.month}月{day.day}日"
