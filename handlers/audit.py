"""/audit [天数]: who did what, when, for admins, a phone-sized page at a time, newest first.

Callback data: audit:p:<days>:<page>. A page is read afresh on each press: entries added
meanwhile shift it by a line or two, which an audit reader can live with.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.context import BotContext
from db import audit
from db.audit import AuditLine
from handlers.access import require_role

PREFIX = "audit"
DEFAULT_DAYS = 7
MAX_DAYS = 365
PAGE_SIZE = 12  # with the header, 13 lines: a phone screen
MAX_PAGES = 1000


def parse_days(words: list[str]) -> int | None:
    """Nothing → 7; otherwise 1–365 written in ASCII digits; None for anything else."""
    if not words:
        return DEFAULT_DAYS
    text = words[0]
    if len(words) > 1 or not (text.isascii() and text.isdigit() and len(text) <= 3):
        return None
    return int(text) if 1 <= int(text) <= MAX_DAYS else None


async def audit_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "admin"):
        return
    days = parse_days(context.args or [])
    if days is None:
        await update.message.reply_text(texts.AUDIT_BAD_DAYS)
        return
    text, markup = await _page(context, days, 0)
    await update.message.reply_text(text, reply_markup=markup)


async def on_page(update: Update, context: BotContext) -> None:
    query = update.callback_query
    parts = (query.data or "").split(":")
    if context.person is None or not context.person.has_role("admin"):
        await query.answer(texts.NOT_ALLOWED, show_alert=True)
        return
    days = parse_days([parts[2]]) if len(parts) == 4 and parts[1] == "p" else None
    page = _page_number(parts[3]) if days is not None else None
    if days is None or page is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    text, markup = await _page(context, days, page)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest:
        pass  # the same page again: "message is not modified"


def _page_number(text: str) -> int | None:
    """A page from button data: ASCII digits, below MAX_PAGES; None for anything forged."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 3 and int(text) < MAX_PAGES else None


async def _page(context: BotContext, days: int, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    since = context.services.now() - timedelta(days=days)
    lines = await audit.lines_since(context.session, since, limit=PAGE_SIZE + 1, offset=page * PAGE_SIZE)
    if not lines:
        return texts.AUDIT_NONE.format(days=days), None
    more = len(lines) > PAGE_SIZE
    shown = [_line(context, line) for line in lines[:PAGE_SIZE]]
    text = "\n".join([texts.AUDIT_HEADER.format(days=days, page=page + 1), *shown])
    return text, _pager(days, page, more)


def _line(context: BotContext, line: AuditLine) -> str:
    return texts.AUDIT_LINE.format(
        when=_when(line.at, context), actor=line.actor_name or texts.AUDIT_CLI_ACTOR,
        action=texts.AUDIT_ACTIONS.get(line.action, line.action),
        detail=_detail(line),
    )


def _detail(line: AuditLine) -> str:
    detail = texts.audit_detail(line.action, line.detail)
    return f" {detail}" if detail else ""


def _when(moment: datetime, context: BotContext) -> str:
    local = moment.astimezone(context.services.config.tz)
    return local.strftime("%m-%d %H:%M")


def _pager(days: int, page: int, more: bool) -> InlineKeyboardMarkup | None:
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(texts.AUDIT_NEWER, callback_data=f"{PREFIX}:p:{days}:{page - 1}"))
    if more:
        row.append(InlineKeyboardButton(texts.AUDIT_OLDER, callback_data=f"{PREFIX}:p:{days}:{page + 1}"))
    return InlineKeyboardMarkup([row]) if row else None


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("audit", audit_command))
    app.add_handler(CallbackQueryHandler(on_page, pattern=rf"^{PREFIX}:"))
