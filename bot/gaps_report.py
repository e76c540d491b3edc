"""The knowledge-gap listing admins read in /gaps and in their weekly digest."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.services import Services
from db import questions
from knowledge.gaps import GapItem, group_gaps


async def gaps_report(session: AsyncSession, services: Services, days: int, header: str, empty: str) -> str:
    """The most asked unanswered and 👎 questions of the last `days`, near-identical ones grouped,
    each with the entry the matcher came closest to."""
    rows = await questions.gaps_since(session, services.now() - timedelta(days=days))
    groups = group_gaps([GapItem(r.text, r.feedback == "down", r.entry_id, r.score) for r in rows])
    if not groups:
        return empty.format(days=days)
    lines = [header.format(days=days)]
    for rank, group in enumerate(groups, start=1):
        entry = services.knowledge.get(group.closest_entry) if group.closest_entry else None
        closest = f"{entry.question}（{entry.id}，{group.closest_score:.2f}）" if entry else texts.GAPS_CLOSEST_NONE
        down = texts.GAPS_DOWN.format(count=group.down_votes) if group.down_votes else ""
        lines.append(texts.GAPS_LINE.format(
            rank=rank, example=group.example[:80], count=group.count, down=down, closest=closest))
    return "\n".join(lines)
