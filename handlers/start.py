"""Joining and finding one's way: /start with an invite code, /help, /cancel, unknown commands."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import texts
from bot.chat.commands import HELP_LAYOUT, command_named, commands_for
from bot.chat.menus import sync_menu
from bot.context import BotContext
from db import people

log = logging.getLogger(__name__)
MAX_CODE_LENGTH = 32


async def start(update: Update, context: BotContext) -> None:
    person = context.person
    code = context.args[0] if context.args else ""
    if person is not None:
        if code and code.upper() != person.invite_code:
            await update.message.reply_text(texts.START_ALREADY_BOUND_NEW_CODE.format(name=person.name))
        else:
            await update.message.reply_text(texts.START_AGAIN.format(name=person.name))
        return
    if not code:
        await update.message.reply_text(texts.WELCOME_UNKNOWN)
        return
    if len(code) > MAX_CODE_LENGTH:
        await update.message.reply_text(texts.START_UNKNOWN_CODE)
        return
    result = await people.bind_telegram(
        context.session, code, update.effective_user.id, update.effective_chat.id, context.services.now()
    )
    if result.outcome is people.BindOutcome.BOUND and result.person is not None:
        await context.session.commit()
        await sync_menu(context.bot, result.person)
        bound = result.person
        await update.message.reply_text(
            texts.START_BOUND.format(name=bound.name, unit=bound.unit or "—", roles=texts.role_list(bound.roles))
        )
        return
    refusal = {
        people.BindOutcome.UNKNOWN_CODE: texts.START_UNKNOWN_CODE,
        people.BindOutcome.USED_CODE: texts.START_USED_CODE,
        people.BindOutcome.INACTIVE: texts.START_INACTIVE_CODE,
    }[result.outcome]
    await update.message.reply_text(refusal)


async def help_command(update: Update, context: BotContext) -> None:
    """`/help`: the commands this person may use on one screen; `/help 命令`: one command's details."""
    person = context.person
    assert person is not None  # the gate lets only bound people past, except /start
    if context.args:
        await update.message.reply_text(help_detail(context.args[0], person.roles))
        return
    await update.message.reply_text(help_overview(person.name, person.roles))


def help_overview(name: str, roles: frozenset[str]) -> str:
    """A few commands to a line, in HELP_LAYOUT's order, so that it fits one phone screen."""
    allowed = {command.name: command for command in commands_for(roles)}
    lines = [texts.HELP_HEADER.format(name=name)]
    listed = []
    for row in HELP_LAYOUT:
        names = [n for n in row if n in allowed]
        listed += names
        if names:
            lines.append(texts.HELP_ITEM_SEPARATOR.join(
                texts.HELP_ITEM.format(name=n, short=texts.HELP_SHORT.get(n, allowed[n].description)) for n in names
            ))
    lines += [texts.HELP_ASK, texts.HELP_MORE.format(example=listed[0] if listed else "ask")]
    if "admin" in roles:
        lines.append(texts.HELP_ADMIN_FOOTER)
    return "\n".join(lines)


def help_detail(name: str, roles: frozenset[str]) -> str:
    """One command's description, usage and what else to know; a refusal names what was asked."""
    wanted = name.strip().removeprefix("/").split("@", 1)[0].lower()[:32]
    if wanted in ("upload", "上传") and "admin" in roles:
        return texts.HELP_UPLOAD
    command = command_named(wanted)
    if command is None:
        return texts.UNKNOWN_COMMAND.format(command=f"/{wanted}")
    if not command.roles & roles:
        return texts.HELP_NOT_YOURS.format(name=command.name)
    lines = [texts.HELP_DETAIL.format(name=command.name, description=command.description)]
    if command.usage:
        lines.append(texts.HELP_DETAIL_USAGE.format(usage=command.usage))
    if command.name in texts.HELP_DETAILS:
        lines.append(texts.HELP_DETAILS[command.name])
    return "\n".join(lines)


async def cancel(update: Update, context: BotContext) -> None:
    """Reached only when no conversation claimed /cancel, so there is nothing to cancel."""
    await update.message.reply_text(texts.NOTHING_TO_CANCEL)


async def unknown_command(update: Update, context: BotContext) -> None:
    command = (update.message.text or "").split(maxsplit=1)[0][:32]
    await update.message.reply_text(texts.UNKNOWN_COMMAND.format(command=command))


async def unsupported_message(update: Update, context: BotContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(texts.UNSUPPORTED_MESSAGE)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CommandHandler("help", help_command))


async def stale_button(update: Update, context: BotContext) -> None:
    """A button no feature recognises: old, from a removed feature, or forged."""
    await update.callback_query.answer(texts.BUTTON_EXPIRED, show_alert=True)


def register_fallbacks(app: Application) -> None:  # type: ignore[type-arg]
    """Last in the group: whatever no feature claimed."""
    app.add_handler(CommandHandler("cancel", cancel))  # conversations registered earlier win
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    app.add_handler(MessageHandler(filters.ALL & ~filters.StatusUpdate.ALL, unsupported_message))
