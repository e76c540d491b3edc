"""/session 类型 [时长] [主题]: a supervisor or admin starts a collective session; 签到 records it
for each cadre at once, confirmed by the organiser; 结束 and 名单 are the organiser's.

Who is invited: an organiser's supervised units; an admin who supervises none invites every
unit. The organiser is never invited (they vouch for the others). In a group chat the
invitation is one message there, and the count and the list go to the organiser in private:
names and figures are never posted in a group.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from decimal import Decimal

from telegram import Bot, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.chat.ids import parse_id
from bot.config import ActivitySettings, Config
from bot.context import BotContext
from bot.scheduling import sessions as session_messages
from bot.study.input import StudyInputError, check_amount, match_activity, parse_amount
from bot.study.progress import local_today
from db import people, sessions
from db.models import StudySession
from handlers import session_makeup
from handlers.replies import tell

log = logging.getLogger(__name__)
ACTIONS = ("in", "end", "list", "mk")


async def start_session(update: Update, context: BotContext) -> None:
    person = context.person
    if person is None or not (person.has_role("supervisor") or person.has_role("admin")):
        await tell(update, texts.NOT_ALLOWED)
        return
    args = list(context.args or [])
    study = context.services.config.study
    if not args:
        await update.message.reply_text(texts.SESSION_USAGE)
        return
    match = match_activity(args[0], study.loggable)
    if match.activity is None:
        typed = args[0][:20]
        if match.closest:
            text = texts.SESSION_PICK_CLOSEST.format(text=typed, names="、".join(a.name for a in match.closest))
        else:
            text = texts.SESSION_PICK_UNKNOWN.format(text=typed, names="、".join(a.name for a in study.loggable))
        await update.message.reply_text(text)
        return
    activity = match.activity
    try:
        amount, topic = _amount_and_topic(args[1:], activity, study.session_amount(activity))
    except StudyInputError as error:
        problem = texts.study_problem(error, activity.name, activity.unit) if error.code != "amount_unreadable" else (
            texts.SESSION_AMOUNT_BAD.format(text=error.value))
        await update.message.reply_text(f"{problem}\n\n{texts.SESSION_USAGE}")
        return
    units = sorted(person.supervised_units) if person.has_role("supervisor") and person.supervised_units else None
    if units is None and not person.has_role("admin"):
        await update.message.reply_text(texts.SESSION_NOBODY)
        return
    chat = update.effective_chat
    in_group = chat.type != chat.PRIVATE
    now, config = context.services.now(), context.services.config
    row = await sessions.start(
        context.session, organiser=person, activity=activity.key, amount=amount, topic=topic, units=units,
        study_date=local_today(now, config.tz), now=now,
        closes_at=now + timedelta(minutes=study.sessions.window_minutes),
        group_chat_id=chat.id if in_group else None,
    )
    if row.expected == 0:
        await context.session.rollback()
        await update.message.reply_text(texts.SESSION_NOBODY)
        return
    # Committed before anything is sent: the invitations are delivery rows the scheduler sends.
    await context.session.commit()
    if in_group:
        await update.message.reply_text(
            session_messages.invite_text(config, row, person.name), reply_markup=session_messages.checkin_keyboard(row.id))
        await context.bot.send_message(person.chat_id, texts.SESSION_STARTED_GROUP.format(expected=row.expected))
        shown = await context.bot.send_message(
            person.chat_id, session_messages.control_text(config, row, 0), reply_markup=session_messages.control_markup(row))
    else:
        unbound = await sessions.unreachable(context.session, row)
        await update.message.reply_text(
            texts.SESSION_STARTED_UNBOUND.format(sent=row.expected - unbound, unbound=unbound) if unbound
            else texts.SESSION_STARTED_PRIVATE.format(expected=row.expected))
        shown = await update.message.reply_text(
            session_messages.control_text(config, row, 0), reply_markup=session_messages.control_markup(row))
    await sessions.set_control_message(context.session, row.id, shown.chat_id, shown.message_id)
    await context.session.commit()
    if not in_group:
        _send_soon(context)


def _amount_and_topic(words: list[str], activity: ActivitySettings, default: float) -> tuple[Decimal, str]:
    """`[时长] [主题…]`: the first word is the amount when it reads as one, else the topic starts."""
    amount = Decimal(str(default))
    if words:
        try:
            amount = parse_amount(words[0])
            words = words[1:]
        except StudyInputError as error:
            if error.code != "amount_unreadable" or words[0][:1].isdigit():
                raise
    check_amount(amount, activity)
    return amount, " ".join(words)[:100]


def _send_soon(context: BotContext) -> None:
    """Run a scheduler tick now rather than at the next interval: the invitations (or the
    report) are due at once. Harmless when a tick runs already (one at a time)."""
    queue, app = context.job_queue, context.application
    scheduler = getattr(app, "scheduler", None)
    if queue is not None and scheduler is not None:
        queue.run_once(scheduler.run_job, when=0, name="session-send")


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    parts = (query.data or "").split(":")
    session_id = parse_id(parts[2]) if len(parts) == 3 and parts[1] in ACTIONS else None
    person_id = context.person.id if context.person is not None else None
    row, checked_in = (
        await sessions.for_press(context.session, session_id, person_id) if session_id is not None else (None, False))
    if row is None:
        await query.answer(texts.SESSION_STALE, show_alert=True)
        return
    if parts[1] == "in":
        await _check_in(update, context, row, checked_in)
    elif parts[1] == "mk":
        await session_makeup.on_press(update, context, row)
    elif context.person is None or context.person.id != row.organiser_id:
        await query.answer(texts.SESSION_NOT_ORGANISER, show_alert=True)
    elif parts[1] == "end":
        await _end(update, context, row)
    else:
        await _list(update, context, row)


async def _check_in(update: Update, context: BotContext, row: StudySession, checked_in: bool) -> None:
    person, config = context.person, context.services.config
    activity = config.study.activity(row.activity)
    if person is None or not person.active:
        await tell(update, texts.SESSION_CHECKIN_UNKNOWN)
        return
    if activity is None:  # the activity left the config since the session began
        await tell(update, texts.SESSION_STALE)
        return
    now = context.services.now()
    async with sessions.checkin_turn(context.session):
        result = await sessions.check_in(context.session, row, person, activity, now, checked_in)
        await context.session.commit()  # the person's lock goes; the answer reports a saved check-in
    await tell(update, _checkin_answer(context, result, row, activity))
    if result.closed_now:
        _send_soon(context)
    if result.outcome is sessions.Checkin.CLOSED:
        await _offer_makeup(update, context, row)
    if result.outcome in (sessions.Checkin.SAVED, sessions.Checkin.ATTENDED):
        await _redraw_count(context, row)  # after the answer: the presser does not wait for it


async def _offer_makeup(update: Update, context: BotContext, row: StudySession) -> None:
    """The closed invitation (or the group's message) says so and shows 补学 instead of 签到."""
    message = update.callback_query.message
    if message is None:
        return
    organiser = await people.by_id(context.session, row.organiser_id)
    text = session_messages.invite_text(
        context.services.config, row, organiser.name if organiser else "", closed=True)
    try:
        await update.callback_query.edit_message_text(text, reply_markup=session_messages.makeup_keyboard(row.id))
    except TelegramError as error:  # already shown, or too old to edit: the button works anyway
        log.info("session %s: 补学 not offered on the message (%s)", row.id, error)


def _checkin_answer(context: BotContext, result: sessions.CheckinResult, row: StudySession, activity: ActivitySettings) -> str:
    study = context.services.config.study
    outcome = result.outcome
    if outcome is sessions.Checkin.SAVED:
        return texts.SESSION_CHECKED_IN.format(
            name=activity.name, amount=texts.amount(row.amount, activity.unit),
            credits=texts.credits(round(row.amount * activity.credits_per_unit, 2), study.credit_name))
    return {
        sessions.Checkin.ATTENDED: texts.SESSION_CHECKED_IN_CAPPED.format(name=activity.name, credit=study.credit_name),
        sessions.Checkin.ALREADY: texts.SESSION_CHECKIN_ALREADY,
        sessions.Checkin.CLOSED: texts.SESSION_CHECKIN_CLOSED.format(name=activity.name),
        sessions.Checkin.NOT_INVITED: texts.SESSION_CHECKIN_NOT_INVITED,
        sessions.Checkin.ORGANISER: texts.SESSION_CHECKIN_ORGANISER,
        sessions.Checkin.NOT_CADRE: texts.SESSION_CHECKIN_NOT_CADRE,
    }[outcome]


async def _redraw_count(context: BotContext, row: StudySession) -> None:
    """Edit the organiser's 已签到 count, at most every sessions.count_refresh_seconds. A press
    within that time counts nothing; it makes sure one redraw follows when the time is up
    (a job, so the last presses of a storm are shown too)."""
    if row.control_chat_id is None or row.control_message_id is None:
        return
    every, now = context.services.config.study.sessions.count_refresh_seconds, context.services.now()
    if not sessions.redraw_due(row, now, every):
        _redraw_later(context, row, now, every)
        return
    count = await sessions.count(context.session, row.id)
    if await sessions.claim_count_redraw(context.session, row, count, now, every):
        await context.session.commit()
        await _show_control(context, row, count)
    else:  # another press redrew a moment ago, perhaps before this one was counted
        _redraw_later(context, row, now, every)


def _redraw_later(context: BotContext, row: StudySession, now: datetime, every: float) -> None:
    queue = context.job_queue
    name = f"session-count-{row.id}"
    if queue is None or queue.get_jobs_by_name(name):
        return
    shown_at = row.count_shown_at or now
    wait = max(0.0, every - (now - shown_at).total_seconds()) + 0.05
    queue.run_once(_redraw_job, when=wait, data=row.id, name=name)


async def _redraw_job(context: BotContext) -> None:
    """The trailing redraw: outside any update, in a session of its own. It runs until the
    count shown is the count saved, so the last press of a storm is never left off."""
    services = context.application.services  # type: ignore[attr-defined]
    every, now = services.config.study.sessions.count_refresh_seconds, services.now()
    async with services.db.session() as session:
        row = await sessions.by_id(session, int(context.job.data))  # type: ignore[union-attr,arg-type]
        if row is None or row.ended_at is not None:
            return
        count = await sessions.count(session, row.id)
        if row.count_shown == count:
            return  # the figure shown is the figure: nothing trails
        if not await sessions.claim_count_redraw(session, row, count, now, every):
            _redraw_later(context, row, now, every)  # redrawn just now by a press: look again
            return
        await session.commit()
    await _show_control_with(context.bot, services.config, row, count)


async def _show_control(context: BotContext, row: StudySession, count: int) -> None:
    await _show_control_with(context.bot, context.services.config, row, count)


async def _show_control_with(bot: Bot, config: Config, row: StudySession, count: int) -> None:
    if row.control_chat_id is None or row.control_message_id is None:
        return
    try:
        await bot.edit_message_text(
            session_messages.control_text(config, row, count), chat_id=row.control_chat_id,
            message_id=row.control_message_id, reply_markup=session_messages.control_markup(row))
    except TelegramError as error:  # not modified, or deleted: the figure is in 名单 anyway
        log.info("session %s: count not redrawn (%s)", row.id, error)


async def _end(update: Update, context: BotContext, row: StudySession) -> None:
    query, now = update.callback_query, context.services.now()
    if row.ended_at is not None:
        await query.answer(texts.SESSION_ENDED_ALREADY, show_alert=True)
        return
    if now >= row.closes_at:
        if await sessions.close_if_due(context.session, row, now):
            await context.session.commit()
            _send_soon(context)
        await query.answer(texts.SESSION_WINDOW_PAST, show_alert=True)
        return
    if not await sessions.end(context.session, row, now):
        await query.answer(texts.SESSION_ENDED_ALREADY, show_alert=True)
        return
    await context.session.commit()
    await query.answer()
    count = await sessions.count(context.session, row.id)
    await _show_control(context, row, count)
    report = await session_messages.report_text(context.session, context.services.config, row, now)
    await context.bot.send_message(query.message.chat_id if query.message else context.person.chat_id, report)


async def _list(update: Update, context: BotContext, row: StudySession) -> None:
    query, now = update.callback_query, context.services.now()
    if await sessions.close_if_due(context.session, row, now):
        await context.session.commit()
        _send_soon(context)  # the end report goes out as its delivery; this is the list asked for
    await query.answer()
    report = await session_messages.report_text(context.session, context.services.config, row, now)
    await context.bot.send_message(query.message.chat_id if query.message else context.person.chat_id, report)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("session", start_session))
    app.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{session_messages.PREFIX}:"))
    session_makeup.register(app)
