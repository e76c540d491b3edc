"""The truth of what scheduled work was sent: delivery rows keyed by (person, kind, period).

The flow is create → claim → send → mark. Creation is idempotent (a FanOut marker and the
rows in one transaction, inserts that ignore conflicts), claiming moves rows from pending to
sending in one statement, so two instances or a re-run job can never send one row twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

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


async def claim_due(
    session: AsyncSession, now: datetime, token: str, limit: int = CLAIM_BATCH
) -> list[tuple[Claimed, PersonFacts]]:
    """Move up to `limit` due pending rows to `sending` under `token`; return them, by id,
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
        .values(status="sending", claimed_at=now, claim_token=token, attempts=table.c.attempts + 1)
    )
    rows = await session.execute(
        select(table.c.id, table.c.person_id, table.c.kind, table.c.period, *facts_columns())
        .join_from(table, Person, Person.id == table.c.person_id)
        .where(table.c.claim_token == token).order_by(table.c.id)
    )
    return [(Claimed(*row[:4]), facts_from_row(row[4:])) for row in rows.all()]


async def record_batch(
    session: AsyncSession, token: str, outcomes: dict[int, tuple[str, str | None]], now: datetime
) -> None:
    """Record a sent batch: the rows that did not go out by id (few, usually none), then
    every other row of the batch as sent, by its token. `outcomes` covers the whole batch: a
    batch whose sending broke off is not recorded here but settled from its journal."""
    by_outcome: dict[tuple[str, str | None], list[int]] = {}
    for delivery_id, outcome in outcomes.items():
        if outcome[0] != "sent":
            by_outcome.setdefault(outcome, []).append(delivery_id)
    for (status, error), ids in by_outcome.items():
        await mark(session, ids, status, now, error)
    table = Delivery.__table__
    await session.execute(
        update(table).where(table.c.claim_token == token, table.c.status == "sending")
        .values(status="sent", sent_at=now, last_error=None)
    )


async def mark(
    session: AsyncSession, ids: Iterable[int], status: str, now: datetime, error: str | None = None
) -> None:
    ids = list(ids)
    if not ids:
        return
    values: dict[str, object] = {"status": status, "last_error": error[:300] if error else None}
    if status == "sent":
        values["sent_at"] = now
    table = Delivery.__table__
    await session.execute(update(table).where(among(session, table.c.id, ids)).values(**values))


async def settle_batch(
    session: AsyncSession, sent: Iterable[int], in_flight: Iterable[int], unattempted: Iterable[int], now: datetime
) -> None:
    """Record what a local journal knows of a batch whose process died (rows still `sending`)."""
    for ids, values in (
        (sent, {"status": "sent", "sent_at": now}),
        (in_flight, {"status": "uncertain"}),
        (unattempted, {"status": "pending"}),
    ):
        ids = list(ids)
        if ids:
            await session.execute(
                update(Delivery).where(among(session, Delivery.id, ids), Delivery.status == "sending").values(**values)
            )


async def expire_stale(session: AsyncSession, now: datetime, grace: timedelta) -> int:
    """Pending rows whose moment passed more than `grace` ago are dropped, not sent late."""
    result = await session.execute(
        update(Delivery).where(Delivery.status == "pending", Delivery.deliver_after < now - grace)
        .values(status="expired")
    )
    return result.rowcount or 0


async def settle_interrupted(session: AsyncSession, now: datetime, after: timedelta) -> int:
    """Rows left in `sending` by a process that died: we cannot know whether Telegram got them,
    so they become `uncertain` and are never resent (no duplicate, at the cost of maybe none)."""
    result = await session.execute(
        update(Delivery).where(Delivery.status == "sending", Delivery.claimed_at < now - after)
        .values(status="uncertain")
    )
    return result.rowcount or 0


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
