"""Building digests from the database: a unit's week, the organisation's week, a person's report.

Everything is fetched in bulk (one query per kind of fact for all the people involved), so a
unit of 50 costs the same handful of queries as a unit of 5, and the organisation digest
over 10,000 people stays a few seconds. Rendering lives in digest_text, charts, workbooks.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.digest_model import OrgDigest, OrgRow, PersonRow, UnitDigest, classify
from bot.progress import current_period, target_for
from bot.services import Services
from db import credits, deliveries, people, talks
from db.people import PersonFacts
from db.periods import pro_rata


# The admins' digest counts the scheduled messages of the last 7 days whose fate is unknown:
# from one weekly digest to the next, each counted once.
UNCERTAIN_WINDOW = timedelta(days=7)


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
    """Each person's credits in [start, end] (a week, or an export period), year to date against
    the pro-rata target as of `end` (or today), last study and talk status."""
    moment = as_of(end, today)
    settings, digest = services.config.study, services.config.digest
    period = current_period(settings, moment)
    ids = [p.id for p in persons]
    week = await credits.totals_for_people(session, ids, start, end + timedelta(days=1))
    year = await credits.totals_for_people(session, ids, period.start, moment + timedelta(days=1))
    last_study = await credits.last_study_dates(session, ids)
    last_talk = await talks.last_talk_by_cadre(session, ids)
    rows = []
    for person in persons:
        target = target_for(person, settings)
        expected = pro_rata(target, period, moment)
        talked = last_talk.get(person.id)
        due = (talked or person.created_at.astimezone(services.config.tz).date()) + timedelta(
            days=services.config.talks.cadence_for(person.unit))
        rows.append(PersonRow(
            person_id=person.id, name=person.name, week_credits=week[person.id], year_credits=year[person.id],
            target=target, expected_to_date=round(expected, 2),
            status=classify(year[person.id], expected, digest.behind_ratio, digest.far_behind_ratio),
            last_study=last_study.get(person.id), last_talk=talked, talk_due=due, talk_overdue=due < moment,
            reachable=person.reachable and person.chat_id is not None,
        ))
    return rows


async def unit_digest(session: AsyncSession, services: Services, unit: str, week_start: date, today: date) -> UnitDigest:
    persons = await people.facts(session, role="cadre", unit=unit)
    rows = await person_rows(session, services, persons, week_start, week_start + timedelta(days=6), today)
    return UnitDigest(
        unit=unit, week_start=week_start, week_end=week_start + timedelta(days=6),
        year=current_period(services.config.study, as_of(week_start + timedelta(days=6), today)).label,
        people=tuple(rows), week_total=round(sum(r.week_credits for r in rows), 2),
        year_total=round(sum(r.year_credits for r in rows), 2),
    )


async def org_digest(session: AsyncSession, services: Services, week_start: date, today: date) -> OrgDigest:
    persons = await people.facts(session, role="cadre")
    rows = await person_rows(session, services, persons, week_start, week_start + timedelta(days=6), today)
    unit_of = {p.id: p.unit for p in persons}
    by_unit: dict[str, list[PersonRow]] = defaultdict(list)
    for row in rows:
        by_unit[unit_of[row.person_id]].append(row)
    week_end = week_start + timedelta(days=6)
    now = services.now()
    uncertain = await deliveries.uncertain_between(session, now - UNCERTAIN_WINDOW, now)
    return OrgDigest(
        week_start=week_start, week_end=week_end,
        year=current_period(services.config.study, as_of(week_end, today)).label,
        units=tuple(_org_row(unit, members) for unit, members in sorted(by_unit.items())),
        uncertain=tuple(row.name for row in uncertain),
    )


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
    )
