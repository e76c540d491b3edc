"""The question log: what people asked, what they got, and what they thought of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Question

MAX_LOGGED_CHARS = 500


async def log_question(
    session: AsyncSession, person_id: int | None, text: str, outcome: str,
    entry_id: str | None, score: float, asked_at: datetime,
) -> Question:
    question = Question(
        person_id=person_id, text=text[:MAX_LOGGED_CHARS], outcome=outcome,
        entry_id=entry_id, score=round(score, 4), asked_at=asked_at,
    )
    session.add(question)
    await session.flush()
    return question


async def _askers_question(session: AsyncSession, question_id: int, person_id: int) -> Question | None:
    """The question, if this person asked it: buttons are forged or stale otherwise."""
    question = await session.get(Question, question_id)
    return question if question is not None and question.person_id == person_id else None


async def record_feedback(session: AsyncSession, question_id: int, person_id: int, feedback: str) -> bool:
    """Store 👍/👎 on the asker's own question; False if it is not theirs."""
    question = await _askers_question(session, question_id, person_id)
    if question is None:
        return False
    question.feedback = feedback
    await session.flush()
    return True


async def resolve_suggestion(session: AsyncSession, question_id: int, person_id: int, entry_id: str) -> bool:
    """The asker picked one of the suggestions: the question is answered by that entry now."""
    question = await _askers_question(session, question_id, person_id)
    if question is None:
        return False
    question.outcome, question.entry_id = "picked", entry_id
    await session.flush()
    return True


@dataclass(frozen=True)
class GapRow:
    text: str
    outcome: str
    feedback: str | None
    entry_id: str | None
    score: float


async def gaps_since(session: AsyncSession, since: datetime, limit: int = 5000) -> list[GapRow]:
    """Unanswered and thumbs-down questions since a moment, newest first."""
    query = (
        select(Question.text, Question.outcome, Question.feedback, Question.entry_id, Question.score)
        .where(Question.asked_at >= since)
        .where(or_(Question.outcome == "none", Question.feedback == "down"))
        .order_by(Question.asked_at.desc())
        .limit(limit)
    )
    return [GapRow(*row) for row in (await session.execute(query)).all()]
