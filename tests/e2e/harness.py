"""Processes of cadrebot's e2e tests: the node emulator, the adapter and the bot under test.

The fixtures in conftest.py are thin wrappers around ``Emulator`` and ``BotProcess``.
"""

from __future__ import annotations

import fcntl
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any, Sequence

from .adapter import Adapter, scope_key
from .client import TelegramUser

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
EMULATOR_PACKAGE, EMULATOR_VERSION = "telegram-test-api", "4.2.1"
NODE_MISSING = "Node.js/npm not found: e2e tests need the telegram-test-api emulator"


def node_missing() -> bool:
    return not (shutil.which("node") and shutil.which("npm"))


def ensure_node_modules(timeout: float = 300.0) -> None:
    """``npm ci`` in tests/e2e unless the pinned emulator is already installed."""
    manifest = E2E_DIR / "node_modules" / EMULATOR_PACKAGE / "package.json"

    def installed() -> bool:
        try:
            return json.loads(manifest.read_text())["version"] == EMULATOR_VERSION
        except (OSError, ValueError, KeyError):
            return False

    if installed():
        return
    with open(E2E_DIR / "package-lock.json", "rb") as lock:  # one installer at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed():
            return
        proc = run_bounded(["npm", "ci", "--no-audit", "--no-fund"], timeout, cwd=E2E_DIR, stdin=subprocess.DEVNULL)
        if proc.returncode != 0 or not installed():
            raise RuntimeError(f"`npm ci` in {E2E_DIR} failed ({proc.returncode}):\n"
                               f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def _die_with_parent(cmd: Sequence[str]) -> list[str]:
    """Prefix a command so that it gets SIGTERM if the test process dies without cleaning up
    (e.g. pytest killed by a CI timeout); util-linux's setpriv is on every Debian."""
    prefix = ["setpriv", "--pdeathsig", "TERM", "--"] if shutil.which("setpriv") else []
    return [*prefix, *cmd]


def stop_process_group(proc: subprocess.Popen, timeout: float = 5.0) -> int | None:
    """SIGTERM the process group led by ``proc`` (started with start_new_session=True),
    SIGKILL it after ``timeout`` seconds."""
    def signal_group(sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    if proc.poll() is None:
        signal_group(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            signal_group(signal.SIGKILL)
            proc.wait(5)
    signal_group(signal.SIGKILL)  # anything the process left behind in its group
    return proc.returncode


def run_bounded(cmd: list[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """subprocess.run(capture_output=True) whose timeout holds: npm and pip start children of
    their own, and a grandchild still holding the pipes would keep run() reading after it
    killed its child; here the whole process group goes."""
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, **kwargs)
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_process_group(process, 1.0)
        out, err = process.communicate()
        raise AssertionError(f"{cmd} still running after {timeout} s:\n{out[-3000:]}\n{err[-3000:]}") from None
    return subprocess.CompletedProcess(cmd, process.returncode, out, err)


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no log>"


class Emulator:
    """telegram-test-api (node) + the Bot API adapter, both on 127.0.0.1.

    root_url: what goes into TELEGRAM_API_BASE_URL. token: a default bot token.
    """

    _numbers = itertools.count(1)

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.log_path = workdir / "emulator.log"
        self.node: subprocess.Popen | None = None
        self.adapter: Adapter | None = None
        self.emulator_url = self.root_url = self.token = ""

    def start(self, timeout: float = 20.0) -> "Emulator":
        with open(self.log_path, "wb") as log:
            self.node = subprocess.Popen(_die_with_parent(["node", "emulator.mjs"]), cwd=E2E_DIR,
                                         stdin=subprocess.PIPE,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not (ready := re.search(r"EMULATOR_READY (\S+)", self.log_path.read_text())):
            if self.node.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"emulator did not start:\n{_tail(self.log_path)}")
            time.sleep(0.02)
        self.emulator_url = ready.group(1)
        self.adapter = Adapter(self.emulator_url)
        self.root_url = self.adapter.start()
        self.token = self.new_token()
        return self

    def stop(self) -> None:
        if self.adapter:
            self.adapter.stop()
        if self.node:
            if self.node.stdin:
                self.node.stdin.close()  # the launcher exits when its stdin closes
            stop_process_group(self.node, 5.0)

    @classmethod
    def new_token(cls) -> str:
        """A fresh bot token: a bot with its own update queue and message mirror."""
        return f"{7000000000 + next(cls._numbers)}:E2E{secrets.token_hex(12)}"

    def user(self, token: str, user_id: int, first_name: str = "Tester", **kw: Any) -> TelegramUser:
        return TelegramUser(self.adapter, token, user_id, first_name, **kw)

    def commands(self, token: str, scope: Any = None, language_code: str = "") -> list[dict]:
        """Commands set by setMyCommands for this scope (PTB BotCommandScope, dict or None)."""
        return self.adapter.snapshot(token, lambda b: b.commands.get((scope_key(scope), language_code), []))

    def sent_files(self, token: str, chat_id: int | None = None, kind: str | None = None) -> list[dict]:
        """Bot messages carrying a file (photo, document, ...), oldest first; msg["file"]["data"]
        holds the bytes."""
        return self.adapter.snapshot(token, lambda b: [
            m for (cid, _), m in sorted(b.messages.items()) if m["file"]
            and chat_id in (None, cid) and kind in (None, m["kind"])])

    def calls(self, token: str, method: str | None = None) -> list[dict]:
        """Bot API calls made with this token (getUpdates excluded): {"method", "params", "files"}."""
        return self.adapter.snapshot(token, lambda b: [
            c for c in b.calls if method is None or c["method"].lower() == method.lower()])


class BotProcess:
    """The bot under test, run as a subprocess in its own process group."""

    def __init__(self, emulator: Emulator, token: str, cmd: Sequence[str], env: dict[str, str],
                 log_path: Path, cwd: Path = REPO_ROOT):
        self.emulator, self.token, self.cmd, self.env = emulator, token, list(cmd), env
        self.log_path, self.cwd = log_path, cwd
        self.proc: subprocess.Popen | None = None

    def start(self) -> "BotProcess":
        self._polls_before = self.emulator.adapter.snapshot(self.token, lambda b: b.polls)
        self._webhooks_before = len(self.emulator.calls(self.token, "setWebhook"))
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(_die_with_parent(self.cmd), cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def wait_polling(self, timeout: float = 20.0) -> None:
        """Return once the bot has called getUpdates; raise if it exits or times out first."""
        state = self.emulator.adapter.bot(self.token)
        polling = self.emulator.adapter.wait_for(
            lambda: state.polls > self._polls_before or self.proc.poll() is not None, timeout)
        if self.proc.poll() is not None:
            raise RuntimeError(f"bot exited with {self.proc.returncode} before polling; "
                               f"log {self.log_path}:\n{self.log_tail()}")
        if not polling:
            raise RuntimeError(f"bot did not call getUpdates within {timeout}s; "
                               f"log {self.log_path}:\n{self.log_tail()}")

    def wait_webhook(self, timeout: float = 20.0) -> dict:
        """Webhook mode: return the setWebhook parameters once the bot has called it (PTB's
        server listens by then); raise if it exits or times out first."""
        def registered() -> list[dict]:
            return self.emulator.calls(self.token, "setWebhook")[self._webhooks_before:]

        self.emulator.adapter.wait_for(lambda: registered() or self.proc.poll() is not None, timeout)
        if self.proc.poll() is not None:
            raise RuntimeError(f"bot exited with {self.proc.returncode} before setWebhook; "
                               f"log {self.log_path}:\n{self.log_tail()}")
        if not registered():
            raise RuntimeError(f"bot did not call setWebhook within {timeout}s; "
                               f"log {self.log_path}:\n{self.log_tail()}")
        return registered()[-1]["params"]

    def wait_exit(self, timeout: float = 20.0) -> int:
        """For one-shot commands (args=["migrate"], ...): wait for the exit code."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{self.cmd} still running after {timeout}s:\n{self.log_tail()}")

    def user(self, user_id: int, first_name: str = "Tester", **kw: Any) -> TelegramUser:
        """A simulated user talking to this bot (private chat, chat id = user id)."""
        return self.emulator.user(self.token, user_id, first_name, **kw)

    def stop(self, timeout: float = 10.0) -> int | None:
        return stop_process_group(self.proc, timeout) if self.proc else None

    @property
    def returncode(self) -> int | None:
        return self.proc.poll() if self.proc else None

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return _tail(self.log_path, lines)

    def unsupported(self) -> list[str]:
        """Bot API methods the bot called that the adapter does not implement."""
        return self.emulator.adapter.snapshot(self.token, lambda b: b.unsupported)

    def api_errors(self) -> list[tuple[str, str]]:
        """(method, description) of every call answered with ok=false."""
        return self.emulator.adapter.snapshot(self.token, lambda b: b.errors)
