"""A restart, as the handler tests see it: a second Application (with its own Services and
Bot API recorder) on the same database and notes key, as after a deploy or on a second
instance. Chats keep the bot's earlier messages, as Telegram does, so their buttons work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.console.request import LocalRequest
from bot.services import make_services
from tests.conftest import BotHarness


@asynccontextmanager
async def restarted(first: BotHarness) -> AsyncIterator[BotHarness]:
    services = make_services(first.services.config, database_url=first.services.db.url, notes=first.services.notes)
    services.clock = first.services.clock
    second = BotHarness(services, LocalRequest(bot_username="cadrebot_test"))
    second.request.messages.update(first.request.messages)
    second.chat._message_ids = first.chat._message_ids  # Telegram's message ids go on
    second._next_user_id = first._next_user_id
    await second.app.initialize()
    try:
        yield second
    finally:
        await second.app.shutdown()
        await services.db.dispose()
