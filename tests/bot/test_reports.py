"""Digests, reports and exports for supervisors and admins, and who may see what."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from db import talks
from tests.conftest import BotHarness

ROSTER = """\
- {id: "C01", name: 张明, unit: 组织科, roles: cadre}
- {id: "C02", name: 李华, unit: 组织科, roles: cadre, target: 1}
- {id: "C03", name: 王芳, unit: 干部科, roles: cadre}
- {id: "S01", name: 赵强, unit: 组织科, roles: supervisor, supervises: 组织科}
- {id: "S03", name: 孙敏, unit: 干部科, roles: supervisor, supervises: 干部科}
- {id: "A01", name: 陈静, unit: 办公室, roles: admin}
"""


async def setup(harness: BotHarness) -> dict[str, object]:
    """Fri 2026-11-20: 张明 logged 3 h on 11-10 and 2 h today; 李华 (target 1) 1 h today."""
    await harness.import_roster(ROSTER)
    users = {eid: await harness.join(eid) for eid in ("C01", "C02", "C03", "S01", "S03", "A01")}
    await harness.send(users["C01"], "/study 专题讲座 3 11-10 学习党章")
    await harness.send(users["C01"], "/study 专题讲座 2 学习二十大报告")
    await harness.send(users["C02"], "/study 专题讲座 1 业务学习")
    return users


async def talk_with_notes(harness: BotHarness) -> None:
    """赵强 talked with 张明 on 11-02 and wrote private notes."""
    async with harness.services.db.session() as session:
        s01, c01 = await harness.person("S01"), await harness.person("C01")
        talk = await talks.record_talk(session, s01.id, c01.id, date(2026, 11, 2), harness.services.now())
        await talks.add_notes(session, talk.id, s01.id, "家里有困难，需关心", harness.services.notes)
        await session.commit()


def texts_of(messages, user):  # type: ignore[no-untyped-def]
    return [m for m in messages if m.chat_id == user.user_id]


async def test_supervisor_digest_has_hand_computed_figures_and_a_chart(harness: BotHarness) -> None:
    users = await setup(harness)
    replies = await harness.send(users["S01"], "/digest")
    page, chart = replies[0], replies[1]
    assert "组织科 学习周报" in page.text and "第 1/1 页" in page.text
    assert "11月16日—11月22日" in page.text
    assert "本周合计 3学时 · 2026 年度合计 6学时（2 人）" in page.text
    # Pro rata on 11-20: 90 × 324 / 365 = 79.89 expected; 张明 has 5, so 74.89 behind.
    assert "🔴 张明：严重落后，差 74.89学时" in page.text
    assert "🔴 张明 全年 5/90（6%）· 本周 2" in page.text
    assert "✅ 李华 全年 1/1（100%）· 本周 1" in page.text
    assert "王芳" not in page.text
    assert chart.kind == "photo" and chart.content.startswith(b"\x89PNG")


async def test_digest_of_last_week_and_bad_weeks(harness: BotHarness) -> None:
    users = await setup(harness)
    page = (await harness.send(users["S01"], "/digest 上周"))[0].text
    assert "11月9日—11月15日" in page
    assert "本周合计 3学时 · 2026 年度合计 3学时（2 人）" in page
    assert "还没到" in (await harness.send(users["S01"], "/digest 2026-12-25"))[-1].text
    assert "用法" in (await harness.send(users["S01"], "/digest 明年春天"))[-1].text


async def test_a_long_unit_is_paged_with_buttons_and_everyone_appears_once(harness: BotHarness) -> None:
    roster = ROSTER + "".join(f'- {{id: "X{i:02d}", name: 干部{i:02d}, unit: 组织科, roles: cadre}}\n' for i in range(23))
    await harness.import_roster(roster)
    supervisor = await harness.join("S01")
    first = (await harness.send(supervisor, "/digest"))[0]
    assert "第 1/3 页" in first.text and [b.text for b in first.flat_buttons] == ["下一页 ▶"]
    second = [m for m in await harness.press(supervisor, first, "下一页") if m.kind == "edit"][-1]
    assert "第 2/3 页" in second.text and {b.text for b in second.flat_buttons} == {"◀ 上一页", "下一页 ▶"}
    third = [m for m in await harness.press(supervisor, second, "下一页") if m.kind == "edit"][-1]
    names = [f"干部{i:02d}" for i in range(23)] + ["张明", "李华"]
    pages = [first.text, second.text, third.text]
    for name in names:
        assert sum(f" {name} " in page for page in pages) == 1, name


async def test_admin_gets_the_organisation_digest(harness: BotHarness) -> None:
    users = await setup(harness)
    page = (await harness.send(users["A01"], "/digest"))[0].text
    assert "各单位学习周报" in page and "组织科（2 人）" in page and "干部科（1 人）" in page


async def test_weekly_digest_reaches_supervisors_and_admins_once(harness: BotHarness) -> None:
    users = await setup(harness)
    await harness.send(users["C01"], "公积金怎么提取")
    sent = await harness.tick("2026-11-23 09:00")
    s01 = texts_of(sent, users["S01"])
    assert "组织科 学习周报 · 11月16日—11月22日" in s01[0].text and "2026 年度合计 6学时（2 人）" in s01[0].text
    assert s01[1].kind == "photo"
    assert "干部科 学习周报" in texts_of(sent, users["S03"])[0].text
    a01 = texts_of(sent, users["A01"])
    assert "各单位学习周报" in a01[0].text and "组织科（2 人）✅1 ⚠️0 🔴1 · 本周 3 · 全年 6" in a01[0].text
    assert "知识库缺口" in a01[1].text and "公积金怎么提取（1 次）" in a01[1].text
    assert not any("学习周报" in m.text for m in texts_of(sent, users["C01"]))
    assert not any("学习周报" in m.text for m in await harness.tick("2026-11-23 09:30"))


async def test_unreachable_people_are_flagged_in_the_digest(harness: BotHarness) -> None:
    from bot.local_request import ApiError

    users = await setup(harness)
    harness.request.faults[users["C02"].user_id] = ApiError(403, "Forbidden: bot was blocked by the user")
    await harness.tick("2026-11-23 08:30")  # the Monday reminder finds 李华 unreachable
    page = (await harness.send(users["S01"], "/digest"))[0].text
    assert "李华 📵" in page


async def test_report_shows_records_progress_and_talks_but_never_notes(harness: BotHarness) -> None:
    users = await setup(harness)
    await talk_with_notes(harness)
    report = (await harness.send(users["S01"], "/report 张明"))[-1].text
    assert "张明（组织科）" in report and "已计入 5 / 目标 90学时" in report
    assert "专题讲座 2小时" in report and "2026-11-02 赵强" in report
    assert "家里有困难" not in report
    by_id = (await harness.send(users["A01"], "/report C01"))[-1].text
    assert "张明（组织科）" in by_id and "家里有困难" not in by_id


async def test_a_supervisor_cannot_see_another_units_person_and_learns_nothing(harness: BotHarness) -> None:
    users = await setup(harness)
    other_unit = (await harness.send(users["S01"], "/report 王芳"))[-1].text
    nobody = (await harness.send(users["S01"], "/report 王小二"))[-1].text
    assert other_unit == "没有找到您可以查看的人员「王芳」。请核对姓名或编号。"
    assert nobody == "没有找到您可以查看的人员「王小二」。请核对姓名或编号。"


async def test_cadres_get_a_polite_refusal_for_supervisor_features(harness: BotHarness) -> None:
    users = await setup(harness)
    for command in ("/digest", "/report 李华", "/export", "/report 张明"):
        assert "暂无权限" in (await harness.send(users["C01"], command))[-1].text, command
    shown = (await harness.send(users["S01"], "/digest"))[0]
    for data in ("dg:o:0:739580:0", "dg:u:0:739580:0", "dg:u:x:1:1", "dg:"):
        assert (await harness.chat.press_data(users["C01"], shown, data))[-1].kind == "alert"


async def test_export_gives_the_units_workbook_without_talk_notes(harness: BotHarness) -> None:
    users = await setup(harness)
    await talk_with_notes(harness)
    document = (await harness.send(users["S01"], "/export"))[-1]
    assert document.kind == "document" and document.filename == "组织科-2026-01-01-2026-12-31.xlsx"
    book = load_workbook(io.BytesIO(document.content))
    assert book.sheetnames == ["人员汇总", "学习记录", "谈心谈话"]
    people_rows = [r for r in book["人员汇总"].iter_rows(values_only=True)]
    assert people_rows[0][:4] == ("姓名", "单位", "本期学时", "全年学时")
    assert {r[0] for r in people_rows[1:-1]} == {"张明", "李华"}
    records = [r for r in book["学习记录"].iter_rows(values_only=True)][1:]
    assert sorted((r[1], r[5]) for r in records) == [("张明", 2), ("张明", 3), ("李华", 1)]
    talk_rows = [r for r in book["谈心谈话"].iter_rows(values_only=True)]
    assert talk_rows[0] == ("日期", "分管领导", "谈话对象", "记录人")
    assert all("家里有困难" not in str(cell) for row in talk_rows for cell in row)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"


async def test_export_periods_and_admin_scope(harness: BotHarness) -> None:
    users = await setup(harness)
    last_week = load_workbook(io.BytesIO((await harness.send(users["S01"], "/export 上周"))[-1].content))
    assert [r[5] for r in last_week["学习记录"].iter_rows(values_only=True)][1:] == [3]
    admin_book = load_workbook(io.BytesIO((await harness.send(users["A01"], "/export 2026-11"))[-1].content))
    assert {r[0] for r in admin_book["人员汇总"].iter_rows(values_only=True)} >= {"张明", "李华", "王芳"}
    assert "用法" in (await harness.send(users["S01"], "/export 明年"))[-1].text
