"""Role checks shared by handlers: refuse politely and reveal nothing."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.context import BotContext
from handlers.replies import tell


async def require_role(update: Update, context: BotContext, role: str) -> bool:
    person = context.person
    if person is not None and person.has_role(role):
        return True
    await tell(update, texts.NOT_ALLOWED)
    return False
