"""Typed shapes of knowledge-base entries and of the problems found in them.

These are plain frozen dataclasses so that a loaded base can be shared between
threads (the bot reloads in a worker thread) without any locking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

#: Keys an entry may carry; anything else is an error (typos must not pass silently).
ENTRY_KEYS: frozenset[str] = frozenset(
    {"id", "question", "alternates", "keywords", "answer", "category", "source", "updated", "related"}
)
REQUIRED_KEYS: tuple[str, ...] = ("id", "question", "answer")


@dataclass(frozen=True, slots=True)
class Entry:
    """One question/answer pair, with where it came from for error messages."""

    id: str
    question: str
    alternates: tuple[str, ...]
    keywords: tuple[str, ...]
    answer: str
    category: str | None
    source: str | None
    updated: date | None
    related: tuple[str, ...]
    file: str
    line: int

    @property
    def phrasings(self) -> tuple[str, ...]:
        """The canonical question followed by its alternates: every way it may be asked."""
        return (self.question, *self.alternates)


@dataclass(frozen=True, slots=True)
class KbIssue:
    """An error or warning about the base, printable as one grep-friendly line.

    ``message`` is the English line the CLI prints; ``code`` and ``params`` say the same
    thing as data, so the bot can word it in Chinese without parsing English (and without
    showing a server path: ``file`` is a path, the bot shows only the name).
    """

    file: str
    line: int | None
    entry_id: str | None
    message: str
    code: str = "other"
    params: Mapping[str, str | int] = field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        who = f" [{self.entry_id}]" if self.entry_id else ""
        return f"{where}{who} {self.message}"
