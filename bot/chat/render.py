"""Turning knowledge text into Telegram messages: safe HTML, split under the length limit."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from telegram.constants import MessageLimit

_BOLD = re.compile(r"\*\*(.+?)\*\*", re.DOTALL)
# Leave room for the tags and entities escaping adds to a chunk of raw text.
RAW_CHUNK = MessageLimit.MAX_TEXT_LENGTH - 600


def to_html(text: str) -> str:
    """Escape everything, then turn **emphasis** into <b>; nothing else from the text is markup."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def split_text(text: str, limit: int = RAW_CHUNK) -> list[str]:
    """Split at paragraph, then line, then sentence boundaries; hard-cut only a giant run."""
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = _best_cut(rest, limit)
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    if rest:
        chunks.append(rest)
    return chunks


def _best_cut(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in ("\n\n", "\n", "。", "；", "，"):
        position = window.rfind(separator)
        if position > limit // 2:
            return position + len(separator)
    return limit


# A numbered step begins a line: 1. 1、 1） （1） 一、 第一步 ①. "1.5" at a line start is a figure, not a step.
_STEP = re.compile(
    r"(?m)^[ \t]*(?:[0-9]{1,2}[.、．)）](?![0-9])|[（(][0-9]{1,2}[)）]|[一二三四五六七八九十]{1,3}[、．.]"
    r"|第[一二三四五六七八九十0-9]{1,3}[步条点项]|[\u2460-\u2473])"
)
#: An answer longer than this, with more numbered steps than HEAD_STEPS, is shown in two parts.
LONG_ANSWER_CHARS = 350
HEAD_STEPS = 3
HEAD_CHARS = 400
#: Not worth a button: a rest this short is shown with the rest of the answer.
MIN_REST_CHARS = 60


@dataclass(frozen=True)
class AnswerParts:
    head: str  # the opening and the first steps
    rest: str  # the remaining steps and what follows them
    rest_steps: int


def split_steps(text: str) -> AnswerParts | None:
    """A long numbered answer cut before its fourth step (earlier if the first three run past
    HEAD_CHARS), so the reader sees the opening at once and opens the rest with 展开; None
    when the answer is short, has few steps, or no cut leaves both parts worth reading.

    Pure and deterministic: a 展开 pressed after a restart cuts the same text at the same place."""
    body = text.strip()
    starts = [match.start() for match in _STEP.finditer(body)]
    if len(body) <= LONG_ANSWER_CHARS or len(starts) <= HEAD_STEPS:
        return None
    cuts = [start for start in starts[: HEAD_STEPS + 1] if start > 0]
    if not cuts:
        return None
    fitting = [cut for cut in cuts if cut <= HEAD_CHARS]
    cut = max(fitting) if fitting else min(cuts)
    head, rest = body[:cut].rstrip(), body[cut:].strip()
    if len(rest) < MIN_REST_CHARS or head.count("**") % 2:  # never cut inside **emphasis**
        return None
    return AnswerParts(head, rest, sum(1 for start in starts if start >= cut))


def render_chunks(text: str) -> list[str]:
    """The message bodies (HTML) for one long text, each within Telegram's limit."""
    return [to_html(chunk) for chunk in split_text(text)]
