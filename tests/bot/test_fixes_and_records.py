"""Records people can find and fix: every record shows its 编号, /credits 记录 lists the whole
year ten a page with what became of each, and /fix 编号 说明 after the 撤销 window goes to the
confirmers, who accept (the record is voided with the 说明 as reason) or decline with a reason."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.console.chat import LocalUser
from bot.console.request import BotMessage
from db.models import StudyFix, StudyRecord
from tests.conftest import ROSTER, BotHarness

ROSTER_WITH_OTHER_UNIT = ROSTER + '- {id: "S02", name: 孙丽, unit: 干部科, roles: cadre;supervisor, supervises: 干部科}\n'


async def stored(harness: BotHarness) -> list[StudyRecord]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(StudyRecord).order_by(StudyRecord.id))).all())


async def requests(harness: BotHarness) -> list[StudyFix]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(StudyFix).order_by(StudyFix.id))).all())


def sent_to(replies: list[BotMessage], user: LocalUser) -> list[BotMessage]:
    return [m for m in replies if m.chat_id == user.user_id and m.kind != "edit"]


async def logged_two_days_ago(harness: BotHarness) -> tuple[LocalUser, LocalUser, StudyRecord]:
    """张明 logged a lecture on Nov 20 at 10:00; it is now Nov 22, 10:00 (past 撤销)."""
    await harness.import_roster(ROSTER_WITH_OTHER_UNIT)
    cadre, supervisor = await harness.join("C01"), await harness.join("S01")
    await harness.send(cadre, "/study 专题讲座 2 学习二十大报告")
    harness.set_time(harness.services.now() + timedelta(days=2))
    [record] = await stored(harness)
    return cadre, supervisor, record


# --- 编号 everywhere, and the whole year in the chat ----------------------------------------------


async def test_credits_and_report_show_each_records_number(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre, supervisor = await harness.join("C01"), await harness.join("S01")
    await harness.send(cadre, "/study 专题讲座 2")
    [record] = await stored(harness)
    [progress] = await harness.send(cadre, "/credits")
    assert f"· #{record.id} 11月20日（今天） 专题讲座2小时" in progress.text
    assert [b.text for b in progress.flat_buttons] == ["📋 全部记录"]
    report = (await harness.send(supervisor, "/report 张明"))[-1].text
    assert f"• #{record.id} 11月20日（今天） 专题讲座2小时（2学时，已计入）" in report


async def test_all_records_of_the_year_ten_a_page_with_paging_buttons(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre = await harness.join("C01")
    for days_ago in range(12):
        await harness.send(cadre, f"/study 专题讲座 1 {days_ago}天前" if days_ago else "/study 专题讲座 1")
    records = await stored(harness)
    assert len(records) == 12
    [progress] = await harness.send(cadre, "/credits")
    [first] = await harness.press(cadre, progress, "全部记录")
    assert first.kind == "text"
    lines = first.text.split("\n")
    assert lines[0] == "📋 张明 · 2026年度学习记录（共12条，新的在前，第1/2页）："
    assert lines[1] == f"#{records[0].id} 11月20日（今天） 专题讲座1小时，1学时"
    assert len([line for line in lines if line.startswith("#")]) == 10
    assert lines[-1] == "登记超过24小时的记录如有误，请发送 /fix 编号 说明。"
    assert [b.text for b in first.flat_buttons] == ["下一页 ▶"]
    [second] = await harness.press(cadre, first, "下一页")
    assert second.kind == "edit" and second.message_id == first.message_id
    assert second.text.split("\n")[0].endswith("第2/2页）：")
    assert [line.split(" ")[0] for line in second.text.split("\n") if line.startswith("#")] == [
        f"#{records[10].id}", f"#{records[11].id}",
    ]
    assert [b.text for b in second.flat_buttons] == ["◀ 上一页"]
    typed = (await harness.send(cadre, "/credits 记录"))[-1]
    assert typed.text == first.text


async def test_records_list_of_an_empty_year_and_forged_paging(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre, other = await harness.join("C01"), await harness.join("C02")
    assert (await harness.send(cadre, "/credits 记录"))[-1].text == "2026年度还没有学习记录。发送 /study 开始记录。"
    await harness.send(other, "/study 专题讲座 2")
    shown = (await harness.send(cadre, "/help"))[-1]
    for data in ("cr:rec:2026:²", "cr:rec:99999999999999999999:1", "cr:all:1", "cr:rec:2026"):
        assert (await harness.chat.press_data(cadre, shown, data))[-1].text == "这个按钮已失效，请重新操作。", data
    # Only the presser's own records are ever listed, whatever the data says.
    listed = await harness.chat.press_data(cadre, shown, "cr:rec:2026:1")
    assert listed[-1].text == "2026年度还没有学习记录。发送 /study 开始记录。"


# --- /fix ----------------------------------------------------------------------------------------


async def test_fix_goes_to_the_supervisor_and_accepting_voids_it_with_the_note_as_reason(harness: BotHarness) -> None:
    cadre, supervisor, record = await logged_two_days_ago(harness)
    replies = await harness.send(cadre, f"/fix {record.id} 日期应为11月18日")
    assert sent_to(replies, cadre)[0].text == (
        f"已提交记录#{record.id}的更正申请。已请赵强处理（记录#{record.id}）。\n同意后这条记录作废，届时请按正确内容重新登记。"
    )
    [prompt] = sent_to(replies, supervisor)
    assert prompt.text == (
        f"📝 更正申请：张明（组织科）申请更正学习记录#{record.id}\n专题讲座2小时（2学时），11月20日，已计入\n"
        "说明：日期应为11月18日\n同意则这条记录作废（以上说明作为作废原因），由本人重新登记。"
    )
    listing = (await harness.send(supervisor, "/pending"))[-1]
    assert f"1. 更正#{record.id} 张明（组织科）专题讲座2小时（2学时），11月20日\n　　说明：日期应为11月18日" in listing.text
    replies = await harness.press(supervisor, prompt, "同意更正")
    assert [m for m in replies if m.kind == "edit"][-1].text.endswith("✅ 已同意并作废（赵强）")
    [told] = sent_to(replies, cadre)
    assert told.text == (
        f"您申请更正的记录#{record.id}（11月20日「专题讲座」2小时）已由赵强同意并作废，不再计入。\n"
        "原因：日期应为11月18日\n请发送 /study 按正确内容重新登记。"
    )
    [voided] = await stored(harness)
    assert (voided.status, voided.void_reason) == ("voided", "日期应为11月18日")
    history = (await harness.send(cadre, "/credits 记录"))[-1].text
    assert (
        f"#{record.id} 11月20日（前天） 专题讲座2小时，2学时（已作废）\n"
        "　　已作废：赵强，11月22日 10:00；原因：日期应为11月18日"
    ) in history
    assert "已计入0学时，年度目标90学时" in (await harness.send(cadre, "/credits"))[-1].text


async def test_declining_a_fix_asks_why_and_the_cadre_reads_it_in_the_message_and_the_history(harness: BotHarness) -> None:
    cadre, supervisor, record = await logged_two_days_ago(harness)
    await harness.send(cadre, f"/fix {record.id} 应为3小时")
    listing = (await harness.send(supervisor, "/pending"))[-1]
    [asked] = await harness.press(supervisor, listing, "不同意")
    assert asked.text.startswith(f"请输入不同意更正记录#{record.id}（张明）的原因，不超过200字")
    assert (await harness.send(supervisor, " "))[-1].text == "请写明原因（不超过200字），或发送 /cancel 取消。"
    replies = await harness.send(supervisor, "签到表显示为2小时")
    assert sent_to(replies, supervisor)[0].text == f"已告知张明：记录#{record.id}的更正申请未获同意。"
    [told] = sent_to(replies, cadre)
    assert "原因：签到表显示为2小时" in told.text and "记录保持不变" in told.text
    assert [r.status for r in await stored(harness)] == ["confirmed"]
    history = (await harness.send(cadre, "/credits 记录"))[-1].text
    assert "　　更正申请未获同意：赵强，11月22日 10:00；原因：签到表显示为2小时" in history


async def test_fix_without_a_note_asks_for_it_and_the_next_text_is_the_note(harness: BotHarness) -> None:
    cadre, supervisor, record = await logged_two_days_ago(harness)
    [asked] = await harness.send(cadre, f"/fix #{record.id}")
    assert asked.text == (
        f"请说明记录#{record.id}（专题讲座2小时，11月20日）哪里有误、应当怎样更正，不超过200字。发送 /cancel 取消。"
    )
    assert (await harness.send(cadre, "长" * 300))[-1].text == (
        "说明最多200字（刚才是300字），请精简后重新输入，或发送 /cancel 取消。"
    )
    replies = await harness.send(cadre, "应为集中学习")
    assert sent_to(replies, cadre)[0].text.startswith(f"已提交记录#{record.id}的更正申请。")
    assert sent_to(replies, supervisor)
    assert [f.note for f in await requests(harness)] == ["应为集中学习"]


async def test_fix_refusals_say_what_to_do_instead(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre, colleague, admin = await harness.join("C01"), await harness.join("C02"), await harness.join("A01")
    await harness.send(colleague, "/study 专题讲座 2")
    await harness.send(cadre, "/study 专题讲座 1")
    theirs, mine = await stored(harness)
    assert (await harness.send(cadre, "/fix"))[-1].text.startswith("用法：/fix 记录编号 说明")
    soon = (await harness.send(cadre, f"/fix {mine.id} 数量错了"))[-1]
    assert soon.text == f"记录#{mine.id}登记还不到24小时，可以直接撤销：点下面的「撤销」，再按正确内容重新登记。"
    assert (await harness.press(cadre, soon, "撤销"))[-1].text.startswith("已撤销：专题讲座1小时")
    assert (await harness.send(cadre, f"/fix {mine.id} 数量错了"))[-1].text == (
        f"记录#{mine.id}已作废，不计入学时，无需更正。如需补登，请发送 /study 重新登记。"
    )
    harness.set_time(harness.services.now() + timedelta(days=2))
    for wanted in (theirs.id, 99999):
        assert (await harness.send(cadre, f"/fix {wanted} 不对"))[-1].text.startswith(
            f"没有找到您本人编号为#{wanted}的学习记录。只能申请更正自己的记录"
        )
    await harness.send(colleague, f"/fix {theirs.id} 应为3小时")
    assert (await harness.send(colleague, f"/fix {theirs.id} 再问一次"))[-1].text == (
        f"您已于11月22日（今天）申请更正记录#{theirs.id}，正在等待处理，请勿重复申请。"
    )
    assert [f.note for f in await requests(harness)] == ["应为3小时"]
    assert (await harness.send(admin, f"/fix {theirs.id} 不对"))[-1].text == "抱歉，这项功能您暂无权限使用。"


async def test_a_supervisor_of_another_unit_cannot_decide_a_fix(harness: BotHarness) -> None:
    cadre, supervisor, record = await logged_two_days_ago(harness)
    other = await harness.join("S02")
    replies = await harness.send(cadre, f"/fix {record.id} 应为3小时")
    [prompt] = sent_to(replies, supervisor)
    [fix] = await requests(harness)
    for data in (f"fx:ok:{fix.id}", f"fx:no:{fix.id}", f"fx:ok:{fix.id}:1"):
        assert (await harness.chat.press_data(other, prompt, data))[-1].text == "抱歉，您无法处理这条记录。"
    assert "目前没有等待您处理的记录" in (await harness.send(other, "/pending"))[-1].text
    await harness.press(supervisor, prompt, "同意更正")
    again = await harness.press(supervisor, prompt, "不同意")
    assert again[-1].text == f"记录#{record.id}的更正申请已由赵强处理（已同意）。"
    assert [r.status for r in await stored(harness)] == ["voided"]


async def test_a_fix_request_waiting_a_week_is_sent_once_more(harness: BotHarness) -> None:
    cadre, supervisor, record = await logged_two_days_ago(harness)
    await harness.send(cadre, f"/fix {record.id} 应为3小时")  # Sunday 11-22 10:00
    sent = [m for m in await harness.tick("2026-11-30 09:30") if "再次提醒" in m.text]
    assert [m.chat_id for m in sent] == [supervisor.user_id]
    assert sent[0].text.startswith(f"⏰ 已等待7天，再次提醒：\n📝 更正申请：张明（组织科）申请更正学习记录#{record.id}")
    assert [b.text for b in sent[0].flat_buttons] == ["✅ 同意更正", "↩️ 不同意"]
    assert not [m for m in await harness.tick("2026-12-01 09:30") if "再次提醒" in m.text]
