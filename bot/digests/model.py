"""What a supervisor digest says, as plain data: the query layer fills these, renderers read them.

Keeping the digest as frozen dataclasses means the text pages, the chart and the export
workbook are pure functions of one value: they can be tested without a database or a bot,
and they can never disagree about who is behind.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

Status = Literal["on_track", "behind", "far_behind"]
AttentionReason = Literal["far_behind", "behind", "unreachable", "talk_overdue"]

# Lower rank sorts first: the worse the status, the sooner a supervisor should see it.
_STATUS_RANK: dict[str, int] = {"far_behind": 0, "behind": 1, "on_track": 2}


@dataclass(frozen=True)
class PersonRow:
    """One person's week in a unit digest.

    `expected_to_date` is the pro-rata share of `target` for the time elapsed in the study
    year; `status` compares `year_credits` with it (see `classify`). For `/export`, the query
    layer puts the exported period's credits in `week_credits`. Every figure is as of the
    digest's (or the period's) last day, never today: a past week reads as it stood then.

    `has_supervisor` is False when nobody is configured to talk with the person (no active
    supervisor of their unit other than themselves): then no talk can be overdue, and the
    digest says 未配置分管领导 instead of inventing a due date.
    """

    person_id: int
    name: str
    week_credits: float
    year_credits: float
    target: float
    expected_to_date: float
    status: Status
    last_study: date | None
    last_talk: date | None
    talk_due: date | None
    talk_overdue: bool
    reachable: bool
    unit: str = ""
    has_supervisor: bool = True
    sessions_attended: int = 0  # collective sessions (/session) checked in to in the period
    # The quiz (/quiz) in the period: days with an answer, questions answered, answered right.
    quiz_days: int = 0
    quiz_answered: int = 0
    quiz_right: int = 0

    @property
    def quiz_accuracy(self) -> float | None:
        """The share answered right; None when nothing was answered (shown as —, never 0%)."""
        return self.quiz_right / self.quiz_answered if self.quiz_answered else None

    @property
    def gap(self) -> float:
        """How far short of the pro-rata figure (negative when ahead)."""
        return self.expected_to_date - self.year_credits


@dataclass(frozen=True)
class PendingSummary:
    """What waits for a confirmer now (records and /fix requests): how many, and the oldest.

    Unlike the rest of a digest this is the present, not the week: it is what the supervisor
    can act on today, so only digests of the current or the week just ended carry it.
    """

    count: int
    oldest_record_id: int | None
    oldest_waited_days: int  # whole days since the oldest was logged or asked


@dataclass(frozen=True)
class SessionLine:
    """One collective session of the week and its attendance (签到 of those invited)."""

    name: str  # the activity's name
    topic: str
    day: date
    attended: int
    expected: int

    @property
    def rate(self) -> float:
        return self.attended / self.expected if self.expected else 0.0


@dataclass(frozen=True)
class ReadingLine:
    """The week's reading (每周一篇) and who read it: a count, and the names of those who did not
    (a unit digest only; the organisation's names none). Never a 心得's text."""

    title: str
    read: int
    total: int
    unread: tuple[str, ...] = ()


@dataclass(frozen=True)
class QuizWrongLine:
    """A quiz item often answered wrong in the week (the admins' digest): rewrite it or its entry?"""

    item_id: str
    entry_id: str
    stem: str  # as the bank has it now ("" if the item left the bank)
    answered: int
    wrong: int

    @property
    def wrong_rate(self) -> float:
        return self.wrong / self.answered if self.answered else 0.0


@dataclass(frozen=True)
class UnitDigest:
    unit: str
    week_start: date
    week_end: date
    year: int
    people: tuple[PersonRow, ...]
    week_total: float
    year_total: float
    pending: PendingSummary | None = None
    as_of: date | None = None  # the day the figures are measured at: today in the current week, else week_end
    sessions: tuple[SessionLine, ...] = ()  # the week's collective sessions for the unit
    reading: ReadingLine | None = None  # the week's reading, when it has one


@dataclass(frozen=True)
class OrgRow:
    """One unit's line in the admins' organisation-wide digest (counts of people)."""

    unit: str
    people_count: int
    week_total: float
    year_total: float
    on_track: int
    behind: int
    far_behind: int
    talks_overdue: int
    unreachable: int
    no_supervisor: int = 0  # people nobody is configured to talk with (an admin's job to fix)


@dataclass(frozen=True)
class OrgDigest:
    week_start: date
    week_end: date
    year: int
    units: tuple[OrgRow, ...]
    pending: PendingSummary | None = None
    # Who may have missed a scheduled message in the last 7 days: one name per delivery whose
    # request was on the wire when its answer was lost (never resent, to send nothing twice).
    uncertain: tuple[str, ...] = ()
    sessions: tuple[SessionLine, ...] = ()  # every collective session of the week
    reading: ReadingLine | None = None  # the week's reading and how many read it, organisation-wide
    quiz_wrong: tuple[QuizWrongLine, ...] = ()  # the week's most often wrong quiz items
    quiz_wrong_min: int = 0  # the answers an item needed to be listed


@dataclass(frozen=True)
class RecordRow:
    """One study record for the export workbook; `status` is a code such as "confirmed".

    `record_id` is the 编号 that /void and /fix take: without it in the sheet nobody can name
    a wrong record. `person_unit` is the person's organisational unit (the organisation export
    mixes units); `unit_label` is the measurement unit of `amount` (小时, 天).
    """

    record_id: int
    study_date: date
    name: str
    person_unit: str
    activity: str
    amount: float
    unit_label: str
    credits: float
    status: str
    note: str | None
    created_at: datetime


@dataclass(frozen=True)
class TalkRow:
    """One heart-to-heart talk for the export: who and when, deliberately never what was said."""

    held_on: date
    supervisor: str
    cadre: str
    recorded_by: str = ""


def classify(
    year_credits: float, expected: float, behind_ratio: float, far_behind_ratio: float,
    *, min_gap: float = 0.0, in_grace: bool = False,
) -> Status:
    """Status of a person's year-to-date credits against their pro-rata expected figure.

    Rule, with 0 ≤ behind_ratio ≤ far_behind_ratio ≤ 1:
      on track    if credits ≥ expected × (1 − behind_ratio)
      far behind  if credits < expected × (1 − far_behind_ratio)
      behind      otherwise.
    E.g. with ratios 0.1 and 0.3 and 60 expected: ≥ 54 on track, 42–54 behind, < 42 far behind.
    Nothing expected yet (start of the year, zero target) is always on track: nobody can be
    behind a figure of zero. Nor is anyone behind while the gap is under `min_gap` credits,
    or `in_grace` (the first weeks of the study year): by ratio alone, everyone with 0 would
    be far behind on 6 January, short of 1.5学时, which tells a supervisor nothing.
    """
    if not 0 <= behind_ratio <= far_behind_ratio <= 1:
        raise ValueError(
            f"need 0 ≤ behind_ratio ≤ far_behind_ratio ≤ 1, got {behind_ratio} and {far_behind_ratio}"
        )
    if in_grace or expected - year_credits < min_gap:
        return "on_track"
    if expected <= 0 or year_credits >= expected * (1 - behind_ratio):
        return "on_track"
    if year_credits < expected * (1 - far_behind_ratio):
        return "far_behind"
    return "behind"


def attention_reasons(person: PersonRow) -> tuple[AttentionReason, ...]:
    """Why a supervisor should look at this person, most serious first; empty if all is well."""
    reasons: list[AttentionReason] = []
    if person.status != "on_track":
        reasons.append(person.status)
    if not person.reachable:
        reasons.append("unreachable")
    if person.talk_overdue:
        reasons.append("talk_overdue")
    return tuple(reasons)


def attention_order(people: Iterable[PersonRow]) -> list[PersonRow]:
    """Everyone, most in need first: far behind, then behind; within that the unreachable,
    then overdue talks, then the larger gap to the pro-rata figure; name breaks ties so the
    order is stable from week to week.
    """
    return sorted(people, key=_attention_key)


def _attention_key(person: PersonRow) -> tuple[int, bool, bool, float, str, int]:
    return (
        _STATUS_RANK[person.status],
        person.reachable,  # False (unreachable) sorts first
        not person.talk_overdue,
        -person.gap,
        person.name,
        person.person_id,
    )


def needing_attention(people: Iterable[PersonRow], limit: int = 3) -> list[PersonRow]:
    """The top of `attention_order`, skipping anyone with nothing to worry about: on a unit
    where all is well, the block stays empty rather than naming people for no reason.
    """
    return [person for person in attention_order(people) if attention_reasons(person)][:limit]


def attention_rest(people: Iterable[PersonRow], limit: int = 3) -> Counter[AttentionReason]:
    """Those needing attention beyond the first `limit`, counted by their most serious reason:
    a list that names 3 of 14 must say that 11 more are behind (另有11人严重落后)."""
    rest = [person for person in attention_order(people) if attention_reasons(person)][limit:]
    return Counter(attention_reasons(person)[0] for person in rest)


def org_order(units: Iterable[OrgRow]) -> list[OrgRow]:
    """Units with the largest share of people far behind first, then behind, then by name."""
    return sorted(units, key=_org_key)


def _org_key(row: OrgRow) -> tuple[float, float, int, str]:
    size = max(row.people_count, 1)
    return (-row.far_behind / size, -row.behind / size, -(row.talks_overdue + row.unreachable), row.unit)
