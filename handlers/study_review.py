"""Trust in the records: confirmers count or return what needs confirming, admins void any
record with a reason, and the cadre is told either way, with the reason.

Who confirms is people.confirmers_of: the supervisors of the cadre's unit who can be asked
(never the cadre himself), else the admins, who are then asked at once; the cadre is told
exactly where the record went. 退回 asks for the reason in a flow kept in the database
(bot/chat/flows.py, flow "review_reason"), so a restart between the press and the reason loses
nothing; the record is returned only when the reason arrives, in one conditional UPDATE, so of
two confirmers the first to finish wins and the other is told who did.

Callback data: rv:ok:<record id>, rv:no:<record id>, each with :<page> when pressed on a
/pending page (the page is shown again afterwards). Whoever may not act on a record is
refused in the same words whether or not it exists.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import texts
from bot.chat import flows
from bot.scheduling import review_prompts
from bot.context import BotContext
from bot.chat.ids import parse_id
from bot.study.input import parse_record_id
from db import audit, credits, people, sessions
from db.models import Person, StudyRecord
from handlers import pending
from handlers.access import require_role

log = logging.getLogger(__name__)

PREFIX = review_prompts.RECORD_PREFIX
MAX_REASON_CHARS = 200

REASON_FLOW = flows.define_step("review_reason", texts.REVIEW_REASON_DROPPED)


# --- asking the confirmers -----------------------------------------------------------------


@dataclass(frozen=True)
class Routed:
    """Where a record (or a /fix request) went: "supervisors", "admins" or "nobody"."""

    route: str
    names: list[str]

    def text(self, verb: str, record_id: int) -> str:
        """The line the cadre reads: who was asked, or that nobody can be yet."""
        return texts.ROUTED[self.route].format(names=texts.NAME_SEPARATOR.join(self.names), verb=verb, id=record_id)


async def send_to_confirmers(
    context: BotContext, owner: Person, render: Callable[[bool], tuple[str, InlineKeyboardMarkup]]
) -> Routed:
    """Send the prompt (render(by_admins)) to everyone who confirms for `owner`. A confirmer
    who blocked the bot is marked unreachable at once, so when that leaves the unit without
    anyone to ask, the admins are asked in the same breath (and may then decide)."""
    for _ in range(2):  # the supervisors; if every one of them blocked the bot, the admins
        confirmers = await people.confirmers_of(context.session, owner)
        if confirmers.nobody:
            break
        text, markup = render(confirmers.admins)
        for confirmer in confirmers.people:
            if await _send(context, confirmer.chat_id, text, markup) is False:
                confirmer.reachable = False  # as membership.py does when Telegram says so
        reached = [p.name for p in confirmers.people if p.reachable]
        if reached:
            return Routed("admins" if confirmers.admins else "supervisors", reached)
        await context.session.flush()
        if confirmers.admins:
            break
    return Routed("nobody", [])


async def ask_confirmers(context: BotContext, owner: Person, record: StudyRecord) -> str:
    """Ask for a new pending record to be confirmed; the line telling the cadre where it went."""
    config = context.services.config
    routed = await send_to_confirmers(context, owner, lambda by_admins: (
        review_prompts.record_prompt(config, record, owner, by_admins), review_prompts.record_buttons(record.id),
    ))
    return routed.text(texts.ROUTED_VERB_CONFIRM, record.id)


async def _send(context: BotContext, chat_id: int | None, text: str, markup: InlineKeyboardMarkup | None = None) -> bool | None:
    """A message to someone other than the speaker: True if sent, False if they blocked the
    bot, None if it failed otherwise (they can still find it in /pending)."""
    if chat_id is None:
        return None
    try:
        await context.bot.send_message(chat_id, text, reply_markup=markup)
    except Forbidden:
        return False
    except TelegramError as exc:
        log.warning("could not message chat %s: %s", chat_id, exc)
        return None
    return True


async def tell(context: BotContext, chat_id: int | None, text: str) -> None:
    """Tell someone else (the cadre) an outcome; a failure costs only this message."""
    await _send(context, chat_id, text)


# --- pressing 通过 / 退回 ----------------------------------------------------------------------


def parse_button(data: str) -> tuple[str, int, int | None] | None:
    """<prefix>:<ok|no>:<id>[:<page>] as (action, id, page); None for anything else."""
    parts = data.split(":")
    if len(parts) not in (3, 4) or parts[1] not in ("ok", "no"):
        return None
    target = parse_id(parts[2])
    page = parse_id(parts[3]) if len(parts) == 4 else None
    if target is None or (len(parts) == 4 and page is None):
        return None
    return parts[1], target, page


def already_text(record: StudyRecord | None, by: str | None) -> str:
    if record is None:
        return texts.REVIEW_REFUSED
    status = texts.STATUS_NAMES[record.status]
    if by:
        return texts.REVIEW_ALREADY.format(id=record.id, by=by, status=status)
    return texts.REVIEW_ALREADY_NOBODY.format(id=record.id, status=status)


async def on_review(update: Update, context: BotContext) -> None:
    query = update.callback_query
    parsed = parse_button(query.data or "")
    if parsed is None or context.person is None:
        await query.answer(texts.REVIEW_REFUSED, show_alert=True)
        return
    action, record_id, page = parsed
    if action == "no":
        await _ask_reason(update, context, record_id, page)
        return
    result = await credits.decide(context.session, record_id, context.person, True, context.services.now())
    if result.outcome is credits.Change.NOT_FOUND:
        await query.answer(texts.REVIEW_REFUSED, show_alert=True)
        return
    if result.outcome is credits.Change.ALREADY:
        await query.answer(already_text(result.record, result.by), show_alert=True)
        return
    await context.session.commit()
    await query.answer()
    record, owner, by = result.record, result.owner, context.person.name
    words = record_words(context, record)
    await tell(context, owner.chat_id, texts.REVIEW_TOLD_APPROVED.format(id=record.id, by=by, **words))
    origin = Origin.of(update, page)
    await origin.show_outcome(
        context, texts.REVIEW_APPROVED.format(by=by), texts.REVIEW_APPROVED_SHORT.format(id=record.id, person=owner.name)
    )


def record_words(context: BotContext, record: StudyRecord) -> dict[str, str]:
    settings = context.services.config.study
    return {
        "day": texts.day(record.study_date), "name": settings.activity_name(record.activity),
        "amount": texts.amount(record.amount, record.unit), "credits": texts.credits(record.credits, settings.credit_name),
    }


@dataclass(frozen=True)
class Origin:
    """The message a decision was pressed on: a prompt (marked with the outcome, buttons
    gone) or a /pending page (shown again, the outcome on top). Kept in a reason flow's data,
    so the right message is updated when the reason arrives, after a restart too."""

    chat_id: int
    message_id: int
    page: int | None
    text: str

    @classmethod
    def of(cls, update: Update, page: int | None) -> Origin:
        message = update.callback_query.message
        chat_id = message.chat.id if message is not None else update.effective_chat.id
        message_id = message.message_id if message is not None else 0
        return cls(chat_id, message_id, page, (getattr(message, "text", None) or "") if page is None else "")

    def to_data(self) -> dict[str, Any]:
        return {"chat_id": self.chat_id, "message_id": self.message_id, "page": self.page, "text": self.text}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Origin:
        return cls(int(data["chat_id"]), int(data["message_id"]), data.get("page"), str(data.get("text") or ""))

    async def show_outcome(self, context: BotContext, mark: str, short: str) -> None:
        try:
            if self.page is not None:
                text, markup = await pending.page_view(context, self.page, lead=short)
                await context.bot.edit_message_text(text, chat_id=self.chat_id, message_id=self.message_id, reply_markup=markup)
            elif self.text and self.message_id:
                await context.bot.edit_message_text(self.text + mark, chat_id=self.chat_id, message_id=self.message_id)
        except TelegramError as exc:  # too old to edit, deleted: the outcome was told anyway
            log.info("could not update the decided message: %s", exc)


async def _ask_reason(update: Update, context: BotContext, record_id: int, page: int | None) -> None:
    """退回 pressed: nothing changes yet; the reason is asked for, and the next text is it."""
    query = update.callback_query
    result = await credits.decidable(context.session, record_id, context.person)
    if result.outcome is credits.Change.NOT_FOUND:
        await query.answer(texts.REVIEW_REFUSED, show_alert=True)
        return
    if result.outcome is credits.Change.ALREADY:
        await query.answer(already_text(result.record, result.by), show_alert=True)
        return
    await query.answer()
    record, owner = result.record, result.owner
    data = {"record_id": record.id, **Origin.of(update, page).to_data()}
    await flows.start(context, REASON_FLOW, "reason", data)
    words = record_words(context, record)
    await context.bot.send_message(update.effective_chat.id, texts.REVIEW_ASK_REASON.format(
        id=record.id, person=owner.name, name=words["name"], amount=words["amount"], limit=MAX_REASON_CHARS,
    ))


def reason_problem(text: str, limit: int = MAX_REASON_CHARS) -> str | None:
    """What is wrong with a typed reason, to ask again with; None when it will do."""
    if not text:
        return texts.REASON_EMPTY.format(limit=limit)
    if len(text) > limit:
        return texts.REASON_TOO_LONG.format(limit=limit, count=len(text))
    return None


async def take_reason(update: Update, context: BotContext, flow: flows.FlowSpec) -> tuple[str, dict] | None:
    """The text typed at a flow's "reason" step: asked again (the flow kept) when empty or too
    long; otherwise the flow ends and (reason, the flow's data) is returned."""
    state = flows.state_of(context, flow.name)
    assert state is not None  # the InFlow filter routed it here
    reason = (update.message.text or "").strip()
    problem = reason_problem(reason)
    if problem is not None:
        await flows.advance(context, flow, "reason", state.data)
        await update.message.reply_text(problem)
        return None
    await flows.finish(context, flow.name)
    return reason, dict(state.data)


async def on_reason_text(update: Update, context: BotContext) -> None:
    """The reason for 退回: checked, then the record returned and the cadre told why."""
    taken = await take_reason(update, context, REASON_FLOW)
    if taken is None:
        return
    reason, data = taken
    result = await credits.decide(
        context.session, int(data["record_id"]), context.person, False, context.services.now(), reason=reason
    )
    if result.outcome is not credits.Change.DONE:
        await update.message.reply_text(
            texts.REVIEW_REFUSED if result.outcome is credits.Change.NOT_FOUND else already_text(result.record, result.by)
        )
        return
    record, owner, by = result.record, result.owner, context.person.name
    await tell_refusal(
        update, context, data, record, owner, action="study.reject",
        done=texts.REVIEW_RETURNED.format(id=record.id, person=owner.name),
        told=texts.REVIEW_TOLD_REJECTED.format(
            id=record.id, by=by, reason=reason, **record_words(context, record),
            again=texts.REVIEW_AGAIN_MAKEUP if sessions.is_makeup(record) else texts.REVIEW_AGAIN_STUDY),
        mark=texts.REVIEW_REJECTED.format(by=by),
    )


async def tell_refusal(
    update: Update, context: BotContext, data: dict, record: StudyRecord, owner: Person, *,
    action: str, done: str, told: str, mark: str,
) -> None:
    """After a 退回 or a declined /fix is written: audit it, commit, tell the confirmer (`done`)
    and the cadre (`told`, with the reason), and mark the prompt or /pending page it came from."""
    await audit.record(context.session, context.person.id, action, {
        "record": record.id, "person": owner.external_id,
    }, context.services.now())
    await context.session.commit()
    await update.message.reply_text(done)
    await tell(context, owner.chat_id, told)
    await Origin.from_data(data).show_outcome(context, mark, "")


# --- /void -----------------------------------------------------------------------------------


async def void_command(update: Update, context: BotContext) -> None:
    """/void <record id> <reason>: admins only, and never without a reason."""
    if not await require_role(update, context, "admin"):
        return
    args = context.args or []
    record_id = parse_record_id(args[0]) if args else None
    if record_id is None:
        await update.message.reply_text(texts.VOID_USAGE)
        return
    reason = " ".join(args[1:]).strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        await update.message.reply_text(texts.VOID_NEEDS_REASON.format(id=record_id, limit=MAX_REASON_CHARS))
        return
    result = await credits.void_record(context.session, record_id, context.person.id, reason, context.services.now())
    if result.outcome is credits.Change.NOT_FOUND:
        await update.message.reply_text(texts.VOID_NOT_FOUND.format(id=record_id))
    elif result.outcome is credits.Change.ALREADY:
        await update.message.reply_text(
            texts.VOID_ALREADY.format(id=record_id, status=texts.STATUS_NAMES[result.record.status])
        )
    else:
        # The reason stays on the record (void_reason); the log says who voided what.
        await audit.record(context.session, context.person.id, "study.void", {
            "record": record_id, "person": result.owner.external_id,
        }, context.services.now())
        await context.session.commit()
        await _tell_void(update, context, result.record, result.owner, reason)


async def _tell_void(update: Update, context: BotContext, record: StudyRecord, owner: Person, reason: str) -> None:
    settings = context.services.config.study
    words = {
        "name": settings.activity_name(record.activity), "amount": texts.amount(record.amount, record.unit),
        "day": texts.day(record.study_date), "reason": reason,
    }
    await update.message.reply_text(texts.VOID_DONE.format(id=record.id, person=owner.name, **words))
    if owner.id != context.person.id:
        await tell(context, owner.chat_id, texts.VOID_TOLD.format(**words))


def register(app: Application) -> None:  # type: ignore[type-arg]
    """Before ask's plain text: while a reason is asked, the next text is the reason."""
    app.add_handler(CommandHandler("void", void_command))
    app.add_handler(CallbackQueryHandler(on_review, pattern=rf"^{PREFIX}:"))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND & flows.InFlow(REASON_FLOW.name), on_reason_text))
