"""Talk prompts (谈心谈话): when a pair is due, the supervisor is prompted with talking points,
and the cadre gets a short preparation note the day before.

Each pair has its own cadence (config default, per-unit override). Due = last talk of the
pair + cadence, pushed back by a postponement; a pair that never talked is first due on a day
of its first cadence after the cadre joined that the pair itself fixes (`spread_offset`), so
a roster imported in one go does not fall due in one day. A supervisor gets at most
`talks.daily_prompts` prompts a day; the rest wait for the next workdays, longest-waiting
first. One who does not act is prompted again `follow_up_days` after his last prompt. Every
prompt is its own delivery row ("<due>#<n>"), so nothing is ever sent twice, and what was
planned is read back from those rows, so nothing carried over is lost across restarts.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.scheduling.delivery import Outgoing
from bot.chat.ids import parse_id
from bot.study.progress import local_today
from bot.scheduling.reminders import deliver_at
from bot.services import Services
from bot.study.standing import standings
from bot.scheduling.talking_points import Situation, talking_points
from db import credits, deliveries, people, reminders, talks
from db.deliveries import Claimed, Planned
from db.models import Person
from db.people import PersonFacts, facts

TALK, PREP = talks.PROMPT_KIND, "talkprep"  # delivery kinds: talk:<cadre id>, talkprep:<supervisor id>
CALLBACK = "tk"
FROM_PROMPT, FROM_REQUEST = "d", "r"  # what a 已谈 button came with: a delivery, or a /talk request


def spread_offset(supervisor_id: int, cadre_id: int, cadence: int) -> int:
    """Days from the cadre's joining to the pair's first due date, 1 to `cadence`: a stable hash
    of the pair (crc32, not Python's salted hash()), so every instance and every restart agrees,
    and a supervisor's pairs fall due spread over the cadence instead of on one day."""
    return zlib.crc32(f"talk:{supervisor_id}:{cadre_id}".encode()) % cadence + 1


def due_date(
    services: Services, cadre: Person | PersonFacts, last: date | None, postponed: date | None,
    supervisor_id: int | None = None,
) -> date:
    """When the pair is next due. Without `supervisor_id` a pair that never talked is taken as
    due a full cadence after the cadre joined (the latest its spread first due can be)."""
    cadence = services.config.talks.cadence_for(cadre.unit)
    if last is not None:
        due = last + timedelta(days=cadence)
    else:
        joined = cadre.created_at.astimezone(services.config.tz).date()
        offset = spread_offset(supervisor_id, cadre.id, cadence) if supervisor_id is not None else cadence
        due = joined + timedelta(days=offset)
    return max(due, postponed) if postponed else due


@dataclass(frozen=True)
class _Waiting:
    """A due pair's next prompt: due since `since` (its due date, or its last prompt plus the
    follow-up days), the `number`-th for this due date."""

    since: date
    due: date
    cadre_id: int
    number: int


def _next_prompt(due: date, sent: list[talks.PromptSent], follow_up: int, tz: tzinfo) -> _Waiting:
    """The pair's next prompt for this due date, or None while its last one is recent. A prompt
    that expired unsent does not count as reaching the supervisor: it is planned again."""
    mine = [p for p in sent if p.period.startswith(f"{due.isoformat()}#")]
    numbers = [int(n) for p in mine if (n := p.period.rpartition("#")[2]).isdigit()]
    reached = [p.planned_on for p in mine if not p.expired]
    since = max(reached).astimezone(tz).date() + timedelta(days=follow_up) if reached else due
    return _Waiting(since, due, 0, max(numbers) + 1 if numbers else 0)


async def plan_talks(session: AsyncSession, services: Services, now: datetime) -> bool:
    """Once a workday, at the prompt time: prompts for due pairs (at most `daily_prompts` a
    supervisor), preparation notes for tomorrow's."""
    settings, tz = services.config.talks, services.config.tz
    local = now.astimezone(tz)
    today = local.date()
    if local.time() < settings.prompt_time:
        return False
    if settings.workdays_only and not services.config.reminders.holidays.calendar.is_workday(today):
        return False
    if not await deliveries.claim_fanout(session, TALK, today.isoformat(), now):
        return False
    pairs = [p for p in await talks.supervision_pairs(session) if p.supervisor.chat_id and p.cadre.active]
    last = await talks.last_talks(session, sorted({p.cadre.id for p in pairs}))
    postponed = await talks.postponements(session)
    people = {p.id: p for pair in pairs for p in (pair.supervisor, pair.cadre)}
    prefs = await reminders.prefs_for(session, list(people))
    due_pairs: list[tuple[int, int, date]] = []
    for pair in pairs:
        key = (pair.supervisor.id, pair.cadre.id)
        due = due_date(services, pair.cadre, last.get(key), postponed.get(key), pair.supervisor.id)
        if today >= due:
            due_pairs.append((pair.supervisor.id, pair.cadre.id, due))
        elif due - today == timedelta(days=1) and pair.cadre.chat_id:
            when = deliver_at(prefs.get(pair.cadre.id), services, now)
            await deliveries.add_deliveries(
                session, f"{PREP}:{pair.supervisor.id}", due.isoformat(), [Planned(pair.cadre.id, when)], now
            )
    if not due_pairs:
        return True
    earliest = min(due for _, _, due in due_pairs)
    sent = await talks.prompts_since(session, datetime.combine(earliest, time(0), tz).astimezone(timezone.utc))
    queues: dict[int, list[_Waiting]] = {}
    for supervisor_id, cadre_id, due in due_pairs:
        waiting = _next_prompt(due, sent.get((supervisor_id, cadre_id), []), settings.follow_up_days, tz)
        if waiting.since <= today:
            queues.setdefault(supervisor_id, []).append(replace(waiting, cadre_id=cadre_id))
    for supervisor_id, queue in queues.items():
        when = deliver_at(prefs.get(supervisor_id), services, now)
        # Longest-waiting first: what today's limit holds back is first in line tomorrow.
        for waiting in sorted(queue, key=lambda w: (w.since, w.due, w.cadre_id))[:settings.daily_prompts]:
            await deliveries.add_deliveries(
                session, f"{TALK}:{waiting.cadre_id}", f"{waiting.due.isoformat()}#{waiting.number}",
                [Planned(supervisor_id, when)], now,
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
        due = due_date(services, cadre, last.get(key), postponed.get(key), supervisor.id)
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
        rendered[delivery.id] = Outgoing(
            prompt_text(services, cadre, last.get(key), due, points),
            prompt_buttons(cadre.id, f"{FROM_PROMPT}{delivery.id}"),
        )
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


def prompt_buttons(cadre_id: int, source: str | None = None) -> InlineKeyboardMarkup:
    """已谈 / 推迟 / 查看记录. `source` names what the buttons came with (see `parse_source`),
    so 已谈 records one talk per prompt however often it is pressed."""
    done = f"{CALLBACK}:done:{cadre_id}" + (f":{source}" if source else "")
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.TALK_DONE, callback_data=done),
        InlineKeyboardButton(texts.TALK_LATER, callback_data=f"{CALLBACK}:later:{cadre_id}"),
        InlineKeyboardButton(texts.TALK_LOG, callback_data=f"{CALLBACK}:log:{cadre_id}"),
    ]])


def parse_source(text: str) -> tuple[str, int] | None:
    """A 已谈 button's source: ("d", delivery id) for a scheduled prompt, ("r", request id) for a
    /talk notification; None for anything else (forged, or cut short)."""
    kind, number = text[:1], parse_id(text[1:])
    return (kind, number) if kind in (FROM_PROMPT, FROM_REQUEST) and number is not None else None


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
