"""The year on one page: each person's figures of one study year, for the /annual card and
text and the annual sheet of /export (bot/digests/annual_card.py, annual_views.py render them).

Study credits, collective sessions and talks come from their tables; the week's readings
(db.readings.read_counts) and the daily quiz (db.quiz.year_figures, only when the deployment
has a quiz) are sections read through `Sections`, so a test can give other sources. A section
with no source is None in every AnnualFigures and is left out of the card, the text and the
sheet, never shown as 0. Sources are called as `source(session, person_ids, start, end)` with
`end` inclusive, once for all the people gathered; a person they leave out has 0.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import Services
from bot.study.progress import TargetFacts, local_today, period_of_year, target_for
from db import annual, quiz, readings, sessions
from db.periods import Period


class PersonLike(TargetFacts, Protocol):
    """What gathering needs of a person: a Person or a bulk-loaded PersonFacts."""

    name: str


class QuizFacts(Protocol):
    """What db.quiz.year_figures returns per person (its QuizFigures)."""

    @property
    def days(self) -> int: ...
    @property
    def answered(self) -> int: ...
    @property
    def right(self) -> int: ...


ReadCounts = Callable[[AsyncSession, Sequence[int], date, date], Awaitable[Mapping[int, int]]]
QuizYears = Callable[[AsyncSession, Sequence[int], date, date], Awaitable[Mapping[int, QuizFacts]]]


@dataclass(frozen=True)
class Sections:
    """Where the optional sections come from; None: the section is not shown anywhere."""

    readings: ReadCounts | None = None
    quiz: QuizYears | None = None


# The sections this deployment has (see the module docstring).
SECTIONS = Sections(readings=readings.read_counts, quiz=quiz.year_figures)


@dataclass(frozen=True)
class QuizYear:
    days: int  # days with at least one answer
    answered: int
    right: int

    @property
    def accuracy(self) -> float | None:
        return self.right / self.answered if self.answered else None


@dataclass(frozen=True)
class ActivityLine:
    """One activity type's confirmed study in the year; `amount` None when records of it were
    kept in more than one unit (the config changed), which no single figure can add up."""

    key: str
    name: str
    credits: float
    amount: float | None
    unit: str


@dataclass(frozen=True)
class AnnualFigures:
    person_id: int
    name: str
    unit: str
    year: int  # the study year's label (the calendar year it starts in)
    start: date
    end: date  # the year's last day
    as_of: date  # today while the year runs, else its last day
    activities: tuple[ActivityLine, ...]  # every configured type (0 included), in config order
    total: float  # confirmed credits
    target: float
    pending: float  # waiting for confirmation, not counted
    sessions_attended: int
    talks: int  # talks held with the person: a count, never what was said
    talks_led: int | None  # talks the person held as a supervisor; None: not a supervisor
    readings_read: int | None = None  # None: no readings section
    quiz: QuizYear | None = None  # None: no quiz section

    @property
    def fraction(self) -> float:
        return self.total / self.target if self.target else 1.0

    @property
    def running(self) -> bool:
        return self.as_of < self.end


def study_year(services: Services, year: int) -> Period:
    return period_of_year(services.config.study, year)


async def gather(
    session: AsyncSession, services: Services, persons: Sequence[PersonLike], year: int,
    sections: Sections | None = None,
) -> list[AnnualFigures]:
    """The figures of study year `year` for each of `persons`, in their order, as of its last
    day or today if sooner: a handful of queries whatever the number of people."""
    sections = SECTIONS if sections is None else sections
    settings = services.config.study
    period = study_year(services, year)
    last = period.end - timedelta(days=1)
    as_of = min(last, local_today(services.now(), services.config.tz))
    ids = [p.id for p in persons]
    credit = await annual.credit_years(session, ids, period)
    attended = await sessions.attended_counts(session, ids, period.start, last)
    talks = await annual.talk_counts(session, ids, period.start, last)
    read = await sections.readings(session, ids, period.start, last) if sections.readings and ids else None
    quizzing = sections.quiz is not None and services.config.quiz_activity is not None  # knowledge.quiz: []: no section
    quiz = await sections.quiz(session, ids, period.start, last) if quizzing and ids else None
    result = []
    for person in persons:
        year_credits = credit[person.id]
        talk = talks.get(person.id, annual.TalkCounts())
        facts = quiz.get(person.id) if quiz is not None else None
        result.append(AnnualFigures(
            person_id=person.id, name=person.name, unit=person.unit, year=period.label, start=period.start, end=last,
            as_of=as_of, activities=_activity_lines(year_credits, services), total=year_credits.total,
            target=target_for(person, settings), pending=year_credits.pending,
            sessions_attended=attended.get(person.id, 0), talks=talk.with_supervisor,
            talks_led=talk.led if person.has_role("supervisor") or talk.led else None,
            readings_read=read.get(person.id, 0) if read is not None else None,
            quiz=(QuizYear(facts.days, facts.answered, facts.right) if facts is not None else QuizYear(0, 0, 0))
            if quiz is not None else None,
        ))
    return result


def _activity_lines(year: annual.CreditYear, services: Services) -> tuple[ActivityLine, ...]:
    """Every configured activity type in config order, then any no longer configured that has records."""
    settings = services.config.study
    by_key: dict[str, list[annual.ActivityYear]] = {}
    for row in year.by_activity:
        by_key.setdefault(row.activity, []).append(row)
    lines = []
    keys = [a.key for a in settings.activities] + sorted(set(by_key) - {a.key for a in settings.activities})
    for key in keys:
        rows = by_key.get(key, [])
        configured = settings.activity(key)
        units = {row.unit for row in rows}
        unit = rows[0].unit if len(units) == 1 else configured.unit if configured else ""
        amount = sum(row.amount for row in rows) if len(units) <= 1 else None
        lines.append(ActivityLine(
            key=key, name=settings.activity_name(key), credits=round(sum(row.credits for row in rows), 2),
            amount=round(amount, 2) if amount is not None else None, unit=unit,
        ))
    return tuple(lines)
