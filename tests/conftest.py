"""Shared fixtures: a migrated database on SQLite (and PostgreSQL when TEST_DATABASE_URL is
set), and the real Application wired to an in-process recording Bot API."""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.app import build_application
from bot.config import DEFAULT_CONFIG, Config, load_config
from bot.console.chat import LocalChat, LocalUser
from bot.console.request import BotMessage, LocalRequest
from bot.services import Services, make_services
from db import people
from db.engine import scratch_schema
from db.migrate import upgrade
from db.notes_crypto import NotesCipher
from db.roster import parse_roster

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Bots the tests start as processes (console, e2e, fan-out runs) would all reach for the ops
# listener's fixed 127.0.0.1:9090, and the suite runs in parallel workers (dev.py): a test that
# probes /healthz names its own free port.
os.environ["CADREBOT_OPS_ADDR"] = "off"

ROSTER = """\
- {id: "C01", name: 张明, unit: 组织科, roles: cadre, level: 乡科级}
- {id: "C02", name: 李华, unit: 组织科, roles: cadre}
- {id: "C03", name: 王芳, unit: 干部科, roles: cadre, target: 60}
- {id: "S01", name: 赵强, unit: 组织科, roles: cadre;supervisor, supervises: 组织科}
- {id: "A01", name: 陈静, unit: 办公室, roles: admin}
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test: a SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: the PostgreSQL variant runs in CI (.ci/run)")
    with scratch_schema(base, prefix="t") as url:
        yield url


HANDLER_KB = PROJECT_ROOT / "tests" / "data" / "handler_kb"
HANDLER_QUIZ = PROJECT_ROOT / "tests" / "data" / "handler_quiz"  # quiz items written from HANDLER_KB


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """The shipped config, with a small known knowledge base (and its quiz bank) copied where tests may change it."""
    kb, quiz = tmp_path / "kb", tmp_path / "quiz"
    shutil.copytree(HANDLER_KB, kb)
    shutil.copytree(HANDLER_QUIZ, quiz)
    shipped = load_config(DEFAULT_CONFIG, env={})
    knowledge = shipped.knowledge.model_copy(
        update={"paths": [str(kb)], "synonyms": [str(PROJECT_ROOT / "knowledge" / "synonyms")], "quiz": [str(quiz)]}
    )
    # base_dir is where relative paths in the config land: the test's own folder.
    return shipped.model_copy(update={"knowledge": knowledge, "base_dir": tmp_path})


class BotHarness:
    """The real bot, in-process: users send text, press buttons and upload files."""

    def __init__(self, services: Services, request: LocalRequest) -> None:
        self.services = services
        self.request = request
        self.app = build_application(services, request=request)
        self.chat = LocalChat(self.app, request)
        self._next_user_id = 500_000

    def set_time(self, moment: datetime) -> None:
        assert moment.tzinfo is not None
        self.services.clock = lambda: moment

    async def import_roster(self, text: str = ROSTER, filename: str = "roster.yaml") -> None:
        async with self.services.db.session() as session:
            await people.import_roster(session, parse_roster(filename, text.encode()), self.services.now())
            await session.commit()

    async def tick(self, local: str) -> list[BotMessage]:
        """Set the clock to a local time ('2026-11-23 08:30') and run one scheduler round."""
        moment = datetime.fromisoformat(local).replace(tzinfo=self.services.config.tz).astimezone(timezone.utc)
        self.set_time(moment)
        mark = len(self.request.outbox)
        await self.app.scheduler.tick(moment)
        return self.request.outbox[mark:]

    async def person(self, external_id: str):  # type: ignore[no-untyped-def]
        async with self.services.db.session() as session:
            return await people.by_external_id(session, external_id)

    async def invite_code(self, external_id: str) -> str:
        async with self.services.db.session() as session:
            person = await people.by_external_id(session, external_id)
            assert person is not None, external_id
            return person.invite_code

    def stranger(self, name: str = "访客") -> LocalUser:
        self._next_user_id += 1
        return LocalUser(self._next_user_id, name)

    async def join(self, external_id: str) -> LocalUser:
        """A new Telegram user who binds to `external_id` with its invite code."""
        user = self.stranger(external_id)
        replies = await self.send(user, f"/start {await self.invite_code(external_id)}")
        assert "绑定成功" in replies[-1].text, replies
        return user

    async def send(self, user: LocalUser, text: str) -> list[BotMessage]:
        return await self.chat.send(user, text)

    async def press(self, user: LocalUser, shown: BotMessage, label: str) -> list[BotMessage]:
        return await self.chat.press(user, shown, label)

    async def upload(self, user: LocalUser, filename: str, content: bytes) -> list[BotMessage]:
        return await self.chat.upload(user, filename, content)


async def cancel_leftover_tasks() -> list[str]:
    """Tasks the bot left running once it shut down, cancelled and named. Left for the event
    loop to cancel after the engine is disposed, one mid-transaction can wait forever on a
    closed SQLite connection: the test run then hangs instead of failing here."""
    current = asyncio.current_task()
    left = [task for task in asyncio.all_tasks() if task is not current and not task.done()]
    for task in left:
        task.cancel()
    if left:
        await asyncio.wait(left, timeout=5)
    return [repr(task.get_coro()) for task in left]


@pytest.fixture
async def harness(database_url: str, config: Config) -> AsyncIterator[BotHarness]:
    upgrade(database_url)
    services = make_services(config, database_url=database_url, notes=NotesCipher.generate())
    services.clock = lambda: datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
    bot = BotHarness(services, LocalRequest(bot_username="cadrebot_test"))
    await bot.app.initialize()
    try:
        yield bot
    finally:
        await bot.app.shutdown()
        left_running = await cancel_leftover_tasks()
        await services.db.dispose()
    assert not left_running, f"still running after the bot shut down: {left_running}"
