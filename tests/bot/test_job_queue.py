"""The application's job queue runs what was queued even when the event loop was busy at its
moment: a /session's invitations and its trailing count redraw are one-off jobs."""

from __future__ import annotations

import asyncio
import time

from tests.conftest import BotHarness


async def test_a_one_off_job_still_runs_when_the_event_loop_was_busy_past_its_moment(harness: BotHarness) -> None:
    queue = harness.app.job_queue
    assert queue is not None
    ran = asyncio.Event()

    async def redraw(context: object) -> None:
        ran.set()

    await queue.start()
    try:
        queue.run_once(redraw, when=0.05, name="session-count-1")
        time.sleep(1.5)  # a 签到 storm keeps the loop busy past APScheduler's default 1 s of grace
        await asyncio.wait_for(ran.wait(), timeout=10)
    finally:
        await queue.stop(wait=False)
    assert ran.is_set()
