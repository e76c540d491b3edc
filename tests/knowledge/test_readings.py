"""The week's readings (knowledge/readings/*.yaml): the shipped ones load, and every mistake an
author can make is reported with file, line and key, all or nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from knowledge.commands import run_check
from knowledge.loader import Source
from knowledge.readings import load_reading_sources, load_readings, monday_of_week

ROOT = Path(__file__).resolve().parents[2]


def load(*texts: str):  # type: ignore[no-untyped-def]
    return load_reading_sources([Source(f"r{i}.yaml", t.encode()) for i, t in enumerate(texts)])


GOOD = """\
readings:
  - id: r-a
    week: 2026-W49
    title: 新时代党的组织路线
    text: 摘要
"""


def test_the_shipped_readings_load_one_a_week_from_2026_w49() -> None:
    shelf = load_readings([ROOT / "knowledge" / "readings"])
    assert shelf.ok, [str(e) for e in shelf.errors]
    weeks = [r.week_label for r in shelf.readings]
    assert weeks[:4] == ["2026-W49", "2026-W50", "2026-W51", "2026-W52"] and "2027-W01" in weeks
    assert all(r.source and (r.text or r.link) for r in shelf.readings)


def test_a_good_reading_has_its_weeks_monday() -> None:
    [reading] = load(GOOD).readings
    assert reading.week == date(2026, 11, 30) and reading.credits is None


def test_a_missing_title_names_file_line_and_key() -> None:
    shelf = load(GOOD.replace("    title: 新时代党的组织路线\n", ""))
    [issue] = shelf.errors
    assert (issue.file, issue.line, issue.entry_id, issue.params["key"]) == ("r0.yaml", 2, "r-a", "title")
    assert "missing required key 'title'" in str(issue) and shelf.readings == ()


def test_a_bad_week_names_file_line_and_key() -> None:
    for bad in ("2027-W53", "2026-11-30", "2026-W7", "第49周"):
        [issue] = load(GOOD.replace("2026-W49", bad)).errors
        assert (issue.file, issue.line, issue.params["key"], issue.code) == ("r0.yaml", 3, "week", "bad_week"), bad
    [impossible] = load(GOOD.replace("2026-W49", "2026-11-31")).errors  # PyYAML's date constructor fails
    assert (impossible.line, impossible.params["key"]) == (3, "week")


def test_two_readings_for_one_week_are_an_error_naming_the_first() -> None:
    shelf = load(GOOD, GOOD.replace("r-a", "r-b"))
    [issue] = shelf.errors
    assert (issue.file, issue.line, issue.code, issue.params["key"]) == ("r1.yaml", 2, "duplicate_week", "week")
    assert "r0.yaml:2" in str(issue) and shelf.readings == ()


def test_text_or_link_is_needed_and_a_link_must_be_one_address() -> None:
    [missing] = load(GOOD.replace("    text: 摘要\n", "")).errors
    assert missing.params["key"] == "text"
    [bad_link] = load(GOOD + "    link: www.example.org\n").errors
    assert (bad_link.line, bad_link.params["key"]) == (6, "link")


def test_unknown_keys_bad_credits_and_reserved_ids_are_errors() -> None:
    assert load(GOOD + "    titel: x\n").errors[0].params["suggestion"] == "title"
    assert load(GOOD + "    credits: 0\n").errors[0].code == "bad_credits"
    assert load(GOOD.replace("r-a", "pub-1")).errors[0].code == "bad_id"


def test_monday_of_week_accepts_only_existing_iso_weeks() -> None:
    assert monday_of_week("2027-W01") == date(2027, 1, 4)
    assert monday_of_week("2026-W53") == date(2026, 12, 28)  # 2026 has 53 ISO weeks
    assert monday_of_week("2027-W53") is None and monday_of_week("2026-11-30") is None


def test_kb_check_reports_reading_errors(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "readings"
    folder.mkdir()
    (folder / "x.yaml").write_text(GOOD.replace("2026-W49", "2026-W60"), encoding="utf-8")
    assert run_check([ROOT / "knowledge" / "base"], reading_paths=[folder]) == 1
    out = capsys.readouterr().out
    assert "x.yaml:3 [r-a] 'week' must be an ISO week" in out and "0 readings in 1 files: 1 errors" in out
