"""One-on-one talks (谈心谈话): who supervises whom, when they last talked, requests, postponements.

Notes are returned only through `history_for_supervisor`, to the supervisor who wrote them,
and are stored encrypted (db/notes_crypto.py): this module is the only one that sees both
the cipher and the rows. It also reads back the talk prompts planned (delivery rows of kind
talk:<cadre id>): how many a pair's due date has had, and which prompt a 已谈 button answers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialects import among
from db.models import Delivery, Person, PersonRole, Talk, TalkPostponement, TalkRequest
from db.notes_crypto import FERNET, PLAIN, NotesCipher, NotesUnreadable


@dataclass(frozen=True)
class Pair:
    supervisor: Person
    cadre: Person


async def supervision_pairs(session: AsyncSession) -> list[Pair]:
    """Every active supervisor with every active cadre of the units they supervise (not themselves)."""
    supervisors = (await session.scalars(
        select(Person).join(PersonRole).where(PersonRole.role == "supervisor", Person.active.is_(True))
    )).unique().all()
    units = {unit for s in supervisors for unit in s.supervised_units}
    cadres = (await session.scalars(
        select(Person).join(PersonRole)
        .where(PersonRole.role == "cadre", Person.active.is_(True), Person.unit.in_(units))
    )).unique().all() if units else []
    by_unit: dict[str, list[Person]] = {}
    for cadre in cadres:
        by_unit.setdefault(cadre.unit, []).append(cadre)
    return [
        Pair(s, c) for s in supervisors for unit in sorted(s.supervised_units)
        for c in by_unit.get(unit, []) if c.id != s.id
    ]


async def last_talks(
    session: AsyncSession, cadre_ids: Sequence[int], until: date | None = None
) -> dict[tuple[int, int], date]:
    """The latest talk date per (supervisor, cadre) pair: each pair has its own cadence.
    With `until`, only talks held on or before it (a past week's digest reads as it stood then)."""
    if not cadre_ids:
        return {}
    query = select(Talk.supervisor_id, Talk.cadre_id, func.max(Talk.held_on)).where(among(session, Talk.cadre_id, cadre_ids))
    if until is not None:
        query = query.where(Talk.held_on <= until)
    rows = await session.execute(query.group_by(Talk.supervisor_id, Talk.cadre_id))
    return {(s, c): held for s, c, held in rows.all()}


async def last_talk_by_cadre(session: AsyncSession, cadre_ids: Sequence[int]) -> dict[int, date]:
    """The latest talk date per cadre, with any supervisor (for digests and reports)."""
    latest: dict[int, date] = {}
    for (_, cadre_id), held in (await last_talks(session, cadre_ids)).items():
        latest[cadre_id] = max(held, latest.get(cadre_id, held))
    return latest


async def postponements(session: AsyncSession) -> dict[tuple[int, int], date]:
    rows = await session.scalars(select(TalkPostponement))
    return {(p.supervisor_id, p.cadre_id): p.until for p in rows}


async def postpone(session: AsyncSession, supervisor_id: int, cadre_id: int, until: date) -> None:
    row = await session.get(TalkPostponement, (supervisor_id, cadre_id))
    if row is None:
        session.add(TalkPostponement(supervisor_id=supervisor_id, cadre_id=cadre_id, until=until))
    else:
        row.until = max(row.until, until)
    await session.flush()


async def record_talk(session: AsyncSession, supervisor_id: int, cadre_id: int, held_on: date, now: datetime) -> Talk:
    """A talk happened: it clears the postponement and the cadre's open requests."""
    talk = Talk(supervisor_id=supervisor_id, cadre_id=cadre_id, held_on=held_on, created_at=now)
    session.add(talk)
    postponed = await session.get(TalkPostponement, (supervisor_id, cadre_id))
    if postponed is not None:
        await session.delete(postponed)
    await session.execute(
        update(TalkRequest).where(TalkRequest.cadre_id == cadre_id, TalkRequest.resolved_at.is_(None))
        .values(resolved_at=now)
    )
    await session.flush()
    return talk


async def own_talk(session: AsyncSession, talk_id: int, supervisor_id: int) -> Talk | None:
    """The talk, if this supervisor recorded it (anyone else learns nothing, not even that it exists)."""
    talk = await session.get(Talk, talk_id)
    return talk if talk is not None and talk.supervisor_id == supervisor_id else None


# --- recording once, and undoing -------------------------------------------------------------


@dataclass(frozen=True)
class Recorded:
    talk: Talk
    new: bool  # False: this prompt had already recorded it (a retried press), nothing added
    cleared_postponement: date | None = None  # the 推迟 the talk ended, for 撤销 to put back


async def talk_since(session: AsyncSession, supervisor_id: int, cadre_id: int, since: datetime) -> Talk | None:
    """The newest talk of the pair recorded at or after `since` (a prompt's time): the prompt
    has been answered, by this button or any other way."""
    return await session.scalar(
        select(Talk).where(Talk.supervisor_id == supervisor_id, Talk.cadre_id == cadre_id, Talk.created_at >= since)
        .order_by(Talk.id.desc()).limit(1)
    )


async def record_talk_once(
    session: AsyncSession, supervisor_id: int, cadre_id: int, held_on: date, now: datetime, since: datetime,
) -> Recorded:
    """Record the talk unless one of the pair was recorded since `since` (the prompt, or the
    已谈 press that asked for the day): a retried or doubled press records nothing twice.

    The supervisor's row is locked first (PostgreSQL; SQLite has one writer anyway), so two
    presses handled at once by two instances are serialised and the second sees the first's
    talk instead of adding its own."""
    await session.execute(select(Person.id).where(Person.id == supervisor_id).with_for_update())
    earlier = await talk_since(session, supervisor_id, cadre_id, since)
    if earlier is not None:
        return Recorded(earlier, new=False)
    postponed = await session.get(TalkPostponement, (supervisor_id, cadre_id))
    cleared = postponed.until if postponed is not None else None
    talk = await record_talk(session, supervisor_id, cadre_id, held_on, now)
    return Recorded(talk, new=True, cleared_postponement=cleared)


@dataclass(frozen=True)
class Undone:
    cadre_id: int
    held_on: date


async def undo_talk(
    session: AsyncSession, talk_id: int, supervisor_id: int, now: datetime, window: timedelta,
    restore_postponement: date | None = None,
) -> Undone | None:
    """Take back a talk its supervisor recorded within `window`: the row (with its notes) goes,
    the requests it resolved are open again and the postponement it cleared is back, so the
    pair is due as before. None when it is not theirs, already undone, or too old; one
    conditional DELETE, so two presses at once undo it once."""
    talk = await own_talk(session, talk_id, supervisor_id)
    if talk is None or now - talk.created_at > window:
        return None
    cadre_id, held_on, created_at = talk.cadre_id, talk.held_on, talk.created_at
    deleted = await session.execute(
        delete(Talk).where(Talk.id == talk_id, Talk.supervisor_id == supervisor_id)
        .execution_options(synchronize_session=False)
    )
    session.expunge(talk)
    if deleted.rowcount != 1:
        return None
    await session.execute(
        update(TalkRequest).where(TalkRequest.cadre_id == cadre_id, TalkRequest.resolved_at == created_at)
        .values(resolved_at=None)
    )
    if restore_postponement is not None:
        await postpone(session, supervisor_id, cadre_id, restore_postponement)
    await session.flush()
    return Undone(cadre_id, held_on)


# --- one supervisor's pairs, and the prompts they were sent --------------------------------------


async def cadres_of(session: AsyncSession, supervisor: Person) -> list[Person]:
    """The active cadres a supervisor talks with (those of his units, never himself), by name."""
    if not supervisor.supervised_units:
        return []
    cadres = (await session.scalars(
        select(Person).join(PersonRole)
        .where(PersonRole.role == "cadre", Person.active.is_(True), Person.unit.in_(sorted(supervisor.supervised_units)))
        .order_by(Person.unit, Person.name, Person.id)
    )).unique().all()
    return [c for c in cadres if c.id != supervisor.id]


@dataclass(frozen=True)
class PromptSent:
    period: str  # "<due date>#<n>": the n-th prompt for that due date
    planned_on: datetime
    expired: bool  # never reached the supervisor (past its grace period)


PROMPT_KIND = "talk"


async def prompts_since(session: AsyncSession, since: datetime) -> dict[tuple[int, int], list[PromptSent]]:
    """The talk prompts planned since a moment, per (supervisor, cadre): how many a due date has
    had and when the last one was, so follow-ups and the daily limit count what was sent."""
    rows = await session.execute(
        select(Delivery.person_id, Delivery.kind, Delivery.period, Delivery.created_at, Delivery.status)
        .where(Delivery.kind.startswith(f"{PROMPT_KIND}:"), Delivery.created_at >= since)
        .order_by(Delivery.created_at, Delivery.id)
    )
    sent: dict[tuple[int, int], list[PromptSent]] = {}
    for person_id, kind, period, created_at, status in rows.all():
        cadre = kind.split(":", 1)[1]
        if cadre.isdigit():
            sent.setdefault((person_id, int(cadre)), []).append(PromptSent(period, created_at, status == "expired"))
    return sent


async def prompt_time(session: AsyncSession, supervisor_id: int, cadre_id: int, delivery_id: int) -> datetime | None:
    """When the prompt a 已谈 button came with was planned, if it was this pair's prompt to him."""
    return await session.scalar(
        select(Delivery.created_at).where(
            Delivery.id == delivery_id, Delivery.person_id == supervisor_id, Delivery.kind == f"{PROMPT_KIND}:{cadre_id}",
        )
    )


async def request_time(session: AsyncSession, cadre_id: int, request_id: int) -> datetime | None:
    """When the cadre asked for the talk a /talk notification's 已谈 button answers."""
    return await session.scalar(
        select(TalkRequest.created_at).where(TalkRequest.id == request_id, TalkRequest.cadre_id == cadre_id)
    )


async def add_notes(session: AsyncSession, talk_id: int, supervisor_id: int, notes: str, cipher: NotesCipher) -> bool:
    """Store notes encrypted; notes added later (补写) follow the earlier ones, never replace them."""
    talk = await own_talk(session, talk_id, supervisor_id)
    if talk is None:
        return False
    earlier = _readable(talk, cipher)
    talk.notes = cipher.encrypt(f"{earlier}\n{notes}" if earlier else notes)
    talk.notes_format = FERNET
    await session.flush()
    return True


def _readable(talk: Talk, cipher: NotesCipher | None) -> str | None:
    """The notes as written; NotesUnreadable when they are encrypted and this key cannot open them."""
    if talk.notes is None:
        return None
    if talk.notes_format == FERNET:
        if cipher is None:
            raise NotesUnreadable()
        return cipher.decrypt(talk.notes)
    return talk.notes


@dataclass(frozen=True)
class TalkView:
    talk_id: int
    held_on: date
    supervisor_name: str
    notes: str | None  # only ever filled for the supervisor who wrote them
    unreadable: bool = False  # the viewer's own notes, which this key cannot open
    own: bool = False  # recorded by the viewer (who may add notes to it)


async def history_for_supervisor(
    session: AsyncSession, viewer_id: int, cadre_id: int, cipher: NotesCipher | None = None
) -> list[TalkView]:
    """Every talk with the cadre, newest first; notes only on the viewer's own talks (without
    the cipher they come back unreadable, never as ciphertext)."""
    rows = await session.execute(
        select(Talk, Person.name).join(Person, Person.id == Talk.supervisor_id)
        .where(Talk.cadre_id == cadre_id).order_by(Talk.held_on.desc(), Talk.id.desc())
    )
    return [_view(t, name, viewer_id, cipher) for t, name in rows.all()]


def _view(talk: Talk, name: str, viewer_id: int, cipher: NotesCipher | None) -> TalkView:
    if talk.supervisor_id != viewer_id:
        return TalkView(talk.id, talk.held_on, name, None)
    try:
        return TalkView(talk.id, talk.held_on, name, _readable(talk, cipher), own=True)
    except NotesUnreadable:
        return TalkView(talk.id, talk.held_on, name, None, unreadable=True, own=True)


# --- the notes key at start ------------------------------------------------------------------


async def notes_stored(session: AsyncSession) -> bool:
    return (await session.scalar(select(Talk.id).where(Talk.notes.is_not(None)).limit(1))) is not None


async def key_opens_stored_notes(session: AsyncSession, cipher: NotesCipher) -> bool:
    """Whether the key decrypts an encrypted note (the newest, and the oldest: a key list that
    lost an old key is caught too). True when nothing is encrypted yet."""
    newest = await session.scalar(
        select(Talk.notes).where(Talk.notes_format == FERNET, Talk.notes.is_not(None)).order_by(Talk.id.desc()).limit(1)
    )
    oldest = await session.scalar(
        select(Talk.notes).where(Talk.notes_format == FERNET, Talk.notes.is_not(None)).order_by(Talk.id).limit(1)
    )
    try:
        for sample in {s for s in (newest, oldest) if s is not None}:
            cipher.decrypt(sample)
    except NotesUnreadable:
        return False
    return True


async def encrypt_plain_notes(session: AsyncSession, cipher: NotesCipher) -> int:
    """Encrypt the notes written before encryption (marked 'plain' by migration 0007); returns
    how many. Run at start once a key is present; the caller commits."""
    rows = (await session.scalars(select(Talk).where(Talk.notes_format == PLAIN, Talk.notes.is_not(None)))).all()
    for talk in rows:
        talk.notes, talk.notes_format = cipher.encrypt(talk.notes or ""), FERNET
    await session.flush()
    return len(rows)


async def talks_between(session: AsyncSession, cadre_ids: Sequence[int], start: date, end: date) -> list[tuple[date, str, str]]:
    """(date, supervisor name, cadre name) for exports and reports: never the notes."""
    supervisor, cadre = Person.__table__.alias("s"), Person.__table__.alias("c")
    rows = await session.execute(
        select(Talk.held_on, supervisor.c.name, cadre.c.name)
        .join(supervisor, supervisor.c.id == Talk.supervisor_id).join(cadre, cadre.c.id == Talk.cadre_id)
        .where(among(session, Talk.cadre_id, cadre_ids), Talk.held_on >= start, Talk.held_on <= end)
        .order_by(Talk.held_on, cadre.c.name)
    )
    return [tuple(row) for row in rows.all()]  # type: ignore[misc]


async def open_requests(session: AsyncSession, cadre_ids: Sequence[int]) -> dict[int, list[str]]:
    if not cadre_ids:
        return {}
    rows = await session.execute(
        select(TalkRequest.cadre_id, TalkRequest.topic)
        .where(among(session, TalkRequest.cadre_id, cadre_ids), TalkRequest.resolved_at.is_(None)).order_by(TalkRequest.id)
    )
    topics: dict[int, list[str]] = {}
    for cadre_id, topic in rows.all():
        topics.setdefault(cadre_id, []).append(topic)
    return topics


async def request_talk(session: AsyncSession, cadre_id: int, topic: str, now: datetime) -> TalkRequest:
    request = TalkRequest(cadre_id=cadre_id, topic=topic[:200], created_at=now)
    session.add(request)
    await session.flush()
    return request
