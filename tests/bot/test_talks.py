"""谈心谈话: due prompts with talking points, 已谈 with private notes, postponing, follow-ups,
preparation notes, and cadres asking for a talk. Time is driven, never slept."""

from __future__ import annotations

from datetime import date

from db import talks
from tests.conftest import BotHarness

ROSTER = """\
- {id: "C01", name: 张明, unit: 组织科, roles: cadre}
- {id: "C02", name: 李华, unit: 组织科, roles: cadre}
- {id: "C03", name: 王芳, unit: 干部科, roles: cadre}
- {id: "S01", name: 赵强, unit: 组织科, roles: cadre;supervisor, supervises: 组织科}
- {id: "S02", name: 钱伟, unit: 组织科, roles: supervisor, supervises: 组织科}
- {id: "S03", name: 孙敏, unit: 干部科, roles: supervisor, supervises: 干部科}
"""


async def setup(harness: BotHarness, last_talks: dict[tuple[str, str], str]) -> dict[str, object]:
    await harness.import_roster(ROSTER)
    users = {eid: await harness.join(eid) for eid in ("C01", "C02", "C03", "S01", "S02", "S03")}
    async with harness.services.db.session() as session:
        for (supervisor, cadre), held in last_talks.items():
            s, c = await harness.person(supervisor), await harness.person(cadre)
            await talks.record_talk(session, s.id, c.id, date.fromisoformat(held), harness.services.now())
        await session.commit()
    return users


def to(messages, user):  # type: ignore[no-untyped-def]
    """Talk messages to one user (study reminders may arrive in the same ticks)."""
    return [m for m in messages if m.chat_id == user.user_id and m.kind == "text" and "谈心谈话" in m.text]


async def test_supervisor_is_prompted_when_due_with_last_talk_and_talking_points(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})  # due 2026-11-18
    sent = await harness.tick("2026-11-20 09:00")
    [prompt] = to(sent, users["S01"])
    assert "张明（组织科）" in prompt.text and "8月20日" in prompt.text and "11月18日到期" in prompt.text
    points = [line for line in prompt.text.splitlines() if line[:2] in ("1.", "2.", "3.", "4.", "5.")]
    assert 3 <= len(points) <= 5
    assert any("学习进度" in p and "落后进度" in p for p in points)  # 张明 has logged nothing this year
    assert [b.text for b in prompt.flat_buttons] == ["✅ 已谈", "⏰ 推迟一周", "📋 查看记录"]
    # 李华 joined the roster on 11-20 and is not due for 90 days; S02 has not talked with 张明 either
    # but that pair's cadence starts at the roster import as well.
    assert not any("李华" in m.text for m in sent)


async def test_prompts_wait_for_the_prompt_time_a_workday_and_go_once(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})
    assert to(await harness.tick("2026-11-20 08:59"), users["S01"]) == []
    assert len(to(await harness.tick("2026-11-20 09:00"), users["S01"])) == 1
    assert to(await harness.tick("2026-11-20 15:00"), users["S01"]) == []
    assert to(await harness.tick("2026-11-21 09:00"), users["S01"]) == []  # Saturday
    assert to(await harness.tick("2026-11-23 09:00"), users["S01"]) == []  # same follow-up week


async def test_done_records_the_talk_and_notes_stay_private_to_their_author(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})
    [prompt] = to(await harness.tick("2026-11-20 09:00"), users["S01"])
    replies = await harness.press(users["S01"], prompt, "已谈")
    assert any("已记录与 张明 的谈心谈话（11月20日）" in m.text for m in replies)
    saved = await harness.send(users["S01"], "家中老人住院，近期压力较大，需关心")
    assert "仅您本人可见" in saved[-1].text
    own_log = await harness.press(users["S01"], prompt, "查看记录")
    assert "家中老人住院" in own_log[-1].text and "2026-11-20 赵强" in own_log[-1].text
    other_log = await harness.chat.press_data(users["S02"], prompt, f"tk:log:{(await harness.person('C01')).id}")
    assert "2026-11-20 赵强" in other_log[-1].text and "家中老人住院" not in other_log[-1].text
    # Once talked, no prompt the next week.
    assert to(await harness.tick("2026-11-27 09:00"), users["S01"]) == []


async def test_skipping_notes_and_a_later_message_is_a_question_not_a_note(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})
    [prompt] = to(await harness.tick("2026-11-20 09:00"), users["S01"])
    await harness.press(users["S01"], prompt, "已谈")
    harness.set_time(harness.services.now().replace(hour=5))  # hours later
    reply = await harness.send(users["S01"], "三会一课多久开一次")
    assert "每季度召开1次" in reply[-1].text
    log = await harness.press(users["S01"], prompt, "查看记录")
    assert "要点" not in log[-1].text


async def test_postponing_moves_the_talk_a_week(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})
    [prompt] = to(await harness.tick("2026-11-20 09:00"), users["S01"])
    replies = await harness.press(users["S01"], prompt, "推迟一周")
    assert any("推迟到 11月27日" in m.text for m in replies)
    assert to(await harness.tick("2026-11-26 09:00"), users["S01"]) == []
    assert len(to(await harness.tick("2026-11-27 09:00"), users["S01"])) == 1


async def test_a_supervisor_who_does_not_act_is_prompted_again_a_week_later(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})  # due Wed 11-18
    assert len(to(await harness.tick("2026-11-20 09:00"), users["S01"])) == 1
    assert to(await harness.tick("2026-11-24 09:00"), users["S01"]) == []
    assert len(to(await harness.tick("2026-11-25 09:00"), users["S01"])) == 1


async def test_the_cadre_gets_a_preparation_note_the_day_before(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C02"): "2026-08-27"})  # due Wed 11-25
    assert to(await harness.tick("2026-11-23 09:00"), users["C02"]) == []
    [note] = to(await harness.tick("2026-11-24 09:00"), users["C02"])
    assert "赵强 同志计划在 11月25日 前后与您谈心谈话" in note.text
    assert to(await harness.tick("2026-11-24 10:00"), users["C02"]) == []


async def test_a_cadre_asks_for_a_talk_and_the_supervisors_are_told_at_once(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})
    replies = await harness.send(users["C01"], "/talk 最近工作压力比较大")
    told = [m for m in replies if m.chat_id in (users["S01"].user_id, users["S02"].user_id)]
    assert len(told) == 2 and all("张明（组织科）希望与您谈心谈话" in m.text for m in told)
    assert "已转告" in replies[-1].text
    [prompt] = to(await harness.tick("2026-11-20 09:00"), users["S01"])
    assert "本人希望谈：最近工作压力比较大" in prompt.text


async def test_talk_request_needs_a_topic(harness: BotHarness) -> None:
    users = await setup(harness, {})
    assert "/talk" in (await harness.send(users["C01"], "/talk"))[-1].text
    assert "200" in (await harness.send(users["C01"], "/talk " + "长" * 300))[-1].text


async def test_talk_buttons_refuse_anyone_who_does_not_supervise_the_cadre(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})
    [prompt] = to(await harness.tick("2026-11-20 09:00"), users["S01"])
    c01 = (await harness.person("C01")).id
    for user in (users["C01"], users["C02"], users["S03"]):
        for action in ("done", "later", "log"):
            reply = await harness.chat.press_data(user, prompt, f"tk:{action}:{c01}")
            assert reply[-1].kind == "alert" and "暂无权限" in reply[-1].text
    for data in ("tk:done:abc", "tk:log:999999", "tk:later:"):
        assert "暂无权限" in (await harness.chat.press_data(users["S01"], prompt, data))[-1].text
