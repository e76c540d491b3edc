"""Building digests from the database: a unit's week, the organisation's week, a person's report.

Everything is fetched in bulk (one query per kind of fact for all the people involved), so a
unit of 50 costs the same handful of queries as a unit of 5, and the organisation digest
over 10,000 people stays a few seconds. Rendering lives in digest_text, charts, workbooks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.digests.model import (
    OrgDigest, OrgRow, PendingSummary, PersonRow, QuizWrongLine, ReadingLine, SessionLine, UnitDigest, classify,
)
from bot.study.progress import current_period, target_for
from bot.services import Services
from bot.scheduling.talk_prompts import due_date
from db import credits, deliveries, people, quiz, readings, sessions, talks
from db.people import PersonFacts
from db.periods import pro_rata


# The admins' digest counts the scheduled messages of the last 7 days whose fate is unknown:
# from one weekly digest to the next, each counted once.
UNCERTAIN_WINDOW = timedelta(days=7)
# What waits for a confirmer is today's fact, not the week's: it is shown in the digests of the
# current week and of the week just ended (the Monday digest), not in those of older weeks.
PENDING_SHOWN_WITHIN = timedelta(days=7)


def week_of(day: date) -> tuple[date, date]:
    """Monday to Sunday of the week holding `day`."""
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


def as_of(week_end: date, today: date) -> date:
    """The day a week's figures are measured at: today for this week, its Sunday for past ones."""
    return min(week_end, today)


async def person_rows(
    session: AsyncSession, services: Services, persons: Sequence[PersonFacts], start: date, end: date, today: date
) -> list[PersonRow]:
    """Each person's credits in [start, end] (a week, or an export period), and everything else
    as of `end` (or today, if sooner): year to date against the pro-rata target, pace status
    (with the config's floor and grace weeks), last study, last talk and talk status.

    Talk status follows the pairs that exist (an active supervisor of the person's unit, not
    the person): due is the earliest of the pairs' due dates as the talk prompts compute them,
    postponements (推迟) included, so the digest never calls overdue what the prompts wait for.
    """
    moment = as_of(end, today)
    settings, digest = services.config.study, services.config.digest
    period = current_period(settings, moment)
    in_grace = moment < period.start + timedelta(weeks=digest.grace_weeks)
    ids = [p.id for p in persons]
    week = await credits.totals_for_people(session, ids, start, end + timedelta(days=1))
    year = await credits.totals_for_people(session, ids, period.start, moment + timedelta(days=1))
    last_study = await credits.last_study_dates(session, ids, until=moment)
    pair_talks = await talks.last_talks(session, ids, until=moment)
    postponed = await talks.postponements(session)
    attended = await sessions.attended_counts(session, ids, start, end)
    answered = await quiz.figures(session, ids, start, end)
    # By unit, so 10,000 people cost a dictionary look-up each, not a scan of every supervisor.
    supervisors_of: dict[str, list[PersonFacts]] = defaultdict(list)
    for supervisor in (await people.facts(session, role="supervisor") if persons else []):
        for unit in supervisor.supervised_units:
            supervisors_of[unit].append(supervisor)
    last_talk: dict[int, date] = {}
    for (_, cadre_id), held in pair_talks.items():
        last_talk[cadre_id] = max(held, last_talk.get(cadre_id, held))
    rows = []
    for person in persons:
        target = target_for(person, settings)
        expected = pro_rata(target, period, moment)
        dues = [
            due_date(services, person, pair_talks.get((s.id, person.id)), postponed.get((s.id, person.id)),
                     supervisor_id=s.id)
            for s in supervisors_of.get(person.unit, ()) if people.supervises(s, person)
        ]
        due = min(dues) if dues else None
        rows.append(PersonRow(
            person_id=person.id, name=person.name, week_credits=week[person.id], year_credits=year[person.id],
            target=target, expected_to_date=round(expected, 2),
            status=classify(year[person.id], expected, digest.behind_ratio, digest.far_behind_ratio,
                            min_gap=digest.min_gap, in_grace=in_grace),
            last_study=last_study.get(person.id), last_talk=last_talk.get(person.id), talk_due=due,
            talk_overdue=due is not None and due < moment,
            reachable=person.reachable and person.chat_id is not None,
            unit=person.unit, has_supervisor=bool(dues), sessions_attended=attended.get(person.id, 0),
            **_quiz_fields(answered.get(person.id, quiz.NO_FIGURES)),
        ))
    return rows


def _quiz_fields(figures: quiz.QuizFigures) -> dict[str, int]:
    return {"quiz_days": figures.days, "quiz_answered": figures.answered, "quiz_right": figures.right}


async def quiz_wrong_lines(session: AsyncSession, services: Services, start: date, end: date) -> tuple[QuizWrongLine, ...]:
    """The items most often answered wrong in [start, end] (at least quiz.wrong_min_answers
    answers, the top quiz.wrong_top), with their stems as the bank has them now."""
    settings = services.config.quiz
    bank = services.knowledge.snapshot.quiz
    worst = await quiz.most_wrong(session, start, end, settings.wrong_min_answers, settings.wrong_top)
    return tuple(
        QuizWrongLine(w.item_id, w.entry_id, bank[w.item_id].stem if w.item_id in bank else "", w.answered, w.wrong)
        for w in worst
    )


async def pending_summary(
    session: AsyncSession, services: Services, units: Sequence[str] | None, week_end: date, today: date
) -> PendingSummary | None:
    """What waits for confirmation in `units` (None: everywhere) now, for a digest of the current
    week or the week just ended; None for older weeks, whose digest is about then, not now."""
    if today - week_end > PENDING_SHOWN_WITHIN:
        return None
    overview = await credits.pending_overview(session, units)
    waited = (services.now() - overview.oldest_since).days if overview.oldest_since else 0
    return PendingSummary(overview.count, overview.oldest_record_id, max(waited, 0))


async def unit_digest(session: AsyncSession, services: Services, unit: str, week_start: date, today: date) -> UnitDigest:
    persons = await people.facts(session, role="cadre", unit=unit)
    week_end = week_start + timedelta(days=6)
    rows = await person_rows(session, services, persons, week_start, week_end, today)
    return UnitDigest(
        unit=unit, week_start=week_start, week_end=week_end,
        year=current_period(services.config.study, as_of(week_end, today)).label,
        people=tuple(rows), week_total=round(sum(r.week_credits for r in rows), 2),
        year_total=round(sum(r.year_credits for r in rows), 2),
        pending=await pending_summary(session, services, [unit], week_end, today),
        as_of=as_of(week_end, today),
        sessions=await session_lines(session, services, [unit], week_start, week_end),
        reading=await reading_line(session, services, persons, week_start, as_of(week_end, today), names=True),
    )


async def org_digest(session: AsyncSession, services: Services, week_start: date, today: date) -> OrgDigest:
    persons = await people.facts(session, role="cadre")
    rows = await person_rows(session, services, persons, week_start, week_start + timedelta(days=6), today)
    by_unit: dict[str, list[PersonRow]] = defaultdict(list)
    for row in rows:
        by_unit[row.unit].append(row)
    week_end = week_start + timedelta(days=6)
    now = services.now()
    uncertain = await deliveries.uncertain_between(session, now - UNCERTAIN_WINDOW, now)
    return OrgDigest(
        week_start=week_start, week_end=week_end,
        year=current_period(services.config.study, as_of(week_end, today)).label,
        units=tuple(_org_row(unit, members) for unit, members in sorted(by_unit.items())),
        pending=await pending_summary(session, services, None, week_end, today),
        uncertain=tuple(row.name for row in uncertain),
        sessions=await session_lines(session, services, None, week_start, week_end),
        reading=await reading_line(session, services, persons, week_start, as_of(week_end, today), names=False),
        quiz_wrong=await quiz_wrong_lines(session, services, week_start, week_end),
        quiz_wrong_min=services.config.quiz.wrong_min_answers,
    )


async def session_lines(
    session: AsyncSession, services: Services, units: Sequence[str] | None, start: date, end: date
) -> tuple[SessionLine, ...]:
    """The collective sessions held for `units` (None: all) in [start, end], with attendance."""
    held = await sessions.held_between(session, list(units) if units is not None else None, start, end)
    study = services.config.study
    return tuple(SessionLine(study.activity_name(s.activity), s.topic, s.study_date, s.attended, s.expected) for s in held)


async def reading_line(
    session: AsyncSession, services: Services, persons: Sequence[PersonFacts], week_start: date, until: date,
    *, names: bool,
) -> ReadingLine | None:
    """Who of `persons` marked the week's reading read by the end of `until` (None: the week has
    no reading); the names of those who did not only when `names` (a unit's digest)."""
    reading = await readings.week_reading(session, services.readings, week_start)
    if reading is None:
        return None
    moment = datetime.combine(until + timedelta(days=1), time(0), tzinfo=services.config.tz)
    read = await readings.readers(session, reading.id, [p.id for p in persons], moment)
    unread = tuple(p.name for p in persons if p.id not in read) if names else ()
    return ReadingLine(reading.title, len(read), len(persons), unread)


def _org_row(unit: str, members: list[PersonRow]) -> OrgRow:
    return OrgRow(
        unit=unit or "—", people_count=len(members),
        week_total=round(sum(m.week_credits for m in members), 2),
        year_total=round(sum(m.year_credits for m in members), 2),
        on_track=sum(m.status == "on_track" for m in members),
        behind=sum(m.status == "behind" for m in members),
        far_behind=sum(m.status == "far_behind" for m in members),
        talks_overdue=sum(m.talk_overdue for m in members),
        unreachable=sum(not m.reachable for m in members),
        no_supervisor=sum(not m.has_supervisor for m in members),
    )
