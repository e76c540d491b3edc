"""A /session check-in storm: 500 cadres pressing 签到 within 10 seconds, in-process.

The real Application runs against LocalRequest (the in-process Bot API of the handler tests);
each press is a callback-query update fed to process_update at a random moment of a 10-second
window, all concurrently. Measured: every press answered (one answerCallbackQuery each),
exactly one check-in and one confirmed record per cadre, and the p50/p99 of the bot's own
work per press (process_update, database included; no network). Beside it, in the same run,
500 plain callback queries (a stale button) answered the same way: the floor of what any
answer costs here. Figures only; the issue's target is p99 ≤ 1 s.

Run: .venv/bin/python bench/session_bench.py [--pg URL] [--cadres 500] [--seconds 10]
PostgreSQL comes from --pg or TEST_DATABASE_URL; without either, SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from contextlib import nullcontext
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import func, select, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import postgres_schema, sqlite_database, verdict  # noqa: E402
from bot.app import build_application  # noqa: E402
from bot.config import DEFAULT_CONFIG, load_config  # noqa: E402
from bot.console.chat import LocalChat, LocalUser  # noqa: E402
from bot.console.request import LocalRequest  # noqa: E402
from bot.services import make_services  # noqa: E402
from db import people  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Person, SessionCheckin, StudyRecord  # noqa: E402
from db.notes_crypto import NotesCipher  # noqa: E402
from db.roster import parse_roster  # noqa: E402

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
P99_TARGET_S = 1.0


def roster(cadres: int) -> bytes:
    lines = ['- {id: "S0", name: 组织者, unit: 组织科, roles: cadre;supervisor, supervises: 组织科}']
    lines += [f'- {{id: "B{i:04d}", name: "干部{i}", unit: 组织科, roles: cadre}}' for i in range(cadres)]
    return "\n".join(lines).encode()


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def storm(url: str, cadres: int, seconds: float) -> bool:
    upgrade(url)
    folder = Path(tempfile.mkdtemp())
    shutil.copytree(ROOT / "tests" / "data" / "handler_kb", folder / "kb")
    shipped = load_config(DEFAULT_CONFIG, env={})
    knowledge = shipped.knowledge.model_copy(update={"paths": [str(folder / "kb")]})
    config = shipped.model_copy(update={"knowledge": knowledge, "base_dir": folder})
    services = make_services(config, database_url=url, notes=NotesCipher.generate())
    services.clock = lambda: NOW
    request = LocalRequest(bot_username="cadrebot_bench")
    app = build_application(services, request=request)
    chat = LocalChat(app, request)
    await app.initialize()
    try:
        async with services.db.session() as session:
            await people.import_roster(session, parse_roster("r.yaml", roster(cadres)), NOW)
            for person in (await session.scalars(select(Person))).all():  # bound, as after /start
                person.telegram_user_id = person.chat_id = 700_000 + person.id
            await session.commit()
            ids = {p.external_id: p.telegram_user_id for p in (await session.scalars(select(Person))).all()}
        organiser = LocalUser(ids["S0"], "组织者")
        control = (await chat.send(organiser, "/session 周一例会学习"))[-1]
        await app.scheduler.tick(NOW)  # the 500 invitations, through the DeliveryEngine
        invites = {m.chat_id: m for m in request.outbox if m.flat_buttons and m.flat_buttons[0].text == "签到"}
        users = [LocalUser(ids[f"B{i:04d}"], f"干部{i}") for i in range(cadres)]
        assert len(invites) == cadres, len(invites)

        async def press(user: LocalUser, data: str, at: float, into: list[float]) -> None:
            await asyncio.sleep(at)
            started = time.perf_counter()
            await chat.press_data(user, invites[user.user_id], data)
            into.append(time.perf_counter() - started)

        data = control.button("结束").data.replace("end", "in")
        answers_before = sum(1 for name, _ in request.calls if name == "answerCallbackQuery")
        checkin: list[float] = []
        began = time.perf_counter()
        await asyncio.gather(*(press(u, data, random.uniform(0, seconds), checkin) for u in users))
        storm_wall = time.perf_counter() - began
        stale: list[float] = []
        await asyncio.gather(*(press(u, "ss:in:999999", random.uniform(0, seconds), stale) for u in users))
        answers = sum(1 for name, _ in request.calls if name == "answerCallbackQuery") - answers_before
        async with services.db.session() as session:
            checkins = int(await session.scalar(select(func.count()).select_from(SessionCheckin)) or 0)
            per_person = (await session.execute(
                select(StudyRecord.person_id, func.count()).group_by(StudyRecord.person_id))).all()
            confirmed = int(await session.scalar(
                select(func.count()).select_from(StudyRecord).where(StudyRecord.status == "confirmed")) or 0)
        once_each = checkins == cadres and len(per_person) == cadres and all(n == 1 for _, n in per_person)
        p99 = percentile(checkin, 0.99)
        print(f"  {cadres} presses of 签到 spread over {seconds:g} s (took {storm_wall:.1f} s of wall time)")
        print(f"  answered: {answers} of {2 * cadres} callback queries (签到 and stale)  {verdict(answers == 2 * cadres)}")
        print(f"  check-ins {checkins}, records {confirmed} confirmed, one each: {verdict(once_each)}")
        print(f"  签到 answer, the bot's own work: p50 {statistics.median(checkin) * 1000:.1f} ms, "
              f"p99 {p99 * 1000:.1f} ms, max {max(checkin) * 1000:.1f} ms  "
              f"{verdict(p99 <= P99_TARGET_S)} (target p99 ≤ {P99_TARGET_S:g} s)")
        print(f"  baseline, a stale button: p50 {statistics.median(stale) * 1000:.1f} ms, "
              f"p99 {percentile(stale, 0.99) * 1000:.1f} ms")
        return answers == 2 * cadres and once_each
    finally:
        await app.shutdown()
        await services.db.dispose()
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default=os.environ.get("TEST_DATABASE_URL"))
    parser.add_argument("--cadres", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    random.seed(17)
    where = postgres_schema(args.pg) if args.pg else sqlite_database()
    with where as url:
        print(f"session check-in storm on {'PostgreSQL' if args.pg else 'SQLite'}")
        ok = asyncio.run(storm(url, args.cadres, args.seconds))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
