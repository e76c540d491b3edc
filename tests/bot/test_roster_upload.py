"""A roster upload cannot hurt: it is previewed, applied only by a button, never locks the
admin out, and a bad file is refused with every problem listed by row and column."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
from sqlalchemy import select

from db import audit
from db.models import Person
from tests.conftest import BotHarness

ONE_LINE = "id,name,unit,roles\nN01,孙丽,组织科,cadre\n".encode()
# The shipped test roster (C01 C02 C03 S01 A01) plus one newcomer: nobody is missing.
EVERYONE_AND_ONE_MORE = (
    "id,name,unit,roles,supervises\nC01,张明,组织科,cadre,\nC02,李华,组织科,cadre,\nC03,王芳,干部科,cadre,\n"
    "S01,赵强,组织科,cadre;supervisor,组织科\nA01,陈静,办公室,admin,\nN01,孙丽,组织科,cadre,\n"
).encode()


async def admin(harness: BotHarness):  # type: ignore[no-untyped-def]
    await harness.import_roster()
    return await harness.join("A01")


async def active(harness: BotHarness) -> dict[str, bool]:
    async with harness.services.db.session() as session:
        return {p.external_id: p.active for p in (await session.scalars(select(Person))).all()}


def xlsx(rows: list[list[object]], merge: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


async def test_a_one_line_upload_is_previewed_and_changes_nothing(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    text = preview.plain
    assert "尚未导入，没有做任何修改" in text
    assert "新增1人" in text and "重新启用0人" in text
    assert "停用名单中没有的4人：张明（C01）、李华（C02）、王芳（C03）、赵强（S01）" in text
    assert "陈静（A01）不在名单中，但不会被停用" in text
    assert "按「仅新增和修改」导入：不停用任何人" in text
    assert [b.text for b in preview.flat_buttons] == ["按完整名单导入（停用4人）", "仅新增和修改", "取消"]
    assert all(len(b.data.encode()) <= 64 for b in preview.flat_buttons)
    assert await active(harness) == {"C01": True, "C02": True, "C03": True, "S01": True, "A01": True}


async def test_deactivating_more_than_a_fifth_is_flagged_prominently(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    assert preview.parse_mode == "HTML"
    assert "⚠️ <b>注意：按完整名单导入将停用4人，占现有在册5人的80%（提醒线20%）" in preview.text


async def test_deactivating_exactly_the_share_or_less_is_not_flagged(harness: BotHarness) -> None:
    user = await admin(harness)
    without_c03 = b"\n".join(line for line in EVERYONE_AND_ONE_MORE.splitlines() if not line.startswith(b"C03"))
    [preview] = await harness.upload(user, "roster.csv", without_c03)
    assert "停用名单中没有的1人：王芳（C03）" in preview.plain and "⚠️" not in preview.plain  # 1 of 5 is 20%


async def test_full_list_deactivates_the_missing_but_never_the_uploader(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    replies = await harness.press(user, preview, "按完整名单导入")
    assert replies[0].kind == "edit" and replies[0].buttons == []
    assert "已按「完整名单」导入：新增1人" in replies[0].text and "停用4人" in replies[0].text
    assert replies[-1].kind == "document" and "N01,孙丽," in replies[-1].content.decode("utf-8-sig")
    assert await active(harness) == {"C01": False, "C02": False, "C03": False, "S01": False, "A01": True, "N01": True}
    assert "陈静，您可以使用以下功能" in (await harness.send(user, "/help"))[-1].text


async def test_additions_only_deactivates_nobody(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    replies = await harness.press(user, preview, "仅新增和修改")
    assert "已按「仅新增和修改」导入：新增1人" in replies[0].text and "停用0人" in replies[0].text
    assert all((await active(harness)).values()) and "N01" in await active(harness)


async def test_cancel_changes_nothing(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    replies = await harness.press(user, preview, "取消")
    assert replies[-1].text == "已取消：名单未导入，没有做任何修改。"
    assert "N01" not in await active(harness)
    again = await harness.press(user, preview, "按完整名单导入")
    assert again[-1].kind == "alert" and "已经取消导入" in again[-1].text
    assert "N01" not in await active(harness)


async def test_a_second_press_is_told_the_file_was_already_imported(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    await harness.press(user, preview, "仅新增和修改")
    for label in ("按完整名单导入", "仅新增和修改", "取消"):
        replies = await harness.press(user, preview, label)
        assert [r.kind for r in replies] == ["alert"] and "已经按「仅新增和修改」导入过了" in replies[0].text
    assert all((await active(harness)).values())  # the full list was never applied


async def test_forged_and_foreign_import_buttons_are_stale_buttons(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    upload_id = preview.button("取消").data.rsplit(":", 1)[1]
    for data in ("roster:full:99999", "roster:full:abc", "roster:full:²³", "roster:full:" + "9" * 25,
                 f"roster:drop:{upload_id}", "roster:full", f"roster:full:{upload_id}:1"):
        replies = await harness.chat.press_data(user, preview, data)
        assert [r.kind for r in replies] == ["alert"] and "失效" in replies[0].text, data
    async with harness.services.db.session() as session:  # a second admin cannot decide another's upload
        (await session.scalar(select(Person).where(Person.external_id == "C01"))).role_rows[0].role = "admin"
        await session.commit()
    other = await harness.join("C01")
    replies = await harness.press(other, preview, "按完整名单导入")
    assert [r.kind for r in replies] == ["alert"] and "失效" in replies[0].text
    assert "N01" not in await active(harness)


async def test_a_cadre_pressing_an_import_button_is_refused(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    cadre = await harness.join("C02")
    replies = await harness.press(cadre, preview, "按完整名单导入")
    assert replies[-1].kind == "alert" and "暂无权限" in replies[-1].text
    assert "N01" not in await active(harness)


async def test_the_buttons_still_work_after_a_restart(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    restarted = BotHarness(harness.services, harness.request)  # a new Application, the same database
    await restarted.app.initialize()
    try:
        replies = await restarted.press(user, preview, "仅新增和修改")
    finally:
        await restarted.app.shutdown()
    assert "已按「仅新增和修改」导入：新增1人" in replies[0].text
    assert "N01" in await active(harness)


async def test_an_old_preview_asks_for_the_file_again(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    harness.set_time(harness.services.now() + timedelta(hours=25))
    replies = await harness.press(user, preview, "仅新增和修改")
    assert replies[-1].kind == "alert" and "请重新上传名单文件" in replies[-1].text
    assert "N01" not in await active(harness)


async def test_a_roster_changed_since_the_preview_is_shown_again_not_applied(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    await harness.import_roster(harness_roster_with("P01", "周伟"), "roster.yaml")  # someone imported meanwhile
    replies = await harness.press(user, preview, "按完整名单导入")
    assert replies[0].kind == "alert" and "有了变化" in replies[0].text
    assert replies[1].kind == "edit" and "周伟（P01）" in replies[1].plain
    assert replies[1].button("按完整名单导入").text == "按完整名单导入（停用5人）"
    assert "N01" not in await active(harness)
    replies = await harness.press(user, replies[1], "按完整名单导入")
    assert "停用5人" in replies[0].text and (await active(harness))["P01"] is False


def harness_roster_with(external_id: str, name: str) -> str:
    from tests.conftest import ROSTER

    return ROSTER + f'- {{id: "{external_id}", name: {name}, unit: 组织科, roles: cadre}}\n'


async def test_a_file_that_leaves_no_admin_is_refused(harness: BotHarness) -> None:
    user = await admin(harness)
    demoted = EVERYONE_AND_ONE_MORE.replace("A01,陈静,办公室,admin".encode(), "A01,陈静,办公室,cadre".encode())
    replies = await harness.upload(user, "roster.csv", demoted)
    assert replies[-1].buttons == [] and "将没有任何在用的管理员" in replies[-1].text
    assert "没有做任何修改" in replies[-1].text and "N01" not in await active(harness)


async def test_every_problem_of_a_bad_file_is_listed_with_row_and_column(harness: BotHarness) -> None:
    user = await admin(harness)
    bad = "id,name,unit,roles,target\nN01,,组织科,cadre,\nN02,周正,组织科,boss,很多\nN01,吴迪,组织科,cadre,\n"
    [reply] = await harness.upload(user, "roster.csv", bad.encode())
    assert "没有做任何修改" in reply.text and "共发现4处问题" in reply.text
    lines = reply.text.splitlines()[1:]
    assert lines[0].startswith("1. 第2行，「name」列（B2）：不能为空")
    assert lines[1].startswith("2. 第3行，「roles」列（D3）") and "boss" in lines[1]
    assert lines[2].startswith("3. 第3行，「target」列（E3）") and "很多" in lines[2]
    assert lines[3].startswith("4. 第4行，「id」列（A4）：id 与前面的行重复")


async def test_at_most_twenty_problems_are_listed_and_the_rest_counted(harness: BotHarness) -> None:
    user = await admin(harness)
    bad = "id,name,unit,roles\n" + "".join(f"N{i:02d},,组织科,cadre\n" for i in range(30))
    [reply] = await harness.upload(user, "roster.csv", bad.encode())
    assert "共发现30处问题" in reply.text and "20. 第21行" in reply.text and "21. " not in reply.text
    assert "另有10条错误" in reply.text


async def test_an_xlsx_with_chinese_headers_is_previewed_and_imported(harness: BotHarness) -> None:
    user = await admin(harness)
    content = xlsx([
        ["工号", "姓名", "部门", "角色", "分管单位", "年度目标", "职级"],
        ["A01", "陈静", "办公室", "管理员", None, None, None],
        [2001, "孙丽", "组织科", "干部", None, 60, "乡科级"],
    ])
    [preview] = await harness.upload(user, "名单.xlsx", content)
    assert "名单导入预览：名单.xlsx，共2人" in preview.plain and "新增1人" in preview.plain
    await harness.press(user, preview, "仅新增和修改")
    newcomer = await harness.person("2001")
    assert (newcomer.name, newcomer.unit, newcomer.target, newcomer.level, newcomer.roles) == (
        "孙丽", "组织科", 60, "乡科级", {"cadre"})


async def test_an_xlsx_with_a_merged_header_names_the_row_and_the_cell(harness: BotHarness) -> None:
    user = await admin(harness)
    content = xlsx([["2026 年干部名单", None, None, None], ["工号", "姓名", "部门", "角色"], ["N01", "孙丽", "组织科", "干部"]],
                   merge="A1:D1")
    [reply] = await harness.upload(user, "名单.xlsx", content)
    assert reply.text == "名单未导入（没有做任何修改）：第1行（单元格 A1）：表头有合并单元格（A1:D1）：请取消合并，每列写一个列名"
    assert "N01" not in await active(harness)


async def test_an_empty_sheet_names_the_row_and_the_cell(harness: BotHarness) -> None:
    user = await admin(harness)
    [reply] = await harness.upload(user, "名单.xlsx", xlsx([]))
    assert reply.text.startswith("名单未导入（没有做任何修改）：第1行（单元格 A1）：第一个工作表「Sheet」是空的")


async def test_a_supervised_unit_nobody_belongs_to_is_a_warning(harness: BotHarness) -> None:
    user = await admin(harness)
    typo = EVERYONE_AND_ONE_MORE.replace("cadre;supervisor,组织科".encode(), "cadre;supervisor,组织部".encode())
    [preview] = await harness.upload(user, "roster.csv", typo)
    assert "⚠️ 分管单位「组织部」（赵强，S01）没有任何人员" in preview.plain
    assert [b.text for b in preview.flat_buttons] == ["确认导入", "取消"]  # nobody missing: one way to import


async def test_an_import_is_in_the_audit_log_with_its_mode_and_counts(harness: BotHarness) -> None:
    user = await admin(harness)
    [preview] = await harness.upload(user, "roster.csv", ONE_LINE)
    await harness.press(user, preview, "按完整名单导入")
    async with harness.services.db.session() as session:
        [entry] = await audit.recent(session, action_prefix="roster.")
        admin_id = (await harness.person("A01")).id
    assert entry.actor_id == admin_id and '"mode":"full"' in entry.detail
    assert '"created":1' in entry.detail and '"deactivated":4' in entry.detail and "roster.csv" in entry.detail

