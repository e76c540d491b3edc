"""One-on-one talks (谈心谈话): who supervises whom, when they last talked, requests, postponements.

Notes are returned only through `history_for_supervisor`, to the supervisor who wrote them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialects import among
from db.models import Person, PersonRole, Talk, TalkPostponement, TalkRequest


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


async def last_talks(session: AsyncSession, cadre_ids: Sequence[int]) -> dict[tuple[int, int], date]:
    """The latest talk date per (supervisor, cadre) pair: each pair has its own cadence."""
    if not cadre_ids:
        return {}
    rows = await session.execute(
        select(Talk.supervisor_id, Talk.cadre_id, func.max(Talk.held_on))
        .where(among(session, Talk.cadre_id, cadre_ids)).group_by(Talk.supervisor_id, Talk.cadre_id)
    )
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


async def add_notes(session: AsyncSession, talk_id: int, supervisor_id: int, notes: str) -> bool:
    talk = await session.get(Talk, talk_id)
    if talk is None or talk.supervisor_id != supervisor_id:
        return False
    talk.notes = notes
    await session.flush()
    return True


@dataclass(frozen=True)
class TalkView:
    held_on: date
    supervisor_name: str
    notes: str | None  # only ever filled for the supervisor who wrote them


async def history_for_supervisor(session: AsyncSession, viewer_id: int, cadre_id: int) -> list[TalkView]:
    rows = await session.execute(
        select(Talk, Person.name).join(Person, Person.id == Talk.supervisor_id)
        .where(Talk.cadre_id == cadre_id).order_by(Talk.held_on.desc(), Talk.id.desc())
    )
    return [TalkView(t.held_on, name, t.notes if t.supervisor_id == viewer_id else None) for t, name in rows.all()]


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
