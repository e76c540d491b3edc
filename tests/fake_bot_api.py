"""A Bot API stand-in for fan-out faults: an aiohttp server on 127.0.0.1, in its own thread.

It enforces Telegram's limits as documented for bots (so many messages a second overall,
one a second per chat), answering 429 with a retry_after when a request exceeds them; it can
also answer a share of requests 429 at random, or deliver a message and answer late; and it
counts what every chat received. The bot under test reaches it through
TELEGRAM_API_BASE_URL (`cadrebot run` in a subprocess) or a Bot's base_url (in process).
Used by tests/bot/test_fanout_processes.py and bench/fanout_bench.py.

Random 429s never hit a request that follows a rejection of the same chat, so "rejected
twice in a row" counts only the bot's own mistakes: retrying before retry_after, or
exceeding a limit again.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import random
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

HOST = "127.0.0.1"
SEND_METHODS = ("sendmessage", "sendphoto", "senddocument")


@dataclass
class Limits:
    per_second: float | None = None  # messages a second overall (None: no limit)
    per_chat_seconds: float | None = None  # at least this long between two messages to one chat
    random_429: float = 0.0  # share of first requests answered 429 at random
    random_retry_after: tuple[int, int] = (1, 2)
    late_share: float = 0.0  # share of messages delivered at once but answered only after late_seconds
    late_seconds: float = 8.0
    seed: int = 13


@dataclass
class Record:
    """What the stand-in saw (read it under FakeBotApi.lock, or through snapshot())."""

    received: Counter[int] = field(default_factory=Counter)  # chat id -> messages delivered
    texts: list[tuple[int, str]] = field(default_factory=list)
    accepted_at: list[float] = field(default_factory=list)  # monotonic receipt time of each delivery
    rejected: Counter[str] = field(default_factory=Counter)  # 'overall' | 'chat' | 'random'
    rejected_twice_in_a_row: int = 0
    early_retries: int = 0  # requests for a chat before the retry_after it was given had passed
    late: int = 0
    requests: int = 0  # send requests seen


class FakeBotApi:
    def __init__(self, limits: Limits | None = None, bot_username: str = "cadrebot") -> None:
        self.limits = limits or Limits()
        self.bot_username = bot_username
        self.lock = threading.Lock()
        self.record = Record()
        self.root_url = ""
        self._random = random.Random(self.limits.seed)
        self._window: deque[float] = deque()
        self._chat_last: dict[int, float] = {}
        self._chat_rejected_until: dict[int, float] = {}  # the retry_after given at the last rejection
        self._message_ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._port = 0

    # --- lifecycle -------------------------------------------------------------------

    def start(self, port: int = 0) -> str:
        self._port = port
        self._thread = threading.Thread(target=self._run, name="fake-bot-api", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the Bot API stand-in did not start")
        return self.root_url

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def __enter__(self) -> FakeBotApi:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, HOST, self._port, backlog=1024)
        loop.run_until_complete(site.start())
        self.root_url = f"http://{HOST}:{runner.addresses[0][1]}"
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    # --- reading what happened -------------------------------------------------------

    def snapshot(self) -> Record:
        with self.lock:
            return Record(
                Counter(self.record.received), list(self.record.texts), list(self.record.accepted_at),
                Counter(self.record.rejected), self.record.rejected_twice_in_a_row, self.record.early_retries,
                self.record.late, self.record.requests,
            )

    def delivered(self) -> int:
        with self.lock:
            return sum(self.record.received.values())

    # --- the API ---------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"].lower()
        params = await _params(request)
        if method == "getupdates":
            await asyncio.sleep(min(float(params.get("timeout") or 0), 1.0))
            return _ok([])
        if method == "getme":
            return _ok({"id": 123456, "is_bot": True, "first_name": "组工学习助手", "username": self.bot_username,
                        "can_join_groups": False, "can_read_all_group_messages": False,
                        "supports_inline_queries": False})
        if method not in SEND_METHODS:
            return _ok(True)  # setMyCommands, deleteWebhook, answerCallbackQuery …
        chat_id = int(params.get("chat_id") or 0)
        now = time.monotonic()
        late = False
        with self.lock:
            refusal = self._refusal(chat_id, now)
            if refusal is None:
                self._window.append(now)
                self._chat_last[chat_id] = now
                self._chat_rejected_until.pop(chat_id, None)
                self.record.received[chat_id] += 1
                self.record.texts.append((chat_id, str(params.get("text") or params.get("caption") or "")))
                self.record.accepted_at.append(now)
                late = self._random.random() < self.limits.late_share
                self.record.late += late
        if refusal is not None:
            reason, retry_after = refusal
            return web.json_response({"ok": False, "error_code": 429, "parameters": {"retry_after": retry_after},
                                      "description": f"Too Many Requests: retry after {retry_after} ({reason})"},
                                     status=429)
        if late:
            await asyncio.sleep(self.limits.late_seconds)
        return _ok({"message_id": next(self._message_ids), "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "private"},
                    "from": {"id": 123456, "is_bot": True, "first_name": "组工学习助手"},
                    "text": str(params.get("text") or "")})

    def _refusal(self, chat_id: int, now: float) -> tuple[str, int] | None:
        """(reason, retry_after) if this send must be refused; counts the bot's mistakes."""
        record, limits = self.record, self.limits
        record.requests += 1
        retrying = chat_id in self._chat_rejected_until
        if retrying and now < self._chat_rejected_until[chat_id]:
            record.early_retries += 1
        while self._window and self._window[0] <= now - 1.0:
            self._window.popleft()
        refusal: tuple[str, int] | None = None
        if limits.per_second is not None and len(self._window) >= limits.per_second:
            refusal = ("overall", max(1, math.ceil(self._window[0] + 1.0 - now)))
        elif limits.per_chat_seconds is not None and now - self._chat_last.get(chat_id, -math.inf) < limits.per_chat_seconds:
            refusal = ("chat", max(1, math.ceil(self._chat_last[chat_id] + limits.per_chat_seconds - now)))
        elif not retrying and self._random.random() < limits.random_429:
            refusal = ("random", self._random.randint(*limits.random_retry_after))
        if refusal is None:
            return None
        record.rejected[refusal[0]] += 1
        record.rejected_twice_in_a_row += retrying
        self._chat_rejected_until[chat_id] = now + refusal[1]
        return refusal


async def _params(request: web.Request) -> dict[str, Any]:
    """PTB posts form fields (JSON-encoded when not strings) or multipart for uploads."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            params.update(await request.json() or {})
        else:
            for key, value in (await request.post()).items():
                if isinstance(value, str):
                    params[key] = value
    for key in ("chat_id",):
        if isinstance(params.get(key), str):
            try:
                params[key] = json.loads(params[key])
            except ValueError:
                pass
    return params


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})
