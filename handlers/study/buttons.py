"""Buttons outside the flow: 撤销 of a saved record, and a 确认 pressed again (or on a lapsed draft)."""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot import texts
from bot.context import BotContext
from bot.study.input import parse_record_id
from db import credits
from handlers.study.draft import _settings, _today
from handlers.study.saving import _year_figures


async def on_undo(update: Update, context: BotContext) -> None:
    query, settings = update.callback_query, _settings(context)
    record_id = parse_record_id((query.data or "").split(":", 2)[-1])
    if record_id is None or context.person is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    result = await credits.undo_own(
        context.session, record_id, context.person.id, context.services.now(), timedelta(hours=settings.undo_hours)
    )
    if result.outcome is credits.Change.NOT_FOUND:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
    elif result.outcome is credits.Change.ALREADY:
        await query.answer(texts.STUDY_UNDO_ALREADY.format(status=texts.STATUS_NAMES[result.record.status]), show_alert=True)
    elif result.outcome is credits.Change.TOO_LATE:
        await query.answer(
            texts.STUDY_UNDO_TOO_LATE.format(hours=texts.num(settings.undo_hours), id=record_id), show_alert=True
        )
    else:
        await context.session.commit()
        await query.answer()
        record = result.record
        await query.edit_message_text(texts.STUDY_UNDONE.format(
            name=settings.activity_name(record.activity), amount=texts.amount(record.amount, record.unit),
            day=texts.day(record.study_date, _today(context)), **await _year_figures(context, record),
        ))


async def answer_stale_confirm(update: Update, context: BotContext) -> None:
    """确认 on a draft that is gone: recorded already (pressed twice, update retried) or abandoned."""
    query = update.callback_query
    token = (query.data or "").split(":", 2)[-1]
    record = await credits.by_token(context.session, token) if token else None
    if record is not None and context.person is not None and record.person_id == context.person.id:
        await query.answer(texts.STUDY_ALREADY_RECORDED, show_alert=True)
    else:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
