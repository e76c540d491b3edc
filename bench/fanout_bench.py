"""Reminder fan-out against a Bot API stand-in that behaves like Telegram: exactly once, at the
allowed pace, through kills, failover and SIGTERM.

The bot runs as `cadrebot run` runs (bot.runner.run_bot, in a subprocess, with PTB polling
and the JobQueue) against tests/fake_bot_api.py, an aiohttp Bot API stand-in in this process
that enforces LIMIT messages a second overall and one a second per chat, answers 429 with a
retry_after when a request exceeds them, and counts what every chat received.

  1. At Telegram's limits: one reminder to 2,000 people. Rate of deliveries (first to last,
     at the stand-in) beside the allowed rate and beside a bare PTB send loop paced by the
     same limiter (bot.scheduling.pacing.Pacer, same concurrency) in the same run; duplicates, lost,
     429s by cause, requests rejected twice in a row, retries before their retry_after.
     Then again with 5% of first requests answered 429 at random (retry_after 1-2 s) and 3%
     of messages delivered but answered only after 8 s.
  2. SIGKILL at a random moment of a 10,000-person fan-out, on each database, then a
     restart: every person got exactly one, except at most `concurrency` uncertain ones,
     and only those whose request had reached the stand-in.
  3. Failover (PostgreSQL): two instances, the one sending is killed: the standby finishes
     within 2 lease periods, nobody twice.
  4. SIGTERM in the middle of a fan-out (3% of answers late, so requests are on the wire):
     exit within 10 s, and after a restart nothing was sent twice.

`--scale K` multiplies the stand-in's limits and the bot's pace by K in parts 1 and 4;
part 2 runs at `--kill-scale` (2× by default: 10,000 people at Telegram's 30/s take 6 minutes a
run); the output says which factor each figure used.

Run: .venv/bin/python bench/fanout_bench.py [--pg URL] [--seed N]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, postgres_schema, sqlite_database, verdict  # noqa: E402
from tests.fake_bot_api import FakeBotApi, Limits  # noqa: E402
from tests.fanout_run import BotRun, delivery_states, fanout_config, seed, settled, wait_for  # noqa: E402

LIMIT = 30  # Telegram: about 30 messages a second to different chats
CONCURRENCY = 20  # the shipped reminders.concurrency
TOKEN = "123456:FANOUT-STANDIN"


# --- the bot process ------------------------------------------------------------------


def child(pace: float) -> None:
    """`cadrebot run`, with the pace set past what config.yaml accepts (the scaled runs)."""
    from bot.config import RateLimitSettings, load_config
    from bot.runner import run_bot
    from db.migrate import upgrade

    config = load_config()
    limits = RateLimitSettings.model_construct(overall_per_second=pace, max_retries=config.bot.rate_limit.max_retries)
    config = config.model_copy(update={"bot": config.bot.model_copy(update={"rate_limit": limits})})
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    upgrade(config.database_url)
    run_bot(config)


def bot_run(url: str, config: Path, api: FakeBotApi, log: Path, pace: float) -> BotRun:
    return BotRun(url, config, api.root_url, log, command=[sys.executable, __file__, "--child", str(pace)])


def rate_of(times: list[float]) -> float:
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0


def people_figures(api: FakeBotApi, url: str, count: int) -> tuple[int, int, int, Counter[str], dict[int, str]]:
    """(received once, twice or more, never) per person, rows by status, status by chat."""
    received = api.snapshot().received
    counts, by_chat = delivery_states(url)
    once = sum(1 for chat in by_chat if received[chat] == 1)
    twice = sum(1 for chat in by_chat if received[chat] > 1)
    never = sum(1 for chat in by_chat if received[chat] == 0)
    assert len(by_chat) == count, (len(by_chat), count)
    return once, twice, never, counts, by_chat


# --- 1. at Telegram's limits ----------------------------------------------------------


async def bare_loop(api: FakeBotApi, messages: int, pace: float) -> float:
    """A bare PTB send_message loop, CONCURRENCY workers, through the same pacer: the best
    the limiter allows on this machine, with no database and no rendering."""
    from telegram.ext import ExtBot

    from bot.scheduling.pacing import Pacer
    from bot.scheduling.wire import telegram_request

    bot = ExtBot(TOKEN, base_url=f"{api.root_url}/bot", request=telegram_request(),
                 rate_limiter=Pacer(pace, max_retries=10))
    chats = iter(range(90_000_000, 90_000_000 + messages))
    start = len(api.snapshot().accepted_at)

    async def worker() -> None:
        for chat in chats:
            await bot.send_message(chat, "基线")

    async with bot:
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
    return rate_of(api.snapshot().accepted_at[start:])


def at_limits(folder: Path, url: str, people: int, scale: float, faults: bool, baseline_messages: int) -> bool:
    limits = Limits(per_second=LIMIT * scale, per_chat_seconds=1.0 / scale)
    if faults:
        limits.random_429, limits.late_share, limits.late_seconds = 0.05, 0.03, 8.0
    allowed = LIMIT * scale
    seed(url, people)
    config = fanout_config(folder, lease_seconds=45, tick_seconds=1, concurrency=CONCURRENCY)
    with FakeBotApi(limits) as api:
        bot = bot_run(url, config, api, folder / f"limits-{faults}.log", allowed).start()
        try:
            done = wait_for(lambda: settled(url), timeout=people / allowed * 4 + 90, every=0.5, alive=bot)
        finally:
            bot.stop()
        seen = api.snapshot()
        ours = rate_of(seen.accepted_at)
        once, twice, never, counts, _ = people_figures(api, url, people)
        bare = asyncio.run(bare_loop(api, baseline_messages, allowed))
        after = api.snapshot()
    label = "with 5% random 429s and 3% late answers (8 s)" if faults else "clean"
    mistakes = after.rejected_twice_in_a_row + after.early_retries
    by_cause = dict(seen.rejected)
    if faults:
        ok = done and twice == 0 and never == 0 and mistakes == 0 and ours >= 0.95 * bare
        target = "targets: 0 duplicates, 0 lost, none rejected twice in a row, ≥ 0.95 of the bare loop under the same faults"
    else:
        ok = done and twice == 0 and never == 0 and mistakes == 0 and ours >= 0.95 * allowed
        target = "targets: ≥ 0.95 of the allowed rate, 0 duplicates, 0 lost, none rejected twice in a row"
    print(f"[limits, {label}] {people:,} reminders, stand-in limits {allowed:g}/s overall and 1 per "
          f"{1 / scale:g} s per chat (Telegram's × {scale:g}): {ours:.1f} msg/s = {ours / allowed:.3f} of the allowed "
          f"{allowed:g}/s (bare paced send loop, {baseline_messages} messages, same run: {bare:.1f} msg/s = "
          f"{bare / allowed:.3f}; bot/bare {ours / bare:.3f}); received once {once}, twice {twice}, never {never}; "
          f"rows {dict(counts)}; 429s {by_cause or 'none'}, rejected twice in a row {after.rejected_twice_in_a_row}, "
          f"retried before retry_after {after.early_retries}, answered late {seen.late}; {target} {verdict(ok)}")
    return ok


# --- 2. SIGKILL at a random moment ----------------------------------------------------


def kill_and_restart(folder: Path, url: str, name: str, people: int, scale: float, rng: random.Random) -> bool:
    pace = LIMIT * scale
    kill_at = rng.randint(people // 20, people * 19 // 20)
    seed(url, people)
    config = fanout_config(folder, lease_seconds=10, tick_seconds=1, concurrency=CONCURRENCY)
    with FakeBotApi(Limits(per_second=pace, per_chat_seconds=1.0 / scale)) as api:
        first = bot_run(url, config, api, folder / f"kill-{name}-1.log", pace).start()
        reached = wait_for(lambda: api.delivered() >= kill_at, timeout=people / pace * 4 + 60, every=0.001, alive=first)
        first.kill()
        killed_at = api.delivered()
        time.sleep(0.5)  # requests written just before the kill still reach the stand-in
        on_the_wire_at_kill = api.delivered() - killed_at
        counts_after_kill, _ = delivery_states(url)
        started = time.monotonic()
        second = bot_run(url, config, api, folder / f"kill-{name}-2.log", pace).start()
        try:
            done = wait_for(lambda: settled(url), timeout=people / pace * 4 + 90, every=0.5, alive=second)
        finally:
            second.stop()
        finished = time.monotonic() - started
        once, twice, never, counts, by_chat = people_figures(api, url, people)
        received = api.snapshot().received
    uncertain = [chat for chat, status in by_chat.items() if status == "uncertain"]
    reached_standin = sum(1 for chat in uncertain if received[chat] == 1)
    ok = (reached and done and twice == 0 and len(uncertain) <= CONCURRENCY
          and never == 0 and reached_standin == len(uncertain))
    print(f"[{name}] SIGKILL at a random moment of a {people:,}-person fan-out (after {killed_at:,} deliveries; "
          f"pace {pace:g}/s, Telegram's × {scale:g}; {on_the_wire_at_kill} more arrived after the kill), then a restart "
          f"(lease 10 s; finished {finished:.1f} s after it): rows at the kill {dict(counts_after_kill)}; received "
          f"exactly once {once:,}/{people:,}, twice or more {twice}, never {never}; uncertain {len(uncertain)} "
          f"(≤ concurrency {CONCURRENCY}; {reached_standin} of them reached the stand-in); rows {dict(counts)} "
          f"{verdict(ok)}")
    return ok


# --- 3. failover ----------------------------------------------------------------------


def leader_pid(url: str) -> int | None:
    from db.engine import Database
    from db.models import Lease

    async def read() -> str | None:
        db = Database(url)
        try:
            async with db.session() as session:
                return (await session.execute(select(Lease.holder).where(Lease.name == "scheduler"))).scalar_one_or_none()
        finally:
            await db.dispose()

    holder = asyncio.run(read())
    return int(holder.split(":")[-2]) if holder else None


def failover(folder: Path, url: str, people: int) -> bool:
    lease, tick = 15.0, 3.0
    seed(url, people)
    config = fanout_config(folder, lease_seconds=lease, tick_seconds=tick, concurrency=CONCURRENCY)
    with FakeBotApi(Limits(per_second=LIMIT, per_chat_seconds=1.0)) as api:
        bots = [bot_run(url, config, api, folder / f"failover-{i}.log", LIMIT).start() for i in (1, 2)]
        try:
            sending = wait_for(lambda: api.delivered() >= people // 5, timeout=120, every=0.01)
            pid = leader_pid(url)
            sender = next(bot for bot in bots if bot.process and bot.process.pid == pid)
            standby = next(bot for bot in bots if bot is not sender)
            sender.kill()
            killed, at_kill = time.monotonic(), api.delivered()
            wait_for(lambda: api.delivered() > at_kill + 1, timeout=4 * lease, every=0.01)
            took_over = time.monotonic() - killed
            done = wait_for(lambda: settled(url), timeout=6 * lease, every=0.1, alive=standby)
            finished = time.monotonic() - killed
        finally:
            for bot in bots:
                bot.stop()
        once, twice, never, counts, by_chat = people_figures(api, url, people)
    uncertain = sum(1 for status in by_chat.values() if status == "uncertain")
    ok = sending and done and twice == 0 and finished <= 2 * lease and never <= uncertain
    print(f"[PostgreSQL] failover: two instances, {people} people at {LIMIT}/s, the sender SIGKILLed after {at_kill} "
          f"deliveries (lease {lease:g} s, tick {tick:g} s): the standby's first delivery {took_over:.1f} s after the "
          f"kill, all done {finished:.1f} s after it (target ≤ 2 leases = {2 * lease:g} s; the rest took "
          f"{(people - at_kill) / LIMIT:.1f} s at the pace); received once {once}, twice {twice}, never {never} "
          f"(uncertain {uncertain}); rows {dict(counts)} {verdict(ok)}")
    return ok


# --- 4. SIGTERM -----------------------------------------------------------------------


def sigterm(folder: Path, url: str, name: str, people: int, scale: float) -> bool:
    pace = LIMIT * scale
    seed(url, people)
    config = fanout_config(folder, lease_seconds=45, tick_seconds=1, concurrency=CONCURRENCY)
    limits = Limits(per_second=pace, per_chat_seconds=1.0 / scale, late_share=0.03, late_seconds=8.0)
    with FakeBotApi(limits) as api:
        first = bot_run(url, config, api, folder / f"term-{name}-1.log", pace).start()
        sending = wait_for(lambda: api.delivered() >= people // 4, timeout=120, every=0.01, alive=first)
        first.terminate()
        code = first.wait(60)
        exited = time.monotonic() - (first.signalled_at or 0.0)
        at_exit = api.delivered()
        counts_at_exit, _ = delivery_states(url)
        second = bot_run(url, config, api, folder / f"term-{name}-2.log", pace).start()
        try:
            done = wait_for(lambda: settled(url), timeout=people / pace * 4 + 90, every=0.5, alive=second)
        finally:
            second.stop()
        once, twice, never, counts, _ = people_figures(api, url, people)
    ok = sending and done and code == 0 and exited <= 10 and twice == 0 and never == 0
    print(f"[{name}] SIGTERM mid-fan-out ({people} people at {pace:g}/s, 3% of answers 8 s late): exit code {code} "
          f"{exited:.1f} s after the signal (target ≤ 10 s) with {at_exit} delivered; rows then {dict(counts_at_exit)}; "
          f"after the restart received once {once}, twice {twice} (target 0), never {never}; rows {dict(counts)} "
          f"{verdict(ok)}")
    return ok


# --- main -----------------------------------------------------------------------------


def main_bench(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    results: list[bool] = []
    databases: list[tuple[str, Callable]] = [("SQLite", sqlite_database)]
    if args.pg:
        databases.append(("PostgreSQL", lambda: postgres_schema(args.pg)))
    else:
        print("[PostgreSQL] skipped: pass --pg URL or set TEST_DATABASE_URL (the failover part needs it)")
    print(f"seed {args.seed}; the stand-in is tests/fake_bot_api.py; the bot is bot.runner.run_bot in a subprocess")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for faults in (False, True):
            with sqlite_database() as url:
                results.append(at_limits(folder, url, args.people, args.scale, faults, args.baseline_messages))
        for name, database in databases:
            with database() as url:
                results.append(kill_and_restart(folder, url, name, args.kill_people, args.kill_scale, rng))
        if args.pg:
            with postgres_schema(args.pg) as url:
                results.append(failover(folder, url, args.failover_people))
        for name, database in databases:
            with database() as url:
                results.append(sigterm(folder, url, name, args.term_people, args.scale))
    print("ALL PASS" if all(results) else "SOME FAIL")
    return 0 if all(results) else 1


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        child(float(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=2000, help="part 1")
    parser.add_argument("--scale", type=float, default=1.0, help="parts 1 and 4: Telegram's limits × this")
    parser.add_argument("--baseline-messages", type=int, default=600)
    parser.add_argument("--kill-people", type=int, default=10_000)
    parser.add_argument("--kill-scale", type=float, default=2.0, help="part 2: Telegram's limits × this")
    parser.add_argument("--failover-people", type=int, default=300)
    parser.add_argument("--term-people", type=int, default=600)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 10_000)
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    os.chdir(ROOT)
    return main_bench(parser.parse_args())


if __name__ == "__main__":
    sys.exit(main())
