"""The quiz in digests and exports: each person's days answered, answers and accuracy (— when
nothing was answered, never 0%), a 每日答题 sheet in the export, and for admins the items most
often answered wrong (with their item and entry ids), only above the answers threshold."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

from openpyxl import load_workbook

from bot.digests.model import OrgDigest, PersonRow, QuizWrongLine, UnitDigest
from bot.digests.text import org_digest_pages, person_entry, unit_digest_pages
from bot.digests.workbooks import unit_export_sheets, workbook_bytes
from db import people
from db.models import QuizAnswer
from tests.conftest import BotHarness

WEEK_START, WEEK_END = date(2026, 11, 16), date(2026, 11, 22)
ROSTER = """\
- {id: "C01", name: 张明, unit: 组织科, roles: cadre}
- {id: "C02", name: 李华, unit: 组织科, roles: cadre}
- {id: "S01", name: 赵强, unit: 组织科, roles: supervisor, supervises: 组织科}
- {id: "A01", name: 陈静, unit: 办公室, roles: admin}
"""


def row(name: str, days: int = 0, answered: int = 0, right: int = 0, unit: str = "组织科") -> PersonRow:
    return PersonRow(
        person_id=0, name=name, week_credits=1, year_credits=80, target=90, expected_to_date=80, status="on_track",
        last_study=date(2026, 11, 18), last_talk=None, talk_due=None, talk_overdue=False, reachable=True, unit=unit,
        quiz_days=days, quiz_answered=answered, quiz_right=right,
    )


def unit_of(rows: list[PersonRow]) -> UnitDigest:
    return UnitDigest(unit="组织科", week_start=WEEK_START, week_end=WEEK_END, year=2026, people=tuple(rows),
                      week_total=2, year_total=160)


def test_a_person_entry_shows_days_answers_and_accuracy_with_one_decimal() -> None:
    text = person_entry(row("张三", days=3, answered=12, right=10), WEEK_END, quiz=True)
    assert text.split("\n")[1].endswith(" · 答题3天12题，正确率83.3%")


def test_accuracy_is_a_dash_for_someone_who_answered_nothing() -> None:
    pages = unit_digest_pages(unit_of([row("张三", days=1, answered=5, right=5), row("李四")]))
    text = "\n".join(pages)
    assert "答题1天5题，正确率100%" in text and "答题0天0题，正确率—" in text
    assert "0%" not in text.replace("100%", "")


def test_a_week_without_quiz_answers_keeps_the_digest_as_it_was() -> None:
    text = "\n".join(unit_digest_pages(unit_of([row("张三"), row("李四")])))
    assert "答题" not in text


def test_admins_digest_lists_the_most_often_wrong_items_with_their_ids() -> None:
    digest = OrgDigest(
        week_start=WEEK_START, week_end=WEEK_END, year=2026, units=(),
        quiz_wrong=(QuizWrongLine("q-dangfei-1", "dangfei-bili", "月工资收入（税后）3000元以下的在职党员，党费按什么比例交纳？", 8, 6),
                    QuizWrongLine("q-sanhui-2", "sanhui-yike", "支部党员大会一般多久召开一次？", 6, 2)),
        quiz_wrong_min=5,
    )
    text = org_digest_pages(digest)[0]
    assert "易错题（本周作答不少于5次、错误率最高的题，可能需要改写题目或条目）：" in text
    assert "1. 月工资收入（税后）3000元以下的在职…（q-dangfei-1，条目dangfei-bili）错误率75%，6/8次" in text
    assert "2. 支部党员大会一般多久召开一次？（q-sanhui-2，条目sanhui-yike）错误率33.3%，2/6次" in text


def test_the_export_has_a_quiz_sheet_only_when_someone_answered() -> None:
    without = load_workbook(io.BytesIO(workbook_bytes(unit_export_sheets([row("张三")], [], [], unit="组织科"))))
    assert without.sheetnames == ["人员汇总", "学习记录", "谈心谈话"]
    rows = [row("张三", days=2, answered=8, right=6), row("李四")]
    book = load_workbook(io.BytesIO(workbook_bytes(unit_export_sheets(rows, [], [], unit="组织科"))))
    assert book.sheetnames == ["人员汇总", "学习记录", "谈心谈话", "每日答题"]
    sheet = book["每日答题"]
    assert [c.value for c in sheet[1]] == ["姓名", "单位", "答题天数", "答题数", "答对数", "正确率"]
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        ("张三", "组织科", 2, 8, 6, 0.75), ("李四", "组织科", 0, 0, 0, None)]
    assert sheet["F2"].number_format == "0.0%"


async def answers(harness: BotHarness, external_id: str, marks: list[tuple[str, bool]], day: date) -> None:
    """Answers as the handler stores them (a press each), without the presses."""
    async with harness.services.db.session() as session:
        person = await people.by_external_id(session, external_id)
        at = datetime(day.year, day.month, day.day, 2, tzinfo=timezone.utc)
        for item_id, right in marks:
            session.add(QuizAnswer(person_id=person.id, quiz_date=day, item_id=item_id, entry_id="dangfei-bili",
                                   chosen="A", right=right, answered_at=at))
        await session.commit()


async def test_supervisor_digest_and_export_carry_each_persons_quiz_figures(harness: BotHarness) -> None:
    await harness.import_roster(ROSTER)
    users = {eid: await harness.join(eid) for eid in ("C01", "C02", "S01")}
    await answers(harness, "C01", [("q-dangfei-1", True), ("q-dangfei-2", False)], date(2026, 11, 18))
    await answers(harness, "C01", [("q-dangfei-3", True)], date(2026, 11, 20))
    await answers(harness, "C01", [("q-sanhui-1", True)], date(2026, 11, 9))  # the week before: not this week's
    page = (await harness.send(users["S01"], "/digest"))[0].text
    assert "答题2天3题，正确率66.7%" in page and "答题0天0题，正确率—" in page
    book = load_workbook(io.BytesIO((await harness.send(users["S01"], "/export 2026-11"))[-1].content))
    sheet = {r[0]: r for r in book["每日答题"].iter_rows(min_row=2, values_only=True)}
    assert sheet["张明"][2:] == (3, 4, 3, 0.75) and sheet["李华"][2:] == (0, 0, 0, None)


async def test_admins_digest_names_items_often_wrong_above_the_threshold_only(harness: BotHarness) -> None:
    await harness.import_roster(ROSTER)
    admin = await harness.join("A01")
    day = date(2026, 11, 17)
    for index, external_id in enumerate(("C01", "C02", "S01")):
        await answers(harness, external_id, [("q-dangfei-1", index == 0), ("q-sanhui-1", True)], day)
    await answers(harness, "C01", [("q-dangfei-2", False)], day)  # wrong, but answered once only
    await answers(harness, "C02", [("q-dangfei-1", False)], day - timedelta(days=7))  # last week: not counted
    config = harness.services.config
    harness.services.config = config.model_copy(update={"quiz": config.quiz.model_copy(update={"wrong_min_answers": 3})})
    page = (await harness.send(admin, "/digest"))[0].text
    assert "易错题（本周作答不少于3次" in page
    assert "1. 月工资收入（税后）3000元以下的在职…（q-dangfei-1，条目dangfei-bili）错误率66.7%，2/3次" in page
    assert "q-dangfei-2" not in page and "q-sanhui-1" not in page  # too few answers; never wrong
