"""The scheduler tick: on PTB's JobQueue, every few seconds, the leader instance plans what is
due (reminders, talk prompts, digests) and sends what is due. The database holds the truth of
what was sent, so the tick itself can run twice, late, or on another instance harmlessly.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from telegram.ext import ContextTypes

from bot.ops import metrics, alerts as ops_alerts
from bot.scheduling.delivery import DeliveryEngine, Renderer
from bot.services import Services
from db import deliveries, leases, retention

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"


class Scheduler:
    def __init__(self, bot: object, services: Services, planners: list, renderers: dict[str, Renderer]) -> None:
        self.services = services
        self.planners = planners  # async (session, services, now) -> object, run in order
        settings = services.config.reminders
        self.engine = DeliveryEngine(
            bot, services, renderers, concurrency=settings.concurrency,
            pace=services.config.bot.rate_limit.overall_per_second, lease_seconds=settings.lease_seconds,
        )
        self.instance = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.lease = timedelta(seconds=settings.lease_seconds)
        self.leading = False
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # tests drive time instead
        self._ticking = asyncio.Lock()  # one tick at a time: a tick may take minutes
        # Wall time of the last sign of life (a tick starting or ending, a lease renewed during
        # a fan-out): /healthz reads it. Start-up counts as one, so a new instance is healthy.
        self.last_beat = time.time()
        self.next_prune = 0.0  # monotonic time the leader prunes old rows next (db/retention.py)

    async def tick(self, now: datetime | None = None) -> Counter[str] | None:
        """One round; None when another instance leads (or this one is stopping)."""
        async with self._ticking:
            if self.engine.stopping:
                return None
            self.beat()
            now = now or self.services.now()
            async with self.services.db.session() as session:
                if not await leases.try_lead(session, LEASE_NAME, self.instance, now, self.lease):
                    return None
                # No tick of this instance is sending now: any claim in the table is a dead
                # (or cut-off) leader's, to settle before anything new is claimed.
                orphans = await deliveries.settle_orphans(session)
                grace = timedelta(minutes=self.services.config.reminders.grace_minutes)
                await deliveries.expire_stale(session, now, grace)
                for planner in self.planners:
                    await planner(session, self.services, now)
                await session.commit()
            _log_orphans(orphans)
            self.leading = True
            metrics.LEADING.set(1)
            renewing = asyncio.create_task(self._keep_leading())
            try:
                sent = await self.engine.send_due(now, still_leading=lambda: self.leading)
                await self._prune_if_due(now)
                return sent
            finally:
                # Waited for, not only cancelled: a renewal cut off mid-transaction must close
                # its session before the tick returns (and its engine may be disposed).
                renewing.cancel()
                await asyncio.gather(renewing, return_exceptions=True)
                metrics.LEADING.set(0)
                self.beat()

    def beat(self) -> None:
        self.last_beat = time.time()
        metrics.LAST_TICK.set(self.last_beat)

    def beat_limit_seconds(self) -> float:
        """How old the last beat may be before /healthz fails: three tick intervals, or, while
        a fan-out runs (a tick of minutes), one lease renewal and an interval."""
        settings = self.services.config.reminders
        return max(3 * settings.tick_seconds, settings.lease_seconds / 3 + settings.tick_seconds)

    async def _prune_if_due(self, now: datetime) -> None:
        """Retention, by the leader, after its fan-out, at most every `retention.every_hours`:
        batches of `batch_rows`, each its own transaction; a stop or a lost lease ends it."""
        settings = self.services.config.retention
        if time.monotonic() < self.next_prune or not self.leading or self.engine.stopping:
            return
        self.next_prune = time.monotonic() + settings.every_hours * 3600
        pruned = await retention.prune(
            self.services.db.session, now, questions_days=settings.questions_days,
            deliveries_days=settings.deliveries_days, batch=settings.batch_rows,
            keep_going=lambda: self.leading and not self.engine.stopping,
        )
        if pruned:
            metrics.PRUNED.labels("questions").inc(pruned.questions)
            metrics.PRUNED.labels("deliveries").inc(pruned.deliveries)
            log.info("retention: deleted %d questions older than %s days and %d deliveries older than %s days",
                     pruned.questions, settings.questions_days, pruned.deliveries, settings.deliveries_days)

    def stop(self) -> None:
        """SIGTERM: the fan-out under way ends gracefully (DeliveryEngine.stop) and no tick starts."""
        self.engine.stop()

    async def _keep_leading(self) -> None:
        """Renew the lease every third of its length while a fan-out runs: paced at Telegram's
        rate, 10,000 messages take minutes, far longer than the lease. A renewal that fails or
        finds the lease taken ends the leading: the fan-out stops claiming, and whoever leads
        at the next tick (this instance again, once the database answers) sends the rest."""
        while self.leading:
            await self.sleep(self.lease.total_seconds() / 3)
            try:
                async with self.services.db.session() as session:
                    self.leading = await leases.try_lead(
                        session, LEASE_NAME, self.instance, self.services.now(), self.lease)
                self.beat()
            except Exception:
                log.exception("could not renew the scheduler lease: no more claims this tick")
                self.leading = False

    async def resign(self) -> None:
        async with self.services.db.session() as session:
            await leases.resign(session, LEASE_NAME, self.instance, self.services.now())

    async def run_job(self, context: ContextTypes.DEFAULT_TYPE) -> None:
        started = time.perf_counter()
        try:
            sent = await self.tick()
        except Exception as error:  # a failed tick must not kill the repeating job; the next one retries
            log.exception("scheduler tick failed")
            metrics.ERRORS.labels("job").inc()
            await ops_alerts.report(context.application, "scheduler tick", error)
            return
        finally:
            metrics.TICK_SECONDS.observe(time.perf_counter() - started)
        metrics.count_finished_deliveries(sent)
        if sent:
            log.info("scheduler tick sent %s", dict(sent))

    def start(self, job_queue: object) -> None:
        interval = self.services.config.reminders.tick_seconds
        job_queue.run_repeating(  # type: ignore[attr-defined]
            self.run_job, interval=interval, first=1, name="scheduler", job_kwargs={"max_instances": 1, "coalesce": True}
        )


def _log_orphans(orphans: deliveries.Orphans) -> None:
    if orphans.returned:
        log.warning("%d deliveries claimed by a leader that stopped were never sent: sending them now", orphans.returned)
    if orphans.uncertain:
        log.warning("%d deliveries were on the wire when their sender stopped: uncertain, not resent (ids %s)",
                    len(orphans.uncertain), orphans.uncertain)
