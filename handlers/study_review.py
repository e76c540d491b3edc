"""Trust in the records: supervisors confirm or reject what needs confirming, admins void
any record with a reason, and the cadre is told either way.

Callback data: rv:ok:<record id>, rv:no:<record id>. Whoever may not act on a record is
refused in the same words whether or not it exists.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.config import ActivitySettings
from bot.context import BotContext
from bot.study_input import parse_record_id
from db import audit, credits
from db.models import Person, StudyRecord
from handlers.access import require_role

log = logging.getLogger(__name__)

PREFIX = "rv"
MAX_REASON_CHARS = 200


async def ask_supervisors(context: BotContext, owner: Person, record: StudyRecord, activity: ActivitySettings) -> bool:
    """Send the 通过/退回 prompt to every supervisor who may confirm; False if nobody was reached."""
    text = texts.REVIEW_PROMPT.format(
        id=record.id, person=owner.name, unit=owner.unit or "—", name=activity.name,
        amount=texts.amount(record.amount, record.unit),
        credits=texts.credits(record.credits, context.services.config.study.credit_name),
        day=texts.day(record.study_date), note=record.note or texts.STUDY_NOTE_NONE,
    )
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.REVIEW_APPROVE, callback_data=f"{PREFIX}:ok:{record.id}"),
        InlineKeyboardButton(texts.REVIEW_REJECT, callback_data=f"{PREFIX}:no:{record.id}"),
    ]])
    reached = [await _send(context, s.chat_id, text, markup) for s in await credits.confirmers_for(context.session, owner)]
    return any(reached)


async def _send(context: BotContext, chat_id: int | None, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
    """A message to someone other than the speaker; a blocked or gone chat costs only the message."""
    if chat_id is None:
        return False
    try:
        await context.bot.send_message(chat_id, text, reply_markup=markup)
    except TelegramError as exc:
        log.warning("could not message chat %s: %s", chat_id, exc)
        return False
    return True


async def on_review(update: Update, context: BotContext) -> None:
    query = update.callback_query
    _, action, raw_id = ((query.data or "").split(":") + ["", "", ""])[:3]
    record_id = parse_record_id(raw_id)
    if action not in ("ok", "no") or record_id is None or context.person is None:
        await query.answer(texts.REVIEW_REFUSED, show_alert=True)
        return
    result = await credits.decide(context.session, record_id, context.person, action == "ok", context.services.now())
    if result.outcome is credits.Change.NOT_FOUND:
        await query.answer(texts.REVIEW_REFUSED, show_alert=True)
        return
    if result.outcome is credits.Change.ALREADY:
        await query.answer(texts.REVIEW_ALREADY, show_alert=True)
        return
    await context.session.commit()
    await query.answer()
    await _tell_decision(update, context, result.record, result.owner, approved=action == "ok")


async def _tell_decision(
    update: Update, context: BotContext, record: StudyRecord, owner: Person, approved: bool
) -> None:
    by, settings = context.person.name, context.services.config.study
    query = update.callback_query
    if query.message is not None and getattr(query.message, "text", None):
        outcome = texts.REVIEW_APPROVED if approved else texts.REVIEW_REJECTED
        await query.edit_message_text(query.message.text + outcome.format(by=by))
    told = texts.REVIEW_TOLD_APPROVED if approved else texts.REVIEW_TOLD_REJECTED
    await _send(context, owner.chat_id, told.format(
        day=texts.day(record.study_date), name=settings.activity_name(record.activity),
        amount=texts.amount(record.amount, record.unit), by=by,
        credits=texts.credits(record.credits, settings.credit_name),
    ))


async def void_command(update: Update, context: BotContext) -> None:
    """/void <record id> <reason>: admins only, and never without a reason."""
    if not await require_role(update, context, "admin"):
        return
    args = context.args or []
    record_id = parse_record_id(args[0]) if args else None
    if record_id is None:
        await update.message.reply_text(texts.VOID_USAGE)
        return
    reason = " ".join(args[1:]).strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        await update.message.reply_text(texts.VOID_NEEDS_REASON.format(id=record_id, limit=MAX_REASON_CHARS))
        return
    result = await credits.void_record(context.session, record_id, context.person.id, reason, context.services.now())
    if result.outcome is credits.Change.NOT_FOUND:
        await update.message.reply_text(texts.VOID_NOT_FOUND.format(id=record_id))
    elif result.outcome is credits.Change.ALREADY:
        await update.message.reply_text(
            texts.VOID_ALREADY.format(id=record_id, status=texts.STATUS_NAMES[result.record.status])
        )
    else:
        # The reason stays on the record (void_reason); the log says who voided what.
        await audit.record(context.session, context.person.id, "study.void", {
            "record": record_id, "person": result.owner.external_id,
        }, context.services.now())
        await context.session.commit()
        await _tell_void(update, context, result.record, result.owner, reason)


async def _tell_void(update: Update, context: BotContext, record: StudyRecord, owner: Person, reason: str) -> None:
    settings = context.services.config.study
    words = {
        "name": settings.activity_name(record.activity), "amount": texts.amount(record.amount, record.unit),
        "day": texts.day(record.study_date), "reason": reason,
    }
    await update.message.reply_text(texts.VOID_DONE.format(id=record.id, person=owner.name, **words))
    if owner.id != context.person.id:
        await _send(context, owner.chat_id, texts.VOID_TOLD.format(**words))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("void", void_command))
    app.add_handler(CallbackQueryHandler(on_review, pattern=rf"^{PREFIX}:"))
