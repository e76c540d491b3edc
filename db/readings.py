"""The week's reading in the database: readings published in the chat, 已读 and 心得 marks,
and the figures the digest, /export and /annual read.

Where readings live. The files (knowledge/readings/*.yaml) are the programme admins plan
ahead, reviewed and checked by `cadrebot kb check` like the base; a /publish is a row in
`published_readings`. The database, not a file written from the chat, is the truth for a
/publish because it is what every instance already shares, transactionally and backed up:
a row is seen by all instances at once and survives any restart, while a file written from
the chat would need the knowledge folder shared and writable everywhere and a sync signal,
and could be overwritten by the next deployment of the files. For one week, the newest
published row not replaced is the week's reading, ahead of the file's; the /publish preview
says which reading it replaces. Marks name a reading by its file id, or `pub-<row id>`.

心得 are kept as plain text, unlike talk notes (db/notes_crypto): a talk's notes are a
supervisor's confidential record of a conversation, while a 心得 is study the cadre hands in
to be read by the admins, like a 读书笔记 record's note. What limits who reads them is the
one query that returns them (`notes_between`), used only by an admin's /export.

Credits are records logged with credits.log_study in the caller's transaction, confirmed at
once, under tokens `rd-<reading>-p<person>-read|note`, so a second press or a second 心得 finds
its first record and nothing is counted twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import Enum

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import credits
from db.dialects import among, insert_ignoring_conflicts
from db.models import Person, PublishedReading, ReadingMark
from knowledge.readings import PUBLISHED_PREFIX, Reading, ReadingLoad

NOTE_PREFIX = "每周一篇"


def published_id(row_id: int) -> str:
    return f"{PUBLISHED_PREFIX}{row_id}"


def as_reading(row: PublishedReading) -> Reading:
    return Reading(
        id=published_id(row.id), week=row.week, title=row.title, text=row.text, link=row.link, source=None,
        credits=row.credits_hundredths / 100, notes_credits=row.notes_credits_hundredths / 100,
        file="published", line=0,
    )


async def _published_for(session: AsyncSession, monday: date) -> PublishedReading | None:
    return await session.scalar(
        select(PublishedReading).where(PublishedReading.week == monday, PublishedReading.replaced_at.is_(None))
        .order_by(PublishedReading.id.desc()).limit(1)
    )


async def week_reading(session: AsyncSession, shelf: ReadingLoad, monday: date) -> Reading | None:
    """The reading of the week starting `monday`: a published one, else the files'."""
    row = await _published_for(session, monday)
    return as_reading(row) if row is not None else shelf.for_week(monday)


async def latest_before(session: AsyncSession, shelf: ReadingLoad, monday: date) -> Reading | None:
    """The most recent week's reading before `monday` (what /reading offers when this week has none)."""
    last_published = await session.scalar(
        select(func.max(PublishedReading.week)).where(PublishedReading.week < monday, PublishedReading.replaced_at.is_(None))
    )
    from_files = shelf.latest_before(monday)
    weeks = [w for w in (last_published, from_files.week if from_files else None) if w is not None]
    return await week_reading(session, shelf, max(weeks)) if weeks else None


async def find(session: AsyncSession, shelf: ReadingLoad, reading_id: str, this_monday: date) -> Reading | None:
    """The reading a button names, if it is still its week's reading and that week has begun;
    None for a forged id, a future week, or a reading replaced since (its button is stale)."""
    if reading_id.startswith(PUBLISHED_PREFIX):
        digits = reading_id[len(PUBLISHED_PREFIX):]
        if not (digits.isascii() and digits.isdigit() and 0 < len(digits) <= 9):
            return None
        row = await session.get(PublishedReading, int(digits))
        week = row.week if row is not None else None
    else:
        found = shelf.by_id(reading_id)
        week = found.week if found is not None else None
    if week is None or week > this_monday:
        return None
    current = await week_reading(session, shelf, week)
    return current if current is not None and current.id == reading_id else None


async def publish(
    session: AsyncSession, *, week: date, title: str, text: str | None, link: str | None, read_credits: float,
    notes_credits: float, by: int, now: datetime,
) -> PublishedReading:
    """Publish a reading for `week`, replacing the week's published one if any (kept, marked
    replaced; its marks and credits stay). The caller commits."""
    await session.execute(
        update(PublishedReading).where(PublishedReading.week == week, PublishedReading.replaced_at.is_(None))
        .values(replaced_at=now).execution_options(synchronize_session=False)
    )
    row = PublishedReading(
        week=week, title=title, text=text, link=link, credits_hundredths=credits.to_hundredths(read_credits),
        notes_credits_hundredths=credits.to_hundredths(notes_credits), published_by=by, published_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def mark_of(session: AsyncSession, person_id: int, reading_id: str) -> ReadingMark | None:
    return await session.scalar(
        select(ReadingMark).where(ReadingMark.person_id == person_id, ReadingMark.reading_id == reading_id)
        .execution_options(populate_existing=True)
    )


class Marked(Enum):
    SAVED = "saved"
    ALREADY = "already"
    OVER_CAP = "over_cap"  # the activity's daily cap would be passed: nothing recorded


@dataclass(frozen=True)
class MarkResult:
    outcome: Marked
    read_now: bool = False  # a 心得 that also recorded the read credit
    logged_that_day: float = 0.0  # units of the activity already logged today (for OVER_CAP)


def amount_for(activity: credits.Activity, credit: float) -> Decimal:
    """The activity's units worth `credit` (1 学时 of 读书笔记 at 2 学时 a 篇: 0.5 篇)."""
    exact = Decimal(str(credit)) / Decimal(str(activity.credits_per_unit))
    return exact.quantize(Decimal("0.01"), ROUND_HALF_UP)


def token(reading_id: str, person_id: int, what: str) -> str:
    return f"rd-{reading_id}-p{person_id}-{what}"


async def mark_read(
    session: AsyncSession, *, person_id: int, reading: Reading, activity: credits.Activity, credit: float,
    study_date: date, now: datetime,
) -> MarkResult:
    """已读: the read credit once per person and reading. The caller commits."""
    mark = await mark_of(session, person_id, reading.id)
    if mark is not None and mark.read_at is not None:
        return MarkResult(Marked.ALREADY)
    result = await _log(session, person_id, reading, activity, credit, "read", study_date, now)
    if result.outcome is credits.LogOutcome.DUPLICATE:
        return MarkResult(Marked.ALREADY)
    if result.outcome is credits.LogOutcome.OVER_CAP:
        return MarkResult(Marked.OVER_CAP, logged_that_day=result.logged_that_day)
    await _save_mark(session, person_id, reading, now, read_at=now, read_record_id=result.record.id)
    return MarkResult(Marked.SAVED)


async def write_notes(
    session: AsyncSession, *, person_id: int, reading: Reading, activity: credits.Activity, read_credit: float,
    notes_credit: float, notes: str, study_date: date, now: datetime,
) -> MarkResult:
    """A 心得 accepted: its credit once per person and reading, and the read credit too if 已读
    was not pressed. Both or neither fit under the daily cap (checked before anything is
    logged). The caller commits."""
    mark = await mark_of(session, person_id, reading.id)
    if mark is not None and mark.notes_at is not None:
        return MarkResult(Marked.ALREADY)
    needs_read = mark is None or mark.read_at is None
    if needs_read:
        logged = await credits.amount_on_day(session, person_id, activity.key, study_date)
        both = amount_for(activity, read_credit) + amount_for(activity, notes_credit)
        if credits.over_cap(activity, logged, both):
            return MarkResult(Marked.OVER_CAP, logged_that_day=logged)
        read = await _log(session, person_id, reading, activity, read_credit, "read", study_date, now)
        if read.outcome is credits.LogOutcome.OVER_CAP:
            return MarkResult(Marked.OVER_CAP, logged_that_day=read.logged_that_day)
        await _save_mark(session, person_id, reading, now, read_at=now, read_record_id=read.record.id)
    result = await _log(session, person_id, reading, activity, notes_credit, "note", study_date, now)
    if result.outcome is credits.LogOutcome.DUPLICATE:
        return MarkResult(Marked.ALREADY)
    if result.outcome is credits.LogOutcome.OVER_CAP:  # only when another log won the cap meanwhile
        return MarkResult(Marked.OVER_CAP, read_now=needs_read, logged_that_day=result.logged_that_day)
    await _save_mark(session, person_id, reading, now, notes=notes, notes_at=now, notes_record_id=result.record.id)
    return MarkResult(Marked.SAVED, read_now=needs_read)


async def _log(
    session: AsyncSession, person_id: int, reading: Reading, activity: credits.Activity, credit: float, what: str,
    study_date: date, now: datetime,
) -> credits.LogResult:
    suffix = "心得" if what == "note" else ""
    return await credits.log_study(
        session, person_id=person_id, activity=activity, amount=amount_for(activity, credit), study_date=study_date,
        note=f"{NOTE_PREFIX}《{reading.title}》{suffix}", client_token=token(reading.id, person_id, what), now=now,
        confirmed_by=None,
    )


async def _save_mark(session: AsyncSession, person_id: int, reading: Reading, now: datetime, **values: object) -> None:
    await session.execute(
        insert_ignoring_conflicts(session, ReadingMark).values(
            person_id=person_id, reading_id=reading.id, week=reading.week, title=reading.title[:100])
    )
    await session.execute(
        update(ReadingMark).where(ReadingMark.person_id == person_id, ReadingMark.reading_id == reading.id)
        .values(**values).execution_options(synchronize_session=False)
    )


# --- figures -------------------------------------------------------------------------------------


async def readers(session: AsyncSession, reading_id: str, person_ids: Sequence[int], until: datetime) -> set[int]:
    """Who among `person_ids` marked the reading read before `until` (the digest's as-of moment)."""
    if not person_ids:
        return set()
    rows = await session.scalars(
        select(ReadingMark.person_id).where(
            ReadingMark.reading_id == reading_id, among(session, ReadingMark.person_id, person_ids),
            ReadingMark.read_at.is_not(None), ReadingMark.read_at < until)
    )
    return set(rows.all())


async def read_counts(session: AsyncSession, person_ids: Sequence[int], start: date, end: date) -> dict[int, int]:
    """Readings each person marked read, by the reading's week Monday within [start, end]; absent: none."""
    return await _counts(session, person_ids, start, end, ReadingMark.read_at)


async def notes_counts(session: AsyncSession, person_ids: Sequence[int], start: date, end: date) -> dict[int, int]:
    """心得 each person wrote, by the reading's week Monday within [start, end]; absent: none."""
    return await _counts(session, person_ids, start, end, ReadingMark.notes_at)


async def _counts(session: AsyncSession, person_ids: Sequence[int], start: date, end: date, column) -> dict[int, int]:  # type: ignore[no-untyped-def]
    if not person_ids:
        return {}
    rows = await session.execute(
        select(ReadingMark.person_id, func.count()).where(
            among(session, ReadingMark.person_id, list(person_ids)), column.is_not(None),
            ReadingMark.week >= start, ReadingMark.week <= end)
        .group_by(ReadingMark.person_id)
    )
    return {person_id: int(n) for person_id, n in rows.all()}


@dataclass(frozen=True)
class NoteRow:
    week: date
    title: str
    name: str
    unit: str
    notes: str
    notes_at: datetime


async def notes_between(session: AsyncSession, person_ids: Sequence[int], start: date, end: date) -> list[NoteRow]:
    """The 心得 of `person_ids` for readings of weeks within [start, end], by week and unit: for an
    admin's /export only (nobody else's view shows a 心得's text)."""
    if not person_ids:
        return []
    rows = await session.execute(
        select(ReadingMark, Person.name, Person.unit).join(Person, Person.id == ReadingMark.person_id).where(
            among(session, ReadingMark.person_id, list(person_ids)), ReadingMark.notes_at.is_not(None),
            ReadingMark.week >= start, ReadingMark.week <= end)
        .order_by(ReadingMark.week, Person.unit, Person.name)
    )
    return [NoteRow(m.week, m.title, name, unit, m.notes or "", m.notes_at) for m, name, unit in rows.all()]
