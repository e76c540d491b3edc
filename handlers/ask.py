"""Questions in the cadre's own words → the right knowledge entry, a few suggestions, or an honest none."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import texts
from bot.ops import metrics
from bot.context import BotContext
from bot.chat.ids import parse_id, parse_natural
from bot.chat.render import render_chunks, split_steps, to_html
from db import questions
from knowledge.matcher import MatchResult
from knowledge.schema import Entry

CALLBACK_PREFIX = "kb"
MAX_CALLBACK_BYTES = 64
PAGE_DIGITS = 2  # a page number in 展开 data: a forged 99999999 is refused before it is compared


def _callback(*parts: object) -> str | None:
    data = ":".join([CALLBACK_PREFIX, *map(str, parts)])
    return data if len(data.encode()) <= MAX_CALLBACK_BYTES else None


async def ask_text(update: Update, context: BotContext) -> None:
    await answer_question(update, context, update.message.text or "")


async def ask_command(update: Update, context: BotContext) -> None:
    question = " ".join(context.args or [])
    if not question.strip():
        await update.message.reply_text(texts.ASK_EMPTY)
        return
    await answer_question(update, context, question)


def has_words(text: str) -> bool:
    """Whether a message says anything to look up: digits and punctuation alone (a console
    button number, "？？？", an emoji) are not a question, and are not logged as one."""
    return any(ch.isalpha() for ch in text)


async def answer_question(update: Update, context: BotContext, question: str) -> None:
    if not has_words(question):
        await update.message.reply_text(texts.ASK_NOTHING_TO_MATCH)
        return
    store = context.services.knowledge
    result = store.match(question)
    logged = await questions.log_question(
        context.session, context.person.id if context.person else None, question, result.outcome,
        result.candidates[0].entry.id if result.candidates else None,
        result.candidates[0].score if result.candidates else 0.0, context.services.now(),
    )
    await context.session.commit()
    metrics.QUESTIONS.labels(result.outcome).inc()
    if result.outcome == "answer" and result.best is not None:
        await send_entry(update, context, result.best, logged.id)
    elif result.outcome == "suggest":
        await update.message.reply_text(texts.ASK_SUGGEST, reply_markup=_suggestions(result, logged.id))
    else:
        await update.message.reply_text(texts.ASK_NONE)


def _suggestions(result: MatchResult, question_id: int) -> InlineKeyboardMarkup:
    rows = []
    for candidate in result.suggestions[:3]:
        data = _callback("pick", question_id, candidate.entry.id)
        if data:
            rows.append([InlineKeyboardButton(candidate.entry.question[:60], callback_data=data)])
    return InlineKeyboardMarkup(rows)


#: The page a 展开 button opens: the rest of the answer, after the head shown first.
REST_PAGE = 1


def _full_text(entry: Entry) -> str:
    body = entry.answer
    if entry.source:
        body = f"{body.rstrip()}\n\n{texts.ASK_SOURCE.format(source=entry.source)}"
    return f"**{entry.question}**\n{body}"


async def send_entry(update: Update, context: BotContext, entry: Entry, question_id: int | None) -> None:
    """The answer in as many messages as it needs; source, related and feedback on the last.
    A long numbered answer shows its first steps with a 展开 button instead of one wall of text."""
    chat = update.effective_chat
    parts = split_steps(entry.answer)
    expand = _callback("more", question_id, entry.id, REST_PAGE) if parts and question_id is not None else None
    if parts is not None and expand is not None:
        rows = [[InlineKeyboardButton(texts.ASK_EXPAND.format(count=parts.rest_steps), callback_data=expand)]]
        await context.bot.send_message(
            chat.id, to_html(f"**{entry.question}**\n{parts.head}"), parse_mode=ParseMode.HTML,
            reply_markup=InlineKeyboardMarkup(rows),
        )
        return
    chunks = render_chunks(_full_text(entry))
    for chunk in chunks[:-1]:
        await context.bot.send_message(chat.id, chunk, parse_mode=ParseMode.HTML)
    await context.bot.send_message(
        chat.id, chunks[-1], parse_mode=ParseMode.HTML, reply_markup=_entry_buttons(context, entry, question_id)
    )


async def _expand(update: Update, context: BotContext, question_id: int, entry_id: str, page: int) -> None:
    """展开: the message grows into the whole answer, from the entry as the base has it now (the
    button carries only ids, so it works after a restart or on another instance); an answer
    too long for one message goes on in new ones, the buttons on the last."""
    query = update.callback_query
    entry = context.services.knowledge.get(entry_id)
    if entry is None:
        await query.answer(texts.ENTRY_GONE, show_alert=True)
        return
    if page != REST_PAGE:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    chunks = render_chunks(_full_text(entry))
    buttons = _entry_buttons(context, entry, question_id)
    try:
        await query.edit_message_text(
            chunks[0], parse_mode=ParseMode.HTML, reply_markup=buttons if len(chunks) == 1 else None
        )
    except BadRequest:
        return  # "message is not modified": a second tap on a 展开 already opened
    for index, chunk in enumerate(chunks[1:], start=2):
        await context.bot.send_message(
            update.effective_chat.id, chunk, parse_mode=ParseMode.HTML,
            reply_markup=buttons if index == len(chunks) else None,
        )


def _entry_buttons(context: BotContext, entry: Entry, question_id: int | None) -> InlineKeyboardMarkup | None:
    rows = []
    for related_id in entry.related[:3]:
        related = context.services.knowledge.get(related_id)
        data = _callback("show", related_id)
        if related is not None and data:
            rows.append([InlineKeyboardButton(f"{texts.RELATED_PREFIX}{related.question[:50]}", callback_data=data)])
    if question_id is not None:
        rows.append([
            InlineKeyboardButton(texts.FEEDBACK_UP, callback_data=_callback("up", question_id)),
            InlineKeyboardButton(texts.FEEDBACK_DOWN, callback_data=_callback("down", question_id)),
        ])
    return InlineKeyboardMarkup(rows) if rows else None


async def on_button(update: Update, context: BotContext) -> None:
    """kb:show:<entry>, kb:pick:<question>:<entry>, kb:up:<question>, kb:down:<question>,
    kb:more:<question>:<entry>:<page>."""
    query = update.callback_query
    parts = (query.data or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    person_id = context.person.id if context.person else -1
    if action == "show" and len(parts) == 3:
        await _show(update, context, parts[2], None)
    elif (
        action == "more" and len(parts) == 5 and (question_id := parse_id(parts[2])) is not None
        and (page := parse_natural(parts[4], PAGE_DIGITS)) is not None
    ):
        await _expand(update, context, question_id, parts[3], page)
    elif action == "pick" and len(parts) == 4 and (question_id := parse_id(parts[2])) is not None:
        if await questions.resolve_suggestion(context.session, question_id, person_id, parts[3]):
            metrics.QUESTIONS.labels("picked").inc()
            await _show(update, context, parts[3], question_id)
        else:
            await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
    elif action in ("up", "down") and len(parts) == 3 and (question_id := parse_id(parts[2])) is not None:
        if await questions.record_feedback(context.session, question_id, person_id, action):
            await query.answer(texts.FEEDBACK_THANKS_UP if action == "up" else texts.FEEDBACK_THANKS_DOWN)
            await query.edit_message_reply_markup(reply_markup=_without_feedback(query.message.reply_markup))
        else:
            await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
    else:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)


async def _show(update: Update, context: BotContext, entry_id: str, question_id: int | None) -> None:
    """An entry opened from a button; a 相关 view (no question yet) is logged as one, so its
    👍/👎 has a row to land on and a 👎 reaches /gaps."""
    entry = context.services.knowledge.get(entry_id)
    if entry is None:
        await update.callback_query.answer(texts.ENTRY_GONE, show_alert=True)
        return
    await update.callback_query.answer()
    if question_id is None:
        viewed = await questions.log_question(
            context.session, context.person.id if context.person else None, entry.question, "related",
            entry.id, 0.0, context.services.now(),
        )
        await context.session.commit()
        metrics.QUESTIONS.labels("related").inc()
        question_id = viewed.id
    await send_entry(update, context, entry, question_id)


def _without_feedback(markup: InlineKeyboardMarkup | None) -> InlineKeyboardMarkup | None:
    """Keep the related-entry buttons, drop the 👍/👎 row once it has been used."""
    if markup is None:
        return None
    rows = [row for row in markup.inline_keyboard if not any(
        (b.callback_data or "").startswith((f"{CALLBACK_PREFIX}:up:", f"{CALLBACK_PREFIX}:down:")) for b in row)]
    return InlineKeyboardMarkup(rows) if rows else None


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("ask", ask_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{CALLBACK_PREFIX}:"))


def register_plain_text(app: Application) -> None:  # type: ignore[type-arg]
    """Plain text that no conversation claimed is a question; registered after the features."""
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, ask_text))
