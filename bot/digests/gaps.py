"""The knowledge-gap listing admins read in /gaps (in pages, with an action per item) and in
their weekly digest (as text)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.services import Services
from db import questions
from db.questions import GapRow
from knowledge.gaps import GapGroup, GapItem, PickedWording, group_gaps, group_picks
from knowledge.store import is_phrasing_of

GROUPS_PER_PAGE = 10      # a phone screen or two, and 20 buttons at most under one message
MAX_GROUPS = 30           # three pages; the rest waits until these are handled
MAX_PICKS = 10            # "a short section"
DIGEST_GROUPS = 10


@dataclass(frozen=True)
class GapAction:
    """One button under a /gaps page: what to do (add | out_of_scope) with which question."""

    rank: int
    action: str
    question_id: int


@dataclass(frozen=True)
class GapPage:
    text: str
    rows: tuple[tuple[GapAction, ...], ...]


def _items(rows: list[GapRow]) -> list[GapItem]:
    return [GapItem(r.text, r.feedback == "down", r.entry_id, r.score, r.id, r.outcome == "suggest") for r in rows]


def _closest(services: Services, group: GapGroup) -> str:
    entry = services.knowledge.get(group.closest_entry) if group.closest_entry else None
    if entry is None:
        return texts.GAPS_CLOSEST_NONE
    if group.closest_score <= 0:  # a 相关 view: shown by choice, not matched
        return texts.GAPS_CLOSEST_NO_SCORE.format(question=entry.question[:60], entry_id=entry.id)
    score = f"{group.closest_score:.2f}"
    return texts.GAPS_CLOSEST.format(question=entry.question[:60], entry_id=entry.id, score=score)


def _group_line(services: Services, rank: int, group: GapGroup) -> str:
    down = texts.GAPS_DOWN.format(count=group.down_votes) if group.down_votes else ""
    unpicked = texts.GAPS_UNPICKED.format(count=group.unpicked) if group.unpicked else ""
    return texts.GAPS_LINE.format(
        rank=rank, example=group.example[:80], count=group.count, down=down, unpicked=unpicked,
        closest=_closest(services, group),
    )


def _group_actions(services: Services, rank: int, group: GapGroup) -> tuple[GapAction, ...]:
    """Adding is offered only when there is an entry to add to that lacks this wording."""
    entry = services.knowledge.get(group.closest_entry) if group.closest_entry else None
    out = GapAction(rank, "out_of_scope", group.question_id)
    if entry is None or is_phrasing_of(entry, group.example):
        return (out,)
    return (GapAction(rank, "add", group.question_id), out)


def open_picks(services: Services, picks: list[PickedWording]) -> list[PickedWording]:
    """Picked wordings that are not yet phrasings of the entry picked (which still exists)."""
    kept = []
    for pick in picks:
        entry = services.knowledge.get(pick.entry_id)
        if entry is not None and not is_phrasing_of(entry, pick.text):
            kept.append(pick)
    return kept


async def gap_pages(session: AsyncSession, services: Services, days: int) -> list[GapPage]:
    """/gaps: pages of at most GROUPS_PER_PAGE groups, then the picked suggestions; [] if nothing."""
    since = services.now() - timedelta(days=days)
    groups = group_gaps(_items(await questions.gaps_since(session, since)), limit=None)
    picks = open_picks(services, group_picks(_items(await questions.picked_since(session, since))))
    pages = []
    shown = groups[:MAX_GROUPS]
    for start in range(0, len(shown), GROUPS_PER_PAGE):
        chunk = list(enumerate(shown[start:start + GROUPS_PER_PAGE], start=start + 1))
        header = texts.GAPS_HEADER.format(days=days) if start == 0 else texts.GAPS_HEADER_CONTINUED
        lines = [header, *(_group_line(services, rank, group) for rank, group in chunk)]
        if start + GROUPS_PER_PAGE >= len(shown) and len(groups) > len(shown):
            lines.append(texts.GAPS_MORE.format(count=len(groups) - len(shown)))
        pages.append(GapPage("\n".join(lines), tuple(_group_actions(services, r, g) for r, g in chunk)))
    if picks:
        pages.append(_picks_page(services, picks[:MAX_PICKS], first_rank=len(shown) + 1))
    return pages


def _picks_page(services: Services, picks: list[PickedWording], first_rank: int) -> GapPage:
    lines = [texts.GAPS_PICKED_HEADER]
    rows = []
    for rank, pick in enumerate(picks, start=first_rank):
        entry = services.knowledge.get(pick.entry_id)
        question = entry.question[:60] if entry else pick.entry_id
        lines.append(texts.GAPS_PICKED_LINE.format(
            rank=rank, text=pick.text[:80], count=pick.count, question=question, entry_id=pick.entry_id))
        rows.append((GapAction(rank, "add", pick.question_id),))
    return GapPage("\n".join(lines), tuple(rows))


async def gaps_report(session: AsyncSession, services: Services, days: int, header: str, empty: str) -> str:
    """The digest's text: the most asked gaps of the last `days`, near-identical ones grouped,
    each with the entry the matcher came closest to."""
    rows = await questions.gaps_since(session, services.now() - timedelta(days=days))
    groups = group_gaps(_items(rows), limit=DIGEST_GROUPS)
    if not groups:
        return empty.format(days=days)
    lines = [header.format(days=days)]
    lines += [_group_line(services, rank, group) for rank, group in enumerate(groups, start=1)]
    return "\n".join(lines)
