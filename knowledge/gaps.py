"""Grouping near-identical questions, so admins see "asked 12 times" instead of 12 lines."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from knowledge.normalize import normalize

SAME_QUESTION_RATIO = 80.0


@dataclass(frozen=True)
class GapItem:
    text: str
    is_down_vote: bool
    closest_entry: str | None
    score: float
    question_id: int = 0
    unpicked: bool = False  # suggestions were offered and none was chosen


@dataclass(frozen=True)
class GapGroup:
    example: str               # the most frequent wording
    count: int
    down_votes: int
    closest_entry: str | None  # the entry the matcher came closest to, most often
    closest_score: float
    question_id: int = 0       # one question asked in the example's words, about closest_entry if any
    unpicked: int = 0


@dataclass(frozen=True)
class PickedWording:
    """A wording people asked in, then picked ``entry_id`` from the suggestions for."""

    text: str
    entry_id: str
    count: int
    question_id: int           # the newest of them: the one a /gaps button names


def question_key(text: str) -> str:
    """What two wordings are compared by: normalised text (the raw text if nothing is left)."""
    return normalize(text) or text


def same_question(a: str, b: str) -> bool:
    """Whether two wordings are the same question as far as /gaps groups them."""
    return fuzz.ratio(question_key(a), question_key(b)) >= SAME_QUESTION_RATIO


def group_gaps(items: Sequence[GapItem], limit: int | None = 10) -> list[GapGroup]:
    """Greedy grouping by normalised similarity, most asked first."""
    keys: list[str] = []
    members: list[list[GapItem]] = []
    for item in items:
        key = question_key(item.text)
        found = process.extractOne(key, keys, scorer=fuzz.ratio, score_cutoff=SAME_QUESTION_RATIO)
        if found is None:
            keys.append(key)
            members.append([item])
        else:
            members[found[2]].append(item)
    summaries = [_summarise(group) for group in members]
    summaries.sort(key=lambda g: (-g.count, -g.down_votes, g.example))
    return summaries if limit is None else summaries[:limit]


def _summarise(members: list[GapItem]) -> GapGroup:
    example = Counter(m.text for m in members).most_common(1)[0][0]
    entries = Counter(m.closest_entry for m in members if m.closest_entry)
    closest = entries.most_common(1)[0][0] if entries else None
    score = max((m.score for m in members if m.closest_entry == closest), default=0.0)
    # The question a button acts on: about the closest entry the line shows, in the example's
    # words when one of those came closest to it (the confirmation shows the exact wording).
    # Items come newest first.
    about_closest = [m for m in members if m.closest_entry == closest]
    chosen = next((m for m in about_closest if m.text == example), about_closest[0])
    return GapGroup(
        example, len(members), sum(m.is_down_vote for m in members), closest, score,
        chosen.question_id, sum(m.unpicked for m in members),
    )


def group_picks(items: Sequence[GapItem]) -> list[PickedWording]:
    """Picked suggestions by (entry, wording), most picked first; items come newest first."""
    groups: dict[tuple[str, str], list[GapItem]] = {}
    for item in items:
        if item.closest_entry:
            groups.setdefault((item.closest_entry, question_key(item.text)), []).append(item)
    picks = [PickedWording(g[0].text, entry_id, len(g), g[0].question_id) for (entry_id, _), g in groups.items()]
    picks.sort(key=lambda p: (-p.count, p.entry_id, p.text))
    return picks
