"""The roster in the bot: an admin uploads it and chooses, from a preview, how to import it;
asks for the invite codes still unused, or for a new code for one person.

Nothing an upload does happens before a button says so: the file waits in `roster_uploads`
(db/roster_uploads.py) under an id, the buttons carry only that id (bot/admin/roster_preview.py),
and pressing one re-plans against the roster as it is then. A plan that changed since the
preview is shown again instead of applied.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from dataclasses import asdict
from datetime import timedelta

from telegram import CallbackQuery, Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot import texts
from bot.context import BotContext
from bot.admin.invites import invites_csv, warn_if_username_differs
from bot.chat.menus import refresh_menus
from bot.admin.roster_preview import PREFIX, preview_keyboard, preview_text
from bot.study.input import parse_record_id
from db import audit, people, roster_uploads
from db.models import RosterUpload
from db.people import ImportMode, ImportPlan
from db.roster import RosterError, RosterRow, parse_roster
from handlers import accounts
from handlers import audit as audit_handlers
from handlers.access import require_role

ACTIONS = {"full": ImportMode.FULL, "update": ImportMode.UPDATE, "cancel": None}


async def import_roster_upload(update: Update, context: BotContext, filename: str, content: bytes) -> None:
    """Called by the upload dispatcher for an admin's roster file: reply with the preview."""
    try:
        rows = await _parse(filename, content)
    except RosterError as error:
        await update.message.reply_text(texts.roster_errors(error))
        return
    full, partial = await _plans(context, rows)
    if full.no_admin_left:
        await update.message.reply_text(texts.ROSTER_REFUSED_NO_ADMIN)
        return
    now = context.services.now()
    upload = await roster_uploads.save(
        context.session, context.person.id, filename, content, _fingerprint(full, partial), now,
        stale_before=now - _preview_life(context),
    )
    await update.message.reply_text(
        _preview(context, upload, rows, full, partial), parse_mode=ParseMode.HTML,
        reply_markup=preview_keyboard(upload.id, full),
    )


async def _parse(filename: str, content: bytes) -> list[RosterRow]:
    """Off the event loop: a 5 MB workbook takes a while, and others' questions should not wait."""
    return await asyncio.to_thread(parse_roster, filename, content)


async def _plans(context: BotContext, rows: list[RosterRow]) -> tuple[ImportPlan, ImportPlan]:
    uploader = context.person.id if context.person else None
    full = await people.plan_import(context.session, rows, ImportMode.FULL, uploader)
    partial = await people.plan_import(context.session, rows, ImportMode.UPDATE, uploader)
    return full, partial


def _fingerprint(full: ImportPlan, partial: ImportPlan) -> str:
    return hashlib.sha256(f"{full.fingerprint()}:{partial.fingerprint()}".encode()).hexdigest()


def _preview(
    context: BotContext, upload: RosterUpload, rows: list[RosterRow], full: ImportPlan, partial: ImportPlan
) -> str:
    settings = context.services.config.roster
    return preview_text(
        upload.filename, len(rows), full, partial, settings.deactivate_warning_share, settings.preview_hours
    )


async def on_decision(update: Update, context: BotContext) -> None:
    """roster:<full|update|cancel>:<upload id>; stale, forged and repeated presses are told so."""
    query = update.callback_query
    parts = (query.data or "").split(":")
    upload_id = parse_record_id(parts[2]) if len(parts) == 3 and parts[1] in ACTIONS else None
    if upload_id is None:
        await query.answer(texts.BUTTON_EXPIRED, show_alert=True)
        return
    upload = await _own_upload(update, context, upload_id)
    if upload is None:
        return
    if parts[1] == "cancel":
        await _cancel(update, context, upload)
        return
    await _apply(update, context, upload, ACTIONS[parts[1]])  # type: ignore[arg-type]


async def _own_upload(update: Update, context: BotContext, upload_id: int) -> RosterUpload | None:
    """The pending upload this admin may decide, or None after telling them why not."""
    query, person = update.callback_query, context.person
    if person is None or not person.has_role("admin"):
        await query.answer(texts.NOT_ALLOWED, show_alert=True)
        return None
    upload = await roster_uploads.get(context.session, upload_id)
    if upload is None or upload.uploader_id != person.id:
        await query.answer(texts.ROSTER_UPLOAD_GONE, show_alert=True)
        return None
    if upload.decided_at is not None:
        await _tell_decided(query, upload)
        return None
    if context.services.now() - upload.created_at > _preview_life(context):
        await query.answer(texts.ROSTER_UPLOAD_GONE, show_alert=True)
        return None
    return upload


async def _tell_decided(query: CallbackQuery, upload: RosterUpload) -> None:
    """A second press (or one after the preview ran out) learns what became of the file."""
    told = texts.ROSTER_UPLOAD_DECIDED.get(upload.decision or "", texts.ROSTER_UPLOAD_GONE)
    await query.answer(told, show_alert=True)


def _preview_life(context: BotContext) -> timedelta:
    return timedelta(hours=context.services.config.roster.preview_hours)


async def _cancel(update: Update, context: BotContext, upload: RosterUpload) -> None:
    query = update.callback_query
    if not await roster_uploads.decide(context.session, upload, "cancelled", context.services.now()):
        await _tell_decided(query, upload)
        return
    await query.answer()
    await query.edit_message_text(texts.ROSTER_CANCELLED)


async def _apply(update: Update, context: BotContext, upload: RosterUpload, mode: ImportMode) -> None:
    query, session, now = update.callback_query, context.session, context.services.now()
    try:
        rows = await _parse(upload.filename, upload.content)
    except RosterError:  # the rules changed under a waiting file (an upgrade): it must come again
        await query.answer(texts.ROSTER_UPLOAD_GONE, show_alert=True)
        return
    full, partial = await _plans(context, rows)
    if _fingerprint(full, partial) != upload.fingerprint:
        await _show_again(update, context, upload, rows, full, partial)
        return
    plan = full if mode is ImportMode.FULL else partial
    if not await roster_uploads.decide(session, upload, mode.value, now):
        await _tell_decided(query, upload)
        return
    summary = await people.apply_plan(session, rows, plan, now)
    await audit.record(session, context.person.id, "roster.import", {
        "file": upload.filename, "mode": mode.value, **asdict(summary),
    }, now)
    await session.commit()
    await query.answer()
    done = texts.ROSTER_IMPORTED.format(mode=texts.IMPORT_MODE_NAMES[mode.value], **asdict(summary))
    await query.edit_message_text(done)
    await refresh_menus(context.bot, context.services)  # roles may have changed
    await send_invites(update, context)


async def _show_again(
    update: Update, context: BotContext, upload: RosterUpload, rows: list[RosterRow], full: ImportPlan,
    partial: ImportPlan,
) -> None:
    """The roster moved since the preview: the press confirmed something else, so show the
    new plan and let the admin choose again."""
    query = update.callback_query
    await query.answer(texts.ROSTER_PLAN_CHANGED, show_alert=True)
    if full.no_admin_left:
        await roster_uploads.decide(context.session, upload, "cancelled", context.services.now())
        await query.edit_message_text(texts.ROSTER_REFUSED_NO_ADMIN)
        return
    await roster_uploads.refingerprint(context.session, upload, _fingerprint(full, partial))
    await query.edit_message_text(
        _preview(context, upload, rows, full, partial), parse_mode=ParseMode.HTML,
        reply_markup=preview_keyboard(upload.id, full),
    )


# --- invites -----------------------------------------------------------------------------------------


async def invites_command(update: Update, context: BotContext) -> None:
    """/invites: the unused codes as a file; /invites renew 编号或姓名: a new code for one person."""
    if not await require_role(update, context, "admin"):
        return
    args = context.args or []
    if not args:
        await send_invites(update, context)
    elif args[0].lower() == "renew" and len(args) > 1:
        await _renew(update, context, " ".join(args[1:]))
    else:
        await update.message.reply_text(texts.INVITES_USAGE)


async def send_invites(update: Update, context: BotContext) -> None:
    """The invite list, with links to this bot as Telegram names it (getMe), never the config's."""
    pending = await people.pending_invites(context.session)
    chat_id = update.effective_chat.id
    if not pending:
        await context.bot.send_message(chat_id, texts.INVITES_NONE)
        return
    data = invites_csv(pending, context.bot.username).encode("utf-8-sig")
    await audit.record(context.session, context.person.id, "invites.export", {"count": len(pending)},
                       context.services.now())
    await context.bot.send_document(
        chat_id, document=io.BytesIO(data), filename="invites.csv",
        caption=texts.INVITES_CAPTION.format(count=len(pending)),
    )


async def _renew(update: Update, context: BotContext, wanted: str) -> None:
    person = await accounts.resolve_one(update, context, wanted, "/invites renew")
    if person is None:
        return
    outcome = await people.renew_invite(context.session, person)
    words = {"name": person.name, "id": person.external_id}
    if outcome is people.RenewOutcome.BOUND:
        await update.message.reply_text(texts.RENEW_BOUND.format(**words))
        return
    if outcome is people.RenewOutcome.INACTIVE:
        await update.message.reply_text(texts.RENEW_INACTIVE.format(**words))
        return
    await audit.record(context.session, context.person.id, "invites.renew", {
        "person": person.external_id, "name": person.name,
    }, context.services.now())
    await update.message.reply_text(texts.RENEW_DONE.format(
        code=person.invite_code, link=accounts.invite_link_line(context, person), **words,
    ))


def check_invite_username(configured: str, actual: str | None) -> None:
    """At start-up (bot/app.py): say so in the log when config's bot.username is not the name
    getMe gave; the links this module makes always use getMe's."""
    warn_if_username_differs(configured, actual)


def register(app: Application) -> None:  # type: ignore[type-arg]
    """The roster, and the account and audit commands that grew from it (bot/app.py wires this
    one module; it brings its neighbours)."""
    app.add_handler(CommandHandler("invites", invites_command))
    app.add_handler(CallbackQueryHandler(on_decision, pattern=rf"^{PREFIX}:"))
    accounts.register(app)
    audit_handlers.register(app)
