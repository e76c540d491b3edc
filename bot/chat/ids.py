"""Ids taken from callback data and typed commands, parsed with bounds before int() or SQL sees them.

Button data comes back from the client and can be forged: ``kb:up:99999999999999999999999``
overflows the database's integer column, and ``²³`` passes ``str.isdigit()`` but not ``int()``.
Either must look like a stale button, not a fault.
"""

from __future__ import annotations

#: Row ids are 32-bit INTEGER columns (at most 2,147,483,647): nine digits always fit.
ROW_ID_DIGITS = 9
#: Telegram user and chat ids fit in a signed 64-bit integer: eighteen digits always do.
TELEGRAM_ID_DIGITS = 18


def parse_natural(text: str, digits: int = ROW_ID_DIGITS) -> int | None:
    """A number written in ASCII digits (0 allowed), at most ``digits`` of them; None otherwise."""
    return int(text) if 0 < len(text) <= digits and text.isascii() and text.isdigit() else None


def parse_id(text: str, digits: int = ROW_ID_DIGITS) -> int | None:
    """A positive id written in ASCII digits, at most ``digits`` of them; None for anything else."""
    value = parse_natural(text, digits)
    return value if value else None


def parse_naturals(parts: list[str], digits: int = ROW_ID_DIGITS) -> list[int] | None:
    """Every part parsed as by ``parse_natural`` (page numbers, indexes), or None if any fails."""
    parsed = [parse_natural(p, digits) for p in parts]
    return None if None in parsed else parsed  # type: ignore[return-value]
