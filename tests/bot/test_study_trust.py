"""Trust in the records: supervisors confirm or reject what needs confirming, admins void
with a reason, and the cadre always hears the outcome."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.console.chat import LocalUser
from bot.console.request import BotMessage
from db.models import StudyRecord
from tests.conftest import ROSTER, BotHarness

REPORT = "/study 调研报告 1 关于基层党建的调研"

# The shipped roster plus a supervisor of another unit.
ROSTER_WITH_OTHER_UNIT = ROSTER + '- {id: "S02", name: 孙丽, unit: 干部科, roles: cadre;supervisor, supervises: 干部科}\n'


async def stored(harness: BotHarness) -> list[StudyRecord]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(StudyRecord).order_by(StudyRecord.id))).all())


def sent_to(replies: list[BotMessage], user: LocalUser) -> list[BotMessage]:
    return [m for m in replies if m.chat_id == user.user_id]


async def pending_report(harness: BotHarness) -> tuple[LocalUser, LocalUser, BotMessage]:
    """张明 (组织科) logs a report; 赵强, supervisor of 组织科, is asked. Returns cadre, supervisor, prompt."""
    await harness.import_roster(ROSTER_WITH_OTHER_UNIT)
    supervisor = await harness.join("S01")
    user = await harness.join("C01")
    replies = await harness.send(user, REPORT)
    [prompt] = sent_to(replies, supervisor)
    return user, supervisor, prompt


# --- supervisor confirmation -----------------------------------------------------------------


async def test_a_record_that_needs_confirmation_waits_and_the_supervisor_is_asked(harness: BotHarness) -> None:
    await harness.import_roster()
    supervisor = await harness.join("S01")
    user = await harness.join("C01")
    replies = await harness.send(user, REPORT)
    [told] = sent_to(replies, user)
    [record] = await stored(harness)
    assert told.text == (
        "已提交：调研报告1篇（8学时），11月20日（今天），确认后计入。\n2026年度已计入0学时，目标90学时。\n"
        f"已请赵强确认（记录#{record.id}）。"
    )
    [prompt] = sent_to(replies, supervisor)
    assert prompt.text == (
        f"请确认学习记录#{record.id}：\n张明（组织科）\n调研报告1篇（8学时）\n日期：11月20日\n备注：关于基层党建的调研"
    )
    assert [b.text for b in prompt.flat_buttons] == ["✅ 通过", "↩️ 退回"]
    assert record.status == "pending"


async def test_a_pending_record_is_not_counted(harness: BotHarness) -> None:
    user, _, _ = await pending_report(harness)
    progress = (await harness.send(user, "/credits"))[-1].text
    assert "已计入0学时，年度目标90学时" in progress and "另有8学时待分管领导确认" in progress
    assert "调研报告1篇，8学时（待确认）" in progress


async def test_supervisor_confirms_and_the_cadre_is_told_and_it_counts(harness: BotHarness) -> None:
    user, supervisor, prompt = await pending_report(harness)
    replies = await harness.press(supervisor, prompt, "通过")
    edited = [m for m in replies if m.kind == "edit"][-1]
    assert edited.text.endswith("✅ 已通过（赵强）") and not edited.buttons
    [told] = sent_to(replies, user)
    [record] = await stored(harness)
    assert told.text == f"您11月20日的「调研报告」1篇（记录#{record.id}）已由赵强确认，计入8学时。"
    assert record.status == "confirmed" and record.decided_at is not None
    assert "已计入8学时，年度目标90学时" in (await harness.send(user, "/credits"))[-1].text


async def test_supervisor_rejects_with_a_reason_and_the_cadre_reads_it_and_it_does_not_count(harness: BotHarness) -> None:
    user, supervisor, prompt = await pending_report(harness)
    [record] = await stored(harness)
    [asked] = await harness.press(supervisor, prompt, "退回")
    assert asked.text == (
        f"请输入退回记录#{record.id}（张明 · 调研报告1篇）的原因，不超过200字，张明会收到这条原因。\n"
        "发送 /cancel 取消，记录保持待确认。"
    )
    assert [r.status for r in await stored(harness)] == ["pending"]  # nothing changes before the reason
    replies = await harness.send(supervisor, "请附调研报告全文")
    assert sent_to(replies, supervisor)[0].text == f"已退回记录#{record.id}，并把原因告知张明。"
    assert [m for m in replies if m.kind == "edit"][-1].text.endswith("↩️ 已退回（赵强）")
    [told] = sent_to(replies, user)
    assert told.text == (
        f"您11月20日的「调研报告」1篇（记录#{record.id}）被赵强退回，未计入。\n原因：请附调研报告全文\n"
        "如需补登，请按正确内容重新登记（/study）；如有疑问，请与赵强沟通。"
    )
    progress = (await harness.send(user, "/credits"))[-1].text
    assert "已计入0学时，年度目标90学时" in progress and "待分管领导确认" not in progress
    [returned] = await stored(harness)
    assert (returned.status, returned.decision_reason) == ("rejected", "请附调研报告全文")


async def test_a_record_acted_on_twice_says_it_was_handled(harness: BotHarness) -> None:
    _, supervisor, prompt = await pending_report(harness)
    await harness.press(supervisor, prompt, "通过")
    [record] = await stored(harness)
    for label in ("通过", "退回"):
        again = await harness.press(supervisor, prompt, label)
        assert again[-1].kind == "alert" and again[-1].text == f"记录#{record.id}已由赵强处理（已计入）。"
    assert [r.status for r in await stored(harness)] == ["confirmed"]


async def test_every_supervisor_of_the_unit_is_asked_and_the_second_finds_it_handled(harness: BotHarness) -> None:
    roster = ROSTER + '- {id: "S03", name: 钱进, unit: 组织科, roles: supervisor, supervises: 组织科}\n'
    await harness.import_roster(roster)
    first, second = await harness.join("S01"), await harness.join("S03")
    user = await harness.join("C01")
    replies = await harness.send(user, REPORT)
    [first_prompt], [second_prompt] = sent_to(replies, first), sent_to(replies, second)
    await harness.press(second, second_prompt, "通过")
    [record] = await stored(harness)
    assert (await harness.press(first, first_prompt, "退回"))[-1].text == f"记录#{record.id}已由钱进处理（已计入）。"


async def test_of_通过_and_退回_at_once_the_first_to_finish_wins_and_the_other_is_told(harness: BotHarness) -> None:
    roster = ROSTER + '- {id: "S03", name: 钱进, unit: 组织科, roles: supervisor, supervises: 组织科}\n'
    await harness.import_roster(roster)
    first, second = await harness.join("S01"), await harness.join("S03")
    user = await harness.join("C01")
    replies = await harness.send(user, REPORT)
    [first_prompt], [second_prompt] = sent_to(replies, first), sent_to(replies, second)
    await harness.press(first, first_prompt, "退回")  # asked for a reason …
    await harness.press(second, second_prompt, "通过")  # … while the other confirms
    [record] = await stored(harness)
    late = await harness.send(first, "材料不全")
    assert [m.text for m in late] == [f"记录#{record.id}已由钱进处理（已计入）。"]
    assert not sent_to(late, user)
    assert [r.status for r in await stored(harness)] == ["confirmed"]


async def test_another_units_supervisor_and_forged_data_are_refused_alike(harness: BotHarness) -> None:
    user, _, prompt = await pending_report(harness)
    [record] = await stored(harness)
    other_supervisor = await harness.join("S02")
    cadre = await harness.join("C02")
    for presser, data in (
        (other_supervisor, f"rv:ok:{record.id}"), (other_supervisor, f"rv:no:{record.id}"),
        (cadre, f"rv:ok:{record.id}"), (user, f"rv:ok:{record.id}"),
        (other_supervisor, "rv:ok:999999"), (other_supervisor, "rv:ok:abc"), (other_supervisor, "rv:"),
        (other_supervisor, "rv:maybe:1"), (other_supervisor, "rv:ok:99999999999999999999"),
    ):
        replies = await harness.chat.press_data(presser, prompt, data)
        assert replies[-1].kind == "alert" and replies[-1].text == "抱歉，您无法处理这条记录。", data
    assert [r.status for r in await stored(harness)] == ["pending"]


async def test_a_supervisors_own_record_goes_to_another_supervisor_of_the_unit(harness: BotHarness) -> None:
    roster = ROSTER + '- {id: "S03", name: 钱进, unit: 组织科, roles: supervisor, supervises: 组织科}\n'
    await harness.import_roster(roster)
    supervisor, other = await harness.join("S01"), await harness.join("S03")
    replies = await harness.send(supervisor, REPORT)
    [record] = await stored(harness)
    assert sent_to(replies, supervisor)[0].text.endswith(f"已请钱进确认（记录#{record.id}）。")
    [prompt] = sent_to(replies, other)
    refused = await harness.chat.press_data(supervisor, prompt, f"rv:ok:{record.id}")
    assert refused[-1].text == "抱歉，您无法处理这条记录。"
    await harness.press(other, prompt, "通过")
    assert [r.status for r in await stored(harness)] == ["confirmed"]


async def test_a_supervisors_own_record_with_nobody_else_in_the_unit_goes_to_the_admins_at_once(harness: BotHarness) -> None:
    await harness.import_roster()
    supervisor, admin = await harness.join("S01"), await harness.join("A01")
    replies = await harness.send(supervisor, REPORT)
    [record] = await stored(harness)
    assert sent_to(replies, supervisor)[0].text.endswith(
        f"您所在单位目前没有其他分管领导使用本助手，已转请管理员陈静确认（记录#{record.id}）。"
    )
    [prompt] = sent_to(replies, admin)
    assert prompt.text.endswith("（组织科目前没有其他分管领导使用本助手，请管理员确认。）")
    assert (await harness.press(supervisor, prompt, "通过"))[-1].text == "抱歉，您无法处理这条记录。"
    await harness.press(admin, prompt, "通过")
    assert [r.status for r in await stored(harness)] == ["confirmed"]


async def test_with_nobody_to_confirm_the_cadre_is_told_exactly_that(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")  # 赵强 supervises 组织科 but has not joined; neither has the admin
    replies = await harness.send(user, REPORT)
    [record] = await stored(harness)
    assert len(replies) == 1
    assert replies[0].text.endswith(
        f"目前没有人能确认这条记录（#{record.id}）：您所在单位没有分管领导使用本助手，管理员也都还没有加入。"
        "记录保持待确认，请联系管理员。"
    )


async def test_a_supervisor_who_blocked_the_bot_is_passed_over_for_the_admins(harness: BotHarness) -> None:
    from bot.console.request import ApiError

    await harness.import_roster()
    supervisor = await harness.join("S01")
    admin = await harness.join("A01")
    user = await harness.join("C01")
    harness.request.faults[supervisor.user_id] = ApiError(403, "Forbidden: bot was blocked by the user")
    replies = await harness.send(user, REPORT)
    assert "已转请管理员陈静确认" in sent_to(replies, user)[-1].text
    [prompt] = sent_to(replies, admin)
    await harness.press(admin, prompt, "通过")
    assert [r.status for r in await stored(harness)] == ["confirmed"]


async def test_undoing_a_pending_record_leaves_the_supervisor_nothing_to_do(harness: BotHarness) -> None:
    await harness.import_roster()
    supervisor = await harness.join("S01")
    user = await harness.join("C01")
    replies = await harness.send(user, REPORT)
    [saved], [prompt] = sent_to(replies, user), sent_to(replies, supervisor)
    assert (await harness.press(user, saved, "撤销"))[-1].text.startswith("已撤销：调研报告1篇")
    [record] = await stored(harness)
    assert (await harness.press(supervisor, prompt, "通过"))[-1].text == f"记录#{record.id}已由张明处理（已作废）。"
    assert record.status == "voided"


# --- admin void ------------------------------------------------------------------------------


async def test_admin_voids_a_record_with_a_reason_after_the_undo_window(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")
    admin = await harness.join("A01")
    await harness.send(user, "/study 专题讲座 2")
    [record] = await stored(harness)
    harness.set_time(harness.services.now() + timedelta(days=3))
    replies = await harness.send(admin, f"/void {record.id} 重复记录")
    [done] = sent_to(replies, admin)
    assert done.text == f"已作废记录#{record.id}：张明 · 专题讲座2小时 · 11月20日。\n原因：重复记录"
    [told] = sent_to(replies, user)
    assert told.text == "您11月20日的学习记录「专题讲座」2小时已被管理员作废，不再计入。\n原因：重复记录"
    [voided] = await stored(harness)
    assert (voided.status, voided.void_reason, voided.voided_at is not None) == ("voided", "重复记录", True)
    assert "已计入0学时，年度目标90学时" in (await harness.send(user, "/credits"))[-1].text
    again = (await harness.send(admin, f"/void #{record.id} 再次"))[-1]
    assert again.text == f"记录#{record.id}已作废，已不计入，无需再作废。"


async def test_void_needs_an_id_and_a_reason(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")
    admin = await harness.join("A01")
    await harness.send(user, "/study 专题讲座 2")
    [record] = await stored(harness)
    assert (await harness.send(admin, "/void"))[-1].text == "用法：/void 记录编号 原因，例如：/void 12 重复记录"
    assert (await harness.send(admin, "/void abc 重复"))[-1].text.startswith("用法：/void")
    assert "请写明作废原因" in (await harness.send(admin, f"/void {record.id}"))[-1].text
    assert "请写明作废原因" in (await harness.send(admin, f"/void {record.id} {'长' * 201}"))[-1].text
    assert (await harness.send(admin, "/void 99999 重复"))[-1].text == "没有编号为#99999的学习记录。"
    assert [r.status for r in await stored(harness)] == ["confirmed"]


async def test_only_admins_may_void(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")
    supervisor = await harness.join("S01")
    await harness.send(user, "/study 专题讲座 2")
    [record] = await stored(harness)
    for person in (user, supervisor):
        assert "暂无权限" in (await harness.send(person, f"/void {record.id} 我不想要了"))[-1].text
    assert [r.status for r in await stored(harness)] == ["confirmed"]


async def test_a_rejected_record_needs_no_void(harness: BotHarness) -> None:
    _, supervisor, prompt = await pending_report(harness)
    await harness.press(supervisor, prompt, "退回")
    await harness.send(supervisor, "重复提交")
    admin = await harness.join("A01")
    [record] = await stored(harness)
    assert (await harness.send(admin, f"/void {record.id} 多余"))[-1].text == (
        f"记录#{record.id}已退回，已不计入，无需再作废。"
    )
