"""Config models for scheduled work: study reminders, the holiday calendar, talk prompts.

Validated with the rest of config.yaml (they sit under `reminders:` and `talks:`), so a
malformed cron line, an unknown audience or a template placeholder that does not exist
stops start-up with the key named, instead of failing at 08:30 on a Monday.
"""

from __future__ import annotations

import string
from datetime import date, time
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bot.calendar import WorkCalendar, cron_trigger

DEFAULT_TALK_TOPICS = ("思想动态", "工作困难", "学习情况", "家庭困难", "廉洁提醒")
FIGURE_FIELDS = frozenset({"total", "target", "expected", "gap"})
TEMPLATE_FIELDS = FIGURE_FIELDS | {"name", "unit", "credit_name"}


def check_cron(value: str) -> str:
    """Refuse at start what would never fire, or fire on the wrong day (crontab weekdays: 0 and
    7 are Sunday, 1 is Monday; cron_trigger translates them for APScheduler)."""
    try:
        cron_trigger(value, ZoneInfo("UTC"))
    except ValueError as exc:
        raise ValueError(f"a five-field crontab such as '30 8 * * mon' or '30 8 * * 1-5', 0 and 7 are Sunday ({exc})") from None
    return value


def placeholders(template: str) -> frozenset[str]:
    """The {names} a text template uses."""
    return frozenset(field for _, field, _, _ in string.Formatter().parse(template) if field is not None)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Audience(_Strict):
    """Who gets a reminder: cadres (all, of a unit, or behind target) or everyone with a role."""

    kind: Literal["all", "unit", "role", "behind"] = "all"
    value: str | None = None

    @model_validator(mode="after")
    def _value_when_needed(self) -> Audience:
        if self.kind in ("unit", "role") and not self.value:
            raise ValueError(f"audience {self.kind} needs a value (the unit name or the role)")
        if self.kind == "role" and self.value not in ("cadre", "supervisor", "admin"):
            raise ValueError("audience role must be cadre, supervisor or admin")
        return self


class ReminderSchedule(_Strict):
    key: str = Field(pattern=r"^[a-z0-9_]{1,30}$")
    name: str = Field(min_length=1, max_length=30)
    cron: str = Field(description="five crontab fields in the configured timezone, e.g. '30 8 * * mon'")
    only: Literal["first_workday_of_month", "first_workday_of_quarter"] | None = None
    skip_non_workdays: bool = True
    audience: Audience = Audience()
    text: str = Field(min_length=1, max_length=1000)
    activities: tuple[str, ...] = Field((), max_length=4, description="activity keys offered as buttons")

    @property
    def shows_figures(self) -> bool:
        """Whether the text needs the person's credit figures (a query per batch) or only names."""
        return bool(placeholders(self.text) & FIGURE_FIELDS)

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("text")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:
            names = placeholders(value)
        except ValueError as exc:
            raise ValueError(f"a text with {{placeholders}} ({exc})") from None
        unknown = names - TEMPLATE_FIELDS
        if unknown:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}}; use {', '.join(sorted(TEMPLATE_FIELDS))}")
        return value


class Holidays(_Strict):
    """Public holidays (放假) and make-up workdays (调休上班) of the official calendar."""

    days_off: tuple[date, ...] = ()
    makeup_workdays: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _not_both(self) -> Holidays:
        both = sorted(set(self.days_off) & set(self.makeup_workdays))
        if both:
            raise ValueError(f"{both[0].isoformat()} is listed both as a day off and as a make-up workday")
        return self

    @property
    def calendar(self) -> WorkCalendar:
        return WorkCalendar(frozenset(self.days_off), frozenset(self.makeup_workdays))


class ReminderSettings(_Strict):
    grace_minutes: int = Field(180, ge=0, le=7 * 24 * 60, description="how late a missed message may still go out")
    behind_margin: float = Field(0.1, ge=0, le=1, description="'behind' = below pro-rata by more than this share")
    snooze_days: int = Field(7, ge=1, le=60)
    tick_seconds: float = Field(30, ge=1, le=300)
    lease_seconds: float = Field(45, ge=5, le=600)
    concurrency: int = Field(20, ge=1, le=100, description="messages in flight at once during a fan-out")
    schedules: tuple[ReminderSchedule, ...] = ()
    holidays: Holidays = Holidays()

    @model_validator(mode="before")
    @classmethod
    def _drop_journal_dir(cls, data: object) -> object:
        """`journal_dir` named the local send journal, gone since the database records every
        send: a config file that still has it loads as before."""
        if isinstance(data, dict) and "journal_dir" in data:
            data = {key: value for key, value in data.items() if key != "journal_dir"}
        return data

    @model_validator(mode="after")
    def _unique_keys(self) -> ReminderSettings:
        keys = [s.key for s in self.schedules]
        if len(keys) != len(set(keys)):
            raise ValueError("schedules: every key must be unique")
        return self

    def schedule(self, key: str) -> ReminderSchedule | None:
        return next((s for s in self.schedules if s.key == key), None)


class TalkSettings(_Strict):
    cadence_days: int = Field(90, ge=7, le=730)
    unit_cadence_days: dict[str, int] = Field(default_factory=dict)
    prompt_time: time = time(9, 0)
    workdays_only: bool = True
    postpone_days: int = Field(7, ge=1, le=60)
    follow_up_days: int = Field(7, ge=1, le=60, description="re-prompt a supervisor who has not acted")
    # A supervisor of a large unit would otherwise get every due talk of a day at once; the
    # rest wait for the following workdays, longest-waiting first (bot/scheduling/talk_prompts.py).
    daily_prompts: int = Field(3, ge=1, le=50, description="talk prompts a supervisor gets a day at most")
    topics: tuple[str, ...] = Field(min_length=3)

    @field_validator("unit_cadence_days")
    @classmethod
    def _sane_cadences(cls, value: dict[str, int]) -> dict[str, int]:
        for unit, days in value.items():
            if not 7 <= days <= 730:
                raise ValueError(f"{unit}: a cadence between 7 and 730 days")
        return value

    def cadence_for(self, unit: str) -> int:
        return self.unit_cadence_days.get(unit, self.cadence_days)


class DigestSettings(_Strict):
    """Supervisors' weekly digest and the thresholds for on track / behind / far behind."""

    cron: str = Field("0 9 * * mon", description="when the weekly digest goes out (configured timezone)")
    behind_ratio: float = Field(0.1, ge=0, le=1, description="behind = below pro-rata by more than this share")
    far_behind_ratio: float = Field(0.3, ge=0, le=1, description="far behind = below pro-rata by more than this share")
    # The ratios alone call everyone with 0 "far behind" in the first week of January (差1.5学时):
    # a gap that small, or that early, is not worth a supervisor's attention.
    min_gap: float = Field(4.0, ge=0, le=1000, description="nobody is behind while short of pro-rata by less than this many credits")
    grace_weeks: int = Field(4, ge=0, le=26, description="nobody is behind in this many first weeks of the study year")
    attention_count: int = Field(3, ge=1, le=10, description="people named in a unit digest's 需要关注 block")
    page_size: int = Field(6, ge=3, le=25, description="people a page in a unit digest (two lines each)")
    org_page_size: int = Field(6, ge=3, le=40, description="units a page in the organisation digest (two phone lines each)")
    gap_days: int = Field(7, ge=1, le=90, description="how far back the admins' digest looks for knowledge gaps")
    workdays_only: bool = Field(
        True, description="a digest due on a day off (holiday Monday) goes out on the next workday instead")

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        return check_cron(value)

    @model_validator(mode="after")
    def _ordered(self) -> DigestSettings:
        if self.behind_ratio > self.far_behind_ratio:
            raise ValueError("behind_ratio must not be above far_behind_ratio")
        return self
