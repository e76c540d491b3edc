"""/reading: this week's reading (“三个一”: 一周一篇) with 已读 and 写心得; /publish: an admin
publishes one in the chat, after a preview with 发布 / 取消.

已读 records the read credit once; 写心得 opens a flow ("reading_notes") that takes the next
text as the 心得: too short, too long or only emoji/punctuation is refused with the limit and the
flow stays open (the text is not saved; the cadre extends it and sends it again). An accepted
心得 records its credit, and the read credit if 已读 was not pressed. Both once per person and
reading (db/readings.py). A credit the activity's daily cap would pass is refused plainly.

/publish is a flow ("reading_publish"): title, then a link or the text, then a preview naming
the week (this week if it has no reading yet, else next week; a typed date picks another) and
the reading it would replace, waiting for 发布. Callback data: rd:read|note:<reading id>,
rd:pub:<the previewed Monday as yyyymmdd>, rd:drop:0.
"""

from __future__ import annotations

from datetime import date, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import texts
from bot.chat import flows
from bot.chat.ids import parse_natural
from bot.context import BotContext
from bot.scheduling import readings as messages
from bot.study.input import StudyInputError, parse_date
from bot.study.progress import local_today
from db import audit, readings
from db.readings import Marked
from handlers.replies import tell
from knowledge.readings import LINK_RE, MAX_ID_CHARS, MAX_LINK_CHARS, MAX_TEXT_CHARS, MAX_TITLE_CHARS, Reading, \
    monday_of, week_label

PREFIX = messages.PREFIX
NOTES_FLOW = flows.define_step("reading_notes", texts.READING_NOTES_DROPPED)
PUBLISH_FLOW = flows.define_step("reading_publish", texts.READING_PUBLISH_DROPPED)
_ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _today(context: BotContext) -> date:
    return local_today(context.services.now(), context.services.config.tz)


# --- /reading ---------------------------------------------------------------------------------


async def reading_command(update: Update, context: BotContext) -> None:
    if context.person is None:
        await tell(update, texts.NOT_ALLOWED)
        return
    session, services = context.session, context.services
    monday = messages.this_monday(services)
    reading = await readings.week_reading(session, services.readings, monday)
    if reading is not None:
        await update.message.reply_text(await _shown(context, reading), reply_markup=messages.reading_keyboard(reading.id))
        return
    past = await readings.latest_before(session, services.readings, monday)
    if past is None:
        await update.message.reply_text(texts.READING_NONE)
        return
    text = texts.READING_SHOW_PAST.format(week=messages.week_words(monday), reading=await _shown(context, past))
    await update.message.reply_text(text, reply_markup=messages.reading_keyboard(past.id))


async def _shown(context: BotContext, reading: Reading) -> str:
    """The reading, and where the speaker stands with it."""
    text = messages.reading_text(context.services.config, reading)
    mark = await readings.mark_of(context.session, context.person.id, reading.id)
    if mark is not None and mark.notes_at is not None:
        text += "\n" + texts.READING_MY_STATE_NOTES
    elif mark is not None and mark.read_at is not None:
        text += "\n" + texts.READING_MY_STATE_READ
    return text


def _reading_id(text: str) -> str | None:
    """A reading id from button data, bounded like every id (a forged one looks stale)."""
    return text if 0 < len(text) <= MAX_ID_CHARS and set(text) <= _ID_CHARS else None


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    parts = (query.data or "").split(":")
    action = parts[1] if len(parts) == 3 else ""
    if action in ("pub", "drop"):
        await _publish_button(update, context, action, parts[2])
        return
    reading_id = _reading_id(parts[2]) if action in ("read", "note") else None
    if reading_id is None:
        await tell(update, texts.READING_STALE)
        return
    services = context.services
    reading = await readings.find(context.session, services.readings, reading_id, messages.this_monday(services))
    if reading is None:
        await tell(update, texts.READING_STALE)
        return
    if context.person is None or not context.person.has_role("cadre"):
        await tell(update, texts.READING_NOT_CADRE.format(credit=services.config.study.credit_name))
        return
    activity = services.config.study.activity(services.config.readings.activity)
    if activity is None:
        await tell(update, texts.READING_NOT_READY.format(credit=services.config.study.credit_name))
        return
    if action == "read":
        await _mark_read(update, context, reading, activity)
    else:
        await _ask_notes(update, context, reading)


async def _mark_read(update: Update, context: BotContext, reading: Reading, activity) -> None:  # type: ignore[no-untyped-def]
    config = context.services.config
    read, _ = messages.credits_of(config, reading)
    result = await readings.mark_read(
        context.session, person_id=context.person.id, reading=reading, activity=activity, credit=read,
        study_date=_today(context), now=context.services.now())
    await context.session.commit()
    if result.outcome is Marked.ALREADY:
        await tell(update, texts.READING_READ_ALREADY)
    elif result.outcome is Marked.OVER_CAP:
        await tell(update, _over_cap(context, activity, texts.READING_OVER_CAP))
    else:
        await tell(update, texts.READING_READ_SAVED.format(
            title=reading.title, credits=texts.credits(read, config.study.credit_name)))


def _over_cap(context: BotContext, activity, template: str) -> str:  # type: ignore[no-untyped-def]
    return template.format(activity=activity.name, cap=texts.amount(activity.daily_cap or 0, activity.unit),
                           credit=context.services.config.study.credit_name)


async def _ask_notes(update: Update, context: BotContext, reading: Reading) -> None:
    mark = await readings.mark_of(context.session, context.person.id, reading.id)
    if mark is not None and mark.notes_at is not None:
        await tell(update, texts.READING_NOTES_ALREADY)
        return
    settings = context.services.config.readings
    await flows.start(context, NOTES_FLOW, "text", {"reading": reading.id})
    await update.callback_query.answer()
    await context.bot.send_message(update.effective_chat.id, texts.READING_NOTES_ASK.format(
        title=reading.title, min=settings.notes_min_chars, max=settings.notes_max_chars))


def notes_problem(text: str, minimum: int, maximum: int) -> str | None:
    """Why a 心得 cannot be taken, worded for the cadre; None when it can. Characters are
    counted without spaces and line breaks, as people count a 字数."""
    count = sum(not ch.isspace() for ch in text)
    if not any(ch.isalnum() for ch in text):
        return texts.READING_NOTES_EMPTY.format(min=minimum, max=maximum)
    if count > maximum:
        return texts.READING_NOTES_TOO_LONG.format(count=count, max=maximum)
    if count < minimum:
        return texts.READING_NOTES_SHORT.format(count=count, min=minimum)
    return None


async def on_notes_text(update: Update, context: BotContext) -> None:
    state = flows.state_of(context, NOTES_FLOW.name)
    assert state is not None  # the InFlow filter routed it here
    services, settings = context.services, context.services.config.readings
    text = (update.message.text or "").strip()
    reading = await readings.find(context.session, services.readings, str(state.data.get("reading", "")),
                                  messages.this_monday(services))
    if reading is None:
        await flows.finish(context, NOTES_FLOW.name)
        await update.message.reply_text(texts.READING_STALE)
        return
    problem = notes_problem(text, settings.notes_min_chars, settings.notes_max_chars)
    if problem is not None:
        await flows.start(context, NOTES_FLOW, "text", state.data)  # the flow stays open, its time renewed
        await update.message.reply_text(problem)
        return
    activity = services.config.study.activity(settings.activity)
    if activity is None:
        await flows.finish(context, NOTES_FLOW.name)
        await update.message.reply_text(texts.READING_NOT_READY.format(credit=services.config.study.credit_name))
        return
    read, notes = messages.credits_of(services.config, reading)
    result = await readings.write_notes(
        context.session, person_id=context.person.id, reading=reading, activity=activity, read_credit=read,
        notes_credit=notes, notes=text, study_date=_today(context), now=services.now())
    credit_name = services.config.study.credit_name
    if result.outcome is Marked.OVER_CAP:
        await flows.start(context, NOTES_FLOW, "text", state.data)
        await update.message.reply_text(_over_cap(context, activity, texts.READING_OVER_CAP_NOTES))
        return
    await flows.finish(context, NOTES_FLOW.name)
    if result.outcome is Marked.ALREADY:
        await update.message.reply_text(texts.READING_NOTES_ALREADY)
    elif result.read_now:
        await update.message.reply_text(texts.READING_NOTES_SAVED_READ.format(
            title=reading.title, credits=texts.credits(read + notes, credit_name)))
    else:
        await update.message.reply_text(texts.READING_NOTES_SAVED.format(
            title=reading.title, credits=texts.credits(notes, credit_name)))


# --- /publish ---------------------------------------------------------------------------------


async def publish_command(update: Update, context: BotContext) -> None:
    if context.person is None or not context.person.has_role("admin"):
        await tell(update, texts.NOT_ALLOWED)
        return
    await flows.start(context, PUBLISH_FLOW, "title", {})
    await update.message.reply_text(texts.READING_PUBLISH_ASK_TITLE.format(max=MAX_TITLE_CHARS))


async def on_publish_text(update: Update, context: BotContext) -> None:
    state = flows.state_of(context, PUBLISH_FLOW.name)
    assert state is not None  # the InFlow filter routed it here
    text = (update.message.text or "").strip()
    data = dict(state.data)
    if state.step == "title":
        if not text or len(text) > MAX_TITLE_CHARS or not any(ch.isalnum() for ch in text):
            await flows.start(context, PUBLISH_FLOW, "title", data)
            await update.message.reply_text(texts.READING_PUBLISH_TITLE_BAD.format(max=MAX_TITLE_CHARS))
            return
        data["title"] = text
        await flows.advance(context, PUBLISH_FLOW, "body", data)
        await update.message.reply_text(texts.READING_PUBLISH_ASK_BODY.format(max=MAX_TEXT_CHARS))
        return
    if state.step == "body":
        if LINK_RE.fullmatch(text) and len(text) <= MAX_LINK_CHARS:
            data["link"], data["text"] = text, None
        elif text and len(text) <= MAX_TEXT_CHARS and any(ch.isalnum() for ch in text):
            data["link"], data["text"] = None, text
        else:
            await flows.start(context, PUBLISH_FLOW, "body", data)
            await update.message.reply_text(texts.READING_PUBLISH_BODY_BAD.format(max=MAX_TEXT_CHARS))
            return
        data["week"] = (await _default_week(context)).isoformat()
        await _preview(update, context, data)
        return
    # The preview is shown: a typed date picks the week.
    try:
        day = parse_date(text, _today(context))
    except StudyInputError:
        await flows.start(context, PUBLISH_FLOW, "confirm", data)
        await update.message.reply_text(texts.READING_PUBLISH_WEEK_BAD.format(text=text[:20]))
        return
    if monday_of(day) < messages.this_monday(context.services):
        await flows.start(context, PUBLISH_FLOW, "confirm", data)
        await update.message.reply_text(texts.READING_PUBLISH_WEEK_PAST)
        return
    data["week"] = monday_of(day).isoformat()
    await _preview(update, context, data)


async def _default_week(context: BotContext) -> date:
    """This week if it has no reading yet, else next week."""
    monday = messages.this_monday(context.services)
    current = await readings.week_reading(context.session, context.services.readings, monday)
    return monday if current is None else monday + timedelta(days=7)


def _preview_reading(context: BotContext, data: dict) -> Reading:  # type: ignore[type-arg]
    settings = context.services.config.readings
    return Reading(id="preview", week=date.fromisoformat(data["week"]), title=data["title"], text=data.get("text"),
                   link=data.get("link"), source=None, credits=settings.read_credits,
                   notes_credits=settings.notes_credits, file="published", line=0)


async def _preview(update: Update, context: BotContext, data: dict) -> None:  # type: ignore[type-arg]
    """What 发布 will do, naming the reading it replaces; the buttons carry the previewed week."""
    await flows.advance(context, PUBLISH_FLOW, "confirm", data)
    reading = _preview_reading(context, data)
    existing = await readings.week_reading(context.session, context.services.readings, reading.week)
    config = context.services.config
    credit_name = config.study.credit_name
    text = texts.READING_PUBLISH_PREVIEW.format(
        week=f"{week_label(reading.week)}（{messages.week_words(reading.week)}）", title=reading.title,
        body=messages.body_of(reading), read=texts.credits(config.readings.read_credits, credit_name),
        notes=texts.credits(config.readings.notes_credits, credit_name),
        replaces=texts.READING_PUBLISH_REPLACES.format(title=existing.title) if existing else texts.READING_PUBLISH_NEW,
    )
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.READING_PUBLISH_BUTTON, callback_data=f"{PREFIX}:pub:{reading.week:%Y%m%d}"),
        InlineKeyboardButton(texts.READING_CANCEL_BUTTON, callback_data=f"{PREFIX}:drop:0"),
    ]])
    await update.message.reply_text(text, reply_markup=markup)


async def _publish_button(update: Update, context: BotContext, action: str, value: str) -> None:
    query = update.callback_query
    if context.person is None or not context.person.has_role("admin"):
        await tell(update, texts.NOT_ALLOWED)
        return
    state = flows.state_of(context, PUBLISH_FLOW.name)
    if state is None or state.step != "confirm" or not flows.is_open(context, state):
        await tell(update, texts.READING_PUBLISH_GONE)
        return
    if action == "drop":
        await flows.finish(context, PUBLISH_FLOW.name)
        await context.session.commit()
        await query.answer()
        await context.bot.send_message(update.effective_chat.id, texts.READING_PUBLISH_CANCELLED)
        return
    data = state.data
    if parse_natural(value, 8) is None or value != date.fromisoformat(data["week"]).strftime("%Y%m%d"):
        await tell(update, texts.READING_PUBLISH_GONE)  # an older preview's button
        return
    settings, now = context.services.config.readings, context.services.now()
    row = await readings.publish(
        context.session, week=date.fromisoformat(data["week"]), title=data["title"], text=data.get("text"),
        link=data.get("link"), read_credits=settings.read_credits, notes_credits=settings.notes_credits,
        by=context.person.id, now=now)
    await audit.record(context.session, context.person.id, "reading.publish",
                       {"reading": readings.published_id(row.id), "week": week_label(row.week)}, now)
    await flows.finish(context, PUBLISH_FLOW.name)
    await context.session.commit()
    await query.answer()
    await context.bot.send_message(update.effective_chat.id, texts.READING_PUBLISH_DONE.format(
        week=week_label(row.week), title=row.title))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Before ask's plain text: a 心得 or a /publish step takes the next text."""
    typed = filters.TEXT & ~filters.COMMAND
    app.add_handler(CommandHandler("reading", reading_command))
    app.add_handler(CommandHandler("publish", publish_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
    app.add_handler(MessageHandler(typed & flows.InFlow(NOTES_FLOW.name), on_notes_text))
    app.add_handler(MessageHandler(typed & flows.InFlow(PUBLISH_FLOW.name), on_publish_text))
