"""The supervisor digest's rendering: who comes first, how pages split, the chart and the export.

Pure functions of hand-made digests: no database, no bot.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import struct
import warnings
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from matplotlib.figure import Figure
from openpyxl import load_workbook

from bot import texts
from bot.digests import charts
from bot.digests.model import (
    OrgDigest,
    OrgRow,
    PendingSummary,
    PersonRow,
    RecordRow,
    TalkRow,
    UnitDigest,
    attention_order,
    attention_reasons,
    classify,
    needing_attention,
    org_order,
)
from bot.digests.delivery import chart_filename
from bot.digests.text import org_digest_pages, person_entry, unit_digest_pages
from bot.digests.workbooks import MAX_WIDTH, Sheet, unit_export_sheets, workbook_bytes

WEEK_START = date(2026, 11, 16)
WEEK_END = date(2026, 11, 22)
TELEGRAM_LIMIT = 4096
PHONE_LINES = 16  # one phone screen: about 15 lines


def person(
    name: str, *, status: str = "on_track", year: float = 80.0, expected: float = 80.0, target: float = 90.0,
    week: float = 2.0, reachable: bool = True, talk_overdue: bool = False, person_id: int = 0,
    last_study: date | None = date(2026, 11, 18), last_talk: date | None = date(2026, 9, 10),
    talk_due: date | None = None, unit: str = "", has_supervisor: bool = True,
) -> PersonRow:
    return PersonRow(
        person_id=person_id, name=name, week_credits=week, year_credits=year, target=target,
        expected_to_date=expected, status=status, last_study=last_study, last_talk=last_talk,  # type: ignore[arg-type]
        talk_due=talk_due, talk_overdue=talk_overdue, reachable=reachable, unit=unit, has_supervisor=has_supervisor,
    )


def unit_of(people: list[PersonRow], unit: str = "组织科") -> UnitDigest:
    return UnitDigest(
        unit=unit, week_start=WEEK_START, week_end=WEEK_END, year=2026, people=tuple(people),
        week_total=sum(p.week_credits for p in people), year_total=sum(p.year_credits for p in people),
    )


def fifty_people() -> list[PersonRow]:
    """Fifty distinct names (no name inside another), a spread of every status and flag."""
    surnames = "赵钱孙李周吴郑王冯陈"
    given = "春夏秋冬梅"
    people = []
    for index in range(50):
        name = f"{surnames[index % 10]}{given[index // 10]}{'甲乙丙丁戊己庚辛壬癸'[index % 10]}"
        year = 20.0 + index * 1.5
        people.append(person(
            name, person_id=index, year=year, expected=80.0, status=classify(year, 80.0, 0.1, 0.3),
            reachable=index % 7 != 0, talk_overdue=index % 5 == 0,
            talk_due=WEEK_END + timedelta(days=index - 10),
        ))
    return people


# --- classification and attention order ------------------------------------------------------


@pytest.mark.parametrize(
    ("credits", "expected_status"),
    [
        (60.0, "on_track"), (54.0, "on_track"), (53.9, "behind"),
        (42.0, "behind"), (41.9, "far_behind"), (0.0, "far_behind"),
    ],
)
def test_status_compares_credits_with_the_pro_rata_figure(credits: float, expected_status: str) -> None:
    # 60 expected, ratios 0.1 and 0.3: on track from 54, far behind below 42.
    assert classify(credits, 60.0, behind_ratio=0.1, far_behind_ratio=0.3) == expected_status


def test_nobody_is_behind_when_nothing_is_expected_yet() -> None:
    assert classify(0.0, 0.0, 0.1, 0.3) == "on_track"


@pytest.mark.parametrize(
    ("credits", "expected", "expected_status"),
    [
        # 0 of 1.48 expected (6 January, target 90): far behind by ratio, but short of only 1.48.
        (0.0, 1.48, "on_track"),
        (0.0, 3.99, "on_track"),
        (0.0, 4.0, "far_behind"),  # a gap of exactly the floor counts
        (10.0, 13.9, "on_track"),  # 28% short, but only 3.9 credits
        (10.0, 14.0, "behind"),  # gap 4: below 14 × 0.9 = 12.6, not below 14 × 0.7 = 9.8
        (60.0, 80.0, "behind"),  # gap 20: 60 < 72, not < 56
        (50.0, 80.0, "far_behind"),  # 50 < 56
    ],
)
def test_nobody_is_behind_while_the_gap_is_under_the_floor(credits: float, expected: float, expected_status: str) -> None:
    assert classify(credits, expected, 0.1, 0.3, min_gap=4.0) == expected_status


def test_nobody_is_behind_in_the_grace_weeks_however_large_the_gap() -> None:
    assert classify(0.0, 50.0, 0.1, 0.3, min_gap=4.0, in_grace=True) == "on_track"
    assert classify(0.0, 50.0, 0.1, 0.3, min_gap=4.0, in_grace=False) == "far_behind"


def test_classification_refuses_thresholds_in_the_wrong_order() -> None:
    with pytest.raises(ValueError):
        classify(10.0, 60.0, behind_ratio=0.3, far_behind_ratio=0.1)


def test_attention_order_puts_far_behind_then_behind_then_unreachable_then_overdue_talks_first() -> None:
    fine = person("甲", year=85, expected=80)
    behind = person("乙", status="behind", year=70, expected=80)
    far = person("丙", status="far_behind", year=50, expected=80)
    far_unreachable = person("丁", status="far_behind", year=75, expected=80, reachable=False)
    behind_overdue = person("戊", status="behind", year=78, expected=80, talk_overdue=True)
    fine_unreachable = person("己", year=80, expected=80, reachable=False)
    people = [fine, behind, far, far_unreachable, behind_overdue, fine_unreachable]

    assert [p.name for p in attention_order(people)] == ["丁", "丙", "戊", "乙", "己", "甲"]
    assert [p.name for p in needing_attention(people)] == ["丁", "丙", "戊"]


def test_larger_gap_to_the_expected_figure_comes_first_among_equals() -> None:
    small = person("小差距", status="behind", year=70, expected=75)
    large = person("大差距", status="behind", year=60, expected=75)
    assert [p.name for p in attention_order([small, large])] == ["大差距", "小差距"]


def test_a_unit_where_all_is_well_has_nobody_needing_attention() -> None:
    people = [person("甲"), person("乙", year=95, expected=80)]
    assert needing_attention(people) == []
    page = unit_digest_pages(unit_of(people))[0]
    assert texts.DIGEST_ATTENTION_NONE in page


def test_attention_reasons_say_why_most_serious_first() -> None:
    row = person("丙", status="far_behind", reachable=False, talk_overdue=True)
    assert attention_reasons(row) == ("far_behind", "unreachable", "talk_overdue")


# --- text pages ---------------------------------------------------------------------------


def test_fifty_person_unit_is_paged_with_every_person_once_each_page_one_phone_screen() -> None:
    people = fifty_people()
    pages = unit_digest_pages(unit_of(people))  # 6 a page; page 1's head leaves room for 2

    assert len(pages) == 9  # 2 + 8 × 6
    everything = "\n".join(pages)
    for row in people:
        assert everything.count(person_entry(row, WEEK_END)) == 1, row.name
    for page in pages:
        assert len(page) < TELEGRAM_LIMIT
        assert len(page.splitlines()) <= PHONE_LINES, page


def test_first_page_opens_with_header_totals_and_the_three_most_in_need() -> None:
    people = fifty_people()
    pages = unit_digest_pages(unit_of(people))
    first = pages[0].splitlines()

    assert first[0] == texts.DIGEST_UNIT_TITLE.format(unit="组织科", start="11月16日", end="11月22日")
    assert "本周合计100学时" in first[1] and "2026年度合计" in first[1] and "（50人）" in first[1]
    block = first[first.index(texts.DIGEST_ATTENTION_HEADER) + 1:][:4]
    assert [line.split("：")[0].split(" ", 1)[1] for line in block[:3]] == [p.name for p in needing_attention(people)]
    # 40 need attention: 24 far behind (i < 24), 11 behind (24-34), and of those on track
    # 35, 42, 49 unreachable, 40, 45 overdue only. 3 named (far behind), so the rest are counted:
    assert block[3] == "另有21人严重落后、11人进度落后、3人无法送达、2人谈话逾期。"
    assert all(texts.DIGEST_ATTENTION_HEADER not in page for page in pages[1:])
    assert all(texts.DIGEST_UNIT_TITLE_CONTINUED.format(unit="组织科") in page for page in pages[1:])


def test_every_page_ends_with_its_number() -> None:
    pages = unit_digest_pages(unit_of(fifty_people()), page_size=12)
    assert [page.splitlines()[-1] for page in pages] == [f"第{i}/5页" for i in range(1, 6)]


def test_attention_list_names_the_top_three_and_counts_the_rest() -> None:
    """14 of 14 far behind: three named, 另有11人严重落后 (the list used to stop at three)."""
    people = [person(f"干部{i:02d}", status="far_behind", year=0, expected=40 + i, person_id=i) for i in range(14)]
    lines = unit_digest_pages(unit_of(people))[0].splitlines()
    block = lines[lines.index(texts.DIGEST_ATTENTION_HEADER) + 1:]
    assert block[:4] == [
        "🔴 干部13：严重落后，差53学时", "🔴 干部12：严重落后，差52学时", "🔴 干部11：严重落后，差51学时",
        "另有11人严重落后。",
    ]


def test_attention_gap_has_one_decimal_at_most() -> None:
    row = person("张明", status="far_behind", year=5, expected=79.89)
    assert "🔴 张明：严重落后，差74.9学时" in unit_digest_pages(unit_of([row]))[0]


def test_no_count_of_the_rest_when_everyone_needing_attention_is_named() -> None:
    people = [person("甲", status="behind", year=60), person("乙")]
    assert "另有" not in unit_digest_pages(unit_of(people))[0]


def test_pending_records_show_their_count_and_the_oldest() -> None:
    digest = dataclasses.replace(unit_of([person("甲")]), pending=PendingSummary(3, 12, 9))
    assert "⏳ 待确认3条，最早的#12已等待9天，请发送 /pending 处理。" in unit_digest_pages(digest)[0].splitlines()
    today = dataclasses.replace(digest, pending=PendingSummary(1, 40, 0))
    assert "⏳ 待确认1条，最早的#40已等待不到1天，请发送 /pending 处理。" in unit_digest_pages(today)[0]
    nothing = dataclasses.replace(digest, pending=PendingSummary(0, None, 0))
    assert "待确认" not in unit_digest_pages(nothing)[0]


def test_person_entry_shows_standing_totals_last_study_and_talk() -> None:
    row = person("张三", status="far_behind", year=12, target=90, week=2, reachable=False,
                  talk_overdue=True, talk_due=date(2026, 11, 1), last_study=date(2026, 11, 18))
    assert person_entry(row, WEEK_END).splitlines() == [
        "🔴 张三（📵 无法送达）：全年12/90学时 · 本周2学时",
        "　　最近学习11-18 · 谈话逾期（应于11-01前）",
    ]


@pytest.mark.parametrize(
    ("overdue", "due", "last", "shown"),
    [
        (True, None, date(2026, 5, 1), "谈话逾期"),
        (False, date(2026, 12, 1), date(2026, 9, 10), "谈话12-01到期"),
        (False, None, date(2026, 9, 10), "上次谈话09-10"),
        (False, None, date(2025, 12, 30), "上次谈话2025-12-30"),
        (False, None, None, "暂无谈话记录"),
    ],
)
def test_talk_status_shows_overdue_else_due_else_last(
    overdue: bool, due: date | None, last: date | None, shown: str
) -> None:
    row = person("李四", talk_overdue=overdue, talk_due=due, last_talk=last)
    assert person_entry(row, WEEK_END).splitlines()[1].endswith(shown)


def test_a_person_nobody_is_configured_to_talk_with_is_not_overdue() -> None:
    row = person("王五", has_supervisor=False, talk_due=None, last_talk=None)
    assert person_entry(row, WEEK_END).splitlines()[1].endswith("未配置分管领导")
    assert attention_reasons(row) == ()


def test_an_empty_unit_is_one_page_saying_so() -> None:
    pages = unit_digest_pages(unit_of([]))
    assert len(pages) == 1 and texts.DIGEST_NO_PEOPLE in pages[0]


def test_org_digest_lists_every_unit_once_worst_share_first() -> None:
    units = tuple(
        OrgRow(f"单位{i:02d}", people_count=10, week_total=5.0, year_total=500.0, on_track=10 - i % 4,
               behind=0, far_behind=i % 4, talks_overdue=i % 2, unreachable=0)
        for i in range(20)
    )
    pages = org_digest_pages(OrgDigest(WEEK_START, WEEK_END, 2026, units))

    assert len(pages) == 4  # 6 a page; page 1's five-line head leaves room for 3: 3 + 6 + 6 + 5
    everything = "\n".join(pages)
    assert all(everything.count(f"{row.unit}（") == 1 for row in units)
    assert org_order(units)[0].far_behind == 3
    assert pages[0].splitlines()[1].startswith("20个单位、200人")
    assert all(len(page) < TELEGRAM_LIMIT and len(page.splitlines()) <= PHONE_LINES for page in pages)


# --- chart --------------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def render_capturing_problems(render, caplog: pytest.LogCaptureFixture) -> tuple[object, list[str]]:
    """Run `render`, returning its result and every warning or matplotlib log line it caused."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.WARNING, logger="matplotlib"):
        warnings.simplefilter("always")
        result = render()
    return result, [str(w.message) for w in caught] + [r.getMessage() for r in caplog.records]


def test_chart_is_a_phone_width_png_that_grows_with_the_unit(caplog: pytest.LogCaptureFixture) -> None:
    png, problems = render_capturing_problems(lambda: charts.unit_progress_chart(unit_of(fifty_people())), caplog)

    assert problems == []
    width, height = png_size(png)
    assert width == charts.WIDTH_PX == 1080
    assert height == charts.chart_height_px(50)
    assert height <= 2560  # Telegram keeps photos up to 2560 px unscaled
    assert charts.chart_height_px(50) > charts.chart_height_px(20) > charts.chart_height_px(1)


def test_chart_draws_chinese_names_with_the_shipped_cjk_font(caplog: pytest.LogCaptureFixture) -> None:
    figure, problems = render_capturing_problems(
        lambda: _drawn(charts.unit_progress_figure(unit_of(fifty_people()[:5]))), caplog
    )

    assert problems == []
    font_path = charts.cjk_font_path()
    assert font_path.parent == Path(charts.__file__).parent / "fonts" and font_path.suffix == ".otf"
    axes = figure.axes[0]
    labels = [*axes.get_yticklabels(), *axes.get_xticklabels(), *figure.texts, *figure.legends[0].get_texts()]
    assert any("组织科" in t.get_text() for t in figure.texts)
    for label in labels:
        assert Path(font_manager.findfont(label.get_fontproperties())) == font_path, label.get_text()
        assert label.get_fontsize() >= 11


def test_missing_glyph_check_would_catch_boxes(caplog: pytest.LogCaptureFixture) -> None:
    """The check above is only worth something if a Latin-only font really trips it."""
    figure = Figure(figsize=(2, 1))
    figure.text(0.1, 0.5, "组织科", family="DejaVu Sans")
    _, problems = render_capturing_problems(lambda: charts.figure_png(figure), caplog)
    assert any("missing from font" in problem for problem in problems)


def test_an_empty_unit_still_gets_a_chart(caplog: pytest.LogCaptureFixture) -> None:
    png, problems = render_capturing_problems(lambda: charts.unit_progress_chart(unit_of([])), caplog)
    assert problems == [] and png_size(png)[0] == 1080


def test_two_units_charts_of_one_week_have_different_file_names() -> None:
    names = {chart_filename(unit_of([], unit)) for unit in ("组织科", "干部科")}
    assert names == {"组织科-2026-11-16.png", "干部科-2026-11-16.png"}
    next_week = dataclasses.replace(unit_of([], "组织科"), week_start=WEEK_START + timedelta(days=7))
    assert chart_filename(next_week) == "组织科-2026-11-23.png"


def _drawn(figure: Figure) -> Figure:
    charts.figure_png(figure)  # tick labels exist only once the figure is drawn
    return figure


# --- export workbook ----------------------------------------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")


def export_book(credit_name: str = "学时"):
    people = [person("张三", status="behind", year=60, target=90, week=3, unit="组织科"),
              person("李四", year=85, target=90, unit="组织科")]
    records = [
        RecordRow(31, date(2026, 11, 3), "张三", "组织科", "专题讲座", 2, "hour", 2.0, "confirmed",
                  "=HYPERLINK(\"x\")", datetime(2026, 11, 3, 2, 30, tzinfo=timezone.utc)),
        RecordRow(47, date(2026, 11, 4), "李四", "组织科", "读书笔记", 1, "piece", 2.0, "pending", None,
                  datetime(2026, 11, 4, 12, 0, tzinfo=timezone.utc)),
    ]
    talks = [TalkRow(date(2026, 9, 10), "赵书记", "张三", "赵书记")]
    sheets = unit_export_sheets(people, records, talks, unit="组织科", credit_name=credit_name)
    return load_workbook(io.BytesIO(workbook_bytes(sheets, tz=SHANGHAI)))


def test_export_has_people_records_and_talks_sheets_with_frozen_headers() -> None:
    book = export_book()
    assert book.sheetnames == ["人员汇总", "学习记录", "谈心谈话"]
    assert [c.value for c in book["人员汇总"][1]] == [
        "姓名", "单位", "本期学时", "全年学时", "年度目标学时", "完成率", "状态", "最近学习", "上次谈话", "消息能否送达",
    ]
    # 单位 is the person's unit; the amount's unit (小时) is 计量单位, so the two are never confused.
    assert [c.value for c in book["学习记录"][1]] == [
        "编号", "日期", "姓名", "单位", "活动", "数量", "计量单位", "学时", "状态", "备注", "登记时间",
    ]
    assert [c.value for c in book["谈心谈话"][1]] == ["日期", "分管领导", "谈话对象", "记录人"]
    for sheet in book:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])


def test_export_records_carry_their_id_and_both_units() -> None:
    rows = list(export_book()["学习记录"].iter_rows(min_row=2, values_only=True))
    assert [row[:8] for row in rows] == [
        (31, datetime(2026, 11, 3), "张三", "组织科", "专题讲座", 2, "小时", 2),
        (47, datetime(2026, 11, 4), "李四", "组织科", "读书笔记", 1, "篇", 2),
    ]
    assert [row[8] for row in rows] == ["已计入", "待确认"]


def test_every_export_header_uses_the_configured_credit_name() -> None:
    book = export_book(credit_name="学分")
    headers = [c.value for sheet in book for c in sheet[1]]
    assert {"本期学分", "全年学分", "年度目标学分", "学分"} <= set(headers)
    assert not any("学时" in h or "积分" in h for h in headers)


def test_organisation_export_gives_each_person_their_own_unit() -> None:
    people = [person("张三", unit="组织科", year=10), person("王芳", unit="干部科", year=20),
              person("李四", unit="组织科", year=30)]
    book = load_workbook(io.BytesIO(workbook_bytes(unit_export_sheets(people, [], [], unit="全部单位"))))
    rows = list(book["人员汇总"].iter_rows(min_row=2, values_only=True))
    assert [row[:2] for row in rows] == [("王芳", "干部科"), ("张三", "组织科"), ("李四", "组织科"), ("合计", "全部单位")]


def test_talk_export_never_has_a_notes_column() -> None:
    headers = [c.value for c in export_book()["谈心谈话"][1]]
    assert not any(word in h for h in headers for word in ("备注", "内容", "记录内容", "笔记"))
    assert not any("note" in f.name for f in dataclasses.fields(TalkRow))


def test_export_dates_are_real_dates_and_times_are_local() -> None:
    book = export_book()
    records = book["学习记录"]
    assert records["B2"].is_date and records["B2"].value.date() == date(2026, 11, 3)
    assert records["K2"].is_date and records["K2"].value == datetime(2026, 11, 3, 10, 30)
    assert book["人员汇总"]["H2"].is_date and book["谈心谈话"]["A2"].is_date


def test_export_people_sheet_has_rates_statuses_and_a_total_row() -> None:
    sheet = export_book()["人员汇总"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows[0][:7] == ("张三", "组织科", 3, 60, 90, pytest.approx(60 / 90), "进度落后")
    assert rows[0][9] == "是"
    assert rows[-1][:5] == ("合计", "组织科", 5, 145, 180)
    assert sheet["F2"].number_format == "0%"


def test_text_that_looks_like_a_formula_stays_text() -> None:
    cell = export_book()["学习记录"]["J2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("x")'


def test_column_widths_fit_chinese_content_within_a_cap() -> None:
    long_note = "学习" * 100
    content = workbook_bytes([Sheet("备注", ["姓名", "备注"], [["欧阳明远", long_note]])])
    sheet = load_workbook(io.BytesIO(content))["备注"]
    assert sheet.column_dimensions["A"].width >= 8  # four Chinese characters, counted double
    assert sheet.column_dimensions["B"].width == MAX_WIDTH


def test_given_widths_are_used_as_is() -> None:
    content = workbook_bytes([Sheet("表", ["甲", "乙"], [[1, 2]], widths=[9, 31])])
    sheet = load_workbook(io.BytesIO(content))["表"]
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width) == (9, 31)


def test_an_aware_time_without_a_zone_to_show_it_in_is_refused() -> None:
    with pytest.raises(ValueError):
        workbook_bytes([Sheet("表", ["时间"], [[datetime(2026, 1, 1, tzinfo=timezone.utc)]])])


def test_the_shipped_font_has_every_common_ideograph_and_rare_name_characters() -> None:
    """GB2312's 6,763 and the GBK ideographs names use beyond them (喆 堃 玥 昇 祎 珺 犇 淼)."""
    font = FT2Font(str(charts.cjk_font_path()))
    gb2312 = "".join(_decoded_gb2312(a, b) for a in range(0xB0, 0xF8) for b in range(0xA1, 0xFF))
    assert len(gb2312) == 6763
    missing = [c for c in gb2312 + "喆堃玥昇祎珺犇淼，。：（）％·—…0123456789ABCxyz" if font.get_char_index(ord(c)) == 0]
    assert missing == []


def _decoded_gb2312(high: int, low: int) -> str:
    try:
        return bytes([high, low]).decode("gb2312")
    except UnicodeDecodeError:  # the few unassigned codes at the end of level 1
        return ""


def test_characters_the_subset_lacks_fall_back_to_system_cjk_fonts_then_dejavu_sans() -> None:
    families = charts._Fonts(charts.cjk_font_family()).families
    assert families[0] == "Cadrebot Sans SC" and families[-1] == "DejaVu Sans"
    assert all(f in charts.SYSTEM_CJK_FAMILIES for f in families[1:-1])
