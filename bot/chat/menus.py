"""Per-role Telegram command menus (set_my_commands with a chat scope).

A person's chat gets the menu of their roles when they join; at start-up, a one-off job
brings every other menu up to date (new commands, changed roles), skipping chats whose menu
already matches, so a restart does not call Telegram once per person.
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.chat.commands import commands_for, menu_signature
from bot.services import Services
from db import people
from db.models import Person

log = logging.getLogger(__name__)


async def sync_menu(bot: Bot, person: Person) -> None:
    """Give this person's chat the menu of their roles; a failure only costs the menu."""
    signature = menu_signature(person.roles)
    if person.chat_id is None or person.menu_signature == signature:
        return
    commands = [BotCommand(c.name, c.description) for c in commands_for(person.roles)]
    try:
        await bot.set_my_commands(commands, scope=BotCommandScopeChat(person.chat_id))
    except TelegramError as exc:
        log.warning("could not set the command menu for person %s: %s", person.id, exc)
        return
    person.menu_signature = signature


async def refresh_menus(bot: Bot, services: Services) -> int:
    """Bring every joined, active person's menu up to date; returns how many were set."""
    async with services.db.session() as session:
        stale = [p for p in await people.joined(session) if p.menu_signature != menu_signature(p.roles)]
        for person in stale:
            await sync_menu(bot, person)
        await session.commit()
    return len(stale)
