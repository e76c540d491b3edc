"""Collective study sessions (/session) in the database: starting one, 签到, the window's end,
and the attendance figures the organiser's list and the weekly digest read.

A check-in is a `session_checkins` row (unique per session and person) and, within the
activity's daily cap, a record confirmed at once by the organiser (credits.log_study with
`confirmed_by`, token `ss<session>-p<person>`), both in the caller's transaction. Ending is one
conditional UPDATE of `ended_at`: of a 结束 press, a press after the window and the scheduler
tick, exactly one wins, and only the winner reports to the organiser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import credits, deliveries
from db.deliveries import Planned
from db.dialects import among, insert_ignoring_conflicts, one_writer_at_a_time
from db.models import Person, PersonRole, SessionCheckin, StudyRecord, StudySession

KIND_PREFIX = "session"  # deliveries: session:<id>, period CHECKIN (each cadre) or REPORT (the organiser)
CHECKIN = "checkin"
REPORT = "report"


def delivery_kind(session_id: int) -> str:
    return f"{KIND_PREFIX}:{session_id}"


def audience(units: list[str] | None, organiser_id: int) -> Select:  # type: ignore[type-arg]
    """The ids of the people a session is for: active cadres of `units` (None: every unit),
    never the organiser (who vouches for the others and does not confirm their own study)."""
    query = (
        select(Person.id).join(PersonRole, PersonRole.person_id == Person.id)
        .where(PersonRole.role == "cadre", Person.active.is_(True), Person.id != organiser_id)
    )
    return query.where(Person.unit.in_(units)) if units is not None else query


def invited(study_session: StudySession, person: Person) -> bool:
    """Whether `person` belongs to the session's audience now (as `audience` selects)."""
    units = study_session.units
    return (
        person.active and person.has_role("cadre") and person.id != study_session.organiser_id
        and (units is None or person.unit in units)
    )


async def start(
    session: AsyncSession, *, organiser: Person, activity: str, amount: Decimal, topic: str, units: list[str] | None,
    study_date: date, now: datetime, closes_at: datetime, group_chat_id: int | None,
) -> StudySession:
    """The session row, and (unless it is held in a group, whose one message the caller sends)
    a pending check-in delivery for each invited cadre, sent by the DeliveryEngine exactly once."""
    who = audience(units, organiser.id)
    expected = int(await session.scalar(select(func.count()).select_from(who.subquery())) or 0)
    row = StudySession(
        organiser_id=organiser.id, activity=activity, amount_hundredths=credits.to_hundredths(amount),
        topic=topic, units=units, expected=expected, study_date=study_date, started_at=now, closes_at=closes_at,
        group_chat_id=group_chat_id, count_shown=0,
    )
    session.add(row)
    await session.flush()
    if group_chat_id is None:
        await deliveries.add_deliveries_for(session, delivery_kind(row.id), CHECKIN, who, now, now)
    return row


async def unreachable(session: AsyncSession, study_session: StudySession) -> int:
    """How many of the session's invited cadres have no chat with the bot (not yet bound):
    they count among the expected, but no invitation can reach them."""
    who = audience(study_session.units, study_session.organiser_id).where(Person.chat_id.is_(None))
    return int(await session.scalar(select(func.count()).select_from(who.subquery())) or 0)


async def by_id(session: AsyncSession, session_id: int) -> StudySession | None:
    return await session.get(StudySession, session_id, populate_existing=True)


async def for_press(
    session: AsyncSession, session_id: int, person_id: int | None,
) -> tuple[StudySession | None, bool]:
    """A button press's one read: the session row as it is now, and whether the presser has
    checked in to it already (False for nobody known)."""
    checked = (
        select(SessionCheckin.id)
        .where(SessionCheckin.session_id == StudySession.id, SessionCheckin.person_id == person_id)
        .exists()
    ) if person_id is not None else None
    query = select(StudySession, checked) if checked is not None else select(StudySession)
    found = (await session.execute(
        query.where(StudySession.id == session_id).execution_options(populate_existing=True))).first()
    if found is None:
        return None, False
    return found[0], bool(found[1]) if checked is not None else False


async def set_control_message(session: AsyncSession, session_id: int, chat_id: int, message_id: int) -> None:
    await session.execute(
        update(StudySession).where(StudySession.id == session_id)
        .values(control_chat_id=chat_id, control_message_id=message_id)
    )


async def end(session: AsyncSession, study_session: StudySession, now: datetime) -> bool:
    """The organiser's 结束: True for the one caller that ended it (it reports in its reply)."""
    return await _end(session, study_session, min(now, study_session.closes_at), "button")


async def close_if_due(session: AsyncSession, study_session: StudySession, now: datetime) -> bool:
    """Past its window and not ended: end it as of the window's end and plan the organiser's
    report as a delivery (sent by the scheduler once). True when this call ended it."""
    if study_session.ended_at is not None or now < study_session.closes_at:
        return False
    if not await _end(session, study_session, study_session.closes_at, "window"):
        return False
    await deliveries.add_deliveries(
        session, delivery_kind(study_session.id), REPORT, [Planned(study_session.organiser_id, now)], now)
    return True


async def _end(session: AsyncSession, study_session: StudySession, at: datetime, how: str) -> bool:
    result = await session.execute(
        update(StudySession).where(StudySession.id == study_session.id, StudySession.ended_at.is_(None))
        .values(ended_at=at, ended_how=how).execution_options(synchronize_session=False)
    )
    await session.refresh(study_session)
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def due_to_close(session: AsyncSession, now: datetime, limit: int = 200) -> list[StudySession]:
    """Sessions whose window has passed and that nobody ended yet (the scheduler closes them)."""
    rows = await session.scalars(
        select(StudySession).where(StudySession.ended_at.is_(None), StudySession.closes_at <= now)
        .order_by(StudySession.closes_at).limit(limit)
    )
    return list(rows.all())


class Checkin(Enum):
    SAVED = "saved"  # attended and credited, confirmed
    ATTENDED = "attended"  # attended; the day's cap was full, so no credits
    ALREADY = "already"
    CLOSED = "closed"  # ended, or past its window
    NOT_INVITED = "not_invited"  # outside the organiser's units (or inactive)
    ORGANISER = "organiser"
    NOT_CADRE = "not_cadre"  # an admin (or anyone who logs no study)


@dataclass(frozen=True)
class CheckinResult:
    outcome: Checkin
    record_id: int | None = None
    closed_now: bool = False  # this press found the window passed and ended the session


async def check_in(
    session: AsyncSession, study_session: StudySession, person: Person, activity: credits.Activity, now: datetime,
    checked_in: bool,
) -> CheckinResult:
    """One 签到: at most one check-in and one record per person and session, however often or
    however concurrently pressed (the person's lock in log_study, the record's token, the
    unique pair). `checked_in` is what `for_press` read with the session row. The caller commits."""
    if person.id == study_session.organiser_id:
        return CheckinResult(Checkin.ORGANISER)
    if not person.has_role("cadre"):
        return CheckinResult(Checkin.NOT_CADRE)
    if checked_in:
        return CheckinResult(Checkin.ALREADY)
    if study_session.ended_at is not None:
        return CheckinResult(Checkin.CLOSED)
    if now >= study_session.closes_at:
        return CheckinResult(Checkin.CLOSED, closed_now=await close_if_due(session, study_session, now))
    if not invited(study_session, person):
        return CheckinResult(Checkin.NOT_INVITED)
    result = await credits.log_study(
        session, person_id=person.id, activity=activity, amount=Decimal(study_session.amount_hundredths) / 100,
        study_date=study_session.study_date, note=study_session.topic or "", client_token=token(study_session.id, person.id),
        now=now, confirmed_by=study_session.organiser_id,
    )
    if result.outcome is credits.LogOutcome.DUPLICATE:
        return CheckinResult(Checkin.ALREADY)
    if result.outcome is credits.LogOutcome.OVER_CAP and await _checked_in(session, study_session.id, person.id):
        return CheckinResult(Checkin.ALREADY)  # a second press that waited for the first's lock
    record_id = result.record.id if result.record is not None else None
    inserted = await session.execute(
        insert_ignoring_conflicts(session, SessionCheckin).values(
            session_id=study_session.id, person_id=person.id, record_id=record_id, checked_in_at=now,
        ).returning(SessionCheckin.id)
    )
    if inserted.first() is None:
        if record_id is not None:
            # Checked in by another update between our read and this insert, and the day's cap
            # freed meanwhile: the record just made must not stay. Failing the update rolls it back.
            raise CheckinRaced(f"session {study_session.id}, person {person.id}")
        return CheckinResult(Checkin.ALREADY)
    return CheckinResult(Checkin.SAVED if record_id is not None else Checkin.ATTENDED, record_id)


def checkin_turn(session: AsyncSession):  # type: ignore[no-untyped-def]
    """Hold around check_in and its commit (dialects.one_writer_at_a_time: SQLite's writers by turn)."""
    return one_writer_at_a_time(session)


class CheckinRaced(RuntimeError):
    """A second check-in of one person won a race it should not have: the update is rolled back."""


def token(session_id: int, person_id: int) -> str:
    return f"ss{session_id}-p{person_id}"


MAKEUP_TOKEN = re.compile(r"ss\d+-m\d+(-r\d+)?")


def makeup_token(session_id: int, person_id: int, attempt: int = 0) -> str:
    """The 补学 record's token; a 补学 that was returned (退回) or voided may be sent again,
    as attempt 1, 2 … of the same session, each once."""
    first = f"ss{session_id}-m{person_id}"
    return first if attempt == 0 else f"{first}-r{attempt}"


def is_makeup(record: StudyRecord) -> bool:
    """Whether a study record is a session's 补学 (its token is `makeup_token`'s)."""
    return MAKEUP_TOKEN.fullmatch(record.client_token or "") is not None


def is_closed(study_session: StudySession, now: datetime) -> bool:
    return study_session.ended_at is not None or now >= study_session.closes_at


class Makeup(Enum):
    OPEN = "open"  # may write a 补学 note
    STILL_OPEN = "still_open"  # 签到 is still open: check in instead
    CHECKED_IN = "checked_in"
    ALREADY = "already"  # a 补学 for this session is pending or confirmed
    NOT_INVITED = "not_invited"
    ORGANISER = "organiser"
    NOT_CADRE = "not_cadre"


@dataclass(frozen=True)
class MakeupCheck:
    outcome: Makeup
    record_id: int | None = None  # ALREADY: the 补学 record
    attempt: int = 0  # OPEN: how many 补学 of this session were returned or voided before


async def makeup_check(session: AsyncSession, study_session: StudySession, person: Person, now: datetime) -> MakeupCheck:
    """Whether `person` may log a 补学 for the session now: once the window closed, only
    someone invited who did not check in, once per session (the record's token)."""
    if person.id == study_session.organiser_id:
        return MakeupCheck(Makeup.ORGANISER)
    if not person.has_role("cadre"):
        return MakeupCheck(Makeup.NOT_CADRE)
    if not is_closed(study_session, now):
        return MakeupCheck(Makeup.STILL_OPEN)
    if await _checked_in(session, study_session.id, person.id):
        return MakeupCheck(Makeup.CHECKED_IN)
    if not invited(study_session, person):
        return MakeupCheck(Makeup.NOT_INVITED)
    earlier = await _makeups(session, study_session.id, person.id)
    if earlier and earlier[-1].status in ("pending", "confirmed"):
        return MakeupCheck(Makeup.ALREADY, earlier[-1].id)
    return MakeupCheck(Makeup.OPEN, attempt=len(earlier))


async def _makeups(session: AsyncSession, session_id: int, person_id: int) -> list[StudyRecord]:
    """The person's 补学 records of the session, oldest first (one, unless some were returned)."""
    first = makeup_token(session_id, person_id)
    return list((await session.scalars(
        select(StudyRecord).where(  # the person's own records first: the token LIKE scans only those
            StudyRecord.person_id == person_id,
            or_(StudyRecord.client_token == first, StudyRecord.client_token.like(f"{first}-r%")))
        .order_by(StudyRecord.id))).all())


async def log_makeup(
    session: AsyncSession, study_session: StudySession, person: Person, activity: credits.Activity, note: str,
    now: datetime, attempt: int = 0,
) -> credits.LogResult:
    """The 补学 record: the session's activity, amount and day, PENDING whatever the activity's
    rule (a confirmer vouches for it, not the organiser's 签到), once per person, session and
    attempt (`makeup_check` says which)."""
    return await credits.log_study(
        session, person_id=person.id, activity=_needing_confirmation(activity),
        amount=Decimal(study_session.amount_hundredths) / 100, study_date=study_session.study_date, note=note,
        client_token=makeup_token(study_session.id, person.id, attempt), now=now,
    )


@dataclass(frozen=True)
class _NeedsConfirmation:
    key: str
    unit: str
    credits_per_unit: float
    daily_cap: float | None
    needs_confirmation: bool = True


def _needing_confirmation(activity: credits.Activity) -> credits.Activity:
    return _NeedsConfirmation(activity.key, activity.unit, activity.credits_per_unit, activity.daily_cap)


async def _checked_in(session: AsyncSession, session_id: int, person_id: int) -> bool:
    found = await session.scalar(
        select(SessionCheckin.id).where(SessionCheckin.session_id == session_id, SessionCheckin.person_id == person_id)
    )
    return found is not None


async def count(session: AsyncSession, session_id: int) -> int:
    return int(await session.scalar(
        select(func.count()).select_from(SessionCheckin).where(SessionCheckin.session_id == session_id)) or 0)


def redraw_due(study_session: StudySession, now: datetime, every_seconds: float) -> bool:
    """Whether the organiser's count may be redrawn now, as the row was read: not within
    `every_seconds` of the last redraw. A press that finds it not due counts nothing."""
    seen = study_session.count_shown_at
    return every_seconds <= 0 or seen is None or (now - seen).total_seconds() >= every_seconds


async def claim_count_redraw(
    session: AsyncSession, study_session: StudySession, shown: int, now: datetime, every_seconds: float,
) -> bool:
    """Whether this caller should redraw the organiser's count now: at most once every
    `every_seconds`, and only to a different figure (one conditional UPDATE decides)."""
    if not redraw_due(study_session, now, every_seconds):
        return False  # redrawn lately (as the row was read): no write to the session's hot row
    query = update(StudySession).where(
        StudySession.id == study_session.id, StudySession.count_shown != shown, StudySession.ended_at.is_(None))
    if every_seconds > 0:
        cutoff = datetime.fromtimestamp(now.timestamp() - every_seconds, tz=now.tzinfo)
        query = query.where(
            (StudySession.count_shown_at.is_(None)) | (StudySession.count_shown_at <= cutoff))
    result = await session.execute(
        query.values(count_shown=shown, count_shown_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


@dataclass(frozen=True)
class Attendance:
    present: list[tuple[str, str]]  # (name, unit) of who checked in, by name
    absent: list[tuple[str, str]]  # who was invited (as the audience is now) and did not


async def attendance(session: AsyncSession, study_session: StudySession) -> Attendance:
    """Who checked in and who did not: the organiser's list (名单, the end report)."""
    present_ids = select(SessionCheckin.person_id).where(SessionCheckin.session_id == study_session.id)
    present = (await session.execute(
        select(Person.name, Person.unit).where(Person.id.in_(present_ids)).order_by(Person.unit, Person.name)
    )).all()
    who = audience(study_session.units, study_session.organiser_id).where(Person.id.not_in(present_ids))
    absent = (await session.execute(
        select(Person.name, Person.unit).where(Person.id.in_(who)).order_by(Person.unit, Person.name)
    )).all()
    return Attendance([(n, u) for n, u in present], [(n, u) for n, u in absent])


@dataclass(frozen=True)
class SessionFigures:
    id: int
    activity: str
    topic: str
    study_date: date
    expected: int
    attended: int

    @property
    def rate(self) -> float:
        return self.attended / self.expected if self.expected else 0.0


async def held_between(session: AsyncSession, units: list[str] | None, start: date, end: date) -> list[SessionFigures]:
    """Sessions with a study date in [start, end] for an audience touching `units` (None:
    all sessions), with their attendance, oldest first: the weekly digest's lines."""
    attended = (
        select(SessionCheckin.session_id, func.count().label("n")).group_by(SessionCheckin.session_id).subquery()
    )
    rows = (await session.execute(
        select(StudySession, func.coalesce(attended.c.n, 0))
        .outerjoin(attended, attended.c.session_id == StudySession.id)
        .where(StudySession.study_date >= start, StudySession.study_date <= end)
        .order_by(StudySession.study_date, StudySession.id)
    )).all()
    wanted = set(units) if units is not None else None
    return [
        SessionFigures(s.id, s.activity, s.topic, s.study_date, s.expected, int(n))
        for s, n in rows
        if wanted is None or s.units is None or wanted & set(s.units)
    ]


async def attended_counts(session: AsyncSession, person_ids: list[int], start: date, end: date) -> dict[int, int]:
    """Sessions each person checked in to with a study date in [start, end]; absent: none."""
    if not person_ids:
        return {}
    rows = await session.execute(
        select(SessionCheckin.person_id, func.count())
        .join(StudySession, StudySession.id == SessionCheckin.session_id)
        .where(among(session, SessionCheckin.person_id, person_ids),
               StudySession.study_date >= start, StudySession.study_date <= end)
        .group_by(SessionCheckin.person_id)
    )
    return {person_id: int(n) for person_id, n in rows.all()}
