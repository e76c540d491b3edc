"""Digests, reports and exports for supervisors and admins, and who may see what."""

from __future__ import annotations

import io
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import update

from bot import texts
from db import credits, talks
from db.models import Person
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


async def record_ids(harness: BotHarness, external_id: str) -> list[int]:
    """A person's record ids, oldest study date first (what the 编号 column must show)."""
    async with harness.services.db.session() as session:
        return [r.id for r in await credits.records_of(session, (await harness.person(external_id)).id)]


def texts_of(messages, user):  # type: ignore[no-untyped-def]
    return [m for m in messages if m.chat_id == user.user_id]


async def test_supervisor_digest_has_hand_computed_figures_and_a_chart(harness: BotHarness) -> None:
    users = await setup(harness)
    replies = await harness.send(users["S01"], "/digest")
    page, chart = replies[0], replies[1]
    assert "组织科学习周报" in page.text and "第1/1页" in page.text
    assert "11月16日—11月22日" in page.text
    assert "本周合计3学时 · 2026年度合计6学时（2人）" in page.text
    # Pro rata on 11-20: 90 × 324 / 365 = 79.89 expected; 张明 has 5, so 74.89 behind (one decimal).
    assert "🔴 张明：严重落后，差74.9学时" in page.text
    assert "🔴 张明：全年5/90学时 · 本周2学时" in page.text
    # 李华 (target 1): 0.89 expected; the figures say on track, and a gap under 4学时 never is behind.
    assert "✅ 李华：全年1/1学时 · 本周1学时" in page.text
    assert "王芳" not in page.text
    assert chart.kind == "photo" and chart.content.startswith(b"\x89PNG")


async def test_digest_of_last_week_and_bad_weeks(harness: BotHarness) -> None:
    users = await setup(harness)
    page = (await harness.send(users["S01"], "/digest 上周"))[0].text
    assert "11月9日—11月15日" in page
    # Everything as of Sunday 11-15, not today (11-20): 张明's 2 h of 11-20 is not in the year,
    # his last study is 11-10, and 李华 (whose only record is 11-20) has studied never.
    assert "本周合计3学时 · 2026年度合计3学时（2人）" in page
    # 11-15 is day 319: 90 × 319 / 365 = 78.66 expected, 3 done, 75.66 short.
    assert "🔴 张明：严重落后，差75.7学时" in page
    assert "🔴 张明：全年3/90学时 · 本周3学时\n　　最近学习11-10 · " in page
    assert "✅ 李华：全年0/1学时 · 本周0学时\n　　最近学习无 · " in page
    assert "11-20" not in page
    assert (await harness.send(users["S01"], "/digest 2026-12-25"))[-1].text == texts.DIGEST_FUTURE
    assert "用法" in (await harness.send(users["S01"], "/digest 明年春天"))[-1].text


async def test_a_long_unit_is_paged_with_buttons_and_everyone_appears_once(harness: BotHarness) -> None:
    roster = ROSTER + "".join(f'- {{id: "X{i:02d}", name: 干部{i:02d}, unit: 组织科, roles: cadre}}\n' for i in range(23))
    await harness.import_roster(roster)
    supervisor = await harness.join("S01")
    first = (await harness.send(supervisor, "/digest"))[0]
    # 25 people, 6 a page; page 1's head (with 另有21人严重落后) leaves room for 2: 2 + 4 pages.
    assert "第1/5页" in first.text and [b.text for b in first.flat_buttons] == ["下一页 ▶"]
    # 24 of 25 at 0 are far behind, 3 named; 李华 (target 1, 0.89 short) is not, but none has joined (📵).
    assert "另有21人严重落后、1人无法送达。" in first.text
    pages, shown = [first.text], first
    for number in range(2, 6):
        shown = [m for m in await harness.press(supervisor, shown, "下一页") if m.kind == "edit"][-1]
        assert f"第{number}/5页" in shown.text
        pages.append(shown.text)
    assert {b.text for b in shown.flat_buttons} == {"◀ 上一页"}
    names = [f"干部{i:02d}" for i in range(23)] + ["张明", "李华"]
    for name in names:
        assert sum(page.count(f" {name}（📵 无法送达）：全年") for page in pages) == 1, name  # none has joined
    assert all(len(page.splitlines()) <= 16 for page in pages)


async def test_admin_gets_the_organisation_digest(harness: BotHarness) -> None:
    users = await setup(harness)
    page = (await harness.send(users["A01"], "/digest"))[0].text
    assert "各单位学习周报" in page and "组织科（2人）" in page and "干部科（1人）" in page


async def test_weekly_digest_reaches_supervisors_and_admins_once(harness: BotHarness) -> None:
    users = await setup(harness)
    await harness.send(users["C01"], "公积金怎么提取")
    sent = await harness.tick("2026-11-23 09:00")
    s01 = texts_of(sent, users["S01"])
    assert "组织科学习周报 · 11月16日—11月22日" in s01[0].text and "2026年度合计6学时（2人）" in s01[0].text
    assert s01[1].kind == "photo" and s01[1].filename == "组织科-2026-11-16.png"
    assert "干部科学习周报" in texts_of(sent, users["S03"])[0].text
    a01 = texts_of(sent, users["A01"])
    assert "各单位学习周报" in a01[0].text and "组织科（2人）✅1 ⚠️0 🔴1 · 本周3学时 · 全年6学时" in a01[0].text
    assert "知识库缺口" in a01[1].text and "公积金怎么提取（1次）" in a01[1].text
    assert not any("学习周报" in m.text for m in texts_of(sent, users["C01"]))
    assert not any("学习周报" in m.text for m in await harness.tick("2026-11-23 09:30"))


async def test_unreachable_people_are_flagged_in_the_digest(harness: BotHarness) -> None:
    from bot.console.request import ApiError

    users = await setup(harness)
    harness.request.faults[users["C02"].user_id] = ApiError(403, "Forbidden: bot was blocked by the user")
    await harness.tick("2026-11-23 08:30")  # the Monday reminder finds 李华 unreachable
    page = (await harness.send(users["S01"], "/digest"))[0].text
    assert "李华（📵 无法送达）：全年" in page


async def test_report_shows_records_progress_and_talks_but_never_notes(harness: BotHarness) -> None:
    users = await setup(harness)
    await talk_with_notes(harness)
    report = (await harness.send(users["S01"], "/report 张明"))[-1].text
    assert "张明（组织科）" in report and "已计入5学时，年度目标90学时" in report
    assert "专题讲座2小时" in report and "2026-11-02 · 赵强" in report
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
    assert book.sheetnames == ["人员汇总", "学习记录", "谈心谈话", "2026年度学习汇总"]
    people_rows = [r for r in book["人员汇总"].iter_rows(values_only=True)]
    assert people_rows[0][:4] == ("姓名", "单位", "本期学时", "全年学时")
    assert {r[0] for r in people_rows[1:-1]} == {"张明", "李华"}
    records = [r for r in book["学习记录"].iter_rows(values_only=True)][1:]
    assert sorted((r[2], r[7]) for r in records) == [("张明", 2), ("张明", 3), ("李华", 1)]
    talk_rows = [r for r in book["谈心谈话"].iter_rows(values_only=True)]
    assert talk_rows[0] == ("日期", "分管领导", "谈话对象", "记录人")
    assert all("家里有困难" not in str(cell) for row in talk_rows for cell in row)
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"


async def test_export_periods_and_admin_scope(harness: BotHarness) -> None:
    users = await setup(harness)
    last_week = load_workbook(io.BytesIO((await harness.send(users["S01"], "/export 上周"))[-1].content))
    assert [r[7] for r in last_week["学习记录"].iter_rows(values_only=True)][1:] == [3]
    admin_book = load_workbook(io.BytesIO((await harness.send(users["A01"], "/export 2026-11"))[-1].content))
    assert {r[0] for r in admin_book["人员汇总"].iter_rows(values_only=True)} >= {"张明", "李华", "王芳"}
    assert "用法" in (await harness.send(users["S01"], "/export 明年"))[-1].text


# --- figures that mean what they say ---------------------------------------------------------


def at_local(day: str, time: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=ZoneInfo("Asia/Shanghai"))


async def test_nobody_is_behind_in_the_first_weeks_nor_while_the_gap_is_under_the_floor(harness: BotHarness) -> None:
    harness.set_time(at_local("2026-01-06"))
    await harness.import_roster(ROSTER + '- {id: "C04", name: 周丽, unit: 组织科, roles: cadre, target: 20}\n')
    supervisor = await harness.join("S01")
    for cadre in ("C01", "C02", "C04"):
        await harness.join(cadre)
    # 6 January: 90 × 6 / 365 = 1.48 expected of everyone at 0 — the first 4 weeks are grace weeks.
    january = (await harness.send(supervisor, "/digest"))[0].text
    assert "本周没有需要特别关注的同志。" in january and "🔴" not in january and "⚠️" not in january

    harness.set_time(at_local("2026-02-20"))  # day 51, the grace weeks over
    february = (await harness.send(supervisor, "/digest"))[0].text
    # 张明: 90 × 51 / 365 = 12.58 expected, 0 done → far behind by 12.6.
    assert "🔴 张明：严重落后，差12.6学时" in february
    # 周丽 (target 20): 20 × 51 / 365 = 2.79 short, under the 4学时 floor; 李华 (target 1): 0.14.
    assert "✅ 周丽：全年0/20学时 · " in february and "✅ 李华：全年0/1学时 · " in february
    assert not any(f"{name}：{status}" in february for name in ("周丽", "李华") for status in ("严重落后", "进度落后"))


TALK_ROSTER = """\
- {id: "C01", name: 张明, unit: 组织科, roles: cadre}
- {id: "C03", name: 王芳, unit: 干部科, roles: cadre}
- {id: "C05", name: 周丽, unit: 宣传科, roles: cadre}
- {id: "S01", name: 赵强, unit: 组织科, roles: supervisor, supervises: 组织科}
- {id: "S03", name: 孙敏, unit: 干部科, roles: cadre;supervisor, supervises: 干部科}
- {id: "A01", name: 陈静, unit: 办公室, roles: admin}
"""


async def test_talk_status_respects_postponement_and_only_pairs_that_exist(harness: BotHarness) -> None:
    await harness.import_roster(TALK_ROSTER)
    users = {eid: await harness.join(eid) for eid in ("S01", "S03", "A01", "C01", "C03", "C05")}
    async with harness.services.db.session() as session:
        s01, c01 = await harness.person("S01"), await harness.person("C01")
        await talks.record_talk(session, s01.id, c01.id, date(2026, 8, 1), harness.services.now())
        # Everyone joined in January: by the old rule (joined + 90 days) 孙敏 and 周丽 were overdue.
        await session.execute(update(Person).values(created_at=datetime(2026, 1, 5, tzinfo=timezone.utc)))
        await session.commit()

    # 08-01 + 90 days = 10-30: overdue on 11-20.
    overdue = (await harness.send(users["S01"], "/digest"))[0].text
    assert "🔴 张明：严重落后，差79.9学时；谈话逾期" in overdue and "谈话逾期（应于10-30前）" in overdue

    async with harness.services.db.session() as session:
        await talks.postpone(session, s01.id, c01.id, date(2026, 11, 27))  # 推迟 to 11-27
        await session.commit()
    postponed = (await harness.send(users["S01"], "/digest"))[0].text
    assert "谈话11-27到期" in postponed and "谈话逾期" not in postponed

    # 孙敏 supervises 干部科 and is its cadre too: nobody supervises him, so no talk is overdue.
    unit = (await harness.send(users["S03"], "/digest"))[0].text
    assert "孙敏：全年" in unit and "　　最近学习无 · 未配置分管领导" in unit
    assert "🔴 孙敏：严重落后，差79.9学时" in unit.splitlines()  # on the list, but not for a talk nobody can hold

    org = (await harness.send(users["A01"], "/digest"))[0].text
    assert "另有2人未配置分管领导，无人与其谈心谈话，请在名册中设置。" in org
    assert "宣传科（1人）" in org and "· 未配置分管领导1人" in org
    # Overdue: only 王芳 (孙敏's pair; joined 01-05, first due within 90 days, long past). Not
    # 张明 (postponed), nor 孙敏 and 周丽, whom nobody is configured to talk with.
    assert "全部：✅0人 ⚠️0人 🔴4人 · 谈话逾期1人 · 📵 无法送达0人" in org
    assert "干部科（2人）✅0 ⚠️0 🔴2 · 本周0学时 · 全年0学时 · 谈话逾期1人 · 未配置分管领导1人" in org


async def test_the_digest_shows_what_waits_for_confirmation_and_the_oldest(harness: BotHarness) -> None:
    users = await setup(harness)
    await harness.send(users["C01"], "/study 调研报告 1 基层党建调研")  # needs a supervisor's 通过
    record_id = (await record_ids(harness, "C01"))[-1]
    page = (await harness.send(users["S01"], "/digest"))[0].text
    assert f"⏳ 待确认1条，最早的#{record_id}已等待不到1天，请发送 /pending 处理。" in page
    assert "待确认" not in (await harness.send(users["S03"], "/digest"))[0].text  # another unit's

    sent = await harness.tick("2026-11-23 09:00")  # Monday's digest: logged Friday 10:00, 2 days ago
    monday = next(m for m in texts_of(sent, users["S01"]) if "学习周报" in m.text).text
    assert f"⏳ 待确认1条，最早的#{record_id}已等待2天，请发送 /pending 处理。" in monday
    older = (await harness.send(users["S01"], "/digest 2026-11-02"))[0].text
    assert "待确认" not in older  # a digest of an older week is about then, not now


async def test_organisation_export_has_each_persons_unit_and_record_ids(harness: BotHarness) -> None:
    users = await setup(harness)
    await harness.send(users["C03"], "/study 专题讲座 2 11-18 业务学习")
    document = (await harness.send(users["A01"], "/export"))[-1]
    assert document.filename == "全部单位-2026-01-01-2026-12-31.xlsx"
    book = load_workbook(io.BytesIO(document.content))
    people_rows = list(book["人员汇总"].iter_rows(values_only=True))
    assert {(r[0], r[1]) for r in people_rows[1:-1]} == {("张明", "组织科"), ("李华", "组织科"), ("王芳", "干部科")}
    assert people_rows[-1][:4] == ("合计", "全部单位", 8, 8)
    sheet = list(book["学习记录"].iter_rows(values_only=True))
    assert sheet[0][:8] == ("编号", "日期", "姓名", "单位", "活动", "数量", "计量单位", "学时")
    ids = {eid: await record_ids(harness, eid) for eid in ("C01", "C02", "C03")}
    assert sorted((r[0], r[2], r[3], r[6]) for r in sheet[1:]) == sorted(
        [(ids["C01"][0], "张明", "组织科", "小时"), (ids["C01"][1], "张明", "组织科", "小时"),
         (ids["C02"][0], "李华", "组织科", "小时"), (ids["C03"][0], "王芳", "干部科", "小时")]
    )


async def test_a_past_weeks_export_reads_as_of_that_weeks_end(harness: BotHarness) -> None:
    users = await setup(harness)
    async with harness.services.db.session() as session:  # a talk this week, after the week exported
        s01, c01 = await harness.person("S01"), await harness.person("C01")
        await talks.record_talk(session, s01.id, c01.id, date(2026, 11, 18), harness.services.now())
        await session.commit()
    book = load_workbook(io.BytesIO((await harness.send(users["S01"], "/export 上周"))[-1].content))
    rows = {r[0]: r for r in list(book["人员汇总"].iter_rows(values_only=True))[1:-1]}
    # 11-09 to 11-15: 张明 3 that week, 3 in the year by 11-15, last study 11-10 (not 11-20),
    # no talk yet (the one of 11-18 came later).
    assert rows["张明"][2:5] == (3, 3, 90) and rows["张明"][7] == datetime(2026, 11, 10)
    assert rows["张明"][6] == "严重落后" and rows["张明"][8] is None
    assert rows["李华"][2:4] == (0, 0) and rows["李华"][7] is None
    this_week = load_workbook(io.BytesIO((await harness.send(users["S01"], "/export 本周"))[-1].content))
    now = {r[0]: r for r in list(this_week["人员汇总"].iter_rows(values_only=True))[1:-1]}
    assert now["张明"][2:4] == (2, 5) and now["张明"][7:9] == (datetime(2026, 11, 20), datetime(2026, 11, 18))
