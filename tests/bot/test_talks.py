"""谈心谈话: due prompts with talking points, 已谈 with private notes, postponing, follow-ups,
preparation notes, and cadres asking for a talk. Time is driven, never slept."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select

from bot.scheduling.talk_prompts import spread_offset
from db import talks
from db.models import Talk
from tests.bot.restart import restarted
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
            held_on = date.fromisoformat(held)
            await talks.record_talk(session, s.id, c.id, held_on, recorded_on(harness, held_on))
        await session.commit()
    return users


def recorded_on(harness: BotHarness, held_on: date) -> datetime:
    """A talk seeded as recorded on the evening it was held, as a supervisor would."""
    return datetime.combine(held_on, time(18), harness.services.config.tz)


async def record_today(harness: BotHarness, user, prompt):  # type: ignore[no-untyped-def]
    """已谈, then 今天: what the supervisor sees once the talk is recorded."""
    asked = (await harness.press(user, prompt, "已谈"))[-1]
    assert "是哪一天进行的" in asked.text and [b.text for b in asked.flat_buttons] == ["今天", "昨天", "选择日期"]
    return await harness.press(user, asked, "今天")


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
    replies = await record_today(harness, users["S01"], prompt)
    assert any("已记录与张明的谈心谈话（11月20日）" in m.text for m in replies)
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
    await record_today(harness, users["S01"], prompt)
    harness.set_time(harness.services.now().replace(hour=5))  # hours later
    reply = await harness.send(users["S01"], "三会一课多久开一次")
    assert "每季度召开1次" in reply[-1].text
    log = await harness.press(users["S01"], prompt, "查看记录")
    assert "要点" not in log[-1].text


async def test_postponing_moves_the_talk_a_week(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})
    [prompt] = to(await harness.tick("2026-11-20 09:00"), users["S01"])
    replies = await harness.press(users["S01"], prompt, "推迟一周")
    assert any("推迟到11月27日，届时再提醒您。" in m.text for m in replies)
    assert to(await harness.tick("2026-11-26 09:00"), users["S01"]) == []
    assert len(to(await harness.tick("2026-11-27 09:00"), users["S01"])) == 1


async def test_a_supervisor_who_does_not_act_is_prompted_again_a_week_later(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})  # due Wed 11-18
    assert len(to(await harness.tick("2026-11-20 09:00"), users["S01"])) == 1
    # A week after the prompt he had, not after the due date: a prompt held back by the daily
    # limit is not followed up days later.
    assert to(await harness.tick("2026-11-25 09:00"), users["S01"]) == []
    assert to(await harness.tick("2026-11-26 09:00"), users["S01"]) == []
    assert len(to(await harness.tick("2026-11-27 09:00"), users["S01"])) == 1


async def test_the_cadre_gets_a_preparation_note_the_day_before(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C02"): "2026-08-27"})  # due Wed 11-25
    assert to(await harness.tick("2026-11-23 09:00"), users["C02"]) == []
    [note] = to(await harness.tick("2026-11-24 09:00"), users["C02"])
    assert "📝 谈心谈话预告：赵强同志计划在11月25日前后与您谈心谈话。\n" in note.text
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


# --- talks that fit a supervisor's week ------------------------------------------------------

BIG_UNIT = "- {id: \"S01\", name: 赵强, unit: 组织科, roles: supervisor, supervises: 组织科}\n" + "".join(
    f"- {{id: \"K{i:02d}\", name: 干部{i:02d}, unit: 组织科, roles: cadre}}\n" for i in range(1, 13)
)


def test_a_pairs_first_due_offset_is_fixed_by_the_pair_and_lies_within_the_cadence() -> None:
    # The same on every instance and after every restart: crc32, not Python's salted hash().
    assert spread_offset(4, 2, 90) == 42 and spread_offset(4, 2, 90) == spread_offset(4, 2, 90)
    offsets = [spread_offset(7, cadre, 90) for cadre in range(1, 61)]
    assert all(1 <= o <= 90 for o in offsets)
    # Sixty cadres of one supervisor fall due on many different days, never more than a few on one.
    assert len(set(offsets)) >= 40 and max(offsets.count(o) for o in offsets) <= 4


async def test_a_new_rosters_first_talks_fall_due_spread_over_the_cadence(harness: BotHarness) -> None:
    await harness.import_roster(BIG_UNIT)
    s01 = await harness.join("S01")
    first = (await harness.send(s01, "/talks"))[-1]
    reply = first.text + (await harness.press(s01, first, "下一页"))[-1].text
    supervisor = await harness.person("S01")
    dues = []
    for i in range(1, 13):
        cadre = await harness.person(f"K{i:02d}")
        due = date(2026, 11, 20) + timedelta(days=spread_offset(supervisor.id, cadre.id, 90))
        dues.append(due)
        year = "2027年" if due.year == 2027 else ""
        assert f"干部{i:02d}（组织科）：上次尚无记录，{year}{due.month}月{due.day}日到期" in reply, reply
    assert len(set(dues)) >= 10  # not all on 2027-02-18, as when every pair began on import day


def prompted(messages, user) -> list[str]:  # type: ignore[no-untyped-def]
    """Whom the talk prompts to `user` name, sorted (they are sent concurrently)."""
    return sorted(m.text.split("请安排与", 1)[1].split("（", 1)[0] for m in to(messages, user) if "谈心谈话提醒" in m.text)


async def test_a_supervisor_gets_at_most_three_prompts_a_day_and_the_rest_on_the_next_workdays(harness: BotHarness) -> None:
    await harness.import_roster(BIG_UNIT)
    s01 = await harness.join("S01")
    supervisor = await harness.person("S01")
    async with harness.services.db.session() as session:
        # Seven talks held 08-14 … 08-20: due 11-12 … 11-18, all due by Friday 11-20.
        for i in range(1, 8):
            cadre = await harness.person(f"K{i:02d}")
            held = date(2026, 8, 13) + timedelta(days=i)
            await talks.record_talk(session, supervisor.id, cadre.id, held, recorded_on(harness, held))
        await session.commit()
    # The longest due first: 干部01-03 (due 11-12, 11-13, 11-14).
    assert prompted(await harness.tick("2026-11-20 09:00"), s01) == ["干部01", "干部02", "干部03"]
    assert to(await harness.tick("2026-11-21 09:00"), s01) == []  # Saturday
    async with restarted(harness) as second:  # what waits is in the database, not in a process
        monday = prompted(await second.tick("2026-11-23 09:00"), s01)
    assert monday == ["干部04", "干部05", "干部06"]
    assert prompted(await harness.tick("2026-11-24 09:00"), s01) == ["干部07"]
    assert to(await harness.tick("2026-11-25 09:00"), s01) == []
    # Follow-ups a week after each one's own prompt, within the same limit: Friday's three come
    # back the next Friday, nothing is lost or sent twice.
    assert to(await harness.tick("2026-11-26 09:00"), s01) == []
    assert prompted(await harness.tick("2026-11-27 09:00"), s01) == ["干部01", "干部02", "干部03"]


async def test_done_asks_which_day_and_yesterday_is_recorded_as_yesterday(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-24"})  # due Sunday 11-22
    [prompt] = to(await harness.tick("2026-11-23 09:00"), users["S01"])
    asked = (await harness.press(users["S01"], prompt, "已谈"))[-1]
    assert asked.text == "与张明的谈心谈话是哪一天进行的？"
    recorded = await harness.press(users["S01"], asked, "昨天")
    assert "已记录与张明的谈心谈话（11月22日）" in recorded[-1].text and "24小时内点「撤销」" in recorded[-1].text
    assert [b.text for b in recorded[-1].flat_buttons] == ["跳过", "撤销"]
    # The prompt keeps only 查看记录.
    [retired] = [m for m in recorded if m.kind == "edit" and m.message_id == prompt.message_id]
    assert [b.text for b in retired.flat_buttons] == ["📋 查看记录"]
    log = (await harness.press(users["S01"], prompt, "查看记录"))[-1]
    assert "2026-11-22 赵强" in log.text
    listing = (await harness.send(users["S01"], "/talks"))[-1].text
    assert "张明（组织科）：上次11月22日，2027年2月20日到期" in listing


async def test_a_chosen_date_is_read_as_study_dates_are_and_a_future_or_early_one_is_refused(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-24"})
    [prompt] = to(await harness.tick("2026-11-23 09:00"), users["S01"])
    asked = (await harness.press(users["S01"], prompt, "已谈"))[-1]
    typed = (await harness.press(users["S01"], asked, "选择日期"))[-1]
    assert "请发送谈话日期" in typed.text
    assert (await harness.send(users["S01"], "明天"))[-1].text == "谈话日期不能晚于今天（11月23日），请重新发送。"
    assert (await harness.send(users["S01"], "11月25日"))[-1].text == "谈话日期不能晚于今天（11月23日），请重新发送。"
    early = (await harness.send(users["S01"], "2026年3月5日"))[-1].text
    assert early == "谈话日期不能早于11月20日（您与张明的谈话自该日起记录），请重新发送。"
    assert "未能识别这个日期" in (await harness.send(users["S01"], "谈得很好"))[-1].text
    answered = await harness.send(users["S01"], "三会一课多久开一次")  # clearly a question: answered, asked again
    assert "每季度召开1次" in answered[0].text and "请发送谈话日期" in answered[-1].text
    async with harness.services.db.session() as session:
        assert len((await session.scalars(select(Talk))).all()) == 1  # only the seeded one so far
    recorded = await harness.send(users["S01"], "上周五")
    assert "已记录与张明的谈心谈话（11月20日）" in recorded[-1].text


async def test_a_date_more_than_a_year_back_is_refused(harness: BotHarness) -> None:
    harness.set_time(datetime(2024, 3, 1, 2, tzinfo=timezone.utc))  # on the roster since 2024
    users = await setup(harness, {("S01", "C01"): "2026-08-24"})
    [prompt] = [m for m in to(await harness.tick("2026-11-23 09:00"), users["S01"]) if "张明" in m.text]
    asked = (await harness.press(users["S01"], prompt, "已谈"))[-1]
    await harness.press(users["S01"], asked, "选择日期")
    refused = (await harness.send(users["S01"], "2025-11-01"))[-1].text
    assert refused == "谈话日期不能早于2025年11月22日（只能补记一年以内的谈话），请重新发送。"
    assert "已记录与张明的谈心谈话（2025年12月1日）" in (await harness.send(users["S01"], "2025-12-01"))[-1].text


async def test_a_retried_or_doubled_done_press_records_the_talk_once(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})
    [prompt] = to(await harness.tick("2026-11-20 09:00"), users["S01"])
    done = prompt.button("已谈").data
    first = (await harness.press(users["S01"], prompt, "已谈"))[-1]
    second = (await harness.chat.press_data(users["S01"], prompt, done))[-1]  # pressed twice before choosing
    await harness.press(users["S01"], second, "今天")
    stale = await harness.press(users["S01"], first, "今天")
    assert stale[-1].kind == "alert" and "已失效" in stale[-1].text
    again = (await harness.chat.press_data(users["S01"], prompt, done))[-1]  # the same prompt, later
    assert again.text == "这次提醒已记录过与张明的谈心谈话（11月20日），不会重复记录。"
    async with harness.services.db.session() as session:
        held = sorted(t.held_on for t in (await session.scalars(select(Talk))).all())
    assert held == [date(2026, 8, 20), date(2026, 11, 20)]


async def test_a_done_button_naming_another_prompt_or_pair_is_refused(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20", ("S01", "C02"): "2026-08-20"})
    sent = to(await harness.tick("2026-11-20 09:00"), users["S01"])
    zhang = next(m for m in sent if "张明" in m.text)
    li = next(m for m in sent if "李华" in m.text)
    c01 = (await harness.person("C01")).id
    delivery_of_li = li.button("已谈").data.rsplit(":", 1)[1]
    for data in (f"tk:done:{c01}:{delivery_of_li}", f"tk:done:{c01}:d99999999999", f"tk:done:{c01}:x1",
                 f"tk:done:{c01}:r999", f"tk:day:{c01}:7", "tk:undo:abc:0", "tk:list:abc"):
        reply = (await harness.chat.press_data(users["S01"], zhang, data))[-1]
        assert reply.kind == "alert" and ("失效" in reply.text or "不存在" in reply.text), (data, reply)
    other = (await harness.chat.press_data(users["S03"], zhang, zhang.button("已谈").data))[-1]
    assert other.kind == "alert" and "暂无权限" in other.text


async def test_undo_within_24_hours_restores_the_previous_due_date_and_the_postponement(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})  # due 11-18
    [prompt] = to(await harness.tick("2026-11-20 09:00"), users["S01"])
    done = prompt.button("已谈").data
    await harness.press(users["S01"], prompt, "推迟一周")  # until 11-27
    asked = (await harness.chat.press_data(users["S01"], prompt, done))[-1]
    recorded = (await harness.press(users["S01"], asked, "今天"))[-1]
    assert "2027年2月18日到期" in (await harness.send(users["S01"], "/talks"))[-1].text
    harness.set_time(harness.services.now() + timedelta(hours=23))
    undone = await harness.press(users["S01"], recorded, "撤销")
    assert undone[-1].text == "已撤销与张明11月20日的谈话记录（要点一并删除）。下次谈话按11月27日到期计算。"
    assert [b.text for b in undone[-1].flat_buttons] == ["✅ 已谈", "⏰ 推迟一周", "📋 查看记录"]
    assert "张明（组织科）：上次8月20日，已推迟至11月27日" in (await harness.send(users["S01"], "/talks"))[-1].text
    gone = await harness.press(users["S01"], recorded, "撤销")
    assert gone[-1].kind == "alert" and "已撤销或不存在" in gone[-1].text
    assert to(await harness.tick("2026-11-26 09:00"), users["S01"]) == []
    assert len(to(await harness.tick("2026-11-27 09:00"), users["S01"])) == 1


async def test_undo_is_refused_after_24_hours_and_to_anyone_else(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20"})
    [prompt] = to(await harness.tick("2026-11-20 09:00"), users["S01"])
    recorded = (await record_today(harness, users["S01"], prompt))[-1]
    other = await harness.chat.press_data(users["S02"], recorded, recorded.button("撤销").data)
    assert other[-1].kind == "alert" and "已撤销或不存在" in other[-1].text
    harness.set_time(harness.services.now() + timedelta(hours=25))
    late = await harness.press(users["S01"], recorded, "撤销")
    assert late[-1].kind == "alert" and late[-1].text == "记录已超过24小时，不能撤销。"
    assert "上次11月20日" in (await harness.send(users["S01"], "/talks"))[-1].text


async def test_talks_lists_the_pairs_soonest_first_with_a_log_button_each(harness: BotHarness) -> None:
    users = await setup(harness, {("S01", "C01"): "2026-08-20", ("S02", "C02"): "2026-10-01"})
    listing = (await harness.send(users["S01"], "/talks"))[-1]
    lines = listing.text.splitlines()
    s01, c02 = await harness.person("S01"), await harness.person("C02")
    li_due = date(2026, 11, 20) + timedelta(days=spread_offset(s01.id, c02.id, 90))
    assert lines[0] == "您负责的谈心谈话（共2人，按到期先后）："
    assert lines[1] == "1. 张明（组织科）：上次8月20日，已到期（11月18日）"
    # 李华 talked with 钱伟, not with 赵强: 赵强's own pair has no talk yet.
    assert lines[2] == f"2. 李华（组织科）：上次尚无记录，{li_due.year}年{li_due.month}月{li_due.day}日到期"
    assert [b.text for b in listing.flat_buttons] == ["📋 张明", "📋 李华"]
    log = (await harness.press(users["S01"], listing, "张明"))[-1]
    assert "2026-08-20 赵强" in log.text
    assert (await harness.send(users["C01"], "/talks"))[-1].text == "抱歉，这项功能您暂无权限使用。"
    assert "张明" not in (await harness.send(users["S03"], "/talks"))[-1].text  # 干部科's supervisor: 王芳 only
    denied = await harness.chat.press_data(users["S03"], listing, listing.button("张明").data)
    assert denied[-1].kind == "alert" and "暂无权限" in denied[-1].text


async def test_talks_pages_ten_at_a_time(harness: BotHarness) -> None:
    await harness.import_roster(BIG_UNIT)
    s01 = await harness.join("S01")
    first = (await harness.send(s01, "/talks"))[-1]
    assert "共12人" in first.text and "第1/2页" in first.text and len(first.flat_buttons) == 11
    assert first.flat_buttons[-1].text == "下一页"
    second = (await harness.press(s01, first, "下一页"))[-1]
    assert second.kind == "edit" and "第2/2页" in second.text and "11. " in second.text and "12. " in second.text
    assert [b.text for b in second.flat_buttons][-1] == "上一页"


# --- /talk with nobody to supervise the talk ---------------------------------------------------

LONE_UNITS = """\
- {id: "C01", name: 张明, unit: 组织科, roles: cadre}
- {id: "C04", name: 刘洋, unit: 宣传科, roles: cadre}
- {id: "S01", name: 赵强, unit: 组织科, roles: supervisor, supervises: 组织科}
- {id: "A01", name: 陈静, unit: 办公室, roles: admin}
- {id: "A02", name: 周华, unit: 办公室, roles: admin}
"""


async def test_a_talk_request_from_a_unit_without_a_supervisor_reaches_the_admins(harness: BotHarness) -> None:
    await harness.import_roster(LONE_UNITS)
    liu, chen = await harness.join("C04"), await harness.join("A01")
    replies = await harness.send(liu, "/talk 想调整工作岗位")
    [told] = [m for m in replies if m.chat_id == chen.user_id]
    assert told.text == "💬 刘洋（宣传科）申请谈心谈话，其单位暂未设置分管领导，请协助安排。\n话题：想调整工作岗位"
    assert replies[-1].chat_id == liu.user_id
    assert replies[-1].text == (
        "已记录您的谈话申请（话题：想调整工作岗位）。您所在单位暂未设置分管领导，已转告管理员陈静，将协助安排。"
    )


async def test_a_talk_request_whose_supervisor_has_not_joined_reaches_the_admins(harness: BotHarness) -> None:
    await harness.import_roster(LONE_UNITS)
    zhang, chen, zhou = await harness.join("C01"), await harness.join("A01"), await harness.join("A02")
    replies = await harness.send(zhang, "/talk 工作压力大")
    assert {m.chat_id for m in replies[:-1]} == {chen.user_id, zhou.user_id}
    assert all("其单位的分管领导尚未使用本助手" in m.text for m in replies[:-1])
    assert "分管领导尚未使用本助手，已转告管理员陈静、周华" in replies[-1].text


async def test_a_talk_request_nobody_can_receive_says_so(harness: BotHarness) -> None:
    await harness.import_roster(LONE_UNITS)
    liu = await harness.join("C04")
    replies = await harness.send(liu, "/talk 想调整工作岗位")
    assert len(replies) == 1 and "管理员也尚未使用本助手，暂时无人可以转告" in replies[0].text
    assert "管理员会协助安排" not in replies[0].text


async def test_done_on_a_talk_request_records_the_talk_once(harness: BotHarness) -> None:
    users = await setup(harness, {})
    replies = await harness.send(users["C01"], "/talk 最近工作压力比较大")
    [request] = [m for m in replies if m.chat_id == users["S01"].user_id]
    assert ":r" in request.button("已谈").data
    await record_today(harness, users["S01"], request)
    again = (await harness.press(users["S01"], request, "已谈"))[-1]
    assert "不会重复记录" in again.text
