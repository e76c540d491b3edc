"""Fixtures for cadrebot's end-to-end tests (see README.md in this folder).

    emulator   (session)  node telegram-test-api + Bot API adapter on 127.0.0.1
    start_bot  (function) start_bot(env_overrides=None, args=("run",), ...) -> BotProcess
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Any, Iterator, Sequence

import pytest

from .harness import (E2E_DIR, NODE_MISSING, REPO_ROOT, BotProcess, Emulator,
                      ensure_node_modules, node_missing)
from db.notes_crypto import NotesCipher

# One key for the session: a bot restarted within a test reads the notes it wrote.
NOTES_KEY = NotesCipher.new_key()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:  # `-m "not e2e"` deselects this folder
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)
            # The first e2e test of a worker also waits for `npm ci` (up to 300 s, fresh machines).
            item.add_marker(pytest.mark.timeout(600))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: end-to-end test against the Bot API emulator")


@pytest.fixture(scope="session")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    if node_missing():
        pytest.skip(NODE_MISSING)
    ensure_node_modules()
    emu = Emulator(tmp_path_factory.mktemp("e2e-emulator"))
    try:
        emu.start()
        yield emu
    finally:
        emu.stop()


def _bot_command() -> list[str]:
    script = Path(sys.executable).parent / "cadrebot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


@pytest.fixture
def start_bot(emulator: Emulator, tmp_path: Path, request: pytest.FixtureRequest):
    """Factory: start the bot as a subprocess pointed at the emulator; stopped at teardown.

    start_bot(env_overrides=None, args=("run",), *, cmd=None, token=None,
              wait_polling=True, timeout=20.0) -> BotProcess

    Environment: TELEGRAM_API_BASE_URL, TELEGRAM_BOT_TOKEN (a fresh token per start unless
    given), DATABASE_URL=sqlite:///<tmp_path>/e2e.db (shared by restarts within a test),
    CADREBOT_NOTES_KEY (one per session, unless set), CADREBOT_CONFIG unset; env_overrides
    last (a None value removes the variable).
    cmd replaces the `cadrebot` command (args are appended to it). With wait_polling the
    call returns once the bot calls getUpdates.
    """
    bots: list[BotProcess] = []
    request.node._e2e_bots = bots

    def _start(env_overrides: dict[str, Any] | None = None, args: Sequence[str] = ("run",), *,
               cmd: Sequence[str] | None = None, token: str | None = None,
               wait_polling: bool = True, timeout: float = 20.0) -> BotProcess:
        overrides = dict(env_overrides or {})
        token = token or overrides.get("TELEGRAM_BOT_TOKEN") or emulator.new_token()
        env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
        env.pop("CADREBOT_CONFIG", None)
        env.setdefault("CADREBOT_NOTES_KEY", NOTES_KEY)  # talk notes are written encrypted
        env.update(TELEGRAM_API_BASE_URL=emulator.root_url, TELEGRAM_BOT_TOKEN=token,
                   DATABASE_URL=f"sqlite:///{tmp_path / 'e2e.db'}", PYTHONUNBUFFERED="1",
                   NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value)
        log_path = tmp_path / f"bot-{len(bots) + 1}.log"
        bot = BotProcess(emulator, token, [*(cmd or _bot_command()), *args], env, log_path, REPO_ROOT)
        bots.append(bot)
        bot.start()
        if wait_polling:
            bot.wait_polling(timeout)
        return bot

    yield _start
    for bot in reversed(bots):
        bot.stop()
        if bot.unsupported():
            warnings.warn(f"bot called Bot API methods the e2e adapter lacks: {bot.unsupported()}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """On failure, append the tail of each bot's log to the report."""
    report = yield
    if report.failed:
        for bot in getattr(item, "_e2e_bots", []):
            report.sections.append((f"bot log {bot.log_path}", bot.log_tail(80)))
    return report
