"""The real `cadrebot run`, killed or stopped in the middle of a fan-out and started again,
against a Bot API stand-in that counts what each chat received: on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_bot_api import FakeBotApi, Limits
from tests.fanout_run import BotRun, delivery_states, fanout_config, seed, settled, wait_for

PEOPLE = 120
CONCURRENCY = 20


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    # Telegram's own limits: 30 a second, one a second per chat.
    with FakeBotApi(Limits(per_second=30, per_chat_seconds=1.0)) as server:
        yield server


def start(database_url: str, tmp_path: Path, api: FakeBotApi, number: int) -> BotRun:
    """The first start writes the config (its reminder due this minute); a restart reuses it."""
    config = tmp_path / "fanout-config.yaml"
    if not config.exists():
        fanout_config(tmp_path, lease_seconds=5, concurrency=CONCURRENCY)
    return BotRun(database_url, config, api.root_url, tmp_path / f"bot-{number}.log").start()


def finish_after_restart(database_url: str, tmp_path: Path, api: FakeBotApi) -> BotRun:
    again = start(database_url, tmp_path, api, 2)
    try:
        assert wait_for(lambda: settled(database_url), timeout=90, every=0.2, alive=again), again.log_text()[-3000:]
    finally:
        again.stop()
    return again


def test_a_bot_killed_mid_fan_out_is_finished_by_the_restart_and_nobody_gets_it_twice(
    database_url: str, tmp_path: Path, api: FakeBotApi
) -> None:
    seed(database_url, PEOPLE)
    first = start(database_url, tmp_path, api, 1)
    assert wait_for(lambda: api.delivered() >= PEOPLE // 3, timeout=60, alive=first), first.log_text()[-3000:]
    first.kill()  # with most of the fan-out claimed and up to twenty requests queued in the pacer
    finish_after_restart(database_url, tmp_path, api)

    received = api.snapshot().received
    counts, by_chat = delivery_states(database_url)
    assert len(by_chat) == PEOPLE and max(received.values()) == 1  # nobody twice
    uncertain = {chat for chat, status in by_chat.items() if status == "uncertain"}
    assert len(uncertain) <= CONCURRENCY
    assert {chat for chat in by_chat if received[chat] == 0} <= uncertain  # only requests on the wire may be missing
    assert counts["sent"] + counts["uncertain"] == PEOPLE
    assert api.snapshot().rejected_twice_in_a_row == 0


def test_sigterm_mid_fan_out_stops_the_bot_and_the_restart_sends_the_rest_once(
    database_url: str, tmp_path: Path, api: FakeBotApi
) -> None:
    seed(database_url, PEOPLE)
    first = start(database_url, tmp_path, api, 1)
    assert wait_for(lambda: api.delivered() >= PEOPLE // 3, timeout=60, alive=first), first.log_text()[-3000:]
    first.terminate()
    assert first.wait(60) == 0, first.log_text()[-3000:]  # it stopped by itself, cleanly
    counts, _ = delivery_states(database_url)
    assert counts["claimed"] == 0 and counts["attempted"] == 0 and counts["pending"] > 0  # the rest waits
    assert api.delivered() < PEOPLE

    finish_after_restart(database_url, tmp_path, api)
    received = api.snapshot().received
    counts, by_chat = delivery_states(database_url)
    assert counts == {"sent": PEOPLE} and all(received[chat] == 1 for chat in by_chat)
