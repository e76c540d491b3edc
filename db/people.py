"""People: roster import, invite codes and Telegram binding, and look-ups by identity."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

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


class ImportMode(str, Enum):
    """What a roster file is: the whole organisation, or only people to add and change."""

    FULL = "full"  # 完整名单: people missing from the file are deactivated
    UPDATE = "update"  # 仅新增和修改: nobody is deactivated


class KeepReason(str, Enum):
    """Why someone missing from a full list stays active: an import must never lock admins out."""

    UPLOADER = "uploader"
    LAST_ADMIN = "last_admin"


@dataclass(frozen=True)
class Named:
    """A person as a preview names them."""

    external_id: str
    name: str


@dataclass(frozen=True)
class ImportPlan:
    """What importing a roster in one mode would do, computed without changing anything.

    `created` … `reactivated` are disjoint; `missing` are the active people the file does not
    list (deactivated in full mode, except the `kept` ones). `no_admin_left` means the import
    must be refused: there were active admins, and afterwards nobody could manage the bot."""

    mode: ImportMode
    created: tuple[Named, ...]
    updated: tuple[Named, ...]
    unchanged: int
    reactivated: tuple[Named, ...]
    missing: tuple[Named, ...]
    deactivated: tuple[Named, ...]
    kept: tuple[tuple[Named, KeepReason], ...]
    empty_units: tuple[tuple[str, Named], ...]  # a supervised unit nobody belongs to, and its supervisor
    active_before: int
    no_admin_left: bool
    uploader_loses_admin: bool

    @property
    def deactivated_share(self) -> float:
        return len(self.deactivated) / self.active_before if self.active_before else 0.0

    def fingerprint(self) -> str:
        """Changes whenever applying the plan would do something else: a confirmation given on
        a preview is only good for the roster as it stood when the preview was made."""
        parts = [
            self.mode.value, *(f"+{p.external_id}" for p in self.created), *(f"~{p.external_id}" for p in self.updated),
            *(f"^{p.external_id}" for p in self.reactivated), *(f"-{p.external_id}" for p in self.deactivated),
            *(f"={p.external_id}" for p, _ in self.kept), f"!{self.no_admin_left}",
        ]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    def summary(self) -> ImportSummary:
        return ImportSummary(
            len(self.created), len(self.updated), self.unchanged, len(self.deactivated), len(self.reactivated)
        )


async def plan_import(
    session: AsyncSession, rows: list[RosterRow], mode: ImportMode = ImportMode.FULL, uploader_id: int | None = None,
) -> ImportPlan:
    """What importing `rows` would do now; `uploader_id` is the admin sending the file, who is
    never deactivated by it (nor, in any mode, is the last active admin)."""
    existing = {p.external_id: p for p in (await session.scalars(select(Person))).all()}
    return _plan(existing, rows, mode, uploader_id)


def _plan(existing: dict[str, Person], rows: list[RosterRow], mode: ImportMode, uploader_id: int | None) -> ImportPlan:
    listed = {row.external_id for row in rows}
    created, updated, reactivated, unchanged = [], [], [], 0
    for row in rows:
        person = existing.get(row.external_id)
        if person is None:
            created.append(Named(row.external_id, row.name))
        elif not person.active:
            reactivated.append(Named(row.external_id, row.name))
        elif _row_changes(person, row):
            updated.append(Named(row.external_id, row.name))
        else:
            unchanged += 1
    missing = [p for eid, p in sorted(existing.items()) if p.active and eid not in listed]
    kept = _kept(missing, rows, uploader_id) if mode is ImportMode.FULL else []
    kept_ids = {p.id for p, _ in kept}
    leaving = [p for p in missing if p.id not in kept_ids] if mode is ImportMode.FULL else []
    staying = [p for p in missing if p not in leaving]
    admins_before = sum(p.active and p.has_role("admin") for p in existing.values())
    admins_after = sum("admin" in row.roles for row in rows) + sum(p.has_role("admin") for p in staying)
    uploader = next((p for p in existing.values() if p.id == uploader_id), None)
    uploader_row = next((row for row in rows if uploader and row.external_id == uploader.external_id), None)
    return ImportPlan(
        mode=mode, created=tuple(created), updated=tuple(updated), unchanged=unchanged,
        reactivated=tuple(reactivated), missing=tuple(_named(p) for p in missing),
        deactivated=tuple(_named(p) for p in leaving), kept=tuple((_named(p), why) for p, why in kept),
        empty_units=_empty_units(rows, staying), active_before=sum(p.active for p in existing.values()),
        no_admin_left=admins_before > 0 and admins_after == 0,
        uploader_loses_admin=uploader_row is not None and "admin" not in uploader_row.roles,
    )


def _kept(missing: list[Person], rows: list[RosterRow], uploader_id: int | None) -> list[tuple[Person, KeepReason]]:
    """Who a full list may not deactivate: the uploader, and, when the file names no admin, the
    admins it would otherwise remove (every one of them: which to keep is not ours to choose)."""
    kept = [(p, KeepReason.UPLOADER) for p in missing if p.id == uploader_id]
    if not any("admin" in row.roles for row in rows) and not any(p.has_role("admin") for p, _ in kept):
        kept += [(p, KeepReason.LAST_ADMIN) for p in missing if p.has_role("admin") and p.id != uploader_id]
    return kept


def _empty_units(rows: list[RosterRow], staying: list[Person]) -> tuple[tuple[str, Named], ...]:
    """Supervised units that nobody active will belong to: usually a typo in either column."""
    units = {row.unit for row in rows} | {p.unit for p in staying}
    return tuple(
        (unit, Named(row.external_id, row.name))
        for row in rows for unit in sorted(row.supervises) if unit not in units
    )


def _named(person: Person) -> Named:
    return Named(person.external_id, person.name)


def _row_changes(person: Person, row: RosterRow) -> bool:
    return (person.name, person.unit, person.level, person.target, person.roles, person.supervised_units) != (
        row.name, row.unit, row.level, row.target, row.roles, row.supervises
    )


async def apply_plan(
    session: AsyncSession, rows: list[RosterRow], plan: ImportPlan, now: datetime | None = None
) -> ImportSummary:
    """Carry out a plan made by `plan_import` in this transaction; refuses a plan that would
    leave no admin. The caller commits: a failure anywhere leaves the previous roster untouched."""
    if plan.no_admin_left:
        raise ValueError("refusing a roster import that leaves no active admin")
    now = now or utcnow()
    existing = {p.external_id: p for p in (await session.scalars(select(Person))).all()}
    used_codes = {p.invite_code for p in existing.values()}
    for row in rows:
        person = existing.get(row.external_id)
        if person is None:
            session.add(_new_person(row, used_codes, now))
        else:
            _apply_row(person, row)
    for named in plan.deactivated:
        existing[named.external_id].active = False
    await session.flush()
    return plan.summary()


async def import_roster(
    session: AsyncSession, rows: list[RosterRow], now: datetime | None = None, mode: ImportMode = ImportMode.FULL,
) -> ImportSummary:
    """Plan and apply at once, keeping the last admin: for set-up code (fixtures, benches, the
    demo console); anything acting for a person previews with `plan_import` first.

    `now` dates the newcomers' joining the roster (the start of their talk cadence).
    """
    plan = await plan_import(session, rows, mode)
    return await apply_plan(session, rows, plan, now)


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
    """The speaker of an update (the gate, every update): the person with their roles and
    supervised units in one statement, where the models' selectin loading would take three."""
    found = await session.scalars(
        select(Person).where(Person.telegram_user_id == telegram_user_id)
        .options(joinedload(Person.role_rows), joinedload(Person.supervision_rows))
    )
    return found.unique().first()


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


# --- who confirms a person's records ----------------------------------------------------------
#
# A record that needs confirmation (and a /fix request) goes to the supervisors of the person's
# unit who can be asked: active, joined, reachable, never the person themselves. When there is
# none (a supervisor's own record in a unit he alone supervises, a unit without a supervisor,
# supervisors who have not joined), the admins who can be asked confirm instead. The same rule
# decides who may press 通过/退回 and whose /pending lists the record, so the three never disagree.


@dataclass(frozen=True)
class Confirmers:
    people: list[Person]
    admins: bool  # True: no supervisor of the unit can be asked, so these are the admins

    @property
    def nobody(self) -> bool:
        return not self.people


def can_be_asked(person: Person | PersonFacts) -> bool:
    """Someone the bot can put a question to now."""
    return person.active and person.chat_id is not None and person.reachable


async def confirmers_of(session: AsyncSession, person: Person) -> Confirmers:
    """Who confirms this person's records now, by id (see above)."""
    supervisors = [p for p in await supervisors_of(session, person) if can_be_asked(p)]
    if supervisors:
        return Confirmers(supervisors, admins=False)
    query = (
        select(Person).join(PersonRole, PersonRole.person_id == Person.id)
        .where(PersonRole.role == "admin", Person.active.is_(True), Person.id != person.id).order_by(Person.id)
    )
    return Confirmers([p for p in (await session.scalars(query)).unique().all() if can_be_asked(p)], admins=True)


async def may_confirm(session: AsyncSession, confirmer: Person | PersonFacts, owner: Person) -> bool:
    """Whether `confirmer` may decide on `owner`'s pending records and /fix requests: a
    supervisor of the unit always; an admin while no supervisor of the unit can be asked."""
    if confirmer.id == owner.id or not confirmer.active:
        return False
    if supervises(confirmer, owner):
        return True
    return confirmer.has_role("admin") and (await confirmers_of(session, owner)).admins


async def askable_supervisors_by_unit(session: AsyncSession, units: Iterable[str]) -> dict[str, set[int]]:
    """For each unit, the ids of the supervisors who can be asked (for listing many people's
    records at once: a person needs the admins when their unit's set, without them, is empty)."""
    units = sorted(set(units))
    if not units:
        return {}
    query = (
        select(Supervision.unit, Person.id).join(Person, Person.id == Supervision.person_id)
        .join(PersonRole, (PersonRole.person_id == Person.id) & (PersonRole.role == "supervisor"))
        .where(Supervision.unit.in_(units), Person.active.is_(True), Person.reachable.is_(True),
               Person.chat_id.is_not(None))
    )
    found: dict[str, set[int]] = {unit: set() for unit in units}
    for unit, person_id in (await session.execute(query)).all():
        found[unit].add(person_id)
    return found


def needs_admins(person: Person | PersonFacts, askable: dict[str, set[int]]) -> bool:
    """With `askable` from askable_supervisors_by_unit: nobody but the admins confirms for them."""
    return not (askable.get(person.unit, set()) - {person.id})


# --- accounts: finding someone, new invite codes, unbinding ----------------------------------------


async def find(session: AsyncSession, wanted: str) -> list[Person]:
    """People an admin means by 编号 or 姓名: the staff number first (exact, else in any case
    if that is unambiguous), else everyone of that name, active or not, by staff number."""
    wanted = wanted.strip()
    if not wanted:
        return []
    by_number = await session.scalar(select(Person).where(Person.external_id == wanted))
    if by_number is not None:
        return [by_number]
    any_case = (await session.scalars(select(Person).where(func.upper(Person.external_id) == wanted.upper()))).all()
    if len(any_case) == 1:
        return list(any_case)
    query = select(Person).where(Person.name == wanted).order_by(Person.external_id)
    return list((await session.scalars(query)).all())


async def _unused_code(session: AsyncSession) -> str:
    while True:
        code = new_invite_code()
        if await session.scalar(select(Person.id).where(Person.invite_code == code)) is None:
            return code


class RenewOutcome(Enum):
    RENEWED = "renewed"
    BOUND = "bound"  # a bound person's code is spent; unbinding issues the new one
    INACTIVE = "inactive"


async def renew_invite(session: AsyncSession, person: Person) -> RenewOutcome:
    """A new one-time code for someone who has not joined; the old code stops working at once
    (a code sent to the wrong person is revoked this way)."""
    if not person.active:
        return RenewOutcome.INACTIVE
    if person.is_bound:
        return RenewOutcome.BOUND
    person.invite_code = await _unused_code(session)
    person.invite_used_at = None
    await session.flush()
    return RenewOutcome.RENEWED


class UnbindRefusal(Enum):
    SELF = "self"
    LAST_ADMIN = "last_admin"
    NOT_BOUND = "not_bound"


async def unbind_refusal(session: AsyncSession, person: Person, by_id: int | None) -> UnbindRefusal | None:
    """Why this person may not be unbound by `by_id` (None: the command line), or None.
    An admin never unbinds themselves, nor the last active admin who can still use the bot."""
    if not person.is_bound:
        return UnbindRefusal.NOT_BOUND
    if person.active and person.has_role("admin") and await _other_bound_admins(session, person.id) == 0:
        return UnbindRefusal.LAST_ADMIN  # also the sole admin asking about themselves: the graver reason
    if by_id is not None and person.id == by_id:
        return UnbindRefusal.SELF
    return None


async def _other_bound_admins(session: AsyncSession, person_id: int) -> int:
    query = (
        select(func.count()).select_from(Person).join(PersonRole, PersonRole.person_id == Person.id)
        .where(PersonRole.role == "admin", Person.active.is_(True), Person.telegram_user_id.is_not(None),
               Person.id != person_id)
    )
    return int(await session.scalar(query) or 0)


@dataclass(frozen=True)
class Unbound:
    old_chat_id: int | None


async def unbind(session: AsyncSession, person: Person, telegram_user_id: int) -> Unbound | None:
    """Detach the person from the Telegram account `telegram_user_id` and give them a new
    invite code (the old one is void); None when they are no longer bound to that account
    (someone else got there first). Records, talks and settings stay with the person, so the
    new account continues where the old one was."""
    code = await _unused_code(session)
    result = await session.execute(
        update(Person)
        .where(Person.id == person.id, Person.telegram_user_id == telegram_user_id)
        .values(telegram_user_id=None, chat_id=None, invite_used_at=None, invite_code=code,
                menu_signature=None)  # the new account's chat needs its menu set afresh
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    old_chat = person.chat_id
    await session.refresh(person)
    return Unbound(old_chat)
