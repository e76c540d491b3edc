"""谈心谈话 in the chat: the supervisor's prompt buttons (已谈, 推迟, 查看记录), private notes,
and a cadre asking for a talk with /talk. Notes are shown only to the supervisor who wrote them.

The notes step after 已谈 and the /talk topic step are flows kept in the database
(bot/flows.py), so they continue after a restart. Text typed in them is never a question:
notes that arrive after the notes step closed are refused and not logged anywhere (the
supervisor is told how to add them), unless the text is clearly a question the knowledge base
answers. Notes are encrypted by db/talks.py; messages that show them are protected from
forwarding and saving. Callback data: tk:done|later|log:<cadre id>, tk:skip, tk:notes:<talk id>.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import flows, texts
from bot.context import BotContext
from bot.ids import parse_id
from bot.progress import local_today
from bot.study_input import parse_record_id
from bot.talk_prompts import CALLBACK, log_button, prompt_buttons
from db import people, talks
from db.models import FlowState, Person, Talk
from db.notes_crypto import KEY_ENV
from handlers.ask import answer_question

log = logging.getLogger(__name__)

MAX_NOTES = 2000
MAX_TOPIC = 200

NOTES_FLOW = flows.define(flows.FlowSpec(
    name="talk_notes",
    lifetime=lambda settings: timedelta(minutes=settings.notes_minutes),
    # No "dropped" message: late notes are answered by on_notes_text, for this long.
    keep=lambda settings: timedelta(hours=settings.late_notes_hours),
))
TOPIC_FLOW = flows.define(flows.FlowSpec(
    name="talk_topic",
    lifetime=lambda settings: timedelta(minutes=settings.timeout_minutes),
    dropped=lambda settings: texts.TALK_TOPIC_DROPPED.format(minutes=settings.timeout_minutes),
    keep=lambda _: flows.TELL_DROPPED_WITHIN,
))


async def _cadre_for(update: Update, context: BotContext) -> Person | None:
    """The cadre a button names, if the presser supervises them; otherwise a polite refusal."""
    parts = (update.callback_query.data or "").split(":")
    cadre_id = parse_id(parts[2]) if len(parts) == 3 else None
    cadre = await people.by_id(context.session, cadre_id) if cadre_id is not None else None
    if cadre is None or context.person is None or not people.supervises(context.person, cadre):
        await update.callback_query.answer(texts.NOT_ALLOWED, show_alert=True)
        return None
    return cadre


def _day(talk: Talk) -> str:
    return f"{talk.held_on.month}月{talk.held_on.day}日"


def _skip_button() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.TALK_SKIP_NOTES, callback_data=f"{CALLBACK}:skip")]])


def _add_notes_button(talk_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.TALK_ADD_NOTES, callback_data=f"{CALLBACK}:notes:{talk_id}"),
    ]])


async def _ask_for_notes(context: BotContext, talk: Talk) -> None:
    await flows.start(context, NOTES_FLOW, "notes", {"talk_id": talk.id, "cadre_id": talk.cadre_id})


# --- 已谈 and the notes step ---------------------------------------------------------------


async def on_done(update: Update, context: BotContext) -> None:
    cadre = await _cadre_for(update, context)
    if cadre is None:
        return
    today = local_today(context.services.now(), context.services.config.tz)
    talk = await talks.record_talk(context.session, context.person.id, cadre.id, today, context.services.now())
    # The notes step opens in the talk's own transaction: no recorded talk without it, so
    # notes typed next can never be taken for a question.
    await _ask_for_notes(context, talk)
    await context.session.commit()
    await update.callback_query.answer(texts.TALK_RECORDED_SHORT)
    await update.callback_query.edit_message_reply_markup(reply_markup=log_button(cadre.id))
    await update.effective_message.reply_text(
        texts.TALK_RECORDED.format(name=cadre.name, day=_day(talk)), reply_markup=_skip_button(),
    )


async def on_notes_text(update: Update, context: BotContext) -> None:
    """Text while the notes step is open is the notes; after it closed, late notes."""
    state = flows.state_of(context, NOTES_FLOW.name)
    assert state is not None  # the InFlow filter routed it here
    text = (update.message.text or "").strip()
    if not flows.is_open(context, state):
        await _late_notes(update, context, state, text)
        return
    if len(text) > MAX_NOTES:
        await update.message.reply_text(texts.TALK_NOTES_TOO_LONG.format(limit=MAX_NOTES))
        return
    cipher, talk_id = context.services.notes, int(state.data["talk_id"])
    if cipher is None:
        # The step stays open: whatever else is typed in it is refused the same way.
        log.error("talk notes of talk %s not saved: %s is not set (see README: the notes key)", talk_id, KEY_ENV)
        await update.message.reply_text(texts.TALK_NOTES_NO_KEY, reply_markup=_add_notes_button(talk_id))
        return
    saved = await talks.add_notes(context.session, talk_id, context.person.id, text, cipher)
    await flows.finish(context, NOTES_FLOW.name)
    await update.message.reply_text(texts.TALK_NOTES_SAVED if saved else texts.TALK_NOTES_TALK_GONE)


async def _late_notes(update: Update, context: BotContext, state: FlowState, text: str) -> None:
    """After the notes step closed: a question the knowledge base answers outright is
    answered; anything else is taken for notes that came too late, not saved and not logged."""
    if flows.is_clearly_a_question(text) and context.services.knowledge.match(text).outcome == "answer":
        await answer_question(update, context, text)
        return
    cadre = await people.by_id(context.session, int(state.data["cadre_id"]))
    await update.message.reply_text(
        texts.TALK_NOTES_LATE.format(
            name=cadre.name if cadre else "—", minutes=context.services.config.conversations.notes_minutes,
        ),
        reply_markup=_add_notes_button(int(state.data["talk_id"])),
    )


async def on_skip_notes(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if not await flows.finish(context, NOTES_FLOW.name):
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer(texts.TALK_NOTES_SKIPPED)
    await query.edit_message_reply_markup(reply_markup=None)


async def on_add_notes(update: Update, context: BotContext) -> None:
    """补写记录 (tk:notes:<talk id>): the notes step again, for a talk the presser recorded."""
    query = update.callback_query
    talk_id = parse_record_id((query.data or "").split(":", 2)[-1])
    talk = await talks.own_talk(context.session, talk_id, context.person.id) if talk_id and context.person else None
    cadre = await people.by_id(context.session, talk.cadre_id) if talk is not None else None
    if talk is None or cadre is None:
        await query.answer(texts.NOT_ALLOWED, show_alert=True)
        return
    await _ask_for_notes(context, talk)
    await query.answer()
    await update.effective_message.reply_text(
        texts.TALK_NOTES_ASK_AGAIN.format(name=cadre.name, day=_day(talk)), reply_markup=_skip_button(),
    )


# --- 推迟 and 查看记录 ---------------------------------------------------------------------


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
    history = await talks.history_for_supervisor(context.session, context.person.id, cadre.id, context.services.notes)
    if not history:
        await update.effective_message.reply_text(texts.TALK_LOG_EMPTY.format(name=cadre.name))
        return
    lines = [texts.TALK_LOG_HEADER.format(name=cadre.name)]
    for view in history[:20]:
        lines.append(f"• {view.held_on:%Y-%m-%d} {view.supervisor_name}")
        if view.notes:
            lines.append(texts.TALK_LOG_NOTES.format(notes=view.notes))
        elif view.unreadable:
            lines.append(texts.TALK_LOG_NOTES_UNREADABLE)
    newest_own = next((view for view in history if view.own), None)
    await update.effective_message.reply_text(
        "\n".join(lines)[:4000], protect_content=True,
        reply_markup=_add_notes_button(newest_own.talk_id) if newest_own is not None else None,
    )


# --- /talk: a cadre asks for a talk ------------------------------------------------------------


async def talk_command(update: Update, context: BotContext) -> None:
    """A cadre asks for a talk; every supervisor of their unit is told at once. Without a
    topic, the topic is asked for (and the next text is the topic, never a question)."""
    topic = " ".join(context.args or []).strip()
    if not context.person.has_role("cadre"):
        await update.message.reply_text(texts.NOT_ALLOWED)
        return
    if not topic:
        await flows.start(context, TOPIC_FLOW, "topic", {})
        await update.message.reply_text(texts.TALK_ASK_TOPIC.format(limit=MAX_TOPIC))
        return
    await _request_talk(update, context, topic)


async def on_topic_text(update: Update, context: BotContext) -> None:
    await _request_talk(update, context, (update.message.text or "").strip())


async def _request_talk(update: Update, context: BotContext, topic: str) -> None:
    person = context.person
    if len(topic) > MAX_TOPIC:
        await update.message.reply_text(texts.TALK_TOPIC_TOO_LONG.format(limit=MAX_TOPIC))
        return
    await talks.request_talk(context.session, person.id, topic, context.services.now())
    await flows.finish(context, TOPIC_FLOW.name)
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
    """Before ask's plain text: text in an open notes or topic step belongs to it."""
    typed = filters.TEXT & ~filters.COMMAND
    app.add_handler(CommandHandler("talk", talk_command))
    app.add_handler(MessageHandler(typed & flows.InFlow(NOTES_FLOW.name), on_notes_text))
    app.add_handler(MessageHandler(typed & flows.InFlow(TOPIC_FLOW.name), on_topic_text))
    app.add_handler(CallbackQueryHandler(on_done, pattern=rf"^{CALLBACK}:done:"))
    app.add_handler(CallbackQueryHandler(on_skip_notes, pattern=rf"^{CALLBACK}:skip$"))
    app.add_handler(CallbackQueryHandler(on_add_notes, pattern=rf"^{CALLBACK}:notes:"))
    app.add_handler(CallbackQueryHandler(on_later, pattern=rf"^{CALLBACK}:later:"))
    app.add_handler(CallbackQueryHandler(on_log, pattern=rf"^{CALLBACK}:log:"))
