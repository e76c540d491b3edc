"""Turning knowledge text into Telegram messages: safe HTML, split under the length limit."""

from __future__ import annotations

import html
import re

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


def render_chunks(text: str) -> list[str]:
    """The message bodies (HTML) for one long text, each within Telegram's limit."""
    return [to_html(chunk) for chunk in split_text(text)]
