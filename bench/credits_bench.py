"""Study credits speed and correctness under load, each figure beside a baseline from the same run.

  1. The /credits summary (db.credits.year_progress) for one person with 10,000 records in
     the year: median of N runs, beside the median of a bare `SELECT 1` round trip, on
     SQLite and on PostgreSQL. Target: ≤ 5 ms median.
  2. 100 cadres logging at once on PostgreSQL, each sending 10 one-hour 专题讲座 records for
     the same day concurrently (daily cap 8 hours), every log in its own session through
     db.credits.log_study: afterwards every total must be exactly 8, with no error.

Run: .venv/bin/python bench/credits_bench.py [--pg URL] [--runs 200] [--records 10000]
PostgreSQL comes from --pg or TEST_DATABASE_URL; a throwaway schema is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import median_ms, postgres_schema, roster_yaml, sqlite_database, verdict  # noqa: E402
from db import credits, people  # noqa: E402
from db.engine import Database  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import StudyRecord  # noqa: E402
from db.periods import period_labelled  # noqa: E402
from db.roster import parse_roster  # noqa: E402

SUMMARY_TARGET_MS = 5.0
TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
YEAR = period_labelled(2026, 1)
CADRES = 100
LOGS_EACH = 10


@dataclass(frozen=True)
class Kind:
    key: str
    unit: str
    credits_per_unit: float
    daily_cap: float | None
    needs_confirmation: bool = False


LECTURE = Kind("jiangzuo", "hour", 1.0, 8)
MIX = [
    ("jiangzuo", "hour", 1.0), ("wangxue", "hour", 1.0), ("jizhong", "session", 3.0),
    ("dushu", "piece", 2.0), ("tuochan", "day", 7.5), ("zhouyi", "session", 1.0),
]


async def add_people(db: Database, count: int) -> list[int]:
    async with db.session() as session:
        await people.import_roster(session, parse_roster("bench.yaml", roster_yaml(count)))
        await session.commit()
        return [p.id for p in await people.all_people(session)]


async def fill_records(db: Database, person_id: int, count: int) -> None:
    """`count` records spread over the year up to today, mostly confirmed, some pending or voided."""
    rng = random.Random(7)
    days = (TODAY - YEAR.start).days + 1
    rows = []
    for index in range(count):
        key, unit, rate = rng.choice(MIX)
        amount = rng.choice((50, 100, 150, 200))
        rows.append({
            "person_id": person_id, "activity": key, "unit": unit, "amount_hundredths": amount,
            "credits_hundredths": round(amount * rate), "study_date": YEAR.start + timedelta(days=rng.randrange(days)),
            "note": "", "status": rng.choices(("confirmed", "pending", "voided"), (90, 5, 5))[0],
            "client_token": f"bench-{index}", "created_at": NOW,
        })
    async with db.session() as session:
        for start in range(0, count, 2000):
            await session.execute(insert(StudyRecord), rows[start:start + 2000])
        await credits.rebuild_month_totals(session, person_id)
        await session.commit()
        # A live database has statistics from autovacuum/ANALYZE; give the planner the same.
        await session.execute(text("ANALYZE"))
        await session.commit()


async def summary_figures(db: Database, runs: int, records: int) -> tuple[float, float, credits.Progress]:
    """Median ms of `SELECT 1` and of year_progress, each in a fresh session as the bot uses one per update."""
    [person_id] = await add_people(db, 1)
    await fill_records(db, person_id, records)

    async def select_one() -> None:
        async with db.session() as session:
            await session.execute(text("SELECT 1"))

    async def summary() -> credits.Progress:
        async with db.session() as session:
            return await credits.year_progress(session, person_id, YEAR, 90, TODAY)

    baseline = await median_ms(runs, select_one)
    measured = await median_ms(runs, summary)
    return baseline, measured, await summary()


async def concurrent_logging(db: Database) -> tuple[bool, str]:
    person_ids = await add_people(db, CADRES)
    errors: list[BaseException] = []

    async def one_log(person_id: int, index: int) -> credits.LogOutcome | None:
        try:
            async with db.session() as session:
                result = await credits.log_study(
                    session, person_id=person_id, activity=LECTURE, amount=Decimal(1), study_date=TODAY,
                    note="", client_token=f"p{person_id}-{index}", now=NOW,
                )
                await session.commit()
                return result.outcome
        except Exception as exc:  # the figure is "no error": count them, do not stop
            errors.append(exc)
            return None

    started = time.perf_counter()
    outcomes = await asyncio.gather(*(one_log(p, i) for p in person_ids for i in range(LOGS_EACH)))
    elapsed = time.perf_counter() - started
    async with db.session() as session:
        # Both sources must agree: sums over the records, and the running monthly totals.
        from_records = await credits.totals_for_people(session, person_ids, YEAR.start, YEAR.end)
        from_totals = [(await credits.year_progress(session, p, YEAR, 90, TODAY)).total for p in person_ids]
    saved = sum(o is credits.LogOutcome.SAVED for o in outcomes)
    capped = sum(o is credits.LogOutcome.OVER_CAP for o in outcomes)
    cap = LECTURE.daily_cap
    exact = len(from_records) == CADRES and all(t == cap for t in [*from_records.values(), *from_totals])
    pool = db.engine.pool
    detail = (
        f"{CADRES} cadres × {LOGS_EACH} logs at once in {elapsed:.2f} s ({len(outcomes) / elapsed:.0f} logs/s, "
        f"pool {pool.size()} + {pool._max_overflow} overflow connections): {saved} saved, {capped} refused by "
        f"the 8-hour cap, {len(errors)} errors; every total exactly 8 in records and running totals: {exact}"
    )
    if errors:
        detail += f"; first error: {errors[0]!r}"
    return exact and not errors and saved == CADRES * 8, detail


def report_summary(name: str, baseline: float, measured: float, progress: credits.Progress, records: int) -> bool:
    ok = measured <= SUMMARY_TARGET_MS
    print(
        f"[{name}] progress summary, {records} records for one person: median {measured:.2f} ms "
        f"(bare SELECT 1 round trip {baseline:.2f} ms, ratio {measured / baseline:.1f}×; target ≤ {SUMMARY_TARGET_MS} ms) "
        f"{verdict(ok)}"
    )
    print(f"    total {progress.total} of {progress.target}, pending {progress.pending}, "
          f"{len(progress.by_activity)} activities, {len(progress.latest)} latest records")
    return ok


async def run_sqlite(runs: int, records: int) -> bool:
    with sqlite_database() as url:
        upgrade(url)
        db = Database(url)
        try:
            baseline, measured, progress = await summary_figures(db, runs, records)
        finally:
            await db.dispose()
    return report_summary("SQLite", baseline, measured, progress, records)


async def run_postgres(base: str, runs: int, records: int) -> bool:
    results = []
    for part in ("summary", "concurrency"):
        with postgres_schema(base) as url:
            upgrade(url)
            db = Database(url)
            try:
                if part == "summary":
                    baseline, measured, progress = await summary_figures(db, runs, records)
                    results.append(report_summary("PostgreSQL", baseline, measured, progress, records))
                else:
                    ok, detail = await concurrent_logging(db)
                    print(f"[PostgreSQL] {detail} {verdict(ok)}")
                    results.append(ok)
            finally:
                await db.dispose()
    return all(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"), help="PostgreSQL URL (default: $TEST_DATABASE_URL)")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--records", type=int, default=10_000)
    args = parser.parse_args()
    ok = asyncio.run(run_sqlite(args.runs, args.records))
    if args.pg:
        ok = asyncio.run(run_postgres(args.pg, args.runs, args.records)) and ok
    else:
        print("[PostgreSQL] skipped: pass --pg URL or set TEST_DATABASE_URL")
        ok = False
    print("ALL PASS" if ok else "SOME FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
