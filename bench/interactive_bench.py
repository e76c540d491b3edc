"""An update answered while a 10,000-person fan-out runs, beside the same update with no fan-out.

The real application (bot.app.build_application with the real HTTP request object and Pacer,
concurrent updates as configured) runs in this process against tests/fake_bot_api.py, the
Bot API stand-in that enforces Telegram's limits (30 a second overall, 1 a second a chat).
Questions from people outside the fan-out's audience (admins, so no reminder shares their
chat's one-a-second turn) are put on PTB's update queue, as the webhook or polling puts them,
a few a second from different chats; the latency of one is from the moment it is queued to
the moment the stand-in receives the answer: the bot's own work (matching, the database, its
rate limiter's queue behind the fan-out's messages), none of Telegram's network.

  1. baseline: the questions alone;
  2. during a fan-out: the same questions while one reminder goes to 10,000 people (planned
     in one INSERT … SELECT, claimed a lease's worth at a time, rendered, sent at the pace).
     The window starts with the tick, so planning and the first claim and render are inside
     it. After the window the fan-out is stopped as SIGTERM stops it (the bench's time is
     bounded: 10,000 messages at Telegram's pace take almost 7 minutes).

Target: p99 during the fan-out ≤ 1 s. Printed beside the baseline from the same run.

Run: .venv/bin/python bench/interactive_bench.py [--people 10000] [--seconds 30] [--rate 8] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, postgres_schema, sqlite_database, verdict  # noqa: E402
from tests.fake_bot_api import FakeBotApi, Limits  # noqa: E402
from tests.fanout_run import fanout_config, seed  # noqa: E402

TOKEN = "123456:INTERACTIVE-BENCH"
ASKERS = 120
ASKER_OFFSET = 20_000_000
QUESTIONS = ("三会一课多久开一次", "党费按什么标准交纳", "入党积极分子培养多长时间", "干部学时不够怎么办")
TARGET_P99 = 1.0
PACE = 25  # the shipped bot.rate_limit.overall_per_second: a little under Telegram's 30


def asker_roster(count: int) -> bytes:
    """Admins only: the reminder's audience is cadres, so these chats get answers, no reminder."""
    return "\n".join(f'- {{id: "Q{i:04d}", name: "提问{i}", unit: "办公室", roles: admin}}' for i in range(count)).encode()


async def seed_askers(url: str, count: int) -> list[int]:
    from datetime import datetime, timezone

    from sqlalchemy import select, update

    from bot.chat.commands import menu_signature
    from db import people
    from db.engine import Database
    from db.models import Person
    from db.roster import parse_roster

    db = Database(url)
    try:
        async with db.session() as session:
            await people.import_roster(session, parse_roster("askers.yaml", asker_roster(count)),
                                       datetime.now(timezone.utc), mode=people.ImportMode.UPDATE)
            askers = Person.external_id.like("Q%")
            await session.execute(update(Person).where(askers).values(
                chat_id=Person.id + ASKER_OFFSET, telegram_user_id=Person.id + ASKER_OFFSET,
                menu_signature=menu_signature(frozenset({"admin"}))))
            await session.commit()
            return list((await session.scalars(select(Person.chat_id).where(askers))).all())
    finally:
        await db.dispose()


def bench_config(folder: Path, url: str, api: FakeBotApi):  # type: ignore[no-untyped-def]
    """The shipped config with one reminder due now to every cadre; no digest or talk due."""
    from bot.config import load_config

    path = fanout_config(folder, lease_seconds=45, tick_seconds=30, concurrency=20, per_second=PACE)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    raw["digest"]["cron"] = "0 3 1 1 *"  # the weekly digest never falls in the window
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_config(path, env={"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": api.root_url,
                                  "DATABASE_URL": url})


def message_update(bot, chat_id: int, update_id: int, text: str):  # type: ignore[no-untyped-def]
    from telegram import Update

    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": int(time.time()), "text": text,
        "chat": {"id": chat_id, "type": "private", "first_name": "提问"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "提问", "language_code": "zh-hans"},
    }}, bot)


class Asking:
    """Questions at `rate` a second from the askers in turn; the answer is the stand-in's next
    accepted message to that chat after the question was queued."""

    def __init__(self, app, api: FakeBotApi, askers: list[int]) -> None:  # type: ignore[no-untyped-def]
        self.app, self.api, self.askers = app, api, askers
        self.update_ids = iter(range(1, 10**9))
        self.turn = 0
        self.last: list[tuple[float, float]] = []  # (queued at, latency) of the last run

    async def run(self, seconds: float, rate: float) -> list[float]:
        asked: list[tuple[int, float, int]] = []  # (chat, queued at, stand-in records before it)
        started = time.monotonic()
        for index in range(int(seconds * rate)):
            await asyncio.sleep(max(0.0, started + index / rate - time.monotonic()))
            chat = self.askers[self.turn % len(self.askers)]
            self.turn += 1
            with self.api.lock:
                before = len(self.api.record.texts)
            queued = time.monotonic()
            update = message_update(self.app.bot, chat, next(self.update_ids), QUESTIONS[index % len(QUESTIONS)])
            await self.app.update_queue.put(update)
            asked.append((chat, queued, before))
        latencies = await self.latencies(asked)
        self.last = [(queued - started, latency) for (_, queued, _), latency in zip(asked, latencies)]
        return latencies

    async def latencies(self, asked: list[tuple[int, float, int]], limit: float = 60.0) -> list[float]:
        deadline = time.monotonic() + limit
        while True:
            seen = self.api.snapshot()
            found = [self._answered(seen, chat, queued, before) for chat, queued, before in asked]
            if all(f is not None for f in found) or time.monotonic() > deadline:
                return [f if f is not None else float("inf") for f in found]
            await asyncio.sleep(0.2)

    @staticmethod
    def _answered(seen, chat: int, queued: float, before: int) -> float | None:  # type: ignore[no-untyped-def]
        for (to, _), at in zip(seen.texts[before:], seen.accepted_at[before:]):
            if to == chat and at >= queued:
                return at - queued
        return None


def figures(latencies: list[float]) -> str:
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return (f"p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms, "
            f"max {ordered[-1] * 1000:.0f} ms ({len(ordered)} questions)")


def p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


async def measure(url: str, people: int, seconds: float, rate: float, label: str) -> bool:
    from bot.app import build_application
    from bot.services import make_services

    askers = await seed_askers(url, ASKERS)
    with tempfile.TemporaryDirectory() as scratch, FakeBotApi(Limits(per_second=30, per_chat_seconds=1.0)) as api:
        config = bench_config(Path(scratch), url, api)
        services = make_services(config)
        app = build_application(services)
        await app.initialize()
        await app.start()  # the update fetcher and the processor; the tick is run below, by hand
        try:
            asking = Asking(app, api, askers)
            await asking.run(3, rate)  # warm-up: connections, first matches
            baseline = await asking.run(seconds / 2, rate)
            accepted_before = api.delivered()
            fan_out = asyncio.create_task(app.scheduler.tick())
            during = await asking.run(seconds, rate)
            window = api.delivered() - accepted_before - len(during)
            app.scheduler.stop()
            sent = await fan_out
            worst = sorted(asking.last, key=lambda pair: -pair[1])[:5]
            refused = dict(api.snapshot().rejected)
        finally:
            await app.stop()
            await app.shutdown()
            await services.db.dispose()
    ok = p99(during) <= TARGET_P99
    print(f"[{label}] {people:,}-person fan-out, concurrent_updates {config.bot.concurrent_updates}, "
          f"{config.reminders.concurrency} sends in flight, pace {config.bot.rate_limit.overall_per_second:g}/s "
          f"(the shipped pace; the stand-in enforces Telegram's 30/s and 1/s a chat, unscaled)")
    print(f"  baseline, no fan-out:  {figures(baseline)}")
    print(f"  during the fan-out:    {figures(during)}; the fan-out sent {window} reminders in the window "
          f"({window / seconds:.1f}/s), {dict(sent or {})} when stopped")
    print(f"  429s from the stand-in, whole run: {refused or 'none'}")
    print("  slowest during the fan-out (seconds after it began: latency): "
          + ", ".join(f"+{at:.1f} s: {latency * 1000:.0f} ms" for at, latency in worst))
    print(f"  target p99 ≤ {TARGET_P99:g} s during the fan-out: {verdict(ok)} "
          f"(p99 {p99(during) / max(p99(baseline), 1e-9):.1f}× the baseline's)")
    return ok


def run(url: str, people: int, seconds: float, rate: float, label: str) -> bool:
    seed(url, people)
    return asyncio.run(measure(url, people, seconds, rate, label))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=30, help="length of the window during the fan-out")
    parser.add_argument("--rate", type=float, default=8, help="questions a second")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args()
    os.chdir(ROOT)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    results = []
    with sqlite_database() as url:
        results.append(run(url, args.people, args.seconds, args.rate, "SQLite"))
    if args.pg:
        with postgres_schema(args.pg) as url:
            results.append(run(url, args.people, args.seconds, args.rate, "PostgreSQL"))
    else:
        print("[PostgreSQL] skipped: pass --pg URL or set TEST_DATABASE_URL")
    print("ALL PASS" if all(results) else "SOME FAIL")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
