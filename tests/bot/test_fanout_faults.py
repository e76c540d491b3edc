"""A fan-out that dies or loses its lease half-way: whoever finishes it sends each message once."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from datetime import datetime, timedelta, timezone

import pytest

from bot import delivery
from bot.scheduler import LEASE_NAME, Scheduler
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


def lease_lapsed(harness: BotHarness) -> datetime:
    """The first moment a leader that took the lease at MONDAY_0830 and never renewed it has lost it."""
    return MONDAY_0830 + timedelta(seconds=harness.services.config.reminders.lease_seconds + 1)


async def standby_ticks_once_the_lease_lapsed(harness: BotHarness):  # type: ignore[no-untyped-def]
    """The next instance's tick, once a dead (or cut-off) leader's lease has run out."""
    later = lease_lapsed(harness)
    harness.set_time(later)
    return await standby(harness).tick(later)


def one_message_a_batch(monkeypatch: pytest.MonkeyPatch) -> None:
    """So that whatever happens mid-fan-out lands between batches."""
    monkeypatch.setattr(delivery, "FIRST_BATCH", 1)
    monkeypatch.setattr(deliveries, "CLAIM_BATCH", 1)


def reminders_to(harness: BotHarness, user) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for m in harness.request.outbox if m.chat_id == user.user_id and "周一例会" in m.text)


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


async def test_a_fan_out_killed_mid_batch_is_finished_once_by_the_next_instance(harness: BotHarness) -> None:
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
    await in_flight.wait()
    dying.cancel()
    with suppress(asyncio.CancelledError):
        await dying
    harness.request.do_request = original  # type: ignore[method-assign]
    received_before = {eid: reminders_to(harness, users[eid]) for eid in CADRES}
    assert sorted(received_before.values()) == [0, 0, 1, 1]

    assert await standby_ticks_once_the_lease_lapsed(harness) is not None

    received = {eid: reminders_to(harness, users[eid]) for eid in CADRES}
    assert max(received.values()) == 1, received  # nobody twice
    never = [eid for eid, count in received.items() if count == 0]
    # Only the message in flight at the kill may be missing: it is `uncertain`, never resent.
    assert len(never) == 1 and await statuses(harness, never[0]) == ["uncertain"]
    for eid in CADRES:
        if eid not in never:
            assert await statuses(harness, eid) == ["sent"], eid


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


async def test_a_leader_that_loses_its_lease_stops_claiming_and_nobody_gets_a_message_twice(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = await join_everyone(harness)
    one_message_a_batch(monkeypatch)
    leader, other = harness.app.scheduler, standby(harness)
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
    assert first is not None and 0 < first["sent"] < len(CADRES)  # it finished what it had claimed, then stopped
    assert not leader.leading

    second = await other.tick(clock["now"])
    assert second is not None and first["sent"] + second["sent"] == len(CADRES)
    assert all(reminders_to(harness, users[eid]) == 1 for eid in CADRES)


async def test_a_fan_out_cancelled_just_after_a_claim_commits_still_journals_it(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = await join_everyone(harness)
    claimed_and_committed = asyncio.Event()
    gate = asyncio.Event()
    original = deliveries.claim_due

    async def slow_after_commit(session, now, token, limit=deliveries.CLAIM_BATCH):  # type: ignore[no-untyped-def]
        rows = await original(session, now, token, limit)
        await session.commit()  # the claim is in the database ...
        claimed_and_committed.set()
        await gate.wait()  # ... and the process is told to stop before the journal is written
        return rows

    monkeypatch.setattr(deliveries, "claim_due", slow_after_commit)
    harness.set_time(MONDAY_0830)
    stopping = asyncio.create_task(harness.app.scheduler.tick(MONDAY_0830))
    await claimed_and_committed.wait()
    stopping.cancel()
    gate.set()
    with suppress(asyncio.CancelledError):
        await stopping
    monkeypatch.setattr(deliveries, "claim_due", original)
    journal = harness.app.scheduler.engine.journal
    for _ in range(500):  # the shielded claim goes on to write its journal
        if journal.leftovers():
            break
        await asyncio.sleep(0.01)

    assert await standby_ticks_once_the_lease_lapsed(harness) is not None
    assert all(reminders_to(harness, users[eid]) == 1 for eid in CADRES)


async def test_a_lease_renewal_that_fails_stops_the_claiming_and_the_next_leader_finishes(
    harness: BotHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = await join_everyone(harness)
    one_message_a_batch(monkeypatch)
    leader = harness.app.scheduler
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
