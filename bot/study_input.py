"""What cadres type when they log study, turned into values or a named problem.

Amounts, dates, notes and activity names come from buttons and from free text alike; both
go through here, so a forged button is held to the same rules as a typo. Problems are
raised as StudyInputError with a code that bot/texts.py words (as RosterError does).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from rapidfuzz import fuzz

from bot.config import UNIT_MAX_AMOUNT, ActivitySettings


@dataclass(frozen=True)
class StudyInputError(Exception):
    code: str
    value: str = ""
    limit: float | None = None
    day: date | None = None


# --- amounts -------------------------------------------------------------------------------

_UNIT_SUFFIX = re.compile(r"(个)?(小时|钟头|学时|课时|天|日|次|场|篇|份|节|期|hours?|hrs?|h|days?|d)$")
_ARABIC = re.compile(r"^(?:[0-9]{1,6}(?:\.[0-9]+)?|\.[0-9]+)$")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_HALF = Decimal("0.5")
_CENT = Decimal("0.01")


def parse_amount(text: str) -> Decimal:
    """`2`, `1.5`, `１．５`, `2小时`, `两`, `半天`, `一个半`, `十二`; never `1e9`, `nan` or `inf`."""
    raw = unicodedata.normalize("NFKC", text).strip().lower().replace(" ", "")
    if raw.startswith(("-", "−", "负")):
        raise StudyInputError("amount_not_positive", text)
    body = _UNIT_SUFFIX.sub("", raw)
    value = _arabic(body) if _ARABIC.match(body) else _spoken(body)
    if value is None:
        raise StudyInputError("amount_unreadable", text[:20])
    if value <= 0:
        raise StudyInputError("amount_not_positive", text)
    if value != value.quantize(_CENT):
        raise StudyInputError("amount_too_precise", text)
    return value.quantize(_CENT).normalize()


def _arabic(body: str) -> Decimal | None:
    try:
        return Decimal(body)
    except InvalidOperation:
        return None


def _spoken(body: str) -> Decimal | None:
    """Small spoken numbers with an optional half: 半, 两, 一个半, 1个半, 十二."""
    half = body.endswith("半")
    core = body.removesuffix("半").removesuffix("个") if half else body.removesuffix("个")
    if not core:
        return _HALF if half else None
    whole = int(core) if core.isascii() and core.isdigit() and len(core) <= 3 else _chinese_int(core)
    if whole is None:
        return None
    return Decimal(whole) + (_HALF if half else 0)


def _chinese_int(text: str) -> int | None:
    """0-99 in Chinese numerals: 三, 十, 十二, 二十, 二十五."""
    if len(text) == 1 and text in _CN_DIGITS:
        return _CN_DIGITS[text]
    tens, sep, ones = text.partition("十")
    if not sep or len(tens) > 1 or len(ones) > 1:
        return None
    if (tens and tens not in _CN_DIGITS) or (ones and ones not in _CN_DIGITS):
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def check_amount(amount: Decimal, activity: ActivitySettings) -> None:
    """The rules an amount keeps on its own; the cap counting earlier records is the database's."""
    limit = UNIT_MAX_AMOUNT[activity.unit]
    if amount > Decimal(str(limit)):
        raise StudyInputError("amount_too_large", limit=limit)
    if activity.unit in ("session", "piece") and amount != amount.to_integral_value():
        raise StudyInputError("amount_not_whole")
    if activity.daily_cap is not None and amount > Decimal(str(activity.daily_cap)):
        raise StudyInputError("amount_over_daily_cap", limit=activity.daily_cap)


# --- dates ---------------------------------------------------------------------------------

_RELATIVE_DAYS = {"今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2}
_FULL_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})[日号]?$")
_MONTH_DAY = re.compile(r"^(\d{1,2})[-/.月](\d{1,2})[日号]?$")
_DAY_ONLY = re.compile(r"^(\d{1,2})[日号]$")


def looks_like_date(text: str) -> bool:
    """Whether a word of the one-line form is meant as a date (it may still be an impossible one)."""
    raw = unicodedata.normalize("NFKC", text).strip()
    return raw in _RELATIVE_DAYS or any(p.match(raw) for p in (_FULL_DATE, _MONTH_DAY, _DAY_ONLY))


def parse_date(text: str, today: date) -> date:
    """今天/昨天/前天, 2026-11-18, 11-18, 11月18日, 18日. A date without a year is the
    nearest such day, so "12-30" typed on 5 January means the December just past."""
    raw = unicodedata.normalize("NFKC", text).strip()
    if raw in _RELATIVE_DAYS:
        return today - timedelta(days=_RELATIVE_DAYS[raw])
    try:
        if match := _FULL_DATE.match(raw):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _MONTH_DAY.match(raw):
            return _nearest(today, int(match[1]), int(match[2]))
        if match := _DAY_ONLY.match(raw):
            return today.replace(day=int(match[1]))
    except ValueError:
        pass
    raise StudyInputError("date_unreadable", text[:20])


def _nearest(today: date, month: int, day: int) -> date:
    this_year = date(today.year, month, day)
    if (this_year - today).days > 182:
        return date(today.year - 1, month, day)
    return this_year


def check_date(day: date, today: date, backdate_days: int) -> None:
    if day > today:
        raise StudyInputError("date_future", day=today)
    earliest = today - timedelta(days=backdate_days)
    if day < earliest:
        raise StudyInputError("date_too_old", limit=backdate_days, day=earliest)


# --- notes ---------------------------------------------------------------------------------


def clean_note(text: str, activity: ActivitySettings, max_chars: int) -> str:
    note = " ".join(text.split())
    if activity.note_required and not note:
        raise StudyInputError("note_required")
    if len(note) > max_chars:
        raise StudyInputError("note_too_long", limit=max_chars)
    return note


# --- activity names ------------------------------------------------------------------------

ACCEPT_SCORE = 80  # how alike a typed name must be to be taken without asking
ACCEPT_MARGIN = 10  # and how far ahead of the next activity
SUBSEQUENCE_SCORE = 90  # 网络课 → 网络学院课程: Chinese abbreviations keep characters in order


@dataclass(frozen=True)
class ActivityMatch:
    activity: ActivitySettings | None  # the one meant, when clear
    closest: tuple[ActivitySettings, ...]  # best first, to offer as buttons when not


def match_activity(text: str, activities: tuple[ActivitySettings, ...], offer: int = 3) -> ActivityMatch:
    query = _fold(text)
    for activity in activities:
        if query in {_fold(name) for name in activity.names}:
            return ActivityMatch(activity, ())
    scored = sorted(
        ((_activity_score(query, activity), index, activity) for index, activity in enumerate(activities)),
        key=lambda item: (-item[0], item[1]),
    )
    if not scored:
        return ActivityMatch(None, ())
    best = scored[0][0]
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    if len(query) >= 2 and best >= ACCEPT_SCORE and best - runner_up >= ACCEPT_MARGIN:
        return ActivityMatch(scored[0][2], ())
    return ActivityMatch(None, tuple(activity for _, _, activity in scored[:offer]))


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def _activity_score(query: str, activity: ActivitySettings) -> float:
    # The ASCII key counts only when typed exactly (above); alike-looking keys mean nothing.
    return max(_name_score(query, _fold(name)) for name in (activity.name, *activity.aliases))


def _name_score(query: str, name: str) -> float:
    if not query:
        return 0.0
    subsequence = SUBSEQUENCE_SCORE if len(query) >= 2 and _is_subsequence(query, name) else 0.0
    return max(float(fuzz.partial_ratio(query, name)), subsequence)


def _is_subsequence(short: str, long: str) -> bool:
    remaining = iter(long)
    return all(char in remaining for char in short)


# --- the one-line form ---------------------------------------------------------------------


@dataclass(frozen=True)
class OneLine:
    """`/study 专题讲座 2 [昨天] [备注…]`: the words, not yet checked."""

    activity: str
    amount: str | None
    day: str | None
    note: str


_GLUED = re.compile(r"^(\D+?)([0-9]+(?:\.[0-9]+)?)$")


def split_one_line(words: list[str]) -> OneLine:
    words = list(words)
    activity = words.pop(0)
    if glued := _GLUED.match(activity):  # 专题讲座2
        activity = glued[1]
        words.insert(0, glued[2])
    amount = words.pop(0) if words else None
    day = words.pop(0) if words and looks_like_date(words[0]) else None
    return OneLine(activity, amount, day, " ".join(words))


def parse_record_id(text: str) -> int | None:
    """`12` or `#12`; None for anything else, including ids too long for the column."""
    digits = text.strip().removeprefix("#")
    return int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 9 else None
