"""/annual card rendering speed, beside a baseline from the same run.

  card      bot.digests.annual_card.card_png for a year with every shipped activity type (8),
            credits waiting, and every section (readings and quiz included): the tallest usual card
  baseline  an empty matplotlib Figure of the same pixel size, saved to PNG the same way

The first render is reported apart (it registers and parses the CJK font, once per process).
Target: card p95 ≤ 1 s (it is drawn in a worker thread, the event loop keeps answering).

Run: .venv/bin/python bench/annual_bench.py [--runs 20]
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.chart_bench import empty_png, report, timed  # noqa: E402
from bot.config import DEFAULT_CONFIG, load_config  # noqa: E402
from bot.digests.annual import ActivityLine, AnnualFigures, QuizYear  # noqa: E402
from bot.digests.annual_card import card_height, card_png  # noqa: E402

TARGET_S = 1.0


def full_year() -> AnnualFigures:
    activities = load_config(DEFAULT_CONFIG, env={}).study.activities
    credits = [22.5, 6, 12, 8, 5.5, 4, 2, 0, 0, 0][: len(activities)]
    lines = tuple(ActivityLine(a.key, a.name, c, c / a.credits_per_unit, a.unit) for a, c in zip(activities, credits))
    return AnnualFigures(
        person_id=1, name="张明", unit="组织科", year=2026, start=date(2026, 1, 1), end=date(2026, 12, 31),
        as_of=date(2026, 11, 20), activities=lines, total=sum(credits), target=90, pending=15,
        sessions_attended=12, talks=2, talks_led=14, readings_read=30, quiz=QuizYear(120, 600, 516),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    figures = full_year()
    height = card_height(figures)
    first = timed(lambda: card_png(figures), 1)[0]
    size = len(card_png(figures))
    card = timed(lambda: card_png(figures), args.runs)
    baseline = timed(lambda: empty_png(height), args.runs)

    print(f"{len(figures.activities)} activity types, PNG 1080×{height} px, {size / 1024:.0f} KB, {args.runs} runs")
    return 0 if report("card", first, card, baseline, TARGET_S) else 1


if __name__ == "__main__":
    sys.exit(main())
