"""Confirmation without dead ends: /pending lists what waits, oldest first; 退回 asks why and
the cadre reads the reason; records left waiting are sent once more; what cannot be done is
refused with what to do instead."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.console.chat import LocalUser
from bot.console.request import BotMessage
from bot.scheduling.review_prompts import plan_review_resends
from db.models import Delivery, StudyRecord
from tests.bot.restart import restarted
from tests.conftest import ROSTER, BotHarness

REPORT = "/study 调研报告 1 关于基层党建的调研"
ROSTER_WITH_OTHER_UNIT = ROSTER + '- {id: "S02", name: 孙丽, unit: 干部科, roles: cadre;supervisor, supervises: 干部科}\n'


async def stored(harness: BotHarness) -> list[StudyRecord]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(StudyRecord).order_by(StudyRecord.id))).all())


def sent_to(replies: list[BotMessage], user: LocalUser) -> list[BotMessage]:
    return [m for m in replies if m.chat_id == user.user_id and m.kind != "edit"]


async def later(harness: BotHarness, **delta: float) -> None:
    harness.set_time(harness.services.now() + timedelta(**delta))


async def cadre_and_supervisor(harness: BotHarness, roster: str = ROSTER_WITH_OTHER_UNIT) -> tuple[LocalUser, LocalUser]:
    await harness.import_roster(roster)
    return await harness.join("C01"), await harness.join("S01")


# --- /pending ------------------------------------------------------------------------------------


async def test_pending_from_a_cadre_is_politely_refused(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre = await harness.join("C01")
    assert [m.text for m in await harness.send(cadre, "/pending")] == ["抱歉，这项功能您暂无权限使用。"]


async def test_pending_lists_the_oldest_first_and_通过_there_counts_it(harness: BotHarness) -> None:
    cadre, supervisor = await cadre_and_supervisor(harness)
    colleague = await harness.join("C02")
    await harness.send(cadre, REPORT)
    await later(harness, days=2)
    await harness.send(colleague, "/study 调研报告 1 乡村振兴调研")
    await later(harness, hours=3)
    first, second = await stored(harness)
    [listing] = await harness.send(supervisor, "/pending")
    assert listing.text == (
        "📥 待您处理的记录（共2条，最早的在前）：\n"
        f"1. #{first.id} 张明（组织科）调研报告1篇（8学时），11月20日\n　　备注：关于基层党建的调研 · 已等待2天\n"
        f"2. #{second.id} 李华（组织科）调研报告1篇（8学时），11月22日\n　　备注：乡村振兴调研 · 已等待不到1天"
    )
    assert [b.text for b in listing.flat_buttons] == [
        f"✅ 通过#{first.id}", f"↩️ 退回#{first.id}", f"✅ 通过#{second.id}", f"↩️ 退回#{second.id}",
    ]
    replies = await harness.press(supervisor, listing, f"通过#{first.id}")
    [told] = sent_to(replies, cadre)
    assert told.text == f"您11月20日的「调研报告」1篇（记录#{first.id}）已由赵强确认，计入8学时。"
    [edited] = [m for m in replies if m.kind == "edit"]
    assert edited.text.startswith(f"已通过记录#{first.id}，已告知张明。\n\n📥 待您处理的记录（共1条")
    assert [b.text for b in edited.flat_buttons] == [f"✅ 通过#{second.id}", f"↩️ 退回#{second.id}"]
    assert [r.status for r in await stored(harness)] == ["confirmed", "pending"]


async def test_pending_with_nothing_waiting_says_so(harness: BotHarness) -> None:
    _, supervisor = await cadre_and_supervisor(harness)
    assert [m.text for m in await harness.send(supervisor, "/pending")] == ["目前没有等待您处理的记录。"]


async def test_pending_pages_five_at_a_time(harness: BotHarness) -> None:
    cadre, supervisor = await cadre_and_supervisor(harness)
    for n in range(7):
        await harness.send(cadre, f"/study 调研报告 1 {n + 1}天前 第{n + 1}篇调研")  # one a day at most
        await later(harness, minutes=1)
    records = await stored(harness)
    [page_one] = await harness.send(supervisor, "/pending")
    assert page_one.text.startswith("📥 待您处理的记录（共7条，最早的在前，第1/2页）：")
    assert f"5. #{records[4].id} " in page_one.text and f"#{records[5].id}" not in page_one.text
    assert page_one.flat_buttons[-1].text == "下一页 ▶"
    [page_two] = [m for m in await harness.press(supervisor, page_one, "下一页") if m.kind == "edit"]
    assert page_two.text.startswith("📥 待您处理的记录（共7条，最早的在前，第2/2页）：")
    assert f"6. #{records[5].id} " in page_two.text and f"7. #{records[6].id} " in page_two.text
    assert [b.text for b in page_two.flat_buttons][-1] == "◀ 上一页"


async def test_pending_shows_another_units_supervisor_nothing_and_refuses_their_forged_buttons(harness: BotHarness) -> None:
    cadre, _ = await cadre_and_supervisor(harness)
    other = await harness.join("S02")
    await harness.send(cadre, REPORT)
    [record] = await stored(harness)
    [listing] = await harness.send(other, "/pending")
    assert listing.text == "目前没有等待您处理的记录。"
    for data in (f"rv:ok:{record.id}:1", f"rv:no:{record.id}:1", f"rv:ok:{record.id}:²", "rv:ok:1:99999999999999999999",
                 "pd:pg:²³", "pd:pg:99999999999999999999", "fx:ok:1", "fx:no:²³"):
        replies = await harness.chat.press_data(other, listing, data)
        assert replies[-1].kind == "alert" and replies[-1].text in ("抱歉，您无法处理这条记录。", "这个按钮已失效，请重新操作。"), data
    assert not [m for m in await harness.send(other, "材料不全") if "退回" in m.text]  # no reason was asked
    assert [r.status for r in await stored(harness)] == ["pending"]


# --- 退回 with a reason ------------------------------------------------------------------------------


async def test_退回_asks_again_for_an_empty_or_too_long_reason_then_the_cadre_reads_it(harness: BotHarness) -> None:
    cadre, supervisor = await cadre_and_supervisor(harness)
    await harness.send(cadre, REPORT)
    [record] = await stored(harness)
    [listing] = await harness.send(supervisor, "/pending")
    [asked] = await harness.press(supervisor, listing, f"退回#{record.id}")
    assert asked.text.startswith(f"请输入退回记录#{record.id}（张明 · 调研报告1篇）的原因，不超过200字")
    assert [m.text for m in await harness.send(supervisor, "   ")] == ["请写明原因（不超过200字），或发送 /cancel 取消。"]
    assert [m.text for m in await harness.send(supervisor, "长" * 300)] == [
        "原因最多200字（刚才是300字），请精简后重新输入，或发送 /cancel 取消。"
    ]
    assert [r.status for r in await stored(harness)] == ["pending"]
    replies = await harness.send(supervisor, "请补充调研对象和时间")
    assert sent_to(replies, supervisor)[0].text == f"已退回记录#{record.id}，并把原因告知张明。"
    [told] = sent_to(replies, cadre)
    assert "原因：请补充调研对象和时间" in told.text
    [page] = [m for m in replies if m.kind == "edit"]
    assert page.text == "目前没有等待您处理的记录。"
    history = (await harness.send(cadre, "/credits 记录"))[-1].text
    assert (
        f"#{record.id} 11月20日（今天） 调研报告1篇，8学时（已退回）\n　　已退回：赵强，11月20日 10:00；原因：请补充调研对象和时间"
    ) in history


async def test_a_question_while_a_reason_is_asked_is_taken_as_the_reason(harness: BotHarness) -> None:
    cadre, supervisor = await cadre_and_supervisor(harness)
    [prompt] = [m for m in await harness.send(cadre, REPORT) if m.chat_id == supervisor.user_id]
    [record] = await stored(harness)
    await harness.press(supervisor, prompt, "退回")
    await harness.send(supervisor, "调研报告是否需要盖章？")
    [returned] = await stored(harness)
    assert (returned.id, returned.status, returned.decision_reason) == (record.id, "rejected", "调研报告是否需要盖章？")


async def test_cancel_while_a_reason_is_asked_leaves_the_record_waiting(harness: BotHarness) -> None:
    cadre, supervisor = await cadre_and_supervisor(harness)
    await harness.send(cadre, REPORT)
    prompt = [m for m in harness.request.outbox if m.chat_id == supervisor.user_id and m.buttons][-1]
    await harness.press(supervisor, prompt, "退回")
    assert (await harness.send(supervisor, "/cancel"))[-1].text == "已取消。"
    assert [r.status for r in await stored(harness)] == ["pending"]
    assert "#" in (await harness.send(supervisor, "/pending"))[-1].text


async def test_a_reason_not_given_in_time_is_dropped_and_said_so(harness: BotHarness) -> None:
    cadre, supervisor = await cadre_and_supervisor(harness)
    await harness.send(cadre, REPORT)
    prompt = [m for m in harness.request.outbox if m.chat_id == supervisor.user_id and m.buttons][-1]
    await harness.press(supervisor, prompt, "退回")
    await later(harness, minutes=11)
    replies = await harness.send(supervisor, "材料不全")
    assert replies[0].text == (
        "退回需要填写原因：超过10分钟没有填写，已取消，记录仍待确认。可发送 /pending 重新处理。"
    )
    assert [r.status for r in await stored(harness)] == ["pending"]


async def test_an_admin_lists_only_what_no_supervisor_can_confirm(harness: BotHarness) -> None:
    await harness.import_roster(ROSTER_WITH_OTHER_UNIT)
    own, admin = await harness.join("S01"), await harness.join("A01")
    cadre = await harness.join("C01")
    await harness.send(own, REPORT)  # nobody else supervises 组织科: the admins confirm it
    await harness.send(cadre, "/study 调研报告 1 乡村调研")  # 赵强 confirms this one
    mine, theirs = await stored(harness)
    listing = (await harness.send(admin, "/pending"))[-1].text
    assert f"#{mine.id} 赵强（组织科）" in listing and f"#{theirs.id}" not in listing
    assert f"#{theirs.id} 张明" in (await harness.send(own, "/pending"))[-1].text
    assert f"#{mine.id}" not in (await harness.send(own, "/pending"))[-1].text


async def test_the_reason_asked_survives_a_restart(harness: BotHarness) -> None:
    cadre, supervisor = await cadre_and_supervisor(harness)
    await harness.send(cadre, REPORT)
    prompt = [m for m in harness.request.outbox if m.chat_id == supervisor.user_id and m.buttons][-1]
    await harness.press(supervisor, prompt, "退回")
    async with restarted(harness) as instance:
        replies = await instance.send(supervisor, "缺少佐证材料")
        assert "已退回记录" in replies[0].text
        edited = [m for m in replies if m.kind == "edit"][-1]
        assert edited.text.endswith("↩️ 已退回（赵强）") and not edited.buttons
    assert [r.decision_reason for r in await stored(harness)] == ["缺少佐证材料"]


# --- sent once more after a week ------------------------------------------------------------------


async def test_a_record_waiting_a_week_is_sent_once_more_and_can_be_confirmed_there(harness: BotHarness) -> None:
    cadre, supervisor = await cadre_and_supervisor(harness)
    await harness.send(cadre, REPORT)  # Friday 2026-11-20 10:00
    [record] = await stored(harness)
    harness.set_time(harness.services.now() + timedelta(days=5))
    await harness.send(cadre, "/study 调研报告 1 第二篇")  # 11-25: five days by Monday
    sent = await harness.tick("2026-11-30 09:30")
    [again] = [m for m in sent if m.chat_id == supervisor.user_id and "再次提醒" in m.text]
    assert again.text.startswith(f"⏰ 已等待9天，再次提醒：\n请确认学习记录#{record.id}：\n张明（组织科）")
    assert [b.text for b in again.flat_buttons] == ["✅ 通过", "↩️ 退回"]
    assert not [m for m in await harness.tick("2026-11-30 10:30") if "再次提醒" in m.text]
    assert not [m for m in await harness.tick("2026-12-01 09:30") if f"#{record.id}：" in m.text]
    await harness.press(supervisor, again, "通过")
    assert [r.status for r in await stored(harness)] == ["confirmed", "pending"]
    later_ones = [m for m in await harness.tick("2026-12-03 09:30") if "再次提醒" in m.text]
    assert [m.text.split("\n")[1] for m in later_ones] == [f"请确认学习记录#{record.id+1}："]


async def test_a_record_decided_before_its_resend_is_not_sent_again(harness: BotHarness) -> None:
    cadre, supervisor = await cadre_and_supervisor(harness)
    await harness.send(cadre, REPORT)
    [record] = await stored(harness)
    harness.set_time(harness.services.now() + timedelta(days=10))
    async with harness.services.db.session() as session:  # planned by another instance, not yet sent
        planned_at = datetime(2026, 11, 30, 1, 30, tzinfo=timezone.utc)
        assert await plan_review_resends(session, harness.services, planned_at) == 1
        await session.commit()
    prompt = [m for m in harness.request.outbox if m.chat_id == supervisor.user_id and m.buttons][0]
    await harness.press(supervisor, prompt, "通过")
    sent = await harness.tick("2026-11-30 09:31")
    assert not [m for m in sent if "再次提醒" in m.text]
    async with harness.services.db.session() as session:
        rows = (await session.scalars(select(Delivery).where(Delivery.kind == f"review:rec:{record.id}"))).all()
    assert [row.status for row in rows] == ["skipped"]
