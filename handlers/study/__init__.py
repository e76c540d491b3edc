"""Logging study: /study as a guided flow with buttons, the one-line form, and 撤销.

The guided flow keeps one draft in the database (bot/chat/flows.py, flow "study"), read again for
every update, so it continues after a restart and on any instance. Every step, typed or
pressed, fills a field of the draft and calls `_advance`, which asks for the first thing
still missing (or refused) and stores the step, so the order and the rules live in one place.
Typed text that a step cannot read and that is clearly a question is answered as one, and
the step asked again; a note is always a note. The record is written once, at 确认.
Callback data: st:act:<key>, st:all, st:amt:<amount>, st:day:<days ago>, st:skip,
st:ok:<draft token>, st:no, st:undo:<record id>.

The files, one flow or one set of buttons each: guided.py (the guided flow and its keyboards),
one_line.py (the one-line form), buttons.py (撤销, a 确认 pressed again), saving.py (the record
and its reply), draft.py (what they share). This package holds /study and the wiring.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import texts
from bot.chat import flows
from bot.context import BotContext
from handlers.access import require_role
from handlers.study.buttons import on_undo
from handlers.study.draft import Draft, PREFIX, STUDY_FLOW, _settings
from handlers.study.guided import (
    _advance, cancel, on_activity, on_all_types, on_amount_button, on_confirm, on_day_button, on_skip_note, on_text,
    study_from_reminder,
)
from handlers.study.one_line import _one_line


async def study_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "cadre"):
        return
    if not _settings(context).loggable:
        await update.message.reply_text(texts.STUDY_NO_ACTIVITIES)
        return
    if context.args:
        await _one_line(update, context)
        return
    await _advance(update, context, Draft())


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
