"""补学 for a collective session one missed: after the 签到 window, the cadre presses 补学
(`ss:mk:<id>`, on the closed invitation or the group's message), writes what they did in a
note flow kept in the database ("session_makeup"), and a PENDING record of the session's
activity, amount and day waits for confirmation (通过/退回, handlers/study_review.py).

Who is asked: the organiser, when people.may_confirm lets them decide on the cadre's records
(a supervisor of the unit; an admin while the unit has none who can be asked), so the one who
ran the session vouches for the make-up; otherwise the usual confirmers (study_review). Once
per person and session (the record's token `ss<id>-m<person>`); whoever checked in cannot.
/study of the same activity by hand stays as configured: nothing here changes it.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, MessageHandler, filters

from bot import texts
from bot.chat import flows
from bot.context import BotContext
from bot.scheduling import review_prompts
from bot.study.progress import local_today
from db import credits, people, sessions
from db.models import Person, StudyRecord, StudySession
from handlers.replies import tell
from handlers.study_review import ask_confirmers

log = logging.getLogger(__name__)

NOTE_FLOW = flows.define_step("session_makeup", texts.SESSION_MAKEUP_DROPPED)


def _refusal(check: sessions.MakeupCheck) -> str:
    return {
        sessions.Makeup.STILL_OPEN: texts.SESSION_MAKEUP_STILL_OPEN,
        sessions.Makeup.CHECKED_IN: texts.SESSION_MAKEUP_CHECKED_IN,
        sessions.Makeup.ALREADY: texts.SESSION_MAKEUP_ALREADY.format(id=check.record_id),
        sessions.Makeup.NOT_INVITED: texts.SESSION_CHECKIN_NOT_INVITED,
        sessions.Makeup.ORGANISER: texts.SESSION_CHECKIN_ORGANISER,
        sessions.Makeup.NOT_CADRE: texts.SESSION_CHECKIN_NOT_CADRE,
    }[check.outcome]


def _limit(context: BotContext) -> int:
    return context.services.config.study.max_note_chars


async def on_press(update: Update, context: BotContext, row: StudySession) -> None:
    """补学 pressed: ask for the note (in private, wherever it was pressed)."""
    person, config = context.person, context.services.config
    activity = config.study.activity(row.activity)
    if person is None or not person.active:
        await tell(update, texts.SESSION_CHECKIN_UNKNOWN)
        return
    if activity is None:
        await tell(update, texts.SESSION_STALE)
        return
    check = await sessions.makeup_check(context.session, row, person, context.services.now())
    if check.outcome is not sessions.Makeup.OPEN:
        await tell(update, _refusal(check))
        return
    await flows.start(context, NOTE_FLOW, "note", {"session_id": row.id})
    in_private = update.effective_chat is not None and update.effective_chat.id == person.chat_id
    await update.callback_query.answer(None if in_private else texts.SESSION_MAKEUP_ASKED_PRIVATE,
                                       show_alert=not in_private)
    if person.chat_id is not None:
        await context.bot.send_message(person.chat_id, _ask_text(context, row))


def _ask_text(context: BotContext, row: StudySession) -> str:
    config = context.services.config
    return texts.SESSION_MAKEUP_ASK.format(
        name=config.study.activity_name(row.activity),
        topic=texts.SESSION_INVITE_TOPIC.format(topic=row.topic) if row.topic else "",
        day=texts.day(row.study_date, local_today(context.services.now(), config.tz)), limit=_limit(context),
    )


async def on_note_text(update: Update, context: BotContext) -> None:
    """The note: checked, then the PENDING record and the confirmer's prompt."""
    state = flows.state_of(context, NOTE_FLOW.name)
    assert state is not None and context.person is not None  # the InFlow filter routed it here
    note = " ".join((update.message.text or "").split())
    if sum(ch.isalnum() for ch in note) < 2:  # empty, emoji or punctuation only: say what to write
        await update.message.reply_text(texts.SESSION_MAKEUP_EMPTY.format(limit=_limit(context)))
        return
    if len(note) > _limit(context):
        await update.message.reply_text(texts.SESSION_MAKEUP_TOO_LONG.format(limit=_limit(context), count=len(note)))
        return
    await flows.finish(context, NOTE_FLOW.name)
    row = await sessions.by_id(context.session, int(state.data.get("session_id", 0)))
    config, now, person = context.services.config, context.services.now(), context.person
    activity = config.study.activity(row.activity) if row is not None else None
    if row is None or activity is None:
        await update.message.reply_text(texts.SESSION_STALE)
        return
    check = await sessions.makeup_check(context.session, row, person, now)  # again: a second instance, a 签到 meanwhile
    if check.outcome is not sessions.Makeup.OPEN:
        await update.message.reply_text(_refusal(check))
        return
    result = await sessions.log_makeup(
        context.session, row, person, activity, _record_note(context, row, note), now, check.attempt)
    await context.session.commit()  # the reply reports a saved record; the person's lock goes
    if result.outcome is credits.LogOutcome.OVER_CAP:
        await update.message.reply_text(texts.SESSION_MAKEUP_CAPPED.format(name=activity.name))
        return
    record = result.record
    assert record is not None
    if result.outcome is credits.LogOutcome.DUPLICATE:
        await update.message.reply_text(texts.SESSION_MAKEUP_ALREADY.format(id=record.id))
        return
    routing = await _ask_organiser(context, row, person, record) or await ask_confirmers(context, person, record)
    await update.message.reply_text(texts.SESSION_MAKEUP_SENT.format(
        name=activity.name, amount=texts.amount(record.amount, record.unit),
        credits=texts.credits(record.credits, config.study.credit_name), routing=routing,
    ))


def _record_note(context: BotContext, row: StudySession, note: str) -> str:
    config = context.services.config
    return texts.SESSION_MAKEUP_NOTE.format(
        name=config.study.activity_name(row.activity),
        topic=texts.SESSION_INVITE_TOPIC.format(topic=row.topic) if row.topic else "",
        day=texts.day(row.study_date), note=note,
    )[:500]


async def _ask_organiser(context: BotContext, row: StudySession, owner: Person, record: StudyRecord) -> str | None:
    """The prompt to the organiser when they may decide; the cadre's routing line, or None
    when the organiser cannot be asked (then the usual confirmers are)."""
    organiser = await people.by_id(context.session, row.organiser_id)
    if organiser is None or not people.can_be_asked(organiser):
        return None
    if not await people.may_confirm(context.session, organiser, owner):
        return None
    config = context.services.config
    by_admins = not people.supervises(organiser, owner)
    try:
        await context.bot.send_message(
            organiser.chat_id, review_prompts.record_prompt(config, record, owner, by_admins),
            reply_markup=review_prompts.record_buttons(record.id))
    except Forbidden:
        organiser.reachable = False
        await context.session.flush()
        return None
    except TelegramError as error:
        log.warning("session %s: the organiser's 补学 prompt failed (%s)", row.id, error)
        return None
    return texts.ROUTED["supervisors"].format(names=organiser.name, verb=texts.ROUTED_VERB_CONFIRM, id=record.id)


def register(app: Application) -> None:  # type: ignore[type-arg]
    typed = filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & flows.InFlow(NOTE_FLOW.name)
    app.add_handler(MessageHandler(typed, on_note_text))

