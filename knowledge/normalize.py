"""Text normalisation applied identically to user queries and to the base's phrasings.

Matching compares character n-grams, so everything that varies without
changing meaning must be folded away first: full-width forms, case,
traditional characters, punctuation, emoji, invisible characters, polite
filler ("请问…吗"), and the way small numbers are written (3会1课 = 三会一课).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from knowledge.numerals import canonical_numbers
from knowledge.tradsimp import to_simplified

DEFAULT_MAX_CHARS = 200

# A raw message longer than this many times the cap cannot shrink back under the cap
# except by being mostly punctuation; cutting it first bounds the work on hostile input.
_RAW_FACTOR = 20

# Polite framing that carries no topic.  Longest first, so 想问一下 goes before 一下.
# These are removed anywhere: none of them occurs inside an ordinary content word.
_FILLERS = (
    "我想请问一下", "我想咨询一下", "我想了解一下", "我想问一下", "想请问一下", "麻烦问一下",
    "请教一下", "咨询一下", "了解一下", "想问一下", "麻烦问下", "我想知道", "我想请问",
    "想知道", "请问", "问一下", "请教", "谢谢", "你好", "您好",
)
_FILLER_RE = re.compile("|".join(map(re.escape, _FILLERS)))
# 一下 is filler right after a verb of asking or telling (说一下, 介绍一下, 讲解一下) but
# not elsewhere: 统一下发 and 一下子 must keep it.
_YIXIA_RE = re.compile("(?<=[说讲问查看找聊谈算绍释明解普])一下(?!子)")
# Sentence-final particles: only at the end, where they are never part of a word we index.
_FINAL_PARTICLES_RE = re.compile("[吗呢啊呀吧嘛哈哦啦]+$")


# Letters and digits carry meaning; punctuation, symbols, emoji, spaces, controls, combining
# marks and the underscore do not.  (\W is "not alphanumeric" in the str.isalnum sense.)
_NOT_LETTER_OR_DIGIT = re.compile(r"[\W_]+")


def strip_symbols(text: str) -> str:
    """Drop every character that is not a letter or a digit (after NFKC + lowercase)."""
    return _NOT_LETTER_OR_DIGIT.sub("", unicodedata.normalize("NFKC", text).lower())


@lru_cache(maxsize=1 << 16)
def normalize(text: str, max_chars: int | None = DEFAULT_MAX_CHARS) -> str:
    """Canonical form of ``text`` for matching; '' when nothing meaningful is left.

    ``max_chars`` caps the result (None: no cap, used for the base's own texts).
    Cached: the loader, the duplicate check and the matcher all normalise the same
    phrasings, and the same FAQ buttons arrive again and again.
    """
    if max_chars is not None:
        text = text[: max_chars * _RAW_FACTOR]
    text = strip_symbols(text)
    if not text:
        return ""
    text = to_simplified(text)
    text = canonical_numbers(text)
    text = remove_fillers(text)
    return text if max_chars is None else text[:max_chars]


def remove_fillers(text: str) -> str:
    """Remove polite framing, but never reduce a query to nothing (好吗 stays 好吗)."""
    stripped = _FINAL_PARTICLES_RE.sub("", _YIXIA_RE.sub("", _FILLER_RE.sub("", text)))
    return stripped or text
