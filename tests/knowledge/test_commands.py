"""``cadrebot kb check|match|eval`` through a stand-in for the bot's argparse CLI."""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

import pytest

from knowledge.commands import register
from knowledge.settings import KnowledgeSettings


def run_cli(argv: list[str], settings: KnowledgeSettings | None = None) -> int:
    """What bot/cli.py does: a parser with subcommands, kb registered, dispatch to func."""
    parser = argparse.ArgumentParser(prog="cadrebot")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub, lambda: settings or KnowledgeSettings())
    args = parser.parse_args(argv)
    return args.func(args)


def feed_stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))


def test_check_of_a_clean_base_prints_a_summary_and_exits_0(fixture_base: Path, capsys):
    assert run_cli(["kb", "check", str(fixture_base)]) == 0
    assert "13 entries in 2 files: 0 errors, 0 warnings" in capsys.readouterr().out


def test_check_prints_each_error_on_its_own_line_and_exits_1(base_copy: Path, capsys):
    (base_copy / "bad.yaml").write_text("entries:\n  - id: p-bad\n    question: 甲\n    answer: ''\n", encoding="utf-8")
    assert run_cli(["kb", "check", str(base_copy)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(line.startswith("error: ") and "bad.yaml:4 [p-bad]" in line for line in out)
    assert out[-1].endswith("1 errors, 0 warnings")


def test_check_defaults_to_the_configured_paths(fixture_base: Path, capsys):
    # quiz=[]: the shipped quiz bank is written from the shipped base, not from the fixture one
    assert run_cli(["kb", "check"], KnowledgeSettings(paths=[str(fixture_base)], quiz=[])) == 0


def test_match_jsonl_writes_one_object_per_input_line(fixture_base: Path, monkeypatch, capsys):
    feed_stdin(monkeypatch, "党费怎么交\n今天天气怎么样\n\n")
    assert run_cli(["kb", "match", "--kb", str(fixture_base), "--jsonl", "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 3
    assert "党费" in lines[0]  # ensure_ascii=False: Chinese stays readable
    first = records[0]
    assert set(first) == {"query", "outcome", "id", "score", "candidates"}
    assert (first["query"], first["outcome"], first["id"]) == ("党费怎么交", "answer", "p-dangfei-jiaona")
    assert 0.0 <= first["score"] <= 1.0
    assert first["candidates"][0] == {"id": "p-dangfei-jiaona", "score": first["score"]}
    assert len(first["candidates"]) <= 2
    for record in records[1:]:
        assert record["outcome"] != "answer" and record["id"] is None
    assert records[2]["candidates"] == []


def test_match_without_jsonl_prints_a_readable_line_per_query(fixture_base: Path, monkeypatch, capsys):
    feed_stdin(monkeypatch, "党费怎么交\n")
    assert run_cli(["kb", "match", "--kb", str(fixture_base)]) == 0
    line = capsys.readouterr().out.strip()
    assert line.startswith("answer") and "p-dangfei-jiaona" in line


def test_match_on_a_broken_base_reports_and_exits_2(base_copy: Path, monkeypatch, capsys):
    (base_copy / "bad.yaml").write_text("entries: [", encoding="utf-8")
    feed_stdin(monkeypatch, "党费怎么交\n")
    assert run_cli(["kb", "match", "--kb", str(base_copy)]) == 2
    assert "bad.yaml" in capsys.readouterr().err


def test_eval_prints_the_figures_and_gates_on_minimums(fixture_base: Path, tmp_path: Path, capsys):
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "cases:\n"
        "  - {q: 党费怎么交, id: p-dangfei-jiaona}\n"
        "  - {q: 试用期多久, id: c-shiyongqi}\n"
        "  - {q: 今天天气怎么样, id: null}\n",
        encoding="utf-8",
    )
    assert run_cli(["kb", "eval", "--kb", str(fixture_base), str(cases), "--min-top1", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "top-1 accuracy" in out and "top-3 recall" in out and "out-of-domain rejected" in out
    cases.write_text("cases:\n  - {q: 完全无关的问题, id: c-shiyongqi}\n", encoding="utf-8")
    assert run_cli(["kb", "eval", "--kb", str(fixture_base), str(cases), "--min-top1", "0.9"]) == 1
    out = capsys.readouterr().out
    assert "完全无关的问题" in out and "FAIL" in out
