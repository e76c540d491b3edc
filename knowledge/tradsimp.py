"""Traditional -> simplified Chinese, fast when there is nothing to convert.

opencc-python-reimplemented is pure Python: building the converter reads its
dictionaries and converting walks a parse tree (tens of microseconds).  Most
queries are already simplified, so we first check whether any character could
change at all, and only then call the converter.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=1)
def _triggers() -> tuple[frozenset[str], re.Pattern[str] | None] | None:
    """What makes conversion change a text: some characters, and a few whole phrases.

    Read from the converter's loaded dictionaries (an internal of the library);
    if their layout ever changes we return None and simply always convert.
    """
    converter = _converter()
    converter.convert("")  # forces the dictionaries to load
    try:
        chars: set[str] = set()
        phrases: dict[str, str] = {}
        for group in converter._dict_chain_data:
            for _max_len, _min_len, mapping in group:
                for key, value in mapping.items():
                    changed = value.split(" ")[0] != key
                    if changed and len(key) == 1:
                        chars.add(key)
                    elif changed:
                        phrases[key] = value
        # A phrase with a converting character is caught by that character already.
        rest = sorted((k for k in phrases if chars.isdisjoint(k)), key=len, reverse=True)
        return frozenset(chars), re.compile("|".join(map(re.escape, rest))) if rest else None
    except (AttributeError, TypeError, ValueError):  # pragma: no cover - library internals moved
        return None


def to_simplified(text: str) -> str:
    """``text`` with traditional characters converted to simplified ones."""
    triggers = _triggers()
    if triggers is not None:
        chars, phrases = triggers
        if chars.isdisjoint(text) and (phrases is None or not phrases.search(text)):
            return text
    return _converter().convert(text)
