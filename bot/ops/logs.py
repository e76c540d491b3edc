"""Logging for `cadrebot run`: level and format from the environment, the token never printed.

CADREBOT_LOG_LEVEL (DEBUG, INFO, WARNING, ERROR; INFO by default) and CADREBOT_LOG_FORMAT
(`text`, the default, or `json`: one object a line, for a log collector). APScheduler and httpx
stay at WARNING whatever the level: APScheduler prints two lines a tick (every 30 s), and
httpx's request lines carry the bot token in the URL. As a second guard the formatter replaces
the token anywhere in a finished line (a traceback that quotes a URL included), so no logger
we did not think of can print it either.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from datetime import datetime, timezone

from bot.config import ConfigError

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
FORMATS = ("text", "json")
QUIET = ("apscheduler", "httpx", "httpcore", "tornado.access")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
HIDDEN = "<token>"


class LogSettingsError(ConfigError):
    """A log variable with a value we do not know: start-up stops with one line, exit 2."""


def log_settings(env: Mapping[str, str] | None = None) -> tuple[int, str]:
    """(level, format) from CADREBOT_LOG_LEVEL and CADREBOT_LOG_FORMAT, checked."""
    env = os.environ if env is None else env
    level = (env.get("CADREBOT_LOG_LEVEL") or "INFO").strip().upper()
    form = (env.get("CADREBOT_LOG_FORMAT") or "text").strip().lower()
    if level not in LEVELS:
        raise LogSettingsError(f"CADREBOT_LOG_LEVEL: expected one of {', '.join(LEVELS)}, got {level!r}")
    if form not in FORMATS:
        raise LogSettingsError(f"CADREBOT_LOG_FORMAT: expected text or json, got {form!r}")
    return getattr(logging, level), form


class _Redacting(logging.Formatter):
    """Any formatter, with the secrets taken out of what it wrote."""

    def __init__(self, inner: logging.Formatter, secrets: list[str]) -> None:
        super().__init__()
        self.inner = inner
        self.secrets = [s for s in secrets if s and len(s) >= 8]  # never blank out a short common string

    def format(self, record: logging.LogRecord) -> str:
        line = self.inner.format(record)
        for secret in self.secrets:
            line = line.replace(secret, HIDDEN)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time (UTC, ISO), level, logger, message, and the traceback."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(level: int, form: str, secrets: list[str | None]) -> logging.Handler:
    """Replace the root logger's handlers with one on stderr; returns it (tests read its formatter)."""
    inner: logging.Formatter = JsonFormatter() if form == "json" else logging.Formatter(TEXT_FORMAT)
    handler = logging.StreamHandler()
    handler.setFormatter(_Redacting(inner, [s for s in secrets if s]))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    return handler
