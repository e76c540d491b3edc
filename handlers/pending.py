"""/pending: what waits for this supervisor (or admin) to decide, oldest first, with the
通过/退回 (or 同意更正/不同意) buttons on each, PAGE_SIZE a page.

The list is exactly what the person may decide on (credits.pending_for and fixes.open_for
apply people.may_confirm), so a button here never leads to a refusal. The buttons carry the
page (rv:ok:<record id>:<page>, fx:ok:<fix id>:<page>); after a decision the page is shown
again with the outcome on top. Paging: pd:pg:<page>.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.scheduling import review_prompts
from bot.context import BotContext
from bot.chat.ids import parse_id
from db import credits, fixes
from db.models import Person, StudyFix, StudyRecord
from handlers.replies import tell

PREFIX = "pd"
PAGE_SIZE = 5


@dataclass(frozen=True)
class Waiting:
    """One thing to decide: a pending record, or a /fix request (then `fix` is set)."""

    since: datetime
    record: StudyRecord
    owner: Person
    fix: StudyFix | None = None


def may_list(context: BotContext) -> bool:
    person = context.person
    return person is not None and (person.has_role("supervisor") or person.has_role("admin"))


async def waiting_for(context: BotContext) -> list[Waiting]:
    """Pending records and open requests together, the longest-waiting first."""
    session, person = context.session, context.person
    items = [Waiting(record.created_at, record, owner) for record, owner in await credits.pending_for(session, person)]
    items += [Waiting(fix.asked_at, record, owner, fix) for fix, record, owner in await fixes.open_for(session, person)]
    return sorted(items, key=lambda item: (item.since, item.record.id, item.fix.id if item.fix else 0))


async def page_view(context: BotContext, page: int, lead: str = "") -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of /pending (the last one if `page` is past it), `lead` above it."""
    items = await waiting_for(context)
    top = f"{lead}\n\n" if lead else ""
    if not items:
        return top + texts.PENDING_NONE, None
    pages = (len(items) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 1), pages)
    shown = items[(page - 1) * PAGE_SIZE:page * PAGE_SIZE]
    where = texts.PENDING_PAGE.format(page=page, pages=pages) if pages > 1 else ""
    lines = [texts.PENDING_HEADER.format(count=len(items), page=where)]
    rows: list[list[InlineKeyboardButton]] = []
    now, study = context.services.now(), context.services.config.study
    for n, item in enumerate(shown, start=(page - 1) * PAGE_SIZE + 1):
        record, owner = item.record, item.owner
        template = texts.PENDING_LINE if item.fix is None else texts.PENDING_FIX_LINE
        lines.append(template.format(
            n=n, id=record.id, person=owner.name, unit=owner.unit or "—", name=study.activity_name(record.activity),
            amount=texts.amount(record.amount, record.unit), credits=texts.credits(record.credits, study.credit_name),
            day=texts.day(record.study_date), waited=texts.waited(item.since, now),
            note=(item.fix.note if item.fix is not None else record.note) or texts.STUDY_NOTE_NONE,
        ))
        markup = (review_prompts.record_buttons(record.id, page) if item.fix is None
                  else review_prompts.fix_buttons(item.fix, record.id, page))
        rows.extend(list(row) for row in markup.inline_keyboard)
    nav = []
    if page > 1:
        nav.append(InlineKeyboardButton(texts.PAGE_PREV, callback_data=f"{PREFIX}:pg:{page - 1}"))
    if page < pages:
        nav.append(InlineKeyboardButton(texts.PAGE_NEXT, callback_data=f"{PREFIX}:pg:{page + 1}"))
    if nav:
        rows.append(nav)
    return top + "\n".join(lines), InlineKeyboardMarkup(rows)


async def pending_command(update: Update, context: BotContext) -> None:
    if not may_list(context):
        await tell(update, texts.NOT_ALLOWED)
        return
    text, markup = await page_view(context, 1)
    await update.message.reply_text(text, reply_markup=markup)


async def on_page(update: Update, context: BotContext) -> None:
    query = update.callback_query
    parts = (query.data or "").split(":")
    page = parse_id(parts[2]) if len(parts) == 3 else None
    if page is None or not may_list(context):
        await query.answer(texts.BUTTON_EXPIRED if page is None else texts.NOT_ALLOWED, show_alert=True)
        return
    await query.answer()
    text, markup = await page_view(context, page)
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:  # the page as it already stands ("message is not modified")
        if "not modified" not in str(exc):
            raise


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("pending", pending_command))
    app.add_handler(CallbackQueryHandler(on_page, pattern=rf"^{PREFIX}:pg:"))
