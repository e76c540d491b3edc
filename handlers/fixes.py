"""/fix 编号 说明: after the 撤销 window a cadre asks for one of their records to be corrected;
the record's confirmers decide, as on a pending record (db/fixes.py holds the rules).

同意 voids the record with the cadre's 说明 as the reason (the cadre then logs it again);
不同意 asks the confirmer why, in a flow kept in the database ("fix_decline"), and the cadre
hears the reason. `/fix 编号` without a 说明 asks for it ("fix_note"). Refusals say what to do
instead: someone else's record (the same words as a missing one), a record that no longer
counts, one still within 撤销 (with the 撤销 button), one already asked about.

Callback data: fx:ok:<fix id>, fx:no:<fix id>, with :<page> when pressed on /pending.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import texts
from bot.chat import flows
from bot.scheduling import review_prompts
from bot.context import BotContext
from bot.study.progress import local_today
from bot.study.input import parse_record_id
from db import audit, fixes
from db.credits import Change
from db.fixes import Refusal
from handlers.access import require_role
from handlers.study_review import (
    MAX_REASON_CHARS, Origin, already_text, parse_button, record_words, send_to_confirmers, take_reason, tell,
    tell_refusal,
)

PREFIX = review_prompts.FIX_PREFIX
MAX_NOTE_CHARS = 200

NOTE_FLOW = flows.define_step("fix_note", texts.FIX_NOTE_DROPPED)
DECLINE_FLOW = flows.define_step("fix_decline", texts.FIX_DECLINE_DROPPED)


def _undo_window(context: BotContext) -> timedelta:
    return timedelta(hours=context.services.config.study.undo_hours)


# --- the cadre asks ------------------------------------------------------------------------------


async def fix_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "cadre"):
        return
    args = context.args or []
    record_id = parse_record_id(args[0]) if args else None
    if record_id is None:
        await update.message.reply_text(texts.FIX_USAGE.format(hours=texts.num(context.services.config.study.undo_hours)))
        return
    note = " ".join(args[1:]).strip()
    if note:
        await _submit(update, context, record_id, note)
        return
    asked = await fixes.check_request(
        context.session, record_id, context.person.id, context.services.now(), _undo_window(context)
    )
    if asked.refusal is not None:
        await _refuse(update, context, asked, record_id)
        return
    await flows.start(context, NOTE_FLOW, "note", {"record_id": record_id})
    await update.message.reply_text(texts.FIX_ASK_NOTE.format(id=record_id, limit=MAX_NOTE_CHARS, **record_words(context, asked.record)))


async def on_note_text(update: Update, context: BotContext) -> None:
    """The 说明 asked for after `/fix 编号`."""
    state = flows.state_of(context, NOTE_FLOW.name)
    assert state is not None  # the InFlow filter routed it here
    await _submit(update, context, int(state.data["record_id"]), (update.message.text or "").strip())


async def _submit(update: Update, context: BotContext, record_id: int, note: str) -> None:
    """Check the record and the 说明 (a 说明 that will not do is asked for again), open the
    request (checked again as it is written), and ask the confirmers."""
    if not note or len(note) > MAX_NOTE_CHARS:
        asked = await fixes.check_request(
            context.session, record_id, context.person.id, context.services.now(), _undo_window(context)
        )
        if asked.refusal is not None:
            await _refuse(update, context, asked, record_id)
            return
        template = texts.FIX_NOTE_EMPTY if not note else texts.FIX_NOTE_TOO_LONG
        await flows.start(context, NOTE_FLOW, "note", {"record_id": record_id})
        await update.message.reply_text(template.format(limit=MAX_NOTE_CHARS, count=len(note)))
        return
    await flows.finish(context, NOTE_FLOW.name)
    asked = await fixes.request_fix(
        context.session, record_id, context.person.id, note, context.services.now(), _undo_window(context)
    )
    if asked.refusal is not None:
        await _refuse(update, context, asked, record_id)
        return
    await context.session.commit()
    fix, record, owner, config = asked.fix, asked.record, context.person, context.services.config
    routed = await send_to_confirmers(context, owner, lambda by_admins: (
        review_prompts.fix_prompt(config, fix, record, owner, by_admins), review_prompts.fix_buttons(fix, record.id),
    ))
    await update.message.reply_text(texts.FIX_SENT.format(
        id=record.id, routing=routed.text(texts.ROUTED_VERB_HANDLE, record.id),
    ))


async def _refuse(update: Update, context: BotContext, asked: fixes.Asked, record_id: int) -> None:
    """Each refusal with what to do instead."""
    settings = context.services.config.study
    markup = None
    if asked.refusal is Refusal.NOT_FOUND:
        text = texts.FIX_NOT_FOUND.format(id=record_id)
    elif asked.refusal is Refusal.NOT_LIVE:
        text = texts.FIX_NOT_LIVE.format(id=record_id, status=texts.STATUS_NAMES[asked.record.status], credit=settings.credit_name)
    elif asked.refusal is Refusal.TOO_SOON:
        text = texts.FIX_TOO_SOON.format(id=record_id, hours=texts.num(settings.undo_hours))
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(texts.STUDY_UNDO_BUTTON, callback_data=f"st:undo:{record_id}")]])
    else:
        today = local_today(context.services.now(), context.services.config.tz)
        asked_on = asked.fix.asked_at.astimezone(context.services.config.tz).date()
        text = texts.FIX_ALREADY_OPEN.format(id=record_id, day=texts.day(asked_on, today))
    await flows.finish(context, NOTE_FLOW.name)
    await update.message.reply_text(text, reply_markup=markup)


# --- a confirmer decides ---------------------------------------------------------------------------


def _already(decision: fixes.Decision) -> str:
    if decision.fix is not None and decision.fix.status in ("accepted", "declined") and decision.by:
        return texts.FIX_ALREADY.format(
            id=decision.fix.record_id, by=decision.by, status=texts.FIX_STATUS_NAMES[decision.fix.status]
        )
    return already_text(decision.record, decision.by)


async def on_fix_button(update: Update, context: BotContext) -> None:
    query = update.callback_query
    parsed = parse_button(query.data or "")
    if parsed is None or context.person is None:
        await query.answer(texts.REVIEW_REFUSED, show_alert=True)
        return
    action, fix_id, page = parsed
    now = context.services.now()
    decision = (
        await fixes.decide_fix(context.session, fix_id, context.person, True, now) if action == "ok"
        else await fixes.decidable(context.session, fix_id, context.person)
    )
    if decision.outcome is Change.NOT_FOUND:
        await query.answer(texts.REVIEW_REFUSED, show_alert=True)
        return
    if decision.outcome is Change.ALREADY:
        await query.answer(_already(decision), show_alert=True)
        return
    fix, record, owner = decision.fix, decision.record, decision.owner
    if action == "ok":  # a record voided on a cadre's request is logged as /void is
        await audit.record(context.session, context.person.id, "study.fix_accept", {
            "record": record.id, "person": owner.external_id,
        }, now)
    if action == "no":
        await query.answer()
        await flows.start(context, DECLINE_FLOW, "reason", {"fix_id": fix.id, **Origin.of(update, page).to_data()})
        await context.bot.send_message(update.effective_chat.id, texts.FIX_ASK_DECLINE_REASON.format(
            id=record.id, person=owner.name, limit=MAX_REASON_CHARS,
        ))
        return
    await context.session.commit()
    await query.answer()
    by = context.person.name
    await tell(context, owner.chat_id, texts.FIX_TOLD_ACCEPTED.format(id=record.id, by=by, note=fix.note, **record_words(context, record)))
    await Origin.of(update, page).show_outcome(
        context, texts.FIX_ACCEPTED_MARK.format(by=by), texts.FIX_ACCEPTED_SHORT.format(id=record.id, person=owner.name)
    )


async def on_decline_text(update: Update, context: BotContext) -> None:
    """The reason for 不同意: checked, then the request declined and the cadre told why."""
    taken = await take_reason(update, context, DECLINE_FLOW)
    if taken is None:
        return
    reason, data = taken
    decision = await fixes.decide_fix(
        context.session, int(data["fix_id"]), context.person, False, context.services.now(), reason=reason
    )
    if decision.outcome is not Change.DONE:
        await update.message.reply_text(
            texts.REVIEW_REFUSED if decision.outcome is Change.NOT_FOUND else _already(decision)
        )
        return
    record, owner, by = decision.record, decision.owner, context.person.name
    await tell_refusal(
        update, context, data, record, owner, action="study.fix_decline",
        done=texts.FIX_DECLINED_DONE.format(id=record.id, person=owner.name),
        told=texts.FIX_TOLD_DECLINED.format(id=record.id, by=by, reason=reason, **record_words(context, record)),
        mark=texts.FIX_DECLINED_MARK.format(by=by),
    )


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Before ask's plain text: a 说明 or a reason being asked takes the next text."""
    typed = filters.TEXT & ~filters.COMMAND
    app.add_handler(CommandHandler("fix", fix_command))
    app.add_handler(CallbackQueryHandler(on_fix_button, pattern=rf"^{PREFIX}:"))
    app.add_handler(MessageHandler(typed & flows.InFlow(NOTE_FLOW.name), on_note_text))
    app.add_handler(MessageHandler(typed & flows.InFlow(DECLINE_FLOW.name), on_decline_text))
