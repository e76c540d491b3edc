"""谈心谈话 in the chat: the supervisor's prompt buttons (已谈, 推迟, 查看记录), private notes,
and a cadre asking for a talk with /talk. Notes are shown only to the supervisor who wrote them."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application, CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters,
)
from telegram.warnings import PTBUserWarning

from bot import texts
from bot.context import BotContext
from bot.progress import local_today
from bot.talk_prompts import CALLBACK, log_button, prompt_buttons
from db import people, talks
from db.models import Person
from handlers.ask import answer_question

NOTES = 1
MAX_NOTES = 2000
MAX_TOPIC = 200
NOTES_WINDOW = timedelta(minutes=30)


async def _cadre_for(update: Update, context: BotContext) -> Person | None:
    """The cadre a button names, if the presser supervises them; otherwise a polite refusal."""
    parts = (update.callback_query.data or "").split(":")
    cadre = await people.by_id(context.session, int(parts[2])) if len(parts) == 3 and parts[2].isdigit() else None
    if cadre is None or context.person is None or not people.supervises(context.person, cadre):
        await update.callback_query.answer(texts.NOT_ALLOWED, show_alert=True)
        return None
    return cadre


async def on_done(update: Update, context: BotContext) -> int:
    cadre = await _cadre_for(update, context)
    if cadre is None:
        return ConversationHandler.END
    today = local_today(context.services.now(), context.services.config.tz)
    talk = await talks.record_talk(context.session, context.person.id, cadre.id, today, context.services.now())
    await context.session.commit()
    context.user_data["talk_id"] = talk.id
    context.user_data["talk_notes_asked"] = context.services.now()
    await update.callback_query.answer(texts.TALK_RECORDED_SHORT)
    await update.callback_query.edit_message_reply_markup(reply_markup=log_button(cadre.id))
    await update.effective_message.reply_text(
        texts.TALK_RECORDED.format(name=cadre.name, day=f"{today.month}月{today.day}日"),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(texts.TALK_SKIP_NOTES, callback_data=f"{CALLBACK}:skip")]]),
    )
    return NOTES


async def on_notes(update: Update, context: BotContext) -> int:
    talk_id = context.user_data.pop("talk_id", None)
    asked = context.user_data.pop("talk_notes_asked", None)
    notes = (update.message.text or "").strip()
    if talk_id is None or asked is None or context.services.now() - asked > NOTES_WINDOW:
        # Long after the prompt, a message is a new question, not private notes.
        await answer_question(update, context, update.message.text or "")
        return ConversationHandler.END
    if len(notes) > MAX_NOTES:
        context.user_data.update(talk_id=talk_id, talk_notes_asked=asked)
        await update.message.reply_text(texts.TALK_NOTES_TOO_LONG.format(limit=MAX_NOTES))
        return NOTES
    await talks.add_notes(context.session, talk_id, context.person.id, notes)
    await update.message.reply_text(texts.TALK_NOTES_SAVED)
    return ConversationHandler.END


async def on_skip_notes(update: Update, context: BotContext) -> int:
    context.user_data.pop("talk_id", None)
    await update.callback_query.answer(texts.TALK_NOTES_SKIPPED)
    await update.callback_query.edit_message_reply_markup(reply_markup=None)
    return ConversationHandler.END


async def cancel_notes(update: Update, context: BotContext) -> int:
    context.user_data.pop("talk_id", None)
    await update.message.reply_text(texts.CANCELLED)
    return ConversationHandler.END


async def on_later(update: Update, context: BotContext) -> None:
    cadre = await _cadre_for(update, context)
    if cadre is None:
        return
    days = context.services.config.talks.postpone_days
    until = local_today(context.services.now(), context.services.config.tz) + timedelta(days=days)
    await talks.postpone(context.session, context.person.id, cadre.id, until)
    await update.callback_query.answer(texts.TALK_POSTPONED_SHORT)
    await update.callback_query.edit_message_reply_markup(reply_markup=log_button(cadre.id))
    await update.effective_message.reply_text(texts.TALK_POSTPONED.format(name=cadre.name, day=f"{until.month}月{until.day}日"))


async def on_log(update: Update, context: BotContext) -> None:
    cadre = await _cadre_for(update, context)
    if cadre is None:
        return
    await update.callback_query.answer()
    history = await talks.history_for_supervisor(context.session, context.person.id, cadre.id)
    if not history:
        await update.effective_message.reply_text(texts.TALK_LOG_EMPTY.format(name=cadre.name))
        return
    lines = [texts.TALK_LOG_HEADER.format(name=cadre.name)]
    for view in history[:20]:
        lines.append(f"• {view.held_on:%Y-%m-%d} {view.supervisor_name}")
        if view.notes:
            lines.append(texts.TALK_LOG_NOTES.format(notes=view.notes))
    await update.effective_message.reply_text("\n".join(lines)[:4000])


async def talk_command(update: Update, context: BotContext) -> None:
    """A cadre asks for a talk; every supervisor of their unit is told at once."""
    person = context.person
    topic = " ".join(context.args or []).strip()
    if not person.has_role("cadre"):
        await update.message.reply_text(texts.NOT_ALLOWED)
        return
    if not topic:
        await update.message.reply_text(texts.TALK_REQUEST_USAGE)
        return
    if len(topic) > MAX_TOPIC:
        await update.message.reply_text(texts.TALK_TOPIC_TOO_LONG.format(limit=MAX_TOPIC))
        return
    await talks.request_talk(context.session, person.id, topic, context.services.now())
    await context.session.commit()
    supervisors = [s for s in await people.supervisors_of(context.session, person) if s.chat_id and s.reachable]
    for supervisor in supervisors:
        await context.bot.send_message(
            supervisor.chat_id, texts.TALK_REQUEST_TO_SUPERVISOR.format(name=person.name, unit=person.unit, topic=topic),
            reply_markup=prompt_buttons(person.id),
        )
    reply = texts.TALK_REQUEST_SENT if supervisors else texts.TALK_REQUEST_NO_SUPERVISOR
    await update.message.reply_text(reply.format(topic=topic))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("talk", talk_command))
    with warnings.catch_warnings():
        # per_message=False on purpose: the notes arrive as a message, not a button press.
        warnings.filterwarnings("ignore", message=r".*CallbackQueryHandler", category=PTBUserWarning)
        app.add_handler(ConversationHandler(
            entry_points=[CallbackQueryHandler(on_done, pattern=rf"^{CALLBACK}:done:")],
            states={
                NOTES: [
                    MessageHandler(filters.TEXT & ~filters.COMMAND, on_notes),
                    CallbackQueryHandler(on_skip_notes, pattern=rf"^{CALLBACK}:skip$"),
                ],
            },
            fallbacks=[CommandHandler("cancel", cancel_notes)],
            allow_reentry=True,
        ))
    app.add_handler(CallbackQueryHandler(on_later, pattern=rf"^{CALLBACK}:later:"))
    app.add_handler(CallbackQueryHandler(on_log, pattern=rf"^{CALLBACK}:log:"))
