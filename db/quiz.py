"""Quizzes (/quiz) in the database: each person's questions of a day, their answers, the credits
a right answer earns, the streak, and the figures digests, exports and /annual read.

A round is a person's questions for one local day and topic ("" for 每日一题, else a 专题's
category). It is drawn once, when /quiz is first sent that day, and stored: a restart, a
reload or a second instance shows the same questions in the same order. The draw is
deterministic too (a hash of person, day, topic and item orders the bank), so two instances
racing to draw the same round draw the same rows, and the unique (person, day, item) keeps one.

An answer is unique per person, day and item: of two presses, two instances or a retried
update exactly one inserts it, and only that one records credits (credits.log_study, confirmed
at once, within the activity's daily cap, token `qz<answer id>`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import Enum

from sqlalchemy import case, distinct, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db import credits
from db.dialects import among, insert_ignoring_conflicts
from db.models import Person, QuizAnswer, QuizSelection, StudyRecord

DAILY = ""  # the topic of 每日一题; a 专题 round's topic is its category
STREAK_LOOKBACK_DAYS = 3660  # a streak longer than ten years is still counted as ten years


@dataclass(frozen=True)
class History:
    """What a person did with one item before: the last day answered, the last day answered right."""

    last_answered: date
    last_right: date | None


def order_key(person_id: int, day: date, topic: str, item_id: str) -> bytes:
    """The draw's order: a hash, so each person and day gets a different order, the same on
    every instance and after a restart (Python's hash() is salted per process)."""
    return hashlib.blake2b(f"{person_id}|{day.isoformat()}|{topic}|{item_id}".encode(), digest_size=8).digest()


def pick(
    person_id: int, day: date, topic: str, pool: Iterable[str], count: int, history: dict[str, History],
    no_repeat_days: int, taken: Iterable[str] = (),
) -> list[str]:
    """`count` item ids from `pool` for a round: none already drawn that day (`taken`), none
    answered right in the last `no_repeat_days` days (answered right on day d: asked again from
    d + no_repeat_days); if that leaves too few, the others least recently answered first."""
    excluded = set(taken)
    candidates = sorted({i for i in pool if i not in excluded}, key=lambda i: order_key(person_id, day, topic, i))

    def recently_right(item_id: str) -> bool:
        seen = history.get(item_id)
        return seen is not None and seen.last_right is not None and (day - seen.last_right).days < no_repeat_days

    fresh = [i for i in candidates if not recently_right(i)]
    if len(fresh) >= count:
        return fresh[:count]
    # Stable sort: among items last answered on the same day the hash order is kept.
    rest = sorted((i for i in candidates if recently_right(i)), key=lambda i: history[i].last_answered)
    return [*fresh, *rest][:count]


async def _lock_person(session: AsyncSession, person_id: int) -> None:
    """Draws of one person wait for each other (PostgreSQL; SQLite has one writer anyway), so
    a 每日一题 and a 专题 drawn at once never both take an item."""
    await session.execute(select(Person.id).where(Person.id == person_id).with_for_update(key_share=True))


async def round_of(session: AsyncSession, person_id: int, day: date, topic: str) -> list[QuizSelection]:
    """The round's questions in order; [] when it was not drawn yet."""
    rows = await session.scalars(
        select(QuizSelection).where(
            QuizSelection.person_id == person_id, QuizSelection.quiz_date == day, QuizSelection.topic == topic,
        ).order_by(QuizSelection.position)
    )
    return list(rows.all())


async def history_of(session: AsyncSession, person_id: int) -> dict[str, History]:
    """Per item the person ever answered: the last day, and the last day answered right (one query)."""
    rows = await session.execute(
        select(
            QuizAnswer.item_id, func.max(QuizAnswer.quiz_date),
            func.max(case((QuizAnswer.right.is_(True), QuizAnswer.quiz_date), else_=None)),
        ).where(QuizAnswer.person_id == person_id).group_by(QuizAnswer.item_id)
    )
    return {item_id: History(last, right) for item_id, last, right in rows.all()}


async def taken_on(session: AsyncSession, person_id: int, day: date) -> set[str]:
    rows = await session.scalars(
        select(QuizSelection.item_id).where(QuizSelection.person_id == person_id, QuizSelection.quiz_date == day))
    return set(rows.all())


async def draw(
    session: AsyncSession, *, person_id: int, day: date, topic: str, pool: Sequence[str], count: int,
    no_repeat_days: int, now: datetime,
) -> list[QuizSelection]:
    """The round for (person, day, topic): the stored one, else drawn from `pool` now and
    stored. [] when the pool has nothing left to draw that day. The caller commits."""
    existing = await round_of(session, person_id, day, topic)
    if existing:
        return existing
    await _lock_person(session, person_id)
    existing = await round_of(session, person_id, day, topic)  # drawn while we waited for the lock
    if existing:
        return existing
    chosen = pick(person_id, day, topic, pool, count, await history_of(session, person_id), no_repeat_days,
                  await taken_on(session, person_id, day))
    if chosen:
        await session.execute(
            insert_ignoring_conflicts(session, QuizSelection),
            [dict(person_id=person_id, quiz_date=day, topic=topic, item_id=item_id, position=index, created_at=now)
             for index, item_id in enumerate(chosen, start=1)],
        )
    return await round_of(session, person_id, day, topic)


async def selection_by_id(session: AsyncSession, selection_id: int) -> QuizSelection | None:
    return await session.get(QuizSelection, selection_id)


async def claim_shown(session: AsyncSession, selection_id: int, now: datetime) -> bool:
    """Whether this 下一题 press is the one that sends the question: the first press claims it
    (one conditional UPDATE); a second press, here or on another instance, finds it taken."""
    result = await session.execute(
        update(QuizSelection).where(QuizSelection.id == selection_id, QuizSelection.shown_at.is_(None))
        .values(shown_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined,no-any-return]


async def answers_on(session: AsyncSession, person_id: int, day: date) -> dict[str, QuizAnswer]:
    """The person's answers of the day, by item."""
    rows = await session.scalars(
        select(QuizAnswer).where(QuizAnswer.person_id == person_id, QuizAnswer.quiz_date == day))
    return {a.item_id: a for a in rows.all()}


class Outcome(Enum):
    SAVED = "saved"
    ALREADY = "already"  # answered before: nothing counted again
    OLD_DAY = "old_day"  # a question of an earlier day
    NOT_YOURS = "not_yours"  # another person's question (a forged or forwarded button)


@dataclass(frozen=True)
class AnswerResult:
    outcome: Outcome
    answer: QuizAnswer | None = None  # the saved answer, or (ALREADY) the first one
    credited: bool = False  # a right answer that earned credits (False: wrong, or the day's cap was full)


async def answer(
    session: AsyncSession, *, selection: QuizSelection, person_id: int, letter: str, right: bool, entry_id: str,
    today: date, now: datetime, activity: credits.Activity,
) -> AnswerResult:
    """Record one press: once per person, day and item, however often or concurrently pressed.
    A right answer records one unit of `activity`, confirmed at once, within its daily cap.
    The caller commits."""
    if selection.person_id != person_id:
        return AnswerResult(Outcome.NOT_YOURS)
    if selection.quiz_date != today:
        return AnswerResult(Outcome.OLD_DAY)
    key = (QuizAnswer.person_id == person_id, QuizAnswer.quiz_date == today, QuizAnswer.item_id == selection.item_id)
    earlier = await session.scalar(select(QuizAnswer).where(*key))
    if earlier is not None:
        return AnswerResult(Outcome.ALREADY, earlier)
    inserted = await session.execute(
        insert_ignoring_conflicts(session, QuizAnswer).values(
            person_id=person_id, quiz_date=today, item_id=selection.item_id, entry_id=entry_id,
            selection_id=selection.id, chosen=letter, right=right, answered_at=now,
        ).returning(QuizAnswer.id)
    )
    answer_id = inserted.scalar()
    if answer_id is None:  # a press that waited for the first one's row
        return AnswerResult(Outcome.ALREADY, await session.scalar(select(QuizAnswer).where(*key)))
    record_id = None
    if right:
        logged = await credits.log_study(
            session, person_id=person_id, activity=activity, amount=Decimal(1), study_date=today,
            note=selection.item_id[:200], client_token=f"qz{answer_id}", now=now,
        )
        record_id = logged.record.id if logged.outcome is credits.LogOutcome.SAVED and logged.record else None
        if record_id is not None:
            await session.execute(update(QuizAnswer).where(QuizAnswer.id == answer_id).values(record_id=record_id))
    saved = await session.get(QuizAnswer, answer_id, populate_existing=True)
    return AnswerResult(Outcome.SAVED, saved, record_id is not None)


async def credits_on(session: AsyncSession, person_id: int, activity_key: str, day: date) -> float:
    """Credits the quiz earned the person on one day (counted records of its activity)."""
    total = await session.scalar(
        select(func.coalesce(func.sum(StudyRecord.credits_hundredths), 0)).where(
            StudyRecord.person_id == person_id, StudyRecord.study_date == day, StudyRecord.activity == activity_key,
            StudyRecord.status.in_(credits.COUNTED),
        )
    )
    return int(total or 0) / 100


async def streak(session: AsyncSession, person_id: int, today: date) -> int:
    """Consecutive local days with at least one answer, ending today or (not yet today) yesterday."""
    days = (await session.scalars(
        select(QuizAnswer.quiz_date).distinct().where(
            QuizAnswer.person_id == person_id, QuizAnswer.quiz_date <= today,
            QuizAnswer.quiz_date > today - timedelta(days=STREAK_LOOKBACK_DAYS),
        ).order_by(QuizAnswer.quiz_date.desc())
    )).all()
    expected = today if days and days[0] == today else today - timedelta(days=1)
    count = 0
    for day in days:
        if day != expected:
            break
        count += 1
        expected -= timedelta(days=1)
    return count


@dataclass(frozen=True)
class QuizFigures:
    """A person's quiz in a period: days with an answer, questions answered, answered right."""

    days: int
    answered: int
    right: int

    @property
    def accuracy(self) -> float | None:
        """The share answered right; None when nothing was answered (never a made-up 0%)."""
        return self.right / self.answered if self.answered else None


NO_FIGURES = QuizFigures(0, 0, 0)


async def figures(session: AsyncSession, person_ids: Sequence[int], start: date, end: date) -> dict[int, QuizFigures]:
    """Each person's figures for answers dated in [start, end] (end inclusive); absent: none."""
    if not person_ids:
        return {}
    rows = await session.execute(
        select(
            QuizAnswer.person_id, func.count(distinct(QuizAnswer.quiz_date)), func.count(),
            func.sum(case((QuizAnswer.right.is_(True), 1), else_=0)),
        ).where(among(session, QuizAnswer.person_id, person_ids),
                QuizAnswer.quiz_date >= start, QuizAnswer.quiz_date <= end)
        .group_by(QuizAnswer.person_id)
    )
    return {pid: QuizFigures(int(days), int(answered), int(right or 0)) for pid, days, answered, right in rows.all()}


async def year_figures(session: AsyncSession, person_ids: Sequence[int], start: date, end: date) -> dict[int, QuizFigures]:
    """The figures of a study year (or any period) for /annual: end inclusive."""
    return await figures(session, person_ids, start, end)


@dataclass(frozen=True)
class WrongItem:
    """An item often answered wrong: a sign that it, or the entry it was written from, needs rewriting."""

    item_id: str
    entry_id: str
    answered: int
    wrong: int

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.answered if self.answered else 0.0


async def most_wrong(session: AsyncSession, start: date, end: date, min_answers: int, top: int) -> list[WrongItem]:
    """The items with the highest share of wrong answers in [start, end], among those answered
    at least `min_answers` times and answered wrong at least once; more answers break ties."""
    wrong = func.sum(case((QuizAnswer.right.is_(False), 1), else_=0))
    answered = func.count()
    rows = await session.execute(
        select(QuizAnswer.item_id, func.max(QuizAnswer.entry_id), answered, wrong)
        .where(QuizAnswer.quiz_date >= start, QuizAnswer.quiz_date <= end)
        .group_by(QuizAnswer.item_id)
        .having(answered >= min_answers, wrong > 0)
        .order_by((wrong * 1.0 / answered).desc(), answered.desc(), QuizAnswer.item_id)
        .limit(top)
    )
    return [WrongItem(item_id, entry_id, int(n), int(w)) for item_id, entry_id, n, w in rows.all()]
