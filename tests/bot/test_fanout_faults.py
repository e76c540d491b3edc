"""A fan-out that dies, stops or loses its lease half-way, or whose answers come late: whoever
finishes it sends each message once, and only a request that was on the wire may be missing."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from telegram.error import NetworkError, TimedOut
from telegram.ext import BaseRateLimiter, ExtBot

from bot.scheduling import delivery
from bot.scheduling.scheduler import LEASE_NAME, Scheduler
from bot.scheduling.wire import WireRequest
from db import deliveries, leases
from tests.conftest import BotHarness

MONDAY_0830 = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)  # 08:30 in Shanghai
CADRES = ("C01", "C02", "C03", "S01")


async def join_everyone(harness: BotHarness) -> dict[str, object]:
    await harness.import_roster()
    return {eid: await harness.join(eid) for eid in CADRES}


def standby(harness: BotHarness) -> Scheduler:
    """Another bot instance on the same database (a restart is one too: a new instance id)."""
    current = harness.app.scheduler
    return Scheduler(harness.app.bot, harness.services, current.planners, current.engine.renderers)


class Turnstile(BaseRateLimiter[int]):
    """A rate limiter that holds every request until the test lets it through: what PTB's
    limiter does to a fan-out's requests while it paces them."""

    def __init__(self) -> None:
        self.waiting = 0
        self._gate = asyncio.Semaphore(0)

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):  # type: ignore[no-untyped-def]
        if endpoint != "sendMessage":
            return await callback(*args, **kwargs)
        self.waiting += 1
        try:
            await self._gate.acquire()
        finally:
            self.waiting -= 1
        return await callback(*args, **kwargs)

    def let_through(self, count: int = 1) -> None:
        for _ in range(count):
            self._gate.release()


async def instance_behind(harness: BotHarness, limiter: BaseRateLimiter) -> Scheduler:  # type: ignore[type-arg]
    """A second bot instance whose requests pass through `limiter`, as in production."""
    bot = ExtBot(harness.app.bot.token, request=WireRequest(harness.request), get_updates_request=harness.request,
                 rate_limiter=limiter)
    await bot.initialize()
    current = harness.app.scheduler
    return Scheduler(bot, harness.services, current.planners, current.engine.renderers)


def lease_lapsed(harness: BotHarness) -> datetime:
    """The first moment a leader that took the lease at MONDAY_0830 and never renewed it has lost it."""
    return MONDAY_0830 + timedelta(seconds=harness.services.config.reminders.lease_seconds + 1)


async def standby_ticks_once_the_lease_lapsed(harness: BotHarness):  # type: ignore[no-untyped-def]
    """The next instance's tick, once a dead (or cut-off) leader's lease has run out."""
    later = lease_lapsed(harness)
    harness.set_time(later)
    return await standby(harness).tick(later)


async def kill(task: asyncio.Task) -> None:  # type: ignore[type-arg]
    """SIGKILL, in-process: the tick is cancelled, and a cancelled fan-out writes nothing more.
    Once the tick has ended, nothing of it is still running (its workers, producer, renewal)."""
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task
    left = [t for t in asyncio.all_tasks() if not t.done()
            and t.get_coro().__qualname__.startswith(("DeliveryEngine.", "Scheduler."))]  # type: ignore[union-attr]
    assert not left, f"still running after the tick was killed: {left}"


async def reached(event: asyncio.Event, task: asyncio.Task, within: float = 60.0) -> None:  # type: ignore[type-arg]
    """Wait until the fan-out `task` gets to `event`; fail at once, with its error, if the task
    ends before it gets there (a hang here would only say that the test hung)."""
    waiting = asyncio.create_task(event.wait())
    done, _ = await asyncio.wait({waiting, task}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    if waiting in done:
        return
    waiting.cancel()
    if task in done:
        raise AssertionError(f"the fan-out ended before it got there: {task.result()!r}")
    raise AssertionError(f"the fan-out did not get there within {within} s")


async def until(condition, turns: int = 5000) -> None:  # type: ignore[no-untyped-def]
    for _ in range(turns):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("the fan-out never got there")


def one_message_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """So that whatever happens mid-fan-out lands between batches."""
    monkeypatch.setattr(delivery, "FIRST_BATCH", 1)
    monkeypatch.setattr(deliveries, "CLAIM_BATCH", 1)


def reminders_to(harness: BotHarness, user) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for m in harness.request.outbox if m.chat_id == user.user_id and "周一例会" in m.text)


def reminder_requests(harness: BotHarness) -> int:
    return sum(1 for method, params in harness.request.calls if method == "sendMessage" and "周一例会" in params["text"])


class Renewals:
    """Stands in for a scheduler's sleep between lease renewals: renews at every turn of the
    event loop, and lets a test wait until a whole renewal has run after some moment."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.turns = 0
        scheduler.sleep = self.sleep

    async def sleep(self, seconds: float) -> None:
        self.turns += 1
        await asyncio.sleep(0)

    async def one_complete(self) -> None:
        """Return once a renewal has started and finished after this call (or the scheduler
        has stopped renewing: it lost the lease)."""
        target = self.turns + 2
        while self.turns < target and self.scheduler.leading:
            await asyncio.sleep(0)


async def statuses(harness: BotHarness, external_id: str) -> list[str]:
    person = await harness.person(external_id)
    async with harness.services.db.session() as session:
        return [d.status for d in await deliveries.deliveries_for(session, person.id, "reminder:monday_meeting")]


async def status_of_everyone(harness: BotHarness) -> dict[str, list[str]]:
    return {eid: await statuses(harness, eid) for eid in CADRES}


async def test_a_kill_with_messages_queued_in_the_rate_limiter_loses_none_of_them(harness: BotHarness) -> None:
    users = await join_everyone(harness)
    limiter = Turnstile()
    dying = await instance_behind(harness, limiter)
    original = harness.request.do_request
    answered_late = asyncio.Event()

    async def second_answer_never_comes(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        answer = await original(url, method, request_data, **kwargs)  # Telegram delivers it ...
        if url.endswith("/sendMessage") and reminder_requests(harness) == 2:
            answered_late.set()
            await asyncio.Event().wait()  # ... and the process dies before the answer arrives
        return answer

    harness.request.do_request = second_answer_never_comes  # type: ignore[method-assign]
    harness.set_time(MONDAY_0830)
    fan_out = asyncio.create_task(dying.tick(MONDAY_0830))
    await until(lambda: limiter.waiting == len(CADRES))  # every message waits in the limiter
    limiter.let_through(1)
    await until(lambda: reminder_requests(harness) == 1 and limiter.waiting == len(CADRES) - 1)
    limiter.let_through(1)
    await reached(answered_late, fan_out)
    await kill(fan_out)  # two messages still queued in the limiter: they never left
    harness.request.do_request = original  # type: ignore[method-assign]
    assert reminder_requests(harness) == 2

    assert await standby_ticks_once_the_lease_lapsed(harness) is not None

    assert {eid: reminders_to(harness, users[eid]) for eid in CADRES} == dict.fromkeys(CADRES, 1)
    assert reminder_requests(harness) == len(CADRES)  # nothing sent twice
    states = sorted(s for states in (await status_of_everyone(harness)).values() for s in states)
    assert states == ["sent", "sent", "sent", "uncertain"]  # the one on the wire: never resent


async def test_a_leader_killed_with_claimed_rows_hands_them_to_the_next_leader_at_once(harness: BotHarness) -> None:
    users = await join_everyone(harness)
    harness.app.scheduler.engine.concurrency = 1  # one message at a time: the moment of death is exact
    original = harness.request.do_request
    sends = 0
    in_flight = asyncio.Event()

    async def dies_on_the_third_message(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal sends
        if url.endswith("/sendMessage"):
            sends += 1
            if sends == 3:
                in_flight.set()
                await asyncio.Event().wait()  # the request is out when the process is killed
        return await original(url, method, request_data, **kwargs)

    harness.request.do_request = dies_on_the_third_message  # type: ignore[method-assign]
    harness.set_time(MONDAY_0830)
    dying = asyncio.create_task(harness.app.scheduler.tick(MONDAY_0830))
    await reached(in_flight, dying)
    await kill(dying)
    harness.request.do_request = original  # type: ignore[method-assign]
    assert sorted(reminders_to(harness, users[eid]) for eid in CADRES) == [0, 0, 1, 1]
    assert sorted(s for states in (await status_of_everyone(harness)).values() for s in states) == [
        "attempted", "claimed", "sent", "sent"]  # the fourth was claimed with the others

    # The first tick of the next leader sends the claimed row: no waiting for it to time out.
    assert await standby_ticks_once_the_lease_lapsed(harness) is not None

    received = {eid: reminders_to(harness, users[eid]) for eid in CADRES}
    assert max(received.values()) == 1, received  # nobody twice
    never = [eid for eid, count in received.items() if count == 0]
    # Only the message in flight at the kill may be missing: it is `uncertain`, never resent.
    assert len(never) == 1 and await statuses(harness, never[0]) == ["uncertain"]
    for eid in CADRES:
        if eid not in never:
            assert await statuses(harness, eid) == ["sent"], eid


async def test_a_fan_out_claims_no_further_ahead_than_one_lease_at_the_pace(harness: BotHarness) -> None:
    await join_everyone(harness)
    engine = harness.app.scheduler.engine
    settings = harness.services.config
    assert engine.ahead == int(settings.bot.rate_limit.overall_per_second * settings.reminders.lease_seconds)
    engine.concurrency, engine.ahead = 1, 2  # two rows' worth of pace in a lease
    original = harness.request.do_request
    in_flight = asyncio.Event()

    async def first_answer_never_comes(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        if url.endswith("/sendMessage"):
            in_flight.set()
            await asyncio.Event().wait()
        return await original(url, method, request_data, **kwargs)

    harness.request.do_request = first_answer_never_comes  # type: ignore[method-assign]
    harness.set_time(MONDAY_0830)
    dying = asyncio.create_task(harness.app.scheduler.tick(MONDAY_0830))
    await reached(in_flight, dying)
    await kill(dying)
    harness.request.do_request = original  # type: ignore[method-assign]
    states = sorted(s for states in (await status_of_everyone(harness)).values() for s in states)
    assert states == ["attempted", "claimed", "pending", "pending"]


async def test_a_leader_cut_off_past_its_lease_cannot_send_what_the_next_leader_took(harness: BotHarness) -> None:
    users = await join_everyone(harness)
    limiter = Turnstile()
    stalled = await instance_behind(harness, limiter)
    harness.set_time(MONDAY_0830)
    cut_off = asyncio.create_task(stalled.tick(MONDAY_0830))
    await until(lambda: limiter.waiting == len(CADRES))  # claimed, every request held up

    # The lease lapses while the leader is stuck; the next leader takes its claims and sends them.
    assert await standby_ticks_once_the_lease_lapsed(harness) is not None
    assert reminder_requests(harness) == len(CADRES)

    limiter.let_through(len(CADRES))  # the old leader comes back to life
    first = await cut_off
    assert first is not None and first["sent"] == 0 and first["withheld"] == len(CADRES)
    assert {eid: reminders_to(harness, users[eid]) for eid in CADRES} == dict.fromkeys(CADRES, 1)
    assert reminder_requests(harness) == len(CADRES)


async def test_a_late_answer_is_uncertain_and_never_sent_again(
    harness: BotHarness, caplog: pytest.LogCaptureFixture
) -> None:
    users = await join_everyone(harness)
    late = users["C02"].user_id
    original = harness.request.do_request

    async def delivered_but_answered_too_late(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        answer = await original(url, method, request_data, **kwargs)
        if url.endswith("/sendMessage") and request_data.parameters.get("chat_id") == late:
            raise TimedOut() from httpx.ReadTimeout("read timed out")  # what HTTPXRequest raises
        return answer

    harness.request.do_request = delivered_but_answered_too_late  # type: ignore[method-assign]
    harness.set_time(MONDAY_0830)
    with caplog.at_level(logging.WARNING, logger="bot.scheduling.delivery"):
        first = await harness.app.scheduler.tick(MONDAY_0830)
    harness.request.do_request = original  # type: ignore[method-assign]
    assert first is not None and first["uncertain"] == 1 and first["sent"] == len(CADRES) - 1
    assert "uncertain" in caplog.text
    assert await statuses(harness, "C02") == ["uncertain"]

    assert await harness.app.scheduler.tick(MONDAY_0830 + timedelta(minutes=5)) is not None
    assert {eid: reminders_to(harness, users[eid]) for eid in CADRES} == dict.fromkeys(CADRES, 1)
    assert reminder_requests(harness) == len(CADRES)


async def test_the_admins_digest_names_who_may_have_missed_a_message(harness: BotHarness) -> None:
    users = await join_everyone(harness)
    admin = await harness.join("A01")
    original = harness.request.do_request

    async def answer_lost_for_li_hua(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        answer = await original(url, method, request_data, **kwargs)
        if url.endswith("/sendMessage") and request_data.parameters.get("chat_id") == users["C02"].user_id:
            raise NetworkError("httpx.ReadError: reset") from httpx.ReadError("Connection reset by peer")
        return answer

    harness.request.do_request = answer_lost_for_li_hua  # type: ignore[method-assign]
    await harness.tick("2026-11-23 08:30")
    harness.request.do_request = original  # type: ignore[method-assign]
    digest = [m for m in await harness.tick("2026-11-23 09:00") if m.chat_id == admin.user_id]
    organisation = next(m for m in digest if "各单位学习周报" in m.text)
    assert "❔ 过去7天有1条定时消息未能确认送达（发送时网络中断，为免重复没有重发）：李华" in organisation.text.splitlines()


async def test_a_request_that_never_left_is_sent_again(harness: BotHarness) -> None:
    users = await join_everyone(harness)
    refused = users["C03"].user_id
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    harness.app.scheduler.engine.sleep = no_sleep
    original = harness.request.do_request
    failures = 0

    async def connection_refused_once(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal failures
        if url.endswith("/sendMessage") and request_data.parameters.get("chat_id") == refused and not failures:
            failures += 1
            raise NetworkError("httpx.ConnectError: refused") from httpx.ConnectError("[Errno 111] Connection refused")
        return await original(url, method, request_data, **kwargs)

    harness.request.do_request = connection_refused_once  # type: ignore[method-assign]
    harness.set_time(MONDAY_0830)
    sent = await harness.app.scheduler.tick(MONDAY_0830)
    assert sent is not None and sent["sent"] == len(CADRES) and waits == [delivery.BACKOFF_SECONDS[0]]
    assert {eid: reminders_to(harness, users[eid]) for eid in CADRES} == dict.fromkeys(CADRES, 1)


async def test_sigterm_mid_fan_out_lets_the_request_on_the_wire_finish_and_leaves_the_rest_pending(
    harness: BotHarness,
) -> None:
    users = await join_everyone(harness)
    limiter = Turnstile()
    stopping = await instance_behind(harness, limiter)
    original = harness.request.do_request
    on_the_wire, answer = asyncio.Event(), asyncio.Event()

    async def slow_answer(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        if url.endswith("/sendMessage"):
            on_the_wire.set()
            await answer.wait()
        return await original(url, method, request_data, **kwargs)

    harness.request.do_request = slow_answer  # type: ignore[method-assign]
    harness.set_time(MONDAY_0830)
    fan_out = asyncio.create_task(stopping.tick(MONDAY_0830))
    await until(lambda: limiter.waiting == len(CADRES))
    limiter.let_through(1)
    await reached(on_the_wire, fan_out)

    stopping.stop()  # what the SIGTERM handler does
    limiter.let_through(len(CADRES) - 1)  # the limiter lets the others go: they must not leave
    answer.set()  # the request on the wire is answered within the grace period
    outcome = await fan_out
    harness.request.do_request = original  # type: ignore[method-assign]
    assert outcome is not None and outcome["sent"] == 1 and outcome["withheld"] == len(CADRES) - 1
    assert reminder_requests(harness) == 1
    assert sorted(s for states in (await status_of_everyone(harness)).values() for s in states) == [
        "pending", "pending", "pending", "sent"]
    assert await stopping.tick(MONDAY_0830) is None  # a stopped instance starts nothing new

    await stopping.resign()  # post_shutdown: the next start or the standby leads at once
    assert await standby(harness).tick(MONDAY_0830 + timedelta(seconds=1)) is not None
    assert {eid: reminders_to(harness, users[eid]) for eid in CADRES} == dict.fromkeys(CADRES, 1)
    assert reminder_requests(harness) == len(CADRES)


async def test_sigterm_leaves_a_request_unanswered_past_the_grace_period_uncertain(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = await join_everyone(harness)
    monkeypatch.setattr(delivery, "STOP_GRACE_SECONDS", 0.01)
    harness.app.scheduler.engine.concurrency = 1
    original = harness.request.do_request
    on_the_wire = asyncio.Event()

    async def never_answers(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        if url.endswith("/sendMessage"):
            await original(url, method, request_data, **kwargs)
            on_the_wire.set()
            await asyncio.Event().wait()
        return await original(url, method, request_data, **kwargs)

    harness.request.do_request = never_answers  # type: ignore[method-assign]
    harness.set_time(MONDAY_0830)
    fan_out = asyncio.create_task(harness.app.scheduler.tick(MONDAY_0830))
    await reached(on_the_wire, fan_out)
    harness.app.scheduler.stop()
    outcome = await fan_out
    harness.request.do_request = original  # type: ignore[method-assign]
    assert outcome is not None and outcome["sent"] == 0
    await harness.app.scheduler.resign()

    assert await standby(harness).tick(MONDAY_0830 + timedelta(seconds=1)) is not None
    assert {eid: reminders_to(harness, users[eid]) for eid in CADRES} == dict.fromkeys(CADRES, 1)
    assert sorted(s for states in (await status_of_everyone(harness)).values() for s in states) == [
        "sent", "sent", "sent", "uncertain"]


async def test_a_long_fan_out_keeps_its_lease_so_no_standby_takes_over(harness: BotHarness) -> None:
    users = await join_everyone(harness)
    scheduler = harness.app.scheduler
    clock = {"now": MONDAY_0830}
    harness.services.clock = lambda: clock["now"]
    original = harness.request.do_request

    renewals = Renewals(scheduler)

    async def slow_telegram(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        if url.endswith("/sendMessage"):
            clock["now"] += timedelta(seconds=30)  # four messages take two minutes: past the 45 s lease
            await renewals.one_complete()
        return await original(url, method, request_data, **kwargs)

    harness.request.do_request = slow_telegram  # type: ignore[method-assign]
    assert await scheduler.tick(MONDAY_0830) is not None
    assert clock["now"] - MONDAY_0830 > timedelta(seconds=harness.services.config.reminders.lease_seconds)
    assert await standby(harness).tick(clock["now"]) is None  # the lease was renewed along the way
    assert all(reminders_to(harness, users[eid]) == 1 for eid in CADRES)


async def test_a_tick_returns_only_once_a_renewal_cut_off_mid_transaction_has_closed_it(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A renewal still on the database when the fan-out ends is cancelled and waited for: left
    running, it outlived the tick and could hang the process's shutdown on a closed engine."""
    users = await join_everyone(harness)
    scheduler = harness.app.scheduler
    Renewals(scheduler)
    original_lead, original_send = leases.try_lead, harness.request.do_request
    calls: list[str] = []
    renewal_started = asyncio.Event()

    async def renewal_that_never_answers(session, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append("lead" if not calls else "renewal")
        if calls[-1] == "lead":
            return await original_lead(session, *args, **kwargs)
        renewal_started.set()
        try:
            await asyncio.Event().wait()
        finally:
            calls.append("renewal closed")

    async def sends_once_the_renewal_is_under_way(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        await renewal_started.wait()
        return await original_send(url, method, request_data, **kwargs)

    monkeypatch.setattr(leases, "try_lead", renewal_that_never_answers)
    harness.request.do_request = sends_once_the_renewal_is_under_way  # type: ignore[method-assign]
    assert await scheduler.tick(MONDAY_0830) is not None
    assert calls == ["lead", "renewal", "renewal closed"]
    assert all(reminders_to(harness, users[eid]) == 1 for eid in CADRES)


async def test_a_leader_that_loses_its_lease_stops_claiming_and_nobody_gets_a_message_twice(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = await join_everyone(harness)
    one_message_a_batch(monkeypatch)
    leader, other = harness.app.scheduler, standby(harness)
    leader.engine.concurrency = 1
    clock = {"now": MONDAY_0830}
    harness.services.clock = lambda: clock["now"]
    original = harness.request.do_request
    renewals = Renewals(leader)
    took_over: list[bool] = []

    async def database_gone_past_the_lease(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        answer = await original(url, method, request_data, **kwargs)
        if url.endswith("/sendMessage") and clock["now"] == MONDAY_0830:
            # The leader could not renew for longer than the lease, and the standby took over.
            expired = lease_lapsed(harness)
            async with harness.services.db.session() as session:
                took_over.append(await leases.try_lead(session, LEASE_NAME, other.instance, expired, other.lease))
            clock["now"] = expired
            await renewals.one_complete()  # the leader's next renewal finds the lease taken
        return answer

    harness.request.do_request = database_gone_past_the_lease  # type: ignore[method-assign]
    first = await leader.tick(MONDAY_0830)
    assert took_over == [True]
    assert first is not None and 0 < first["sent"] < len(CADRES)  # it stopped after what was on the wire
    assert not leader.leading

    second = await other.tick(clock["now"])
    assert second is not None and first["sent"] + second["sent"] == len(CADRES)
    assert all(reminders_to(harness, users[eid]) == 1 for eid in CADRES)


async def test_a_fan_out_killed_just_after_a_claim_commits_is_sent_by_the_next_leader(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = await join_everyone(harness)
    claimed_and_committed = asyncio.Event()
    original = deliveries.claim_due

    async def dies_after_commit(session, now, token, limit=deliveries.CLAIM_BATCH):  # type: ignore[no-untyped-def]
        rows = await original(session, now, token, limit)
        await session.commit()  # the claim is in the database ...
        claimed_and_committed.set()
        await asyncio.Event().wait()  # ... and the process dies before sending any of it
        return rows

    monkeypatch.setattr(deliveries, "claim_due", dies_after_commit)
    harness.set_time(MONDAY_0830)
    dying = asyncio.create_task(harness.app.scheduler.tick(MONDAY_0830))
    await reached(claimed_and_committed, dying)
    await kill(dying)
    monkeypatch.setattr(deliveries, "claim_due", original)
    assert set(s for states in (await status_of_everyone(harness)).values() for s in states) == {"claimed"}

    assert await standby_ticks_once_the_lease_lapsed(harness) is not None
    assert all(reminders_to(harness, users[eid]) == 1 for eid in CADRES)


async def test_a_lease_renewal_that_fails_stops_the_claiming_and_the_next_leader_finishes(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = await join_everyone(harness)
    one_message_a_batch(monkeypatch)
    leader = harness.app.scheduler
    leader.engine.concurrency = 1  # the renewal fails while the first message is on the wire
    renewals = Renewals(leader)
    original_lead, original_request = leases.try_lead, harness.request.do_request

    async def unreachable(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("database unreachable")

    async def database_gone_after_the_first_message(url, method, request_data=None, **kwargs):  # type: ignore[no-untyped-def]
        answer = await original_request(url, method, request_data, **kwargs)
        if url.endswith("/sendMessage") and leases.try_lead is original_lead:
            monkeypatch.setattr(leases, "try_lead", unreachable)
            await renewals.one_complete()
        return answer

    harness.request.do_request = database_gone_after_the_first_message  # type: ignore[method-assign]
    harness.set_time(MONDAY_0830)
    first = await leader.tick(MONDAY_0830)
    assert first is not None and 0 < first["sent"] < len(CADRES)
    monkeypatch.setattr(leases, "try_lead", original_lead)
    harness.request.do_request = original_request  # type: ignore[method-assign]

    second = await standby_ticks_once_the_lease_lapsed(harness)
    assert second is not None and first["sent"] + second["sent"] == len(CADRES)
    assert all(reminders_to(harness, users[eid]) == 1 for eid in CADRES)
