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

# Everyday words for what the regulations (and so the base) name otherwise: one spelling each, so a
# question in spoken Chinese meets the entry written in policy Chinese.  Only words whose everyday
# sense is unambiguous in questions to this bot; guarded where they occur inside other words
# (老公务员, 关爱人才).  Longest first.
_COLLOQUIAL = {
    "多长时间": "多久", "多少时间": "多久", "多长": "多久", "多少次": "几次", "频率": "频次",
    "咋办": "怎么办", "咋": "怎么", "啥": "什么", "怎样": "怎么", "如何": "怎么",
    "两口子": "夫妻", "老婆": "配偶", "媳妇": "配偶", "妻子": "配偶", "丈夫": "配偶", "老公": "配偶", "爱人": "配偶",
    "孩子": "子女", "儿子": "子女", "女儿": "子女",
    "月薪": "月工资", "薪水": "工资", "薪资": "工资",
}
_COLLOQUIAL_RE = re.compile(
    "|".join(
        {"老公": "老公(?!务)", "爱人": "(?<!关)爱人"}.get(w, re.escape(w))
        for w in sorted(_COLLOQUIAL, key=len, reverse=True)
    )
)


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
    text = _COLLOQUIAL_RE.sub(lambda m: _COLLOQUIAL[m.group()], text)
    text = canonical_numbers(text)
    text = remove_fillers(text)
    return text if max_chars is None else text[:max_chars]


def remove_fillers(text: str) -> str:
    """Remove polite framing, but never reduce a query to nothing (好吗 stays 好吗)."""
    stripped = _FINAL_PARTICLES_RE.sub("", _YIXIA_RE.sub("", _FILLER_RE.sub("", text)))
    return stripped or text
