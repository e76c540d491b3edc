"""Roster files (CSV, .xlsx or YAML) parsed into validated rows, all-or-nothing.

The column set is a contract with the people who keep the roster in a spreadsheet:
id, name, unit, roles, and optionally supervises, target, level, under their English names or
the Chinese ones a 组织部 spreadsheet uses (工号/编号, 姓名, 单位/部门 …). Every problem is
collected (up to MAX_KEPT_PROBLEMS, the rest counted) with its row and column, so a bad file is
fixed in one round; the caller renders them (the catalog lives in bot/texts.py).
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

import yaml

from db.models import ROLES
from knowledge.yamlsafe import compose_yaml

COLUMNS = ("id", "name", "unit", "roles", "supervises", "target", "level")
REQUIRED = ("id", "name", "roles")
# Chinese headers as a 组织部 spreadsheet writes them; the stored column is always the English key.
HEADER_ALIASES = {
    "工号": "id", "编号": "id", "姓名": "name", "单位": "unit", "部门": "unit", "角色": "roles",
    "分管单位": "supervises", "年度目标": "target", "职级": "level",
}
# What a missing column may also be called, for the message that asks for it.
CHINESE_HEADERS = {
    column: "/".join(alias for alias, name in HEADER_ALIASES.items() if name == column) for column in COLUMNS
}
MAX_ROSTER_BYTES = 5 * 1024 * 1024
# An .xlsx is a zip: what it unpacks to is bounded too, so a small upload cannot be a bomb.
MAX_XLSX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_SHEET_COLUMNS = 64
MAX_TARGET = 10_000.0
MAX_KEPT_PROBLEMS = 20
# Spreadsheets kept in Chinese may name roles in Chinese; the stored role is always the English key.
ROLE_ALIASES = {"干部": "cadre", "分管领导": "supervisor", "领导": "supervisor", "管理员": "admin"}
ROSTER_SUFFIXES = (".csv", ".xlsx", ".yaml", ".yml")


@dataclass(frozen=True)
class RosterRow:
    external_id: str
    name: str
    unit: str
    roles: frozenset[str]
    supervises: frozenset[str]
    target: float | None
    level: str | None


@dataclass(frozen=True)
class RosterError(Exception):
    """One problem; `row` counts like a spreadsheet (the header is row 1), `column` is the
    header as the file writes it, `cell` the spreadsheet reference (D3) where there is one."""

    row: int | None
    column: str | None
    code: str
    value: str = ""
    cell: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        column = f", column {self.column}" if self.column else ""
        value = f" ({self.value!r})" if self.value else ""
        return f"{where}{column}: {self.code}{value}"

    def each(self) -> tuple[RosterError, ...]:
        """Every problem this error stands for (one, here)."""
        return (self,)

    @property
    def total(self) -> int:
        return 1


@dataclass(frozen=True)
class RosterErrors(RosterError):
    """Many problems at once. It reads as the first (row, column, code), so a caller that shows
    one still shows the first; `each()` gives up to MAX_KEPT_PROBLEMS, `total` counts them all."""

    problems: tuple[RosterError, ...] = ()
    count: int = 0

    def each(self) -> tuple[RosterError, ...]:
        return self.problems

    @property
    def total(self) -> int:
        return self.count

    def __str__(self) -> str:
        return "; ".join(RosterError.__str__(p) for p in self.problems) + (
            f"; and {self.count - len(self.problems)} more" if self.count > len(self.problems) else ""
        )


@dataclass
class _Problems:
    """Collects problems in file order, keeping the first few and counting the rest."""

    kept: list[RosterError] = field(default_factory=list)
    count: int = 0

    def add(self, problem: RosterError) -> None:
        self.count += 1
        if len(self.kept) < MAX_KEPT_PROBLEMS:
            self.kept.append(problem)

    def raise_if_any(self) -> None:
        """Raise them in row order (a reader fixes a file top to bottom)."""
        if self.kept:
            kept = tuple(sorted(self.kept, key=lambda p: p.row or 0))
            first = kept[0]
            raise RosterErrors(first.row, first.column, first.code, first.value, first.cell, kept, self.count)


@dataclass(frozen=True)
class _Layout:
    """How one record's columns are named in the file: header text and spreadsheet letter."""

    labels: dict[str, str]
    letters: dict[str, str]

    def problem(self, row: int, column: str | None, code: str, value: str = "") -> RosterError:
        label = self.labels.get(column, column) if column else None
        letter = self.letters.get(column, "") if column else ""
        return RosterError(row, label, code, value, f"{letter}{row}" if letter else "")


@dataclass(frozen=True)
class _Record:
    row: int
    cells: dict[str, str]
    layout: _Layout


def parse_roster(filename: str, content: bytes) -> list[RosterRow]:
    """Parse and validate a whole roster file; raise RosterError (RosterErrors for a list of
    problems in the rows) when anything is wrong: nothing is imported from a file with errors."""
    if len(content) > MAX_ROSTER_BYTES:
        raise RosterError(None, None, "too_large")
    lowered = filename.lower()
    problems = _Problems()
    if lowered.endswith(".xlsx"):
        records = _table_records(_xlsx_table(content), problems)
    elif lowered.endswith(".csv"):
        records = _table_records(_csv_table(_decode(content)), problems)
    elif lowered.endswith((".yaml", ".yml")):
        records = _yaml_records(_decode(content), problems)
    else:
        raise RosterError(None, None, "unknown_format", filename)
    rows = _validate_all(records, problems)
    problems.raise_if_any()
    if not rows:
        raise RosterError(None, None, "empty")
    return rows


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(None, None, "not_utf8") from None


# --- tables: CSV text and the first sheet of an .xlsx ----------------------------------------------


@dataclass(frozen=True)
class _Table:
    """Rows as spreadsheet row numbers and cell texts; `header_row` is where the header is.
    Problems the reader found (merged cells) come along, to be listed with the others."""

    header_row: int
    header: list[str]
    rows: list[tuple[int, list[str]]]
    problems: tuple[RosterError, ...] = ()
    first_column: int = 0  # a sheet may start in column B: cells are counted from here


def _csv_table(text: str) -> _Table:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise RosterError(None, None, "empty") from None
    return _Table(1, _trim(header), list(enumerate(reader, start=2)))


def _xlsx_table(content: bytes) -> _Table:
    """The first sheet, read-only; the header is its first non-empty row."""
    import openpyxl  # only uploads of .xlsx pay for importing it

    _check_unpacked_size(content)
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises whatever its zip and XML layers raise on a broken file
        raise RosterError(None, None, "bad_xlsx") from None
    try:
        if not book.worksheets:
            raise RosterError(1, None, "empty_sheet", "", "A1")
        sheet = book.worksheets[0]
        sheet.reset_dimensions()  # a stale <dimension> would pad a million empty rows
        rows = [
            (number, [_cell_text(v) for v in values])
            for number, values in enumerate(
                sheet.iter_rows(min_row=1, min_col=1, max_col=MAX_SHEET_COLUMNS, values_only=True), start=1
            )
        ]
        merged = _merged_ranges(content, getattr(sheet, "_worksheet_path", ""))
        title = str(sheet.title)
    except RosterError:
        raise
    except Exception:
        raise RosterError(None, None, "bad_xlsx") from None
    finally:
        book.close()
    filled = [(number, cells) for number, cells in rows if any(cells)]
    if not filled:
        raise RosterError(1, None, "empty_sheet", title, "A1")
    header_row, header = filled[0]
    start = next(i for i, cell in enumerate(header) if cell.strip())
    # Merged cells above the header are empty decoration (the header is the first filled row).
    problems = tuple(p for p in (_merge_problem(ref, header_row) for ref in merged) if p is not None)
    body = [(n, cells[start:]) for n, cells in rows if n > header_row]
    return _Table(header_row, _trim(header[start:]), body, problems, start)


def _check_unpacked_size(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        raise RosterError(None, None, "bad_xlsx") from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        raise RosterError(None, None, "too_large")


# openpyxl's read-only sheets do not expose merged cells, so they are read from the sheet's XML.
_MERGE_CELL = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]{1,3}[0-9]{1,7}(?::[A-Z]{1,3}[0-9]{1,7})?)"')
_CELL_REF = re.compile(r"^([A-Z]{1,3})([0-9]{1,7})")


def _merged_ranges(content: bytes, sheet_path: str) -> list[str]:
    if not sheet_path:
        return []
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        try:
            xml = archive.read(sheet_path.lstrip("/"))
        except KeyError:
            return []
    return [match.decode() for match in _MERGE_CELL.findall(xml)]


def _merge_problem(ref: str, header_row: int) -> RosterError | None:
    """A merged range names its first cell: the header's is its own code (columns would shift)."""
    first, _, last = ref.partition(":")
    first_match = _CELL_REF.match(first)
    assert first_match is not None  # the pattern above only lets cell references through
    top = int(first_match.group(2))
    last_match = _CELL_REF.match(last or first)
    bottom = int(last_match.group(2)) if last_match else top
    if bottom < header_row:
        return None
    code = "merged_header" if top <= header_row <= bottom else "merged_cells"
    return RosterError(top, None, code, ref, first)


def _cell_text(value: object) -> str:
    """A cell as the person typed it: 1001 not 1001.0, dates as 2026-11-20."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _trim(cells: list[str]) -> list[str]:
    while cells and not cells[-1].strip():
        cells = cells[:-1]
    return [cell.strip() for cell in cells]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _table_records(table: _Table, problems: _Problems) -> list[_Record]:
    for problem in table.problems:
        problems.add(problem)
    if any(p.code == "merged_header" for p in table.problems):
        return []  # a merged header shifts every column: nothing below it can be read
    before = problems.count
    names = [_canonical(cell) for cell in table.header]
    letters = {name: column_letter(table.first_column + i) for i, name in reversed(list(enumerate(names))) if name}
    labels = {name: label for name, label in reversed(list(zip(names, table.header))) if name}
    _check_header(table.header_row, table.header, names, problems, first_column=table.first_column)
    if problems.count > before:
        return []  # columns the header does not name cannot be read row by row
    layout = _Layout(labels, letters)
    records = []
    for row_number, cells in table.rows:
        if not any(cell.strip() for cell in cells):
            continue
        if len(_trim(list(cells))) > len(table.header):
            extra = column_letter(table.first_column + len(table.header))
            problems.add(RosterError(row_number, None, "too_many_cells", "", f"{extra}{row_number}"))
            continue
        records.append(_Record(row_number, dict(zip(names, cells)), layout))
    return records


def _canonical(header: str) -> str:
    text = header.strip()
    return HEADER_ALIASES.get(text) or text.lower()


def _check_header(
    row: int, header: list[str], names: list[str], problems: _Problems, cells: bool = True, first_column: int = 0
) -> None:
    """Every header problem at once; `cells` is False for YAML, whose keys have no cell."""
    seen: set[str] = set()
    for index, (label, name) in enumerate(zip(header, names)):
        cell = f"{column_letter(first_column + index)}{row}" if cells else ""
        if not label:
            problems.add(RosterError(row, None, "blank_column", "", cell))
        elif name not in COLUMNS:
            problems.add(RosterError(row, label, "unknown_column", "", cell))
        elif name in seen:
            problems.add(RosterError(row, label, "duplicate_column", "", cell))
        seen.add(name)
    for column in REQUIRED:
        if column not in seen:
            problems.add(RosterError(row, column, "missing_column", CHINESE_HEADERS[column]))



# --- YAML -------------------------------------------------------------------------------------------


def _yaml_records(text: str, problems: _Problems) -> list[_Record]:
    try:
        # The restricted composer refuses anchors and aliases: an uploaded roster cannot be a bomb.
        node, constructor = compose_yaml(text)
        data = constructor.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RosterError(mark.line + 1 if mark else None, None, "bad_yaml") from None
    except RecursionError:
        raise RosterError(None, None, "bad_yaml") from None
    if isinstance(data, dict) and set(data) == {"people"}:
        data = data["people"]
    if not isinstance(data, list):
        raise RosterError(None, None, "yaml_not_list")
    records = []
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            problems.add(RosterError(index, None, "yaml_item_not_mapping"))
            continue
        labels = [str(key) for key in item]
        names = [_canonical(label) for label in labels]
        before = problems.count
        _check_header(index, labels, names, problems, cells=False)
        if problems.count == before:
            cells = {name: _yaml_cell(value) for name, value in zip(names, item.values())}
            records.append(_Record(index, cells, _Layout(dict(zip(names, labels)), {})))
    return records


def _yaml_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


# --- rows ---------------------------------------------------------------------------------------------


def _validate_all(records: list[_Record], problems: _Problems) -> list[RosterRow]:
    rows: list[RosterRow] = []
    seen: set[str] = set()
    for record in records:
        row = _validate(record, problems)
        external_id = (record.cells.get("id") or "").strip()
        if external_id and external_id in seen:
            problems.add(record.layout.problem(record.row, "id", "duplicate_id", external_id))
        seen.add(external_id)
        if row is not None:
            rows.append(row)
    return rows


def _split(cell: str) -> frozenset[str]:
    return frozenset(part.strip() for part in cell.replace("；", ";").split(";") if part.strip())


def _validate(record: _Record, problems: _Problems) -> RosterRow | None:
    """The row, or None after adding each of its problems (a row may have several)."""
    row, layout = record.row, record.layout
    cell = {key: (value or "").strip() for key, value in record.cells.items()}
    found: list[RosterError] = []
    for column in REQUIRED:
        if not cell.get(column):
            found.append(layout.problem(row, column, "required"))
    external_id = cell.get("id", "")
    if external_id and (len(external_id) > 64 or any(ch.isspace() for ch in external_id)):
        found.append(layout.problem(row, "id", "bad_id", external_id))
    for column in ("name", "unit"):
        if len(cell.get(column, "")) > 100:
            found.append(layout.problem(row, column, "too_long"))
    roles = frozenset(ROLE_ALIASES.get(role, role.lower()) for role in _split(cell.get("roles", "")))
    if cell.get("roles") and not roles:
        found.append(layout.problem(row, "roles", "required"))
    found += [layout.problem(row, "roles", "unknown_role", role) for role in sorted(roles) if role not in ROLES]
    supervises = _split(cell.get("supervises", ""))
    if supervises and roles and "supervisor" not in roles:
        found.append(layout.problem(row, "supervises", "supervises_without_role"))
    if "supervisor" in roles and not supervises:
        supervises = frozenset({cell.get("unit", "")}) - {""}
        if not supervises:
            found.append(layout.problem(row, "supervises", "supervisor_without_unit"))
    target, target_problem = _target(cell.get("target", ""))
    if target_problem:
        found.append(layout.problem(row, "target", target_problem, cell.get("target", "")))
    for problem in found:
        problems.add(problem)
    if found:
        return None
    return RosterRow(
        external_id=external_id, name=cell["name"], unit=cell.get("unit", ""), roles=roles,
        supervises=supervises, target=target, level=cell.get("level") or None,
    )


def _target(text: str) -> tuple[float | None, str]:
    """The target and no problem, or None and the problem's code."""
    if not text:
        return None, ""
    try:
        value = float(text)
    except ValueError:
        return None, "not_a_number"
    if not math.isfinite(value) or value <= 0 or value > MAX_TARGET:
        return None, "target_out_of_range"
    return value, ""
