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

import cn2an
from rapidfuzz import fuzz

from bot.config import UNIT_MAX_AMOUNT, ActivitySettings
from bot.chat.ids import parse_id


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
# Each form people write is a pattern that says "this word is meant as a date" and a reader that
# turns it into a day, or fails: a word that matches a pattern but cannot be read (上上周八,
# 2026-02-30, 11.31) is asked about, never taken for a note or for today.

_NUMERAL = "0-9〇零一二两三四五六七八九十"
_N = f"[{_NUMERAL}]{{1,3}}"
_RELATIVE_DAYS = {
    "今天": 0, "今日": 0, "昨天": 1, "昨日": 1, "前天": 2, "前日": 2, "大前天": 3,
    "明天": -1, "明日": -1, "后天": -2, "大后天": -3,  # read, then refused as in the future
}
_RELATIVE_LIKE = re.compile(r"^(?:大*[前后]天|[今昨明][天日])$")  # 大大前天: a date, but which?
_WEEK_SHIFTS = {"": None, "上上": -2, "上": -1, "本": 0, "这": 0, "下": 1, "下下": 2}
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEK = re.compile(
    rf"^(上上|上|本|这|下下|下)?(?:周|星期|礼拜)([{_NUMERAL}日天末]?)(?:早上|上午|中午|下午|晚上)?$"
)
_DAYS_AGO = re.compile(rf"^([0-9]{{1,3}}|[{_NUMERAL}百]{{1,5}})[天日](?:之|以)?前$")
_FULL_DATE = re.compile(rf"^([0-9]{{4}}|[〇零一二三四五六七八九]{{4}})[-/.年]({_N})[-/.月]({_N})[日号]?$")
_MONTH_DAY = re.compile(rf"^({_N})[-/.月]({_N})[日号]?$")
_DAY_ONLY = re.compile(rf"^({_N})[日号]$")
_DATE_LIKE = re.compile(rf"^(?=.*[{_NUMERAL}])(?=.*[-/.年月日号])[{_NUMERAL}年月日号\-/.]+$")  # 11-18-2026, 十一月
SLIP_DAYS = 31  # a day without a year up to this far ahead is a slip of the pen, not last year's


def looks_like_date(text: str) -> bool:
    """Whether a word of the one-line form is meant as a date (it may still be an impossible one).

    Only whole words count: 学习二十大报告第3章 or 三会一课 hold numerals but are notes."""
    raw = _fold_date(text)
    if raw in _RELATIVE_DAYS or _RELATIVE_LIKE.match(raw):
        return True
    if (week := _WEEK.match(raw)) and (week[1] or week[2]):
        return True
    return any(p.match(raw) for p in (_DAYS_AGO, _FULL_DATE, _MONTH_DAY, _DAY_ONLY, _DATE_LIKE))


def parse_date(text: str, today: date) -> date:
    """今天/昨天/前天/大前天, 上周五, 本周三, 3天前, 三天前, 2026-11-18, 11-18, 11.18, 11月18日,
    十一月十八日, 18日. A future day is returned as read (明天, 本周五 on a Wednesday): check_date
    refuses it, naming today. A date without a year is the most recent such day (12-30 typed on
    5 January is the December just past), unless it lies less than a month ahead: then it is
    this year's, a slip to be refused as in the future rather than recorded a year back."""
    raw = _fold_date(text)
    try:
        day = _read_date(raw, today)
    except (ValueError, OverflowError):
        day = None
    if day is None:
        raise StudyInputError("date_unreadable", text.strip()[:20])
    return day


def _fold_date(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _read_date(raw: str, today: date) -> date | None:
    """The day `raw` names, or None (or ValueError) when it names none."""
    if raw in _RELATIVE_DAYS:
        return today - timedelta(days=_RELATIVE_DAYS[raw])
    if match := _WEEK.match(raw):
        return _weekday(today, _WEEK_SHIFTS[match[1] or ""], match[2])
    if match := _DAYS_AGO.match(raw):
        return today - timedelta(days=_number(match[1]))
    if match := _FULL_DATE.match(raw):
        return date(_number(match[1]), _number(match[2]), _number(match[3]))
    if match := _MONTH_DAY.match(raw):
        return _latest(today, _number(match[1]), _number(match[2]))
    if match := _DAY_ONLY.match(raw):
        return today.replace(day=_number(match[1]))
    return None


def _number(text: str) -> int:
    """12 or 十二, 二〇二六, 两; ValueError for anything else (cn2an reads the Chinese)."""
    if text.isascii():
        return int(text)
    value = cn2an.cn2an(text, "normal")
    if value != int(value):
        raise ValueError(text)
    return int(value)


def _weekday(today: date, shift: int | None, name: str) -> date | None:
    """上周五 is the Friday of last week (weeks run Monday to Sunday); 周五 alone the latest one."""
    if name not in _WEEKDAYS:
        return None  # 上上周八, 上周末, 上周 alone: which day is meant is not clear
    index = _WEEKDAYS[name]
    if shift is None:
        return today - timedelta(days=(today.weekday() - index) % 7)
    return today + timedelta(days=index - today.weekday() + 7 * shift)


def _latest(today: date, month: int, day: int) -> date:
    this_year = date(today.year, month, day)
    if this_year <= today or (this_year - today).days <= SLIP_DAYS:
        return this_year
    return date(today.year - 1, month, day)


def check_date(day: date, today: date, backdate_days: int) -> None:
    """Study is logged after it happens, and only so far back (study.backdate_days); the error
    names today or the earliest day allowed, so the cadre sees what would do."""
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
# How alike a name must be to be offered as "您是指" at all: about half of a short word in common
# (看书 → 读书笔记 67, 线上课程 → 网络学院课程 67); 跑步 or 体育锻炼 (0, 40) get the plain list instead.
SUGGEST_SCORE = 60


@dataclass(frozen=True)
class ActivityMatch:
    activity: ActivitySettings | None  # the one meant, when clear
    closest: tuple[ActivitySettings, ...]  # close ones, best first, to offer when not; () when none is close


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
    close = [activity for score, _, activity in scored if score >= SUGGEST_SCORE]
    return ActivityMatch(None, tuple(close[:offer]))


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
    return parse_id(text.strip().removeprefix("#"))
