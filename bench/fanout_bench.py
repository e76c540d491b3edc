"""Reminder fan-out: throughput of the bot's own work, and exactly-once across a kill.

  1. One reminder to 10,000 people through the in-process recording request, no pacing:
     the bot's scheduler tick (plan the fan-out, claim, render each person's figures, send,
     record) in messages a second, beside a bare PTB `bot.send_message` loop sending the same
     messages in the same run. Targets: ≥ 1,000 msg/s and ≥ 0.8 of the bare loop. Rounds
     alternate baseline and bot (round k is week k's Monday reminder, so the delivery table
     grows as it would); the median round is reported, with every round's ratio beside it.
  2. The process is killed (SIGKILL) in the middle of a 10,000-person fan-out, then the bot
     starts again: afterwards every person has exactly one delivery row and nobody received
     the reminder twice. Rows claimed at the moment of the kill cannot be known to have
     reached Telegram; they stay unsent rather than risk a duplicate, and are counted.

Run: .venv/bin/python bench/fanout_bench.py [--people 10000] [--pg URL]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, postgres_schema, roster_yaml, sqlite_database, verdict  # noqa: E402
from bot.app import build_application, settle_startup_heap  # noqa: E402
from bot.config import DEFAULT_CONFIG, load_config  # noqa: E402
from bot.local_request import LocalRequest  # noqa: E402
from bot.reminders import render_reminders  # noqa: E402
from bot.services import make_services  # noqa: E402
from db import people  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Delivery, Person  # noqa: E402
from db.roster import parse_roster  # noqa: E402

NOW = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)  # Monday 08:30 in Shanghai
KIND = "reminder:monday_meeting"
CHAT_OFFSET = 10_000_000


def bench_config(url: str):  # type: ignore[no-untyped-def]
    """The shipped config with only the Monday reminder (one fan-out to everyone)."""
    config = load_config(DEFAULT_CONFIG, env={"DATABASE_URL": url})
    monday = config.reminders.schedule("monday_meeting")
    reminders = config.reminders.model_copy(update={"schedules": (monday,)})
    return config.model_copy(update={"reminders": reminders})


async def seed(url: str, count: int) -> None:
    """`count` cadres, all joined (chat ids set in bulk: setup, not what is measured)."""
    upgrade(url)
    services = make_services(bench_config(url), database_url=url)
    async with services.db.session() as session:
        await people.import_roster(session, parse_roster("bench.yaml", roster_yaml(count)), NOW - timedelta(days=30))
        await session.execute(update(Person).values(chat_id=Person.id + CHAT_OFFSET, telegram_user_id=Person.id + CHAT_OFFSET))
        await session.commit()
    await services.db.dispose()


class LoggingRequest(LocalRequest):
    """A recording request that also appends every delivered chat id to a file, flushed at once,
    so a killed process leaves behind exactly what 'Telegram' received."""

    def __init__(self, log_path: Path) -> None:
        super().__init__()
        self.log = open(log_path, "a", buffering=1)

    def _api_sendMessage(self, params: dict, files: dict) -> dict:
        message = super()._api_sendMessage(params, files)
        self.log.write(f"{params['chat_id']}\n")
        return message


async def throughput(url: str, count: int, rounds: int) -> list[tuple[float, float]]:
    """(bot msg/s, bare loop msg/s) for `rounds` fan-outs to `count` people, alternating.

    Round k is week k's Monday reminder: the bot's scheduler tick plans, claims, renders,
    sends and records it, between two runs of the bare loop sending the same messages; the
    baseline of the round is their mean (this machine's speed drifts by a third at times).
    Both phases start alike: the bot started as `cadrebot run` starts it (its start-up heap
    frozen), a full collection just before, and an empty recording request, so neither pays
    for the other's garbage or for what 'Telegram' kept of the other's messages.
    """
    await seed(url, count)
    services = make_services(bench_config(url), database_url=url)
    request = LocalRequest()
    app = build_application(services, request=request)
    await app.initialize()
    settle_startup_heap()
    results = []
    try:
        services.clock = lambda: NOW
        after = await bare_loop(app, services, request, count)
        for week in range(rounds):
            now = NOW + timedelta(weeks=week)
            services.clock = lambda now=now: now
            before = after
            gc.collect()
            started = time.perf_counter()
            sent = await app.scheduler.tick(now)
            ours = count / (time.perf_counter() - started)
            assert sent == Counter({"sent": count}), sent
            assert len({m.chat_id for m in request.outbox}) == count
            forget(request)
            after = await bare_loop(app, services, request, count)
            bare = (before + after) / 2  # the baseline brackets the bot's run: drift in machine speed cancels
            results.append((ours, bare))
    finally:
        await app.shutdown()
        await services.db.dispose()
    return results


async def bare_loop(app, services, request: LocalRequest, count: int) -> float:  # type: ignore[no-untyped-def]
    """msg/s of a bare PTB `bot.send_message` loop sending the reminder the bot is about to send."""
    async with services.db.session() as session:
        persons = list((await session.scalars(select(Person).order_by(Person.id))).all())
        rendered = await render_reminders(session, services, [(Delivery(id=p.id, kind=KIND), p) for p in persons])
    messages = [(p.chat_id, rendered[p.id].text, rendered[p.id].reply_markup) for p in persons]
    del persons, rendered
    gc.collect()
    started = time.perf_counter()
    for chat_id, text, markup in messages:
        await app.bot.send_message(chat_id, text, reply_markup=markup)
    rate = count / (time.perf_counter() - started)
    assert len(request.outbox) == count
    forget(request)
    return rate


def forget(request: LocalRequest) -> None:
    """Drop what the recording request kept of the messages so far."""
    request.calls.clear()
    request.outbox.clear()
    request.messages.clear()


async def child(url: str, log_path: Path, now: datetime) -> None:
    """One bot process running scheduler ticks until the fan-out is done."""
    services = make_services(bench_config(url), database_url=url)
    services.clock = lambda: now
    app = build_application(services, request=LoggingRequest(log_path))
    await app.initialize()
    settle_startup_heap()
    await app.scheduler.tick(now)
    await app.shutdown()
    await services.db.dispose()


def run_child(url: str, log_path: Path, now: datetime, kill_after: int | None) -> str:
    command = [sys.executable, __file__, "--child", url, str(log_path), now.isoformat()]
    process = subprocess.Popen(command, cwd=ROOT)
    if kill_after is None:
        process.wait(timeout=600)
        return f"exit {process.returncode}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if log_path.exists() and sum(1 for _ in open(log_path)) >= kill_after:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            return "killed"
        time.sleep(0.005)
    process.wait()
    return f"finished before the kill (exit {process.returncode})"


async def restart_check(url: str, count: int, log_path: Path) -> tuple[bool, str]:
    await seed(url, count)
    first = run_child(url, log_path, NOW, kill_after=count // 3)
    received_before = sum(1 for _ in open(log_path))
    # The dead leader's lease must lapse before the new process may lead: one lease later.
    second = run_child(url, log_path, NOW + timedelta(seconds=60), kill_after=None)
    received = Counter(int(line) for line in open(log_path))
    services = make_services(bench_config(url), database_url=url)
    async with services.db.session() as session:
        rows = dict((await session.execute(
            select(Delivery.person_id, func.count()).where(Delivery.kind == KIND).group_by(Delivery.person_id)
        )).all())
        statuses = Counter(dict((await session.execute(
            select(Delivery.status, func.count()).where(Delivery.kind == KIND).group_by(Delivery.status)
        )).all()))
    await services.db.dispose()
    one_row_each = len(rows) == count and set(rows.values()) == {1}
    twice = sum(1 for n in received.values() if n > 1)
    missing = count - len(received)
    # Nobody twice; anyone who got nothing must be an `uncertain` row (in flight at the kill).
    ok = first == "killed" and one_row_each and twice == 0 and missing <= statuses["uncertain"]
    detail = (
        f"first run {first} after {received_before} messages; second run {second}; "
        f"delivery rows per person exactly 1: {one_row_each}; received exactly once: {len(received) - twice}/{count}, "
        f"twice or more: {twice}, never: {missing}; rows by status: {dict(statuses)} "
        f"(uncertain = request in flight at the kill: never resent)"
    )
    return ok, detail


async def run(database, name: str, count: int, rounds: int) -> bool:  # type: ignore[no-untyped-def]
    """The median of `rounds` alternating rounds, each with its baseline beside it."""
    with database() as url:
        results = await throughput(url, count, rounds)
    ratios = sorted(ours / bare for ours, bare in results)
    ours, bare = sorted(results, key=lambda r: r[0] / r[1])[len(results) // 2]
    ok_rate = ours >= 1000 and ours >= 0.8 * bare
    print(f"[{name}] fan-out of one reminder to {count} people (median of {rounds} rounds): {ours:,.0f} msg/s of the "
          f"bot's own work (bare PTB send_message loop {bare:,.0f} msg/s; ratio {ours / bare:.2f}, all rounds "
          f"{', '.join(f'{r:.2f}' for r in ratios)}; targets ≥ 1,000 msg/s and ≥ 0.80) {verdict(ok_rate)}")
    return ok_rate


async def main_async(args: argparse.Namespace) -> int:
    results = []
    databases = [("SQLite", sqlite_database)]
    if args.pg:
        databases.append(("PostgreSQL", lambda: postgres_schema(args.pg)))
    else:
        print("[PostgreSQL] skipped: pass --pg URL or set TEST_DATABASE_URL")
    for name, database in databases:
        results.append(await run(database, name, args.people, args.rounds))
        with database() as url, tempfile.TemporaryDirectory() as folder:
            ok, detail = await restart_check(url, args.people, Path(folder) / "received.log")
            print(f"[{name}] kill mid-fan-out and restart: {detail} {verdict(ok)}")
            results.append(ok)
    print("ALL PASS" if all(results) else "SOME FAIL")
    return 0 if all(results) else 1


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        url, log_path, now = sys.argv[2], Path(sys.argv[3]), datetime.fromisoformat(sys.argv[4])
        asyncio.run(child(url, log_path, now))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5, help="throughput rounds; the median is reported")
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    return asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
