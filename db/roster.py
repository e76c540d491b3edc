"""Roster files (CSV or YAML) parsed into validated rows, all-or-nothing.

The column set is a contract with the people who keep the roster in a spreadsheet:
id, name, unit, roles, and optionally supervises, target, level. Errors carry the row and
column of the first problem; the caller renders them (the catalog lives in bot/texts.py).
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass

import yaml

from db.models import ROLES
from knowledge.yamlsafe import compose_yaml

COLUMNS = ("id", "name", "unit", "roles", "supervises", "target", "level")
REQUIRED = ("id", "name", "roles")
MAX_ROSTER_BYTES = 5 * 1024 * 1024
MAX_TARGET = 10_000.0
# Spreadsheets kept in Chinese may name roles in Chinese; the stored role is always the English key.
ROLE_ALIASES = {"干部": "cadre", "分管领导": "supervisor", "领导": "supervisor", "管理员": "admin"}


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
    """The first problem found; `row` counts like a spreadsheet (CSV header is row 1)."""

    row: int | None
    column: str | None
    code: str
    value: str = ""

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        column = f", column {self.column}" if self.column else ""
        value = f" ({self.value!r})" if self.value else ""
        return f"{where}{column}: {self.code}{value}"


def parse_roster(filename: str, content: bytes) -> list[RosterRow]:
    """Parse and validate a whole roster file; raise RosterError on the first problem."""
    if len(content) > MAX_ROSTER_BYTES:
        raise RosterError(None, None, "too_large")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterError(None, None, "not_utf8") from None
    lowered = filename.lower()
    if lowered.endswith(".csv"):
        records = _csv_records(text)
    elif lowered.endswith((".yaml", ".yml")):
        records = _yaml_records(text)
    else:
        raise RosterError(None, None, "unknown_format", filename)
    rows = [_validate(row_number, record) for row_number, record in records]
    if not rows:
        raise RosterError(None, None, "empty")
    _check_unique_ids(records, rows)
    return rows


def _csv_records(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise RosterError(None, None, "empty") from None
    _check_columns(1, header)
    records = []
    for line_number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            raise RosterError(line_number, None, "too_many_cells")
        records.append((line_number, dict(zip(header, cells))))
    return records


def _yaml_records(text: str) -> list[tuple[int, dict[str, str]]]:
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
            raise RosterError(index, None, "yaml_item_not_mapping")
        _check_columns(index, [str(key) for key in item])
        records.append((index, {str(k): _yaml_cell(v) for k, v in item.items()}))
    return records


def _yaml_cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def _check_columns(row: int, columns: list[str]) -> None:
    for column in columns:
        if column not in COLUMNS:
            raise RosterError(row, column, "unknown_column")
    for column in REQUIRED:
        if column not in columns:
            raise RosterError(row, column, "missing_column")


def _split(cell: str) -> frozenset[str]:
    return frozenset(part.strip() for part in cell.replace("；", ";").split(";") if part.strip())


def _validate(row: int, record: dict[str, str]) -> RosterRow:
    cell = {key: (value or "").strip() for key, value in record.items()}
    for column in REQUIRED:
        if not cell.get(column):
            raise RosterError(row, column, "required")
    external_id = cell["id"]
    if len(external_id) > 64 or any(ch.isspace() for ch in external_id):
        raise RosterError(row, "id", "bad_id", external_id)
    if len(cell["name"]) > 100 or len(cell.get("unit", "")) > 100:
        raise RosterError(row, "name" if len(cell["name"]) > 100 else "unit", "too_long")
    roles = frozenset(ROLE_ALIASES.get(role, role.lower()) for role in _split(cell["roles"]))
    for role in roles:
        if role not in ROLES:
            raise RosterError(row, "roles", "unknown_role", role)
    if not roles:
        raise RosterError(row, "roles", "required")
    supervises = _split(cell.get("supervises", ""))
    if supervises and "supervisor" not in roles:
        raise RosterError(row, "supervises", "supervises_without_role")
    if "supervisor" in roles and not supervises:
        supervises = frozenset({cell.get("unit", "")}) - {""}
        if not supervises:
            raise RosterError(row, "supervises", "supervisor_without_unit")
    return RosterRow(
        external_id=external_id,
        name=cell["name"],
        unit=cell.get("unit", ""),
        roles=roles,
        supervises=supervises,
        target=_target(row, cell.get("target", "")),
        level=cell.get("level") or None,
    )


def _target(row: int, text: str) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise RosterError(row, "target", "not_a_number", text) from None
    if not math.isfinite(value) or value <= 0 or value > MAX_TARGET:
        raise RosterError(row, "target", "target_out_of_range", text)
    return value


def _check_unique_ids(records: list[tuple[int, dict[str, str]]], rows: list[RosterRow]) -> None:
    seen: set[str] = set()
    for (row_number, _), row in zip(records, rows):
        if row.external_id in seen:
            raise RosterError(row_number, "id", "duplicate_id", row.external_id)
        seen.add(row.external_id)
