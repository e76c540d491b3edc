"""The one-line form, `/study 专题讲座 2 [昨天] [备注]`: saved at once when complete and valid;
with only an activity it continues as the guided flow."""

from __future__ import annotations

from telegram import Update

from bot import texts
from bot.chat import flows
from bot.config import ActivitySettings
from bot.context import BotContext
from bot.study.input import (
    OneLine, StudyInputError, check_amount, check_date, clean_note, match_activity, parse_amount, parse_date,
    split_one_line,
)
from db import credits
from handlers.study.draft import ACTIVITY, Draft, STUDY_FLOW, _over_cap_text, _problem, _settings, _today
from handlers.study.guided import _advance, _unknown_activity
from handlers.study.saving import _log, _reply_logged


async def _one_line(update: Update, context: BotContext) -> None:
    """`/study 专题讲座 2 [昨天] [备注]`: saved at once when complete and valid. With only an
    activity it continues as the guided flow; an unclear activity is asked with buttons."""
    settings, line = _settings(context), split_one_line(context.args)
    match = match_activity(line.activity, settings.loggable)
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
        prompt, keyboard = _unknown_activity(line.activity[:20], match, settings)
        await update.message.reply_text(prompt, reply_markup=keyboard)
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
