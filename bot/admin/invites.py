"""The invite list (id,name,code[,link]) as the CLI prints it and the bot attaches it, and the
bot username the links are made with.

A link is only as good as its username: the one Telegram reports for the token (getMe), never
one assumed from the config, or an invite code would travel to someone else's bot.
"""

from __future__ import annotations

import csv
import io
import logging

from db.models import Person
from db.people import invite_link

log = logging.getLogger(__name__)

INVITE_COLUMNS = ("id", "name", "code", "link")


def invite_rows(persons: list[Person], bot_username: str | None) -> list[tuple[str, ...]]:
    """One row per person; without a username (it could not be asked for), no link column."""
    if bot_username is None:
        return [(p.external_id, p.name, p.invite_code) for p in persons]
    return [(p.external_id, p.name, p.invite_code, invite_link(bot_username, p.invite_code)) for p in persons]


def invites_csv(persons: list[Person], bot_username: str | None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(INVITE_COLUMNS if bot_username is not None else INVITE_COLUMNS[:3])
    writer.writerows(invite_rows(persons, bot_username))
    return buffer.getvalue()


def invites_table(persons: list[Person], bot_username: str | None) -> str:
    lines = [
        " ".join([f"{row[0]:<12}", f"{row[1]:<8}", f"{row[2]:<10}", *row[3:]]).rstrip()
        for row in invite_rows(persons, bot_username)
    ]
    return "\n".join(lines)


async def bot_username(token: str, api_base_url: str | None = None) -> str:
    """The username Telegram knows this token's bot by (getMe), through PTB's Bot with the
    configured Bot API server. Raises telegram.error.TelegramError when it cannot be asked."""
    from telegram import Bot

    kwargs = {"base_url": f"{api_base_url}/bot", "base_file_url": f"{api_base_url}/file/bot"} if api_base_url else {}
    async with Bot(token, **kwargs) as bot:  # initialize() calls getMe
        return bot.username


def warn_if_username_differs(configured: str, actual: str | None) -> bool:
    """Log a warning when config's bot.username is not the bot's real name; True if it differs.
    Links are made with the real name anyway: the warning is for whoever reads the config."""
    if actual is None or configured.lower() == actual.lower():
        return False
    log.warning(
        "config bot.username is @%s but Telegram says this bot is @%s: invite links use @%s; "
        "set bot.username: %s in the config to match", configured, actual, actual, actual,
    )
    return True
