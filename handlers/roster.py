"""The roster in the bot: an admin uploads it, and asks for the invite codes still unused."""

from __future__ import annotations

import io

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import texts
from bot.context import BotContext
from bot.invites import invites_csv
from bot.menus import refresh_menus
from db import people
from db.roster import RosterError, parse_roster
from handlers.access import require_role


async def import_roster_upload(update: Update, context: BotContext, filename: str, content: bytes) -> None:
    try:
        rows = parse_roster(filename, content)
    except RosterError as error:
        await update.message.reply_text(texts.ROSTER_FAILED.format(error=texts.roster_error(error)))
        return
    summary = await people.import_roster(context.session, rows, context.services.now())
    await context.session.commit()
    await refresh_menus(context.bot, context.services)  # roles may have changed
    await update.message.reply_text(texts.ROSTER_IMPORTED.format(**summary.__dict__))
    await send_invites(update, context)


async def invites_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "admin"):
        return
    await send_invites(update, context)


async def send_invites(update: Update, context: BotContext) -> None:
    pending = await people.pending_invites(context.session)
    if not pending:
        await update.message.reply_text(texts.INVITES_NONE)
        return
    data = invites_csv(pending, context.bot.username).encode("utf-8-sig")
    await update.message.reply_document(
        document=io.BytesIO(data), filename="invites.csv", caption=texts.INVITES_CAPTION.format(count=len(pending))
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("invites", invites_command))
