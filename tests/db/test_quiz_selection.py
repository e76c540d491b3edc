"""The quiz's draw and figures (db/quiz.py): deterministic per person and day, different between
people, drawn once and stored, no question answered right in the last 90 days (then the least
recently answered when the bank runs short), 专题 pools, one answer per item a day under
concurrency, the streak, and the figures /annual and the digests read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from db import people, quiz
from db.engine import Database
from db.migrate import upgrade
from db.models import QuizAnswer, StudyRecord
from db.roster import parse_roster

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 20)
BANK = [f"q-item-{n:02d}" for n in range(1, 21)]
ROSTER = """\
- {id: C01, name: 张明, unit: 组织科, roles: cadre}
- {id: C02, name: 李华, unit: 组织科, roles: cadre}
"""


@dataclass(frozen=True)
class Quiz:
    key: str = "dati"
    unit: str = "question"
    credits_per_unit: float = 0.2
    daily_cap: float | None = 5
    needs_confirmation: bool = False


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    upgrade(database_url)
    database = Database(database_url)
    async with database.session() as session:
        await people.import_roster(session, parse_roster("r.yaml", ROSTER.encode()))
        await session.commit()
    try:
        yield database
    finally:
        await database.dispose()


async def pid(db: Database, external_id: str) -> int:
    async with db.session() as session:
        person = await people.by_external_id(session, external_id)
        assert person is not None
        return person.id


async def draw(db: Database, person_id: int, day: date = TODAY, topic: str = quiz.DAILY,
               pool: list[str] = BANK, count: int = 5) -> list[str]:
    async with db.session() as session:
        rows = await quiz.draw(session, person_id=person_id, day=day, topic=topic, pool=pool, count=count,
                               no_repeat_days=90, now=NOW)
        await session.commit()
        return [r.item_id for r in rows]


async def answer_all(db: Database, person_id: int, day: date, right: bool = True) -> list[str]:
    """Draw the day's round and answer every question."""
    items = await draw(db, person_id, day)
    async with db.session() as session:
        for selection in await quiz.round_of(session, person_id, day, quiz.DAILY):
            await quiz.answer(session, selection=selection, person_id=person_id, letter="A", right=right,
                              entry_id="e", today=day, now=NOW, activity=Quiz())
        await session.commit()
    return items


def test_pick_is_deterministic_per_person_and_day_and_differs_between_them() -> None:
    first = quiz.pick(1, TODAY, "", BANK, 5, {}, 90)
    assert first == quiz.pick(1, TODAY, "", list(reversed(BANK)), 5, {}, 90)  # the bank's order does not matter
    assert first != quiz.pick(2, TODAY, "", BANK, 5, {}, 90)
    assert first != quiz.pick(1, TODAY + timedelta(days=1), "", BANK, 5, {}, 90)
    assert len(set(first)) == 5


def test_pick_skips_items_answered_right_within_the_no_repeat_days_only() -> None:
    history = {i: quiz.History(TODAY - timedelta(days=89), TODAY - timedelta(days=89)) for i in BANK[:18]}
    history[BANK[18]] = quiz.History(TODAY - timedelta(days=1), None)  # answered wrong: may come again
    picked = quiz.pick(1, TODAY, "", BANK, 5, history, 90)
    assert set(picked[:2]) == {BANK[18], BANK[19]}  # the fresh ones first, then the bank runs short
    assert len(picked) == 5 and set(picked[2:]) <= set(BANK[:18])
    day_90 = {i: quiz.History(TODAY - timedelta(days=90), TODAY - timedelta(days=90)) for i in BANK}
    assert len(quiz.pick(1, TODAY, "", BANK, 5, day_90, 90)) == 5  # 90 days on: asked again


def test_a_bank_run_short_falls_back_to_the_least_recently_answered() -> None:
    history = {item: quiz.History(TODAY - timedelta(days=n + 1), TODAY - timedelta(days=n + 1))
               for n, item in enumerate(BANK)}  # BANK[0] answered yesterday … BANK[19] 20 days ago
    assert quiz.pick(1, TODAY, "", BANK, 3, history, 90) == [BANK[19], BANK[18], BANK[17]]


async def test_a_round_is_drawn_once_and_stored(db: Database) -> None:
    person = await pid(db, "C01")
    first = await draw(db, person)
    assert len(first) == 5
    assert await draw(db, person, pool=BANK[:3]) == first  # stored: a changed bank does not redraw the day
    assert await draw(db, await pid(db, "C02")) != first


async def test_no_question_answered_right_comes_back_within_ninety_days(db: Database) -> None:
    person = await pid(db, "C01")
    seen: set[str] = set()
    for offset in range(4):  # four days, twenty questions: the whole bank once
        items = await answer_all(db, person, TODAY + timedelta(days=offset))
        assert not seen & set(items)
        seen |= set(items)
    assert seen == set(BANK)
    # Day 5: everything was answered right lately; the least recently answered come first.
    fallback = await draw(db, person, TODAY + timedelta(days=4))
    assert set(fallback) == set((await draw(db, person, TODAY)))


async def test_wrong_answers_may_come_back_the_next_day(db: Database) -> None:
    person = await pid(db, "C01")
    wrong = await answer_all(db, person, TODAY, right=False)
    small_bank = wrong + BANK[-1:]
    assert set(wrong) <= set(await draw(db, person, TODAY + timedelta(days=1), pool=small_bank, count=6))


async def test_a_topic_round_draws_from_its_pool_and_never_repeats_the_days_questions(db: Database) -> None:
    person = await pid(db, "C01")
    daily = await draw(db, person)
    topic = await draw(db, person, topic="党费", pool=BANK[:8], count=5)
    assert set(topic) <= set(BANK[:8]) and not set(topic) & set(daily)
    assert len(topic) == min(5, len(set(BANK[:8]) - set(daily)))


async def test_one_answer_per_item_a_day_even_when_pressed_at_once(db: Database) -> None:
    person = await pid(db, "C01")
    await draw(db, person)
    async with db.session() as session:
        [selection, *_] = await quiz.round_of(session, person, TODAY, quiz.DAILY)

    async def press(letter: str) -> quiz.Outcome:
        async with db.session() as session:
            row = await quiz.selection_by_id(session, selection.id)
            result = await quiz.answer(session, selection=row, person_id=person, letter=letter, right=letter == "A",
                                       entry_id="e", today=TODAY, now=NOW, activity=Quiz())
            await session.commit()
            return result.outcome

    outcomes = await asyncio.gather(*(press(letter) for letter in "AABA"))
    assert sorted(o.value for o in outcomes) == ["already", "already", "already", "saved"]
    async with db.session() as session:
        assert await session.scalar(select(func.count()).select_from(QuizAnswer)) == 1
        records = await session.scalar(select(func.count()).select_from(StudyRecord))
        answer = await session.scalar(select(QuizAnswer))
        assert records == (1 if answer.right else 0)


async def test_another_persons_and_an_earlier_days_selection_count_nothing(db: Database) -> None:
    person, other = await pid(db, "C01"), await pid(db, "C02")
    await draw(db, person)
    async with db.session() as session:
        [selection, *_] = await quiz.round_of(session, person, TODAY, quiz.DAILY)
        forged = await quiz.answer(session, selection=selection, person_id=other, letter="A", right=True,
                                   entry_id="e", today=TODAY, now=NOW, activity=Quiz())
        late = await quiz.answer(session, selection=selection, person_id=person, letter="A", right=True,
                                 entry_id="e", today=TODAY + timedelta(days=1), now=NOW, activity=Quiz())
        assert (forged.outcome, late.outcome) == (quiz.Outcome.NOT_YOURS, quiz.Outcome.OLD_DAY)
        assert await session.scalar(select(func.count()).select_from(QuizAnswer)) == 0


async def test_the_streak_counts_consecutive_days_ending_today_or_yesterday(db: Database) -> None:
    person = await pid(db, "C01")
    for offset in (0, 1, 2, 4):
        await answer_all(db, person, TODAY - timedelta(days=offset), right=offset != 1)
    async with db.session() as session:
        assert await quiz.streak(session, person, TODAY) == 3
        assert await quiz.streak(session, person, TODAY + timedelta(days=1)) == 3  # not yet today: yesterday's stands
        assert await quiz.streak(session, person, TODAY + timedelta(days=2)) == 0
        assert await quiz.streak(session, await pid(db, "C02"), TODAY) == 0


async def test_year_figures_count_days_answers_and_right_answers_end_inclusive(db: Database) -> None:
    person, other = await pid(db, "C01"), await pid(db, "C02")
    await answer_all(db, person, date(2026, 12, 31))
    await answer_all(db, person, date(2026, 12, 30), right=False)
    await answer_all(db, person, date(2027, 1, 1))
    async with db.session() as session:
        figures = await quiz.year_figures(session, [person, other], date(2026, 1, 1), date(2026, 12, 31))
    assert figures == {person: quiz.QuizFigures(days=2, answered=10, right=5)}
    assert figures[person].accuracy == 0.5 and quiz.NO_FIGURES.accuracy is None


async def test_right_answers_are_credited_within_the_daily_cap(db: Database) -> None:
    person = await pid(db, "C01")
    await answer_all(db, person, TODAY)
    async with db.session() as session:
        assert await quiz.credits_on(session, person, "dati", TODAY) == 1.0
        records = (await session.scalars(select(StudyRecord))).all()
        assert {(r.status, r.decided_by, r.credits) for r in records} == {("confirmed", None, 0.2)}
        topic = await quiz.draw(session, person_id=person, day=TODAY, topic="党费", pool=BANK, count=2,
                                no_repeat_days=90, now=NOW)
        capped = await quiz.answer(session, selection=topic[0], person_id=person, letter="A", right=True,
                                   entry_id="e", today=TODAY, now=NOW, activity=Quiz())
        assert capped.outcome is quiz.Outcome.SAVED and not capped.credited  # the cap is per day, 专题 included
        assert await quiz.credits_on(session, person, "dati", TODAY) == 1.0
