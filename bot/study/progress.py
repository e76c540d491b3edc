"""Study progress from the config's point of view: whose target is what, which study year a
moment falls in (in the configured timezone), and the text progress bar.

Pure functions, no Telegram and no database: the /credits reply, reminders and digests
all read targets and periods through here so they never disagree.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.config import StudySettings
from db.periods import Period, period_containing, period_labelled

BAR_WIDTH = 10


class TargetFacts(Protocol):
    """What deciding a target needs: a Person or a bulk-loaded PersonFacts."""

    id: int
    target: float | None
    level: str | None
    unit: str

    def has_role(self, role: str) -> bool: ...


def target_for(person: TargetFacts, settings: StudySettings) -> float:
    """Roster target, else by level, by unit, by role (first listed that applies), else yearly."""
    targets = settings.targets
    if person.target:
        return person.target
    if person.level and person.level in targets.by_level:
        return targets.by_level[person.level]
    if person.unit in targets.by_unit:
        return targets.by_unit[person.unit]
    for role, target in targets.by_role.items():
        if person.has_role(role):
            return target
    return targets.yearly


def local_today(now: datetime, tz: ZoneInfo) -> date:
    return now.astimezone(tz).date()


def current_period(settings: StudySettings, today: date) -> Period:
    return period_containing(today, settings.year_start_month)


def period_of_year(settings: StudySettings, year: int) -> Period:
    return period_labelled(year, settings.year_start_month)


def progress_bar(fraction: float, width: int = BAR_WIDTH) -> str:
    """`▓▓▓▓░░░░░░ 45%`: the bar stops at full, the percentage does not."""
    fraction = max(0.0, fraction)
    filled = min(width, int(fraction * width + 1e-9))
    return f"{'▓' * filled}{'░' * (width - filled)} {fraction * 100:.0f}%"
