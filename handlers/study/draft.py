"""What every /study flow shares: the draft as stored in the flow's row, callback data, the
study settings and today, answering a button or typed text, and the words for a broken rule."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from telegram import InlineKeyboardMarkup, Update

from bot import texts
from bot.chat import flows
from bot.config import ActivitySettings, StudySettings
from bot.context import BotContext
from bot.study.input import StudyInputError
from bot.study.progress import local_today

PREFIX = "st"

ACTIVITY, AMOUNT, DATE, NOTE, CONFIRM = "activity", "amount", "date", "note", "confirm"

STUDY_FLOW = flows.define_step("study", texts.STUDY_DRAFT_DROPPED)


@dataclass
class Draft:
    """What the cadre has told us so far. `note` is None until asked; "" means skipped."""

    token: str = field(default_factory=lambda: secrets.token_hex(8))
    activity: str | None = None
    amount: Decimal | None = None
    day: date | None = None
    note: str | None = None

    def to_data(self) -> dict[str, Any]:
        """As stored in the flow's JSON: amounts as exact decimal strings, days as ISO dates."""
        return {
            "token": self.token, "activity": self.activity, "note": self.note,
            "amount": str(self.amount) if self.amount is not None else None,
            "day": self.day.isoformat() if self.day is not None else None,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Draft:
        return cls(
            token=str(data["token"]), activity=data.get("activity"), note=data.get("note"),
            amount=Decimal(data["amount"]) if data.get("amount") is not None else None,
            day=date.fromisoformat(data["day"]) if data.get("day") else None,
        )


def _data(*parts: object) -> str:
    return ":".join([PREFIX, *map(str, parts)])


def _settings(context: BotContext) -> StudySettings:
    return context.services.config.study


def _today(context: BotContext) -> date:
    return local_today(context.services.now(), context.services.config.tz)


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer a button by editing its message, and typed text with a new message."""
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:
        await update.effective_message.reply_text(text, reply_markup=markup)


def _draft(context: BotContext, *steps: str) -> Draft | None:
    """The speaker's open draft, if it is at one of `steps` (any step when none are named)."""
    state = flows.state_of(context, STUDY_FLOW.name)
    if state is None or (steps and state.step not in steps):
        return None
    return Draft.from_data(state.data)


def _problem(error: StudyInputError, activity: ActivitySettings) -> str:
    return texts.study_problem(error, activity.name, activity.unit, activity.note_hint)


def _over_cap_text(context: BotContext, activity: ActivitySettings, draft: Draft, logged: float) -> str:
    assert activity.daily_cap is not None and draft.day is not None
    left = max(0.0, activity.daily_cap - logged)
    template = texts.STUDY_OVER_CAP if left > 0 else texts.STUDY_OVER_CAP_FULL
    return template.format(
        name=activity.name, cap=texts.amount(activity.daily_cap, activity.unit),
        day=texts.day(draft.day, _today(context)), logged=texts.amount(logged, activity.unit),
        left=texts.amount(left, activity.unit),
    )
