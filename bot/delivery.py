"""Sending what the scheduler planned: claim due delivery rows, render, send, record.

Fan-out is paced by PTB's AIORateLimiter in production (below Telegram's ~30 msg/s) and
bounded in concurrency here. Forbidden marks a person unreachable (they blocked the bot);
RetryAfter waits as told; network errors retry with backoff and are recorded if they
finally fail. Renderers are registered per kind prefix and work on whole batches, so a
10,000-person fan-out costs a few queries per batch, not per person.
"""

from __future__ import annotations

import asyncio
import io
import logging
import uuid
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass
from typing import Any
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.journal import BatchJournal, SendJournal
from bot.services import Services
from db import deliveries
from db.deliveries import Claimed
from db.people import PersonFacts

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (1.0, 4.0, 15.0)
MAX_RETRY_AFTER = 120.0
PREPARE_AHEAD = 1  # batches claimed and rendered ahead of the one being sent
FIRST_BATCH = 200


@dataclass(frozen=True)
class Batch:
    token: str
    claimed: list[tuple[Claimed, PersonFacts]]
    rendered: dict[int, Outgoing | None]
    journal: BatchJournal


@dataclass(frozen=True)
class Attachment:
    """What follows a delivery's text: a photo (the digest chart), a document, or another text."""

    kind: str  # "photo" | "document" | "text"
    content: bytes
    filename: str
    caption: str | None = None


@dataclass(frozen=True)
class Outgoing:
    text: str
    reply_markup: InlineKeyboardMarkup | None = None
    parse_mode: str | None = None
    attachments: tuple[Attachment, ...] = ()


# Renders a batch: {delivery id: message, or None when it is no longer relevant}.
Renderer = Callable[[AsyncSession, Services, list[tuple[Claimed, PersonFacts]]], Awaitable[dict[int, Outgoing | None]]]


async def send_attachment(bot: Any, chat_id: int, item: Attachment) -> object:
    """One attachment of an Outgoing, the same way from a fan-out and from a command."""
    if item.kind == "text":
        return await bot.send_message(chat_id, item.content.decode("utf-8"))
    send = bot.send_photo if item.kind == "photo" else bot.send_document
    return await send(chat_id, io.BytesIO(item.content), caption=item.caption, filename=item.filename)


def retry_after_seconds(error: RetryAfter) -> float:
    """PTB 22 is moving retry_after from int to timedelta; accept both without the warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class DeliveryEngine:
    def __init__(
        self, bot: object, services: Services, renderers: dict[str, Renderer], journal: SendJournal, concurrency: int = 20
    ) -> None:
        self.bot = bot
        self.services = services
        self.renderers = renderers
        self.journal = journal
        self.concurrency = concurrency
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep  # tests drive time instead
        # SQLite has one writer at a time: the claim of the next batch and the record of the
        # last take turns here rather than sleeping in SQLite's busy handler (up to 100 ms a go).
        self._writing: AbstractAsyncContextManager[object] = (
            asyncio.Lock() if services.db.dialect == "sqlite" else nullcontext()
        )

    async def send_due(self, now: datetime, still_leading: Callable[[], bool] = lambda: True) -> Counter[str]:
        """Send every delivery due at `now`, batch by batch, until none is left or this
        instance stops leading (the batches it claimed are still sent and recorded).

        Three stages overlap: a producer claims and renders up to PREPARE_AHEAD batches ahead,
        this loop sends one batch, and the previous batch is recorded meanwhile, so database
        work hides behind sending instead of adding to it. Each batch's journal covers it from
        its claim until its own record is committed.
        """
        outcome: Counter[str] = Counter()
        await self._settle_journals(now)
        ready: asyncio.Queue[Batch | None] = asyncio.Queue()
        slots = asyncio.Semaphore(PREPARE_AHEAD)
        producer = asyncio.create_task(self._produce(now, ready, slots, still_leading))
        recording: asyncio.Task[None] | None = None
        try:
            while (batch := await ready.get()) is not None:
                slots.release()
                results = await self._send_all(batch)
                outcome.update(status for status, _ in results.values())
                if recording is not None:
                    await recording
                recording = asyncio.create_task(self._record(batch, results, now))
            await producer  # re-raises what stopped it early
        finally:
            producer.cancel()
            if recording is not None:
                await recording
        return outcome

    async def _produce(
        self, now: datetime, ready: asyncio.Queue[Batch | None], slots: asyncio.Semaphore,
        still_leading: Callable[[], bool],
    ) -> None:
        """Claims and renders batches while earlier ones are sent; None marks the end."""
        limit = FIRST_BATCH  # a small first batch starts the sending sooner; the rest are full
        try:
            while True:
                await slots.acquire()
                if not still_leading():
                    log.warning("no longer leading (lease lost or not renewed) mid-fan-out: the next leader sends the rest")
                    return
                batch = await self._prepare(now, limit)
                if batch is None:
                    return
                ready.put_nowait(batch)
                limit = deliveries.CLAIM_BATCH
        finally:
            ready.put_nowait(None)

    async def _prepare(self, now: datetime, limit: int) -> Batch | None:
        """Claim the next due rows (journaled before anything is sent) and render them."""
        token = uuid.uuid4().hex
        # Shielded: a committed claim must reach the journal even if the fan-out is being
        # cancelled meanwhile, or its rows would sit in `sending` until they turn `uncertain`.
        claimed, journal = await asyncio.shield(self._claim(now, token, limit))
        if not claimed:
            return None
        async with self.services.db.session() as session:
            rendered = await self._render(session, claimed)
        return Batch(token, claimed, rendered, journal)

    async def _claim(
        self, now: datetime, token: str, limit: int
    ) -> tuple[list[tuple[Claimed, PersonFacts]], BatchJournal]:
        async with self.services.db.session() as session, self._writing:
            claimed = await deliveries.claim_due(session, now, token, limit)
            await session.commit()
        journal = self.journal.batch(token)
        if claimed:
            journal.claimed(delivery.id for delivery, _ in claimed)
        return claimed, journal

    async def _render(self, session: AsyncSession, batch: list[tuple[Claimed, PersonFacts]]) -> dict[int, Outgoing | None]:
        by_prefix: dict[str, list[tuple[Claimed, PersonFacts]]] = {}
        for delivery, person in batch:
            by_prefix.setdefault(delivery.kind.split(":", 1)[0], []).append((delivery, person))
        rendered: dict[int, Outgoing | None] = {}
        for prefix, items in by_prefix.items():
            renderer = self.renderers.get(prefix)
            if renderer is None:
                log.error("no renderer for deliveries of kind %s", prefix)
                continue
            rendered.update(await renderer(session, self.services, items))
        return rendered

    async def _send_all(self, batch: Batch) -> dict[int, tuple[str, str | None]]:
        """`concurrency` workers drain the batch: requests overlap on the network, and a
        batch costs a few tasks, not one per message."""
        results: dict[int, tuple[str, str | None]] = {}
        pending = iter(batch.claimed)

        async def worker() -> None:
            for delivery, person in pending:  # a shared iterator: each delivery is taken exactly once
                results[delivery.id] = await self._deliver(delivery, person, batch)
                # A request answered without waiting (a local Bot API, the console) must still
                # let the next batch's claim and the last one's record move, and updates in.
                await asyncio.sleep(0)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(batch.claimed)))))
        return results

    async def _deliver(self, delivery: Claimed, person: PersonFacts, batch: Batch) -> tuple[str, str | None]:
        """The text decides the delivery's status; attachments follow it, each retried on its
        own, so a failed chart never makes the text go out twice."""
        message = batch.rendered.get(delivery.id)
        if not person.active or person.chat_id is None:
            return "skipped", "person inactive or not joined"
        if message is None:
            return "skipped", "no longer relevant"
        batch.journal.attempt(delivery.id)
        status, error = await self._with_retries(
            self.bot.send_message, person.chat_id, message.text,  # type: ignore[attr-defined]
            reply_markup=message.reply_markup, parse_mode=message.parse_mode,
        )
        if status != "sent":
            return status, error
        batch.journal.sent(delivery.id)
        for item in message.attachments:
            outcome = await self._with_retries(send_attachment, self.bot, person.chat_id, item)
            if outcome[0] != "sent":
                log.warning("attachment %s to chat %s not sent: %s", item.filename, person.chat_id, outcome[1])
        return "sent", None

    async def _with_retries(
        self, request: Callable[..., Awaitable[object]], *args: Any, **kwargs: Any
    ) -> tuple[str, str | None]:
        """Forbidden: blocked. RetryAfter: wait as told. Network errors: back off, then give up."""
        error: str | None = None
        for attempt in range(len(BACKOFF_SECONDS) + 1):
            try:
                await request(*args, **kwargs)
                return "sent", None
            except Forbidden as exc:
                return "blocked", str(exc)
            except RetryAfter as exc:
                error = str(exc)
                await self.sleep(min(retry_after_seconds(exc), MAX_RETRY_AFTER))
            except BadRequest as exc:
                status = "blocked" if "chat not found" in str(exc).lower() else "failed"
                return status, str(exc)
            except NetworkError as exc:
                error = str(exc)
                if attempt < len(BACKOFF_SECONDS):
                    await self.sleep(BACKOFF_SECONDS[attempt])
            except TelegramError as exc:
                return "failed", str(exc)
        return "failed", error

    async def _record(self, batch: Batch, results: dict[int, tuple[str, str | None]], now: datetime) -> None:
        async with self.services.db.session() as session, self._writing:
            await deliveries.record_batch(session, batch.token, results, now)
            await deliveries.mark_recipients_unreachable(
                session, [d for d, (status, _) in results.items() if status == "blocked"])
            await session.commit()
        batch.journal.clear()  # the database knows now

    async def _settle_journals(self, now: datetime) -> None:
        """Batches a killed process left behind: what went out is sent, what never started
        goes back to pending, what was in flight is uncertain (never resent)."""
        for journal, state in self.journal.leftovers():
            async with self.services.db.session() as session:
                await deliveries.settle_batch(session, state.sent, state.in_flight, state.unattempted, now)
                await session.commit()
            journal.clear()
            log.warning(
                "settled an interrupted batch: %d sent, %d in flight (uncertain), %d to send again",
                len(state.sent), len(state.in_flight), len(state.unattempted),
            )
