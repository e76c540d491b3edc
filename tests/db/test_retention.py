"""Retention: old questions and finished deliveries go, in batches; nothing unfinished, nothing recent."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import func, insert, select

from db import leases
from db.engine import Database
from db.migrate import upgrade
from db.models import Delivery, FanOut, Person, Question
from db.retention import FINAL_DELIVERY_STATUSES, prune
from tests.conftest import BotHarness

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
UNFINISHED = ("pending", "claimed", "attempted")


async def _seed(db: Database) -> None:
    async with db.session() as session:
        session.add(Person(external_id="P1", name="张明", invite_code="CODE1"))
        await session.flush()
        questions = [
            {"person_id": 1, "text": f"问题{i}", "outcome": "none", "score": 0.0,
             "asked_at": NOW - timedelta(days=days)}
            for i, days in enumerate([800] * 7 + [731, 729, 10])
        ]
        await session.execute(insert(Question), questions)
        deliveries = []
        for status in (*FINAL_DELIVERY_STATUSES, *UNFINISHED):
            for days in (400, 181, 179, 1):
                deliveries.append({
                    "person_id": 1, "kind": f"reminder:{status}", "period": f"p{days}", "status": status,
                    "deliver_after": NOW - timedelta(days=days), "created_at": NOW - timedelta(days=days), "attempts": 0,
                })
        await session.execute(insert(Delivery), deliveries)
        session.add(FanOut(kind="reminder:sent", period="p400", created_at=NOW - timedelta(days=400)))
        await session.commit()


async def test_old_questions_and_finished_deliveries_go_in_batches_and_nothing_unfinished(database_url: str) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        await _seed(db)
        pruned = await prune(db.session, NOW, questions_days=730, deliveries_days=180, batch=3)
        async with db.session() as session:
            ages = sorted((NOW - asked).days for asked in (await session.scalars(select(Question.asked_at))).all())
            left = {(status, period) for status, period in await session.execute(select(Delivery.status, Delivery.period))}
            markers = await session.scalar(select(func.count()).select_from(FanOut))
    finally:
        await db.dispose()
    assert pruned.questions == 8 and ages == [10, 729]  # 8 rows past 730 days, in batches of 3
    assert pruned.deliveries == 2 * len(FINAL_DELIVERY_STATUSES)
    for status in FINAL_DELIVERY_STATUSES:
        assert {p for s, p in left if s == status} == {"p179", "p1"}
    for status in UNFINISHED:  # never final: kept however old
        assert {p for s, p in left if s == status} == {"p400", "p181", "p179", "p1"}
    assert markers == 1  # fan-out markers stay: they stop a period being planned twice


async def test_a_period_of_none_keeps_that_table(database_url: str) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        await _seed(db)
        pruned = await prune(db.session, NOW, questions_days=None, deliveries_days=180, batch=5000)
        stopped = await prune(db.session, NOW, questions_days=730, deliveries_days=None, keep_going=lambda: False)
    finally:
        await db.dispose()
    assert pruned.questions == 0 and pruned.deliveries == 2 * len(FINAL_DELIVERY_STATUSES)
    assert not stopped  # a leader that stops prunes nothing more


async def _old_questions(harness: BotHarness) -> int:
    async with harness.services.db.session() as session:
        cutoff = harness.services.now() - timedelta(days=730)
        return await session.scalar(select(func.count()).select_from(Question).where(Question.asked_at < cutoff)) or 0


async def test_only_the_scheduler_leader_prunes_and_at_most_every_few_hours(harness: BotHarness) -> None:
    await harness.import_roster()
    async with harness.services.db.session() as session:
        await session.execute(insert(Question), [
            {"person_id": None, "text": "旧问题", "outcome": "none", "score": 0.0, "asked_at": NOW - timedelta(days=900)}
        ])
        await session.commit()
    harness.set_time(NOW)
    lease = timedelta(seconds=harness.services.config.reminders.lease_seconds)
    async with harness.services.db.session() as session:
        assert await leases.try_lead(session, "scheduler", "another-instance", NOW, lease)

    assert await harness.app.scheduler.tick(NOW) is None  # another instance leads
    assert await _old_questions(harness) == 1

    later = NOW + lease + timedelta(seconds=1)  # its lease lapsed: this instance leads and prunes
    harness.set_time(later)
    await harness.app.scheduler.tick(later)
    assert await _old_questions(harness) == 0

    async with harness.services.db.session() as session:
        await session.execute(insert(Question), [
            {"person_id": None, "text": "旧问题", "outcome": "none", "score": 0.0, "asked_at": NOW - timedelta(days=900)}
        ])
        await session.commit()
    await harness.app.scheduler.tick(later)  # the next tick: not yet time to prune again
    assert await _old_questions(harness) == 1
