"""Where a cadre stands: /credits for this study year, /credits 2025 for another,
/credits 记录 (or the 📋 全部记录 button) for every record of the year in the chat, RECORDS_PAGE a
page with its 编号 and history (who confirmed, returned or voided it, when and why; a /fix
asked and its answer), and /credits export for every record as a spreadsheet.

Callback data: cr:all:<year> (a new message with page 1), cr:rec:<year>:<page> (that page, in place).
Only the presser's own records are ever shown, so the data can name nothing else."""

from __future__ import annotations

import asyncio
import io
from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.config import Config
from bot.context import BotContext
from bot.study.progress import current_period, local_today, period_of_year, progress_bar, target_for
from bot.digests.workbooks import Cell, Sheet, export_headers, workbook_bytes
from bot.chat.ids import parse_id
from db import credits, fixes
from db.models import Person, StudyFix, StudyRecord
from db.periods import Period
from handlers.access import require_role
from handlers.quiz import streak_line as quiz_streak_line

EXPORT_WORDS = ("export", "导出")
RECORD_WORDS = ("记录", "全部记录", "records")
EARLIEST_YEAR = 2000
RECORDS_PAGE = 10
PREFIX = "cr"


async def credits_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "cadre"):
        return
    config, person = context.services.config, context.person
    today = local_today(context.services.now(), config.tz)
    args = context.args or []
    if args and args[0].lower() in EXPORT_WORDS:
        await _export(update, context)
        return
    listing = bool(args) and args[0] in RECORD_WORDS
    period = _period_asked(args[1:] if listing else args, config, today)
    if period is None:
        await update.message.reply_text(texts.CREDITS_USAGE)
        return
    if period.start > today:
        await update.message.reply_text(texts.CREDITS_NOT_STARTED.format(year=period.label))
        return
    if listing:
        text, markup = await records_view(context, period, 1)
        await update.message.reply_text(text, reply_markup=markup)
        return
    progress = await credits.year_progress(
        context.session, person.id, period, target_for(person, config.study), today
    )
    markup = InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.CREDITS_ALL_BUTTON, callback_data=f"{PREFIX}:all:{period.start.year}"),
    ]]) if progress.latest else None
    current = period.start <= today < period.end  # the streak is today's fact: the current year's reply
    text = progress_text(progress, person, config, today, quiz_line=await quiz_streak_line(context) if current else None)
    await update.message.reply_text(text, reply_markup=markup)


def _period_asked(args: list[str], config: Config, today: date) -> Period | None:
    if not args:
        return current_period(config.study, today)
    year = args[0].removesuffix("年")
    if len(args) == 1 and year.isascii() and year.isdigit() and EARLIEST_YEAR <= int(year) <= today.year + 1:
        return period_of_year(config.study, int(year))
    return None


def progress_text(
    progress: credits.Progress, person: Person, config: Config, today: date, quiz_line: str | None = None,
) -> str:
    """The whole /credits reply: bar, totals, pace (and the quiz streak), breakdown and latest records."""
    study, period = config.study, progress.period
    credit = study.credit_name
    lines = [texts.CREDITS_HEADER.format(name=person.name, year=period.label) + _range(period)]
    lines.append(progress_bar(progress.fraction))
    lines.append(texts.CREDITS_TOTAL.format(total=texts.num(progress.total), target=texts.num(progress.target), credit=credit))
    lines.append(_pace(progress, credit, today))
    if progress.pending:
        lines.append(texts.CREDITS_PENDING.format(pending=texts.num(progress.pending), credit=credit))
    if quiz_line:
        lines.append(quiz_line)
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


def _record_line(record: StudyRecord, config: Config, today: date, template: str = texts.CREDITS_RECORD_LINE) -> str:
    status = "" if record.status == "confirmed" else f"（{texts.STATUS_NAMES[record.status]}）"
    return template.format(
        id=record.id, day=texts.day(record.study_date, today), name=config.study.activity_name(record.activity),
        amount=texts.amount(record.amount, record.unit), credits=texts.credits(record.credits, config.study.credit_name),
        status=status,
    )


# --- every record of a year, in the chat ---------------------------------------------------------


async def records_view(context: BotContext, period: Period, page: int) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the speaker's records of `period`, newest first, each with its 编号 and
    what became of it; paging buttons when there is more than one page."""
    person, config = context.person, context.services.config
    total_pages = 1
    records, count = await credits.records_page(context.session, person.id, period, (page - 1) * RECORDS_PAGE, RECORDS_PAGE)
    if count:
        total_pages = (count + RECORDS_PAGE - 1) // RECORDS_PAGE
        if page > total_pages:  # fewer records than when the button was made
            page = total_pages
            records, count = await credits.records_page(
                context.session, person.id, period, (page - 1) * RECORDS_PAGE, RECORDS_PAGE)
    if not count:
        return texts.CREDITS_RECORDS_NONE.format(year=period.label), None
    today = local_today(context.services.now(), config.tz)
    asked = await fixes.latest_for_records(context.session, [r.id for r in records])
    handlers = {r.decided_by for r in records} | {r.voided_by for r in records} | {f.decided_by for f in asked.values()}
    names = await credits.names_of(context.session, {h for h in handlers if h})
    where = texts.PENDING_PAGE.format(page=page, pages=total_pages) if total_pages > 1 else ""
    lines = [texts.CREDITS_RECORDS_HEADER.format(name=person.name, year=period.label, count=count, page=where)]
    for record in records:
        lines.append(_record_line(record, config, today, texts.CREDITS_RECORDS_LINE))
        lines += history_lines(record, asked.get(record.id), names, person, config, today)
    lines += ["", texts.CREDITS_RECORDS_FOOTER.format(hours=texts.num(config.study.undo_hours))]
    nav = []
    if page > 1:
        nav.append(InlineKeyboardButton(texts.PAGE_PREV, callback_data=f"{PREFIX}:rec:{period.start.year}:{page - 1}"))
    if page < total_pages:
        nav.append(InlineKeyboardButton(texts.PAGE_NEXT, callback_data=f"{PREFIX}:rec:{period.start.year}:{page + 1}"))
    return "\n".join(lines), InlineKeyboardMarkup([nav]) if nav else None


def history_lines(
    record: StudyRecord, fix: StudyFix | None, names: dict[int, str], owner: Person, config: Config, today: date
) -> list[str]:
    """Who confirmed, returned or voided the record, when and why; and a /fix still waiting or declined."""
    def when(moment: object) -> str:
        return texts.moment(moment, config.tz, today) if moment is not None else "—"  # type: ignore[arg-type]

    def who(person_id: int | None) -> str:
        return names.get(person_id, "—") if person_id else "—"

    lines = []
    if record.status == "voided":
        if record.voided_by == owner.id and not record.void_reason:
            lines.append(texts.CREDITS_HISTORY_UNDONE.format(when=when(record.voided_at)))
        else:
            lines.append(texts.CREDITS_HISTORY_VOIDED.format(
                by=who(record.voided_by), when=when(record.voided_at),
                reason=record.void_reason or texts.CREDITS_HISTORY_NO_REASON,
            ))
    elif record.status == "rejected":
        lines.append(texts.CREDITS_HISTORY_REJECTED.format(
            by=who(record.decided_by), when=when(record.decided_at),
            reason=record.decision_reason or texts.CREDITS_HISTORY_NO_REASON,
        ))
    elif record.status == "confirmed" and record.decided_by:
        lines.append(texts.CREDITS_HISTORY_CONFIRMED.format(by=who(record.decided_by), when=when(record.decided_at)))
    if fix is not None and fix.status == "open" and record.status in credits.LIVE:
        lines.append(texts.CREDITS_HISTORY_FIX_OPEN.format(when=when(fix.asked_at)))
    elif fix is not None and fix.status == "declined":
        lines.append(texts.CREDITS_HISTORY_FIX_DECLINED.format(
            by=who(fix.decided_by), when=when(fix.decided_at), reason=fix.decline_reason or texts.CREDITS_HISTORY_NO_REASON,
        ))
    return lines


def _year_in(data: str, parts_wanted: int) -> list[int] | None:
    """cr:<action>:<year>[:<page>] as numbers, the year within the range /credits accepts."""
    parts = data.split(":")
    if len(parts) != parts_wanted:
        return None
    numbers = [parse_id(part) for part in parts[2:]]
    if None in numbers or not EARLIEST_YEAR <= numbers[0] <= 9999:  # type: ignore[operator]
        return None
    return numbers  # type: ignore[return-value]


async def on_records_button(update: Update, context: BotContext) -> None:
    """📋 全部记录 (a new message) or a page button (the same message, turned)."""
    query = update.callback_query
    data = query.data or ""
    first = data.startswith(f"{PREFIX}:all:")
    numbers = _year_in(data, 3 if first else 4)
    person = context.person
    if person is None or not person.has_role("cadre"):
        await query.answer(texts.NOT_ALLOWED, show_alert=True)
        return
    if numbers is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    period = period_of_year(context.services.config.study, numbers[0])
    text, markup = await records_view(context, period, 1 if first else numbers[1])
    if first:
        await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
        return
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:  # the page as it already stands
        if "not modified" not in str(exc):
            raise


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
    headers = export_headers(texts.CREDITS_EXPORT_HEADERS, context.services.config.study.credit_name)
    sheet = Sheet(texts.CREDITS_EXPORT_SHEET, headers, rows)
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
    app.add_handler(CallbackQueryHandler(on_records_button, pattern=rf"^{PREFIX}:(all|rec):"))
