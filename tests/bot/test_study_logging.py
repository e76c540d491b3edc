"""Logging study in the bot: the guided flow, the one-line form, fuzzy names, every refusal,
confirming twice, /cancel, and 撤销 inside and outside its window."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from bot.console.chat import LocalUser
from bot.console.request import BotMessage
from db import credits
from db.models import StudyRecord
from tests.conftest import BotHarness


async def cadre(harness: BotHarness, external_id: str = "C01") -> LocalUser:
    await harness.import_roster()
    return await harness.join(external_id)


async def stored(harness: BotHarness) -> list[StudyRecord]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(StudyRecord).order_by(StudyRecord.id))).all())


async def walk_to_confirm(harness: BotHarness, user: LocalUser, activity: str, amount: str) -> BotMessage:
    """/study → activity → amount button → 今天 → 跳过, leaving the confirmation on screen."""
    shown = (await harness.send(user, "/study"))[-1]
    shown = (await harness.press(user, shown, activity))[-1]
    shown = (await harness.press(user, shown, amount))[-1]
    shown = (await harness.press(user, shown, "今天"))[-1]
    return (await harness.press(user, shown, "跳过"))[-1]


# --- the guided flow -----------------------------------------------------------------------


async def test_guided_flow_through_buttons_saves_and_shows_the_new_total_with_undo(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    assert "请选择学习类型" in shown.text
    assert {"脱产培训", "专题讲座", "网络学院课程", "调研报告"} <= {b.text for b in shown.flat_buttons}
    shown = (await harness.press(user, shown, "网络学院课程"))[-1]
    assert "每小时计1学时，每天最多4小时" in shown.text and "学习了多少小时" in shown.text
    shown = (await harness.press(user, shown, "1.5小时"))[-1]
    assert "哪天学习的" in shown.text and [b.text for b in shown.flat_buttons] == ["今天", "昨天", "前天"]
    shown = (await harness.press(user, shown, "今天"))[-1]
    assert "备注" in shown.text and shown.button("跳过")
    shown = (await harness.press(user, shown, "跳过"))[-1]
    assert shown.text == "请确认：\n类型：网络学院课程\n数量：1.5小时（1.5学时）\n日期：11月20日（今天）\n备注：无"
    saved = (await harness.press(user, shown, "确认"))[-1]
    assert saved.text == "已记录：网络学院课程1.5小时（+1.5学时），11月20日（今天）。\n2026年度累计1.5学时，目标90学时。"
    assert saved.button("撤销")
    [record] = await stored(harness)
    assert (record.activity, record.amount, record.credits, record.study_date, record.status, record.note) == (
        "wangxue", 1.5, 1.5, date(2026, 11, 20), "confirmed", "")
    assert record.created_at.tzinfo is not None


async def test_amount_date_and_note_can_be_typed(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    assert "哪天" in (await harness.send(user, "2.5"))[-1].text
    assert "备注" in (await harness.send(user, "11月18日"))[-1].text
    confirm = (await harness.send(user, "学习二十大报告"))[-1]
    assert "数量：2.5小时（2.5学时）\n日期：11月18日（前天）\n备注：学习二十大报告" in confirm.text
    await harness.press(user, confirm, "确认")
    [record] = await stored(harness)
    assert (record.amount, record.study_date, record.note) == (2.5, date(2026, 11, 18), "学习二十大报告")


async def test_spoken_amounts_and_other_date_forms_are_understood(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    await harness.send(user, "两个半小时")
    await harness.send(user, "2026-11-19")
    await harness.press(user, (await harness.send(user, "党课"))[-1], "确认")
    [record] = await stored(harness)
    assert (record.amount, record.study_date) == (2.5, date(2026, 11, 19))


async def test_credits_follow_the_activity_rate(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "集中学习")
    shown = (await harness.press(user, (await harness.send(user, "2"))[-1], "今天"))[-1]
    shown = (await harness.press(user, shown, "跳过"))[-1]
    assert "数量：2次（6学时）" in shown.text
    assert "+6学时" in (await harness.press(user, shown, "确认"))[-1].text


# --- the one-line form ---------------------------------------------------------------------


async def test_one_line_form_saves_at_once_with_note_or_date(harness: BotHarness) -> None:
    user = await cadre(harness)
    first = (await harness.send(user, "/study 专题讲座 2 学习二十大报告"))[-1]
    assert first.text == "已记录：专题讲座2小时（+2学时），11月20日（今天）。\n2026年度累计2学时，目标90学时。"
    assert first.button("撤销")
    second = (await harness.send(user, "/study 网络学院 1.5 昨天"))[-1]
    assert "网络学院课程1.5小时（+1.5学时），11月19日（昨天）" in second.text and "累计3.5学时，目标90学时" in second.text
    records = await stored(harness)
    assert [(r.activity, r.note, r.study_date) for r in records] == [
        ("jiangzuo", "学习二十大报告", date(2026, 11, 20)), ("wangxue", "", date(2026, 11, 19))]


async def test_one_line_with_only_the_activity_continues_as_the_guided_flow(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study 讲座"))[-1]
    assert "专题讲座" in shown.text and "学习了多少小时" in shown.text
    shown = (await harness.press(user, shown, "1小时"))[-1]
    shown = (await harness.press(user, shown, "今天"))[-1]
    await harness.press(user, (await harness.press(user, shown, "跳过"))[-1], "确认")
    assert [r.activity for r in await stored(harness)] == ["jiangzuo"]


async def test_a_near_activity_name_is_understood(harness: BotHarness) -> None:
    user = await cadre(harness)
    saved = (await harness.send(user, "/study 网络课 1"))[-1]
    assert "已记录：网络学院课程1小时" in saved.text


async def test_an_unknown_activity_offers_the_closest_types_as_buttons(harness: BotHarness) -> None:
    user = await cadre(harness)
    offer = (await harness.send(user, "/study 学习 2"))[-1]
    assert offer.text == "没有「学习」这个学习类型，您是指："
    labels = [b.text for b in offer.flat_buttons]
    assert labels[:2] == ["集中学习", "周一例会学习"] and labels[-1] == "其他类型…"
    confirm = (await harness.press(user, offer, "集中学习"))[-1]
    assert "类型：集中学习\n数量：2次（6学时）\n日期：11月20日（今天）" in confirm.text
    await harness.press(user, confirm, "确认")
    assert [(r.activity, r.amount) for r in await stored(harness)] == [("jizhong", 2)]


async def test_other_types_shows_every_activity(harness: BotHarness) -> None:
    user = await cadre(harness)
    offer = (await harness.send(user, "/study 看书 1"))[-1]
    assert [b.text for b in offer.flat_buttons] == ["读书笔记", "其他类型…"]
    everything = (await harness.press(user, offer, "其他类型"))[-1]
    # Every activity one logs by hand; the quiz's (manual: false) is recorded by /quiz alone.
    study = harness.services.config.study
    assert [b.text for b in everything.flat_buttons] == [a.name for a in study.activities if a.manual]
    assert len(everything.flat_buttons) == len(study.activities) - 1


async def test_a_name_like_no_activity_lists_every_activity_plainly(harness: BotHarness) -> None:
    user = await cadre(harness)
    offer = (await harness.send(user, "/study 跑步 1"))[-1]
    assert offer.text == "没有「跑步」这个学习类型，请从以下类型中选择："
    names = [a.name for a in harness.services.config.study.activities if a.manual]  # not the quiz's own
    assert [b.text for b in offer.flat_buttons] == names and "每日答题" not in names
    confirm = (await harness.press(user, offer, "专题讲座"))[-1]
    assert "类型：专题讲座\n数量：1小时（1学时）" in confirm.text


async def test_an_unknown_activity_alone_continues_as_the_guided_flow_once_picked(harness: BotHarness) -> None:
    user = await cadre(harness)
    offer = (await harness.send(user, "/study 看书"))[-1]
    asked = (await harness.press(user, offer, "其他类型"))[-1]
    asked = (await harness.press(user, asked, "专题讲座"))[-1]
    assert "学习了多少小时" in asked.text
    assert "哪天学习的" in (await harness.press(user, asked, "1小时"))[-1].text


async def test_an_amount_glued_to_the_activity_is_understood(harness: BotHarness) -> None:
    user = await cadre(harness)
    assert "已记录：专题讲座2小时" in (await harness.send(user, "/study 专题讲座2"))[-1].text


async def test_a_picked_activity_still_checks_the_amount_typed_before(harness: BotHarness) -> None:
    user = await cadre(harness)
    offer = (await harness.send(user, "/study 学习 1.5"))[-1]
    asked = (await harness.press(user, offer, "集中学习"))[-1]
    assert "集中学习按次计，请填写整数" in asked.text and "学习了多少次" in asked.text
    assert await stored(harness) == []


# --- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("/study 专题讲座 0", "数量必须大于0。"),
        ("/study 专题讲座 -1", "数量必须大于0。"),
        ("/study 专题讲座 1e9", "「1e9」不是有效的数量，请填写数字，例如2或1.5。"),
        ("/study 专题讲座 nan", "「nan」不是有效的数量"),
        ("/study 专题讲座 inf", "「inf」不是有效的数量"),
        ("/study 专题讲座 25", "数量过大：一条记录最多24小时，请核对。"),
        ("/study 专题讲座 9", "专题讲座每天最多记8小时。"),
        ("/study 专题讲座 1.255", "数量最多保留两位小数"),
        ("/study 读书笔记 1.5 论语", "读书笔记按篇计，请填写整数"),
        ("/study 专题讲座 2 11-25", "不能记录未来的学习（今天是11月20日）。"),
        ("/study 专题讲座 2 2026-10-20", "只能补记最近30天内的学习（10月21日及以后）。"),
        ("/study 专题讲座 2 2026-13-45", "未能识别日期「2026-13-45」。"),
        ("/study 读书笔记 1", "读书笔记需要填写备注：书名或篇目。"),
        ("/study 专题讲座 2 " + "长" * 201, "备注最多200个字"),
    ],
)
async def test_one_line_refusals_say_why_and_save_nothing(harness: BotHarness, line: str, reason: str) -> None:
    user = await cadre(harness)
    replies = await harness.send(user, line)
    assert reason in replies[-1].text and "/study 类型 数量" in replies[-1].text
    assert await stored(harness) == []


async def test_the_oldest_day_in_the_window_is_accepted(harness: BotHarness) -> None:
    user = await cadre(harness)
    assert "已记录" in (await harness.send(user, "/study 专题讲座 2 2026-10-21"))[-1].text


async def test_typed_refusals_ask_again_with_the_reason(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    for typed, reason in (("0", "必须大于0"), ("-1", "必须大于0"), ("1e9", "不是有效的数量"), ("NaN", "不是有效的数量")):
        again = (await harness.send(user, typed))[-1]
        assert reason in again.text and "学习了多少小时" in again.text and "/cancel" in again.text, typed
    await harness.send(user, "2")
    future = (await harness.send(user, "11月25日"))[-1]
    assert "不能记录未来的学习" in future.text and "哪天学习的" in future.text
    too_old = (await harness.send(user, "2026-09-01"))[-1]
    assert "只能补记最近30天内的学习" in too_old.text
    assert "备注" in (await harness.send(user, "前天"))[-1].text
    assert await stored(harness) == []


async def test_a_forged_amount_button_is_refused_on_the_button(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    shown = (await harness.press(user, shown, "专题讲座"))[-1]
    for data, reason in (("st:amt:1e9", "不是有效的数量"), ("st:amt:-3", "大于0"), ("st:amt:20", "每天最多记8小时")):
        replies = await harness.chat.press_data(user, shown, data)
        assert replies[-1].kind == "alert" and reason in replies[-1].text, data
    assert "哪天" in (await harness.press(user, shown, "2小时"))[-1].text


async def test_over_the_daily_cap_counting_what_is_already_logged(harness: BotHarness) -> None:
    user = await cadre(harness)
    await harness.send(user, "/study 网络学院 3")
    refused = (await harness.send(user, "/study 网络学院 2"))[-1]
    assert "超出每日上限：网络学院课程每天最多4小时，11月20日（今天）已记录3小时，最多还能记1小时。" in refused.text
    assert "已记录" in (await harness.send(user, "/study 网络学院 2 昨天"))[-1].text  # another day is fine
    assert "已记录" in (await harness.send(user, "/study 网络学院 1"))[-1].text
    full = (await harness.send(user, "/study 网络学院 0.5"))[-1]
    assert "11月20日（今天）已记满" in full.text
    assert [r.amount for r in await stored(harness)] == [3, 2, 1]


async def test_guided_flow_checks_the_cap_once_the_day_is_known(harness: BotHarness) -> None:
    user = await cadre(harness)
    await harness.send(user, "/study 网络学院 3")
    shown = (await harness.send(user, "/study"))[-1]
    shown = (await harness.press(user, shown, "网络学院课程"))[-1]
    shown = (await harness.press(user, shown, "2小时"))[-1]
    again = (await harness.press(user, shown, "今天"))[-1]
    assert "最多还能记1小时" in again.text and "学习了多少小时" in again.text
    shown = (await harness.press(user, again, "1小时"))[-1]
    assert "备注" in shown.text  # the day is kept; only the amount was asked again


async def test_a_record_made_elsewhere_meanwhile_still_counts_against_the_cap_on_confirm(harness: BotHarness) -> None:
    user = await cadre(harness)
    confirm = await walk_to_confirm(harness, user, "网络学院课程", "2小时")
    async with harness.services.db.session() as session:
        activity = harness.services.config.study.activity("wangxue")
        person_id = (await stored_person_id(harness, "C01"))
        await credits.log_study(
            session, person_id=person_id, activity=activity, amount=Decimal(3), study_date=date(2026, 11, 20),
            note="", client_token="elsewhere", now=harness.services.now(),
        )
        await session.commit()
    again = (await harness.press(user, confirm, "确认"))[-1]
    assert "最多还能记1小时" in again.text and "学习了多少小时" in again.text
    assert [r.amount for r in await stored(harness)] == [3]


async def stored_person_id(harness: BotHarness, external_id: str) -> int:
    from db import people

    async with harness.services.db.session() as session:
        person = await people.by_external_id(session, external_id)
        assert person is not None
        return person.id


async def test_a_required_note_has_no_skip_button_and_a_forged_skip_is_refused(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    shown = (await harness.press(user, shown, "读书笔记"))[-1]
    shown = (await harness.press(user, shown, "1篇"))[-1]
    shown = (await harness.press(user, shown, "今天"))[-1]
    assert shown.text == "请输入备注（必填）：书名或篇目" and not shown.buttons
    refused = await harness.chat.press_data(user, shown, "st:skip")
    assert refused[-1].kind == "alert" and "需要填写备注" in refused[-1].text
    confirm = (await harness.send(user, "《习近平谈治国理政》第四卷"))[-1]
    assert "备注：《习近平谈治国理政》第四卷" in confirm.text


# --- confirming twice, retries, cancelling -----------------------------------------------------


async def test_pressing_confirm_twice_records_once(harness: BotHarness) -> None:
    user = await cadre(harness)
    confirm = await walk_to_confirm(harness, user, "专题讲座", "2小时")
    await harness.press(user, confirm, "确认")
    again = await harness.press(user, confirm, "确认")
    assert again[-1].kind == "alert" and again[-1].text == "已记录过了，不会重复记录。"
    assert len(await stored(harness)) == 1


async def test_a_retried_one_line_update_records_once(harness: BotHarness) -> None:
    user = await cadre(harness)
    message = harness.chat._message(user, text="/study 专题讲座 2")
    message["entities"] = [{"type": "bot_command", "offset": 0, "length": 6}]
    first = await harness.chat.deliver({"message": message})
    retried = await harness.chat.deliver({"message": message})
    assert "已记录：" in first[-1].text and retried[-1].text == "已记录过了，不会重复记录。"
    assert len(await stored(harness)) == 1


async def test_someone_elses_confirm_button_does_not_record_for_them(harness: BotHarness) -> None:
    user = await cadre(harness)
    confirm = await walk_to_confirm(harness, user, "专题讲座", "2小时")
    other = await harness.join("C02")
    replies = await harness.press(other, confirm, "确认")
    assert replies[-1].kind == "alert" and "失效" in replies[-1].text
    assert await stored(harness) == []


async def test_cancel_mid_flow_drops_the_draft_and_text_is_a_question_again(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    assert (await harness.send(user, "/cancel"))[-1].text == "已取消。"
    after = (await harness.send(user, "2"))[-1]
    assert "学习了多少" not in after.text and "哪天" not in after.text
    assert (await harness.send(user, "/cancel"))[-1].text == "当前没有进行中的操作。"
    assert await stored(harness) == []


async def test_cancel_button_on_the_confirmation(harness: BotHarness) -> None:
    user = await cadre(harness)
    confirm = await walk_to_confirm(harness, user, "专题讲座", "2小时")
    assert (await harness.press(user, confirm, "取消"))[-1].text == "已取消。"
    stale = await harness.press(user, confirm, "确认")
    assert stale[-1].kind == "alert" and "失效" in stale[-1].text
    assert await stored(harness) == []


async def test_study_again_mid_flow_starts_over(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    await harness.press(user, shown, "专题讲座")
    assert "请选择学习类型" in (await harness.send(user, "/study"))[-1].text


async def test_a_stale_step_button_after_the_flow_gets_the_expired_alert(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    amount = (await harness.press(user, shown, "专题讲座"))[-1]
    await harness.send(user, "/cancel")
    replies = await harness.press(user, amount, "2小时")
    assert replies[-1].kind == "alert" and "失效" in replies[-1].text


async def test_only_cadres_log_study(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    assert "暂无权限" in (await harness.send(admin, "/study 专题讲座 2"))[-1].text
    assert "暂无权限" in (await harness.send(admin, "/study"))[-1].text


async def test_a_supervisor_who_is_also_a_cadre_logs_too(harness: BotHarness) -> None:
    supervisor = await cadre(harness, "S01")
    assert "已记录" in (await harness.send(supervisor, "/study 专题讲座 1"))[-1].text


# --- 撤销 ------------------------------------------------------------------------------------


async def test_undo_within_the_window_voids_the_record_and_updates_the_total(harness: BotHarness) -> None:
    user = await cadre(harness)
    saved = (await harness.send(user, "/study 专题讲座 2"))[-1]
    harness.set_time(harness.services.now() + timedelta(hours=23))
    undone = (await harness.press(user, saved, "撤销"))[-1]
    assert undone.kind == "edit" and not undone.buttons
    assert undone.text == "已撤销：专题讲座2小时，11月20日（昨天）。\n2026年度累计0学时，目标90学时。"
    [record] = await stored(harness)
    assert record.status == "voided" and record.voided_by == record.person_id and record.void_reason is None
    again = await harness.press(user, saved, "撤销")
    assert again[-1].kind == "alert" and again[-1].text == "这条记录已作废，无需撤销。"


async def test_undo_after_the_window_points_to_fix(harness: BotHarness) -> None:
    user = await cadre(harness)
    saved = (await harness.send(user, "/study 专题讲座 2"))[-1]
    harness.set_time(harness.services.now() + timedelta(hours=24, minutes=1))
    replies = await harness.press(user, saved, "撤销")
    [record] = await stored(harness)
    assert replies[-1].kind == "alert"
    assert replies[-1].text == (
        f"记录已超过24小时，不能自行撤销。如需更正，请发送 /fix {record.id} 说明，例如：/fix {record.id} 日期应为11月18日"
    )
    assert record.status == "confirmed"


async def test_someone_elses_or_a_forged_undo_is_refused(harness: BotHarness) -> None:
    user = await cadre(harness)
    saved = (await harness.send(user, "/study 专题讲座 2"))[-1]
    other = await harness.join("C02")
    assert "失效" in (await harness.press(other, saved, "撤销"))[-1].text
    for data in ("st:undo:999999", "st:undo:abc", "st:undo:", "st:undo:99999999999999999999", "st:nothing"):
        replies = await harness.chat.press_data(user, saved, data)
        assert replies[-1].kind == "alert" and "失效" in replies[-1].text, data
    assert [r.status for r in await stored(harness)] == ["confirmed"]
