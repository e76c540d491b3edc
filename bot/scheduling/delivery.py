"""Sending what the scheduler planned: claim due delivery rows, render them, send each once.

A producer claims due rows a batch at a time, never more than the sender can send within
one lease period at the configured pace, and renders them in bulk (a few queries a batch,
not per person); `concurrency` workers send them. Each message's row is marked `attempted`
by the request layer (bot/scheduling/wire.py) once PTB's rate limiter has let the request go, and
`sent` when Telegram confirms it: one small commit each, so after a crash the database says
exactly what may have gone out. Forbidden marks a person unreachable (they blocked the bot);
RetryAfter waits as told; a failure before the request left is retried with backoff; a lost
answer (read timeout, reset) makes the row `uncertain`, never resent.

`stop()` (SIGTERM) ends a fan-out gracefully: nothing more is claimed or let onto the wire,
requests already on it get STOP_GRACE_SECONDS to be answered, and every claimed row not
attempted goes back to pending for the next start or the standby.
"""

from __future__ import annotations

import asyncio
import io
import logging
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager, nullcontext, suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError, TimedOut

from bot.scheduling.pacing import retry_after_seconds
from bot.services import Services
from bot.scheduling.wire import Uncertain, Withheld, on_the_wire
from db import deliveries
from db.deliveries import Claimed
from db.people import PersonFacts

log = logging.getLogger(__name__)

BACKOFF_SECONDS = (1.0, 4.0, 15.0)
MAX_RETRY_AFTER = 120.0
FIRST_BATCH = 200  # a small first claim starts the sending sooner
STOP_GRACE_SECONDS = 5.0  # how long requests on the wire may take to be answered after stop()


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


@dataclass(slots=True)
class _Item:
    delivery: Claimed
    person: PersonFacts
    message: Outgoing | None
    token: str


@dataclass
class _Run:
    """One call of send_due: what it claimed, what is waiting to be sent."""

    now: datetime
    still_leading: Callable[[], bool]
    queue: asyncio.Queue[_Item | None] = field(default_factory=asyncio.Queue)
    tokens: list[str] = field(default_factory=list)
    taken: asyncio.Event = field(default_factory=asyncio.Event)  # a worker took an item
    over: asyncio.Event = field(default_factory=asyncio.Event)  # the workers are done
    uncertain: list[int] = field(default_factory=list)  # person ids


class _Ticket:
    """One message's marks, called by the request layer (bot/scheduling/wire.Ticket). They never raise:
    an exception inside a request would reach PTB as a network error, and be retried."""

    __slots__ = ("engine", "delivery_id", "token", "used", "confirmed")

    def __init__(self, engine: DeliveryEngine, delivery_id: int, token: str) -> None:
        self.engine, self.delivery_id, self.token = engine, delivery_id, token
        self.used = False  # the request reached the request layer
        self.confirmed = False

    async def leaving(self) -> bool:
        self.used = True
        if self.engine.stopping:
            return False
        try:
            marked = await self.engine.mark_attempted(self.delivery_id, self.token)
        except Exception:
            log.exception("could not mark delivery %s attempted: not sending it", self.delivery_id)
            return False
        if marked:
            self.engine.on_the_wire.add(self.delivery_id)
        return marked

    async def answered(self, delivered: bool) -> None:
        self.engine.on_the_wire.discard(self.delivery_id)
        try:
            if delivered:
                self.confirmed = await self.engine.write(
                    deliveries.confirm_sent, self.delivery_id, self.token, self.engine.now())
            else:
                await self.engine.write(deliveries.mark_unattempted, self.delivery_id, self.token)
        except Exception:  # the row stays attempted: at worst uncertain, never sent twice
            log.exception("could not record Telegram's answer for delivery %s", self.delivery_id)

    async def not_sent(self) -> None:
        await self.answered(False)


class DeliveryEngine:
    def __init__(
        self, bot: object, services: Services, renderers: dict[str, Renderer], *,
        concurrency: int = 20, pace: float = 25.0, lease_seconds: float = 45.0,
    ) -> None:
        self.bot = bot
        self.services = services
        self.renderers = renderers
        self.concurrency = concurrency
        # Claim no further ahead than can be sent within one lease at the configured pace.
        self.ahead = max(concurrency, int(pace * lease_seconds))
        self._stop = asyncio.Event()
        self._closing: set[asyncio.Task[None]] = set()  # connections of marks, on their way back to the pool
        self.on_the_wire: set[int] = set()  # deliveries whose request is written and not yet answered
        self.sleep: Callable[[float], Awaitable[None]] = self._sleep_unless_stopped  # tests drive time instead
        # SQLite has one writer at a time: the marks take turns here rather than sleeping in
        # SQLite's busy handler (up to 100 ms a go).
        self._writing: AbstractAsyncContextManager[object] = (
            asyncio.Lock() if services.db.dialect == "sqlite" else nullcontext()
        )

    def now(self) -> datetime:
        return self.services.now()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> None:
        """Stop sending (SIGTERM): see the module docstring."""
        self._stop.set()

    async def write(self, statement: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """One statement of db.deliveries in its own small transaction."""
        async with self.services.db.session() as session, self._writing:
            result = await statement(session, *args)
            await session.commit()
        return result

    async def mark_attempted(self, delivery_id: int, token: str) -> bool:
        """The mark made just before a request is written. Between its commit and the write a
        kill loses the message (marked, never sent: uncertain), so nothing else happens in
        between: the connection goes back to the pool only after the request is on its way."""
        async with self._writing:
            connection = await self.services.db.engine.connect()
            try:
                marked = await deliveries.mark_attempted(connection, delivery_id, token, self.now())
                await connection.commit()
            except BaseException:
                await connection.close()
                raise
        self._closing.add(closing := asyncio.create_task(connection.close()))
        closing.add_done_callback(self._closing.discard)
        return marked

    async def send_due(self, now: datetime, still_leading: Callable[[], bool] = lambda: True) -> Counter[str]:
        """Send every delivery due at `now` until none is left, this instance stops leading
        or stop() is called. Cancelled, it writes nothing more, as if the process had died:
        the next leader sorts out what it left (db.deliveries.settle_orphans)."""
        outcome: Counter[str] = Counter()
        if self.stopping:
            return outcome
        run = _Run(now, still_leading)
        producer = asyncio.create_task(self._produce(run))
        workers = [asyncio.create_task(self._work(run, outcome)) for _ in range(self.concurrency)]
        try:
            await self._until_done_or_stopped(workers)
            run.over.set()
            run.taken.set()  # a producer waiting for the queue to drain looks again, and ends
            failure = (await asyncio.gather(producer, return_exceptions=True))[0]
        except BaseException:
            for task in (producer, *workers):
                task.cancel()
            # Gone before the tick's own cancellation goes on, like the renewal in Scheduler.tick:
            # nothing of this fan-out outlives it (a cancelled worker writes nothing more).
            await asyncio.gather(producer, *workers, return_exceptions=True)
            raise
        released = await self.write(deliveries.release, run.tokens)
        if self._closing:  # the marks' connections are back in the pool before the tick ends
            await asyncio.wait(set(self._closing))
        if released:
            log.warning("%d claimed deliveries not sent (%s): back to pending for the next sender",
                        released, "stopping" if self.stopping else "no longer leading")
        if run.uncertain:
            log.warning("%d deliveries uncertain (the request was on the wire and its answer was lost; not resent), "
                        "person ids %s", len(run.uncertain), sorted(run.uncertain))
        if isinstance(failure, BaseException):
            raise failure
        return outcome

    async def _until_done_or_stopped(self, workers: list[asyncio.Task[None]]) -> None:
        """All workers done; or, after stop(), those with a request on the wire given the grace
        period and the rest cancelled (nothing they hold has left: their tickets refuse)."""
        stopped = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({*workers, stopped}, return_when=asyncio.FIRST_COMPLETED)
            while not stopped.done() and not all(w.done() for w in workers):
                await asyncio.wait({*workers, stopped}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if self.stopping:
            _, late = await asyncio.wait(workers, timeout=STOP_GRACE_SECONDS)
            if self.on_the_wire:
                log.warning("stopping: %d requests unanswered after %.0f s are left uncertain (delivery ids %s)",
                            len(self.on_the_wire), STOP_GRACE_SECONDS, sorted(self.on_the_wire))
            for worker in late:
                worker.cancel()
            await asyncio.gather(*late, return_exceptions=True)
        for worker in workers:
            if not worker.cancelled() and worker.exception() is not None:
                raise worker.exception()  # type: ignore[misc]

    def _carry_on(self, run: _Run) -> bool:
        return not self.stopping and run.still_leading()

    async def _produce(self, run: _Run) -> None:
        """Claims and renders while earlier claims are sent; the queue never holds more than
        `ahead` rows, and is topped up once it has drained to half."""
        limit = min(FIRST_BATCH, self.ahead)
        try:
            while self._carry_on(run):
                items = await self._claim(run, limit)
                if not items:
                    return
                for item in items:
                    run.queue.put_nowait(item)
                while run.queue.qsize() > self.ahead // 2 and not run.over.is_set() and self._carry_on(run):
                    run.taken.clear()
                    await run.taken.wait()
                if run.over.is_set():
                    return
                limit = max(1, min(deliveries.CLAIM_BATCH, self.ahead - run.queue.qsize() - self.concurrency))
            if not self.stopping:
                log.warning("no longer leading (lease lost or not renewed) mid-fan-out: the next leader sends the rest")
        finally:
            for _ in range(self.concurrency):
                run.queue.put_nowait(None)

    async def _claim(self, run: _Run, limit: int) -> list[_Item]:
        token = uuid.uuid4().hex
        run.tokens.append(token)  # before the claim commits: released even if rendering fails
        async with self.services.db.session() as session, self._writing:
            claimed = await deliveries.claim_due(session, run.now, token, limit)
            await session.commit()
        if not claimed:
            return []
        async with self.services.db.session() as session:
            rendered = await self._render(session, claimed)
        return [_Item(delivery, person, rendered.get(delivery.id), token) for delivery, person in claimed]

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

    async def _work(self, run: _Run, outcome: Counter[str]) -> None:
        while self._carry_on(run):
            item = await run.queue.get()
            run.taken.set()
            if item is None:
                return
            if not self._carry_on(run):
                return  # the item stays claimed: released at the end
            try:
                status = await self._deliver(item)
            except Exception:
                log.exception("delivery %s failed unexpectedly", item.delivery.id)
                status = "error"
            if status == "uncertain":
                run.uncertain.append(item.person.id)
            outcome[status] += 1
            # A request answered without waiting (a local Bot API, the console) must still
            # let the producer's claim move, and updates in.
            await asyncio.sleep(0)

    async def _deliver(self, item: _Item) -> str:
        """The text decides the delivery's status; attachments follow it, each retried on its
        own, so a failed chart never makes the text go out twice."""
        delivery, person, message = item.delivery, item.person, item.message
        if not person.active or person.chat_id is None:
            await self.write(deliveries.finish, delivery.id, item.token, "skipped", "person inactive or not joined")
            return "skipped"
        if message is None:
            await self.write(deliveries.finish, delivery.id, item.token, "skipped", "no longer relevant")
            return "skipped"
        ticket = _Ticket(self, delivery.id, item.token)
        status, error = await self._with_retries(
            ticket, self.bot.send_message, person.chat_id, message.text,  # type: ignore[attr-defined]
            reply_markup=message.reply_markup, parse_mode=message.parse_mode,
        )
        self.on_the_wire.discard(delivery.id)  # answered, or its answer is lost for good
        if status == "sent":
            if not ticket.confirmed:
                await self._confirm_unwired(ticket)
            for attachment in message.attachments:
                result = await self._with_retries(None, send_attachment, self.bot, person.chat_id, attachment)
                if result[0] != "sent":
                    log.warning("attachment %s to chat %s not sent (%s): %s",
                                attachment.filename, person.chat_id, result[0], result[1])
            return "sent"
        if status == "withheld":
            return status  # still claimed (released at the end), or another leader's now
        await self.write(deliveries.finish, delivery.id, item.token, status, error)
        if status == "blocked":
            await self.write(deliveries.mark_recipients_unreachable, [delivery.id])
        elif status == "uncertain":
            log.warning("delivery %s (%s) to person %s is uncertain, not resent: %s",
                        delivery.id, delivery.kind, person.id, error)
        return status

    async def _confirm_unwired(self, ticket: _Ticket) -> None:
        """Sent, but not recorded by the request layer: its commit failed, or the bot's request
        object is not a WireRequest (then nothing fenced the send; say so)."""
        if not ticket.used:
            log.error("the bot's request object does not mark deliveries (not a bot.scheduling.wire.WireRequest)")
            await self.write(deliveries.mark_attempted, ticket.delivery_id, ticket.token, self.now())
        if not await self.write(deliveries.confirm_sent, ticket.delivery_id, ticket.token, self.now()):
            log.error("delivery %s was sent but could not be recorded as sent", ticket.delivery_id)

    async def _with_retries(
        self, ticket: _Ticket | None, request: Callable[..., Awaitable[object]], *args: Any, **kwargs: Any
    ) -> tuple[str, str | None]:
        """Forbidden: blocked. RetryAfter: wait as told. A failure before the request left, or
        a server error Telegram answered with (502 …): back off, then give up. A lost answer:
        uncertain, at once. Withheld: the ticket said not to send."""
        error: str | None = None
        for attempt in range(len(BACKOFF_SECONDS) + 1):
            context = on_the_wire.set(ticket)
            try:
                await request(*args, **kwargs)
                return "sent", None
            except Withheld as exc:
                return "withheld", str(exc)
            except Forbidden as exc:
                return "blocked", str(exc)
            except RetryAfter as exc:
                error = str(exc)
                await self._pause(min(retry_after_seconds(exc), MAX_RETRY_AFTER))
            except BadRequest as exc:
                status = "blocked" if "chat not found" in str(exc).lower() else "failed"
                return status, str(exc)
            except (Uncertain, TimedOut) as exc:  # TimedOut: a request layer that does not sort its failures
                return "uncertain", str(exc)
            except NetworkError as exc:  # NotSent, or an error status Telegram answered with
                error = str(exc)
                if attempt < len(BACKOFF_SECONDS):
                    await self._pause(BACKOFF_SECONDS[attempt])
            except TelegramError as exc:
                return "failed", str(exc)
            finally:
                on_the_wire.reset(context)
            if self.stopping:
                return "withheld", error  # not on the wire now: the next sender tries again
        return "failed", error

    async def _pause(self, seconds: float) -> None:
        await self.sleep(seconds)

    async def _sleep_unless_stopped(self, seconds: float) -> None:
        """A back-off that stop() cuts short."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
