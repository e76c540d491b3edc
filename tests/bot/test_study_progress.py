"""Where a cadre stands: /credits against hand-computed figures, another year, and the export."""

from __future__ import annotations

import io
from datetime import datetime, timezone

from openpyxl import load_workbook

from bot import texts
from tests.conftest import ROSTER, BotHarness

async def test_credits_shows_total_target_bar_pace_breakdown_and_latest(harness: BotHarness) -> None:
    # The harness's clock: 10:00 in Shanghai on 20 November 2026, day 324 of 365.
    await harness.import_roster()
    user = await harness.join("C01")
    await harness.send(user, "/study 专题讲座 2")
    await harness.send(user, "/study 网络学院 1.5 昨天")
    await harness.send(user, "/study 集中学习 2 前天")
    reply = (await harness.send(user, "/credits"))[-1]
    # 9.5 of 90; pro rata 90 × 324 / 365 = 79.89; behind by 70.39 (shown with one decimal).
    assert reply.text == "\n".join([
        "📊 张明 · 2026年度学习进度",
        "▓░░░░░░░░░ 11%",
        "已计入9.5学时，年度目标90学时",
        "按时间进度今天应达79.9学时，落后70.4学时，加油！",
        "",
        "分类：",
        "· 集中学习：2次，6学时",
        "· 专题讲座：2小时，2学时",
        "· 网络学院课程：1.5小时，1.5学时",
        "",
        "最近记录：",
        "· #1 11月20日（今天） 专题讲座2小时，2学时",
        "· #2 11月19日（昨天） 网络学院课程1.5小时，1.5学时",
        "· #3 11月18日（前天） 集中学习2次，6学时",
    ])


async def test_ahead_of_the_pace_early_in_the_year_with_the_rosters_own_target(harness: BotHarness) -> None:
    await harness.import_roster()
    harness.set_time(datetime(2026, 1, 10, 2, 0, tzinfo=timezone.utc))
    user = await harness.join("C03")  # 王芳, target 60 in the roster
    await harness.send(user, "/study 专题讲座 2")
    text = (await harness.send(user, "/credits"))[-1].text
    # 60 × 10 / 365 = 1.64 expected; 2 logged.
    assert "░░░░░░░░░░ 3%" in text and "已计入2学时，年度目标60学时" in text
    assert "按时间进度今天应达1.6学时，领先0.4学时 👍" in text


async def test_a_county_level_cadre_has_the_level_target(harness: BotHarness) -> None:
    await harness.import_roster(ROSTER + '- {id: "L01", name: 周伟, unit: 组织科, roles: cadre, level: 县处级}\n')
    user = await harness.join("L01")
    text = (await harness.send(user, "/credits"))[-1].text
    # 550 学时 in 5 years → 110 a year; 110 × 324 / 365 = 97.64.
    assert "已计入0学时，年度目标110学时" in text and "今天应达97.6学时，落后97.6学时" in text
    assert text.endswith("这一年度还没有学习记录。发送 /study 开始记录。")


async def test_reaching_the_target_is_celebrated(harness: BotHarness) -> None:
    await harness.import_roster(ROSTER + '- {id: "T01", name: 吴迪, unit: 组织科, roles: cadre, target: 5}\n')
    user = await harness.join("T01")
    await harness.send(user, "/study 专题讲座 6")
    text = (await harness.send(user, "/credits"))[-1].text
    assert "▓▓▓▓▓▓▓▓▓▓ 120%" in text and "🎉 已完成年度目标！" in text


async def test_another_year_and_a_back_dated_record_across_new_year(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")
    harness.set_time(datetime(2025, 12, 30, 2, 0, tzinfo=timezone.utc))
    await harness.send(user, "/study 专题讲座 3")
    harness.set_time(datetime(2026, 1, 5, 2, 0, tzinfo=timezone.utc))
    saved = (await harness.send(user, "/study 专题讲座 2 12-30"))[-1].text
    assert "2025年12月30日" in saved and "2025年度累计5学时，目标90学时" in saved
    last_year = (await harness.send(user, "/credits 2025"))[-1].text
    assert last_year.startswith("📊 张明 · 2025年度学习进度") and "已计入5学时，年度目标90学时" in last_year
    assert "该年度已结束，离目标差85学时。" in last_year
    assert "这一年度还没有学习记录" in (await harness.send(user, "/credits"))[-1].text
    assert "2025年度学习进度" in (await harness.send(user, "/credits 2025年"))[-1].text


async def test_a_year_not_begun_or_unreadable_is_explained(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")
    assert (await harness.send(user, "/credits 2027"))[-1].text == "2027年度尚未开始。"
    for args in ("1999", "3000", "abc", "2025 2026"):
        assert (await harness.send(user, f"/credits {args}"))[-1].text == texts.CREDITS_USAGE, args


async def test_cadre_cannot_see_another_cadres_credits(harness: BotHarness) -> None:
    await harness.import_roster()
    first, second = await harness.join("C01"), await harness.join("C02")
    await harness.send(first, "/study 专题讲座 2")
    assert "已计入0学时，年度目标90学时" in (await harness.send(second, "/credits"))[-1].text
    assert (await harness.send(second, "/credits export"))[-1].text == "还没有任何学习记录。发送 /study 开始记录。"


async def test_credits_is_for_cadres(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    assert "暂无权限" in (await harness.send(admin, "/credits"))[-1].text


async def test_export_sends_every_record_with_its_status_as_a_workbook(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")
    admin = await harness.join("A01")
    await harness.send(user, "/study 专题讲座 2 学习二十大报告")
    undone = (await harness.send(user, "/study 网络学院 1 昨天"))[-1]
    await harness.press(user, undone, "撤销")
    await harness.send(user, "/study 调研报告 1 基层党建调研")
    await harness.send(user, "/study 集中学习 1")
    await harness.send(admin, "/void 4 重复记录")
    await harness.send(await harness.join("C02"), "/study 专题讲座 1")  # someone else's
    document = (await harness.send(user, "/credits export"))[-1]
    assert document.kind == "document" and document.filename == "study-records-C01-2026-11-20.xlsx"
    assert document.text == "张明的学习记录，共4条（含待确认、已退回和已作废的记录）"
    sheet = load_workbook(io.BytesIO(document.content)).active
    assert sheet.title == "学习记录" and sheet.freeze_panes == "A2"
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][:6] == ["编号", "学习日期", "学习类型", "数量", "计量单位", "学时"]  # the configured credit name
    body = {row[0]: row for row in rows[1:]}
    assert list(body) == [2, 1, 3, 4]  # by study date, then id
    assert body[1][1].date().isoformat() == "2026-11-20"
    assert body[1][2:8] == ["专题讲座", 2, "小时", 2, "已计入", "学习二十大报告"]
    assert body[1][8] == datetime(2026, 11, 20, 10, 0)  # a real time cell, in Shanghai time
    assert sheet.cell(row=2, column=9).number_format == "yyyy-mm-dd hh:mm"
    assert (body[2][6], body[2][9], body[2][11]) == ("已作废", "张明", "本人撤销")
    assert (body[3][6], body[3][5]) == ("待确认", 8)
    assert (body[4][6], body[4][9], body[4][11]) == ("已作废", "陈静", "重复记录")
    assert sheet.column_dimensions["H"].width >= 16  # the note column fits 学习二十大报告
