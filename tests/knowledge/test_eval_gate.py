"""The shipped base, at the shipped settings, must keep the accuracy it has: on the regression set,
and on the protocols that make their questions from the base itself (`cadrebot kb eval --protocol`).

The gates are what the matcher reaches today (2026-12-01), so a change that makes it answer more
questions wrongly, or find fewer, fails here.  Confident wrong answers are the defect that matters
most; the gates on them are the tight ones.  (The issue's targets, 85 % answered right at 1 %
confident wrong on leave-one-out, are not reached: see docs/architecture.md, "How sure is sure".)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.evaluate import evaluate, format_report, load_cases
from knowledge.loader import load_base
from knowledge.matcher import Matcher
from knowledge.protocols import matcher_factory, run_protocol
from knowledge.settings import KnowledgeSettings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_BASE = ROOT / "knowledge" / "base"
CASES = ROOT / "tests" / "data" / "kb_cases.yaml"
NEAR_MISS = ROOT / "tests" / "data" / "kb_nearmiss.yaml"
HELDOUT = ROOT / "tests" / "knowledge" / "fixtures" / "heldout_cases.yaml"


@pytest.fixture(scope="module")
def entries():
    result = load_base([SHIPPED_BASE])
    assert result.ok, "\n".join(map(str, result.errors))
    return result.entries


def test_shipped_base_loads_without_errors_and_holds_enough_entries(entries):
    assert len(entries) >= 145


def test_shipped_base_meets_the_regression_gate(entries, lexicon):
    matcher = Matcher.build(entries, KnowledgeSettings(), lexicon)
    cases = load_cases(CASES)
    unknown = {c.id for c in cases if c.id} - {e.id for e in entries}
    assert not unknown, f"cases name ids the base lacks: {sorted(unknown)}"
    report = evaluate(matcher, cases)
    summary = format_report(report)
    assert report.top1_accuracy >= 0.78, summary
    assert report.top3_recall >= 0.98, summary
    assert report.rejection >= 0.93, summary
    assert report.wrong_answers == 0 and report.ood_answers <= 3, summary


def test_near_miss_questions_are_not_answered_outright(entries, lexicon):
    report = evaluate(Matcher.build(entries, KnowledgeSettings(), lexicon), load_cases(NEAR_MISS))
    assert report.out_of_domain >= 150
    assert report.rejection >= 0.95, format_report(report)


@pytest.mark.parametrize(
    ("protocol", "min_right", "max_wrong", "min_top3"),
    [("sparse", 0.51, 0.03, 0.92), ("small", 0.60, 0.02, 0.97)],
)
def test_questions_made_from_the_base_keep_their_accuracy(entries, lexicon, protocol, min_right, max_wrong, min_top3):
    report = run_protocol(protocol, entries, matcher_factory(KnowledgeSettings().match_settings, lexicon))
    summary = format_report(report)
    assert report.top1_accuracy >= min_right, summary
    assert report.wrong_rate <= max_wrong, summary
    assert report.top3_recall >= min_top3, summary


def test_the_heldout_set_names_only_real_entries_and_covers_most_of_them(entries):
    """The held-out set is a measurement, never a tuning target: only its shape is checked here."""
    cases = load_cases(HELDOUT)
    labelled = {c.id for c in cases if c.id}
    assert labelled <= {e.id for e in entries}
    assert sum(1 for c in cases if c.id is None) >= 30


@pytest.mark.timeout(900)  # the CLI run itself is bounded at 600 s
def test_ci_runs_kb_eval_on_leave_one_out_with_its_gates():
    """The admin command itself, as CI runs it: exit 0 only within the gates."""
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "kb", "eval", "--kb", str(SHIPPED_BASE), "--protocol", "loo",
         "--min-top1", "0.55", "--min-top3", "0.95", "--max-wrong", "0.03"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "protocol loo" in result.stdout and "confident wrong" in result.stdout
