"""Suggested talking points for a one-on-one talk: the cadre's situation first, then the bank.

Pure: the caller gathers the facts. Bank topics rotate with a seed (the pair and the due
date), so two prompts for the same person do not always suggest the same filler topics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from bot import texts

MIN_POINTS, MAX_POINTS = 3, 5


@dataclass(frozen=True)
class Situation:
    cadence_days: int
    last_talk: date | None
    today: date
    behind_gap: float | None = None   # credits below the pro-rata pace, when behind
    total: float = 0.0
    target: float = 0.0
    credit_name: str = "学时"
    recently_rejected: bool = False
    requested_topics: tuple[str, ...] = field(default_factory=tuple)


def talking_points(situation: Situation, bank: tuple[str, ...], seed: int) -> list[str]:
    points = [texts.TALK_POINT_REQUESTED.format(topic=topic) for topic in situation.requested_topics[:2]]
    if situation.behind_gap:
        points.append(texts.TALK_POINT_BEHIND.format(
            total=f"{situation.total:g}", target=f"{situation.target:g}", gap=f"{situation.behind_gap:g}",
            credit_name=situation.credit_name,
        ))
    if situation.last_talk is None:
        points.append(texts.TALK_POINT_FIRST)
    elif (situation.today - situation.last_talk).days > situation.cadence_days * 1.5:
        points.append(texts.TALK_POINT_LONG_GAP.format(days=(situation.today - situation.last_talk).days))
    if situation.recently_rejected:
        points.append(texts.TALK_POINT_REJECTED)
    rotation = [bank[(seed + i) % len(bank)] for i in range(len(bank))] if bank else []
    for topic in rotation:
        if len(points) >= MIN_POINTS:
            break
        if topic not in points:
            points.append(topic)
    return points[:MAX_POINTS]
