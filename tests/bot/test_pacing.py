"""The pacer, on a clock the test drives: evenly spaced requests, never more than the limit
in any second, one message a second to a chat, and a 429's retry_after honoured."""

from __future__ import annotations

from bisect import bisect_left
from datetime import timedelta

from telegram.error import RetryAfter

from bot.scheduling.pacing import Pacer


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)


def most_in_any_second(times: list[float]) -> int:
    times = sorted(times)
    return max(bisect_left(times, start + 1.0) - index for index, start in enumerate(times))


async def send_all(pacer: Pacer, clock: Clock, chats: list[int], stall_every: int = 0) -> list[float]:
    left: list[float] = []

    async def request() -> bool:
        left.append(clock.now)
        return True

    for number, chat in enumerate(chats, 1):
        await pacer.process_request(request, (), {}, "sendMessage", {"chat_id": chat}, None)
        if stall_every and number % stall_every == 0:
            clock.now += 0.4  # the event loop was busy elsewhere
    return left


async def test_requests_leave_evenly_and_never_more_than_the_limit_in_a_second() -> None:
    clock = Clock()
    pacer = Pacer(30, clock=clock, sleep=clock.sleep)
    left = await send_all(pacer, clock, list(range(1, 301)))
    assert most_in_any_second(left) <= 30
    assert left[-1] - left[0] >= 299 / 30  # no burst: ten seconds for 300
    assert 299 / (left[-1] - left[0]) >= 0.95 * 30  # and close to the allowed rate


async def test_a_stalled_event_loop_does_not_make_the_catch_up_exceed_the_limit() -> None:
    clock = Clock()
    pacer = Pacer(30, clock=clock, sleep=clock.sleep)
    left = await send_all(pacer, clock, list(range(1, 301)), stall_every=7)
    assert most_in_any_second(left) <= 30


async def test_two_messages_to_one_chat_leave_a_second_apart_and_other_chats_do_not_wait() -> None:
    clock = Clock()
    pacer = Pacer(30, clock=clock, sleep=clock.sleep)
    left = await send_all(pacer, clock, [5, 5, 6])
    assert left[1] - left[0] >= 1.0
    assert left[2] - left[1] < 0.1


async def test_a_429_is_repeated_only_after_its_retry_after() -> None:
    clock = Clock()
    pacer = Pacer(30, max_retries=3, clock=clock, sleep=clock.sleep)
    attempts: list[float] = []

    async def refused_once() -> bool:
        attempts.append(clock.now)
        if len(attempts) == 1:
            raise RetryAfter(timedelta(seconds=7))
        return True

    assert await pacer.process_request(refused_once, (), {}, "sendMessage", {"chat_id": 9}, None) is True
    assert len(attempts) == 2 and attempts[1] - attempts[0] >= 7


async def test_requests_without_a_chat_are_not_paced() -> None:
    clock = Clock()
    pacer = Pacer(1, clock=clock, sleep=clock.sleep)

    async def request() -> bool:
        return True

    for _ in range(5):
        await pacer.process_request(request, (), {}, "getMe", {}, None)
    assert clock.now == 100.0
