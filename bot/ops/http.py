"""The operators' HTTP listener: GET /healthz and GET /metrics, in polling and webhook mode.

It is a separate listener from the webhook (CADREBOT_OPS_ADDR, 127.0.0.1:9090 by default), so
the health check and the metrics are never reachable through the proxy that forwards
Telegram's webhook, and polling instances have them too. It runs on the bot's own event loop
with tornado, which PTB's webhook mode already uses (no second web framework); each request is
a few database reads, so it needs no thread of its own.

/healthz answers 200 with {"status": "ok", "checks": {...}} when the database answers, the
scheduler ticked within three tick intervals and the knowledge base has entries; otherwise 503
with the same body, "status": "fail" and "failed" naming the checks that did not pass.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.ops import metrics
from db.models import Delivery, FlowState

if TYPE_CHECKING:
    from bot.context import CadreApplication

log = logging.getLogger(__name__)

DB_TIMEOUT = 3.0  # a health check that waits longer than a prober's timeout tells nothing
OPEN_STATUSES = ("pending", "claimed", "attempted")


@dataclass
class Health:
    checks: dict[str, str] = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed

    def body(self) -> dict[str, object]:
        body: dict[str, object] = {"status": "ok" if self.ok else "fail", "checks": self.checks}
        if self.failed:
            body["failed"] = self.failed
        return body


async def check_health(app: CadreApplication) -> Health:
    health = Health()
    for name, check in (("database", _database), ("scheduler", _scheduler), ("knowledge", _knowledge)):
        try:
            passed, detail = await check(app)
        except Exception as error:  # a check that breaks is a failed check, not a 500
            passed, detail = False, f"check failed: {type(error).__name__}"
        health.checks[name] = detail
        if not passed:
            health.failed.append(name)
    return health


async def _database(app: CadreApplication) -> tuple[bool, str]:
    async def ping() -> None:
        async with app.services.db.session() as session:
            await session.execute(text("SELECT 1"))

    try:
        await asyncio.wait_for(ping(), DB_TIMEOUT)
    except asyncio.TimeoutError:
        return False, f"no answer within {DB_TIMEOUT:g} s"
    except Exception as error:
        return False, f"unreachable: {type(error).__name__}"  # never the URL: it may hold a password
    return True, "ok"


async def _scheduler(app: CadreApplication) -> tuple[bool, str]:
    scheduler = app.scheduler
    age = time.time() - scheduler.last_beat
    limit = scheduler.beat_limit_seconds()
    if age > limit:
        return False, f"last tick {age:.0f} s ago (more than {limit:g} s)"
    return True, f"ok: last tick {age:.0f} s ago" + (", leading" if scheduler.leading else "")


async def _knowledge(app: CadreApplication) -> tuple[bool, str]:
    entries = len(app.services.knowledge.snapshot.entries)
    return (entries > 0), (f"ok: {entries} entries" if entries else "no entries loaded")


async def refresh_database_gauges(app: CadreApplication) -> None:
    """The figures the database holds, read at scrape time: every instance reports the same."""
    async def read() -> None:
        async with app.services.db.session() as session:
            rows = await session.execute(
                select(Delivery.status, func.count()).where(Delivery.status.in_(OPEN_STATUSES))
                .group_by(Delivery.status)
            )
            counts = dict(rows.all())
            open_flows = await session.scalar(
                select(func.count()).select_from(FlowState).where(FlowState.expires_at > app.services.now())
            )
        for status in OPEN_STATUSES:
            metrics.DELIVERIES_OPEN.labels(status).set(counts.get(status, 0))
        metrics.CONVERSATIONS.set(open_flows or 0)

    try:
        await asyncio.wait_for(read(), DB_TIMEOUT)
    except Exception as error:  # the in-memory metrics are still worth serving
        log.warning("metrics: could not read the database figures (%s)", type(error).__name__)


class _Healthz(tornado.web.RequestHandler):
    def initialize(self, app: CadreApplication) -> None:
        self.bot_app = app

    async def get(self) -> None:
        health = await check_health(self.bot_app)
        self.set_status(200 if health.ok else 503)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(health.body(), ensure_ascii=False))


class _Metrics(tornado.web.RequestHandler):
    def initialize(self, app: CadreApplication) -> None:
        self.bot_app = app

    async def get(self) -> None:
        await refresh_database_gauges(self.bot_app)
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(generate_latest(metrics.REGISTRY))


class _QuietApplication(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """A prober scrapes every few seconds: its requests are not worth a log line each."""
        if handler.get_status() >= 500 and handler.get_status() != 503:
            super().log_request(handler)


class OpsServer:
    """The listener, started in post_init and stopped in post_shutdown (bot/runner.py)."""

    def __init__(self, app: CadreApplication, host: str, port: int) -> None:
        self.app, self.host, self.port = app, host, port
        self._server: HTTPServer | None = None

    async def start(self) -> int:
        """Listen; returns the port (the one the system chose, when asked for port 0)."""
        routes = [(r"/healthz", _Healthz, {"app": self.app}), (r"/metrics", _Metrics, {"app": self.app})]
        self._server = HTTPServer(_QuietApplication(routes))  # type: ignore[arg-type]
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sockets = bind_sockets(self.port, address=self.host or None, family=family if self.host else socket.AF_UNSPEC)
        self._server.add_sockets(sockets)
        self.port = sockets[0].getsockname()[1]
        log.info("ops listener on %s:%d (GET /healthz, GET /metrics)", self.host or "*", self.port)
        return self.port

    async def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            await self._server.close_all_connections()
            self._server = None
