"""Collective sessions' messages: the 签到 invitation (each cadre's, a delivery; or the group's
one message), the organiser's live count with 结束 and 名单, and the end report; and the
planner that ends sessions whose window has passed, so the report goes out once, after a
restart too (a delivery row, session:<id> / report).

Buttons carry the session id only: `ss:in|end|list:<id>` (handlers/sessions.py), `ss:mk:<id>`
(补学, handlers/session_makeup.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.config import ActivitySettings, Config
from bot.scheduling.delivery import Outgoing
from bot.services import Services
from bot.study.progress import local_today
from db import credits, sessions
from db.deliveries import Claimed
from db.models import StudySession
from db.people import PersonFacts

PREFIX = "ss"


def checkin_keyboard(session_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.SESSION_CHECKIN_BUTTON, callback_data=f"{PREFIX}:in:{session_id}"),
    ]])


def makeup_keyboard(session_id: int) -> InlineKeyboardMarkup:
    """What a closed invitation offers instead of 签到: 补学 (handlers/session_makeup.py)."""
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.SESSION_MAKEUP_BUTTON, callback_data=f"{PREFIX}:mk:{session_id}"),
    ]])


def control_keyboard(session_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.SESSION_END_BUTTON, callback_data=f"{PREFIX}:end:{session_id}"),
        InlineKeyboardButton(texts.SESSION_LIST_BUTTON, callback_data=f"{PREFIX}:list:{session_id}"),
    ]])


def _figures(config: Config, row: StudySession, activity: ActivitySettings | None) -> dict[str, str]:
    unit = activity.unit if activity else "session"
    per_unit = activity.credits_per_unit if activity else 0
    return {
        "name": config.study.activity_name(row.activity),
        "topic": texts.SESSION_INVITE_TOPIC.format(topic=row.topic) if row.topic else "",
        "amount": texts.amount(row.amount, unit),
        "credits": texts.credits(round(row.amount * per_unit, 2), config.study.credit_name),
        "until": texts.moment(row.closes_at, config.tz),
    }


def invite_text(config: Config, row: StudySession, organiser: str, *, closed: bool = False) -> str:
    """The 签到 invitation; `closed`: as it reads once the window closed, offering 补学."""
    activity = config.study.activity(row.activity)
    template = texts.SESSION_INVITE_CLOSED if closed else texts.SESSION_INVITE
    return template.format(organiser=organiser, **_figures(config, row, activity))


def control_text(config: Config, row: StudySession, count: int) -> str:
    template = texts.SESSION_CONTROL_ENDED if row.ended_at is not None else texts.SESSION_CONTROL
    figures = _figures(config, row, config.study.activity(row.activity))
    return template.format(count=count, expected=row.expected, **figures)


def control_markup(row: StudySession) -> InlineKeyboardMarkup:
    """结束 and 名单 while open; 名单 alone once ended."""
    if row.ended_at is None:
        return control_keyboard(row.id)
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.SESSION_LIST_BUTTON, callback_data=f"{PREFIX}:list:{row.id}")]])


def _names(people_: list[tuple[str, str]], with_units: bool) -> str:
    if not people_:
        return texts.SESSION_REPORT_NONE
    return "、".join(f"{name}（{unit}）" if with_units else name for name, unit in people_)


async def report_text(session: AsyncSession, config: Config, row: StudySession, now: datetime) -> str:
    """Who checked in and who did not (by name; with units when the audience spans several)."""
    seen = await sessions.attendance(session, row)
    count = len(seen.present)
    with_units = row.units is None or len(row.units) > 1
    expected = max(row.expected, count)
    text = texts.SESSION_REPORT.format(
        state=texts.SESSION_REPORT_ENDED if row.ended_at is not None else texts.SESSION_REPORT_OPEN,
        name=config.study.activity_name(row.activity),
        topic=texts.SESSION_INVITE_TOPIC.format(topic=row.topic) if row.topic else "",
        day=texts.day(row.study_date, local_today(now, config.tz)), count=count, expected=row.expected,
        rate=texts.num(100 * count / expected) if expected else "0",
        present=_names(seen.present, with_units), absent=_names(seen.absent, with_units),
    )
    if seen.absent and row.ended_at is not None:
        text += "\n" + texts.SESSION_REPORT_MAKEUP.format(name=config.study.activity_name(row.activity))
    return text


# --- the scheduler: window ends and the deliveries --------------------------------------------


async def plan_session_ends(session: AsyncSession, services: Services, now: datetime) -> int:
    """End every session whose window has passed; each gets its report delivery once."""
    ended = 0
    for row in await sessions.due_to_close(session, now):
        ended += await sessions.close_if_due(session, row, now)
    return ended


async def render_sessions(
    session: AsyncSession, services: Services, batch: list[tuple[Claimed, PersonFacts]]
) -> dict[int, Outgoing | None]:
    """A cadre's invitation (dropped once the session ended) or the organiser's report."""
    rendered: dict[int, Outgoing | None] = {}
    config, now = services.config, services.now()
    organisers: dict[int, str] = {}
    for delivery, _person in batch:
        wanted = delivery.kind.split(":", 1)[1]
        row = await sessions.by_id(session, int(wanted)) if wanted.isdigit() else None
        if row is None:
            rendered[delivery.id] = None
        elif delivery.period == sessions.REPORT:
            rendered[delivery.id] = Outgoing(await report_text(session, config, row, now))
        elif row.ended_at is not None or now >= row.closes_at:
            rendered[delivery.id] = None  # too late to check in: nothing to press
        else:
            if row.organiser_id not in organisers:
                organisers.update(await credits.names_of(session, {row.organiser_id}))
            name = organisers.get(row.organiser_id, "")
            rendered[delivery.id] = Outgoing(invite_text(config, row, name), checkin_keyboard(row.id))
    return rendered

