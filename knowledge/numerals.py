"""One spelling for small numbers, so 3会1课 matches 三会一课 and 90学时 matches 九十学时.

The canonical form is Chinese numerals, because the policy vocabulary is
written that way (三会一课, 两学一做, 四个意识).  Arabic digit runs are read
out (90 -> 九十, 105 -> 一百〇五); runs of four or more digits and runs with a
leading zero are spelt digit by digit, the way years are read (2024 -> 二〇二四).
两 becomes 二 and 零 becomes 〇 so that each number has exactly one spelling.
"""

from __future__ import annotations

import re

_DIGITS = "〇一二三四五六七八九"
_DIGIT_RUN = re.compile(r"[0-9]+")
_SPELLING_FOLD = str.maketrans({"两": "二", "零": "〇"})


def _read_below_thousand(n: int) -> str:
    """Spoken form of 0 <= n < 1000: 10 -> 十, 21 -> 二十一, 105 -> 一百〇五, 110 -> 一百一十."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    if hundreds == 0:
        if n < 10:
            return _DIGITS[n]
        head = "" if tens == 1 else _DIGITS[tens]
        return head + "十" + (_DIGITS[units] if units else "")
    text = _DIGITS[hundreds] + "百"
    if tens:
        text += _DIGITS[tens] + "十"
    elif units:
        text += "〇"
    return text + (_DIGITS[units] if units else "")


def _spell(match: re.Match[str]) -> str:
    run = match.group()
    if len(run) >= 4 or (len(run) > 1 and run[0] == "0"):
        return "".join(_DIGITS[int(d)] for d in run)
    return _read_below_thousand(int(run))


def canonical_numbers(text: str) -> str:
    """Rewrite ASCII digit runs as Chinese numerals and fold 两/零 to 二/〇."""
    return _DIGIT_RUN.sub(_spell, text).translate(_SPELLING_FOLD)
