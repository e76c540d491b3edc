"""The week's reading as messages: /reading's text and its 已读 / 写心得 buttons, and what the
Monday reminder (config readings.reminder) adds when the week has a reading.

Buttons carry the reading's id only: `rd:read|note:<reading id>` (handlers/readings.py).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.config import Config
from bot.services import Services
from bot.study.progress import local_today
from db import readings
from knowledge.readings import Reading, monday_of

PREFIX = "rd"


def this_monday(services: Services) -> date:
    return monday_of(local_today(services.now(), services.config.tz))


def credits_of(config: Config, reading: Reading) -> tuple[float, float]:
    """(已读, 心得) credits: the reading's own, else the config's defaults."""
    settings = config.readings
    read = reading.credits if reading.credits is not None else settings.read_credits
    notes = reading.notes_credits if reading.notes_credits is not None else settings.notes_credits
    return read, notes


def week_words(monday: date) -> str:
    return texts.READING_WEEK.format(start=texts.day(monday), end=texts.day(monday + timedelta(days=6)))


def body_of(reading: Reading) -> str:
    parts = [p for p in (reading.text, texts.READING_LINK.format(link=reading.link) if reading.link else None,
                         texts.READING_SOURCE.format(source=reading.source) if reading.source else None) if p]
    return "\n".join(parts)


def reading_text(config: Config, reading: Reading) -> str:
    read, notes = credits_of(config, reading)
    name = config.study.credit_name
    return texts.READING_SHOW.format(
        week=week_words(reading.week), title=reading.title, body=body_of(reading),
        read=texts.credits(read, name), notes=texts.credits(notes, name), min=config.readings.notes_min_chars,
    )


def reading_buttons(reading_id: str) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(texts.READING_READ_BUTTON, callback_data=f"{PREFIX}:read:{reading_id}"),
        InlineKeyboardButton(texts.READING_NOTES_BUTTON, callback_data=f"{PREFIX}:note:{reading_id}"),
    ]


def reading_keyboard(reading_id: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([reading_buttons(reading_id)])


async def for_reminder(session: AsyncSession, services: Services, schedule_key: str) -> Reading | None:
    """The week's reading, when `schedule_key` is the reminder that carries it (else None)."""
    if services.config.readings.reminder != schedule_key:
        return None
    return await readings.week_reading(session, services.readings, this_monday(services))


def reminder_line(reading: Reading) -> str:
    return texts.READING_REMINDER_LINE.format(title=reading.title)
