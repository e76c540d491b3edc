"""The request layer over real HTTP: when a delivery counts as attempted, and which failures
may be sent again (the request never left) and which never (the answer was lost)."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.request import HTTPXRequest

from bot.scheduling.wire import SEND_READ_TIMEOUT, NotSent, Uncertain, Withheld, WireRequest, on_the_wire, telegram_request
from tests.fake_bot_api import FakeBotApi, Limits

TOKEN = "123456:WIRE-TEST"


class RecordingTicket:
    def __init__(self, send: bool = True) -> None:
        self.send = send
        self.calls: list[str] = []

    async def leaving(self) -> bool:
        self.calls.append("leaving")
        return self.send

    async def answered(self, delivered: bool) -> None:
        self.calls.append(f"answered {delivered}")

    async def not_sent(self) -> None:
        self.calls.append("not sent")


def bot_at(root: str, read_timeout: float = SEND_READ_TIMEOUT) -> Bot:
    """A bot whose request object is the one used against Telegram."""
    return Bot(TOKEN, base_url=f"{root}/bot", request=telegram_request(read_timeout), get_updates_request=HTTPXRequest())


async def send_with(bot: Bot, ticket: RecordingTicket) -> None:
    context = on_the_wire.set(ticket)
    try:
        await bot.send_message(42, "提醒")
    finally:
        on_the_wire.reset(context)


@pytest.fixture
async def api() -> AsyncIterator[FakeBotApi]:
    with FakeBotApi(Limits(late_share=1.0, late_seconds=0.5)) as server:
        yield server


async def test_a_send_confirmed_by_telegram_is_attempted_then_answered(api: FakeBotApi) -> None:
    async with bot_at(api.root_url) as bot:  # late by half a second: well within the read timeout
        ticket = RecordingTicket()
        await send_with(bot, ticket)
    assert ticket.calls == ["leaving", "answered True"]
    assert api.snapshot().received == {42: 1}


async def test_an_answer_lost_to_the_read_timeout_is_uncertain_though_telegram_delivered_it(api: FakeBotApi) -> None:
    async with bot_at(api.root_url, read_timeout=0.05) as bot:
        ticket = RecordingTicket()
        with pytest.raises(Uncertain):
            await send_with(bot, ticket)
    assert ticket.calls == ["leaving"]  # no answer: the row stays attempted, then uncertain
    assert api.snapshot().received == {42: 1}


async def test_a_refused_connection_never_left_and_may_be_sent_again() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = bot_at(f"http://127.0.0.1:{port}")  # not initialized: getMe would fail the same way
    ticket = RecordingTicket()
    with pytest.raises(NotSent):
        await send_with(bot, ticket)
    await bot.request.shutdown()
    assert ticket.calls == []  # it never got as far as writing: nothing was marked


async def test_without_the_trace_hook_a_request_leaves_when_it_reaches_the_request_object() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    request = WireRequest(HTTPXRequest(connect_timeout=2.0))
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=request, get_updates_request=HTTPXRequest())
    ticket = RecordingTicket()
    with pytest.raises(NotSent):
        await send_with(bot, ticket)
    await request.shutdown()
    assert ticket.calls == ["leaving", "not sent"]  # marked, then put back: the failure says it never left


async def test_a_ticket_that_says_no_keeps_the_request_from_leaving(api: FakeBotApi) -> None:
    async with bot_at(api.root_url) as bot:
        with pytest.raises(Withheld):
            await send_with(bot, RecordingTicket(send=False))
    assert api.snapshot().requests == 0


async def test_requests_of_no_delivery_pass_through_untouched(api: FakeBotApi) -> None:
    async with bot_at(api.root_url) as bot:
        await bot.send_message(7, "回复")
    assert api.snapshot().received == {7: 1}


def test_sends_wait_long_enough_for_telegrams_slow_answers() -> None:
    assert telegram_request().read_timeout == SEND_READ_TIMEOUT >= 20
