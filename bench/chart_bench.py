"""Digest chart rendering speed for a unit of 50, beside a baseline from the same run.

  chart     bot.digests.charts.unit_progress_chart for a synthetic unit of 50 people (PNG bytes)
  baseline  an empty matplotlib Figure of the same pixel size, saved to PNG the same way:
            the fixed cost of a canvas this big on this machine, whatever we draw on it

The first render is reported apart: it registers the CJK font and parses it (once per
process). Target: chart p95 ≤ 1 s.

Run: .venv/bin/python bench/chart_bench.py [--runs 30] [--people 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from matplotlib.figure import Figure

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.digests import charts  # noqa: E402
from bot.digests.model import PersonRow, UnitDigest, classify  # noqa: E402

TARGET_S = 1.0
WEEK_END = date(2026, 11, 22)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌宇晨思雨浩然欣怡子轩梓涵"


def synthetic_unit(size: int, seed: int = 7) -> UnitDigest:
    rng = random.Random(seed)
    elapsed = (WEEK_END - date(2026, 1, 1)).days / 365
    people = []
    for index in range(size):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        target = rng.choice([90.0, 90.0, 110.0])
        expected = round(target * elapsed, 1)
        year = round(max(0.0, rng.gauss(expected, expected * 0.3)), 1)
        due = WEEK_END + timedelta(days=rng.randint(-20, 60))
        people.append(PersonRow(
            person_id=index, name=name, week_credits=rng.choice([0.0, 1.0, 2.0, 4.5]), year_credits=year,
            target=target, expected_to_date=expected, status=classify(year, expected, 0.1, 0.3),
            last_study=WEEK_END - timedelta(days=rng.randint(0, 40)), last_talk=None, talk_due=due,
            talk_overdue=due < WEEK_END, reachable=rng.random() > 0.1,
        ))
    return UnitDigest("组织科", WEEK_END - timedelta(days=6), WEEK_END, 2026, tuple(people),
                      sum(p.week_credits for p in people), sum(p.year_credits for p in people))


def empty_png(height_px: int) -> bytes:
    figure = Figure(figsize=(charts.WIDTH_PX / charts.DPI, height_px / charts.DPI), dpi=charts.DPI)
    return charts.figure_png(figure)


def timed(action: Callable[[], object], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(name: str, first: float, measured: list[float], baseline: list[float], target_s: float = TARGET_S) -> bool:
    """The render figures beside the empty figure's, and the verdict against `target_s` (p95)."""
    print(f"  first render (font registration and parsing included): {first * 1000:7.1f} ms")
    print(f"  {'':24} {'median':>9} {'p95':>9}")
    for label, values in ((name, measured), ("baseline (empty figure)", baseline)):
        print(f"  {label:24} {statistics.median(values) * 1000:7.1f} ms {p95(values) * 1000:7.1f} ms")
    print(f"  {name} / baseline (median): {statistics.median(measured) / statistics.median(baseline):.1f}×")
    passed = p95(measured) <= target_s
    print(f"target: {name} p95 ≤ {target_s * 1000:.0f} ms → {'PASS' if passed else 'FAIL'}")
    return passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--people", type=int, default=50)
    args = parser.parse_args()

    digest = synthetic_unit(args.people)
    height = charts.chart_height_px(args.people)
    first = timed(lambda: charts.unit_progress_chart(digest), 1)[0]
    size = len(charts.unit_progress_chart(digest))
    chart = timed(lambda: charts.unit_progress_chart(digest), args.runs)
    baseline = timed(lambda: empty_png(height), args.runs)

    print(f"unit of {args.people}, PNG {charts.WIDTH_PX}×{height} px, {size / 1024:.0f} KB, {args.runs} runs")
    return 0 if report("chart", first, chart, baseline) else 1


if __name__ == "__main__":
    sys.exit(main())
