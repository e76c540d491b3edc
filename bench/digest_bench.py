"""Digest speed at organisation scale, beside a plain count in the same run.

10,000 people in 200 units, 1,000,000 study records over the year: one unit's digest
(50 people) and the organisation-wide digest, on SQLite and PostgreSQL, each printed beside
the time of `SELECT count(*)` over the records table. Targets: unit digest ≤ 100 ms,
organisation digest ≤ 3 s. Chart rendering is measured by bench/chart_bench.py.

Run: .venv/bin/python bench/digest_bench.py [--people 10000] [--units 200] [--records 1000000] [--pg URL]
Seeding a million records takes a minute or two per database; it is not what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, insert, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import postgres_schema, sqlite_database, verdict  # noqa: E402
from bot.config import DEFAULT_CONFIG, load_config  # noqa: E402
from bot.digests.figures import org_digest, unit_digest, week_of  # noqa: E402
from bot.services import make_services  # noqa: E402
from db import people  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Person, StudyMonthTotal, StudyRecord  # noqa: E402
from db.roster import parse_roster  # noqa: E402

TODAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
ACTIVITIES = [("jiangzuo", "hour", 1.0), ("wangxue", "hour", 1.0), ("jizhong", "session", 3.0), ("dushu", "piece", 2.0)]
UNIT_TARGET_MS, ORG_TARGET_S = 100.0, 3.0


def roster(count: int, units: int) -> bytes:
    lines = [f'- {{id: "P{i:05d}", name: "干部{i}", unit: "单位{i % units:03d}", roles: cadre}}' for i in range(count)]
    return "\n".join(lines).encode()


async def seed(url: str, count: int, units: int, records: int) -> None:
    upgrade(url)
    services = make_services(load_config(DEFAULT_CONFIG, env={"DATABASE_URL": url}), database_url=url)
    async with services.db.session() as session:
        await people.import_roster(session, parse_roster("bench.yaml", roster(count, units)), NOW - timedelta(days=300))
        await session.execute(update(Person).values(chat_id=Person.id + 10_000_000, telegram_user_id=Person.id + 10_000_000))
        await session.commit()
        ids = list((await session.scalars(select(Person.id))).all())
    rng = random.Random(11)
    days = (TODAY - date(2026, 1, 1)).days + 1
    months: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    batch = []
    async with services.db.session() as session:
        for index in range(records):
            person_id = ids[index % len(ids)]
            key, unit, rate = rng.choice(ACTIVITIES)
            amount = rng.choice((50, 100, 150, 200))
            day = date(2026, 1, 1) + timedelta(days=rng.randrange(days))
            credits = round(amount * rate)
            batch.append({"person_id": person_id, "activity": key, "unit": unit, "amount_hundredths": amount,
                          "credits_hundredths": credits, "study_date": day, "note": "", "status": "confirmed",
                          "client_token": f"b{index}", "created_at": NOW})
            total = months[(person_id, day.replace(day=1), key, unit, "confirmed")]
            total[0] += amount
            total[1] += credits
            total[2] += 1
            if len(batch) == 20_000:
                await session.execute(insert(StudyRecord), batch)
                batch = []
        if batch:
            await session.execute(insert(StudyRecord), batch)
        rows = [{"person_id": k[0], "month": k[1], "activity": k[2], "unit": k[3], "status": k[4],
                 "amount_hundredths": v[0], "credits_hundredths": v[1], "records": v[2]} for k, v in months.items()]
        for start in range(0, len(rows), 20_000):
            await session.execute(insert(StudyMonthTotal), rows[start:start + 20_000])
        await session.commit()
        await session.execute(text("ANALYZE"))
        await session.commit()
    await services.db.dispose()


async def timed(runs: int, work) -> float:  # type: ignore[no-untyped-def]
    """Median seconds of `work()` after one warm-up run."""
    await work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


async def measure(url: str, name: str, runs: int) -> bool:
    services = make_services(load_config(DEFAULT_CONFIG, env={"DATABASE_URL": url}), database_url=url)
    services.clock = lambda: NOW
    week = week_of(TODAY)[0]
    try:
        async def count() -> None:
            async with services.db.session() as session:
                await session.scalar(select(func.count()).select_from(StudyRecord))

        async def one_unit() -> None:
            async with services.db.session() as session:
                digest = await unit_digest(session, services, "单位007", week, TODAY)
                assert len(digest.people) >= 50

        async def whole_org() -> None:
            async with services.db.session() as session:
                digest = await org_digest(session, services, week, TODAY)
                assert len(digest.units) >= 200

        baseline = await timed(runs, count)
        unit = await timed(runs, one_unit)
        org = await timed(max(3, runs // 5), whole_org)
    finally:
        await services.db.dispose()
    ok_unit, ok_org = unit * 1000 <= UNIT_TARGET_MS, org <= ORG_TARGET_S
    print(f"[{name}] unit digest (50 people): median {unit * 1000:.1f} ms; "
          f"SELECT count(*) over the records {baseline * 1000:.1f} ms; target ≤ {UNIT_TARGET_MS:.0f} ms {verdict(ok_unit)}")
    print(f"[{name}] organisation digest (all units): median {org:.2f} s; "
          f"SELECT count(*) {baseline * 1000:.1f} ms; target ≤ {ORG_TARGET_S:.0f} s {verdict(ok_org)}")
    return ok_unit and ok_org


async def run(url: str, name: str, args: argparse.Namespace) -> bool:
    started = time.perf_counter()
    await seed(url, args.people, args.units, args.records)
    print(f"[{name}] seeded {args.people} people in {args.units} units and {args.records:,} records "
          f"in {time.perf_counter() - started:.0f} s")
    return await measure(url, name, args.runs)


async def main_async(args: argparse.Namespace) -> int:
    results = []
    with sqlite_database() as url:
        results.append(await run(url, "SQLite", args))
    if args.pg:
        with postgres_schema(args.pg) as url:
            results.append(await run(url, "PostgreSQL", args))
    else:
        print("[PostgreSQL] skipped: pass --pg URL or set TEST_DATABASE_URL")
    print("ALL PASS" if all(results) else "SOME FAIL")
    return 0 if all(results) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
