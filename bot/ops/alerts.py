"""Errors told to the operators' chat (config bot.ops_chat_id), besides the log.

What goes there: where it failed (the update's kind and handler, or the scheduler tick), the
exception's type (its message only where it cannot quote what was typed: handlers/errors.py
decides), and the last frames of the traceback, which name code, never data. At most one
message per kind of error a minute: a failing database would otherwise turn every update into
an alert, and the alerts themselves into a fan-out; the next one says how many were held back.
"""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram.error import TelegramError

from bot import texts

log = logging.getLogger(__name__)

TRACE_FRAMES = 6
TRACE_CHARS = 2500
QUIET_SECONDS = 60


def trimmed_traceback(error: BaseException | None, frames: int = TRACE_FRAMES, limit: int = TRACE_CHARS) -> str:
    """The last `frames` frames of the traceback (file, line, function, source line), at most
    `limit` characters from the end: where it failed matters more than how it got there."""
    if error is None or error.__traceback__ is None:
        return ""
    lines = "".join(traceback.format_tb(error.__traceback__)[-frames:]).rstrip()
    return lines if len(lines) <= limit else "…" + lines[-limit:]


@dataclass
class OpsAlerts:
    bot: object
    chat_id: int
    clock: Callable[[], float] = time.monotonic
    quiet_seconds: float = QUIET_SECONDS
    _last: dict[str, float] = field(default_factory=dict)
    _held: dict[str, int] = field(default_factory=dict)

    async def send(self, key: str, where: str, description: str, error: BaseException | None) -> bool:
        """Tell the chat, unless the same kind of error was told within the quiet period."""
        now = self.clock()
        if now - self._last.get(key, -self.quiet_seconds - 1) < self.quiet_seconds:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        text = texts.OPS_ERROR.format(where=where, error=description, trace=trimmed_traceback(error))
        held = self._held.pop(key, 0)
        if held:
            text += texts.OPS_ERROR_MORE.format(seconds=int(self.quiet_seconds), count=held)
        try:
            await self.bot.send_message(self.chat_id, text[:4000])  # type: ignore[attr-defined]
        except (TelegramError, OSError) as failure:
            log.warning("could not tell the operators' chat %s about an error: %s", self.chat_id, type(failure).__name__)
            return False
        return True


def alerts_for(app: object) -> OpsAlerts | None:
    """The application's alerts, made on first use; None when no ops chat is configured."""
    chat_id = app.services.config.bot.ops_chat_id  # type: ignore[attr-defined]
    if chat_id is None:
        return None
    alerts = getattr(app, "_cadrebot_ops_alerts", None)
    if alerts is None:
        alerts = OpsAlerts(app.bot, chat_id)  # type: ignore[attr-defined]
        setattr(app, "_cadrebot_ops_alerts", alerts)
    return alerts


async def report(
    app: object, where: str, error: BaseException, description: str | None = None, kind: str | None = None
) -> None:
    """Errors outside an update (a scheduler tick) and inside one (handlers/errors.py). `kind`
    (default: `where`) and the exception's type say which errors are "the same kind"."""
    alerts = alerts_for(app)
    if alerts is not None:
        described = description or type(error).__name__
        await alerts.send(f"{kind or where}|{type(error).__name__}", where, described, error)
