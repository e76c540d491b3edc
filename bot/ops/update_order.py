"""Several updates at once, each chat's in order: PTB's concurrent_updates with a per-chat queue.

PTB's default handles one update at a time, so one slow update (a chart, a workbook, a
RetryAfter wait) delays every other person. Its SimpleUpdateProcessor runs them all at once
instead, but then two messages of one chat may be handled out of order or at the same time:
a /study answer overtaking the step that asked for it, two presses of one button both
confirming. ChatOrderedProcessor runs up to `workers` updates at once, never two of one chat,
and a chat's updates in the order they arrived.

PTB calls process_update for each update in arrival order (one task each, started in order)
and holds its own semaphore around it; ours is set far higher than `workers` so that updates
waiting for their chat do not hold a worker: the chat lock (FIFO) is taken first, the worker
slot second. Updates without a chat (none that we allow today) are keyed by their user, or
run unordered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from bot.ops import metrics

# How many updates may wait for their chat or a worker before PTB itself holds the next back.
WAITING_ROOM = 1024


def order_key(update: object) -> int | None:
    """The chat an update belongs to: updates with the same key are handled one after another."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    if update.effective_user is not None:
        return update.effective_user.id
    return None


class _ChatTurn:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = asyncio.Lock()
        self.users = 0  # updates holding or waiting for the lock; the entry goes at zero


class ChatOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, workers: int) -> None:
        super().__init__(max(WAITING_ROOM, workers))
        self.workers = workers
        self._slots = asyncio.Semaphore(workers)
        self._chats: dict[int, _ChatTurn] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        metrics.UPDATES.labels(metrics.update_kind(update)).inc()
        key = order_key(update)
        if key is None:
            await self._run(coroutine)
            return
        turn = self._chats.get(key)
        if turn is None:
            turn = self._chats[key] = _ChatTurn()
        turn.users += 1
        try:
            async with turn.lock:  # asyncio.Lock wakes its waiters first come, first served
                await self._run(coroutine)
        finally:
            turn.users -= 1
            if turn.users == 0:
                del self._chats[key]

    async def _run(self, coroutine: Awaitable[Any]) -> None:
        async with self._slots:
            metrics.UPDATES_IN_FLIGHT.inc()
            try:
                await coroutine
            finally:
                metrics.UPDATES_IN_FLIGHT.dec()

    @property
    def chats_waiting(self) -> int:
        """Chats with an update being handled or waiting (tests and the metrics read it)."""
        return len(self._chats)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None
