"""Logging study: /study as a guided flow with buttons, the one-line form, and 撤销.

The guided flow keeps one draft in the database (bot/flows.py, flow "study"), read again for
every update, so it continues after a restart and on any instance. Every step, typed or
pressed, fills a field of the draft and calls `_advance`, which asks for the first thing
still missing (or refused) and stores the step, so the order and the rules live in one place.
Typed text that a step cannot read and that is clearly a question is answered as one, and
the step asked again; a note is always a note. The record is written once, at 确认.
Callback data: st:act:<key>, st:all, st:amt:<amount>, st:day:<days ago>, st:skip,
st:ok:<draft token>, st:no, st:undo:<record id>.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import flows, texts
from bot.config import ActivitySettings, StudySettings
from bot.context import BotContext
from bot.progress import current_period, local_today, target_for
from bot.study_input import (
    OneLine, StudyInputError, check_amount, check_date, clean_note, looks_like_date, match_activity, parse_amount,
    parse_date, parse_record_id, split_one_line,
)
from db import credits
from db.models import StudyRecord
from handlers.access import require_role
from handlers.ask import answer_question
from handlers.replies import tell
from handlers.study_review import ask_supervisors

PREFIX = "st"
ACTIVITY, AMOUNT, DATE, NOTE, CONFIRM = "activity", "amount", "date", "note", "confirm"

STUDY_FLOW = flows.define(flows.FlowSpec(
    name="study",
    lifetime=lambda settings: timedelta(minutes=settings.timeout_minutes),
    dropped=lambda settings: texts.STUDY_DRAFT_DROPPED.format(minutes=settings.timeout_minutes),
    keep=lambda _: flows.TELL_DROPPED_WITHIN,
))


@dataclass
class Draft:
    """What the cadre has told us so far. `note` is None until asked; "" means skipped."""

    token: str = field(default_factory=lambda: secrets.token_hex(8))
    activity: str | None = None
    amount: Decimal | None = None
    day: date | None = None
    note: str | None = None

    def to_data(self) -> dict[str, Any]:
        """As stored in the flow's JSON: amounts as exact decimal strings, days as ISO dates."""
        return {
            "token": self.token, "activity": self.activity, "note": self.note,
            "amount": str(self.amount) if self.amount is not None else None,
            "day": self.day.isoformat() if self.day is not None else None,
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Draft:
        return cls(
            token=str(data["token"]), activity=data.get("activity"), note=data.get("note"),
            amount=Decimal(data["amount"]) if data.get("amount") is not None else None,
            day=date.fromisoformat(data["day"]) if data.get("day") else None,
        )


def _data(*parts: object) -> str:
    return ":".join([PREFIX, *map(str, parts)])


def _settings(context: BotContext) -> StudySettings:
    return context.services.config.study


def _today(context: BotContext) -> date:
    return local_today(context.services.now(), context.services.config.tz)


async def _show(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer a button by editing its message, and typed text with a new message."""
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(text, reply_markup=markup)
    else:
        await update.effective_message.reply_text(text, reply_markup=markup)


# --- entry ---------------------------------------------------------------------------------


async def study_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "cadre"):
        return
    if not _settings(context).activities:
        await update.message.reply_text(texts.STUDY_NO_ACTIVITIES)
        return
    if context.args:
        await _one_line(update, context)
        return
    await _advance(update, context, Draft())


async def study_from_reminder(update: Update, context: BotContext) -> None:
    """A reminder's 登记 button (st:go:<activity key or empty>): straight into the flow, with
    the activity already chosen when the button names one."""
    query = update.callback_query
    if not await require_role(update, context, "cadre"):
        return
    await query.answer()
    activity = _settings(context).activity((query.data or "").split(":", 2)[-1])
    await _advance(update, context, Draft(activity=activity.key if activity else None))


def _draft(context: BotContext, *steps: str) -> Draft | None:
    """The speaker's open draft, if it is at one of `steps` (any step when none are named)."""
    state = flows.state_of(context, STUDY_FLOW.name)
    if state is None or (steps and state.step not in steps):
        return None
    return Draft.from_data(state.data)


async def _one_line(update: Update, context: BotContext) -> None:
    """`/study 专题讲座 2 [昨天] [备注]`: saved at once when complete and valid. With only an
    activity it continues as the guided flow; an unclear activity is asked with buttons."""
    settings, line = _settings(context), split_one_line(context.args)
    match = match_activity(line.activity, settings.activities)
    if line.amount is None:
        draft = Draft(activity=match.activity.key if match.activity else None)
    else:
        try:
            draft = _typed_draft(update, context, line)
        except StudyInputError as error:
            await flows.finish(context, STUDY_FLOW.name)
            await update.message.reply_text(f"{texts.study_problem(error, '', '')}\n\n{texts.STUDY_USAGE}")
            return
    if match.activity is None:
        await flows.start(context, STUDY_FLOW, ACTIVITY, draft.to_data())
        await update.message.reply_text(
            texts.STUDY_PICK_CLOSEST.format(text=line.activity[:20]), reply_markup=_activity_keyboard(match.closest, more=True)
        )
        return
    if draft.amount is None:
        await _advance(update, context, draft)
        return
    draft.activity = match.activity.key
    await flows.finish(context, STUDY_FLOW.name)  # a complete line replaces any draft left open
    await _save_one_line(update, context, draft, match.activity)


def _typed_draft(update: Update, context: BotContext, line: OneLine) -> Draft:
    """The amount, date (today unless given) and note of a one-line form, checked as far as
    they can be before the activity is known."""
    assert line.amount is not None
    amount, today = parse_amount(line.amount), _today(context)
    day = parse_date(line.day, today) if line.day else today
    check_date(day, today, _settings(context).backdate_days)
    # The message identifies the draft: a retried update finds the record it made.
    token = f"m{update.effective_chat.id}-{update.message.message_id}"
    return Draft(token=token, amount=amount, day=day, note=line.note)


async def _save_one_line(update: Update, context: BotContext, draft: Draft, activity: ActivitySettings) -> None:
    try:
        check_amount(draft.amount, activity)
        draft.note = clean_note(draft.note or "", activity, _settings(context).max_note_chars)
    except StudyInputError as error:
        await update.message.reply_text(f"{_problem(error, activity)}\n\n{texts.STUDY_USAGE}")
        return
    result = await _log(context, draft, activity)
    if result.outcome is credits.LogOutcome.OVER_CAP:
        await update.message.reply_text(_over_cap_text(context, activity, draft, result.logged_that_day))
        return
    await _reply_logged(update, context, result, activity)


# --- the guided steps ----------------------------------------------------------------------


async def _advance(update: Update, context: BotContext, draft: Draft, notice: str = "") -> None:
    """Ask for the first missing or refused field (with everything in place, ask to confirm),
    and remember the draft at that step."""
    step, text, markup = await _next_prompt(context, draft, notice)
    await flows.advance(context, STUDY_FLOW, step, draft.to_data())
    await _show(update, text, markup)


async def _next_prompt(
    context: BotContext, draft: Draft, notice: str = ""
) -> tuple[str, str, InlineKeyboardMarkup | None]:
    """The step the draft is at, and its prompt. A field that breaks a rule is cleared here
    (the reason goes into the notice), so the draft may change."""
    settings = _settings(context)
    activity = settings.activity(draft.activity) if draft.activity else None
    if activity is None:
        return ACTIVITY, _with_notice(notice, texts.STUDY_PICK_ACTIVITY), _activity_keyboard(settings.activities)
    notice = notice or _recheck(context, draft, activity)
    if draft.amount is None:
        return AMOUNT, _with_notice(notice, _amount_question(activity, settings)), _amount_keyboard(activity)
    if draft.day is None:
        return DATE, _with_notice(notice, texts.STUDY_ASK_DATE), _day_keyboard()
    logged = await credits.amount_on_day(context.session, context.person.id, activity.key, draft.day)
    if credits.over_cap(activity, logged, draft.amount):
        notice = _over_cap_text(context, activity, draft, logged)
        draft.amount = None
        return await _next_prompt(context, draft, notice)
    if draft.note is None or (activity.note_required and not draft.note):
        return NOTE, _with_notice(notice, _note_question(activity)), _note_keyboard(activity)
    return CONFIRM, _with_notice(notice, _summary(context, draft, activity)), _confirm_keyboard(draft)


def _with_notice(notice: str, text: str) -> str:
    return f"{notice}\n\n{text}" if notice else text


def _recheck(context: BotContext, draft: Draft, activity: ActivitySettings) -> str:
    """Fields filled before the activity was known (the one-line form) keep its rules too;
    a field that breaks one is cleared, to be asked again, and the reason returned."""
    try:
        if draft.amount is not None:
            check_amount(draft.amount, activity)
    except StudyInputError as error:
        draft.amount = None
        return _problem(error, activity)
    try:
        if draft.note:
            draft.note = clean_note(draft.note, activity, _settings(context).max_note_chars)
    except StudyInputError as error:
        draft.note = None
        return _problem(error, activity)
    return ""


async def on_activity(update: Update, context: BotContext) -> None:
    query, draft = update.callback_query, _draft(context, ACTIVITY)
    key = (query.data or "").split(":", 2)[-1]
    if draft is None or _settings(context).activity(key) is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    draft.activity = key
    await _advance(update, context, draft)


async def on_all_types(update: Update, context: BotContext) -> None:
    query = update.callback_query
    if _draft(context, ACTIVITY) is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    await _show(update, texts.STUDY_PICK_ACTIVITY, _activity_keyboard(_settings(context).activities))


async def on_amount_button(update: Update, context: BotContext) -> None:
    await _take(update, context, AMOUNT, (update.callback_query.data or "").split(":", 2)[-1])


async def on_day_button(update: Update, context: BotContext) -> None:
    days_ago = (update.callback_query.data or "").split(":", 2)[-1]
    if days_ago not in ("0", "1", "2"):
        await update.callback_query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await _take(update, context, DATE, texts.STUDY_DAY_BUTTONS[int(days_ago)])


async def on_skip_note(update: Update, context: BotContext) -> None:
    await _take(update, context, NOTE, "")


async def on_text(update: Update, context: BotContext) -> None:
    """Typed text while a draft is open: the answer to the step it is at."""
    state = flows.state_of(context, STUDY_FLOW.name)
    assert state is not None  # the InFlow filter routed it here
    text = update.message.text or ""
    if state.step == ACTIVITY:
        await _typed_activity(update, context, Draft.from_data(state.data), text)
    elif state.step == CONFIRM:
        await _typed_at_confirm(update, context, Draft.from_data(state.data), text)
    else:
        await _take(update, context, state.step, text)


async def _typed_activity(update: Update, context: BotContext, draft: Draft, text: str) -> None:
    """A typed activity name is a choice; a question is answered; anything else is asked
    about with the closest activities as buttons."""
    match = match_activity(text, _settings(context).activities)
    if match.activity is not None:
        draft.activity = match.activity.key
        await _advance(update, context, draft)
    elif flows.is_clearly_a_question(text):
        await _answer_then_resume(update, context, draft, text)
    else:
        await flows.advance(context, STUDY_FLOW, ACTIVITY, draft.to_data())
        await update.message.reply_text(
            texts.STUDY_PICK_CLOSEST.format(text=text.strip()[:20]), reply_markup=_activity_keyboard(match.closest, more=True)
        )


async def _typed_at_confirm(update: Update, context: BotContext, draft: Draft, text: str) -> None:
    if flows.is_clearly_a_question(text):
        await _answer_then_resume(update, context, draft, text)
    else:
        await _resume(update, context, draft, texts.STUDY_CONFIRM_USE_BUTTONS)


async def _answer_then_resume(update: Update, context: BotContext, draft: Draft, question: str) -> None:
    """A question asked mid-draft is a question (answered and logged as one); then the draft's
    prompt again, so the cadre sees where they were."""
    await answer_question(update, context, question)
    await _resume(update, context, draft, texts.STUDY_DRAFT_WAITING)


async def _resume(update: Update, context: BotContext, draft: Draft, lead: str) -> None:
    step, text, markup = await _next_prompt(context, draft)
    await flows.advance(context, STUDY_FLOW, step, draft.to_data())
    await update.effective_message.reply_text(f"{lead}\n\n{text}", reply_markup=markup)


async def _take(update: Update, context: BotContext, step: str, text: str) -> None:
    """Fill the field of `step` from a button or typed text. A pressed button that breaks a
    rule is answered on the button; typed text that is clearly a question is answered as one;
    other typed text is answered by asking again with the reason."""
    draft, query = _draft(context, step), update.callback_query
    activity = _settings(context).activity(draft.activity or "") if draft else None
    if draft is None or activity is None:
        if query is not None:
            await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        else:
            await flows.finish(context, STUDY_FLOW.name)
            await update.message.reply_text(texts.BUTTON_EXPIRED)
        return
    try:
        _fill(context, draft, activity, step, text)
    except StudyInputError as error:
        if query is not None:
            await query.answer(_problem(error, activity)[:200], show_alert=True)
        elif _is_question_not_input(step, text):
            await _answer_then_resume(update, context, draft, text)
        else:
            await _advance(update, context, draft, _problem(error, activity) + texts.STUDY_RETRY_HINT)
        return
    if query is not None:
        await query.answer()
    await _advance(update, context, draft)


def _is_question_not_input(step: str, text: str) -> bool:
    """Typed text a step could not read, which asks something instead (党费怎么交 where an
    amount was asked). A note is never a question; a word that looks like a date is a date."""
    if step == NOTE or (step == DATE and looks_like_date(text)):
        return False
    return flows.is_clearly_a_question(text)


def _fill(context: BotContext, draft: Draft, activity: ActivitySettings, step: str, text: str) -> None:
    settings = _settings(context)
    if step == AMOUNT:
        amount = parse_amount(text)
        check_amount(amount, activity)
        draft.amount = amount
    elif step == DATE:
        today = _today(context)
        day = parse_date(text, today)
        check_date(day, today, settings.backdate_days)
        draft.day = day
    else:
        draft.note = clean_note(text, activity, settings.max_note_chars)


async def on_confirm(update: Update, context: BotContext) -> None:
    query, draft = update.callback_query, _draft(context, CONFIRM)
    token = (query.data or "").split(":", 2)[-1]
    activity = _settings(context).activity(draft.activity or "") if draft else None
    if draft is None or activity is None or token != draft.token or draft.amount is None or draft.day is None:
        await answer_stale_confirm(update, context)
        return
    # The draft ends in the record's own transaction: a restart in between cannot leave a
    # saved record with its draft still open (and a second 确认 finds the record by token).
    await flows.finish(context, STUDY_FLOW.name)
    result = await _log(context, draft, activity)
    if result.outcome is credits.LogOutcome.OVER_CAP:
        await query.answer()
        notice = _over_cap_text(context, activity, draft, result.logged_that_day)
        draft.amount = None
        await _advance(update, context, draft, notice)
        return
    await query.answer()
    await _reply_logged(update, context, result, activity)


async def cancel(update: Update, context: BotContext) -> None:
    """The 取消 button of the confirmation (/cancel is the gate's, for every flow)."""
    query = update.callback_query
    if not await flows.finish(context, STUDY_FLOW.name):
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    await query.answer()
    await _show(update, texts.CANCELLED)


# --- saving and its reply ------------------------------------------------------------------


async def _log(context: BotContext, draft: Draft, activity: ActivitySettings) -> credits.LogResult:
    assert draft.amount is not None and draft.day is not None
    result = await credits.log_study(
        context.session, person_id=context.person.id, activity=activity, amount=draft.amount,
        study_date=draft.day, note=draft.note or "", client_token=draft.token, now=context.services.now(),
    )
    # Commit now: the reply below reports a saved record, and the person's lock is released.
    await context.session.commit()
    return result


async def _reply_logged(
    update: Update, context: BotContext, result: credits.LogResult, activity: ActivitySettings
) -> None:
    record = result.record
    assert record is not None
    if result.outcome is credits.LogOutcome.DUPLICATE:
        await tell(update, texts.STUDY_ALREADY_RECORDED)
        return
    text = await _saved_text(context, record, activity)
    if record.status == "pending" and not await ask_supervisors(context, context.person, record, activity):
        text += texts.STUDY_PENDING_NO_SUPERVISOR
    await _show(update, text, InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.STUDY_UNDO_BUTTON, callback_data=_data("undo", record.id)),
    ]]))


async def _year_figures(context: BotContext, record: StudyRecord) -> dict[str, object]:
    """The figures for "2026 年度累计 x / y": the study year the record's date falls in."""
    settings, person = _settings(context), context.person
    period = current_period(settings, record.study_date)
    total = (await credits.totals_for_people(context.session, [person.id], period.start, period.end))[person.id]
    return {
        "year": period.label, "total": texts.num(total), "target": texts.num(target_for(person, settings)),
        "credit": settings.credit_name,
    }


async def _saved_text(context: BotContext, record: StudyRecord, activity: ActivitySettings) -> str:
    template = texts.STUDY_SAVED_PENDING if record.status == "pending" else texts.STUDY_SAVED
    return template.format(
        name=activity.name, amount=texts.amount(record.amount, record.unit),
        credits=texts.credits(record.credits, _settings(context).credit_name),
        day=texts.day(record.study_date, _today(context)), **await _year_figures(context, record),
    )


# --- buttons outside the flow: 撤销 and a 确认 pressed again ----------------------------------


async def on_undo(update: Update, context: BotContext) -> None:
    query, settings = update.callback_query, _settings(context)
    record_id = parse_record_id((query.data or "").split(":", 2)[-1])
    if record_id is None or context.person is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    result = await credits.undo_own(
        context.session, record_id, context.person.id, context.services.now(), timedelta(hours=settings.undo_hours)
    )
    if result.outcome is credits.Change.NOT_FOUND:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
    elif result.outcome is credits.Change.ALREADY:
        await query.answer(texts.STUDY_UNDO_ALREADY.format(status=texts.STATUS_NAMES[result.record.status]), show_alert=True)
    elif result.outcome is credits.Change.TOO_LATE:
        await query.answer(
            texts.STUDY_UNDO_TOO_LATE.format(hours=texts.num(settings.undo_hours), id=record_id), show_alert=True
        )
    else:
        await context.session.commit()
        await query.answer()
        record = result.record
        await query.edit_message_text(texts.STUDY_UNDONE.format(
            name=settings.activity_name(record.activity), amount=texts.amount(record.amount, record.unit),
            day=texts.day(record.study_date, _today(context)), **await _year_figures(context, record),
        ))


async def answer_stale_confirm(update: Update, context: BotContext) -> None:
    """确认 on a draft that is gone: recorded already (pressed twice, update retried) or abandoned."""
    query = update.callback_query
    token = (query.data or "").split(":", 2)[-1]
    record = await credits.by_token(context.session, token) if token else None
    if record is not None and context.person is not None and record.person_id == context.person.id:
        await query.answer(texts.STUDY_ALREADY_RECORDED, show_alert=True)
    else:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)


# --- words and keyboards -------------------------------------------------------------------


def _problem(error: StudyInputError, activity: ActivitySettings) -> str:
    return texts.study_problem(error, activity.name, activity.unit, activity.note_hint)


def _over_cap_text(context: BotContext, activity: ActivitySettings, draft: Draft, logged: float) -> str:
    assert activity.daily_cap is not None and draft.day is not None
    left = max(0.0, activity.daily_cap - logged)
    template = texts.STUDY_OVER_CAP if left > 0 else texts.STUDY_OVER_CAP_FULL
    return template.format(
        name=activity.name, cap=texts.amount(activity.daily_cap, activity.unit),
        day=texts.day(draft.day, _today(context)), logged=texts.amount(logged, activity.unit),
        left=texts.amount(left, activity.unit),
    )


def _amount_question(activity: ActivitySettings, settings: StudySettings) -> str:
    unit = texts.UNIT_NAMES[activity.unit]
    cap = texts.STUDY_CAP_HINT.format(cap=texts.num(activity.daily_cap), unit=unit) if activity.daily_cap else ""
    return texts.STUDY_ASK_AMOUNT.format(
        name=activity.name, unit=unit, per=texts.num(activity.credits_per_unit), credit=settings.credit_name, cap=cap,
    )


def _note_question(activity: ActivitySettings) -> str:
    if activity.note_required:
        return texts.STUDY_ASK_NOTE_REQUIRED.format(hint=activity.note_hint or texts.STUDY_NOTE_NONE)
    return texts.STUDY_ASK_NOTE


def _summary(context: BotContext, draft: Draft, activity: ActivitySettings) -> str:
    assert draft.amount is not None and draft.day is not None
    settings = _settings(context)
    return texts.STUDY_CONFIRM.format(
        name=activity.name, amount=texts.amount(float(draft.amount), activity.unit),
        credits=texts.credits(credits.credits_for(activity, draft.amount) / 100, settings.credit_name),
        day=texts.day(draft.day, _today(context)), note=draft.note or texts.STUDY_NOTE_NONE,
        pending=texts.STUDY_CONFIRM_PENDING if activity.needs_confirmation else "",
    )


def _activity_keyboard(activities: tuple[ActivitySettings, ...], more: bool = False) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(a.name, callback_data=_data("act", a.key)) for a in activities]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    if more:
        rows.append([InlineKeyboardButton(texts.STUDY_ALL_TYPES, callback_data=_data("all"))])
    return InlineKeyboardMarkup(rows)


def _amount_keyboard(activity: ActivitySettings) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.amount(a, activity.unit), callback_data=_data("amt", texts.num(a)))
        for a in activity.button_amounts
    ]])


def _day_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(label, callback_data=_data("day", days_ago))
        for days_ago, label in enumerate(texts.STUDY_DAY_BUTTONS)
    ]])


def _note_keyboard(activity: ActivitySettings) -> InlineKeyboardMarkup | None:
    if activity.note_required:
        return None
    return InlineKeyboardMarkup([[InlineKeyboardButton(texts.STUDY_SKIP, callback_data=_data("skip"))]])


def _confirm_keyboard(draft: Draft) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.STUDY_CONFIRM_BUTTON, callback_data=_data("ok", draft.token)),
        InlineKeyboardButton(texts.STUDY_CANCEL_BUTTON, callback_data=_data("no")),
    ]])


# --- wiring --------------------------------------------------------------------------------


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Before ask's plain text: while a draft is open, typed amounts, dates and notes belong
    to it (the InFlow filter reads the draft the gate loaded for this update)."""
    app.add_handler(CommandHandler("study", study_command))
    for pattern, callback in (
        (rf"^{PREFIX}:go:", study_from_reminder), (rf"^{PREFIX}:act:", on_activity), (rf"^{PREFIX}:all$", on_all_types),
        (rf"^{PREFIX}:amt:", on_amount_button), (rf"^{PREFIX}:day:", on_day_button), (rf"^{PREFIX}:skip$", on_skip_note),
        (rf"^{PREFIX}:ok:", on_confirm), (rf"^{PREFIX}:no$", cancel), (rf"^{PREFIX}:undo:", on_undo),
    ):
        app.add_handler(CallbackQueryHandler(callback, pattern=pattern))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & flows.InFlow(STUDY_FLOW.name), on_text))
