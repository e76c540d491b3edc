"""The catalog's house style, checked over every template in bot/texts.py: formal (no 呢),
no stray spaces around figures and names inside Chinese text, one credit name, 📵 spelled out,
no emoji in a refusal, and figures with at most one decimal. Every template, no exceptions."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot import texts

# Ideographs and the CJK and full-width punctuation around them (，。：（）「」…).
CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
FIELD = r"\{(?P<field>[A-Za-z_][A-Za-z0-9_]*)(?:[!:][^}]*)?\}"
# A number on its own: not part of UTF-8, 2026-11-18, 22:00, #12, 5 MB's neighbour "MB".
NUMBER = r"(?<![A-Za-z0-9\-.:/#])[0-9]+(?:\.[0-9]+)?(?![0-9:.\-/A-Za-z])"
# A record's number (#{id}, #12) is a figure too: 「记录#{id}已处理」, never 「记录 #{id} 已处理」.
FIGURE = rf"(?:#?{FIELD}|#[0-9]+(?![0-9])|{NUMBER})"
SPACE_BEFORE = re.compile(rf"(?<={CJK}) {FIGURE}")
SPACE_AFTER = re.compile(rf"{FIGURE} (?={CJK})")
# A typed command keeps its spaces: /study 专题讲座 2 备注, /remind quiet 22:00-07:30, :tick 2026-11-23 08:30.
COMMAND = re.compile(r"(?<![A-Za-z0-9])[/:][a-z][a-z0-9_]*(?:[ \t]+[^\s，。；、（）「」：！？,;]+)*")
# Fields that hold Latin text (a file, a path, an entry id, a time) may be set off by a space.
LATIN_FIELDS = frozenset({
    "filename", "file", "path", "url", "link", "code", "command", "entry_id", "first_file", "first_line", "other",
    "error", "errors", "trace", "where", "usage", "key", "time", "when", "until", "example",
})
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\u23E9-\u23FA]")
REFUSAL = re.compile(r"(REFUSED|NOT_ALLOWED|^ERROR$|EXPIRED|STALE|NOT_FOUND|TOO_LONG|TOO_LARGE|TOO_LATE|_BAD|UNKNOWN|GONE|"
                     r"FAILED|REJECTED|USAGE|NOT_ADMIN|NOT_YOURS|_EMPTY$|_INACTIVE)")


def catalog() -> Iterator[tuple[str, str]]:
    """(name, text) for every template: module constants, and the values of its dicts and tuples."""
    for name, value in vars(texts).items():
        if not name.isupper():  # constants, and the private tables (_STUDY_PROBLEMS …) that words fill in
            continue
        if isinstance(value, str):
            yield name, value
        elif isinstance(value, dict):
            yield from ((name, v) for v in value.values() if isinstance(v, str))
        elif isinstance(value, tuple):
            yield from ((name, v) for v in value if isinstance(v, str))


def stray_spaces(text: str) -> list[str]:
    """Figures and names set off by a space inside Chinese text: 「共 3 条」, 「与 {name} 的」."""
    bare = COMMAND.sub("", text)
    found = [m for pattern in (SPACE_BEFORE, SPACE_AFTER) for m in pattern.finditer(bare)]
    return [m.group(0) for m in found if m.group("field") not in LATIN_FIELDS]


def problems(text: str, name: str) -> list[str]:
    found = []
    if "呢" in text:
        found.append("呢")
    found += [f"space: {s!r}" for s in stray_spaces(text)]
    if "积分" in text.replace("学习积分制度", ""):
        found.append("积分 (the credit is {credit})")
    if "学时" in text:
        found.append("学时 hard-coded (use the configured credit name)")
    if "📵" in text and "无法送达" not in text:
        found.append("bare 📵")
    if REFUSAL.search(name) and EMOJI.search(text):
        found.append("emoji in a refusal")
    return found


def broken() -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for name, text in catalog():
        if found := problems(text, name):
            result.setdefault(name, []).extend(found)
    return result


def test_every_template_keeps_the_house_style() -> None:
    assert broken() == {}


@pytest.mark.parametrize(("text", "found"), [
    ("共 {count} 条", ["space: ' {count}'", "space: '{count} '"]),
    ("与 {name} 的谈话", ["space: ' {name}'", "space: '{name} '"]),
    ("近 7 天", ["space: ' 7'", "space: '7 '"]),
    ("已退回记录 #{id}，", ["space: ' #{id}'"]),
    ("记录 #12 已作废", ["space: ' #12'", "space: '#12 '"]),
    ("还没到呢。", ["呢"]),
    ("📵 助手联系不上", ["bare 📵"]),
    ("本年度学习积分", ["积分 (the credit is {credit})"]),
])
def test_the_checks_catch_what_they_are_for(text: str, found: list[str]) -> None:
    assert problems(text, "SAMPLE") == found


@pytest.mark.parametrize("text", [
    "用法：/study 类型 数量 [日期] [备注]，例如：/study 专题讲座 2 学习二十大报告",  # a command's own spaces
    "已更新知识库文件 {filename}：现共{count}条",  # a Latin file name may be set off
    "文件不是 UTF-8 编码（请在 Excel 中另存为「CSV UTF-8」）",
    "应写成 2024-05-01 这样的真实日期",
    "每周{days} {time}",  # a time after its day
    "{name} · {year}年度学习进度",  # · separates two fields
    "文件超过5 MB",
    "{n}. #{id} {person}（{unit}）",  # a list item's number, then a name
    "（#序号 点最近一条带按钮的消息，例如 #{example}）",  # console input, typed as shown
    "依据学习积分制度",
])
def test_the_checks_leave_legitimate_spacing_alone(text: str) -> None:
    assert problems(text, "SAMPLE") == []


def test_a_refusal_carries_no_emoji() -> None:
    assert problems("⚠️ 抱歉，您无法处理这条记录。", "REVIEW_REFUSED") == ["emoji in a refusal"]
    assert problems(texts.REVIEW_REFUSED, "REVIEW_REFUSED") == []


def test_figures_have_at_most_one_decimal_and_record_values_stay_exact() -> None:
    assert [texts.num(v) for v in (101.2617, 79.891, 1.479452, 0.25, 2.0, -0.04, 70.35)] == [
        "101.3", "79.9", "1.5", "0.3", "2", "0", "70.4",
    ]
    # A record's own amount and credits are shown as stored: 半天脱产培训 is 0.5天, 3.75学时.
    assert texts.amount(0.5, "day") == "0.5天" and texts.credits(3.75, "学时") == "3.75学时"
    assert texts.amount(0.25, "hour") == "0.25小时"
