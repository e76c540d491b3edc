"""Study credits in the database: logging under the rules only the database can check,
corrections (undo, void, confirmers' decisions), what waits for a confirmer, and the figures
that progress replies, reminders and digests read. Correction requests (/fix) are db/fixes.py.

Only "confirmed" records count. "pending" ones wait for a confirmer (people.confirmers_of);
"rejected" (退回, with its reason) and "voided" ones are kept for the record and counted nowhere.
Every status change is one conditional UPDATE (`_transition`), so of two people acting on a
record at once exactly one succeeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum
from typing import Protocol

from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import people
from db.dialects import among, insert_or_add
from db.models import Person, StudyFix, StudyMonthTotal, StudyRecord
from db.periods import Period, month_of, pro_rata

COUNTED = ("confirmed",)
# Logged and not withdrawn: these fill the daily cap and mark a day as studied.
LIVE = ("confirmed", "pending")


class Activity(Protocol):
    """What logging needs to know about an activity type (bot.config.ActivitySettings fits)."""

    @property
    def key(self) -> str: ...
    @property
    def unit(self) -> str: ...
    @property
    def credits_per_unit(self) -> float: ...
    @property
    def daily_cap(self) -> float | None: ...
    @property
    def needs_confirmation(self) -> bool: ...


def to_hundredths(value: Decimal | float) -> int:
    return int((Decimal(str(value)) * 100).to_integral_value(ROUND_HALF_UP))


def credits_for(activity: Activity, amount: Decimal) -> int:
    """Credits in hundredths, rounded half up: 1.5 days × 7.5 = 11.25."""
    exact = amount * Decimal(str(activity.credits_per_unit)) * 100
    return int(exact.to_integral_value(ROUND_HALF_UP))


# --- logging ---------------------------------------------------------------------------


class LogOutcome(Enum):
    SAVED = "saved"
    DUPLICATE = "duplicate"  # this draft or message was recorded before
    OVER_CAP = "over_cap"


@dataclass(frozen=True)
class LogResult:
    outcome: LogOutcome
    record: StudyRecord | None = None
    logged_that_day: float = 0.0  # units of the activity already logged that day, before this one


async def log_study(
    session: AsyncSession, *, person_id: int, activity: Activity, amount: Decimal, study_date: date,
    note: str, client_token: str, now: datetime, confirmed_by: int | None = None,
) -> LogResult:
    """Insert one record, unless its token was used already or the day's cap would be passed.

    The person's row is locked first (on PostgreSQL; SQLite lets one writer at a time
    anyway), so two logs by one person at once cannot both pass the cap check, one
    draft confirmed twice finds its first record, and the monthly totals stay exact. Checks
    that need no database (positive, sane, not in the future) are the caller's. The caller commits.
    With `confirmed_by` the record is confirmed at once by that person (a /session check-in:
    the organiser vouches for everyone who checked in), whatever the activity's rule.
    """
    await _lock_person(session, person_id)
    # Read after the lock (a statement of its own, so its snapshot sees what a writer who held
    # the lock before us committed): the token's record, if any, and what the day already holds.
    existing_id, logged_hundredths = await _token_and_day(session, client_token, person_id, activity.key, study_date)
    if existing_id is not None:
        return LogResult(LogOutcome.DUPLICATE, await session.get(StudyRecord, existing_id))
    logged = logged_hundredths / 100
    if over_cap(activity, logged, amount):
        return LogResult(LogOutcome.OVER_CAP, logged_that_day=logged)
    record = StudyRecord(
        person_id=person_id, activity=activity.key, unit=activity.unit, amount_hundredths=to_hundredths(amount),
        credits_hundredths=credits_for(activity, amount), study_date=study_date, note=note,
        status="pending" if activity.needs_confirmation and confirmed_by is None else "confirmed",
        client_token=client_token, created_at=now,
        decided_by=confirmed_by, decided_at=now if confirmed_by is not None else None,
    )
    session.add(record)
    await session.flush()
    await _count(session, record, record.status, +1)
    return LogResult(LogOutcome.SAVED, record, logged)


def over_cap(activity: Activity, logged: float, amount: Decimal) -> bool:
    """Whether adding `amount` to what is logged that day passes the cap (compared in hundredths)."""
    if activity.daily_cap is None:
        return False
    return to_hundredths(logged) + to_hundredths(amount) > to_hundredths(activity.daily_cap)


async def _lock_person(session: AsyncSession, person_id: int) -> None:
    """Every change to a person's records takes this (after the record's own lock, if any).
    FOR NO KEY UPDATE: it serialises the person's writers without blocking the foreign-key
    checks of rows that merely point at the person (a supervisor's decided_by, say)."""
    await session.execute(select(Person.id).where(Person.id == person_id).with_for_update(key_share=True))


_TOTAL_KEYS = ("person_id", "month", "activity", "unit", "status")
_TOTAL_FIGURES = ("amount_hundredths", "credits_hundredths", "records")


async def _count(session: AsyncSession, record: StudyRecord, status: str, sign: int) -> None:
    """Add (+1) or take away (-1) a record's figures in its month's running total for `status`:
    one INSERT … ON CONFLICT DO UPDATE adding to the row (the callers hold the person's lock)."""
    await session.execute(insert_or_add(session, StudyMonthTotal, _TOTAL_KEYS, _TOTAL_FIGURES), {
        "person_id": record.person_id, "month": month_of(record.study_date), "activity": record.activity,
        "unit": record.unit, "status": status, "amount_hundredths": sign * record.amount_hundredths,
        "credits_hundredths": sign * record.credits_hundredths, "records": sign,
    })


async def rebuild_month_totals(session: AsyncSession, person_id: int) -> None:
    """Recompute a person's running totals from their records: after a bulk import that
    wrote records directly, or to repair. Normal logging keeps them right by itself."""
    await _lock_person(session, person_id)
    await session.execute(delete(StudyMonthTotal).where(StudyMonthTotal.person_id == person_id))
    sums: dict[tuple[date, str, str, str], list[int]] = {}
    rows = await session.execute(
        select(StudyRecord.study_date, StudyRecord.activity, StudyRecord.unit, StudyRecord.status,
               StudyRecord.amount_hundredths, StudyRecord.credits_hundredths)
        .where(StudyRecord.person_id == person_id)
    )
    for day, activity, unit, status, amount, credits in rows.all():
        figures = sums.setdefault((month_of(day), activity, unit, status), [0, 0, 0])
        figures[0] += amount
        figures[1] += credits
        figures[2] += 1
    session.add_all(
        StudyMonthTotal(person_id=person_id, month=month, activity=activity, unit=unit, status=status,
                        amount_hundredths=amount, credits_hundredths=credits, records=count)
        for (month, activity, unit, status), (amount, credits, count) in sums.items()
    )
    await session.flush()


async def amount_on_day(session: AsyncSession, person_id: int, activity_key: str, day: date) -> float:
    """Units of one activity a person has logged (and not withdrawn) on one local day."""
    total = await session.scalar(
        select(func.coalesce(func.sum(StudyRecord.amount_hundredths), 0)).where(
            StudyRecord.person_id == person_id, StudyRecord.study_date == day,
            StudyRecord.activity == activity_key, StudyRecord.status.in_(LIVE),
        )
    )
    return int(total or 0) / 100


async def _token_and_day(
    session: AsyncSession, client_token: str, person_id: int, activity_key: str, day: date,
) -> tuple[int | None, int]:
    """In one statement: the id of the record made with `client_token` (None: none yet) and the
    hundredths of the activity the person logged (and did not withdraw) that day."""
    row = (await session.execute(_TOKEN_AND_DAY, {
        "token": client_token, "person": person_id, "activity": activity_key, "day": day,
    })).one()
    return row[0], int(row[1] or 0)


# Built once: it runs for every study logged.
_TOKEN_AND_DAY = select(
    select(StudyRecord.id).where(StudyRecord.client_token == bindparam("token")).scalar_subquery(),
    select(func.coalesce(func.sum(StudyRecord.amount_hundredths), 0)).where(
        StudyRecord.person_id == bindparam("person"), StudyRecord.study_date == bindparam("day"),
        StudyRecord.activity == bindparam("activity"), StudyRecord.status.in_(LIVE),
    ).scalar_subquery(),
)


async def by_token(session: AsyncSession, client_token: str) -> StudyRecord | None:
    return await session.scalar(select(StudyRecord).where(StudyRecord.client_token == client_token))


# --- corrections and decisions -----------------------------------------------------------


class Change(Enum):
    DONE = "done"
    NOT_FOUND = "not_found"  # also: not yours to change, so a forged id learns nothing
    ALREADY = "already"  # voided, rejected or (for decisions) decided before
    TOO_LATE = "too_late"


@dataclass(frozen=True)
class ChangeResult:
    outcome: Change
    record: StudyRecord | None = None
    owner: Person | None = None
    by: str | None = None  # ALREADY: the name of whoever changed it first ("已由某某处理")


async def undo_own(
    session: AsyncSession, record_id: int, person_id: int, now: datetime, window: timedelta
) -> ChangeResult:
    """The cadre withdraws their own record, within the window after logging it."""
    record = await _locked_record(session, record_id)
    if record is None or record.person_id != person_id:
        return ChangeResult(Change.NOT_FOUND)
    if record.status not in LIVE:
        return await _already(session, record)
    if now - record.created_at > window:
        return ChangeResult(Change.TOO_LATE, record)
    if not await _void(session, record, person_id, None, now):
        return await _already(session, record)
    return ChangeResult(Change.DONE, record)


async def void_record(session: AsyncSession, record_id: int, by_id: int, reason: str, now: datetime) -> ChangeResult:
    """Void any live record, at any time, saying why: an admin's /void, or a confirmer
    accepting the cadre's /fix (the reason is then the cadre's 说明)."""
    record = await _locked_record(session, record_id)
    if record is None:
        return ChangeResult(Change.NOT_FOUND)
    owner = await session.get(Person, record.person_id)
    if record.status not in LIVE or not await _void(session, record, by_id, reason, now):
        return await _already(session, record, owner)
    return ChangeResult(Change.DONE, record, owner)


async def _void(session: AsyncSession, record: StudyRecord, by: int, reason: str | None, now: datetime) -> bool:
    return await _transition(session, record, "voided", voided_by=by, void_reason=reason, voided_at=now)


async def decide(
    session: AsyncSession, record_id: int, confirmer: Person, approve: bool, now: datetime, reason: str | None = None,
) -> ChangeResult:
    """A confirmer (people.may_confirm) counts a pending record, or returns it with a reason.

    Two confirmers pressing at once (or a press beside the cadre's 撤销): the conditional
    UPDATE lets exactly one through; the other gets ALREADY with the winner's name."""
    record = await _locked_record(session, record_id)
    owner = await session.get(Person, record.person_id) if record is not None else None
    if record is None or owner is None or not await people.may_confirm(session, confirmer, owner):
        return ChangeResult(Change.NOT_FOUND)
    if record.status != "pending":
        return await _already(session, record, owner)
    changed = await _transition(
        session, record, "confirmed" if approve else "rejected",
        decided_by=confirmer.id, decided_at=now, decision_reason=None if approve else reason,
    )
    if not changed:
        return await _already(session, record, owner)
    return ChangeResult(Change.DONE, record, owner)


async def decidable(session: AsyncSession, record_id: int, confirmer: Person) -> ChangeResult:
    """Whether `confirmer` could decide on this record now, changing nothing: 退回 asks for a
    reason first, and a record another confirmer decided meanwhile is said so at the press,
    not only after the reason was typed. `decide` checks everything again as it writes."""
    record = await session.get(StudyRecord, record_id, populate_existing=True)
    owner = await session.get(Person, record.person_id) if record is not None else None
    if record is None or owner is None or not await people.may_confirm(session, confirmer, owner):
        return ChangeResult(Change.NOT_FOUND)
    if record.status != "pending":
        return await _already(session, record, owner)
    return ChangeResult(Change.DONE, record, owner)


async def _transition(session: AsyncSession, record: StudyRecord, status: str, **values: object) -> bool:
    """Move `record` from the status it was read with to `status`, in one conditional UPDATE.

    Of two people acting on one record at once (two confirmers, a confirmer and the cadre's
    撤销, an admin's /void) exactly one matches the row; the other's UPDATE finds it changed
    (PostgreSQL re-checks the condition after the winner commits, SQLite lets one writer at a
    time), the record is re-read, and False says someone else got there first."""
    seen = record.status
    result = await session.execute(
        update(StudyRecord).where(StudyRecord.id == record.id, StudyRecord.status == seen)
        .values(status=status, **values).execution_options(synchronize_session=False)
    )
    await session.refresh(record)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    await _lock_person(session, record.person_id)
    await _count(session, record, seen, -1)
    await _count(session, record, status, +1)
    return True


async def _already(session: AsyncSession, record: StudyRecord, owner: Person | None = None) -> ChangeResult:
    """ALREADY, naming who decided or voided the record (the cadre, for their own 撤销)."""
    handler = record.voided_by if record.status == "voided" else record.decided_by
    names = await names_of(session, {handler}) if handler else {}
    return ChangeResult(Change.ALREADY, record, owner, names.get(handler) if handler else None)


async def _locked_record(session: AsyncSession, record_id: int) -> StudyRecord | None:
    """The record, re-read (and locked on PostgreSQL, so a second press waits for the first
    and then reads its outcome); the status change itself is `_transition`'s conditional UPDATE."""
    query = (
        select(StudyRecord).where(StudyRecord.id == record_id)
        .with_for_update().execution_options(populate_existing=True)
    )
    return await session.scalar(query)


# --- what waits for a confirmer ----------------------------------------------------------


async def pending_for(session: AsyncSession, confirmer: Person) -> list[tuple[StudyRecord, Person]]:
    """The pending records `confirmer` may decide on (people.may_confirm), oldest first:
    a supervisor's units' people, and for an admin the people no supervisor can be asked for."""
    admin = confirmer.has_role("admin")
    units = sorted(confirmer.supervised_units) if confirmer.has_role("supervisor") else []
    if not admin and not units:
        return []
    query = (
        select(StudyRecord, Person).join(Person, Person.id == StudyRecord.person_id)
        .where(StudyRecord.status == "pending", Person.active.is_(True), Person.id != confirmer.id)
        .order_by(StudyRecord.created_at, StudyRecord.id)
    )
    if not admin:
        query = query.where(Person.unit.in_(units))
    rows = [(record, owner) for record, owner in (await session.execute(query)).all()]
    return await keep_confirmable(session, confirmer, rows)


async def keep_confirmable(session: AsyncSession, confirmer: Person, rows: list) -> list:  # type: ignore[type-arg]
    """The rows (anything whose last item is the owner) that `confirmer` may decide on, as
    people.may_confirm decides, with one query for the whole list."""
    askable = await people.askable_supervisors_by_unit(session, {row[-1].unit for row in rows})
    return [
        row for row in rows
        if people.supervises(confirmer, row[-1])
        or (confirmer.has_role("admin") and confirmer.active and people.needs_admins(row[-1], askable))
    ]


async def record_with_owner(session: AsyncSession, record_id: int) -> tuple[StudyRecord, Person] | None:
    """A record and the person it belongs to, read afresh (a re-send checks it still waits)."""
    row = (await session.execute(
        select(StudyRecord, Person).join(Person, Person.id == StudyRecord.person_id)
        .where(StudyRecord.id == record_id).execution_options(populate_existing=True)
    )).first()
    return (row[0], row[1]) if row is not None else None


async def pending_older_than(session: AsyncSession, cutoff: datetime) -> list[tuple[StudyRecord, Person]]:
    """Pending records of active people logged before `cutoff`, oldest first (to send again)."""
    query = (
        select(StudyRecord, Person).join(Person, Person.id == StudyRecord.person_id)
        .where(StudyRecord.status == "pending", StudyRecord.created_at < cutoff, Person.active.is_(True))
        .order_by(StudyRecord.created_at, StudyRecord.id)
    )
    return [(record, owner) for record, owner in (await session.execute(query)).all()]


@dataclass(frozen=True)
class PendingOverview:
    """What waits for confirmation in some units: pending records and open /fix requests."""

    count: int
    oldest_since: datetime | None  # when the longest-waiting one was logged or asked
    oldest_record_id: int | None  # the record it is about


async def pending_overview(session: AsyncSession, units: Sequence[str] | None = None) -> PendingOverview:
    """For the weekly digest: how many records (and correction requests) of the active people
    of `units` (None: everyone) wait for a confirmer, and the oldest. Two small queries."""
    waiting_record = (
        select(StudyRecord.id.label("record_id"), StudyRecord.created_at.label("since"))
        .join(Person, Person.id == StudyRecord.person_id)
        .where(StudyRecord.status == "pending", Person.active.is_(True))
    )
    waiting_fix = (
        select(StudyFix.record_id.label("record_id"), StudyFix.asked_at.label("since"))
        .join(StudyRecord, StudyRecord.id == StudyFix.record_id)
        .join(Person, Person.id == StudyFix.person_id)
        .where(StudyFix.status == "open", StudyRecord.status.in_(LIVE), Person.active.is_(True))
    )
    if units is not None:
        waiting_record = waiting_record.where(Person.unit.in_(list(units)))
        waiting_fix = waiting_fix.where(Person.unit.in_(list(units)))
    waiting = waiting_record.union_all(waiting_fix).subquery()
    count = int(await session.scalar(select(func.count()).select_from(waiting)) or 0)
    oldest = (await session.execute(
        select(waiting.c.record_id, waiting.c.since).order_by(waiting.c.since, waiting.c.record_id).limit(1)
    )).first()
    return PendingOverview(count, oldest[1] if oldest else None, oldest[0] if oldest else None)


# --- figures -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityTotal:
    activity: str
    unit: str
    amount: float
    credits: float
    count: int


@dataclass(frozen=True)
class Progress:
    """One person's standing in one period, as of `today`."""

    period: Period
    target: float
    total: float  # confirmed credits
    pending: float  # credits waiting for a supervisor, not counted
    expected: float  # pro-rata target for today
    by_activity: list[ActivityTotal] = field(default_factory=list)  # confirmed, largest first
    latest: list[StudyRecord] = field(default_factory=list)  # any status, newest study date first

    @property
    def ahead(self) -> float:
        """Positive when ahead of the even pace, negative when behind."""
        return round(self.total - self.expected, 2)

    @property
    def fraction(self) -> float:
        return self.total / self.target if self.target else 1.0


async def year_progress(
    session: AsyncSession, person_id: int, period: Period, target: float, today: date, latest: int = 5
) -> Progress:
    """Totals, pro-rata expectation, breakdown by activity and the latest records, in two
    small queries: the sums come from the monthly running totals, not from every record."""
    if not period.whole_months:
        raise ValueError(f"{period} does not start and end on the 1st of a month")
    grouped = await session.execute(
        select(
            StudyMonthTotal.activity, StudyMonthTotal.unit, StudyMonthTotal.status,
            func.sum(StudyMonthTotal.amount_hundredths), func.sum(StudyMonthTotal.credits_hundredths),
            func.sum(StudyMonthTotal.records),
        ).where(
            StudyMonthTotal.person_id == person_id, StudyMonthTotal.month >= period.start,
            StudyMonthTotal.month < period.end,
        ).group_by(StudyMonthTotal.activity, StudyMonthTotal.unit, StudyMonthTotal.status)
    )
    by_activity: list[ActivityTotal] = []
    total = pending = 0
    for activity, unit, status, amount, credits, count in grouped.all():
        if status in COUNTED and count:
            by_activity.append(ActivityTotal(activity, unit, int(amount) / 100, int(credits) / 100, int(count)))
            total += int(credits)
        elif status == "pending":
            pending += int(credits)
    by_activity.sort(key=lambda row: (-row.credits, row.activity))
    recent = await session.scalars(
        select(StudyRecord)
        .where(StudyRecord.person_id == person_id, StudyRecord.study_date >= period.start,
               StudyRecord.study_date < period.end)
        .order_by(StudyRecord.study_date.desc(), StudyRecord.id.desc()).limit(latest)
    )
    return Progress(
        period=period, target=target, total=total / 100, pending=pending / 100,
        expected=pro_rata(target, period, today), by_activity=by_activity, latest=list(recent.all()),
    )


async def totals_for_people(session: AsyncSession, person_ids: Sequence[int], start: date, end: date) -> dict[int, float]:
    """Confirmed credits per person for study dates in [start, end); everyone asked is present.

    Whole months come from the running totals, the days before the first and after the
    last whole month from the records, so a year to date costs about what a week does.
    """
    totals = {person_id: 0 for person_id in person_ids}
    if not totals or start >= end:
        return {person_id: 0.0 for person_id in totals}
    ids = list(totals)
    months = _whole_months(start, end)
    day_ranges = [(start, end)] if months is None else [(start, months[0]), (months[1], end)]
    if months is not None:
        rows = await session.execute(
            select(StudyMonthTotal.person_id, func.sum(StudyMonthTotal.credits_hundredths))
            .where(among(session, StudyMonthTotal.person_id, ids), StudyMonthTotal.month >= months[0],
                   StudyMonthTotal.month < months[1], StudyMonthTotal.status.in_(COUNTED))
            .group_by(StudyMonthTotal.person_id)
        )
        for person_id, hundredths in rows.all():
            totals[person_id] += int(hundredths or 0)
    for low, high in day_ranges:
        if low >= high:
            continue
        rows = await session.execute(
            select(StudyRecord.person_id, func.sum(StudyRecord.credits_hundredths))
            .where(among(session, StudyRecord.person_id, ids), StudyRecord.study_date >= low,
                   StudyRecord.study_date < high, StudyRecord.status.in_(COUNTED))
            .group_by(StudyRecord.person_id)
        )
        for person_id, hundredths in rows.all():
            totals[person_id] += int(hundredths or 0)
    return {person_id: hundredths / 100 for person_id, hundredths in totals.items()}


def _whole_months(start: date, end: date) -> tuple[date, date] | None:
    """[first, last) of the months lying wholly inside [start, end), or None if there are none."""
    first = start if start.day == 1 else month_of(date.fromordinal(month_of(start).toordinal() + 31))
    last = month_of(end)
    return (first, last) if first < last else None


async def last_study_dates(
    session: AsyncSession, person_ids: Sequence[int], until: date | None = None
) -> dict[int, date]:
    """The latest day each person logged study (confirmed or pending); people who never did are absent.
    With `until`, only study dates on or before it: a past week's 最近学习 is never after that week."""
    if not person_ids:
        return {}
    query = select(StudyRecord.person_id, func.max(StudyRecord.study_date)).where(
        among(session, StudyRecord.person_id, person_ids), StudyRecord.status.in_(LIVE))
    if until is not None:
        query = query.where(StudyRecord.study_date <= until)
    rows = await session.execute(query.group_by(StudyRecord.person_id))
    return {person_id: day for person_id, day in rows.all()}


async def records_of(session: AsyncSession, person_id: int) -> list[StudyRecord]:
    """Every record of a person, whatever its status, oldest study date first (for exports)."""
    query = (
        select(StudyRecord).where(StudyRecord.person_id == person_id)
        .order_by(StudyRecord.study_date, StudyRecord.id)
    )
    return list((await session.scalars(query)).all())


async def records_page(
    session: AsyncSession, person_id: int, period: Period, offset: int, limit: int
) -> tuple[list[StudyRecord], int]:
    """One page of a person's records of a period (any status, newest study date first), and
    how many there are in all: /credits 记录."""
    where = (StudyRecord.person_id == person_id, StudyRecord.study_date >= period.start,
             StudyRecord.study_date < period.end)
    total = int(await session.scalar(select(func.count()).select_from(StudyRecord).where(*where)) or 0)
    rows = await session.scalars(
        select(StudyRecord).where(*where)
        .order_by(StudyRecord.study_date.desc(), StudyRecord.id.desc()).offset(offset).limit(limit)
    )
    return list(rows.all()), total


async def names_of(session: AsyncSession, person_ids: set[int]) -> dict[int, str]:
    """Names of the people who decided or voided records, for exports and notices."""
    if not person_ids:
        return {}
    rows = await session.execute(select(Person.id, Person.name).where(among(session, Person.id, person_ids)))
    return {person_id: name for person_id, name in rows.all()}


async def rejected_since(session: AsyncSession, person_ids: Sequence[int], since: date) -> set[int]:
    """People with a record a supervisor sent back recently (a talking point, not a reproach)."""
    if not person_ids:
        return set()
    rows = await session.scalars(
        select(StudyRecord.person_id).where(
            among(session, StudyRecord.person_id, person_ids), StudyRecord.status == "rejected",
            StudyRecord.study_date >= since,
        ).distinct()
    )
    return set(rows.all())


async def records_between(session: AsyncSession, person_ids: Sequence[int], start: date, end: date) -> list[StudyRecord]:
    """Every record (any status) of these people with a study date in [start, end), for exports."""
    if not person_ids:
        return []
    query = (
        select(StudyRecord)
        .where(among(session, StudyRecord.person_id, person_ids), StudyRecord.study_date >= start, StudyRecord.study_date < end)
        .order_by(StudyRecord.study_date, StudyRecord.id)
    )
    return list((await session.scalars(query)).all())
