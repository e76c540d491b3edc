"""The one error handler: log with enough context to debug, answer politely, lose nothing."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot import texts
from bot.context import BotContext, current_scope

log = logging.getLogger("cadrebot.errors")


async def on_error(update: object, context: BotContext) -> None:
    scope = current_scope()
    if scope is not None:
        scope.failed = True  # the update's writes are rolled back, not half-committed
        await scope.session.rollback()
    if not isinstance(update, Update):
        log.error("error outside an update", exc_info=context.error)
        return
    user = update.effective_user
    log.error(
        "update %s from user %s failed (text=%r, data=%r)",
        update.update_id,
        user.id if user else None,
        (update.effective_message.text or "")[:200] if update.effective_message else None,
        update.callback_query.data if update.callback_query else None,
        exc_info=context.error,
    )
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.ERROR[:200], show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(texts.ERROR)
    except TelegramError:
        log.warning("could not tell user %s about the error", user.id if user else None)
