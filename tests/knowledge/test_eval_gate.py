"""The shipped base, at the shipped thresholds, must keep answering the regression questions.

The figures are the issue's contract: top-1 ≥ 0.93, top-3 recall ≥ 0.98, out-of-domain rejection
≥ 0.93 and no confident answer to an out-of-domain question, on tests/data/kb_cases.yaml.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.evaluate import evaluate, format_report, load_cases
from knowledge.loader import load_base
from knowledge.matcher import Matcher
from knowledge.settings import KnowledgeSettings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_BASE = ROOT / "knowledge" / "base"
CASES = ROOT / "tests" / "data" / "kb_cases.yaml"
HELDOUT = ROOT / "tests" / "knowledge" / "fixtures" / "heldout_cases.yaml"


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
    assert report.top1_accuracy >= 0.93, summary
    assert report.top3_recall >= 0.98, summary
    assert report.rejection >= 0.93, summary
    assert report.ood_answers == 0, summary


def test_the_heldout_set_names_only_real_entries_and_covers_most_of_them():
    """The held-out set is a measurement, never a tuning target: only its shape is checked here."""
    entries = load_base([SHIPPED_BASE]).entries
    cases = load_cases(HELDOUT)
    labelled = {c.id for c in cases if c.id}
    assert labelled <= {e.id for e in entries}
    assert len(labelled) >= 0.9 * len(entries)
    assert sum(1 for c in cases if c.id is None) >= 30


def test_ci_runs_kb_eval_on_the_regression_set_with_the_shipped_config():
    """The admin command itself, as CI runs it: exit 0 only above 0.90 top-1 and rejection."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "kb", "eval", "--kb", str(SHIPPED_BASE), str(CASES),
         "--min-top1", "0.90", "--min-rejection", "0.90"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "top-1 accuracy" in result.stdout and "out-of-domain rejected" in result.stdout
