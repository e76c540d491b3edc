"""/annual [年份]: a cadre's study year on one page, a PNG card and the same figures as text.

Only the speaker's own figures, in private (handlers/groups.py answers /annual in a group with
"please ask in private"). Supervisors and admins find the same figures for their people in the
annual sheet of /export (handlers/reports.py).
"""

from __future__ import annotations

import asyncio
import io
import unicodedata
from datetime import date

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import texts
from bot.context import BotContext
from bot.digests import annual
from bot.digests.annual_card import card_png
from bot.digests.annual_views import annual_text
from bot.study.progress import current_period, local_today
from handlers.access import require_role

EARLIEST_YEAR = 2000  # as /credits: before it, a typo rather than a study year


def year_asked(args: list[str], current: int) -> int | str:
    """The study year asked for (none: the current one), or "bad" / "future" to say why not."""
    if not args:
        return current
    typed = unicodedata.normalize("NFKC", " ".join(args)).strip().removesuffix("年度").removesuffix("年")
    if not (typed.isascii() and typed.isdigit() and len(typed) == 4):
        return "bad"
    year = int(typed)
    if year > current:
        return "future" if year <= current + 1 else "bad"
    return year if year >= EARLIEST_YEAR else "bad"


async def annual_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "cadre"):
        return
    services, person = context.services, context.person
    config = services.config
    today: date = local_today(services.now(), config.tz)
    current = current_period(config.study, today).label
    year = year_asked(list(context.args or []), current)
    if year == "future":
        await update.message.reply_text(texts.ANNUAL_NOT_STARTED.format(
            year=current + 1, first=EARLIEST_YEAR, last=current))
        return
    if isinstance(year, str):
        await update.message.reply_text(texts.ANNUAL_USAGE.format(first=EARLIEST_YEAR, last=current))
        return
    [figures] = await annual.gather(context.session, services, [person], year)
    credit = config.study.credit_name
    # Drawing takes a moment: off the event loop, so others' updates go on being answered.
    png = await asyncio.to_thread(card_png, figures, credit_name=credit)
    # A person's own record: kept in this chat, not forwarded (as /report and /export are).
    await update.message.reply_photo(
        photo=io.BytesIO(png), filename=texts.ANNUAL_FILE.format(year=year),
        caption=texts.ANNUAL_CARD_CAPTION.format(name=person.name, year=year), protect_content=True,
    )
    await update.message.reply_text(annual_text(figures, credit), protect_content=True)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("annual", annual_command))
