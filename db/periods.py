"""Study periods and the pro-rata target: plain date arithmetic, shared by queries, replies and jobs.

A period is a study year beginning on the 1st of a configured month (January by default)
and named by the calendar year it starts in, so "/credits 2025" means the same thing
whatever the start month. Periods are whole months, which lets db/credits.py answer them
from monthly running totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Period:
    """[start, end): end is the first day of the next period, so ranges never overlap."""

    start: date
    end: date

    @property
    def label(self) -> int:
        return self.start.year

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def whole_months(self) -> bool:
        return self.start.day == 1 and self.end.day == 1

    def days_elapsed(self, today: date) -> int:
        """Days of the period up to and including today: 0 before it, all of them after it."""
        return max(0, min(self.days, (today - self.start).days + 1))


def period_labelled(year: int, start_month: int) -> Period:
    return Period(date(year, start_month, 1), date(year + 1, start_month, 1))


def period_containing(day: date, start_month: int) -> Period:
    return period_labelled(day.year if day.month >= start_month else day.year - 1, start_month)


def month_of(day: date) -> date:
    return day.replace(day=1)


def pro_rata(target: float, period: Period, today: date) -> float:
    """What someone on an even pace would have by the end of today."""
    return round(target * period.days_elapsed(today) / period.days, 2)
