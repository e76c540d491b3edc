"""Collective sessions (/session): the invitations, 签到 once per person, the organiser's count,
结束 and 名单, the window's end reported once, the digest's attendance, every bad input; and
group chats, where the bot answers only /session, 签到 and questions that name it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.console.chat import LocalUser
from bot.console.request import BotMessage
from db.models import Delivery, SessionCheckin, StudyRecord
from tests.bot.restart import restarted
from tests.conftest import BotHarness

GROUP = -100_777


async def people(harness: BotHarness) -> dict[str, LocalUser]:
    await harness.import_roster()
    return {code: await harness.join(code) for code in ("C01", "C02", "C03", "S01", "A01")}


async def records(harness: BotHarness) -> list[StudyRecord]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(StudyRecord).order_by(StudyRecord.id))).all())


async def count_of(harness: BotHarness, model: type) -> int:
    async with harness.services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def start(harness: BotHarness, organiser: LocalUser, text: str = "/session 周一例会学习") -> list[BotMessage]:
    replies = await harness.send(organiser, text)
    return replies


def invite_for(outbox: list[BotMessage], user: LocalUser) -> BotMessage:
    return next(m for m in reversed(outbox) if m.chat_id == user.user_id and m.flat_buttons
                and m.flat_buttons[0].text == "签到")


async def send_in_group(harness: BotHarness, user: LocalUser, text: str) -> list[BotMessage]:
    return await harness.chat.send(user, text, group=GROUP)


async def test_supervisor_starts_a_session_and_each_cadre_of_the_unit_gets_a_checkin_button(harness: BotHarness) -> None:
    who = await people(harness)
    replies = await start(harness, who["S01"], "/session 周一例会学习 1 学习党章")
    assert replies[0].text == "已向2位同志发送签到通知。"
    control = replies[-1]
    assert "已签到0/2" in control.text and [b.text for b in control.flat_buttons] == ["结束", "名单"]
    sent = await harness.tick("2026-11-20 10:01")
    invited = {m.chat_id for m in sent if m.flat_buttons and m.flat_buttons[0].text == "签到"}
    assert invited == {who["C01"].user_id, who["C02"].user_id}  # not 干部科's 王芳, not the organiser
    assert "周一例会学习：学习党章" in invite_for(sent, who["C01"]).text
    assert await harness.tick("2026-11-20 10:02") == []  # sent once


async def test_checkin_records_a_confirmed_record_once_and_updates_the_count(harness: BotHarness) -> None:
    who = await people(harness)
    await start(harness, who["S01"])
    sent = await harness.tick("2026-11-20 10:01")
    invite = invite_for(sent, who["C01"])
    answer = await harness.press(who["C01"], invite, "签到")
    assert answer[0].kind == "alert" and answer[0].text.startswith("签到成功：周一例会学习1次")
    assert any(m.kind == "edit" and "已签到1/2" in m.text for m in answer)
    again = await harness.press(who["C01"], invite, "签到")
    assert [m.text for m in again] == ["您已签到，无需重复签到。"]
    [record] = await records(harness)
    organiser = await harness.person("S01")
    assert (record.status, record.decided_by, record.activity) == ("confirmed", organiser.id, "zhouyi")
    assert await count_of(harness, SessionCheckin) == 1



async def test_a_press_within_the_refresh_time_is_shown_once_that_time_is_up(harness: BotHarness) -> None:
    who = await people(harness)
    replies = await start(harness, who["S01"])
    control = replies[-1]
    sent = await harness.tick("2026-11-20 10:01")
    first = await harness.press(who["C01"], invite_for(sent, who["C01"]), "签到")
    assert [m.text.splitlines()[-1] for m in first if m.kind == "edit"] == ["已签到1/2"]
    harness.set_time(harness.services.now() + timedelta(seconds=1))  # within count_refresh_seconds (3)
    second = await harness.press(who["C02"], invite_for(sent, who["C02"]), "签到")
    assert not any(m.kind == "edit" for m in second)  # the presser is not kept waiting for a redraw
    harness.set_time(harness.services.now() + timedelta(seconds=3))
    trailing = await harness.chat.run_one_off_jobs()
    assert [(m.message_id, m.text.splitlines()[-1]) for m in trailing if m.kind == "edit"] == \
        [(control.message_id, "已签到2/2")]
    assert await harness.chat.run_one_off_jobs() == []  # the figure shown is the figure: nothing more

async def test_end_button_reports_who_checked_in_and_who_did_not(harness: BotHarness) -> None:
    who = await people(harness)
    control = (await start(harness, who["S01"]))[-1]
    sent = await harness.tick("2026-11-20 10:01")
    await harness.press(who["C01"], invite_for(sent, who["C01"]), "签到")
    listed = await harness.press(who["S01"], control, "名单")
    assert "已签到：张明" in listed[-1].text and "未签到：李华" in listed[-1].text
    ended = await harness.press(who["S01"], control, "结束")
    report = ended[-1]
    assert report.text.startswith("集体学习已结束") and "已签到1/2，签到率50%" in report.text
    assert "未签到：李华" in report.text and "点「补学」" in report.text and "/study" not in report.text
    assert any(m.kind == "edit" and "已结束" in m.text for m in ended)
    late = await harness.press(who["C02"], invite_for(sent, who["C02"]), "签到")
    assert "签到已结束" in late[0].text
    assert [m.text for m in await harness.press(who["S01"], control, "结束")] == ["本次集体学习已经结束。"]
    assert len(await records(harness)) == 1
    assert [m for m in await harness.tick("2026-11-20 13:00") if m.chat_id == who["S01"].user_id] == []


async def test_window_end_is_reported_once_by_the_scheduler(harness: BotHarness) -> None:
    who = await people(harness)
    await start(harness, who["S01"])
    sent = await harness.tick("2026-11-20 10:01")
    late = await harness.tick("2026-11-20 12:05")  # the window (2 hours from 10:00) has passed
    [report] = [m for m in late if m.chat_id == who["S01"].user_id]
    assert report.text.startswith("集体学习已结束") and "已签到0/2" in report.text
    pressed = await harness.press(who["C01"], invite_for(sent, who["C01"]), "签到")
    assert "签到已结束" in pressed[0].text
    assert [m for m in await harness.tick("2026-11-20 12:10") if m.chat_id == who["S01"].user_id] == []
    assert await records(harness) == []


async def test_a_press_after_the_window_closes_the_session_and_the_report_goes_once(harness: BotHarness) -> None:
    who = await people(harness)
    await start(harness, who["S01"])
    sent = await harness.tick("2026-11-20 10:01")
    harness.set_time(harness.services.now() + timedelta(hours=3))
    pressed = await harness.press(who["C02"], invite_for(sent, who["C02"]), "签到")
    assert "签到已结束" in pressed[0].text
    async with harness.services.db.session() as session:
        reports = await session.scalar(select(func.count()).select_from(Delivery).where(Delivery.period == "report"))
    assert reports == 1
    later = await harness.tick("2026-11-20 13:30")
    assert len([m for m in later if m.chat_id == who["S01"].user_id]) == 1


async def test_outsiders_admins_the_organiser_and_forged_buttons_get_a_clear_line(harness: BotHarness) -> None:
    who = await people(harness)
    control = (await start(harness, who["S01"]))[-1]
    data = control.button("结束").data.replace("end", "in")
    assert "不在其中" in (await harness.chat.press_data(who["C03"], control, data))[0].text
    assert "管理员无需签到" in (await harness.chat.press_data(who["A01"], control, data))[0].text
    assert "组织人" in (await harness.chat.press_data(who["S01"], control, data))[0].text
    assert "只有本次集体学习的组织人" in (await harness.press(who["C01"], control, "结束"))[0].text
    for forged in ("ss:in:99999", "ss:in:99999999999999999", "ss:in:²³", "ss:zap:1", "ss:in"):
        assert [m.text for m in await harness.chat.press_data(who["C01"], control, forged)] == ["这个按钮已失效。"]
    assert await records(harness) == []


async def test_session_by_a_cadre_is_refused_and_an_unknown_type_gets_suggestions(harness: BotHarness) -> None:
    who = await people(harness)
    assert [m.text for m in await harness.send(who["C01"], "/session 周一例会学习")] == ["抱歉，这项功能您暂无权限使用。"]
    unknown = (await harness.send(who["S01"], "/session 周一学习会"))[-1].text
    assert "您是指" in unknown and "周一例会学习" in unknown
    assert "可用的类型" in (await harness.send(who["S01"], "/session 跑步"))[-1].text
    assert "用法" in (await harness.send(who["S01"], "/session"))[-1].text
    assert "最多" in (await harness.send(who["S01"], "/session 周一例会学习 5"))[0].text
    assert await count_of(harness, Delivery) == 0


async def test_admin_session_invites_every_unit_and_a_daily_cap_keeps_credits_once(harness: BotHarness) -> None:
    who = await people(harness)
    replies = await start(harness, who["A01"])
    assert replies[0].text == "已向4位同志发送签到通知。"  # 张明, 李华, 王芳, 赵强 (a cadre too)
    sent = await harness.tick("2026-11-20 10:01")
    await harness.press(who["C01"], invite_for(sent, who["C01"]), "签到")
    await harness.send(who["C03"], "/study 周一例会学习 1")  # the day's cap (1) is full before 签到
    capped = await harness.press(who["C03"], invite_for(sent, who["C03"]), "签到")
    assert "已达每日上限" in capped[0].text
    assert len(await records(harness)) == 2 and await count_of(harness, SessionCheckin) == 2


async def test_digest_shows_the_sessions_attendance_and_each_persons_count(harness: BotHarness) -> None:
    who = await people(harness)
    control = (await start(harness, who["S01"]))[-1]
    sent = await harness.tick("2026-11-20 10:01")
    await harness.press(who["C01"], invite_for(sent, who["C01"]), "签到")
    await harness.press(who["S01"], control, "结束")
    shown = await harness.send(who["S01"], "/digest")
    page = next(m for m in shown if "学习周报" in m.text)
    assert "本周集体学习：" in page.text and "周一例会学习（11月20日）签到1/2 · 50%" in page.text
    assert "李华：全年0/90学时" in page.text and "集体学习签到0次" in page.text
    second = "\n".join(m.text for m in await harness.press(who["S01"], page, "下一页"))
    assert "集体学习签到1次" in second


# --- group chats -----------------------------------------------------------------------------


async def test_session_in_a_group_posts_one_message_there_and_the_count_in_private(harness: BotHarness) -> None:
    who = await people(harness)
    replies = await send_in_group(harness, who["S01"], "/session 周一例会学习")
    [in_group] = [m for m in replies if m.chat_id == GROUP]
    assert [b.text for b in in_group.flat_buttons] == ["签到"] and "已签到" not in in_group.text
    control = [m for m in replies if m.chat_id == who["S01"].user_id][-1]
    assert "已签到0/2" in control.text
    assert [m for m in await harness.tick("2026-11-20 10:01") if m.flat_buttons] == []  # no private invitations
    answer = await harness.press(who["C01"], in_group, "签到")
    assert answer[0].kind == "alert" and "签到成功" in answer[0].text
    assert all(m.chat_id != GROUP for m in answer)  # nothing about anyone posted in the group
    assert "管理员无需签到" in (await harness.press(who["A01"], in_group, "签到"))[0].text
    assert "请先私聊助手完成绑定" in (await harness.press(harness.stranger(), in_group, "签到"))[0].text
    person = await harness.person("C01")
    assert person.chat_id == who["C01"].user_id  # the group never becomes the person's chat
    assert len(await records(harness)) == 1


async def test_in_a_group_personal_commands_are_sent_to_private_and_chatter_is_ignored(harness: BotHarness) -> None:
    who = await people(harness)
    for command in ("/credits", "/report 张明", "/export", "/digest", "/study 周一例会学习 1", "/pending", "/talks"):
        replies = await send_in_group(harness, who["S01"], command)
        assert [m.text for m in replies] == ["涉及个人记录和数据的功能请私聊助手使用，群内不显示。"], command
    assert await send_in_group(harness, who["C01"], "大家好，今天开会吗？") == []
    assert await send_in_group(harness, who["C01"], "/credits@otherbot") == []
    refusal = await send_in_group(harness, who["C01"], "/session 周一例会学习")
    assert [m.text for m in refusal] == ["抱歉，这项功能您暂无权限使用。"]
    assert await records(harness) == []


async def test_a_question_naming_the_bot_in_a_group_is_answered_there(harness: BotHarness) -> None:
    who = await people(harness)
    replies = await send_in_group(harness, who["C01"], "@cadrebot_test 三会一课多久开一次")
    assert replies and all(m.chat_id == GROUP for m in replies)
    stranger = await send_in_group(harness, harness.stranger(), "@cadrebot_test 三会一课多久开一次")
    assert [m.text for m in stranger] == ["请先私聊助手完成绑定后再提问。"]


# --- 补学 after the window -------------------------------------------------------------------


async def closed_invite(harness: BotHarness, who: dict[str, LocalUser], user: str) -> list[BotMessage]:
    """A session whose window has passed, and `user` pressing 签到 on its invitation."""
    await start(harness, who["S01"], "/session 周一例会学习 1 学习党章")
    sent = await harness.tick("2026-11-20 10:01")
    harness.set_time(harness.services.now() + timedelta(hours=3))
    return await harness.press(who[user], invite_for(sent, who[user]), "签到")


async def test_a_makeup_after_the_window_waits_for_the_organisers_confirmation(harness: BotHarness) -> None:
    who = await people(harness)
    pressed = await closed_invite(harness, who, "C02")
    assert "签到已结束" in pressed[0].text and "补学" in pressed[0].text and "/study" not in pressed[0].text
    [closed] = [m for m in pressed if m.kind == "edit" and m.chat_id == who["C02"].user_id]
    assert [b.text for b in closed.flat_buttons] == ["补学"]
    assert closed.text.startswith("📋 集体学习签到（已结束）") and "可点「补学」" in closed.text
    assert "请点「签到」" not in closed.text and "组织人：赵强" in closed.text
    asked = await harness.press(who["C02"], closed, "补学")
    assert "请写明补学情况" in asked[-1].text and "学习党章" in asked[-1].text
    assert "需用文字" in (await harness.send(who["C02"], "👍👍"))[0].text
    assert "超过200字" in (await harness.send(who["C02"], "学" * 4000))[0].text
    assert await records(harness) == []
    replies = await harness.send(who["C02"], "观看了例会录像，学习了党章第三章")
    reply = next(m for m in replies if m.chat_id == who["C02"].user_id)
    assert reply.text.startswith("补学已提交：周一例会学习1次") and "已请赵强确认" in reply.text
    [prompt] = [m for m in replies if m.chat_id == who["S01"].user_id]
    assert "李华" in prompt.text and "观看了例会录像" in prompt.text
    assert [b.text for b in prompt.flat_buttons] == ["✅ 通过", "↩️ 退回"]
    [record] = await records(harness)
    assert (record.status, record.activity, record.amount_hundredths) == ("pending", "zhouyi", 100)
    assert record.note.startswith("补学（周一例会学习：学习党章")
    await harness.press(who["S01"], prompt, "通过")
    [record] = await records(harness)
    organiser = await harness.person("S01")
    assert (record.status, record.decided_by) == ("confirmed", organiser.id)
    again = await harness.press(who["C02"], closed, "补学")
    assert "已为本次集体学习提交过补学" in again[0].text
    assert len(await records(harness)) == 1 and await count_of(harness, SessionCheckin) == 0



async def test_a_returned_makeup_may_be_written_again_and_counts_once(harness: BotHarness) -> None:
    who = await people(harness)
    pressed = await closed_invite(harness, who, "C02")
    [closed] = [m for m in pressed if m.kind == "edit" and m.chat_id == who["C02"].user_id]
    await harness.press(who["C02"], closed, "补学")
    replies = await harness.send(who["C02"], "看了录像")
    [prompt] = [m for m in replies if m.chat_id == who["S01"].user_id]
    asked = await harness.press(who["S01"], prompt, "退回")
    assert "原因" in asked[-1].text
    told = await harness.send(who["S01"], "请写明学习了哪些内容")
    [notice] = [m for m in told if m.chat_id == who["C02"].user_id]
    assert "原因：请写明学习了哪些内容" in notice.text
    assert "可在签到通知上再点「补学」写明情况" in notice.text and "/study" not in notice.text
    assert [r.status for r in await records(harness)] == ["rejected"]

    asked_again = await harness.press(who["C02"], closed, "补学")  # the returned one is no bar
    assert "请写明补学情况" in asked_again[-1].text
    replies = await harness.send(who["C02"], "观看了例会录像，学习了党章第三章并做了笔记")
    assert any(m.chat_id == who["C02"].user_id and m.text.startswith("补学已提交") for m in replies)
    assert [r.status for r in await records(harness)] == ["rejected", "pending"]
    third = await harness.press(who["C02"], closed, "补学")  # one waiting for its decision: enough
    assert "已为本次集体学习提交过补学" in third[0].text
    assert len(await records(harness)) == 2

async def test_makeup_is_refused_while_open_after_checking_in_and_to_anyone_not_invited(harness: BotHarness) -> None:
    who = await people(harness)
    control = (await start(harness, who["S01"]))[-1]
    sent = await harness.tick("2026-11-20 10:01")
    await harness.press(who["C01"], invite_for(sent, who["C01"]), "签到")
    makeup = control.button("结束").data.replace("end", "mk")
    assert "签到仍在进行" in (await harness.chat.press_data(who["C02"], control, makeup))[0].text
    harness.set_time(harness.services.now() + timedelta(hours=3))
    assert "无需补学" in (await harness.chat.press_data(who["C01"], control, makeup))[0].text
    assert "不在其中" in (await harness.chat.press_data(who["C03"], control, makeup))[0].text
    assert "管理员无需签到" in (await harness.chat.press_data(who["A01"], control, makeup))[0].text
    assert "组织人" in (await harness.chat.press_data(who["S01"], control, makeup))[0].text
    assert "邀请码" in (await harness.chat.press_data(harness.stranger(), control, makeup))[0].text
    for forged in ("ss:mk:99999", "ss:mk:-1", "ss:mk:1:2"):
        assert [m.text for m in await harness.chat.press_data(who["C02"], control, forged)] == ["这个按钮已失效。"]
    assert len(await records(harness)) == 1  # 张明's check-in, nothing else


async def test_a_makeup_note_survives_a_restart_and_a_second_note_records_nothing(harness: BotHarness) -> None:
    who = await people(harness)
    pressed = await closed_invite(harness, who, "C02")
    closed = next(m for m in pressed if m.kind == "edit")
    await harness.press(who["C02"], closed, "补学")
    async with restarted(harness) as second:
        replies = await second.send(who["C02"], "自学了会议材料")
        assert any(m.text.startswith("补学已提交") for m in replies)
        assert "已为本次集体学习提交过补学" in (await second.press(who["C02"], closed, "补学"))[0].text
        assert "学习党章" not in (await second.send(who["C02"], "自学了会议材料"))[-1].text  # no flow: a question now
    assert [r.status for r in await records(harness)] == ["pending"]


async def test_makeup_within_a_full_daily_cap_records_nothing(harness: BotHarness) -> None:
    who = await people(harness)
    pressed = await closed_invite(harness, who, "C02")
    await harness.send(who["C02"], "/study 周一例会学习 1")  # by hand: confirmed at once, as configured
    closed = next(m for m in pressed if m.kind == "edit")
    await harness.press(who["C02"], closed, "补学")
    assert "已达每日上限" in (await harness.send(who["C02"], "自学了会议材料"))[-1].text
    assert [r.status for r in await records(harness)] == ["confirmed"]


async def test_makeup_in_a_group_asks_for_the_note_in_private(harness: BotHarness) -> None:
    who = await people(harness)
    replies = await send_in_group(harness, who["S01"], "/session 周一例会学习")
    [in_group] = [m for m in replies if m.chat_id == GROUP]
    harness.set_time(harness.services.now() + timedelta(hours=3))
    pressed = await harness.press(who["C02"], in_group, "签到")
    [closed] = [m for m in pressed if m.kind == "edit" and m.chat_id == GROUP]
    asked = await harness.press(who["C02"], closed, "补学")
    assert asked[0].kind == "alert" and "私聊" in asked[0].text
    assert [m.chat_id for m in asked[1:]] == [who["C02"].user_id]
    replies = await harness.send(who["C02"], "自学了会议材料")
    assert all(m.chat_id != GROUP for m in replies) and any(m.text.startswith("补学已提交") for m in replies)


async def test_a_restart_mid_session_keeps_checkins_once_and_the_end_report(harness: BotHarness) -> None:
    who = await people(harness)
    control = (await start(harness, who["S01"]))[-1]
    sent = await harness.tick("2026-11-20 10:01")
    await harness.press(who["C01"], invite_for(sent, who["C01"]), "签到")
    async with restarted(harness) as second:
        assert "无需重复" in (await second.press(who["C01"], invite_for(sent, who["C01"]), "签到"))[0].text
        assert "签到成功" in (await second.press(who["C02"], invite_for(sent, who["C02"]), "签到"))[0].text
        ended = await second.press(who["S01"], control, "结束")
        assert "已签到2/2，签到率100%" in ended[-1].text
        assert [m for m in await second.tick("2026-11-20 12:30") if m.chat_id == who["S01"].user_id] == []
    assert len(await records(harness)) == 2 and await count_of(harness, SessionCheckin) == 2


async def test_a_cadre_not_yet_bound_is_expected_but_the_organiser_is_not_told_he_was_sent_one(harness: BotHarness) -> None:
    await harness.import_roster()
    who = {code: await harness.join(code) for code in ("C01", "S01")}  # 李华 (C02) has not bound yet
    replies = await start(harness, who["S01"])
    assert replies[0].text == "已向1位同志发送签到通知；另有1位同志尚未绑定助手，收不到通知（仍计入应到人数）。"
    assert "已签到0/2" in replies[-1].text
    sent = await harness.tick("2026-11-20 10:01")
    assert [m.chat_id for m in sent if m.flat_buttons and m.flat_buttons[0].text == "签到"] == [who["C01"].user_id]
