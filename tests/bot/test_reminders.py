"""Scheduled study reminders, driven by a fake clock: right time, right people, exactly once."""

from __future__ import annotations

from bot.console.request import ApiError
from bot.scheduling.scheduler import Scheduler
from db import deliveries
from tests.conftest import BotHarness


async def everyone(harness: BotHarness) -> dict[str, object]:
    await harness.import_roster()
    return {eid: await harness.join(eid) for eid in ("C01", "C02", "C03", "S01", "A01")}


def record_waits(harness: BotHarness) -> list[float]:
    """Replace the engine's sleep: back-offs are recorded, not waited for."""
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    harness.app.scheduler.engine.sleep = no_sleep
    return waits


def texts_to(messages, user) -> list[str]:  # type: ignore[no-untyped-def]
    return [m.text for m in messages if m.chat_id == user.user_id]


async def test_monday_meeting_reminder_goes_at_0830_local_to_every_cadre_only(harness: BotHarness) -> None:
    users = await everyone(harness)
    assert await harness.tick("2026-11-23 08:29") == []
    sent = await harness.tick("2026-11-23 08:30")
    for eid, target in (("C01", 90), ("C02", 90), ("C03", 60), ("S01", 90)):
        [text] = texts_to(sent, users[eid])
        assert "周一例会固定学习日" in text and f"已完成0学时，目标{target}学时" in text
    assert texts_to(sent, users["A01"]) == []  # the admin is not a cadre


async def test_reminder_has_buttons_that_open_the_study_log(harness: BotHarness) -> None:
    users = await everyone(harness)
    sent = await harness.tick("2026-11-23 08:30")
    reminder = next(m for m in sent if m.chat_id == users["C01"].user_id)
    flow = await harness.press(users["C01"], reminder, "登记周一例会")
    assert flow[-1].kind == "edit" and "周一例会" in flow[-1].text


async def test_a_tick_that_runs_twice_or_late_sends_once(harness: BotHarness) -> None:
    users = await everyone(harness)
    first = await harness.tick("2026-11-23 08:30")
    again = await harness.tick("2026-11-23 08:30")
    later = [m for m in await harness.tick("2026-11-23 09:15") if "周一例会" in m.text]  # the digest goes at 09:00
    assert len(texts_to(first, users["C01"])) == 1
    assert again == [] and later == []


async def test_a_missed_reminder_is_sent_once_within_grace_and_dropped_after(harness: BotHarness) -> None:
    users = await everyone(harness)
    late = await harness.tick("2026-11-23 10:00")  # bot was down at 08:30; grace is 180 minutes
    assert len([m for m in texts_to(late, users["C02"]) if "周一例会" in m]) == 1
    assert [m for m in await harness.tick("2026-11-23 10:30") if "周一例会" in m.text] == []
    # Next week the bot is down until past the grace period: nothing is sent late.
    assert [m for m in await harness.tick("2026-11-30 12:00") if "周一例会" in m.text] == []


async def test_no_study_reminder_on_a_public_holiday(harness: BotHarness) -> None:
    await everyone(harness)
    assert await harness.tick("2026-10-05 08:30") == []  # 国庆 holiday Monday


async def test_three_ones_reminders_go_on_the_first_workday_of_month_and_quarter(harness: BotHarness) -> None:
    users = await everyone(harness)
    assert await harness.tick("2026-10-01 08:30") == []  # holiday
    sent = texts_to(await harness.tick("2026-10-08 08:30"), users["C01"])  # first workday after 国庆
    assert any("业务讲课" in t for t in sent) and any("调研报告" in t for t in sent)
    december = texts_to(await harness.tick("2026-12-01 08:30"), users["C01"])
    assert any("业务讲课" in t for t in december) and not any("调研报告" in t for t in december)
    assert await harness.tick("2026-12-02 08:30") == []


async def test_friday_nudge_goes_only_to_those_behind_target(harness: BotHarness) -> None:
    await harness.import_roster(
        '- {id: "C01", name: 张明, unit: 组织科, roles: cadre}\n'
        '- {id: "C09", name: 孙丽, unit: 组织科, roles: cadre, target: 1}\n'
    )
    behind, ahead = await harness.join("C01"), await harness.join("C09")
    harness.set_time(harness.services.now())
    await harness.send(ahead, "/study 专题讲座 2 学习党章")
    sent = await harness.tick("2026-11-27 16:00")
    [nudge] = texts_to(sent, behind)
    assert "还差" in nudge and "按进度应达到" in nudge
    assert texts_to(sent, ahead) == []


async def test_quiet_hours_delay_a_reminder_until_they_end(harness: BotHarness) -> None:
    users = await everyone(harness)
    await harness.send(users["C01"], "/remind quiet 08:00-09:00")
    first = await harness.tick("2026-11-23 08:30")
    assert texts_to(first, users["C01"]) == [] and texts_to(first, users["C02"])
    assert texts_to(await harness.tick("2026-11-23 08:59"), users["C01"]) == []
    assert len(texts_to(await harness.tick("2026-11-23 09:00"), users["C01"])) == 1
    assert texts_to(await harness.tick("2026-11-23 09:01"), users["C01"]) == []


async def test_muted_and_snoozed_people_get_nothing(harness: BotHarness) -> None:
    users = await everyone(harness)
    settings = (await harness.send(users["C01"], "/remind"))[-1]
    await harness.press(users["C01"], settings, "🔕 1")  # 1. 周一例会固定学
    settings = (await harness.send(users["C02"], "/remind"))[-1]
    await harness.press(users["C02"], settings, "暂停7天")
    sent = await harness.tick("2026-11-23 08:30")
    assert texts_to(sent, users["C01"]) == [] and texts_to(sent, users["C02"]) == []
    assert texts_to(sent, users["C03"])


async def test_a_user_who_blocked_the_bot_is_marked_unreachable_and_not_retried(harness: BotHarness) -> None:
    users = await everyone(harness)
    blocked = users["C01"].user_id
    harness.request.faults[blocked] = ApiError(403, "Forbidden: bot was blocked by the user")
    await harness.tick("2026-11-23 08:30")
    assert (await harness.person("C01")).reachable is False

    def reminder_attempts() -> int:
        return sum(1 for method, params in harness.request.calls
                   if method == "sendMessage" and params.get("chat_id") == blocked and "周一例会" in params["text"])

    assert reminder_attempts() == 1
    await harness.tick("2026-11-30 08:30")
    assert reminder_attempts() == 1


async def test_unblocking_the_bot_makes_a_person_reachable_again(harness: BotHarness) -> None:
    users = await everyone(harness)
    user = users["C02"]
    for status, reachable in (("kicked", False), ("member", True)):
        await harness.chat.deliver({"my_chat_member": {
            "chat": user.chat(), "from": user.as_dict(), "date": 0,
            "old_chat_member": {"status": "member", "user": {"id": 1, "is_bot": True, "first_name": "b"}},
            "new_chat_member": {"status": status, "user": {"id": 1, "is_bot": True, "first_name": "b"},
                                **({"until_date": 0} if status == "kicked" else {})},
        }})
        assert (await harness.person("C02")).reachable is reachable


async def test_network_errors_are_retried_with_backoff_then_recorded(harness: BotHarness) -> None:
    users = await everyone(harness)
    waits = record_waits(harness)
    harness.request.faults[users["C01"].user_id] = ApiError(502, "Bad Gateway", times=2)
    harness.request.faults[users["C02"].user_id] = ApiError(502, "Bad Gateway")
    sent = await harness.tick("2026-11-23 08:30")
    assert len(texts_to(sent, users["C01"])) == 1  # third try went through
    assert texts_to(sent, users["C02"]) == []
    assert sorted(waits) == [1.0, 1.0, 4.0, 4.0, 15.0]  # C01 after two failures, C02 after each of its three retries
    async with harness.services.db.session() as session:
        rows = await deliveries.deliveries_for(session, (await harness.person("C02")).id)
    assert rows[0].status == "failed" and "Bad Gateway" in (rows[0].last_error or "")


async def test_retry_after_is_honoured(harness: BotHarness) -> None:
    users = await everyone(harness)
    waits = record_waits(harness)
    harness.request.faults[users["C03"].user_id] = ApiError(429, "Too Many Requests: retry after 7", retry_after=7, times=1)
    sent = await harness.tick("2026-11-23 08:30")
    assert len(texts_to(sent, users["C03"])) == 1 and 7.0 in waits


async def test_a_second_instance_never_sends_a_duplicate_and_takes_over_when_the_leader_dies(harness: BotHarness) -> None:
    users = await everyone(harness)
    app = harness.app
    second = Scheduler(app.bot, harness.services, app.scheduler.planners, app.scheduler.engine.renderers)
    from datetime import datetime, timedelta, timezone

    moment = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)  # 08:30 in Shanghai
    harness.set_time(moment)
    results = [await app.scheduler.tick(moment), await second.tick(moment)]
    assert results[1] is None  # not the leader
    assert sum(1 for m in harness.request.outbox if m.chat_id == users["C01"].user_id and "周一例会" in m.text) == 1
    # The leader dies (stops ticking); the lease runs out and the second instance takes over.
    takeover = moment + timedelta(seconds=harness.services.config.reminders.lease_seconds + 1)
    assert await second.tick(takeover) is not None


async def test_two_instances_ticking_at_the_same_moment_send_each_reminder_once(harness: BotHarness) -> None:
    import asyncio
    from datetime import datetime, timezone

    users = await everyone(harness)
    app = harness.app
    second = Scheduler(app.bot, harness.services, app.scheduler.planners, app.scheduler.engine.renderers)
    moment = datetime(2026, 11, 23, 0, 30, tzinfo=timezone.utc)
    harness.set_time(moment)
    results = await asyncio.gather(app.scheduler.tick(moment), second.tick(moment))
    assert sum(r is None for r in results) == 1  # exactly one led
    for eid in ("C01", "C02", "C03", "S01"):
        reminders = [m for m in harness.request.outbox if m.chat_id == users[eid].user_id and "周一例会" in m.text]
        assert len(reminders) == 1, eid


async def test_a_restarted_instance_resumes_without_repeating(harness: BotHarness) -> None:
    users = await everyone(harness)
    first = await harness.tick("2026-11-23 08:30")
    assert all(len([m for m in texts_to(first, users[eid]) if "周一例会" in m]) == 1 for eid in ("C01", "C02", "C03", "S01"))
    await harness.app.scheduler.resign()  # a clean shutdown gives the lease up at once
    restarted = Scheduler(harness.app.bot, harness.services, harness.app.scheduler.planners,
                          harness.app.scheduler.engine.renderers)
    mark = len(harness.request.outbox)
    assert await restarted.tick(harness.services.now()) is not None
    assert [m for m in harness.request.outbox[mark:] if "周一例会" in m.text] == []
