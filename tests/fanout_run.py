"""A real bot process sending a real fan-out, for the tests and the bench that kill it.

`seed` fills a database with joined cadres; `fanout_config` writes a config whose one
reminder is due now (by the real clock, this very minute); `BotRun` starts the bot as
`cadrebot run` starts it, against a Bot API stand-in (tests/fake_bot_api.py), and kills or
stops it; `delivery_states` reads back what the database says.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import func, select, update

from bot.chat.commands import menu_signature
from bot.config import DEFAULT_CONFIG, PROJECT_ROOT
from db import people
from db.engine import Database
from db.migrate import upgrade
from db.models import Delivery, Person
from db.roster import parse_roster

CHAT_OFFSET = 10_000_000
KIND = "reminder:fanout_now"
TEXT = "{name}，该学习了（第 {total} 学时）。"


def roster_yaml(count: int, units: int = 7) -> bytes:
    lines = [f'- {{id: "F{i:05d}", name: "干部{i}", unit: "科{i % units}", roles: cadre}}' for i in range(count)]
    return "\n".join(lines).encode()


def seed(url: str, count: int) -> None:
    """`count` cadres, all joined, menus already set (so start-up sets none)."""
    upgrade(url)
    asyncio.run(_seed(url, count))


async def _seed(url: str, count: int) -> None:
    db = Database(url)
    try:
        async with db.session() as session:
            await people.import_roster(session, parse_roster("fanout.yaml", roster_yaml(count)),
                                       datetime.now(timezone.utc) - timedelta(days=30))
            await session.execute(update(Person).values(
                chat_id=Person.id + CHAT_OFFSET, telegram_user_id=Person.id + CHAT_OFFSET,
                menu_signature=menu_signature(frozenset({"cadre"}))))
            await session.commit()
    finally:
        await db.dispose()


def fanout_config(folder: Path, *, lease_seconds: float = 5, tick_seconds: float = 1, per_second: float = 30,
                  concurrency: int = 20) -> Path:
    """The shipped config with one reminder to every cadre due this minute, and nothing else."""
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config["knowledge"]["paths"] = [str(PROJECT_ROOT / "knowledge" / "base")]
    config["knowledge"]["synonyms"] = [str(PROJECT_ROOT / "knowledge" / "synonyms")]
    local = datetime.now(ZoneInfo(config["timezone"]))
    config["reminders"].update(tick_seconds=tick_seconds, lease_seconds=lease_seconds, concurrency=concurrency)
    config["reminders"]["schedules"] = [{
        "key": KIND.split(":")[1], "name": "现在提醒", "cron": f"{local.minute} {local.hour} * * *",
        "skip_non_workdays": False, "audience": {"kind": "all"}, "text": TEXT,
    }]
    config["bot"]["rate_limit"]["overall_per_second"] = min(per_second, 30)
    path = folder / "fanout-config.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


class BotRun:
    """One bot process. `command` defaults to `cadrebot run`; the bench passes its own child
    (the same run, with the pace scaled past what config.yaml accepts)."""

    def __init__(self, url: str, config: Path, api_root: str, log: Path, command: list[str] | None = None) -> None:
        script = Path(sys.executable).parent / "cadrebot"
        self.command = command or ([str(script), "run"] if script.exists() else [sys.executable, "-m", "bot.cli", "run"])
        self.env = {key: value for key, value in os.environ.items() if not key.lower().endswith("_proxy")}
        self.env.update(DATABASE_URL=url, CADREBOT_CONFIG=str(config), TELEGRAM_API_BASE_URL=api_root,
                        TELEGRAM_BOT_TOKEN="123456:FANOUT-STANDIN", PYTHONUNBUFFERED="1",
                        NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.signalled_at: float | None = None

    def start(self) -> BotRun:
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.command, cwd=PROJECT_ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def kill(self) -> None:
        """SIGKILL: nothing runs after it, no finally, no shutdown."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def terminate(self) -> None:
        assert self.process is not None
        self.signalled_at = time.monotonic()
        self.process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it is still running after `timeout` (then it is killed)."""
        assert self.process is not None
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.running():
            self.terminate()
            self.wait(20)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def wait_for(condition: Any, timeout: float, every: float = 0.01, alive: BotRun | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if alive is not None and not alive.running():
            return bool(condition())
        time.sleep(every)
    return bool(condition())


def delivery_states(url: str) -> tuple[Counter[str], dict[int, str]]:
    """(rows by status, status by chat id) of the fan-out."""
    return asyncio.run(_states(url))


async def _states(url: str) -> tuple[Counter[str], dict[int, str]]:
    db = Database(url)
    try:
        async with db.session() as session:
            rows = (await session.execute(
                select(Person.chat_id, Delivery.status).join(Person, Person.id == Delivery.person_id)
                .where(Delivery.kind == KIND))).all()
            total = (await session.execute(select(func.count()).select_from(Person))).scalar_one()
    finally:
        await db.dispose()
    by_chat = {chat: status for chat, status in rows}
    assert total >= len(by_chat) == len(rows), "one delivery row per person and fan-out"
    return Counter(status for _, status in rows), by_chat


def settled(url: str) -> bool:
    """Nothing of the fan-out waits to be sent or is claimed."""
    counts, by_chat = delivery_states(url)
    return bool(by_chat) and not (counts["pending"] or counts["claimed"] or counts["attempted"])
