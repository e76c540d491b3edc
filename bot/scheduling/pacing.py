"""Pacing requests at Telegram's limits: about 30 messages a second overall, one a second in
a private chat, 20 a minute in a group.

PTB's AIORateLimiter is a leaky bucket: after a pause it lets a whole second's worth of
requests out at once (59 in the first second of a fan-out at 30/s), and one 429 stops every
request for the retry_after. The Pacer instead spaces requests evenly, never lets more than
the limit out in any window of a second (with a small margin for network jitter), and waits
a 429's retry_after for that request and its chat only: the others were not refused.

It is a BaseRateLimiter, so PTB calls it before the request object; the request is marked
`attempted` only once the pacer has let it go (bot/scheduling/wire.py).

Replies go first. A request made while an update is being handled (a person waiting for an
answer) takes the next free slot ahead of every fan-out message waiting for one: during a
10,000-person fan-out `reminders.concurrency` messages always wait, and a reply behind them
would wait most of a second each time. The limits are the same for both: only the order in
which waiting requests get their slots changes (bench/interactive_bench.py measures it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.context import current_scope

log = logging.getLogger(__name__)

# Telegram's window is its own clock, ours is departures: requests leave a few milliseconds
# apart in time and arrive a few milliseconds apart differently, so a window is kept a little
# longer than a second here than there.
WINDOW_MARGIN = 1.03
PRIVATE_CHAT_SECONDS = 1.0
GROUP_CHAT_SECONDS = 3.0  # 20 a minute
_PRUNE_AT = 4096  # chats remembered before the ones long past are forgotten


def retry_after_seconds(error: RetryAfter) -> float:
    """PTB 22 is moving retry_after from int to timedelta; read the private field it keeps."""
    value = error._retry_after  # noqa: SLF001 - the public property warns about the type change
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class _Chat:
    __slots__ = ("turn", "free_at")

    def __init__(self) -> None:
        self.turn = asyncio.Lock()
        self.free_at = 0.0


class Pacer(BaseRateLimiter[int]):
    def __init__(
        self, per_second: float, max_retries: int = 3, *,
        clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.limit = max(1, int(per_second))  # requests in any window
        self.window = WINDOW_MARGIN * self.limit / per_second
        self.interval = self.window / self.limit
        self.max_retries = max_retries
        self.clock, self.sleep = clock, sleep  # tests drive time instead
        self._departures: deque[float] = deque(maxlen=self.limit)
        self._next = 0.0
        self._turn = _Turn()  # replies first, then the rest in the order they asked
        self._chats: dict[int | str, _Chat] = {}

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        chat = _chat_key(data.get("chat_id"))
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            if chat is not None and endpoint.startswith("send"):
                await self._chat_turn(chat)
            elif chat is not None:
                await self._overall_turn()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                wait = retry_after_seconds(exc)
                log.info("Telegram asked to wait %.1f s before repeating %s", wait, endpoint)
                if chat is not None:  # the chat's next message waits too
                    state = self._chat(chat)
                    state.free_at = max(state.free_at, self.clock() + wait)
                await self.sleep(wait)
        raise AssertionError("unreachable")

    def _chat(self, chat: int | str) -> _Chat:
        state = self._chats.get(chat)
        if state is None:
            if len(self._chats) >= _PRUNE_AT:
                now = self.clock()
                self._chats = {k: v for k, v in self._chats.items() if v.turn.locked() or v.free_at > now}
            state = self._chats[chat] = _Chat()
        return state

    async def _chat_turn(self, chat: int | str) -> None:
        """One message a second to a private chat, one every three to a group: the chat's
        next message may leave only that long after this one has left the overall queue."""
        spacing = (GROUP_CHAT_SECONDS if _is_group(chat) else PRIVATE_CHAT_SECONDS) * WINDOW_MARGIN
        state = self._chat(chat)
        async with state.turn:
            wait = state.free_at - self.clock()
            if wait > 0:
                await self.sleep(wait)
            left = await self._overall_turn()
            state.free_at = max(state.free_at, left + spacing)

    async def _overall_turn(self) -> float:
        """Evenly spaced, and never more than `limit` in any `window`: slots are kept on a grid
        (a late wake-up does not push the next slot later), and after a stall of the event
        loop the window check keeps the catch-up from bunching past the limit. Returns the
        moment the request was let go."""
        async with self._turn.taken(urgent=current_scope() is not None):
            now = self.clock()
            wait = self._next - now
            if len(self._departures) == self.limit:
                wait = max(wait, self._departures[0] + self.window - now)
            if wait > 0:
                await self.sleep(wait)
                now = self.clock()
            self._departures.append(now)
            self._next = max(self._next, now - self.interval / 2) + self.interval
            return now


class _Turn:
    """A lock with two queues: an urgent waiter gets the lock before any other waiter, and
    each queue is first come, first served."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._rest: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def taken(self, urgent: bool) -> AsyncIterator[None]:
        await self._acquire(urgent)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, urgent: bool) -> None:
        if not self._held and not self._urgent and not self._rest:
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._urgent if urgent else self._rest
        queue.append(waiter)
        try:
            await waiter  # the releaser hands the lock over: _held stays True
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release()  # handed over just as we were cancelled: pass it on
            elif waiter in queue:
                queue.remove(waiter)
            raise

    def _release(self) -> None:
        for queue in (self._urgent, self._rest):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._held = False


def _chat_key(chat_id: object) -> int | str | None:
    if chat_id is None:
        return None
    try:
        return int(chat_id)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return str(chat_id)  # @channelusername


def _is_group(chat: int | str) -> bool:
    return isinstance(chat, str) or chat < 0
