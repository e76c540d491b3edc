"""Excel workbooks people open in Excel or WPS: every sheet with a bold, frozen header, columns
wide enough for Chinese text, and dates stored as dates so that sorting and filtering work.

`workbook_bytes` lays out any feature's sheets; `unit_export_sheets` builds the /export
workbook of a unit from the digest's data classes. Rows come in as plain values; nothing
here touches the database.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot import texts
from bot.digests.model import PersonRow, RecordRow, TalkRow, attention_order
from db.readings import NoteRow
from knowledge.readings import week_label

Cell = str | int | float | bool | date | datetime | None

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0%"
ACCURACY_FORMAT = "0.0%"  # a quiz accuracy keeps its one decimal, as the digest text shows it
MIN_WIDTH = 6
MAX_WIDTH = 50
_SHEET_TITLE_LIMIT = 31  # Excel refuses longer sheet names
_SHEET_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a header row, data rows, then optional `footer` rows (totals, shown bold).

    `widths` are in Excel's character units, one per column; when left out they are estimated
    from the content. `number_formats` maps a header to an Excel number format for its column
    (e.g. "0%"); dates and times get one automatically.
    """

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    widths: Sequence[int] | None = None
    number_formats: Mapping[str, str] = field(default_factory=dict)
    footer: Sequence[Sequence[Cell]] = ()


def workbook_bytes(sheets: Sequence[Sheet], *, tz: tzinfo | None = None) -> bytes:
    """The .xlsx file for `sheets`, in order.

    Excel has no time zones: aware datetimes are shown in `tz` (the configured zone) and an
    aware datetime without `tz` is an error rather than a silently wrong UTC time.
    """
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        _write_sheet(book.create_sheet(_sheet_title(sheet.title)), sheet, tz)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(worksheet: Worksheet, sheet: Sheet, tz: tzinfo | None) -> None:
    if sheet.widths is not None and len(sheet.widths) != len(sheet.headers):
        raise ValueError(f"sheet {sheet.title!r}: {len(sheet.widths)} widths for {len(sheet.headers)} columns")
    formats = [sheet.number_formats.get(header) for header in sheet.headers]
    lines = [(sheet.headers, True), *((row, False) for row in sheet.rows), *((row, True) for row in sheet.footer)]
    for number, (values, bold) in enumerate(lines, start=1):
        _write_row(worksheet, number, values, formats, tz, bold)
    worksheet.freeze_panes = "A2"
    widths = sheet.widths or estimated_widths(sheet.headers, [*sheet.rows, *sheet.footer])
    for index, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = width


def _write_row(
    worksheet: Worksheet, row: int, values: Sequence[Cell], formats: Sequence[str | None],
    tz: tzinfo | None, bold: bool,
) -> None:
    for column, value in enumerate(values, start=1):
        cell = worksheet.cell(row=row, column=column, value=_cell_value(value, tz))
        if isinstance(value, str):
            cell.data_type = "s"  # text that starts with "=" stays text, never a formula
        number_format = _number_format(value, formats[column - 1] if column <= len(formats) else None)
        if number_format:
            cell.number_format = number_format
        if bold:
            cell.font = _BOLD


def _cell_value(value: Cell, tz: tzinfo | None) -> Cell:
    if isinstance(value, datetime) and value.tzinfo is not None:
        if tz is None:
            raise ValueError("aware datetime in a workbook: pass tz= so it is shown in local time")
        return value.astimezone(tz).replace(tzinfo=None)
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters make openpyxl refuse the cell
    return value


def _number_format(value: Cell, column_format: str | None) -> str | None:
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    return column_format if isinstance(value, int | float) and not isinstance(value, bool) else None


def estimated_widths(headers: Sequence[str], rows: Sequence[Sequence[Cell]]) -> list[int]:
    """Per column: the widest of header and cells plus padding, Chinese counted double, capped
    so one long note does not push every other column off screen.
    """
    widths = [display_width(header) for header in headers]
    for row in rows:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], display_width(value))
    return [min(MAX_WIDTH, max(MIN_WIDTH, width + 2)) for width in widths]


def display_width(value: Cell) -> int:
    """Columns a value takes in Excel: a Chinese character is two."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return len("2026-01-01 00:00")
    if isinstance(value, date):
        return len("2026-01-01")
    text = texts.num(value) if isinstance(value, float) else str(value)
    return sum(2 if ord(char) > 0x2E7F else 1 for char in text)


def _sheet_title(title: str) -> str:
    return _SHEET_TITLE_FORBIDDEN.sub("_", title)[:_SHEET_TITLE_LIMIT] or "Sheet"


# --- the /export workbook -----------------------------------------------------------------


def export_headers(headers: Sequence[str], credit_name: str) -> list[str]:
    """Column headers with the configured credit name (学时, 学分 …) wherever one says {credit}:
    a sheet whose column says 积分 while every message says 学时 reads as two different things."""
    return [header.format(credit=credit_name) for header in headers]


def unit_export_sheets(
    people_rows: Sequence[PersonRow],
    record_rows: Sequence[RecordRow],
    talk_rows: Sequence[TalkRow],
    *,
    unit: str,
    credit_name: str = "学时",
) -> list[Sheet]:
    """人员汇总, 学习记录 and 谈心谈话 (and 每日答题 when anyone answered the quiz in the period)
    for one unit or (with `unit` a label such as 全部单位) the whole organisation. `week_credits` of each person is read as the credits of the
    exported period (本期). Talks never carry their notes.
    """
    sheets = [
        people_sheet(people_rows, scope=unit, credit_name=credit_name),
        records_sheet(record_rows, credit_name=credit_name),
        talks_sheet(talk_rows),
    ]
    if any(p.quiz_answered for p in people_rows):  # a period without quiz answers keeps the three sheets
        sheets.append(quiz_sheet(people_rows, scope=unit))
    return sheets


def quiz_sheet(people: Sequence[PersonRow], *, scope: str) -> Sheet:
    """每日答题: each person's days answered, answers, right answers and accuracy in the period;
    accuracy is empty (not 0%) for someone who answered nothing."""
    rows = [
        [person.name, person.unit or scope, person.quiz_days, person.quiz_answered, person.quiz_right,
         person.quiz_accuracy]
        for person in sorted(people, key=lambda row: (row.unit, row.name))
    ]
    headers = list(texts.QUIZ_EXPORT_HEADERS)
    return Sheet(texts.QUIZ_EXPORT_SHEET, headers, rows, number_formats={headers[5]: ACCURACY_FORMAT})


def people_sheet(people: Sequence[PersonRow], *, scope: str, credit_name: str = "学时") -> Sheet:
    """One row a person with their own unit (`scope` names only the total row: 组织科, or
    全部单位), grouped by unit and most in need first within each."""
    headers = export_headers(texts.EXPORT_PEOPLE_HEADERS, credit_name)
    rows = [
        [
            person.name, person.unit or scope, person.week_credits, person.year_credits, person.target,
            _ratio(person.year_credits, person.target), texts.DIGEST_STATUS_NAMES[person.status],
            person.last_study, person.last_talk, texts.EXPORT_YES if person.reachable else texts.EXPORT_NO,
        ]
        for person in sorted(attention_order(people), key=lambda row: row.unit)  # stable: order kept per unit
    ]
    week = sum(p.week_credits for p in people)
    year = sum(p.year_credits for p in people)
    target = sum(p.target for p in people)
    total = [texts.EXPORT_TOTAL_ROW, scope, week, year, target, _ratio(year, target), None, None, None, None]
    return Sheet(
        texts.EXPORT_PEOPLE_SHEET, headers, rows, number_formats={headers[5]: PERCENT_FORMAT}, footer=[total],
    )


def records_sheet(records: Sequence[RecordRow], *, credit_name: str = "学时") -> Sheet:
    """Every record with its 编号, the person's unit, and the measurement unit of its amount."""
    headers = export_headers(texts.EXPORT_RECORDS_HEADERS, credit_name)
    rows = [
        [
            record.record_id, record.study_date, record.name, record.person_unit, record.activity, record.amount,
            texts.UNIT_NAMES.get(record.unit_label, record.unit_label), record.credits,
            texts.STATUS_NAMES.get(record.status, record.status), record.note or "", record.created_at,
        ]
        for record in records
    ]
    return Sheet(texts.EXPORT_RECORDS_SHEET, headers, rows)


def talks_sheet(talks: Sequence[TalkRow]) -> Sheet:
    """Who talked with whom and when: the notes of a 谈心谈话 are confidential and are not in
    TalkRow at all, so no caller can leak them into a spreadsheet.
    """
    rows = [[talk.held_on, talk.supervisor, talk.cadre, talk.recorded_by] for talk in talks]
    return Sheet(texts.EXPORT_TALKS_SHEET, list(texts.EXPORT_TALKS_HEADERS), rows)


def notes_sheet(notes: Sequence[NoteRow]) -> Sheet:
    """每周一篇心得: an admin's export only (handlers/reports.py adds it for admins; a
    supervisor's export never has it: the issue allows the 心得 to the admins alone)."""
    rows = [[week_label(n.week), n.title, n.name, n.unit, n.notes, sum(not ch.isspace() for ch in n.notes), n.notes_at]
            for n in notes]
    return Sheet(texts.EXPORT_NOTES_SHEET, list(texts.EXPORT_NOTES_HEADERS), rows, widths=[10, 24, 10, 12, 80, 6, 18])


def _ratio(done: float, target: float) -> float | None:
    return done / target if target > 0 else None
