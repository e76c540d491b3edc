"""The truth of what scheduled work was sent: delivery rows keyed by (person, kind, period).

The flow is create → claim → attempt → confirm. Creation is idempotent (a FanOut marker and
the rows in one transaction, inserts that ignore conflicts); claiming moves rows from pending
to claimed in one statement, so two instances or a re-run job can never take one row twice;
each message is marked attempted just before its request leaves and sent when Telegram
confirms it, each in its own small commit, so after any crash the rows say what went out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.dialects import among, insert_ignoring_conflicts
from db.models import Delivery, FanOut, Person, UTCDateTime
from db.people import PersonFacts, facts_columns, facts_from_row

CLAIM_BATCH = 2000


@dataclass(frozen=True)
class Planned:
    """One person's delivery of a fan-out: pending at `deliver_after`, or skipped with a reason."""

    person_id: int
    deliver_after: datetime
    skipped: str | None = None


async def claim_fanout(session: AsyncSession, kind: str, period: str, now: datetime) -> bool:
    """True for exactly one caller per (kind, period), across instances and restarts.

    The caller adds the deliveries in the same transaction and commits: the marker and the
    rows land together or not at all.
    """
    # RETURNING, not rowcount: psycopg reports -1 for INSERT … ON CONFLICT DO NOTHING.
    inserted = await session.execute(
        insert_ignoring_conflicts(session, FanOut).values(kind=kind, period=period, created_at=now)
        .returning(FanOut.kind)
    )
    return inserted.first() is not None


async def add_deliveries(
    session: AsyncSession, kind: str, period: str, planned: Sequence[Planned], now: datetime
) -> None:
    """Insert rows, ignoring any that exist: safe to call for one-off messages keyed by period."""
    rows = [
        {
            "person_id": p.person_id, "kind": kind, "period": period,
            "status": "skipped" if p.skipped else "pending", "deliver_after": p.deliver_after,
            "last_error": p.skipped, "attempts": 0, "created_at": now,
        }
        for p in planned
    ]
    for start in range(0, len(rows), 1000):
        await session.execute(insert_ignoring_conflicts(session, Delivery), rows[start:start + 1000])


async def add_deliveries_for(
    session: AsyncSession, kind: str, period: str, person_ids: Select, deliver_after: datetime, now: datetime
) -> None:
    """Pending rows for everyone `person_ids` selects, in one INSERT … SELECT inside the database."""
    source = select(
        Person.id, literal(kind), literal(period), literal("pending"), literal(deliver_after, UTCDateTime()),
        literal(0), literal(now, UTCDateTime()),
    ).where(Person.id.in_(person_ids))
    columns = ["person_id", "kind", "period", "status", "deliver_after", "attempts", "created_at"]
    await session.execute(insert(Delivery).from_select(columns, source))


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery this process now owns: what the renderers need, nothing more."""

    id: int
    person_id: int
    kind: str
    period: str


# What a delivery row goes through (Delivery.status):
#   pending → claimed → attempted → sent
#                   ↘ skipped     ↘ blocked | failed (Telegram refused it)
#                                 ↘ uncertain (the answer was lost: never resent)
#   claimed → pending when its claimer stops, or a new leader finds it (settle_orphans);
#   attempted → claimed when the request never left or Telegram refused it (then retried);
#   pending → expired past the grace period.
CLAIMED, ATTEMPTED, UNCERTAIN = "claimed", "attempted", "uncertain"


async def claim_due(
    session: AsyncSession, now: datetime, token: str, limit: int = CLAIM_BATCH
) -> list[tuple[Claimed, PersonFacts]]:
    """Move up to `limit` due pending rows to `claimed` under `token`; return them, by id,
    each with its recipient's facts.

    The `status == pending` test inside the UPDATE is what keeps two claimers from taking the
    same row (PostgreSQL re-checks it on rows another transaction changed). The rows are then
    read back by their token in one query joined to the people, so a batch of thousands
    costs no list of ids in either statement. The caller commits.
    """
    table = Delivery.__table__  # Core, not an ORM-enabled UPDATE: there is nothing to synchronise
    due = (
        select(table.c.id).where(table.c.status == "pending", table.c.deliver_after <= now)
        .order_by(table.c.deliver_after, table.c.id).limit(limit).scalar_subquery()
    )
    await session.execute(
        update(table).where(table.c.id.in_(due), table.c.status == "pending")
        .values(status=CLAIMED, claimed_at=now, claim_token=token)
    )
    rows = await session.execute(
        select(table.c.id, table.c.person_id, table.c.kind, table.c.period, *facts_columns())
        .join_from(table, Person, Person.id == table.c.person_id)
        .where(table.c.claim_token == token, table.c.status == CLAIMED).order_by(table.c.id)
    )
    return [(Claimed(*row[:4]), facts_from_row(row[4:])) for row in rows.all()]


def _owned(delivery_id: int, token: str, *statuses: str):  # type: ignore[no-untyped-def]
    """This claim's row in one of these states: every change after the claim is fenced by the
    token, so a leader that lost its claim to another cannot touch the row any more."""
    table = Delivery.__table__
    return update(table).where(table.c.id == delivery_id, table.c.claim_token == token, table.c.status.in_(statuses))


async def mark_attempted(session: AsyncSession | AsyncConnection, delivery_id: int, token: str, now: datetime) -> bool:
    """The request is about to leave: True if the row was still this claim's to send. The
    caller commits before the request goes out."""
    table = Delivery.__table__
    result = await session.execute(
        _owned(delivery_id, token, CLAIMED).values(status=ATTEMPTED, attempts=table.c.attempts + 1, attempted_at=now)
    )
    return result.rowcount == 1


async def mark_unattempted(session: AsyncSession, delivery_id: int, token: str) -> None:
    """The request never left, or Telegram refused it: nothing was delivered; back to claimed."""
    await session.execute(_owned(delivery_id, token, ATTEMPTED).values(status=CLAIMED))


async def confirm_sent(session: AsyncSession, delivery_id: int, token: str, now: datetime) -> bool:
    """Telegram confirmed the message. An `uncertain` row of the same claim is confirmed too:
    a leader that lost its lease mid-request may still hear back."""
    result = await session.execute(
        _owned(delivery_id, token, ATTEMPTED, UNCERTAIN).values(status="sent", sent_at=now, last_error=None)
    )
    return result.rowcount == 1


async def finish(
    session: AsyncSession, delivery_id: int, token: str, status: str, error: str | None = None
) -> None:
    """The end of a delivery that was not confirmed: skipped, blocked, failed or uncertain."""
    await session.execute(
        _owned(delivery_id, token, CLAIMED, ATTEMPTED).values(status=status, last_error=error[:300] if error else None)
    )


async def release(session: AsyncSession, tokens: Sequence[str]) -> int:
    """Claimed rows this process will not send (it is stopping, or lost the lease) go back to
    pending for whoever leads next. Rows already attempted stay as they are."""
    if not tokens:
        return 0
    table = Delivery.__table__
    result = await session.execute(
        update(table).where(table.c.claim_token.in_(list(tokens)), table.c.status == CLAIMED)
        .values(status="pending", claim_token=None)
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class Orphans:
    returned: int  # claimed, never attempted: pending again
    uncertain: list[int]  # attempted when their claimer died: the delivery ids


async def settle_orphans(session: AsyncSession) -> Orphans:
    """Run by the leader at the start of each tick, when none of its own deliveries is in
    flight: every claim found belongs to a leader that died or lost its lease. What it never
    attempted is sent again; what it had on the wire becomes `uncertain`, never resent (its
    claim token stays, so a late confirmation from that leader still turns it `sent`)."""
    table = Delivery.__table__
    returned = await session.execute(
        update(table).where(table.c.status == CLAIMED).values(status="pending", claim_token=None)
    )
    uncertain = await session.execute(
        update(table).where(table.c.status == ATTEMPTED)
        .values(status=UNCERTAIN, last_error="in flight when its sender stopped").returning(table.c.id)
    )
    return Orphans(returned.rowcount or 0, sorted(uncertain.scalars().all()))


async def expire_stale(session: AsyncSession, now: datetime, grace: timedelta) -> int:
    """Pending rows whose moment passed more than `grace` ago are dropped, not sent late."""
    result = await session.execute(
        update(Delivery).where(Delivery.status == "pending", Delivery.deliver_after < now - grace)
        .values(status="expired")
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class UncertainDelivery:
    person_id: int
    name: str
    kind: str
    claimed_at: datetime | None


async def uncertain_between(session: AsyncSession, start: datetime, end: datetime) -> list[UncertainDelivery]:
    """Deliveries whose fate is unknown, claimed in [start, end): who may have missed one."""
    rows = await session.execute(
        select(Delivery.person_id, Person.name, Delivery.kind, Delivery.claimed_at)
        .join(Person, Person.id == Delivery.person_id)
        .where(Delivery.status == UNCERTAIN, Delivery.claimed_at >= start, Delivery.claimed_at < end)
        .order_by(Delivery.claimed_at, Delivery.id)
    )
    return [UncertainDelivery(*row) for row in rows.all()]


async def deliveries_for(session: AsyncSession, person_id: int, kind_prefix: str = "") -> list[Delivery]:
    query = select(Delivery).where(Delivery.person_id == person_id).order_by(Delivery.id)
    if kind_prefix:
        query = query.where(Delivery.kind.startswith(kind_prefix))
    return list((await session.scalars(query)).all())


async def mark_recipients_unreachable(session: AsyncSession, delivery_ids: Sequence[int]) -> None:
    """Whoever blocked the bot is not retried forever; the supervisor's digest shows them."""
    if not delivery_ids:
        return
    blocked = select(Delivery.person_id).where(among(session, Delivery.id, delivery_ids))
    await session.execute(update(Person).where(Person.id.in_(blocked)).values(reachable=False))
