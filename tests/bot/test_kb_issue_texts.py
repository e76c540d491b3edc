"""Every problem the loader can find is worded in Chinese for the chat, by file name, never by path."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import texts
from knowledge.loader import load_base, validate_replacement
from knowledge.schema import KbIssue

BROKEN = {
    "not_utf8": b"entries:\n  - id: p-a\n    question: \xff\n",
    "yaml_syntax": b"entries: [\n",
    "yaml_alias": b"entries:\n  - &a {id: p-a, question: q, answer: a}\n  - *a\n",
    "yaml_documents": b"entries: []\n---\nentries: []\n",
    "no_entries": b"- id: p-a\n",
    "unknown_top_key": b"entries: []\nextra: 1\n",
    "entry_not_mapping": b"entries:\n  - just text\n",
    "unknown_key": b"entries:\n  - id: p-a\n    question: q\n    answer: a\n    answr: b\n",
    "repeated_key": b"entries:\n  - id: p-a\n    question: q\n    question: r\n    answer: a\n",
    "missing_key": b"entries:\n  - id: p-a\n    question: q\n",
    "empty_text": b"entries:\n  - id: p-a\n    question: q\n    answer: ''\n",
    "bad_id": "entries:\n  - id: P_党费\n    question: q\n    answer: a\n".encode(),
    "question_unmatchable": "entries:\n  - id: p-a\n    question: ？？\n    answer: a\n".encode(),
    "not_text_list": b"entries:\n  - id: p-a\n    question: q\n    answer: a\n    keywords: k\n",
    "not_text": b"entries:\n  - id: p-a\n    question: q\n    answer: a\n    source: [x]\n",
    "bad_date": b"entries:\n  - id: p-a\n    question: q\n    answer: a\n    updated: 2026-11-31\n",
    "bad_value": b"entries:\n  - id: p-a\n    question: !!python/object:os.system q\n    answer: a\n",
    "dangling_related": b"entries:\n  - id: p-a\n    question: q\n    answer: a\n    related: [p-b]\n",
}


@pytest.mark.parametrize("code", sorted(BROKEN))
def test_each_problem_has_its_own_chinese_wording_naming_the_file_not_the_path(tmp_path: Path, code: str) -> None:
    result = validate_replacement([tmp_path], "party-dues.yaml", BROKEN[code])
    assert code in {e.code for e in result.errors}, [(e.code, str(e)) for e in result.errors]
    issue = next(e for e in result.errors if e.code == code)
    worded = texts.kb_issue(issue)
    assert worded.startswith("party-dues.yaml") and str(tmp_path) not in worded
    assert texts.KB_PROBLEM_OTHER not in worded and issue.message not in worded


def test_a_duplicate_id_names_the_first_file_by_its_name(tmp_path: Path) -> None:
    entry = "entries:\n  - id: p-a\n    question: 党费怎么交\n    answer: 按月交。\n"
    (tmp_path / "a.yaml").write_text(entry, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("\n" + entry, encoding="utf-8")
    worded = texts.kb_issue(load_base([tmp_path]).errors[0])
    assert worded == "b.yaml:3 [p-a] id 重复，已在 a.yaml:2 定义过"


def test_a_near_duplicate_warning_names_the_other_entry(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(
        "entries:\n  - id: p-a\n    question: 党费的缴纳标准是多少？\n    answer: 甲\n"
        "  - id: p-b\n    question: 党费缴纳标准是多少\n    answer: 乙\n", encoding="utf-8")
    worded = texts.kb_issue(load_base([tmp_path]).warnings[0])
    assert worded == "a.yaml:5 [p-b] 问法与条目 p-a 几乎相同，匹配时难以区分"


def test_anything_unmapped_gets_a_generic_chinese_line_without_the_english() -> None:
    issue = KbIssue("/srv/cadrebot/knowledge/base/x.yaml", 3, "p-x", "something new went wrong", "brand_new")
    assert texts.kb_issue(issue) == f"x.yaml:3 [p-x] {texts.KB_PROBLEM_OTHER}"
