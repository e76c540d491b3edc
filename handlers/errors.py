"""The one error handler: log with enough context to debug, answer politely, lose nothing.

What people typed is never logged: a failing message may be private talk notes or a study
note. The log names the kind of update, the chat, the command or button (ids, never text),
the handler that failed and the exception, with database parameters hidden.
"""

from __future__ import annotations

import logging
import traceback
from types import TracebackType

from sqlalchemy.exc import StatementError
from telegram import Update
from telegram.error import Conflict, NetworkError, TelegramError

from bot import texts
from bot.ops import metrics, alerts as ops_alerts
from bot.context import BotContext, current_scope

log = logging.getLogger("cadrebot.errors")


async def on_error(update: object, context: BotContext) -> None:
    scope = current_scope()
    if scope is not None:
        scope.failed = True  # the update's writes are rolled back, not half-committed
        await scope.session.rollback()
    if not isinstance(update, Update):
        if isinstance(context.error, Conflict):  # PTB retries getUpdates by itself
            log.warning("another instance is polling with this token (409 Conflict): run one poller, "
                        "or webhook mode for several instances (docs/operations.md)")
            return
        log.error("error outside an update", exc_info=context.error)
        metrics.ERRORS.labels("other").inc()
        if context.error is not None and not isinstance(context.error, NetworkError):  # PTB retries those
            await ops_alerts.report(context.application, "outside an update", context.error, _describe(context.error))
        return
    user, chat, error = update.effective_user, update.effective_chat, context.error
    trace = error.__traceback__ if error else None
    handler = _failing_handler(trace)
    log.error(
        "update %s (%s) in chat %s failed in %s: %s\n%s",
        update.update_id, _what(update), chat.id if chat else None, handler,
        _describe(error), "".join(traceback.format_tb(trace)).rstrip(),
    )
    metrics.ERRORS.labels("update").inc()
    if error is not None:  # the same facts as the log line: ids and code, never what was typed
        where = f"update {update.update_id} ({_what(update)}) in chat {chat.id if chat else None}, {handler}"
        await ops_alerts.report(context.application, where, error, _describe(error), kind=handler)
    try:
        if update.callback_query is not None:
            await update.callback_query.answer(texts.ERROR[:200], show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(texts.ERROR)
    except TelegramError:
        log.warning("could not tell user %s about the error", user.id if user else None)


def _what(update: Update) -> str:
    """The kind of update, with the command word or the button data (ids only), never text."""
    if update.callback_query is not None:
        return f"button {update.callback_query.data!r}"
    message = update.effective_message
    if message is None:
        return "update without a message"
    text = message.text or ""
    if text.startswith("/"):
        return f"command {text.split(maxsplit=1)[0][:32]}"
    if message.document is not None:
        return "document"
    return "text message" if text else "message"


def _describe(error: BaseException | None) -> str:
    """The exception's type; its message only where it cannot quote what was typed (a Bot API
    refusal, a database error with its parameters hidden): `int('…')` and the like would."""
    if error is None:
        return "unknown error"
    name = type(error).__name__
    if isinstance(error, StatementError):
        error.hide_parameters = True
        return f"{name}: {error}"
    if isinstance(error, TelegramError):
        return f"{name}: {error}"
    return name


def _failing_handler(trace: TracebackType | None) -> str:
    """The callback PTB called for the update (the first frame outside telegram.* after it)."""
    inside_ptb = False
    while trace is not None:
        module = trace.tb_frame.f_globals.get("__name__", "")
        if module.startswith("telegram."):
            inside_ptb = True
        elif inside_ptb:
            return f"{module}.{trace.tb_frame.f_code.co_name}"
        trace = trace.tb_next
    return "?"
