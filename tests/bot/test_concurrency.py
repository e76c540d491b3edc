"""Several updates at once inside one instance, each chat's in order (bot/ops/update_order.py).

Updates go through PTB's real update queue and our processor, as polling and the webhook feed
them. A chart that cannot finish until the test lets it stands for a slow one: nothing here
measures time (the latency figures are in bench/interactive_bench.py).
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from typing import Any

from telegram import Update

import bot.digests.delivery as digest_delivery
from bot.ops.update_order import ChatOrderedProcessor
from tests.conftest import BotHarness

QUESTION = "三会一课多久开一次"


def _update(harness: BotHarness, user, text: str) -> Update:  # type: ignore[no-untyped-def]
    message = harness.chat._message(user, text=text)  # noqa: SLF001
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return Update.de_json({"update_id": next(harness.chat._update_ids), "message": message}, harness.app.bot)  # noqa: SLF001


async def _until(condition, what: str, limit: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for something the bot does; the limit only turns a hang into a failure."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"never happened: {what}")
        await asyncio.sleep(0.01)


class HeldChart:
    """unit_progress_chart that starts, then waits in its thread until the test releases it."""

    def __init__(self) -> None:
        self.real = digest_delivery.unit_progress_chart
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> bytes:
        self.started.set()
        self.release.wait(60)
        return self.real(*args, **kwargs)


async def test_a_question_is_answered_while_another_users_digest_chart_is_being_built(
    harness: BotHarness, monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    await harness.import_roster()
    supervisor, cadre = await harness.join("S01"), await harness.join("C01")
    chart = HeldChart()
    monkeypatch.setattr(digest_delivery, "unit_progress_chart", chart)
    outbox = harness.request.outbox
    del outbox[:]  # the joins' replies
    app = harness.app
    await app.start()
    try:
        await app.update_queue.put(_update(harness, supervisor, "/digest"))
        await _until(chart.started.is_set, "the digest chart started")
        await app.update_queue.put(_update(harness, supervisor, "/help"))  # same chat: waits its turn
        await app.update_queue.put(_update(harness, cadre, QUESTION))
        await _until(lambda: any(m.chat_id == cadre.user_id for m in outbox), "the cadre was answered")
        assert not any(m.chat_id == supervisor.user_id for m in outbox), "the supervisor's updates wait in order"
        assert not chart.release.is_set()  # the chart is still being built
        chart.release.set()
        await _until(lambda: sum(m.chat_id == supervisor.user_id for m in outbox) >= 3, "digest, chart and help")
    finally:
        chart.release.set()
        await app.stop()
    to_supervisor = [m for m in outbox if m.chat_id == supervisor.user_id]
    first_answer = next(i for i, m in enumerate(outbox) if m.chat_id == cadre.user_id)
    assert first_answer < outbox.index(to_supervisor[0])
    assert [m.kind for m in to_supervisor[:2]] == ["text", "photo"]  # the digest, then its chart
    help_reply = to_supervisor[2]
    assert help_reply.kind == "text" and outbox.index(help_reply) > outbox.index(to_supervisor[1])


def _fake_update(chat: int, update_id: int) -> Update:
    return Update.de_json({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "chat": {"id": chat, "type": "private"},
        "from": {"id": chat, "is_bot": False, "first_name": "x"}, "text": "t"}}, None)


async def test_two_updates_of_one_chat_are_handled_in_order_and_never_at_once() -> None:
    processor = ChatOrderedProcessor(workers=8)
    log: list[tuple[str, int, int]] = []
    running: dict[int, int] = {}
    most_at_once = 0
    rng = random.Random(5)

    async def handle(chat: int, number: int) -> None:
        nonlocal most_at_once
        running[chat] = running.get(chat, 0) + 1
        assert running[chat] == 1, "two updates of one chat at once"
        most_at_once = max(most_at_once, sum(running.values()))
        log.append(("start", chat, number))
        for _ in range(rng.randint(0, 5)):
            await asyncio.sleep(0)
        log.append(("end", chat, number))
        running[chat] -= 1

    tasks = []
    for number in range(200):
        chat = rng.choice([1, 2, 3, 4, 5, 6])
        update = _fake_update(chat, number)
        # PTB starts one task per update, in arrival order, each calling process_update.
        tasks.append(asyncio.create_task(processor.process_update(update, handle(chat, number))))
    await asyncio.gather(*tasks)

    for chat in range(1, 7):
        started = [n for kind, c, n in log if kind == "start" and c == chat]
        assert started == sorted(started)
    assert most_at_once > 1  # different chats did run side by side
    assert processor.chats_waiting == 0  # nothing kept for chats that went quiet


async def test_a_chat_waiting_for_its_turn_does_not_hold_a_worker() -> None:
    processor = ChatOrderedProcessor(workers=1)
    gate = asyncio.Event()
    done: list[str] = []

    async def slow() -> None:
        await gate.wait()
        done.append("slow")

    async def queued(name: str) -> None:
        done.append(name)

    first = asyncio.create_task(processor.process_update(_fake_update(1, 1), slow()))
    await asyncio.sleep(0)
    waiting = [asyncio.create_task(processor.process_update(_fake_update(1, n), queued(f"chat1-{n}")))
               for n in range(2, 6)]
    await asyncio.sleep(0)
    # The one worker is busy with chat 1's slow update; chat 1's next four wait for their chat,
    # not for the worker, so chat 2's update, which came after them, is next to run.
    other = asyncio.create_task(processor.process_update(_fake_update(2, 9), queued("chat2")))
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(first, *waiting, other)
    assert done == ["slow", "chat2", *(f"chat1-{n}" for n in range(2, 6))]
