"""What operators see: /healthz and /metrics over real HTTP, logs, and errors in the ops chat."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import datetime, timezone
from types import SimpleNamespace

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from telegram.ext import CommandHandler

from bot.config import ConfigError, load_config, ops_listen_address, DEFAULT_CONFIG
from bot.ops.logs import configure_logging, log_settings
from bot.ops.alerts import OpsAlerts
from bot.ops.http import OpsServer
from bot.runner import attach_ops_listener
from db.engine import Database
from tests.conftest import BotHarness

MONDAY_0830 = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)
TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text page, keyed by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body) for sample in family.samples
    }


async def listening(harness: BotHarness) -> tuple[OpsServer, str]:
    server = OpsServer(harness.app, "127.0.0.1", 0)
    port = await server.start()
    return server, f"http://127.0.0.1:{port}"


async def test_healthz_is_ok_when_the_database_answers_the_scheduler_ticks_and_the_base_is_loaded(
    harness: BotHarness,
) -> None:
    server, root = await listening(harness)
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{root}/healthz")
    finally:
        await server.stop()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and "failed" not in body
    assert set(body["checks"]) == {"database", "scheduler", "knowledge"}
    assert body["checks"]["knowledge"].startswith("ok: ")


async def test_healthz_fails_naming_the_scheduler_when_it_stopped_ticking(harness: BotHarness) -> None:
    harness.app.scheduler.last_beat = time.time() - 10 * harness.services.config.reminders.tick_seconds
    server, root = await listening(harness)
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{root}/healthz")
            harness.app.scheduler.beat()  # a tick: healthy again
            again = await client.get(f"{root}/healthz")
    finally:
        await server.stop()
    assert response.status_code == 503
    assert response.json()["status"] == "fail" and response.json()["failed"] == ["scheduler"]
    assert "last tick" in response.json()["checks"]["scheduler"]
    assert again.status_code == 200


async def test_healthz_fails_naming_the_database_when_it_does_not_answer(harness: BotHarness) -> None:
    real = harness.services.db
    harness.services.db = Database("postgresql+psycopg://nobody:secret@127.0.0.1:1/nothing")
    server, root = await listening(harness)
    try:
        async with httpx.AsyncClient() as client:
            response = await client.get(f"{root}/healthz")
    finally:
        await server.stop()
        await harness.services.db.dispose()
        harness.services.db = real
    assert response.status_code == 503
    assert response.json()["failed"] == ["database"]
    assert "secret" not in response.text and "nobody" not in response.text  # never the URL


async def test_metrics_count_updates_questions_deliveries_and_ticks(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre = await harness.join("C01")
    before = samples((await _scrape_once(harness)).text)
    app = harness.app
    await app.start()  # updates through the real update queue and processor, as polling feeds them
    try:
        update = harness.chat._message(cadre, text="三会一课多久开一次")  # noqa: SLF001
        mark = len(harness.request.outbox)
        await app.update_queue.put(_update(harness, {"message": update}))
        await _until(lambda: len(harness.request.outbox) > mark)
    finally:
        await app.stop()
    harness.set_time(MONDAY_0830)
    await app.scheduler.run_job(SimpleNamespace(application=app))  # type: ignore[arg-type]
    page = await _scrape_once(harness)
    assert page.headers["content-type"].startswith("text/plain")
    after = samples(page.text)

    def grew(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert grew("cadrebot_updates_total", type="message") == 1
    assert grew("cadrebot_questions_total", outcome="answer") == 1
    assert grew("cadrebot_deliveries_total", status="sent") >= 1  # the Monday reminder to the joined cadre
    assert grew("cadrebot_tick_duration_seconds_count") == 1
    assert after[("cadrebot_last_tick_timestamp_seconds", ())] >= before[("cadrebot_last_tick_timestamp_seconds", ())]
    assert ("cadrebot_deliveries_open", (("status", "pending"),)) in after
    assert ("cadrebot_active_conversations", ()) in after
    assert all(name.startswith("cadrebot_") for name, _ in after)


async def test_the_runner_serves_the_listener_from_start_up_until_shutdown(harness: BotHarness) -> None:
    app = harness.app
    attach_ops_listener(app, ("127.0.0.1", 0))
    await app.post_init(app)  # type: ignore[misc]
    root = f"http://127.0.0.1:{app.ops_server.port}"  # type: ignore[attr-defined]
    try:
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{root}/healthz")).status_code == 200
            assert "cadrebot_updates_total" in (await client.get(f"{root}/metrics")).text
            assert (await client.get(f"{root}/nothing")).status_code == 404
    finally:
        await app.post_shutdown(app)  # type: ignore[misc]
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(f"{root}/healthz")


def test_ops_address_is_host_port_or_off() -> None:
    assert ops_listen_address("127.0.0.1:9090") == ("127.0.0.1", 9090)
    assert ops_listen_address("[::1]:9100") == ("::1", 9100)
    assert ops_listen_address(":9090") == ("", 9090)
    assert ops_listen_address("off") is None and ops_listen_address("127.0.0.1:0") is None
    assert load_config(DEFAULT_CONFIG, env={}).bot.ops_listen == ("127.0.0.1", 9090)
    assert load_config(DEFAULT_CONFIG, env={"CADREBOT_OPS_ADDR": "off"}).bot.ops_listen is None
    assert load_config(DEFAULT_CONFIG, env={"CADREBOT_OPS_ADDR": "0.0.0.0:9200"}).bot.ops_listen == ("0.0.0.0", 9200)
    with pytest.raises(ConfigError, match="bot.ops_addr"):
        load_config(DEFAULT_CONFIG, env={"CADREBOT_OPS_ADDR": "9090"})


def test_log_level_and_format_come_from_the_environment() -> None:
    assert log_settings({}) == (logging.INFO, "text")
    assert log_settings({"CADREBOT_LOG_LEVEL": "debug", "CADREBOT_LOG_FORMAT": "JSON"}) == (logging.DEBUG, "json")
    with pytest.raises(ConfigError, match="CADREBOT_LOG_LEVEL"):
        log_settings({"CADREBOT_LOG_LEVEL": "loud"})
    with pytest.raises(ConfigError, match="CADREBOT_LOG_FORMAT"):
        log_settings({"CADREBOT_LOG_FORMAT": "xml"})


@pytest.mark.parametrize("form", ["text", "json"])
def test_logs_never_print_the_token_and_keep_apscheduler_and_httpx_quiet(form: str) -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        handler = configure_logging(logging.DEBUG, form, secrets=[TOKEN, None])
        stream = io.StringIO()
        handler.setStream(stream)  # type: ignore[attr-defined]
        log = logging.getLogger("cadrebot.test")
        log.info("POST https://api.telegram.org/bot%s/sendMessage", TOKEN)
        try:
            raise RuntimeError(f"failed at /bot{TOKEN}/getMe")
        except RuntimeError:
            log.exception("with a traceback")
        logging.getLogger("apscheduler.scheduler").info("Running job …")
        logging.getLogger("httpx").info("HTTP Request: POST …")
        lines = stream.getvalue().splitlines()
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    output = "\n".join(lines)
    assert TOKEN not in output and "<token>" in output
    assert "Running job" not in output and "HTTP Request" not in output
    if form == "json":
        entries = [json.loads(line) for line in lines]
        assert entries[0]["level"] == "INFO" and entries[0]["logger"] == "cadrebot.test"
        assert "RuntimeError" in entries[1]["exception"]


async def test_an_error_reaches_the_ops_chat_with_its_trace_but_not_what_was_typed(harness: BotHarness) -> None:
    ops_chat = -100_555
    harness.services.config = harness.services.config.model_copy(
        update={"bot": harness.services.config.bot.model_copy(update={"ops_chat_id": ops_chat})})
    await harness.import_roster()
    user = await harness.join("C01")

    async def explode(update, context):  # type: ignore[no-untyped-def]
        raise ValueError(f"invalid literal: {update.message.text}")  # as int() would quote it

    harness.app.add_handler(CommandHandler("boom", explode), group=0)
    harness.app.handlers[0].insert(0, harness.app.handlers[0].pop())
    replies = await harness.send(user, "/boom 我的私密谈话要点")
    again = await harness.send(user, "/boom 第二次")

    alerts = [m for m in replies + again if m.chat_id == ops_chat]
    assert len(alerts) == 1  # the same error again within a minute is held back, then counted
    alert = alerts[0].text
    assert "ValueError" in alert and "explode" in alert and "command /boom" in alert
    assert "私密" not in alert and "第二次" not in alert
    assert any("出了点问题" in m.text for m in replies if m.chat_id == user.user_id)


async def test_held_back_alerts_are_counted_in_the_next_one() -> None:
    sent: list[str] = []
    clock = [0.0]

    class Bot:
        async def send_message(self, chat_id: int, text: str) -> None:
            sent.append(text)

    alerts = OpsAlerts(Bot(), -1, clock=lambda: clock[0])
    error = RuntimeError("x")
    assert await alerts.send("k", "tick", "RuntimeError", error)
    assert not await alerts.send("k", "tick", "RuntimeError", error)
    assert not await alerts.send("k", "tick", "RuntimeError", error)
    clock[0] = 61
    assert await alerts.send("k", "tick", "RuntimeError", error)
    assert len(sent) == 2 and "2" in sent[1] and "more like it" in sent[1]


async def _scrape_once(harness: BotHarness) -> httpx.Response:
    server, root = await listening(harness)
    try:
        async with httpx.AsyncClient() as client:
            return await client.get(f"{root}/metrics")
    finally:
        await server.stop()


def _update(harness: BotHarness, payload: dict):  # type: ignore[no-untyped-def]
    from telegram import Update

    return Update.de_json({"update_id": next(harness.chat._update_ids), **payload}, harness.app.bot)  # noqa: SLF001


async def _until(condition, limit: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    """Wait for something the bot does; the limit only turns a hang into a failure."""
    import asyncio

    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the bot did not get there")
        await asyncio.sleep(0.01)
