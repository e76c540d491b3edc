"""谈心谈话 in the chat: the supervisor's prompt buttons (已谈, 推迟, 查看记录), which day a talk
was held, 撤销, private notes, /talks (a supervisor's pairs), and a cadre asking for a talk
with /talk. Notes are shown only to the supervisor who wrote them.

The day step after 已谈, the notes step after it and the /talk topic step are flows kept in
the database (bot/chat/flows.py), so they continue after a restart. Text typed in them is never a
question, except a day step's text that is no date and clearly asks something: notes that
arrive after the notes step closed are refused and not logged anywhere (the supervisor is told
how to add them), unless the text is clearly a question the knowledge base answers. Notes are
encrypted by db/talks.py; messages that show them are protected from forwarding and saving.

Callback data: tk:done:<cadre id>[:d<delivery id>|r<request id>] (the prompt it came with, so
one prompt records one talk), tk:later|log:<cadre id>, tk:day:<cadre id>:<0 today|1 yesterday>,
tk:pick:<cadre id>, tk:undo:<talk id>:<postponement to restore, yyyymmdd, or 0>, tk:skip,
tk:notes:<talk id>, tk:list:<page>.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import texts
from bot.chat import flows
from bot.context import BotContext
from bot.chat.ids import parse_id, parse_natural
from bot.study.progress import local_today
from bot.study.input import StudyInputError, parse_date, parse_record_id
from bot.scheduling.talk_prompts import CALLBACK, FROM_PROMPT, FROM_REQUEST, due_date, log_button, parse_source, prompt_buttons
from db import people, talks
from db.models import FlowState, Person, Talk
from db.notes_crypto import KEY_ENV
from handlers.access import require_role
from handlers.ask import answer_question

log = logging.getLogger(__name__)

MAX_NOTES = 2000
MAX_TOPIC = 200
# A talk recorded by mistake (wrong person, wrong day) can be taken back this long.
UNDO_HOURS = 24
# 已谈 with a chosen date reaches back at most this far: older is a typing slip, not a talk
# whose date matters to the cadence any more.
MAX_BACKDATE_DAYS = 366
TALKS_PAGE_SIZE = 10

NOTES_FLOW = flows.define(flows.FlowSpec(
    name="talk_notes",
    lifetime=lambda settings: timedelta(minutes=settings.notes_minutes),
    # No "dropped" message: late notes are answered by on_notes_text, for this long.
    keep=lambda settings: timedelta(hours=settings.late_notes_hours),
))
DAY_FLOW = flows.define_step("talk_day", texts.TALK_DAY_DROPPED)
TOPIC_FLOW = flows.define_step("talk_topic", texts.TALK_TOPIC_DROPPED)


def _parts(update: Update) -> list[str]:
    return (update.callback_query.data or "").split(":")


async def _cadre_for(update: Update, context: BotContext) -> Person | None:
    """The cadre a button names (tk:<action>:<cadre id>[:<more>]), if the presser supervises
    them; otherwise a polite refusal that says nothing about the cadre."""
    parts = _parts(update)
    cadre_id = parse_id(parts[2]) if len(parts) in (3, 4) else None
    cadre = await people.by_id(context.session, cadre_id) if cadre_id is not None else None
    if cadre is None or context.person is None or not people.supervises(context.person, cadre):
        await update.callback_query.answer(texts.NOT_ALLOWED, show_alert=True)
        return None
    return cadre


def _day(talk: Talk, context: BotContext) -> str:
    return _md(talk.held_on, _today(context))


def _md(day: date, today: date | None = None) -> str:
    """11月20日; with the year when it is not this year's."""
    year = f"{day.year}年" if today is not None and day.year != today.year else ""
    return f"{year}{day.month}月{day.day}日"


def _today(context: BotContext) -> date:
    return local_today(context.services.now(), context.services.config.tz)


def _skip_button() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.TALK_SKIP_NOTES, callback_data=f"{CALLBACK}:skip")]])


def _recorded_buttons(talk_id: int, cleared: date | None) -> InlineKeyboardMarkup:
    """跳过 (the notes) and 撤销; 撤销 carries the postponement the talk ended, to put back."""
    restore = f"{cleared:%Y%m%d}" if cleared is not None else "0"
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.TALK_SKIP_NOTES, callback_data=f"{CALLBACK}:skip"),
        InlineKeyboardButton(texts.TALK_UNDO, callback_data=f"{CALLBACK}:undo:{talk_id}:{restore}"),
    ]])


def _day_buttons(cadre_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.TALK_DAY_TODAY, callback_data=f"{CALLBACK}:day:{cadre_id}:0"),
        InlineKeyboardButton(texts.TALK_DAY_YESTERDAY, callback_data=f"{CALLBACK}:day:{cadre_id}:1"),
        InlineKeyboardButton(texts.TALK_DAY_PICK, callback_data=f"{CALLBACK}:pick:{cadre_id}"),
    ]])


def _add_notes_button(talk_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.TALK_ADD_NOTES, callback_data=f"{CALLBACK}:notes:{talk_id}"),
    ]])


async def _ask_for_notes(context: BotContext, talk: Talk) -> None:
    await flows.start(context, NOTES_FLOW, "notes", {"talk_id": talk.id, "cadre_id": talk.cadre_id})


# --- 已谈: which day, recorded once, and 撤销 ---------------------------------------------------


async def on_done(update: Update, context: BotContext) -> None:
    """已谈 asks which day. A prompt that has recorded its talk already (a retried or second
    press) records nothing and says so; the day step remembers the prompt's time for that."""
    cadre = await _cadre_for(update, context)
    if cadre is None:
        return
    query, parts, now = update.callback_query, _parts(update), context.services.now()
    since: datetime | None = None
    if len(parts) == 4:
        since = await _source_time(context, cadre, parts[3])
        if since is None:
            await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
            return
        earlier = await talks.talk_since(context.session, context.person.id, cadre.id, since)
        if earlier is not None:
            await query.answer()
            await _tell_recorded_before(update, context, cadre, earlier)
            return
    message = update.effective_message
    await flows.start(context, DAY_FLOW, "day", {
        "cadre_id": cadre.id, "since": (since or now).isoformat(),
        "chat_id": message.chat_id if message else None, "message_id": message.message_id if message else None,
    })
    await query.answer()
    await update.effective_message.reply_text(
        texts.TALK_DAY_ASK.format(name=cadre.name), reply_markup=_day_buttons(cadre.id),
    )


async def _tell_recorded_before(update: Update, context: BotContext, cadre: Person, talk: Talk) -> None:
    await update.effective_message.reply_text(
        texts.TALK_ALREADY_RECORDED.format(name=cadre.name, day=_day(talk, context)), reply_markup=log_button(cadre.id),
    )


async def _source_time(context: BotContext, cadre: Person, text: str) -> datetime | None:
    """When the prompt a 已谈 button came with was made: its delivery to this supervisor about
    this cadre, or the cadre's /talk request. None for anything forged or not theirs."""
    source = parse_source(text)
    if source is None:
        return None
    kind, number = source
    if kind == FROM_PROMPT:
        return await talks.prompt_time(context.session, context.person.id, cadre.id, number)
    assert kind == FROM_REQUEST
    return await talks.request_time(context.session, cadre.id, number)


def _day_state(context: BotContext, cadre_id: int) -> FlowState | None:
    state = flows.state_of(context, DAY_FLOW.name)
    return state if state is not None and state.data.get("cadre_id") == cadre_id else None


async def on_day(update: Update, context: BotContext) -> None:
    """今天 / 昨天 (tk:day:<cadre id>:<days back>)."""
    cadre = await _cadre_for(update, context)
    if cadre is None:
        return
    query, parts = update.callback_query, _parts(update)
    back = parse_natural(parts[3], digits=1) if len(parts) == 4 else None
    state = _day_state(context, cadre.id)
    if back not in (0, 1) or state is None:
        await query.answer(texts.TALK_DAY_STALE, show_alert=True)
        return
    today = _today(context)
    held_on = today - timedelta(days=back or 0)
    problem = _day_problem(context, cadre, held_on, today)
    if problem is not None:
        await query.answer(problem[:200], show_alert=True)  # the step stays: 今天 or a typed date will do
        return
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await _record(update, context, cadre, state, held_on)


async def on_pick(update: Update, context: BotContext) -> None:
    """选择日期: the next text is the day, read as /study reads dates."""
    cadre = await _cadre_for(update, context)
    if cadre is None:
        return
    query, state = update.callback_query, _day_state(context, cadre.id)
    if state is None:
        await query.answer(texts.TALK_DAY_STALE, show_alert=True)
        return
    await flows.advance(context, DAY_FLOW, "date", dict(state.data))
    await query.answer()
    await query.edit_message_reply_markup(reply_markup=None)
    await update.effective_message.reply_text(texts.TALK_DAY_TYPE)


async def on_day_text(update: Update, context: BotContext) -> None:
    """A typed day while the day step is open: a date, or (if clearly one) a question."""
    state = flows.state_of(context, DAY_FLOW.name)
    assert state is not None  # the InFlow filter routed it here
    text = (update.message.text or "").strip()
    cadre = await people.by_id(context.session, int(state.data["cadre_id"]))
    if cadre is None or not people.supervises(context.person, cadre):
        await flows.finish(context, DAY_FLOW.name)
        await update.message.reply_text(texts.NOT_ALLOWED)
        return
    today = _today(context)
    try:
        held_on = parse_date(text, today)
    except StudyInputError:
        if flows.is_clearly_a_question(text):
            await answer_question(update, context, text)
            await update.message.reply_text(texts.TALK_DAY_TYPE)
        else:
            await update.message.reply_text(texts.TALK_DAY_UNREADABLE)
        return
    problem = _day_problem(context, cadre, held_on, today)
    if problem is not None:
        await update.message.reply_text(problem)
        return
    await _record(update, context, cadre, state, held_on)


def _day_problem(context: BotContext, cadre: Person, held_on: date, today: date) -> str | None:
    """Why a talk cannot have been held that day: in the future, before the pair began (both
    on the roster), or more than MAX_BACKDATE_DAYS ago."""
    if held_on > today:
        return texts.TALK_DAY_FUTURE.format(today=_md(today))
    tz = context.services.config.tz
    began = max(cadre.created_at.astimezone(tz).date(), context.person.created_at.astimezone(tz).date())
    oldest = today - timedelta(days=MAX_BACKDATE_DAYS)
    if held_on < oldest and oldest >= began:
        return texts.TALK_DAY_TOO_EARLY.format(earliest=_md(oldest, today), why=texts.TALK_DAY_TOO_OLD)
    if held_on < began:
        return texts.TALK_DAY_TOO_EARLY.format(
            earliest=_md(began, today), why=texts.TALK_DAY_BEFORE_PAIR.format(name=cadre.name),
        )
    return None


async def _record(update: Update, context: BotContext, cadre: Person, state: FlowState, held_on: date) -> None:
    """Record the talk once per prompt, open the notes step in the same transaction (no
    recorded talk without it, so notes typed next are never taken for a question), and leave
    the prompt only its 查看记录."""
    since = datetime.fromisoformat(str(state.data["since"]))
    recorded = await talks.record_talk_once(
        context.session, context.person.id, cadre.id, held_on, context.services.now(), since,
    )
    if not recorded.new:
        await flows.finish(context, DAY_FLOW.name)
        await _tell_recorded_before(update, context, cadre, recorded.talk)
        return
    prompt = (state.data.get("chat_id"), state.data.get("message_id"))  # the notes step reuses the row
    await _ask_for_notes(context, recorded.talk)
    await context.session.commit()
    await _retire_prompt(context, prompt, cadre.id)
    await update.effective_message.reply_text(
        texts.TALK_RECORDED.format(name=cadre.name, day=_day(recorded.talk, context), hours=UNDO_HOURS),
        reply_markup=_recorded_buttons(recorded.talk.id, recorded.cleared_postponement),
    )


async def _retire_prompt(context: BotContext, prompt: tuple[object, object], cadre_id: int) -> None:
    """The prompt 已谈 was pressed on keeps only 查看记录 (an old message may no longer be editable)."""
    chat_id, message_id = prompt
    if not isinstance(chat_id, int) or not isinstance(message_id, int):
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=log_button(cadre_id))
    except BadRequest as error:
        log.info("talk prompt %s not edited: %s", message_id, error.message)


async def on_undo(update: Update, context: BotContext) -> None:
    """撤销 (tk:undo:<talk id>:<postponement>): within UNDO_HOURS the talk goes, with its
    notes, and the pair is due as before; the message then offers 已谈 again."""
    query, parts = update.callback_query, _parts(update)
    talk_id = parse_id(parts[2]) if len(parts) == 4 else None
    talk = await talks.own_talk(context.session, talk_id, context.person.id) if talk_id and context.person else None
    cadre = await people.by_id(context.session, talk.cadre_id) if talk is not None else None
    if talk is None or cadre is None:
        await query.answer(texts.TALK_UNDO_GONE, show_alert=True)
        return
    services, window = context.services, timedelta(hours=UNDO_HOURS)
    if services.now() - talk.created_at > window:
        await query.answer(texts.TALK_UNDO_TOO_LATE.format(hours=UNDO_HOURS), show_alert=True)
        return
    restore = _restorable(parts[3], talk, context)
    undone = await talks.undo_talk(context.session, talk.id, context.person.id, services.now(), window, restore)
    if undone is None:
        await query.answer(texts.TALK_UNDO_GONE, show_alert=True)
        return
    notes = flows.state_of(context, NOTES_FLOW.name)
    if notes is not None and notes.data.get("talk_id") == talk_id:
        await flows.finish(context, NOTES_FLOW.name)
    key = (context.person.id, cadre.id)
    last = (await talks.last_talks(context.session, [cadre.id])).get(key)
    due = due_date(services, cadre, last, (await talks.postponements(context.session)).get(key), context.person.id)
    await query.answer(texts.TALK_UNDONE_SHORT)
    await query.edit_message_reply_markup(reply_markup=None)
    await update.effective_message.reply_text(
        texts.TALK_UNDONE.format(name=cadre.name, day=_md(undone.held_on), due=_md(due, _today(context))),
        reply_markup=prompt_buttons(cadre.id),
    )


def _restorable(text: str, talk: Talk, context: BotContext) -> date | None:
    """The postponement 撤销 puts back, as the button carries it. Button data can be forged, so
    only a date a 推迟 could have set before the talk was recorded is taken: no later than
    postpone_days after that day (a forger gains nothing he could not press for)."""
    number = parse_natural(text, digits=8)
    if not number:
        return None
    try:
        day = date(number // 10000, number // 100 % 100, number % 100)
    except ValueError:
        return None
    recorded_on = talk.created_at.astimezone(context.services.config.tz).date()
    return day if day <= recorded_on + timedelta(days=context.services.config.talks.postpone_days) else None


# --- the notes step ------------------------------------------------------------------------------


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
    shown = query.message.reply_markup if query.message else None
    await query.edit_message_reply_markup(reply_markup=_without_skip(shown))


def _without_skip(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """The message's buttons but 跳过: 撤销 stays for its 24 hours."""
    rows = [
        [b for b in row if b.callback_data != f"{CALLBACK}:skip"] for row in (markup.inline_keyboard if markup else ())
    ]
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(rows) if rows else None


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
        texts.TALK_NOTES_ASK_AGAIN.format(name=cadre.name, day=_day(talk, context)), reply_markup=_skip_button(),
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
    """A cadre asks for a talk; every reachable supervisor of their unit is told at once (the
    admins, when there is none). Without a topic, the topic is asked for (and the next text is
    the topic, never a question)."""
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
    """The request goes to the unit's supervisors who can be reached; with none, to the active
    admins (who arrange it), and the cadre is told exactly who was told, or that nobody could be."""
    person = context.person
    if len(topic) > MAX_TOPIC:
        await update.message.reply_text(texts.TALK_TOPIC_TOO_LONG.format(limit=MAX_TOPIC))
        return
    request = await talks.request_talk(context.session, person.id, topic, context.services.now())
    await flows.finish(context, TOPIC_FLOW.name)
    told = await people.confirmers_of(context.session, person)
    configured = bool(await people.supervisors_of(context.session, person)) if told.admins else True
    await context.session.commit()
    if not told.admins:
        for supervisor in told.people:
            await _tell(context, supervisor, texts.TALK_REQUEST_TO_SUPERVISOR.format(
                name=person.name, unit=person.unit, topic=topic,
            ), prompt_buttons(person.id, f"{FROM_REQUEST}{request.id}"))
        await update.message.reply_text(texts.TALK_REQUEST_SENT.format(topic=topic))
        return
    to_admin = texts.TALK_REQUEST_TO_ADMIN.format(
        name=person.name, unit=person.unit or "—", topic=topic,
        why=texts.TALK_REQUEST_WHY_NOT_JOINED if configured else texts.TALK_REQUEST_WHY_NONE,
    )
    reached = [admin for admin in told.people if await _tell(context, admin, to_admin)]
    why = texts.TALK_REQUEST_SUPERVISOR_NOT_JOINED if configured else texts.TALK_REQUEST_NO_SUPERVISOR
    if reached:
        names = texts.TALK_NAMES_SEPARATOR.join(admin.name for admin in reached)
        await update.message.reply_text(texts.TALK_REQUEST_TO_ADMINS_SENT.format(topic=topic, why=why, names=names))
    else:
        await update.message.reply_text(texts.TALK_REQUEST_NOBODY.format(topic=topic, why=why))


async def _tell(context: BotContext, person: Person, text: str, markup: InlineKeyboardMarkup | None = None) -> bool:
    """Send to someone other than the speaker; False if they blocked the bot (the request is
    recorded either way, and the cadre is told only who was reached)."""
    try:
        await context.bot.send_message(person.chat_id, text, reply_markup=markup)
    except Forbidden:
        log.info("talk request not delivered to person %s: the bot is blocked", person.id)
        return False
    return True


# --- /talks: a supervisor's pairs ---------------------------------------------------------------


async def talks_command(update: Update, context: BotContext) -> None:
    """Every cadre the supervisor talks with: last talk, next due (推迟 included), soonest
    first, with a 查看记录 button each (the notes in it are only his own)."""
    if not await require_role(update, context, "supervisor"):
        return
    text, markup = await _talks_page(context, 1)
    await update.message.reply_text(text, reply_markup=markup)


async def on_talks_page(update: Update, context: BotContext) -> None:
    """tk:list:<page>: another page of /talks, in place."""
    query, parts = update.callback_query, _parts(update)
    if context.person is None or not context.person.has_role("supervisor"):
        await query.answer(texts.NOT_ALLOWED, show_alert=True)
        return
    page = parse_id(parts[2]) if len(parts) == 3 else None
    if page is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    text, markup = await _talks_page(context, page)
    await query.answer()
    await query.edit_message_text(text, reply_markup=markup)


async def _talks_page(context: BotContext, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    me, services, today = context.person, context.services, _today(context)
    cadres = await talks.cadres_of(context.session, me)
    if not cadres:
        return texts.TALKS_NONE, None
    last = await talks.last_talks(context.session, [c.id for c in cadres])
    postponed = await talks.postponements(context.session)
    rows = []
    for cadre in cadres:
        key = (me.id, cadre.id)
        due = due_date(services, cadre, last.get(key), postponed.get(key), me.id)
        rows.append((due, cadre, last.get(key), postponed.get(key)))
    rows.sort(key=lambda row: (row[0], row[1].id))
    pages = -(-len(rows) // TALKS_PAGE_SIZE)
    page = min(page, pages)
    shown = rows[(page - 1) * TALKS_PAGE_SIZE:page * TALKS_PAGE_SIZE]
    lines = [texts.TALKS_HEADER.format(count=len(rows))]
    for index, (due, cadre, held, until) in enumerate(shown, start=(page - 1) * TALKS_PAGE_SIZE + 1):
        lines.append(texts.TALKS_LINE.format(
            index=index, name=cadre.name, unit=cadre.unit or "—",
            last=_md(held, today) if held else texts.TALK_NEVER, due=_due_text(due, until, today),
        ))
    if pages > 1:
        lines.append(texts.TALKS_PAGE.format(page=page, pages=pages))
    lines.append(texts.TALKS_FOOTER)
    buttons = [
        InlineKeyboardButton(texts.TALKS_LOG_BUTTON.format(name=cadre.name), callback_data=f"{CALLBACK}:log:{cadre.id}")
        for _, cadre, _, _ in shown
    ]
    keyboard = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    paging = []
    if page > 1:
        paging.append(InlineKeyboardButton(texts.TALKS_PREVIOUS, callback_data=f"{CALLBACK}:list:{page - 1}"))
    if page < pages:
        paging.append(InlineKeyboardButton(texts.TALKS_NEXT, callback_data=f"{CALLBACK}:list:{page + 1}"))
    if paging:
        keyboard.append(paging)
    return "\n".join(lines), InlineKeyboardMarkup(keyboard)


def _due_text(due: date, postponed: date | None, today: date) -> str:
    if due <= today:
        return texts.TALKS_OVERDUE.format(day=_md(due, today))
    if postponed is not None and due == postponed:
        return texts.TALKS_DUE_POSTPONED.format(day=_md(due, today))
    return texts.TALKS_DUE.format(day=_md(due, today))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Before ask's plain text: text in an open notes or topic step belongs to it."""
    typed = filters.TEXT & ~filters.COMMAND
    app.add_handler(CommandHandler("talk", talk_command))
    app.add_handler(CommandHandler("talks", talks_command))
    app.add_handler(MessageHandler(typed & flows.InFlow(DAY_FLOW.name), on_day_text))
    app.add_handler(MessageHandler(typed & flows.InFlow(NOTES_FLOW.name), on_notes_text))
    app.add_handler(MessageHandler(typed & flows.InFlow(TOPIC_FLOW.name), on_topic_text))
    app.add_handler(CallbackQueryHandler(on_done, pattern=rf"^{CALLBACK}:done:"))
    app.add_handler(CallbackQueryHandler(on_day, pattern=rf"^{CALLBACK}:day:"))
    app.add_handler(CallbackQueryHandler(on_pick, pattern=rf"^{CALLBACK}:pick:"))
    app.add_handler(CallbackQueryHandler(on_undo, pattern=rf"^{CALLBACK}:undo:"))
    app.add_handler(CallbackQueryHandler(on_talks_page, pattern=rf"^{CALLBACK}:list:"))
    app.add_handler(CallbackQueryHandler(on_skip_notes, pattern=rf"^{CALLBACK}:skip$"))
    app.add_handler(CallbackQueryHandler(on_add_notes, pattern=rf"^{CALLBACK}:notes:"))
    app.add_handler(CallbackQueryHandler(on_later, pattern=rf"^{CALLBACK}:later:"))
    app.add_handler(CallbackQueryHandler(on_log, pattern=rf"^{CALLBACK}:log:"))
