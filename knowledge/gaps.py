"""Grouping near-identical questions, so admins see "asked 12 times" instead of 12 lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge.normalize import normalize

SAME_QUESTION_RATIO = 80.0


@dataclass(frozen=True)
class GapGroup:
    example: str               # the most frequent wording
    count: int
    down_votes: int
    closest_entry: str | None  # the entry the matcher came closest to, most often
    closest_score: float


@dataclass(frozen=True)
class GapItem:
    text: str
    is_down_vote: bool
    closest_entry: str | None
    score: float


def group_gaps(items: Sequence[GapItem], limit: int = 10) -> list[GapGroup]:
    """Greedy grouping by normalised similarity, most asked first."""
    keys: list[str] = []
    members: list[list[GapItem]] = []
    for item in items:
        key = normalize(item.text) or item.text
        found = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=SAME_QUESTION_RATIO)
        if found is None:
            keys.append(key)
            members.append([item])
        else:
            members[found[2]].append(item)
    summaries = [_summarise(group) for group in members]
    summaries.sort(key=lambda g: (-g.count, -g.down_votes, g.example))
    return summaries[:limit]


def _summarise(members: list[GapItem]) -> GapGroup:
    example = Counter(m.text for m in members).most_common(1)[0][0]
    entries = Counter(m.closest_entry for m in members if m.closest_entry)
    closest = entries.most_common(1)[0][0] if entries else None
    score = max((m.score for m in members if m.closest_entry == closest), default=0.0)
    return GapGroup(example, len(members), sum(m.is_down_vote for m in members), closest, score)
