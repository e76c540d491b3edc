"""The record written once, and the reply that reports it (with 撤销 and who was asked to confirm)."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import texts
from bot.config import ActivitySettings
from bot.context import BotContext
from bot.study.progress import current_period, target_for
from db import credits
from db.models import StudyRecord
from handlers.replies import tell
from handlers.study.draft import Draft, _data, _settings, _show, _today
from handlers.study_review import ask_confirmers


async def _log(context: BotContext, draft: Draft, activity: ActivitySettings) -> credits.LogResult:
    assert draft.amount is not None and draft.day is not None
    result = await credits.log_study(
        context.session, person_id=context.person.id, activity=activity, amount=draft.amount,
        study_date=draft.day, note=draft.note or "", client_token=draft.token, now=context.services.now(),
    )
    # Commit now: the reply below reports a saved record, and the person's lock is released.
    await context.session.commit()
    return result


async def _reply_logged(
    update: Update, context: BotContext, result: credits.LogResult, activity: ActivitySettings
) -> None:
    record = result.record
    assert record is not None
    if result.outcome is credits.LogOutcome.DUPLICATE:
        await tell(update, texts.STUDY_ALREADY_RECORDED)
        return
    text = await _saved_text(context, record, activity)
    if record.status == "pending":  # the cadre reads exactly who was asked (or that nobody can be yet)
        text += "\n" + await ask_confirmers(context, context.person, record)
    await _show(update, text, InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.STUDY_UNDO_BUTTON, callback_data=_data("undo", record.id)),
    ]]))


async def _year_figures(context: BotContext, record: StudyRecord) -> dict[str, object]:
    """The figures for "2026 年度累计 x / y": the study year the record's date falls in."""
    settings, person = _settings(context), context.person
    period = current_period(settings, record.study_date)
    total = (await credits.totals_for_people(context.session, [person.id], period.start, period.end))[person.id]
    return {
        "year": period.label, "total": texts.num(total), "target": texts.num(target_for(person, settings)),
        "credit": settings.credit_name,
    }


async def _saved_text(context: BotContext, record: StudyRecord, activity: ActivitySettings) -> str:
    template = texts.STUDY_SAVED_PENDING if record.status == "pending" else texts.STUDY_SAVED
    return template.format(
        name=activity.name, amount=texts.amount(record.amount, record.unit),
        credits=texts.credits(record.credits, _settings(context).credit_name),
        day=texts.day(record.study_date, _today(context)), **await _year_figures(context, record),
    )
