"""Quiz selection for 10,000 people: each person's /quiz round drawn and stored, against a history.

10,000 cadres, the shipped bank (knowledge/quiz against knowledge/base) and, for each person, a
history of answers (default 100 each, spread over the last 120 days, 70% right: 1,000,000 rows).
Measured per person, each in its own session and transaction as /quiz does it: `db/quiz.draw`
(the stored-round check, the person's lock, the history grouped by item, the day's taken items,
the insert of 5 rows, the re-read). Beside it, in the same run, the baseline: a plain SELECT of
the person's answered items in its own session. Target: ≤ 50 ms per person (p99).

Run: .venv/bin/python bench/quiz_bench.py [--pg URL] [--people 10000] [--history 100] [--sample N]
PostgreSQL comes from --pg or TEST_DATABASE_URL; without either, SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert, select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import postgres_schema, roster_yaml, sqlite_database, verdict  # noqa: E402
from db import people, quiz  # noqa: E402
from db.engine import Database  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Person, QuizAnswer  # noqa: E402
from db.roster import parse_roster  # noqa: E402
from knowledge.loader import load_base  # noqa: E402
from knowledge.quiz import load_quiz  # noqa: E402

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 20)
TARGET_MS = 50.0
HISTORY_DAYS = 120
BATCH = 10_000


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def shipped_bank() -> list[str]:
    base = load_base([ROOT / "knowledge" / "base"])
    bank = load_quiz([ROOT / "knowledge" / "quiz"], base.entries)
    assert bank.ok, bank.errors[:3]
    return sorted(i.id for i in bank.items)


async def seed(db: Database, count: int, history: int, bank: list[str]) -> list[int]:
    """The roster and every person's answer history; returns the person ids."""
    async with db.session() as session:
        await people.import_roster(session, parse_roster("r.yaml", roster_yaml(count)), NOW)
        await session.commit()
        ids = list((await session.scalars(select(Person.id).order_by(Person.id))).all())
    rows: list[dict[str, object]] = []
    for person_id in ids:
        for item_id in random.sample(bank, min(history, len(bank))):
            day = TODAY - timedelta(days=random.randint(1, HISTORY_DAYS))
            rows.append(dict(person_id=person_id, quiz_date=day, item_id=item_id, entry_id="e", chosen="A",
                             right=random.random() < 0.7, answered_at=NOW))
        if len(rows) >= BATCH:
            await _insert(db, rows)
            rows = []
    if rows:
        await _insert(db, rows)
    async with db.session() as session:  # planner statistics, as a live database has them (autovacuum)
        await session.execute(text("ANALYZE"))
        await session.commit()
    return ids


async def _insert(db: Database, rows: list[dict[str, object]]) -> None:
    async with db.session() as session:
        await session.execute(insert(QuizAnswer), rows)
        await session.commit()


async def time_each(db: Database, ids: list[int], work) -> list[float]:  # type: ignore[no-untyped-def]
    samples = []
    for person_id in ids:
        started = time.perf_counter()
        async with db.session() as session:
            await work(session, person_id)
            await session.commit()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


async def run(url: str, count: int, history: int, sample: int | None) -> bool:
    upgrade(url)
    db = Database(url)
    try:
        bank = shipped_bank()
        began = time.perf_counter()
        ids = await seed(db, count, history, bank)
        print(f"  {len(ids)} people, {len(ids) * min(history, len(bank))} answers of history over {HISTORY_DAYS} days"
              f" (seeded in {time.perf_counter() - began:.0f} s), a bank of {len(bank)} items")
        measured = random.sample(ids, sample) if sample and sample < len(ids) else ids

        async def baseline(session, person_id: int) -> None:  # type: ignore[no-untyped-def]
            (await session.scalars(select(QuizAnswer.item_id).where(QuizAnswer.person_id == person_id))).all()

        async def selection(session, person_id: int) -> None:  # type: ignore[no-untyped-def]
            drawn = await quiz.draw(session, person_id=person_id, day=TODAY, topic=quiz.DAILY, pool=bank, count=5,
                                    no_repeat_days=90, now=NOW)
            assert len(drawn) == 5

        await time_each(db, measured[:50], baseline)  # warm-up: connections, statement caches
        plain = await time_each(db, measured, baseline)
        drawn = await time_each(db, measured, selection)
        again = await time_each(db, measured[:500], selection)  # a second /quiz the same day: the stored round
        p99 = percentile(drawn, 0.99)
        print(f"  selection (draw and store a round), {len(drawn)} people: p50 {statistics.median(drawn):.1f} ms, "
              f"p99 {p99:.1f} ms, mean {statistics.fmean(drawn):.1f} ms  "
              f"{verdict(p99 <= TARGET_MS)} (target ≤ {TARGET_MS:g} ms per person)")
        print(f"  the stored round read again, {len(again)} people: p50 {statistics.median(again):.1f} ms, "
              f"p99 {percentile(again, 0.99):.1f} ms")
        print(f"  baseline, a plain SELECT of the person's answered items: p50 {statistics.median(plain):.1f} ms, "
              f"p99 {percentile(plain, 0.99):.1f} ms, mean {statistics.fmean(plain):.1f} ms")
        return p99 <= TARGET_MS
    finally:
        await db.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--history", type=int, default=100, help="answers of history per person")
    parser.add_argument("--sample", type=int, default=None, help="measure this many people (default: everyone)")
    args = parser.parse_args()
    random.seed(17)
    where = postgres_schema(args.pg) if args.pg else sqlite_database()
    with where as url:
        print(f"quiz selection on {'PostgreSQL' if args.pg else 'SQLite'}")
        ok = asyncio.run(run(url, args.people, args.history, args.sample))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
