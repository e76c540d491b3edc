"""Impossible values are errors naming file, line and id, and `kb check FILE` sees its folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.loader import load_base, validate_replacement
from tests.knowledge.test_commands import run_cli

ENTRY = "entries:\n  - id: p-a\n    question: 党费怎么交\n    answer: 按月交。\n    updated: {value}\n"


@pytest.mark.parametrize("value", ["2026-11-31", "2026-13-01", "2026-02-29", "2026-11-31 25:00:00"])
def test_an_impossible_date_is_an_error_naming_file_line_and_id_not_a_traceback(tmp_path: Path, value: str):
    path = tmp_path / "x.yaml"
    path.write_text(ENTRY.format(value=value), encoding="utf-8")
    result = load_base([path])
    assert len(result.errors) == 1 and not result.entries
    error = result.errors[0]
    assert (error.file, error.line, error.entry_id, error.code) == (str(path), 5, "p-a", "bad_date")
    assert value.split()[0] in error.message


def test_a_non_date_is_the_same_kind_of_error(tmp_path: Path):
    path = tmp_path / "x.yaml"
    path.write_text(ENTRY.format(value="上个月"), encoding="utf-8")
    error = load_base([path]).errors[0]
    assert (error.line, error.entry_id, error.code, error.params["value"]) == (5, "p-a", "bad_date", "上个月")


def test_an_upload_with_an_impossible_date_is_refused_with_the_place(base_copy: Path):
    result = validate_replacement([base_copy], "new.yaml", ENTRY.format(value="2026-11-31").encode())
    assert [(e.file, e.line, e.entry_id) for e in result.errors] == [(str(base_copy / "new.yaml"), 5, "p-a")]


def test_kb_check_reports_an_impossible_date_on_one_line_and_exits_1(tmp_path: Path, capsys):
    path = tmp_path / "x.yaml"
    path.write_text(ENTRY.format(value="2026-11-31"), encoding="utf-8")
    assert run_cli(["kb", "check", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"error: {path}:5 [p-a] ") and "2026-11-31" in out[0]
    assert out[-1] == "0 entries in 1 files: 1 errors, 0 warnings"


def test_kb_check_of_one_file_finds_related_ids_in_its_folder(base_copy: Path, capsys):
    # party.yaml defines p-dangfei-jiaona; a new file in the same folder may link to it.
    new = base_copy / "new.yaml"
    new.write_text("entries:\n  - id: c-new\n    question: 新问题\n    answer: 新答案。\n"
                   "    related: [p-dangfei-jiaona]\n", encoding="utf-8")
    (base_copy / "broken.yaml").write_text("entries:\n  - id: c-broken\n    question: 坏\n    answer: ''\n",
                                           encoding="utf-8")
    assert run_cli(["kb", "check", str(new)]) == 0
    out = capsys.readouterr().out
    assert "broken.yaml" not in out and out.strip().endswith("1 entries in 1 files: 0 errors, 0 warnings")


def test_kb_check_of_one_file_still_reports_its_own_dangling_related_and_clashes(base_copy: Path, capsys):
    new = base_copy / "new.yaml"
    new.write_text("entries:\n  - id: p-dangfei-jiaona\n    question: 新问题\n    answer: 新答案。\n"
                   "    related: [p-nowhere]\n", encoding="utf-8")
    assert run_cli(["kb", "check", str(new)]) == 1
    errors = [line for line in capsys.readouterr().out.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "duplicate id" in errors[0] and str(new) in errors[0]
    new.write_text(new.read_text(encoding="utf-8").replace("p-dangfei-jiaona", "c-new"), encoding="utf-8")
    assert run_cli(["kb", "check", str(new)]) == 1
    assert "'related' names unknown id 'p-nowhere'" in capsys.readouterr().out
