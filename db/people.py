"""People: roster import, invite codes and Telegram binding, and look-ups by identity."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialects import among
from db.models import Person, PersonRole, Supervision, utcnow
from db.roster import RosterRow

# No 0/O/1/I/L: codes are read aloud and typed from paper.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_invite_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    deactivated: int
    reactivated: int


async def import_roster(session: AsyncSession, rows: list[RosterRow], now: datetime | None = None) -> ImportSummary:
    """Upsert every row by external id; deactivate (never delete) people not in the file.

    `now` dates the newcomers' joining the roster (the start of their talk cadence).
    The caller commits: a failure anywhere leaves the previous roster untouched.
    """
    now = now or utcnow()
    existing = {p.external_id: p for p in (await session.scalars(select(Person))).all()}
    used_codes = {p.invite_code for p in existing.values()}
    created = updated = unchanged = reactivated = 0
    for row in rows:
        person = existing.pop(row.external_id, None)
        if person is None:
            session.add(_new_person(row, used_codes, now))
            created += 1
            continue
        if not person.active:
            reactivated += 1
        if _apply_row(person, row):
            updated += 1
        else:
            unchanged += 1
    deactivated = 0
    for person in existing.values():
        if person.active:
            person.active = False
            deactivated += 1
    await session.flush()
    return ImportSummary(created, updated, unchanged, deactivated, reactivated)


def _new_person(row: RosterRow, used_codes: set[str], now: datetime) -> Person:
    code = new_invite_code()
    while code in used_codes:
        code = new_invite_code()
    used_codes.add(code)
    person = Person(
        external_id=row.external_id, invite_code=code, active=True, reachable=True, created_at=now, updated_at=now
    )
    _apply_row(person, row)
    return person


def _apply_row(person: Person, row: RosterRow) -> bool:
    """Copy the row onto the person; return whether anything changed."""
    before = _snapshot(person)
    person.name, person.unit, person.level, person.target = row.name, row.unit, row.level, row.target
    person.active = True
    if person.roles != row.roles:
        person.role_rows = [PersonRole(role=role) for role in sorted(row.roles)]
    if person.supervised_units != row.supervises:
        person.supervision_rows = [Supervision(unit=unit) for unit in sorted(row.supervises)]
    return _snapshot(person) != before


def _snapshot(person: Person) -> tuple:
    return (
        person.name, person.unit, person.level, person.target, person.active,
        person.roles, person.supervised_units,
    )


class BindOutcome(Enum):
    BOUND = "bound"
    UNKNOWN_CODE = "unknown_code"
    USED_CODE = "used_code"
    ALREADY_BOUND = "already_bound"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class BindResult:
    outcome: BindOutcome
    person: Person | None = None


async def bind_telegram(
    session: AsyncSession, code: str, telegram_user_id: int, chat_id: int, now: datetime | None = None
) -> BindResult:
    """Spend a one-time invite code on this Telegram account."""
    already = await by_telegram_id(session, telegram_user_id)
    if already is not None:
        return BindResult(BindOutcome.ALREADY_BOUND, already)
    person = await session.scalar(select(Person).where(Person.invite_code == code.strip().upper()))
    if person is None:
        return BindResult(BindOutcome.UNKNOWN_CODE)
    if person.invite_used_at is not None or person.telegram_user_id is not None:
        return BindResult(BindOutcome.USED_CODE)
    if not person.active:
        return BindResult(BindOutcome.INACTIVE)
    person.telegram_user_id = telegram_user_id
    person.chat_id = chat_id
    person.invite_used_at = now or utcnow()
    person.reachable = True
    await session.flush()
    return BindResult(BindOutcome.BOUND, person)


async def by_telegram_id(session: AsyncSession, telegram_user_id: int) -> Person | None:
    return await session.scalar(select(Person).where(Person.telegram_user_id == telegram_user_id))


async def by_external_id(session: AsyncSession, external_id: str) -> Person | None:
    return await session.scalar(select(Person).where(Person.external_id == external_id))


async def by_id(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def pending_invites(session: AsyncSession, include_used: bool = False) -> list[Person]:
    """Active people, ordered by staff number; by default only those who have not joined yet."""
    query = select(Person).where(Person.active.is_(True)).order_by(Person.external_id)
    if not include_used:
        query = query.where(Person.invite_used_at.is_(None))
    return list((await session.scalars(query)).all())


async def all_people(session: AsyncSession, active_only: bool = True) -> list[Person]:
    query = select(Person).order_by(Person.external_id)
    if active_only:
        query = query.where(Person.active.is_(True))
    return list((await session.scalars(query)).all())


def invite_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """A person as plain values, loaded in bulk: fan-outs and digests read thousands of people,
    and full ORM objects (with their role and unit collections) cost ten times as much."""

    id: int
    name: str
    unit: str
    level: str | None
    target: float | None
    chat_id: int | None
    active: bool
    reachable: bool
    created_at: datetime
    roles: frozenset[str]
    supervised_units: frozenset[str]

    def has_role(self, role: str) -> bool:
        return role in self.roles


def _filtered(query, by_id: ColumnElement[bool] | None, role: str | None, unit: str | None, reachable_only: bool):  # type: ignore[no-untyped-def]
    """By ids (any state), or else the active people; narrowed by role, unit, reachability."""
    if by_id is not None:
        query = query.where(by_id)
    else:
        query = query.where(Person.active.is_(True))
    if role is not None:
        query = query.where(Person.id.in_(select(PersonRole.person_id).where(PersonRole.role == role)))
    if unit is not None:
        query = query.where(Person.unit == unit)
    if reachable_only:
        query = query.where(Person.reachable.is_(True), Person.chat_id.is_not(None))
    return query.order_by(Person.id)


def facts_columns() -> tuple:
    """What a PersonFacts is made of, for `facts` and for queries that join people to something
    else; roles and supervised units come aggregated per row."""
    roles = select(func.aggregate_strings(PersonRole.role, ";")).where(PersonRole.person_id == Person.id)
    units = select(func.aggregate_strings(Supervision.unit, ";")).where(Supervision.person_id == Person.id)
    return (
        Person.id, Person.name, Person.unit, Person.level, Person.target, Person.chat_id, Person.active,
        Person.reachable, Person.created_at, roles.scalar_subquery(), units.scalar_subquery(),
    )


def facts_from_row(row: Sequence) -> PersonFacts:
    """A PersonFacts from the values of `facts_columns()`, in that order."""
    return PersonFacts(*row[:9], roles=_split(row[9]), supervised_units=_split(row[10]))


async def facts(
    session: AsyncSession, ids: Iterable[int] | None = None, *, role: str | None = None,
    unit: str | None = None, reachable_only: bool = False,
) -> list[PersonFacts]:
    """People as PersonFacts, ordered by id, in one query."""
    by_id = among(session, Person.id, ids) if ids is not None else None
    query = _filtered(select(*facts_columns()), by_id, role, unit, reachable_only)
    return [facts_from_row(row) for row in (await session.execute(query)).all()]


def ids_query(*, role: str | None = None, unit: str | None = None, reachable_only: bool = False):  # type: ignore[no-untyped-def]
    """The ids of the active people `facts` would return, as a query to use inside another:
    a fan-out to 10,000 people need not bring them into Python at all."""
    return _filtered(select(Person.id), None, role, unit, reachable_only).order_by(None)


@lru_cache(maxsize=256)
def _split(joined: str | None) -> frozenset[str]:
    """Shared sets: thousands of people have the same few role and unit lists, and a new set
    each would be an object more for the garbage collector to walk during a fan-out."""
    return frozenset(joined.split(";")) if joined else frozenset()


async def external_ids(session: AsyncSession, person_ids: list[int]) -> dict[int, str]:
    """Staff numbers by person id (what /report accepts besides a name)."""
    if not person_ids:
        return {}
    rows = await session.execute(select(Person.id, Person.external_id).where(among(session, Person.id, person_ids)))
    return dict(rows.all())


async def joined(session: AsyncSession) -> list[Person]:
    """Active people with a chat the bot can reach (whose command menus it keeps up to date)."""
    query = select(Person).where(Person.active.is_(True), Person.chat_id.is_not(None), Person.reachable.is_(True))
    return list((await session.scalars(query)).all())


def supervises(supervisor: Person | PersonFacts, person: Person | PersonFacts) -> bool:
    """An active supervisor of the person's unit, and never of themselves: who may confirm
    someone's records, receive their talk prompts, and read their reports."""
    return (
        supervisor.active and supervisor.has_role("supervisor") and supervisor.id != person.id
        and bool(person.unit) and person.unit in supervisor.supervised_units
    )


async def supervisors_of(session: AsyncSession, person: Person) -> list[Person]:
    """The people who supervise this person's unit (see `supervises`), by id."""
    query = (
        select(Person).join(Supervision, Supervision.person_id == Person.id)
        .where(Supervision.unit == person.unit, Person.active.is_(True)).order_by(Person.id)
    )
    return [p for p in (await session.scalars(query)).unique().all() if supervises(p, person)]
