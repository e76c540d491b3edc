"""Supervisors and admins on demand: /digest, /report <name>, /export [period], and the digest pager.

Who sees what: a supervisor only the units they supervise, an admin everything except talk
notes (which no report contains). Anything else gets the same polite refusal whether or not
the person asked about exists.
"""

from __future__ import annotations

import asyncio
import io
import re
from datetime import date, timedelta

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.context import BotContext
from bot.chat.ids import parse_naturals
from bot.scheduling.delivery import Outgoing, send_attachment
from bot.digests.delivery import CALLBACK, org_message, pager, unit_message, unit_pages
from bot.digests.model import RecordRow, TalkRow
from bot.digests.text import org_digest_pages
from bot.digests.figures import org_digest, person_rows, unit_digest, week_of
from bot.study.progress import current_period, local_today, period_of_year, progress_bar, target_for
from bot.study.input import StudyInputError, parse_date
from bot.config import StudySettings
from bot.digests.workbooks import notes_sheet, unit_export_sheets, workbook_bytes
from bot.digests import annual
from bot.digests.annual_views import annual_sheet
from db import credits, people, readings, talks
from db.models import Person
from db.people import PersonFacts
from handlers.access import require_role

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")


def _today(context: BotContext) -> date:
    return local_today(context.services.now(), context.services.config.tz)


def _units(person: Person) -> list[str]:
    return sorted(person.supervised_units) if person.has_role("supervisor") else []


async def _allowed(update: Update, context: BotContext) -> bool:
    person = context.person
    if person is not None and (person.has_role("supervisor") or person.has_role("admin")):
        return True
    return await require_role(update, context, "supervisor")  # answers the refusal


# --- /digest ---------------------------------------------------------------------------------


def parse_week(words: list[str], today: date) -> date | None:
    """Monday of the week asked for: 本周 (default), 上周, or any date in it."""
    text = " ".join(words).strip()
    if text in ("", "本周", "这周"):
        return week_of(today)[0]
    if text in ("上周", "上一周"):
        return week_of(today - timedelta(days=7))[0]
    try:
        return week_of(parse_date(text, today))[0]
    except StudyInputError:
        return None


async def digest_command(update: Update, context: BotContext) -> None:
    if not await _allowed(update, context):
        return
    today = _today(context)
    week_start = parse_week(context.args or [], today)
    if week_start is None:
        await update.message.reply_text(texts.DIGEST_USAGE)
        return
    if week_start > today:
        await update.message.reply_text(texts.DIGEST_FUTURE)
        return
    person, services, session = context.person, context.services, context.session
    units = _units(person)
    if not units and not person.has_role("admin"):
        await update.message.reply_text(texts.DIGEST_NOTHING)
        return
    for index in range(len(units)):
        message, _ = await unit_message(session, services, units, index, week_start, with_chart=True)
        await _send(update, context, message)
    if person.has_role("admin"):
        message, _ = await org_message(session, services, week_start)
        await _send(update, context, message)


async def _send(update: Update, context: BotContext, message: Outgoing) -> None:
    chat_id = update.effective_chat.id
    await context.bot.send_message(chat_id, message.text, reply_markup=message.reply_markup)
    for item in message.attachments:
        await send_attachment(context.bot, chat_id, item)


async def on_page(update: Update, context: BotContext) -> None:
    """dg:u:<unit index>:<week ordinal>:<page> or dg:o:0:<week ordinal>:<page>; permissions re-checked."""
    query, person = update.callback_query, context.person
    parts = (query.data or "").split(":")
    numbers = parse_naturals(parts[2:]) if len(parts) == 5 and parts[1] in ("u", "o") else None
    if numbers is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    kind, (index, ordinal, page) = parts[1], numbers
    units = _units(person)
    if (kind == "u" and index >= len(units)) or (kind == "o" and not person.has_role("admin")):
        await query.answer(texts.NOT_ALLOWED, show_alert=True)
        return
    try:
        week_start = date.fromordinal(ordinal)
    except ValueError:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    pages = await _pages(context, kind, units, index, week_start)
    if page >= len(pages):
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    try:
        await query.edit_message_text(pages[page], reply_markup=pager(kind, week_start, page, len(pages), index))
    except BadRequest:
        pass  # the same page again: "message is not modified"


async def _pages(context: BotContext, kind: str, units: list[str], index: int, week_start: date) -> list[str]:
    services, session, today = context.services, context.session, _today(context)
    credit = services.config.study.credit_name
    if kind == "u":
        digest = await unit_digest(session, services, units[index], week_start, today)
        return unit_pages(services, digest)
    digest = await org_digest(session, services, week_start, today)
    return org_digest_pages(digest, services.config.digest.org_page_size, credit_name=credit)


# --- /report -----------------------------------------------------------------------------------


async def visible_people(context: BotContext) -> list[PersonFacts]:
    """Whom the speaker may look at: an admin everyone, a supervisor their units' people."""
    person = context.person
    everyone = await people.facts(context.session)
    if person.has_role("admin"):
        return everyone
    return [p for p in everyone if people.supervises(person, p)]


async def report_command(update: Update, context: BotContext) -> None:
    if not await _allowed(update, context):
        return
    wanted = " ".join(context.args or []).strip()
    if not wanted:
        await update.message.reply_text(texts.REPORT_USAGE)
        return
    visible = await visible_people(context)
    by_id = await people.external_ids(context.session, [p.id for p in visible])
    matches = [p for p in visible if p.name == wanted or by_id.get(p.id) == wanted]
    if not matches:
        await update.message.reply_text(texts.REPORT_NOT_FOUND.format(name=wanted[:20]))
        return
    if len(matches) > 1:
        lines = [texts.REPORT_AMBIGUOUS] + [texts.REPORT_AMBIGUOUS_LINE.format(id=by_id[p.id], unit=p.unit) for p in matches]
        await update.message.reply_text("\n".join(lines))
        return
    # A person's records and talks: kept in this chat, not forwarded or saved (protect_content).
    await update.message.reply_text(await _report_text(context, matches[0]), protect_content=True)


async def _report_text(context: BotContext, person: PersonFacts) -> str:
    services, session, today = context.services, context.session, _today(context)
    settings = services.config.study
    period = current_period(settings, today)
    target = target_for(person, settings)
    progress = await credits.year_progress(session, person.id, period, target, today, latest=10)
    credit = settings.credit_name
    level = f"，{person.level}" if person.level else ""
    lines = [
        texts.REPORT_HEADER.format(name=person.name, unit=person.unit or "—", level=level, year=period.label),
        texts.CREDITS_TOTAL.format(total=texts.num(progress.total), target=texts.num(target), credit=credit),
        progress_bar(progress.fraction),
    ]
    if progress.pending:
        lines.append(texts.REPORT_PENDING.format(pending=texts.num(progress.pending), credit=credit))
    if not person.reachable or person.chat_id is None:
        lines.append(texts.REPORT_UNREACHABLE)
    lines += ["", texts.REPORT_RECORDS] if progress.latest else ["", texts.REPORT_NO_RECORDS]
    for record in progress.latest:
        lines.append(texts.REPORT_RECORD_LINE.format(
            id=record.id, day=texts.day(record.study_date, today), activity=settings.activity_name(record.activity),
            amount=texts.amount(record.amount, record.unit), credits=texts.credits(record.credits, credit),
            status=texts.STATUS_NAMES[record.status],
        ))
    history = await talks.history_for_supervisor(session, viewer_id=-1, cadre_id=person.id)  # -1: no notes, ever
    lines += ["", texts.REPORT_TALKS if history else texts.REPORT_NO_TALKS]
    lines += [texts.REPORT_TALK_LINE.format(day=view.held_on.isoformat(), supervisor=view.supervisor_name) for view in history[:10]]
    rows = await person_rows(session, services, [person], today, today, today)
    due = rows[0].talk_due
    if due is not None:
        lines.append(texts.REPORT_TALK_DUE.format(due=due.isoformat(), overdue=texts.REPORT_OVERDUE if rows[0].talk_overdue else ""))
    return "\n".join(lines)[:4000]


# --- /export -----------------------------------------------------------------------------------


def parse_period(words: list[str], today: date, settings: StudySettings) -> tuple[date, date] | None:
    """[start, end] inclusive: the study year (default), a year, 本周/上周, 本月/上月, or YYYY-MM."""
    text = " ".join(words).strip()
    if text in ("", "本年", "今年"):
        period = current_period(settings, today)
        return period.start, period.end - timedelta(days=1)
    if text.isdigit() and len(text) == 4 and 2000 <= int(text) <= today.year:
        period = period_of_year(settings, int(text))
        return period.start, period.end - timedelta(days=1)
    if text in ("本周", "这周", "上周"):
        start = week_of(today - timedelta(days=7 if text == "上周" else 0))[0]
        return start, start + timedelta(days=6)
    if text in ("本月", "上月"):
        first = today.replace(day=1)
        if text == "上月":
            first = (first - timedelta(days=1)).replace(day=1)
        return first, _month_end(first)
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if 2000 <= year and 1 <= month <= 12 and date(year, month, 1) <= today:
            return date(year, month, 1), _month_end(date(year, month, 1))
    return None


def _month_end(first: date) -> date:
    return (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


async def export_command(update: Update, context: BotContext) -> None:
    if not await _allowed(update, context):
        return
    services, session, today = context.services, context.session, _today(context)
    window = parse_period(context.args or [], today, services.config.study)
    if window is None:
        await update.message.reply_text(texts.EXPORT_USAGE)
        return
    person = context.person
    scopes = [(texts.EXPORT_ORG_SCOPE, None)] if person.has_role("admin") else [(u, u) for u in _units(person)]
    if not scopes:
        await update.message.reply_text(texts.DIGEST_NOTHING)
        return
    for label, unit in scopes:
        persons = await people.facts(session, role="cadre", unit=unit)
        content = await _workbook(context, persons, label, window, with_notes=person.has_role("admin"))
        await update.message.reply_document(
            document=io.BytesIO(content), filename=f"{label}-{window[0].isoformat()}-{window[1].isoformat()}.xlsx",
            caption=texts.EXPORT_CAPTION.format(scope=label, start=window[0].isoformat(), end=window[1].isoformat()),
            protect_content=True,
        )


async def _workbook(
    context: BotContext, persons: list[PersonFacts], label: str, window: tuple[date, date], *, with_notes: bool = False,
) -> bytes:
    """The export of `persons` for `window`: every figure as of the window's end (or today,
    if sooner), each person and record with their own unit (the organisation export mixes
    units), each record with its 编号 (what /void and /fix take); then the annual sheet of the
    study year the window ends in (talks counted, never their notes). `with_notes` (an admin's
    export only) adds the 心得 of the week's readings of the window."""
    services, session, today = context.services, context.session, _today(context)
    settings = services.config.study
    ids = [p.id for p in persons]
    by_id = {p.id: p for p in persons}
    rows = await person_rows(session, services, persons, window[0], window[1], today)
    records = await credits.records_between(session, ids, window[0], window[1] + timedelta(days=1))
    record_rows = [RecordRow(
        record_id=r.id, study_date=r.study_date, name=by_id[r.person_id].name, person_unit=by_id[r.person_id].unit,
        activity=settings.activity_name(r.activity), amount=r.amount, unit_label=r.unit, credits=r.credits,
        status=r.status, note=r.note or None, created_at=r.created_at,
    ) for r in records]
    talk_rows = [TalkRow(held_on=day, supervisor=supervisor, cadre=cadre, recorded_by=supervisor)
                 for day, supervisor, cadre in await talks.talks_between(session, ids, window[0], window[1])]
    sheets = unit_export_sheets(rows, record_rows, talk_rows, unit=label, credit_name=settings.credit_name)
    if with_notes:
        sheets.append(notes_sheet(await readings.notes_between(session, ids, window[0], window[1])))
    # The 学习积分制度 record: the whole study year the window ends in (this week's Sunday may
    # lie in a year not yet begun: then today's), one row a person.
    year = current_period(settings, min(window[1], today)).label
    yearly = await annual.gather(session, services, persons, year)
    sheets.append(annual_sheet(yearly, year=year, credit_name=settings.credit_name))
    return await asyncio.to_thread(workbook_bytes, sheets, tz=services.config.tz)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("digest", digest_command))
    app.add_handler(CommandHandler("report", report_command))
    app.add_handler(CommandHandler("export", export_command))
    app.add_handler(CallbackQueryHandler(on_page, pattern=rf"^{CALLBACK}:"))
