"""End to end: the real `cadrebot run` is killed (SIGKILL) in the middle of a reminder fan-out
and started again; every cadre gets the reminder once, except at most the requests that were
on the wire at the kill, which the database marks uncertain and nobody resends."""

from __future__ import annotations

import os
import signal
from collections import Counter
from pathlib import Path

from tests.fanout_run import delivery_states, fanout_config, seed, settled, wait_for

PEOPLE = 150
CONCURRENCY = 20


def reminders_received(emulator, token: str) -> Counter[int]:  # type: ignore[no-untyped-def]
    return Counter(emulator.adapter.snapshot(token, lambda b: [
        chat for (chat, _), message in b.messages.items() if message["kind"] == "text" and "该学习了" in message["plain"]]))


def test_a_bot_killed_mid_fan_out_and_restarted_sends_each_reminder_once(start_bot, emulator, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'e2e.db'}"
    seed(url, PEOPLE)
    config = {"CADREBOT_CONFIG": str(fanout_config(tmp_path, lease_seconds=5, concurrency=CONCURRENCY))}
    first = start_bot(config)
    assert wait_for(lambda: sum(reminders_received(emulator, first.token).values()) >= PEOPLE // 3, timeout=60), \
        first.log_tail()
    os.killpg(first.proc.pid, signal.SIGKILL)
    first.proc.wait(10)
    before = sum(reminders_received(emulator, first.token).values())
    assert before < PEOPLE

    again = start_bot(config, token=first.token)  # the same bot: it takes over once the dead one's lease lapses
    assert wait_for(lambda: settled(url), timeout=90, every=0.2), again.log_tail()
    received = reminders_received(emulator, first.token)
    counts, by_chat = delivery_states(url)
    uncertain = {chat for chat, status in by_chat.items() if status == "uncertain"}
    assert len(by_chat) == PEOPLE and max(received.values()) == 1  # nobody twice
    assert len(uncertain) <= CONCURRENCY and {chat for chat in by_chat if not received[chat]} <= uncertain
    assert counts["sent"] + counts["uncertain"] == PEOPLE
    assert again.api_errors() == []
