"""The shipped base, at the shipped thresholds, must keep answering the regression questions."""

from __future__ import annotations

from pathlib import Path

from knowledge.evaluate import evaluate, format_report, load_cases
from knowledge.loader import load_base
from knowledge.matcher import Matcher
from knowledge.settings import KnowledgeSettings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_BASE = ROOT / "knowledge" / "base"
CASES = ROOT / "tests" / "data" / "kb_cases.yaml"


def test_shipped_base_loads_without_errors():
    result = load_base([SHIPPED_BASE])
    assert result.ok, "\n".join(map(str, result.errors))
    assert len(result.entries) >= 50


def test_shipped_base_meets_the_accuracy_gate():
    assert CASES.exists(), "run tests/knowledge/merge_cases.py to build tests/data/kb_cases.yaml"
    result = load_base([SHIPPED_BASE])
    matcher = Matcher.build(result.entries, KnowledgeSettings())
    cases = load_cases(CASES)
    unknown = {c.id for c in cases if c.id} - {e.id for e in result.entries}
    assert not unknown, f"cases name ids the base lacks: {sorted(unknown)}"
    report = evaluate(matcher, cases)
    summary = format_report(report)
    assert report.top1_accuracy >= 0.90, summary
    assert report.rejection >= 0.90, summary
