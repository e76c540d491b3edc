"""Admins keep the knowledge base alive: /reload, YAML uploads, and /gaps from what people asked,
where one tap (and a 确认) adds a question's wording to an entry or marks it out of scope."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.context import BotContext
from bot.chat.ids import parse_id
from bot.ops.knowledge_sync import publish_change
from bot.digests.gaps import GapPage, gap_pages
from db import audit, questions
from db.models import Question
from handlers.access import require_role
from knowledge.gaps import same_question
from knowledge.loader import LoadResult
from knowledge.schema import Entry, KbIssue
from knowledge.store import KnowledgeStore, is_phrasing_of

MAX_LISTED_ISSUES = 10
DEFAULT_GAP_DAYS = 7
MAX_GAP_DAYS = 365
CALLBACK_PREFIX = "gaps"
# A /gaps button (add, oos) asks; its 确认 (addok, oosok) does it; 取消 (no) does nothing.
# Every button carries a question id only, never text.
_ASK = {"add": "add", "out_of_scope": "oos"}
_BUTTON_ACTIONS = {"add", "oos", "addok", "oosok", "no"}


def _issue_lines(issues: list[KbIssue]) -> str:
    """The problems in Chinese, files named as in the base folder, never by server path."""
    lines = [texts.kb_issue(issue) for issue in issues[:MAX_LISTED_ISSUES]]
    if len(issues) > MAX_LISTED_ISSUES:
        lines.append(texts.MORE_ERRORS.format(count=len(issues) - MAX_LISTED_ISSUES))
    return "\n".join(lines)


def _warnings(result: LoadResult) -> str:
    if not result.warnings:
        return ""
    return texts.RELOAD_WARNINGS.format(count=len(result.warnings), lines=_issue_lines(result.warnings))


def _side_files_note(store: KnowledgeStore) -> str:
    """After a reload: how many quiz items and readings are served, or why their files were not
    taken (all or nothing: what was served before stays)."""
    notes = []
    for paths, loaded, served, counted, refused in (
        (store.quiz_paths, store.last_quiz, len(store.snapshot.quiz), texts.QUIZ_RELOAD_COUNT, texts.QUIZ_RELOAD_PROBLEMS),
        (store.reading_paths, store.last_readings, len(store.readings.readings), texts.READING_RELOAD_COUNT,
         texts.READING_RELOAD_PROBLEMS),
    ):
        if not paths:
            continue
        notes.append(counted.format(count=served) if loaded.ok else
                     refused.format(count=len(loaded.errors), kept=served, lines=_issue_lines(loaded.errors)))
    return "".join("\n" + note for note in notes)


def _actor(context: BotContext) -> int | None:
    return context.person.id if context.person else None


async def reload_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "admin"):
        return
    store = context.services.knowledge
    # Off the event loop: questions keep being answered from the old snapshot meanwhile.
    result = await asyncio.to_thread(store.reload)
    if result.ok:
        await publish_change(context.services, "kb.reload")  # the other instances reload too
        await audit.record(context.session, _actor(context), "kb.reload", {"entries": len(result.entries)},
                           context.services.now())
        await update.message.reply_text(
            texts.RELOAD_OK.format(count=len(result.entries), warnings=_warnings(result)) + _side_files_note(store))
    else:
        await update.message.reply_text(
            texts.RELOAD_FAILED.format(count=len(store.snapshot.entries), errors=_issue_lines(result.errors))
        )


async def install_upload(update: Update, context: BotContext, filename: str, content: bytes) -> None:
    """Called by the upload dispatcher once it knows the sender is an admin."""
    result = await asyncio.to_thread(context.services.knowledge.install_file, filename, content)
    if result.ok:
        await publish_change(context.services, "kb.upload")
        await audit.record(context.session, _actor(context), "kb.upload",
                           {"file": filename, "entries": len(result.entries)}, context.services.now())
        await update.message.reply_text(
            texts.KB_INSTALLED.format(filename=filename, count=len(result.entries), warnings=_warnings(result))
        )
    else:
        await update.message.reply_text(texts.KB_REJECTED.format(filename=filename, errors=_issue_lines(result.errors)))


async def gaps_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "admin"):
        return
    days = DEFAULT_GAP_DAYS
    if context.args:
        if not context.args[0].isdigit() or not 1 <= int(context.args[0]) <= MAX_GAP_DAYS:
            await update.message.reply_text(texts.GAPS_BAD_DAYS)
            return
        days = int(context.args[0])
    pages = await gap_pages(context.session, context.services, days)
    if not pages:
        await update.message.reply_text(texts.GAPS_NONE.format(days=days))
    for page in pages:
        await update.message.reply_text(page.text, reply_markup=_page_keyboard(page))


def _callback(action: str, question_id: int) -> str:
    return f"{CALLBACK_PREFIX}:{action}:{question_id}"


def _page_keyboard(page: GapPage) -> InlineKeyboardMarkup | None:
    labels = {"add": texts.GAPS_ADD_BUTTON, "out_of_scope": texts.GAPS_OUT_OF_SCOPE_BUTTON}
    rows = [
        [InlineKeyboardButton(labels[a.action].format(rank=a.rank),
                              callback_data=_callback(_ASK[a.action], a.question_id))
         for a in row]
        for row in page.rows if row
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def _confirm_keyboard(confirm: str, question_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.GAPS_CONFIRM_BUTTON, callback_data=_callback(confirm, question_id)),
        InlineKeyboardButton(texts.GAPS_CANCEL_BUTTON, callback_data=_callback("no", question_id)),
    ]])


def _parse(data: str | None) -> tuple[str, int] | None:
    parts = (data or "").split(":")
    question_id = parse_id(parts[2]) if len(parts) == 3 and parts[1] in _BUTTON_ACTIONS else None
    return None if question_id is None else (parts[1], question_id)


async def on_gap_button(update: Update, context: BotContext) -> None:
    """gaps:add|oos:<question> asks; gaps:addok|oosok:<question> does; gaps:no:<question> cancels.

    Forged, stale and already-handled buttons, and anyone but an admin, get the expired-button
    reply: it reveals nothing about the question behind the id.
    """
    query = update.callback_query
    parsed = _parse(query.data)
    person = context.person
    if parsed is None or person is None or not person.has_role("admin"):
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    action, question_id = parsed
    if action == "no":
        await query.answer()
        await query.edit_message_text(texts.GAPS_ACTION_CANCELLED)
        return
    question = await questions.open_gap(context.session, question_id)
    if question is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    if action in ("add", "addok"):
        await _add_alternate(update, context, question, confirmed=action == "addok")
    else:
        await _out_of_scope(update, context, question, confirmed=action == "oosok")


def _target_entry(context: BotContext, question: Question) -> Entry | None:
    return context.services.knowledge.get(question.entry_id) if question.entry_id else None


async def _add_alternate(update: Update, context: BotContext, question: Question, confirmed: bool) -> None:
    query = update.callback_query
    entry = _target_entry(context, question)
    if entry is None:  # /gaps offers no add without an entry: a stale or forged button
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    if is_phrasing_of(entry, question.text):
        await query.answer(texts.GAPS_ALREADY_ALTERNATE, show_alert=True)
        return
    await query.answer()
    file = texts.kb_file(entry.file)
    if not confirmed:
        await context.bot.send_message(
            update.effective_chat.id,
            texts.GAPS_CONFIRM_ADD.format(text=question.text, entry_id=entry.id, question=entry.question, file=file),
            reply_markup=_confirm_keyboard("addok", question.id),
        )
        return
    result = await asyncio.to_thread(context.services.knowledge.add_alternate, entry.id, question.text)
    if not result.ok:
        await query.edit_message_text(texts.GAPS_ADD_REFUSED.format(errors=_issue_lines(result.errors)))
        return
    await publish_change(context.services, "kb.alternate_added")
    resolved = await _resolve_same_wording(context, question, "alternate")
    await audit.record(context.session, _actor(context), "kb.alternate_added", {
        "entry": entry.id, "file": file, "text": question.text, "question": question.id, "resolved": resolved,
    }, context.services.now())
    await query.edit_message_text(texts.GAPS_ADDED.format(
        text=question.text, entry_id=entry.id, file=file, count=len(result.entries)))


async def _out_of_scope(update: Update, context: BotContext, question: Question, confirmed: bool) -> None:
    query = update.callback_query
    await query.answer()
    if not confirmed:
        repeats = len(await _same_wording_ids(context, question)) - 1
        others = texts.GAPS_CONFIRM_OTHERS.format(count=repeats) if repeats else ""
        await context.bot.send_message(
            update.effective_chat.id,
            texts.GAPS_CONFIRM_OUT_OF_SCOPE.format(text=question.text, others=others),
            reply_markup=_confirm_keyboard("oosok", question.id),
        )
        return
    resolved = await _resolve_same_wording(context, question, "out_of_scope")
    await audit.record(context.session, _actor(context), "kb.out_of_scope", {
        "text": question.text, "question": question.id, "resolved": resolved,
    }, context.services.now())
    await query.edit_message_text(texts.GAPS_MARKED_OUT_OF_SCOPE.format(text=question.text, count=resolved))


async def _same_wording_ids(context: BotContext, question: Question) -> list[int]:
    """This question and its open repeats within the longest /gaps window: a decision on a
    wording is a decision on every time it was asked, or the group would stay listed."""
    since = context.services.now() - timedelta(days=MAX_GAP_DAYS)
    rows = await questions.open_wordings_since(context.session, since)
    return sorted({question.id, *(i for i, text in rows if same_question(text, question.text))})


async def _resolve_same_wording(context: BotContext, question: Question, resolution: str) -> int:
    ids = await _same_wording_ids(context, question)
    return await questions.resolve(context.session, ids, resolution, _actor(context), context.services.now())


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("reload", reload_command))
    app.add_handler(CommandHandler("gaps", gaps_command))
    app.add_handler(CallbackQueryHandler(on_gap_button, pattern=rf"^{CALLBACK_PREFIX}:"))
