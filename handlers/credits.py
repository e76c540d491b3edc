"""Where a cadre stands: /credits for this study year, /credits 2025 for another, and
/credits export for every record as a spreadsheet."""

from __future__ import annotations

import asyncio
import io
from datetime import date

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import texts
from bot.config import Config
from bot.context import BotContext
from bot.progress import current_period, local_today, period_of_year, progress_bar, target_for
from bot.workbooks import Cell, Sheet, workbook_bytes
from db import credits
from db.models import Person, StudyRecord
from db.periods import Period
from handlers.access import require_role

EXPORT_WORDS = ("export", "导出")
EARLIEST_YEAR = 2000


async def credits_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "cadre"):
        return
    config, person = context.services.config, context.person
    today = local_today(context.services.now(), config.tz)
    args = context.args or []
    if args and args[0].lower() in EXPORT_WORDS:
        await _export(update, context)
        return
    period = _period_asked(args, config, today)
    if period is None:
        await update.message.reply_text(texts.CREDITS_USAGE)
        return
    if period.start > today:
        await update.message.reply_text(texts.CREDITS_NOT_STARTED.format(year=period.label))
        return
    progress = await credits.year_progress(
        context.session, person.id, period, target_for(person, config.study), today
    )
    await update.message.reply_text(progress_text(progress, person, config, today))


def _period_asked(args: list[str], config: Config, today: date) -> Period | None:
    if not args:
        return current_period(config.study, today)
    year = args[0].removesuffix("年")
    if len(args) == 1 and year.isascii() and year.isdigit() and EARLIEST_YEAR <= int(year) <= today.year + 1:
        return period_of_year(config.study, int(year))
    return None


def progress_text(progress: credits.Progress, person: Person, config: Config, today: date) -> str:
    """The whole /credits reply: bar, totals, pace, breakdown and latest records."""
    study, period = config.study, progress.period
    credit = study.credit_name
    lines = [texts.CREDITS_HEADER.format(name=person.name, year=period.label) + _range(period)]
    lines.append(progress_bar(progress.fraction))
    lines.append(texts.CREDITS_TOTAL.format(total=texts.num(progress.total), target=texts.num(progress.target), credit=credit))
    lines.append(_pace(progress, credit, today))
    if progress.pending:
        lines.append(texts.CREDITS_PENDING.format(pending=texts.num(progress.pending), credit=credit))
    if not progress.latest:
        lines += ["", texts.CREDITS_NONE]
        return "\n".join(lines)
    if progress.by_activity:
        lines += ["", texts.CREDITS_BY_ACTIVITY]
        for row in progress.by_activity:
            lines.append(texts.CREDITS_ACTIVITY_LINE.format(
                name=study.activity_name(row.activity), amount=texts.amount(row.amount, row.unit),
                credits=texts.credits(row.credits, credit),
            ))
    lines += ["", texts.CREDITS_LATEST]
    lines += [_record_line(record, config, today) for record in progress.latest]
    return "\n".join(lines)


def _range(period: Period) -> str:
    """Only a study year that is not the calendar year needs its dates spelled out."""
    if period.start.month == 1:
        return ""
    last = date.fromordinal(period.end.toordinal() - 1)
    return texts.CREDITS_RANGE.format(start=texts.day(period.start), end=texts.day(last))


def _pace(progress: credits.Progress, credit: str, today: date) -> str:
    if progress.total >= progress.target:
        return texts.CREDITS_REACHED
    if progress.period.end <= today:
        return texts.CREDITS_ENDED_SHORT.format(gap=texts.num(progress.target - progress.total), credit=credit)
    expected, gap = texts.num(progress.expected), texts.num(abs(progress.ahead))
    if progress.ahead > 0:
        return texts.CREDITS_AHEAD.format(expected=expected, gap=gap, credit=credit)
    if progress.ahead < 0:
        return texts.CREDITS_BEHIND.format(expected=expected, gap=gap, credit=credit)
    return texts.CREDITS_ON_PACE.format(expected=expected, credit=credit)


def _record_line(record: StudyRecord, config: Config, today: date) -> str:
    status = "" if record.status == "confirmed" else f"（{texts.STATUS_NAMES[record.status]}）"
    return texts.CREDITS_RECORD_LINE.format(
        id=record.id, day=texts.day(record.study_date, today), name=config.study.activity_name(record.activity),
        amount=texts.amount(record.amount, record.unit), credits=texts.credits(record.credits, config.study.credit_name),
        status=status,
    )


# --- export --------------------------------------------------------------------------------


async def _export(update: Update, context: BotContext) -> None:
    person = context.person
    records = await credits.records_of(context.session, person.id)
    if not records:
        await update.message.reply_text(texts.CREDITS_EXPORT_EMPTY)
        return
    deciders = {r.decided_by for r in records if r.decided_by} | {r.voided_by for r in records if r.voided_by}
    names = await credits.names_of(context.session, deciders)
    rows = [export_row(record, person, names, context.services.config) for record in records]
    # Building a workbook takes a while for a long history; keep the event loop answering others.
    sheet = Sheet(texts.CREDITS_EXPORT_SHEET, texts.CREDITS_EXPORT_HEADERS, rows)
    content = await asyncio.to_thread(workbook_bytes, [sheet], tz=context.services.config.tz)
    today = local_today(context.services.now(), context.services.config.tz)
    await update.message.reply_document(
        document=io.BytesIO(content), filename=f"study-records-{person.external_id}-{today.isoformat()}.xlsx",
        caption=texts.CREDITS_EXPORT_CAPTION.format(name=person.name, count=len(records)),
    )


def export_row(record: StudyRecord, owner: Person, names: dict[int, str], config: Config) -> list[Cell]:
    """One record as the spreadsheet shows it (times land in the configured zone in the workbook)."""
    handler_id = record.voided_by or record.decided_by
    handled_at = record.voided_at or record.decided_at
    reason = record.void_reason
    if record.status == "voided" and record.voided_by == owner.id and not reason:
        reason = texts.CREDITS_UNDONE_BY_SELF
    return [
        record.id, record.study_date, config.study.activity_name(record.activity), record.amount,
        texts.UNIT_NAMES.get(record.unit, record.unit), record.credits, texts.STATUS_NAMES[record.status],
        record.note, record.created_at, names.get(handler_id, "") if handler_id else "",
        handled_at, reason or "",
    ]


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("credits", credits_command))
