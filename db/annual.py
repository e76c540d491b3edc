"""The year on one page (/annual, the annual export sheet): each person's credits of a study
year by activity, and how many talks they took part in. Bulk queries, one per kind of fact,
for one person or a whole organisation alike.

Talks are counted, never read: no query here selects a talk's notes or a request's topic.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.credits import COUNTED
from db.dialects import among
from db.models import StudyMonthTotal, Talk
from db.periods import Period


@dataclass(frozen=True)
class ActivityYear:
    """One activity's confirmed study of a person in the year (amount in `unit`)."""

    activity: str
    unit: str
    amount: float
    credits: float
    records: int


@dataclass(frozen=True)
class CreditYear:
    by_activity: tuple[ActivityYear, ...] = ()  # confirmed only, by activity key and unit
    total: float = 0.0  # confirmed credits
    pending: float = 0.0  # waiting for a confirmer, not counted


@dataclass(frozen=True)
class TalkCounts:
    with_supervisor: int = 0  # talks held with the person (the person as the cadre)
    led: int = 0  # talks the person held as a supervisor


async def credit_years(session: AsyncSession, person_ids: Sequence[int], period: Period) -> dict[int, CreditYear]:
    """Everyone asked is present. One query over the monthly running totals (a study year is
    whole months), as /credits reads them, so the two never disagree."""
    if not period.whole_months:
        raise ValueError(f"{period} does not start and end on the 1st of a month")
    result = {person_id: CreditYear() for person_id in person_ids}
    if not result:
        return result
    rows = await session.execute(
        select(
            StudyMonthTotal.person_id, StudyMonthTotal.activity, StudyMonthTotal.unit, StudyMonthTotal.status,
            func.sum(StudyMonthTotal.amount_hundredths), func.sum(StudyMonthTotal.credits_hundredths),
            func.sum(StudyMonthTotal.records),
        ).where(
            among(session, StudyMonthTotal.person_id, list(result)), StudyMonthTotal.month >= period.start,
            StudyMonthTotal.month < period.end,
        ).group_by(StudyMonthTotal.person_id, StudyMonthTotal.activity, StudyMonthTotal.unit, StudyMonthTotal.status)
    )
    activities: dict[int, list[ActivityYear]] = {}
    totals: dict[int, list[int]] = {}  # person → [confirmed, pending] in hundredths
    for person_id, activity, unit, status, amount, credits, records in rows.all():
        if not records:
            continue  # a month whose records were all undone keeps a zero row
        sums = totals.setdefault(person_id, [0, 0])
        if status in COUNTED:
            activities.setdefault(person_id, []).append(
                ActivityYear(activity, unit, int(amount) / 100, int(credits) / 100, int(records)))
            sums[0] += int(credits)
        elif status == "pending":
            sums[1] += int(credits)
    for person_id, (confirmed, pending) in totals.items():
        listed = sorted(activities.get(person_id, ()), key=lambda row: (row.activity, row.unit))
        result[person_id] = CreditYear(tuple(listed), confirmed / 100, pending / 100)
    return result


async def talk_counts(session: AsyncSession, person_ids: Sequence[int], start: date, end: date) -> dict[int, TalkCounts]:
    """Talks held in [start, end] (end inclusive) per person, on either side; absent: none."""
    if not person_ids:
        return {}
    ids = list(person_ids)
    held = (Talk.held_on >= start, Talk.held_on <= end)
    as_cadre = await session.execute(
        select(Talk.cadre_id, func.count()).where(among(session, Talk.cadre_id, ids), *held).group_by(Talk.cadre_id))
    as_supervisor = await session.execute(
        select(Talk.supervisor_id, func.count()).where(among(session, Talk.supervisor_id, ids), *held)
        .group_by(Talk.supervisor_id))
    cadre = {person_id: int(n) for person_id, n in as_cadre.all()}
    led = {person_id: int(n) for person_id, n in as_supervisor.all()}
    return {person_id: TalkCounts(cadre.get(person_id, 0), led.get(person_id, 0)) for person_id in {*cadre, *led}}
