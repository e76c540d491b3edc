"""Where many people stand against their targets at once: for reminders and digests.

One bulk query for everyone's totals; targets and the pro-rata pace come from bot/study/progress.py,
so /credits, reminders and digests never disagree about who is behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import StudySettings
from bot.study.progress import TargetFacts, current_period, target_for
from db import credits
from db.periods import pro_rata


@dataclass(frozen=True)
class Standing:
    total: float
    target: float
    expected: float

    @property
    def gap(self) -> float:
        """How far below the even pace, 0 when on or ahead of it."""
        return round(max(0.0, self.expected - self.total), 2)

    def behind_by_more_than(self, margin: float) -> bool:
        """Below the pro-rata figure by more than `margin` (a share of the expected figure)."""
        return self.expected > 0 and self.total < self.expected * (1 - margin)


async def standings(
    session: AsyncSession, settings: StudySettings, people: Sequence[TargetFacts], today: date
) -> dict[int, Standing]:
    period = current_period(settings, today)
    totals = await credits.totals_for_people(session, [p.id for p in people], period.start, period.end)
    result = {}
    pace: dict[float, float] = {}  # most people share a handful of targets
    for person in people:
        target = target_for(person, settings)
        if target not in pace:
            pace[target] = pro_rata(target, period, today)
        result[person.id] = Standing(totals.get(person.id, 0.0), target, pace[target])
    return result
