"""Accounts: who one is bound as (/me), and an admin's way out of account trouble (/unbind).

A new phone or Telegram account, or a code that reached the wrong person: /unbind detaches
the person from the Telegram account they are bound to and issues a new invite code (the old
one is void), after a confirmation that names who. Callback data: acct:unbind:<person id>:
<Telegram user id> (the binding the admin saw: a press after it changed does nothing) and
acct:keep:<person id>.
"""

from __future__ import annotations

import logging

from telegram import BotCommandScopeChat, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.context import BotContext
from bot.chat.ids import TELEGRAM_ID_DIGITS, parse_id
from bot.study.input import parse_record_id
from db import audit, flows, people
from db.models import Person
from handlers.access import require_role

log = logging.getLogger(__name__)

PREFIX = "acct"


async def me_command(update: Update, context: BotContext) -> None:
    """/me: the roster facts this Telegram account is bound to."""
    person = context.person
    assert person is not None  # the gate lets only bound people past, except /start
    level = texts.ME_LEVEL.format(level=person.level) if person.level else ""
    await update.message.reply_text(texts.ME.format(
        name=person.name, id=person.external_id, unit=person.unit or "—", roles=texts.role_list(person.roles),
        level=level,
    ))


async def resolve_one(update: Update, context: BotContext, wanted: str, command: str) -> Person | None:
    """The one person an admin means by 编号 or 姓名, or None after saying why not (nobody;
    several of that name, listed by 编号 with `command` ready to send again)."""
    found = await people.find(context.session, wanted)
    if not found:
        await update.message.reply_text(texts.ACCOUNT_NOT_FOUND.format(name=wanted[:20]))
        return None
    if len(found) > 1:
        lines = [texts.ACCOUNT_AMBIGUOUS.format(count=len(found), name=wanted[:20])]
        lines += [
            texts.ACCOUNT_AMBIGUOUS_LINE.format(command=command, id=p.external_id, unit=p.unit or "—", state=_state(p))
            for p in found
        ]
        await update.message.reply_text("\n".join(lines))
        return None
    return found[0]


def _state(person: Person) -> str:
    if not person.active:
        return texts.ACCOUNT_STATE_INACTIVE
    return "" if person.is_bound else texts.ACCOUNT_STATE_UNBOUND


def invite_link_line(context: BotContext, person: Person) -> str:
    """The person's invite link to this bot, named as Telegram names it (getMe)."""
    return texts.INVITE_LINK_LINE.format(link=people.invite_link(context.bot.username, person.invite_code))


def _refusal_text(refusal: people.UnbindRefusal, person: Person) -> str:
    template = {
        people.UnbindRefusal.SELF: texts.UNBIND_REFUSED_SELF,
        people.UnbindRefusal.LAST_ADMIN: texts.UNBIND_REFUSED_LAST_ADMIN,
        people.UnbindRefusal.NOT_BOUND: texts.UNBIND_NOT_BOUND,
    }[refusal]
    return template.format(name=person.name, id=person.external_id)


async def unbind_command(update: Update, context: BotContext) -> None:
    """/unbind 编号或姓名: show who would be unbound, with the button that does it."""
    if not await require_role(update, context, "admin"):
        return
    wanted = " ".join(context.args or []).strip()
    if not wanted:
        await update.message.reply_text(texts.UNBIND_USAGE)
        return
    person = await resolve_one(update, context, wanted, "/unbind")
    if person is None:
        return
    refusal = await people.unbind_refusal(context.session, person, context.person.id)
    if refusal is not None:
        await update.message.reply_text(_refusal_text(refusal, person))
        return
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(
            texts.UNBIND_BUTTON, callback_data=f"{PREFIX}:unbind:{person.id}:{person.telegram_user_id}"
        ),
        InlineKeyboardButton(texts.UNBIND_CANCEL_BUTTON, callback_data=f"{PREFIX}:keep:{person.id}"),
    ]])
    await update.message.reply_text(texts.UNBIND_CONFIRM.format(
        name=person.name, id=person.external_id, unit=person.unit or "—", roles=texts.role_list(person.roles),
    ), reply_markup=markup)


def _telegram_id(text: str) -> int | None:
    """A Telegram user id from button data: ASCII digits only, and not absurdly many."""
    return parse_id(text, TELEGRAM_ID_DIGITS)


async def on_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    parts = (query.data or "").split(":")
    if context.person is None or not context.person.has_role("admin"):
        await query.answer(texts.NOT_ALLOWED, show_alert=True)
        return
    if len(parts) == 3 and parts[1] == "keep" and parse_record_id(parts[2]) is not None:
        await query.answer()
        await query.edit_message_text(texts.UNBIND_CANCELLED)
        return
    person_id = parse_record_id(parts[2]) if len(parts) == 4 and parts[1] == "unbind" else None
    telegram_id = _telegram_id(parts[3]) if person_id is not None else None
    if person_id is None or telegram_id is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await _unbind(update, context, person_id, telegram_id)


async def _unbind(update: Update, context: BotContext, person_id: int, telegram_id: int) -> None:
    query, session = update.callback_query, context.session
    person = await people.by_id(session, person_id)
    if person is None or person.telegram_user_id != telegram_id:
        await query.answer(texts.UNBIND_STALE, show_alert=True)
        return
    refusal = await people.unbind_refusal(session, person, context.person.id)
    if refusal is not None:
        await query.answer(_refusal_text(refusal, person)[:200], show_alert=True)
        return
    unbound = await people.unbind(session, person, telegram_id)
    if unbound is None:
        await query.answer(texts.UNBIND_STALE, show_alert=True)
        return
    # A draft or a notes step the old account left open must not pass to whoever binds next.
    await flows.close(session, person.id)
    await audit.record(session, context.person.id, "people.unbind", {
        "person": person.external_id, "name": person.name,
    }, context.services.now())
    await session.commit()
    await query.answer()
    await query.edit_message_text(texts.UNBIND_DONE.format(
        name=person.name, id=person.external_id, code=person.invite_code, link=invite_link_line(context, person),
    ))
    if unbound.old_chat_id is not None:
        await _tell_old_account(context, unbound.old_chat_id)


async def _tell_old_account(context: BotContext, chat_id: int) -> None:
    """The old account is told, and loses its menu; a blocked or gone chat costs only that."""
    try:
        await context.bot.send_message(chat_id, texts.UNBIND_TOLD)
        await context.bot.delete_my_commands(scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:
        log.warning("could not tell an unbound chat %s: %s", chat_id, exc)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("me", me_command))
    app.add_handler(CommandHandler("unbind", unbind_command))
    app.add_handler(CallbackQueryHandler(on_button, pattern=rf"^{PREFIX}:"))
