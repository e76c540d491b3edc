"""Digests as messages: the pages with their pager buttons and the chart, for the weekly fan-out
and for /digest on demand alike, so both look exactly the same."""

from __future__ import annotations

import asyncio
import re
import zlib
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.calendar import cron_trigger, latest_fire_time, postponed_to_workday
from bot.digests.charts import chart_height_px, unit_progress_chart
from bot.scheduling.delivery import Attachment, Outgoing
from bot.digests.model import UnitDigest
from bot.digests.text import org_digest_pages, unit_digest_pages
from bot.digests.figures import org_digest, unit_digest, week_of
from bot.study.progress import local_today
from bot.scheduling.reminders import deliver_at
from bot.services import Services
from bot.digests.gaps import gaps_report
from db import deliveries, reminders
from db.deliveries import Claimed, Planned
from db.people import PersonFacts, facts

KIND = "digest"
CALLBACK = "dg"
TELEGRAM_PHOTO_MAX_SIDE = 2560  # taller charts are sent as a file so Telegram does not shrink them


def unit_key(unit: str) -> str:
    """A short stable key for a unit name in delivery kinds (names may be long Chinese text)."""
    return f"{zlib.crc32(unit.encode()):08x}"


_UNSAFE_IN_FILENAME = re.compile(r'[\\/:*?"<>|\s]+')


def chart_filename(digest: UnitDigest) -> str:
    """`组织科-2026-11-16.png`: one name per unit and week, so a supervisor of two units gets two
    files that neither overwrite each other nor look the same in the chat. A unit name with
    characters a file name cannot hold is cleaned, with its key added so it stays unique."""
    safe = _UNSAFE_IN_FILENAME.sub("_", digest.unit).strip("_") or "unit"
    if safe != digest.unit:
        safe = f"{safe}-{unit_key(digest.unit)}"
    return f"{safe}-{digest.week_start.isoformat()}.png"


def unit_pages(services: Services, digest: UnitDigest) -> list[str]:
    """A unit digest's pages with the configured page size, attention count and credit name."""
    settings = services.config.digest
    return unit_digest_pages(digest, settings.page_size, credit_name=services.config.study.credit_name,
                             attention_count=settings.attention_count)


def pager(kind: str, week_start: date, page: int, pages: int, unit_index: int = 0) -> InlineKeyboardMarkup | None:
    """◀ ▶ buttons: `dg:u:<unit index>:<week ordinal>:<page>` or `dg:o:0:<week ordinal>:<page>`."""
    if pages <= 1:
        return None
    base = f"{CALLBACK}:{kind}:{unit_index}:{week_start.toordinal()}"
    row = []
    if page > 0:
        row.append(InlineKeyboardButton(texts.DIGEST_PREV, callback_data=f"{base}:{page - 1}"))
    if page < pages - 1:
        row.append(InlineKeyboardButton(texts.DIGEST_NEXT, callback_data=f"{base}:{page + 1}"))
    return InlineKeyboardMarkup([row])


async def unit_message(
    session: AsyncSession, services: Services, units: list[str], index: int, week_start: date, with_chart: bool
) -> tuple[Outgoing, list[str]]:
    """Page 1 of a unit's digest, its pager and (optionally) the chart; plus all pages."""
    today = local_today(services.now(), services.config.tz)
    digest = await unit_digest(session, services, units[index], week_start, today)
    pages = unit_pages(services, digest)
    attachments = (await chart_attachment(services, digest),) if with_chart and digest.people else ()
    return Outgoing(pages[0], pager("u", week_start, 0, len(pages), index), attachments=attachments), pages


async def chart_attachment(services: Services, digest: UnitDigest) -> Attachment:
    # Rendering takes a few hundred milliseconds: off the event loop.
    png = await asyncio.to_thread(unit_progress_chart, digest, credit_name=services.config.study.credit_name)
    filename = chart_filename(digest)
    if chart_height_px(len(digest.people)) > TELEGRAM_PHOTO_MAX_SIDE:
        return Attachment("document", png, filename, texts.DIGEST_CHART_DOCUMENT.format(unit=digest.unit))
    return Attachment("photo", png, filename, texts.DIGEST_CHART_CAPTION.format(unit=digest.unit))


async def org_message(session: AsyncSession, services: Services, week_start: date) -> tuple[Outgoing, list[str]]:
    """Page 1 of the organisation digest with its pager, and the week's knowledge gaps after it."""
    today = local_today(services.now(), services.config.tz)
    digest = await org_digest(session, services, week_start, today)
    pages = org_digest_pages(digest, services.config.digest.org_page_size, credit_name=services.config.study.credit_name)
    return Outgoing(pages[0], pager("o", week_start, 0, len(pages))), pages


# --- the weekly fan-out ----------------------------------------------------------------------


def due_digest_fire(services: Services, now: datetime) -> datetime | None:
    """The cron fire time whose digest is owed at `now`, within the grace period. With
    digest.workdays_only, a fire on a day off is owed at the same time of the next workday,
    as people are back: the same holiday list as reminders, which are skipped instead."""
    settings = services.config
    grace = timedelta(minutes=settings.reminders.grace_minutes)
    calendar = settings.reminders.holidays.calendar
    look_back = grace + timedelta(minutes=1)
    if settings.digest.workdays_only:
        look_back += timedelta(days=calendar.days_off_before(now.astimezone(settings.tz).date()))
    fire = latest_fire_time(cron_trigger(settings.digest.cron, settings.tz), now, look_back)
    if fire is None:
        return None
    due = postponed_to_workday(fire, calendar, settings.tz) if settings.digest.workdays_only else fire
    return fire if due <= now and now - due <= grace else None


async def plan_digests(session: AsyncSession, services: Services, now: datetime) -> bool:
    """At the configured time each week: one delivery per supervised unit, one per admin."""
    settings = services.config
    fire = due_digest_fire(services, now)
    if fire is None:
        return False
    week_start, _ = week_of(fire.astimezone(settings.tz).date() - timedelta(days=7))  # the week just ended
    if not await deliveries.claim_fanout(session, KIND, week_start.isoformat(), now):
        return False
    recipients = [p for p in await facts(session, reachable_only=True) if p.has_role("supervisor") or p.has_role("admin")]
    prefs = await reminders.prefs_for(session, [p.id for p in recipients])
    for person in recipients:
        when = deliver_at(prefs.get(person.id), services, now)
        kinds = [f"{KIND}:u:{unit_key(unit)}" for unit in sorted(person.supervised_units) if person.has_role("supervisor")]
        if person.has_role("admin"):
            kinds.append(f"{KIND}:org")
        for kind in kinds:
            await deliveries.add_deliveries(session, kind, week_start.isoformat(), [Planned(person.id, when)], now)
    return True


async def render_digests(
    session: AsyncSession, services: Services, batch: list[tuple[Claimed, PersonFacts]]
) -> dict[int, Outgoing | None]:
    rendered: dict[int, Outgoing | None] = {}
    for delivery, person in batch:
        week_start = date.fromisoformat(delivery.period)
        target = delivery.kind.split(":")[1:]
        if target == ["org"]:
            rendered[delivery.id] = await _org_delivery(session, services, person, week_start)
            continue
        units = sorted(person.supervised_units) if person.has_role("supervisor") else []
        index = next((i for i, unit in enumerate(units) if target == ["u", unit_key(unit)]), None)
        rendered[delivery.id] = None if index is None else (
            await unit_message(session, services, units, index, week_start, with_chart=True))[0]
    return rendered


async def _org_delivery(session: AsyncSession, services: Services, person: PersonFacts, week_start: date) -> Outgoing | None:
    if not person.has_role("admin"):
        return None
    message, _ = await org_message(session, services, week_start)
    gaps = await gaps_report(
        session, services, services.config.digest.gap_days, texts.GAPS_DIGEST_HEADER, texts.GAPS_DIGEST_NONE)
    attachments = [Attachment("text", gaps.encode(), "gaps")]
    if notice := holidays_notice(services):
        attachments.append(Attachment("text", notice.encode(), "holidays"))
    return Outgoing(message.text, message.reply_markup, attachments=tuple(attachments))


def holidays_notice(services: Services) -> str | None:
    """For the admins' weekly digest: the years whose 放假安排 config lacks (this year; next
    year in December), since only admins can add them and nothing else would tell them."""
    today = local_today(services.now(), services.config.tz)
    missing = services.config.reminders.holidays.calendar.missing_lists(today)
    if not missing:
        return None
    return texts.HOLIDAYS_MISSING.format(years=texts.HOLIDAYS_YEAR_SEPARATOR.join(map(str, missing)))
