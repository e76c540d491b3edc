"""The week's reading (“三个一”: 一周一篇): readings admins schedule in ``knowledge/readings/*.yaml``.

Each reading sits under a top-level ``readings:`` list::

    readings:
      - id: r-2026-w49
        week: 2026-W49        # the ISO week it is for (Monday to Sunday); nothing else is accepted
        title: 讲政治、重公道、业务精、作风好
        text: 2018年7月全国组织工作会议上……   # an excerpt or summary, faithful to `source`
        link: https://…       # and/or a link; at least one of the two
        source: 习近平在全国组织工作会议上的讲话（2018年7月3日）
        credits: 1            # optional: 学时 for 已读 (default: readings.read_credits)
        notes_credits: 1      # optional: 学时 more for a 心得 (default: readings.notes_credits)

``week`` is an ISO week (``2026-W49``) rather than a Monday's date because it cannot name a day
that is not a Monday, it reads as the 第49周 people speak of, and YAML keeps it as text (an
unquoted date would be constructed, and a wrong one such as 2026-11-31 fail in the parser). A
week that does not exist (``2026-W53``: 2026 has 52) is an error, as is a date.

As for the base and the quiz bank, validation is all-or-nothing per folder and every problem
is a ``KbIssue`` naming file, line and key, read through ``knowledge.yamlsafe``. Two readings for
one week are an error (which one would /reading show?), as is a repeated id. Ids beginning with
``pub-`` are kept for readings published in the chat (db/readings.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node

from knowledge.entryparse import ID_RE, MISSING, UNREADABLE, RecordChecker, compose_file, line_of, listed_nodes
from knowledge.loader import Source, read_source, yaml_files
from knowledge.schema import KbIssue

READING_KEYS: frozenset[str] = frozenset({"id", "week", "title", "text", "link", "source", "credits", "notes_credits"})
MAX_ID_CHARS = 40  # ids travel in button data (64 bytes): rd:note:<id>
MAX_TITLE_CHARS = 100
MAX_TEXT_CHARS = 1500  # the title, the text and the credits line fit one message
MAX_LINK_CHARS = 500
MAX_SOURCE_CHARS = 200
MAX_CREDITS = 8.0  # more than a working day for one article is a typo
PUBLISHED_PREFIX = "pub-"
WEEK_RE = re.compile(r"(\d{4})-W(\d{2})")
LINK_RE = re.compile(r"https?://[^\s]+")


def monday_of_week(label: str) -> date | None:
    """The Monday of ISO week ``2026-W49``; None for any other text or a week that does not exist."""
    match = WEEK_RE.fullmatch(label.strip())
    if match is None:
        return None
    try:
        return date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class Reading:
    """One week's reading. ``credits``/``notes_credits`` None: the config's defaults apply.
    ``file`` and ``line`` say where it was written (``published`` for one from /publish)."""

    id: str
    week: date  # the Monday of its week
    title: str
    text: str | None
    link: str | None
    source: str | None
    credits: float | None
    notes_credits: float | None
    file: str
    line: int

    @property
    def week_label(self) -> str:
        return week_label(self.week)


@dataclass(frozen=True)
class ReadingLoad:
    """Readings that passed and every problem found; ``ok`` means the readings may be used."""

    readings: tuple[Reading, ...]
    errors: list[KbIssue] = field(default_factory=list)
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def for_week(self, monday: date) -> Reading | None:
        return next((r for r in self.readings if r.week == monday), None)

    def by_id(self, reading_id: str) -> Reading | None:
        return next((r for r in self.readings if r.id == reading_id), None)

    def latest_before(self, monday: date) -> Reading | None:
        past = [r for r in self.readings if r.week < monday]
        return max(past, key=lambda r: r.week) if past else None


def load_readings(paths: Sequence[Path | str]) -> ReadingLoad:
    """Load every configured readings file or folder; any error means none may be used."""
    files = [f for p in paths for f in yaml_files(Path(p))]
    return load_reading_sources([read_source(f) for f in files])


def load_reading_sources(sources: Sequence[Source]) -> ReadingLoad:
    readings: list[Reading] = []
    errors: list[KbIssue] = []
    ids: dict[str, Reading] = {}
    weeks: dict[date, Reading] = {}
    for source in sources:
        if source.data is None:
            errors.append(source.issue())
            continue
        parsed, parse_errors = _parse_file(source.name, source.data)
        errors += parse_errors
        for reading in parsed:
            if reading.id in ids:
                first = ids[reading.id]
                errors.append(KbIssue(reading.file, reading.line, reading.id,
                                      f"'id' {reading.id!r} is used twice (first at {first.file}:{first.line})",
                                      "duplicate_id", {"key": "id", "first_file": first.file, "first_line": first.line}))
                continue
            if reading.week in weeks:
                first = weeks[reading.week]
                errors.append(KbIssue(reading.file, reading.line, reading.id,
                                      f"'week' {reading.week_label} already has a reading ({first.id} at {first.file}:{first.line})",
                                      "duplicate_week", {"key": "week", "first_file": first.file, "first_line": first.line}))
                continue
            ids[reading.id] = weeks[reading.week] = reading
            readings.append(reading)
    readings.sort(key=lambda r: r.week)
    return ReadingLoad(tuple(readings) if not errors else (), errors, tuple(s.name for s in sources))


def _parse_file(name: str, data: bytes) -> tuple[list[Reading], list[KbIssue]]:
    root, constructor, issue = compose_file(name, data)
    if issue is not None:
        return [], [issue]
    errors: list[KbIssue] = []
    readings = []
    for node in listed_nodes(name, root, "readings", "readings", "no_readings", errors):
        reading = _parse_reading(name, node, constructor, errors)
        if reading is not None:
            readings.append(reading)
    return readings, errors


def _credits(check: RecordChecker, key: str) -> float | None:
    value = check.values.get(key, MISSING)
    if value is MISSING or value is UNREADABLE:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= MAX_CREDITS:
        check.error(key, f"{key!r} must be a number above 0 and at most {MAX_CREDITS:g} (got {value!r})",
                    "bad_credits", value=str(value))
        return None
    return round(float(value), 2)


def _parse_reading(name: str, node: Node, constructor: SafeConstructor, errors: list[KbIssue]) -> Reading | None:
    if not isinstance(node, MappingNode):
        errors.append(KbIssue(name, line_of(node), None, "each reading must be a mapping (id:, week:, title: …)",
                              "reading_not_mapping"))
        return None
    check = RecordChecker(name, node, constructor, READING_KEYS, "reading")
    reading_id = check.values.get("id", MISSING)
    if reading_id is MISSING:
        check.error("id", "missing required key 'id'", "missing_key")
    elif reading_id is UNREADABLE:
        pass
    elif not isinstance(reading_id, str) or not ID_RE.fullmatch(reading_id) or len(reading_id) > MAX_ID_CHARS:
        check.error("id", f"'id' {reading_id!r} must use only a-z, 0-9 and '-', at most {MAX_ID_CHARS}", "bad_id")
    elif reading_id.startswith(PUBLISHED_PREFIX):
        check.error("id", f"'id' {reading_id!r}: ids beginning with {PUBLISHED_PREFIX!r} are kept for /publish",
                    "bad_id")
    else:
        check.identify(reading_id)
    week = _week(check)
    title = check.text("title", MAX_TITLE_CHARS, required=True)
    text = check.text("text", MAX_TEXT_CHARS, required=False)
    link = check.text("link", MAX_LINK_CHARS, required=False)
    if link is not None and not LINK_RE.fullmatch(link):
        check.error("link", f"'link' must be one http:// or https:// address (got {link!r})", "bad_link")
        link = None
    if "text" not in check.values and "link" not in check.values:
        check.error("text", "a reading needs 'text' or 'link' (or both)", "missing_key")
    source = check.text("source", MAX_SOURCE_CHARS, required=False)
    credits, notes_credits = _credits(check, "credits"), _credits(check, "notes_credits")
    errors += check.issues
    if check.issues or check.record_id is None or week is None or title is None:
        return None
    return Reading(id=check.record_id, week=week, title=title, text=text, link=link, source=source,
                   credits=credits, notes_credits=notes_credits, file=name, line=check.line)


def _week(check: RecordChecker) -> date | None:
    value = check.values.get("week", MISSING)
    if value is MISSING:
        check.error("week", "missing required key 'week'", "missing_key")
        return None
    if value is UNREADABLE:
        return None
    monday = monday_of_week(value) if isinstance(value, str) else None
    if monday is None:
        check.error("week", f"'week' must be an ISO week that exists, such as 2026-W49 (got {value!s})",
                    "bad_week", value=str(value))
    return monday
