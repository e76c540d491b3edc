"""Correction requests (/fix 编号 说明): after the 撤销 window a cadre asks for a record to be
corrected, and the record's confirmers (people.confirmers_of) decide, as on a pending record.

Accepting voids the record with the cadre's 说明 as the reason (the cadre then logs it again,
correctly); declining keeps the record and says why. A record has at most one open request.
Deciding is one conditional UPDATE on the request, so of two confirmers pressing at once
exactly one wins and the other learns who did.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import credits, people
from db.credits import LIVE, Change
from db.models import Person, StudyFix, StudyRecord


class Refusal(Enum):
    """Why a record cannot be asked about (each answered with what to do instead)."""

    NOT_FOUND = "not_found"  # also someone else's: the same words, whether or not it exists
    NOT_LIVE = "not_live"  # voided or returned: it counts for nothing, log it again instead
    TOO_SOON = "too_soon"  # still within 撤销: undo it and log it again
    ALREADY_OPEN = "already_open"


@dataclass(frozen=True)
class Asked:
    refusal: Refusal | None
    record: StudyRecord | None = None
    fix: StudyFix | None = None  # the new request, or the open one (ALREADY_OPEN)


async def check_request(
    session: AsyncSession, record_id: int, person_id: int, now: datetime, undo_window: timedelta
) -> Asked:
    """Whether `person_id` may ask for a correction of this record now (nothing is written)."""
    record = await session.get(StudyRecord, record_id, populate_existing=True)
    if record is None or record.person_id != person_id:
        return Asked(Refusal.NOT_FOUND)
    if record.status not in LIVE:
        return Asked(Refusal.NOT_LIVE, record)
    if now - record.created_at <= undo_window:
        return Asked(Refusal.TOO_SOON, record)
    open_fix = await open_fix_for(session, record.id)
    if open_fix is not None:
        return Asked(Refusal.ALREADY_OPEN, record, open_fix)
    return Asked(None, record)


async def request_fix(
    session: AsyncSession, record_id: int, person_id: int, note: str, now: datetime, undo_window: timedelta
) -> Asked:
    """Open a request, checked again as it is written (the record may have changed while the
    说明 was typed). The person's lock serialises two requests for one record. The caller commits."""
    await session.execute(select(Person.id).where(Person.id == person_id).with_for_update(key_share=True))
    asked = await check_request(session, record_id, person_id, now, undo_window)
    if asked.refusal is not None:
        return asked
    fix = StudyFix(record_id=record_id, person_id=person_id, note=note, status="open", asked_at=now)
    session.add(fix)
    await session.flush()
    return Asked(None, asked.record, fix)


async def open_fix_for(session: AsyncSession, record_id: int) -> StudyFix | None:
    return await session.scalar(
        select(StudyFix).where(StudyFix.record_id == record_id, StudyFix.status == "open").limit(1)
    )


@dataclass(frozen=True)
class Decision:
    outcome: Change  # DONE, NOT_FOUND (not theirs to decide, or no such request), ALREADY
    fix: StudyFix | None = None
    record: StudyRecord | None = None
    owner: Person | None = None
    by: str | None = None  # ALREADY: who decided the request, or changed the record, first


async def decide_fix(
    session: AsyncSession, fix_id: int, confirmer: Person, accept: bool, now: datetime, reason: str | None = None,
) -> Decision:
    """Accept (void the record, the cadre's 说明 as the reason) or decline (with `reason`)."""
    fix = await session.scalar(
        select(StudyFix).where(StudyFix.id == fix_id).with_for_update().execution_options(populate_existing=True)
    )
    owner = await session.get(Person, fix.person_id) if fix is not None else None
    if fix is None or owner is None or not await people.may_confirm(session, confirmer, owner):
        return Decision(Change.NOT_FOUND)
    record = await session.get(StudyRecord, fix.record_id, populate_existing=True)
    if fix.status != "open":
        return await _already(session, fix, record, owner)
    if record is None or record.status not in LIVE:
        await _close(session, fix, {"status": "closed", "decided_at": now})
        return await _record_already(session, fix, record, owner)
    values = {"status": "accepted" if accept else "declined", "decided_by": confirmer.id, "decided_at": now,
              "decline_reason": None if accept else reason}
    if not await _close(session, fix, values):
        return await _already(session, fix, record, owner)
    if accept:
        voided = await credits.void_record(session, record.id, confirmer.id, fix.note, now)
        if voided.outcome is not Change.DONE:  # an admin's /void got there between the two
            await _close(session, fix, {"status": "closed"}, status="accepted")
            return await _record_already(session, fix, voided.record, owner)
        record = voided.record
    return Decision(Change.DONE, fix, record, owner)


async def decidable(session: AsyncSession, fix_id: int, confirmer: Person) -> Decision:
    """Whether `confirmer` could decide on this request now, changing nothing (不同意 asks for
    a reason first); `decide_fix` checks everything again as it writes."""
    found = await fix_by_id(session, fix_id)
    if found is None or not await people.may_confirm(session, confirmer, found[2]):
        return Decision(Change.NOT_FOUND)
    fix, record, owner = found
    if fix.status != "open":
        return await _already(session, fix, record, owner)
    if record.status not in LIVE:
        return await _record_already(session, fix, record, owner)
    return Decision(Change.DONE, fix, record, owner)


async def _close(session: AsyncSession, fix: StudyFix, values: dict[str, object], status: str = "open") -> bool:
    """The conditional UPDATE: only a request still in `status` changes; True if this one did."""
    result = await session.execute(
        update(StudyFix).where(StudyFix.id == fix.id, StudyFix.status == status)
        .values(**values).execution_options(synchronize_session=False)
    )
    await session.refresh(fix)
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def _already(session: AsyncSession, fix: StudyFix, record: StudyRecord | None, owner: Person) -> Decision:
    if fix.status == "closed" or fix.decided_by is None:
        return await _record_already(session, fix, record, owner)
    names = await credits.names_of(session, {fix.decided_by})
    return Decision(Change.ALREADY, fix, record, owner, names.get(fix.decided_by))


async def _record_already(session: AsyncSession, fix: StudyFix, record: StudyRecord | None, owner: Person) -> Decision:
    handler = (record.voided_by if record.status == "voided" else record.decided_by) if record else None
    names = await credits.names_of(session, {handler}) if handler else {}
    return Decision(Change.ALREADY, fix, record, owner, names.get(handler) if handler else None)


# --- what waits, for /pending, the re-send planner and the history -----------------------------


async def open_for(session: AsyncSession, confirmer: Person) -> list[tuple[StudyFix, StudyRecord, Person]]:
    """Open requests `confirmer` may decide on, on records that still count for something, oldest first."""
    admin = confirmer.has_role("admin")
    units = sorted(confirmer.supervised_units) if confirmer.has_role("supervisor") else []
    if not admin and not units:
        return []
    query = _open_query().where(Person.id != confirmer.id)
    if not admin:
        query = query.where(Person.unit.in_(units))
    rows = [tuple(row) for row in (await session.execute(query)).all()]
    return await credits.keep_confirmable(session, confirmer, rows)


async def open_older_than(session: AsyncSession, cutoff: datetime) -> list[tuple[StudyFix, StudyRecord, Person]]:
    """Open requests asked before `cutoff`, oldest first (to send again)."""
    rows = await session.execute(_open_query().where(StudyFix.asked_at < cutoff))
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


def _open_query():  # type: ignore[no-untyped-def]
    return (
        select(StudyFix, StudyRecord, Person)
        .join(StudyRecord, StudyRecord.id == StudyFix.record_id).join(Person, Person.id == StudyFix.person_id)
        .where(StudyFix.status == "open", StudyRecord.status.in_(LIVE), Person.active.is_(True))
        .order_by(StudyFix.asked_at, StudyFix.id)
    )


async def fix_by_id(session: AsyncSession, fix_id: int) -> tuple[StudyFix, StudyRecord, Person] | None:
    row = (await session.execute(
        select(StudyFix, StudyRecord, Person)
        .join(StudyRecord, StudyRecord.id == StudyFix.record_id).join(Person, Person.id == StudyFix.person_id)
        .where(StudyFix.id == fix_id).execution_options(populate_existing=True)
    )).first()
    return tuple(row) if row is not None else None  # type: ignore[return-value]


async def latest_for_records(session: AsyncSession, record_ids: list[int]) -> dict[int, StudyFix]:
    """The newest request of each record that has one (for the cadre's history)."""
    if not record_ids:
        return {}
    rows = await session.scalars(
        select(StudyFix).where(StudyFix.record_id.in_(record_ids)).order_by(StudyFix.asked_at, StudyFix.id)
    )
    return {fix.record_id: fix for fix in rows.all()}
