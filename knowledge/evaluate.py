"""Measure the matcher on labelled questions: the gate that keeps tuning honest.

Case file format::

    cases:
      - {q: 党费怎么交, id: p-dangfei-jiaona}   # in-domain: the entry that must answer
      - {q: 工会会费怎么交, id: null}          # out-of-domain: must not be answered

Scoring is strict, from the user's side: an in-domain case counts toward
top-1 only when the bot answers outright with the right entry.  A correct
suggestion is better than nothing but costs the user a tap, so it counts
toward top-3 recall, not top-1.  An out-of-domain case is rejected when the
outcome is anything but ``answer`` (offering buttons is acceptable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.matcher import Matcher, MatchResult


@dataclass(frozen=True, slots=True)
class Case:
    q: str
    id: str | None


@dataclass(frozen=True, slots=True)
class Miss:
    """A case the matcher got wrong, with what it did instead."""

    case: Case
    outcome: str
    got: str | None
    score: float
    kind: str  # "wrong answer", "not answered", "not in top 3", "answered out-of-domain"


@dataclass
class EvalReport:
    in_domain: int = 0
    top1: int = 0
    top3: int = 0
    out_of_domain: int = 0
    rejected: int = 0
    wrong_answers: int = 0  # in-domain cases answered with another entry
    ood_answers: int = 0  # out-of-domain cases answered
    misses: list[Miss] = field(default_factory=list)

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.in_domain if self.in_domain else 1.0

    @property
    def top3_recall(self) -> float:
        return self.top3 / self.in_domain if self.in_domain else 1.0

    @property
    def rejection(self) -> float:
        return self.rejected / self.out_of_domain if self.out_of_domain else 1.0

    @property
    def wrong_rate(self) -> float:
        """In-domain cases answered outright with another entry, as a share of in-domain cases."""
        return self.wrong_answers / self.in_domain if self.in_domain else 0.0

    @property
    def confident_wrong(self) -> int:
        return self.wrong_answers + self.ood_answers


def load_cases(path: Path | str) -> list[Case]:
    """Read a ``cases:`` file; raises ValueError naming the bad case."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise ValueError(f"{path}: expected a top-level 'cases:' list")
    cases = []
    for number, item in enumerate(data["cases"], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("q"), str) or set(item) - {"q", "id"}:
            raise ValueError(f"{path}: case {number} must be a mapping with 'q' and 'id' only")
        label = item.get("id")
        if label is not None and not isinstance(label, str):
            raise ValueError(f"{path}: case {number} has a non-text id {label!r}")
        cases.append(Case(item["q"], label))
    return cases


def evaluate(matcher: Matcher, cases: Sequence[Case]) -> EvalReport:
    report = EvalReport()
    for case in cases:
        score_case(report, case, matcher.match(case.q, top=3))
    return report


def score_case(report: EvalReport, case: Case, result: MatchResult) -> None:
    """Add one case's outcome to ``report``."""
    if case.id is None:
        _score_out_of_domain(report, case, result)
    else:
        _score_in_domain(report, case, result)


def _score_in_domain(report: EvalReport, case: Case, result: MatchResult) -> None:
    report.in_domain += 1
    got = result.best.id if result.best else None
    if case.id in (c.entry.id for c in result.candidates[:3]):
        report.top3 += 1
    if result.outcome == "answer" and got == case.id:
        report.top1 += 1
        return
    top_id = result.candidates[0].entry.id if result.candidates else None
    if result.outcome == "answer":
        report.wrong_answers += 1
        kind = "wrong answer"
    else:
        kind = "not answered" if case.id in (c.entry.id for c in result.candidates[:3]) else "not in top 3"
    report.misses.append(Miss(case, result.outcome, got or top_id, result.score, kind))


def _score_out_of_domain(report: EvalReport, case: Case, result: MatchResult) -> None:
    report.out_of_domain += 1
    if result.outcome != "answer":
        report.rejected += 1
        return
    report.ood_answers += 1
    got = result.best.id if result.best else None
    report.misses.append(Miss(case, result.outcome, got, result.score, "answered out-of-domain"))


def format_report(report: EvalReport) -> str:
    lines = [
        f"top-1 accuracy:         {report.top1_accuracy:.3f} ({report.top1}/{report.in_domain})",
        f"top-3 recall:           {report.top3_recall:.3f} ({report.top3}/{report.in_domain})",
        f"out-of-domain rejected: {report.rejection:.3f} ({report.rejected}/{report.out_of_domain})",
        f"confident wrong:        {report.confident_wrong}"
        f" ({report.wrong_answers} in-domain ({report.wrong_rate:.1%}), {report.ood_answers} out-of-domain)",
    ]
    if report.misses:
        lines.append(f"misses ({len(report.misses)}):")
        lines += [
            f"  [{m.kind}] {m.case.q!r} expected {m.case.id or 'no answer'};"
            f" got {m.outcome} {m.got or '-'} ({m.score:.2f})"
            for m in report.misses
        ]
    return "\n".join(lines)
