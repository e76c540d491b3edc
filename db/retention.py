"""Retention: questions and finished deliveries older than their period are deleted, in batches.

Why these two: they are the tables that grow with use (every question asked, every scheduled
message to every person: a 10,000-person organisation adds about a million delivery rows a
quarter), and neither is needed for long. What reads them looks back a short way: /gaps at
most a year (handlers/knowledge_admin.MAX_GAP_DAYS), the admins' digest a week of gaps and of
uncertain deliveries.

What is never deleted:
- a delivery that is not final (pending, claimed, attempted): its fate is still being decided,
  and deleting it would let nothing record whether it went out;
- the fan-out markers (`fanouts`): one small row per (kind, period), and what stops a planner
  from creating a period's deliveries a second time. Deleting an old delivery row cannot cause
  a resend either: planners only create deliveries for moments within the grace period.

Each batch is one DELETE of at most `batch` rows chosen by id, in its own transaction, so a
writer elsewhere (an update on SQLite, a mark of the fan-out) waits one short statement at
most, never the whole pruning. The same statements run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Delivery, Question

FINAL_DELIVERY_STATUSES = ("sent", "skipped", "blocked", "failed", "uncertain", "expired")
DEFAULT_BATCH = 5000


@dataclass(frozen=True)
class Pruned:
    questions: int = 0
    deliveries: int = 0

    def __bool__(self) -> bool:
        return bool(self.questions or self.deliveries)


async def prune_questions_batch(session: AsyncSession, older_than: datetime, batch: int = DEFAULT_BATCH) -> int:
    """Delete up to `batch` questions asked before `older_than`; the caller commits."""
    doomed = select(Question.id).where(Question.asked_at < older_than).order_by(Question.id).limit(batch)
    result = await session.execute(delete(Question).where(Question.id.in_(doomed.scalar_subquery())))
    return result.rowcount or 0


async def prune_deliveries_batch(session: AsyncSession, older_than: datetime, batch: int = DEFAULT_BATCH) -> int:
    """Delete up to `batch` final deliveries due before `older_than`; the caller commits.

    deliver_after, not created_at: with the status it is the index the claims already use
    (ix_deliveries_status_due), so each batch is a range scan per final status, no table scan.
    """
    doomed = (
        select(Delivery.id)
        .where(Delivery.status.in_(FINAL_DELIVERY_STATUSES), Delivery.deliver_after < older_than)
        .order_by(Delivery.id).limit(batch)
    )
    result = await session.execute(delete(Delivery).where(Delivery.id.in_(doomed.scalar_subquery())))
    return result.rowcount or 0


async def prune(
    sessions: Callable[[], AbstractAsyncContextManager[AsyncSession]], now: datetime, *, questions_days: int | None, deliveries_days: int | None,
    batch: int = DEFAULT_BATCH, keep_going: Callable[[], bool] = lambda: True,
) -> Pruned:
    """Prune both tables, a batch per transaction, until nothing is left or `keep_going` says
    stop (the leader is stopping or lost its lease). None as a period keeps that table whole."""
    counts = {"questions": 0, "deliveries": 0}
    work = [
        ("questions", prune_questions_batch, questions_days),
        ("deliveries", prune_deliveries_batch, deliveries_days),
    ]
    for name, step, days in work:
        if days is None:
            continue
        cutoff = now - timedelta(days=days)
        while keep_going():
            async with sessions() as session:
                removed = await step(session, cutoff, batch)
                await session.commit()
            counts[name] += removed
            if removed < batch:
                break
    return Pruned(**counts)
