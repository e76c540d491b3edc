"""Refit the scoring weights (knowledge/scoring.py WEIGHTS, BIAS) on labelled cases.

    .venv/bin/python -m knowledge.fit knowledge/base tests/data/kb_cases.yaml [MORE_CASES.yaml …]

A developer tool, run when the base or the cases change a lot.  Every case's
first few BM25 hits become training rows (features -> is this the right
entry?) for an L2-regularised, cost-sensitive logistic regression (see
OOD_WEIGHT); it prints the new weights, then top-1, rejection and confident
wrong answers for a range of answer thresholds, decided as ``Matcher.match``
decides (margin and out-of-scope rule included), computed with the new weights
on half of the cases after fitting on the other half (the honest figure) and on
all of them.  Paste the weights into scoring.py and the chosen thresholds into
settings.py and config.yaml, then check with ``cadrebot kb eval``.

Shipped weights: fitted on tests/data/kb_cases.yaml and
tests/knowledge/fixtures/extra_cases.yaml.  Never add
tests/knowledge/fixtures/heldout_cases.yaml: it measures what tuning cannot see.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from knowledge.evaluate import Case, load_cases
from knowledge.loader import load_base
from knowledge.matcher import Matcher
from knowledge.scoring import FEATURES
from knowledge.settings import MatchSettings

DEPTH = 5  # hits per case used for training
L2 = 1.0
#: A wrong answer about policy is worse than none, so the hits of out-of-domain cases weigh this many
#: times as much in the fit as those of in-domain cases (cost-sensitive logistic regression).  In
#: random half/half splits of the deduplicated cases (2026-11, tests/data/kb_cases.yaml with
#: tests/knowledge/fixtures/extra_cases.yaml), at equal top-1 it answered fewer out-of-domain
#: questions than weight 1, also with the out-of-scope list switched off, and gave fewer wrong answers.
OOD_WEIGHT = 8.0


Hit = tuple[str, list[float], bool]  # entry id, feature vector, barred from answering (out of scope)


def rows(matcher: Matcher, cases: Sequence[Case]) -> list[tuple[Case, list[Hit]]]:
    """Per case, its hits as (entry id, feature vector, barred)."""
    return [
        (
            case,
            [
                (entry.id, [f[name] for name in FEATURES], bool(matcher.foreign_terms(case.q, entry)))
                for entry, _, f in matcher.explain(case.q, DEPTH)
            ],
        )
        for case in cases
    ]


def fit(data: Sequence[tuple[Case, list[Hit]]]) -> np.ndarray:
    """Logistic regression by Newton's method; the last weight is the bias.

    Hits barred by the out-of-scope rule are trained on like any other: the rule decides the
    outcome, the weights still have to rank and score them."""
    x = np.array([f + [1.0] for case, hits in data for _, f, _ in hits])
    y = np.array([1.0 if entry_id == case.id else 0.0 for case, hits in data for entry_id, _, _ in hits])
    cost = np.array([1.0 if case.id else OOD_WEIGHT for case, hits in data for _ in hits])
    ridge = L2 * np.diag([1.0] * (x.shape[1] - 1) + [0.0])
    w = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x @ w))
        gradient = x.T @ (cost * (p - y)) + ridge @ w
        w -= np.linalg.solve((x * (cost * p * (1 - p))[:, None]).T @ x + ridge, gradient)
    return w


def outcome(w: np.ndarray, hits: list[Hit], threshold: float, margin: float) -> str | None:
    """The id answered with weights ``w``, or None (the same decision as ``Matcher.match``)."""
    scored = sorted(
        ((1 / (1 + math.exp(-float(np.dot(w, f + [1.0])))), i, barred) for i, f, barred in hits), reverse=True
    )
    if not scored or scored[0][2]:
        return None
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    return scored[0][1] if scored[0][0] >= threshold and scored[0][0] - runner_up >= margin else None


def report(label: str, w: np.ndarray, data: Sequence, margin: float) -> None:
    in_domain = [d for d in data if d[0].id]
    ood = [d for d in data if not d[0].id]
    for threshold in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5):
        answers = [(case, outcome(w, hits, threshold, margin)) for case, hits in data]
        top1 = sum(got == case.id for case, got in answers if case.id) / max(len(in_domain), 1)
        rejected = sum(got is None for case, got in answers if not case.id) / max(len(ood), 1)
        wrong = sum(got is not None and got != case.id for case, got in answers)
        print(f"{label:<28} threshold {threshold:.2f}: top-1 {top1:.3f}  rejection {rejected:.3f}  confident wrong {wrong}")


def main(argv: Sequence[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    base = load_base([Path(argv[0])])
    if not base.ok:
        print("\n".join(map(str, base.errors)))
        return 2
    matcher = Matcher.build(base.entries, MatchSettings())
    data = rows(matcher, [c for path in argv[1:] for c in load_cases(path)])
    margin = MatchSettings().margin
    report("fit on even, test on odd", fit(data[0::2]), data[1::2], margin)
    weights = fit(data)
    report("fit on all, test on all", weights, data, margin)
    print("WEIGHTS =", tuple(round(float(v), 3) for v in weights[:-1]))
    print("BIAS =", round(float(weights[-1]), 3))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
