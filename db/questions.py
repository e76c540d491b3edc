"""The question log: what people asked, what they got, and what they thought of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialects import among
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
    """The asker picked one of the suggestions: the question is answered by that entry now, and
    its wording is proposed to admins as an alternate of that entry (see picked_since)."""
    question = await _askers_question(session, question_id, person_id)
    if question is None or question.outcome not in ("suggest", "picked"):
        return False
    question.outcome, question.entry_id = "picked", entry_id
    await session.flush()
    return True


@dataclass(frozen=True)
class GapRow:
    id: int
    text: str
    outcome: str
    feedback: str | None
    entry_id: str | None
    score: float


def _is_gap() -> ColumnElement[bool]:
    """What /gaps lists: unanswered, 👎, and suggestion lists nobody picked from."""
    return or_(Question.outcome.in_(("none", "suggest")), Question.feedback == "down")


def _is_open_pick() -> ColumnElement[bool]:
    """A suggestion the asker picked (and did not 👎): a proposed alternate of that entry."""
    return and_(Question.outcome == "picked", or_(Question.feedback.is_(None), Question.feedback != "down"))


_GAP_COLUMNS = (Question.id, Question.text, Question.outcome, Question.feedback, Question.entry_id, Question.score)


async def gaps_since(session: AsyncSession, since: datetime, limit: int = 5000) -> list[GapRow]:
    """Unresolved gaps since a moment, newest first."""
    query = (
        select(*_GAP_COLUMNS)
        .where(Question.asked_at >= since, Question.resolution.is_(None), _is_gap())
        .order_by(Question.asked_at.desc(), Question.id.desc())
        .limit(limit)
    )
    return [GapRow(*row) for row in (await session.execute(query)).all()]


async def picked_since(session: AsyncSession, since: datetime, limit: int = 2000) -> list[GapRow]:
    """Unresolved picked suggestions since a moment, newest first."""
    query = (
        select(*_GAP_COLUMNS)
        .where(Question.asked_at >= since, Question.resolution.is_(None), _is_open_pick())
        .order_by(Question.asked_at.desc(), Question.id.desc())
        .limit(limit)
    )
    return [GapRow(*row) for row in (await session.execute(query)).all()]


async def open_gap(session: AsyncSession, question_id: int) -> Question | None:
    """The question behind a /gaps button, if it is still listed there (not resolved, and a gap
    or a pick): a forged, stale or already-handled button gets None."""
    question = await session.get(Question, question_id)
    if question is None or question.resolution is not None:
        return None
    listed = question.outcome in ("none", "suggest", "picked") or question.feedback == "down"
    return question if listed else None


async def open_wordings_since(session: AsyncSession, since: datetime, limit: int = 20000) -> list[tuple[int, str]]:
    """(id, text) of every unresolved gap or pick since a moment: an admin's decision on one
    wording covers all its repeats (the caller decides which texts are the same question)."""
    query = (
        select(Question.id, Question.text)
        .where(Question.asked_at >= since, Question.resolution.is_(None), or_(_is_gap(), _is_open_pick()))
        .limit(limit)
    )
    return [(row.id, row.text) for row in (await session.execute(query)).all()]


async def resolve(
    session: AsyncSession, question_ids: Sequence[int], resolution: str, person_id: int | None, at: datetime,
) -> int:
    """Record an admin's decision on these questions; ones already resolved keep theirs.
    Returns how many were resolved now."""
    if not question_ids:
        return 0
    statement = (
        update(Question)
        .where(among(session, Question.id, question_ids), Question.resolution.is_(None))
        .values(resolution=resolution, resolved_by=person_id, resolved_at=at)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(statement)
    return int(result.rowcount or 0)
