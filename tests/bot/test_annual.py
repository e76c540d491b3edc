"""The year on one page: /annual's card and text from the records a cadre made, another year,
bad years, groups, the annual sheet of /export (only one's own people), talks counted and
never read, and the optional readings and quiz sections (absent until wired, never 0)."""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from matplotlib.colors import to_rgb
from matplotlib.patches import FancyBboxPatch
from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.console.chat import LocalUser
from bot.console.request import BotMessage
from bot.digests import annual
from bot.digests.annual import ActivityLine, AnnualFigures, QuizYear, Sections
from bot.digests.annual_card import ACTIVITY_COLOUR, card_figure, card_png
from db import talks
from knowledge.loader import load_base
from knowledge.quiz import load_quiz
from tests.conftest import HANDLER_KB, HANDLER_QUIZ, BotHarness

GROUP = -100_888
NOTES = "家里有困难，需关心"
TOPIC = "想谈谈工作压力"


def png_size(content: bytes | None) -> tuple[int, int]:
    assert content is not None and content.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", content[16:24])


async def setup(harness: BotHarness) -> dict[str, LocalUser]:
    """Fri 2026-11-20. 张明 (target 90): 4 h 专题讲座 on 2025-12-30; in 2026 专题讲座 3 h + 2 h,
    网络学院课程 1.5 h, one 周一例会学习 session checked in (1), 脱产培训 2 days waiting for
    confirmation (15); a talk with 赵强 with private notes; a /talk request with its topic."""
    await harness.import_roster()
    users = {code: await harness.join(code) for code in ("C01", "C02", "C03", "S01", "A01")}
    now = harness.services.now()
    harness.set_time(datetime(2025, 12, 30, 2, 0, tzinfo=now.tzinfo))
    await harness.send(users["C01"], "/study 专题讲座 4 学习党章")
    harness.set_time(now)
    await harness.send(users["C01"], "/study 专题讲座 3 11-10 学习党章")
    await harness.send(users["C01"], "/study 专题讲座 2 学习二十大报告")
    await harness.send(users["C01"], "/study 网络学院课程 1.5 干部网络学院")
    await harness.send(users["C01"], "/study 脱产培训 2 党校培训班")
    await harness.send(users["S01"], "/session 周一例会学习")
    sent = await harness.tick("2026-11-20 10:01")
    invite = next(m for m in sent if m.chat_id == users["C01"].user_id and m.flat_buttons)
    await harness.press(users["C01"], invite, "签到")
    async with harness.services.db.session() as session:
        s01, c01 = await harness.person("S01"), await harness.person("C01")
        talk = await talks.record_talk(session, s01.id, c01.id, date(2026, 11, 2), harness.services.now())
        await talks.add_notes(session, talk.id, s01.id, NOTES, harness.services.notes)
        await session.commit()
    await harness.send(users["C01"], f"/talk {TOPIC}")
    return users


def card_and_text(replies: list[BotMessage]) -> tuple[BotMessage, BotMessage]:
    [photo] = [m for m in replies if m.kind == "photo"]
    [text] = [m for m in replies if m.kind == "text"]
    return photo, text


async def test_a_cadre_gets_the_card_and_the_text_of_this_study_year(harness: BotHarness) -> None:
    users = await setup(harness)
    replies = await harness.send(users["C01"], "/annual")
    photo, text = card_and_text(replies)
    width, height = png_size(photo.content)
    assert width == 1080 and 1080 * 1.4 <= height <= 2560  # phone portrait, kept whole by Telegram
    assert photo.text == "张明 · 2026年度学习记录" and photo.filename == "annual-2026.png"
    assert text.text.splitlines()[:3] == [
        "📅 张明 · 2026年度学习记录", "单位：组织科", "统计期间：2026年1月1日至2026年12月31日（截至2026年11月20日）"]
    # 3 + 2 + 1.5 + 1 = 7.5 of 90: 8%; the 2 days of 脱产培训 (15) wait and are not counted.
    assert "░░░░░░░░░░ 8%\n已计入7.5学时，年度目标90学时\n" in text.text
    assert "另有15学时待确认，确认后计入。" in text.text
    assert "· 专题讲座：5小时，5学时" in text.text
    assert "· 网络学院课程：1.5小时，1.5学时" in text.text
    assert "· 周一例会学习：1次，1学时" in text.text
    assert "脱产培训：" not in text.text and "· 暂无记录：脱产培训、集中学习、" in text.text
    assert "· 集体学习签到1次" in text.text and "· 谈心谈话1次" in text.text
    assert "开展谈心谈话" not in text.text  # 张明 supervises nobody
    assert "· 每周一篇已读0篇" in text.text  # the shipped readings: a true 0, not a missing section
    assert "· 每日答题0天，答题0道，答对0道\n" in text.text  # no answers: no rate at all
    assert NOTES not in text.text and TOPIC not in text.text


async def test_a_supervisor_who_is_a_cadre_sees_the_talks_he_held(harness: BotHarness) -> None:
    users = await setup(harness)
    _, text = card_and_text(await harness.send(users["S01"], "/annual"))
    assert "📅 赵强 · 2026年度学习记录" in text.text and "· 开展谈心谈话1次" in text.text
    assert "· 谈心谈话0次" in text.text and "这一年度还没有计入的学习记录。" in text.text
    assert NOTES not in text.text


async def test_another_year_is_asked_by_its_number(harness: BotHarness) -> None:
    users = await setup(harness)
    for asked in ("/annual 2025", "/annual 2025年", "/annual ２０２５"):
        photo, text = card_and_text(await harness.send(users["C01"], asked))
        assert photo.filename == "annual-2025.png" and png_size(photo.content)[0] == 1080
        assert "统计期间：2025年1月1日至2025年12月31日\n" in text.text  # a year that is over: no 截至
        # The bot keeps no history of targets: a finished year is measured against today's, and says so.
        assert "░░░░░░░░░░ 4%\n已计入4学时，年度目标90学时（按现行目标计）\n" in text.text
        assert "· 专题讲座：4小时，4学时" in text.text
        assert "待确认" not in text.text and "· 集体学习签到0次" in text.text and "· 谈心谈话0次" in text.text
    _, before = card_and_text(await harness.send(users["C01"], "/annual 2003"))  # before any data: zeros
    assert "░░░░░░░░░░ 0%\n已计入0学时，年度目标90学时（按现行目标计）\n" in before.text and "这一年度还没有计入的学习记录。" in before.text


async def test_a_study_year_from_september_counts_september_to_august(harness: BotHarness) -> None:
    users = await setup(harness)
    config = harness.services.config
    harness.services.config = config.model_copy(update={"study": config.study.model_copy(update={"year_start_month": 9})})
    _, text = card_and_text(await harness.send(users["C01"], "/annual"))
    # 2026-11-20 lies in the year 2026-09-01 – 2027-08-31: the 2025-12-30 lecture is in the year before.
    assert "📅 张明 · 2026年度学习记录" in text.text
    assert "统计期间：2026年9月1日至2027年8月31日（截至2026年11月20日）" in text.text
    assert "已计入7.5学时" in text.text
    _, before = card_and_text(await harness.send(users["C01"], "/annual 2025"))
    assert "统计期间：2025年9月1日至2026年8月31日\n" in before.text and "已计入4学时" in before.text


async def test_a_bad_year_gets_the_valid_range_and_nothing_else(harness: BotHarness) -> None:
    users = await setup(harness)
    usage = texts.ANNUAL_USAGE.format(first=2000, last=2026)
    for asked in ("/annual abc", "/annual 1900", "/annual 3000", "/annual 20255", "/annual 🎉🎉", "/annual " + "年" * 4000):
        replies = await harness.send(users["C01"], asked)
        assert [(m.kind, m.text) for m in replies] == [("text", usage)], asked[:20]
        assert "2000至2026" in usage
    assert [m.text for m in await harness.send(users["C01"], "/annual 2027")] == ["2027年度尚未开始，可查看2000至2026年度。"]


async def test_in_a_group_the_card_is_only_offered_in_private(harness: BotHarness) -> None:
    users = await setup(harness)
    replies = await harness.chat.send(users["C01"], "/annual", group=GROUP)
    assert [(m.kind, m.chat_id, m.text) for m in replies] == [("text", GROUP, texts.GROUP_PRIVATE_ONLY)]


async def test_people_who_are_not_cadres_are_refused_politely(harness: BotHarness) -> None:
    users = await setup(harness)
    assert [m.text for m in await harness.send(users["A01"], "/annual")] == [texts.NOT_ALLOWED]
    stranger = await harness.send(harness.stranger(), "/annual")
    assert stranger and all(m.kind == "text" for m in stranger)


async def test_the_supervisors_export_has_an_annual_sheet_of_only_his_people_and_no_notes(harness: BotHarness) -> None:
    users = await setup(harness)
    document = (await harness.send(users["S01"], "/export"))[-1]
    book = load_workbook(io.BytesIO(document.content))
    rows = list(book["2026年度学习汇总"].iter_rows(values_only=True))
    header, people, total = rows[0], rows[1:-1], rows[-1]
    assert header[:3] == ("姓名", "单位", "脱产培训（学时）")
    assert "网络学院课程（学时）" in header and "业务讲课（学时）" in header
    by_name = {row[0]: dict(zip(header, row)) for row in people}
    assert set(by_name) == {"张明", "李华", "赵强"}  # 组织科's cadres: not 干部科's 王芳, not the admin
    zhang = by_name["张明"]
    assert (zhang["单位"], zhang["专题讲座（学时）"], zhang["网络学院课程（学时）"], zhang["脱产培训（学时）"]) == ("组织科", 5, 1.5, 0)
    assert (zhang["合计学时"], zhang["年度目标学时"], zhang["待确认学时"]) == (7.5, 90, 15)
    assert abs(zhang["完成率"] - 7.5 / 90) < 1e-9 and zhang["集体学习签到（次）"] == 1
    assert zhang["谈心谈话（次）"] == 1 and zhang["开展谈心谈话（次）"] is None
    assert by_name["赵强"]["开展谈心谈话（次）"] == 1
    assert zhang["每周一篇已读（篇）"] == 0  # the shipped readings section
    assert (zhang["每日答题（天）"], zhang["答题正确率"]) == (0, None)  # nothing answered: no rate
    assert total[0] == "合计" and total[header.index("合计学时")] == 7.5
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert all(NOTES not in str(cell) and TOPIC not in str(cell) for row in sheet.iter_rows(values_only=True)
                   for cell in row), sheet.title


async def test_the_admins_export_has_everyone_and_a_past_year_sheet_for_a_past_window(harness: BotHarness) -> None:
    users = await setup(harness)
    book = load_workbook(io.BytesIO((await harness.send(users["A01"], "/export"))[-1].content))
    names = {row[0] for row in book["2026年度学习汇总"].iter_rows(values_only=True)}
    assert names == {"姓名", "张明", "李华", "王芳", "赵强", "合计"}
    past = load_workbook(io.BytesIO((await harness.send(users["S01"], "/export 2025"))[-1].content))
    rows = list(past["2025年度学习汇总"].iter_rows(values_only=True))
    zhang = dict(zip(rows[0], next(r for r in rows if r[0] == "张明")))
    assert (zhang["专题讲座（学时）"], zhang["合计学时"], zhang["谈心谈话（次）"]) == (4, 4, 0)
    assert zhang["年度目标学时（按现行目标）"] == 90 and "年度目标学时" not in zhang


# --- the optional sections -------------------------------------------------------------------


@dataclass(frozen=True)
class FakeQuiz:
    days: int
    answered: int
    right: int


def sources(calls: list[tuple[str, list[int], date, date]]) -> Sections:
    """Readings and quiz as db.readings.read_counts and db.quiz.year_figures will answer."""
    async def read_counts(session: AsyncSession, ids: Sequence[int], start: date, end: date) -> dict[int, int]:
        calls.append(("readings", list(ids), start, end))
        return {ids[0]: 3}

    async def year_figures(session: AsyncSession, ids: Sequence[int], start: date, end: date) -> dict[int, FakeQuiz]:
        calls.append(("quiz", list(ids), start, end))
        return {ids[0]: FakeQuiz(12, 60, 51)}

    return Sections(readings=read_counts, quiz=year_figures)


async def test_wired_sections_appear_in_the_card_the_text_and_the_sheet(harness: BotHarness, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    users = await setup(harness)
    calls: list[tuple[str, list[int], date, date]] = []
    monkeypatch.setattr(annual, "SECTIONS", sources(calls))
    photo, text = card_and_text(await harness.send(users["C01"], "/annual"))
    c01 = await harness.person("C01")
    assert calls == [("readings", [c01.id], date(2026, 1, 1), date(2026, 12, 31)),
                     ("quiz", [c01.id], date(2026, 1, 1), date(2026, 12, 31))]  # the year, end inclusive
    assert "· 每周一篇已读3篇" in text.text
    assert "· 每日答题12天，答题60道，答对51道，正确率85%" in text.text
    assert png_size(photo.content)[0] == 1080
    book = load_workbook(io.BytesIO((await harness.send(users["S01"], "/export"))[-1].content))
    rows = list(book["2026年度学习汇总"].iter_rows(values_only=True))
    header = rows[0]
    by_name = {row[0]: dict(zip(header, row)) for row in rows[1:-1]}
    # The first person asked has figures; the others, left out by the source, have 0 (not blank).
    first = next(iter(by_name.values()))
    assert (first["每周一篇已读（篇）"], first["每日答题（天）"], first["答题正确率"]) == (3, 12, 51 / 60)
    assert [row["每周一篇已读（篇）"] for row in list(by_name.values())[1:]] == [0, 0]
    assert [row["答题正确率"] for row in list(by_name.values())[1:]] == [None, None]  # nothing answered: no rate


async def test_without_sources_the_sections_are_none_and_a_person_without_answers_has_no_rate(harness: BotHarness) -> None:
    users = await setup(harness)
    c01 = await harness.person("C01")
    async with harness.services.db.session() as session:
        [plain] = await annual.gather(session, harness.services, [c01], 2026, Sections())
        [wired] = await annual.gather(session, harness.services, [c01], 2026, Sections(quiz=sources([]).quiz))
    assert (plain.readings_read, plain.quiz) == (None, None)
    assert wired.readings_read is None and wired.quiz == QuizYear(12, 60, 51)
    assert users  # joined: gather reads the same rows /annual does


# --- the card on a phone ------------------------------------------------------------------------


def figures(name: str, unit: str, credits: Sequence[float], target: float, **changes: object) -> AnnualFigures:
    lines = tuple(ActivityLine(f"a{i}", f"学习类型{i}号", value, value, "hour") for i, value in enumerate(credits))
    values: dict[str, Any] = dict(
        person_id=1, name=name, unit=unit, year=2026, start=date(2026, 1, 1), end=date(2026, 12, 31),
        as_of=date(2026, 11, 20), activities=lines, total=sum(credits), target=target, pending=0.0,
        sessions_attended=3, talks=1, talks_led=None,
    )
    values.update(changes)
    return AnnualFigures(**values)


def test_long_names_many_activity_types_every_section_and_an_over_target_year_stay_on_one_portrait_card() -> None:
    crowded = figures("阿卜杜热合曼·买买提艾力·吐尔逊江", "中共某某自治区某某地区委员会组织部干部监督科（干部档案室）",
                      [30, 40, 12, 20, 15, 6, 4, 0, 2, 1], 90, pending=7.5, readings_read=12,
                      quiz=QuizYear(120, 600, 516), talks_led=14)
    width, height = png_size(card_png(crowded))
    assert width == 1080 and height <= 2560
    assert crowded.fraction > 1.4  # 130 of 90: the bar fills its track, the percentage says 144%
    empty = figures("李华", "", [0] * 8, 90, sessions_attended=0, talks=0)
    assert png_size(card_png(empty))[0] == 1080


def activity_bar_widths(card: AnnualFigures) -> list[float]:
    """The filled part of each activity bar, as a share of its track."""
    patches = card_figure(card).axes[0].patches
    track = max(p.get_width() for p in patches if isinstance(p, FancyBboxPatch))
    return [p.get_width() / track for p in patches
            if isinstance(p, FancyBboxPatch) and p.get_facecolor()[:3] == to_rgb(ACTIVITY_COLOUR)]


def test_a_types_bar_is_its_share_of_the_target_so_a_lone_small_figure_never_looks_complete() -> None:
    lone = figures("张明", "组织科", [0, 0, 0.2], 90)
    assert [round(w, 4) for w in activity_bar_widths(lone)] == [0.0022]  # a sliver beside 0%, not a full bar
    two = figures("张明", "组织科", [45, 9], 90)
    assert [round(w, 2) for w in activity_bar_widths(two)] == [0.5, 0.1]
    over = figures("张明", "组织科", [120, 30], 90)
    assert [round(w, 2) for w in activity_bar_widths(over)] == [1.0, 0.33]  # never wider than its track


async def test_a_days_quiz_shows_on_the_card_as_answered_by_the_bot(harness: BotHarness) -> None:
    users = await setup(harness)
    question = (await harness.send(users["C01"], "/quiz"))[-1]
    item = next(i for i in load_quiz([HANDLER_QUIZ], load_base([HANDLER_KB]).entries).items
                if i.stem == question.text.split("\n")[2])
    await harness.press(users["C01"], question, f"{item.answer_letter}. ")
    text = card_and_text(await harness.send(users["C01"], "/annual"))[1].text
    assert "· 每日答题1天，答题1道，答对1道，正确率100%" in text
    assert "· 每日答题：1题，0.2学时" in text  # the right answer's credit, under its activity
