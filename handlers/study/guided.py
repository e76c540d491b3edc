"""The guided /study flow: each step, typed or pressed, fills a field of the draft and calls
`_advance`, which asks for the first thing still missing (or refused) and stores the step, so
the order and the rules live in one place; then 确认 or 取消. Its prompts and keyboards are here."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot import texts
from bot.chat import flows
from bot.config import ActivitySettings, StudySettings
from bot.context import BotContext
from bot.study.input import (
    ActivityMatch, StudyInputError, check_amount, check_date, clean_note, looks_like_date, match_activity, parse_amount,
    parse_date,
)
from db import credits
from handlers.access import require_role
from handlers.ask import answer_question
from handlers.study.buttons import answer_stale_confirm
from handlers.study.draft import (
    ACTIVITY, AMOUNT, CONFIRM, DATE, Draft, NOTE, STUDY_FLOW, _data, _draft, _over_cap_text, _problem, _settings, _show,
    _today,
)
from handlers.study.saving import _log, _reply_logged


async def study_from_reminder(update: Update, context: BotContext) -> None:
    """A reminder's 登记 button (st:go:<activity key or empty>): straight into the flow, with
    the activity already chosen when the button names one."""
    query = update.callback_query
    if not await require_role(update, context, "cadre"):
        return
    await query.answer()
    activity = _settings(context).loggable_activity((query.data or "").split(":", 2)[-1])
    await _advance(update, context, Draft(activity=activity.key if activity else None))


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
    activity = settings.loggable_activity(draft.activity) if draft.activity else None
    if activity is None:
        return ACTIVITY, _with_notice(notice, texts.STUDY_PICK_ACTIVITY), _activity_keyboard(settings.loggable)
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
    if draft is None or _settings(context).loggable_activity(key) is None:
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
    await _show(update, texts.STUDY_PICK_ACTIVITY, _activity_keyboard(_settings(context).loggable))


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
    match = match_activity(text, _settings(context).loggable)
    if match.activity is not None:
        draft.activity = match.activity.key
        await _advance(update, context, draft)
    elif flows.is_clearly_a_question(text):
        await _answer_then_resume(update, context, draft, text)
    else:
        await flows.advance(context, STUDY_FLOW, ACTIVITY, draft.to_data())
        prompt, keyboard = _unknown_activity(text.strip()[:20], match, _settings(context))
        await update.message.reply_text(prompt, reply_markup=keyboard)


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
    activity = _settings(context).loggable_activity(draft.activity or "") if draft else None
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
    activity = _settings(context).loggable_activity(draft.activity or "") if draft else None
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


def _amount_question(activity: ActivitySettings, settings: StudySettings) -> str:
    unit = texts.UNIT_NAMES[activity.unit]
    cap = texts.STUDY_CAP_HINT.format(cap=texts.exact(activity.daily_cap), unit=unit) if activity.daily_cap else ""
    return texts.STUDY_ASK_AMOUNT.format(
        name=activity.name, unit=unit, per=texts.exact(activity.credits_per_unit), credit=settings.credit_name, cap=cap,
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


def _unknown_activity(typed: str, match: ActivityMatch, settings: StudySettings) -> tuple[str, InlineKeyboardMarkup]:
    """An unknown name: the close activities as 您是指 when there are any, else every activity,
    plainly (跑步 is like none of them, and offering 脱产培训 for it reads as a guess)."""
    if match.closest:
        return texts.STUDY_PICK_CLOSEST.format(text=typed), _activity_keyboard(match.closest, more=True)
    return texts.STUDY_PICK_UNKNOWN.format(text=typed), _activity_keyboard(settings.loggable)


def _activity_keyboard(activities: tuple[ActivitySettings, ...], more: bool = False) -> InlineKeyboardMarkup:
    buttons = [InlineKeyboardButton(a.name, callback_data=_data("act", a.key)) for a in activities]
    rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
    if more:
        rows.append([InlineKeyboardButton(texts.STUDY_ALL_TYPES, callback_data=_data("all"))])
    return InlineKeyboardMarkup(rows)


def _amount_keyboard(activity: ActivitySettings) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        InlineKeyboardButton(texts.amount(a, activity.unit), callback_data=_data("amt", texts.exact(a)))
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
