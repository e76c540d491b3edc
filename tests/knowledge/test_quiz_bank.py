"""The quiz bank (knowledge/quiz/*.yaml): the shipped items load against the shipped base, and
every kind of mistake an author can make is reported with file, line and key."""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

import pytest

from knowledge.commands import register
from knowledge.loader import load_base
from knowledge.quiz import QuizLoad, load_quiz
from knowledge.schema import Entry
from knowledge.settings import KnowledgeSettings

ROOT = Path(__file__).resolve().parents[2]
SHIPPED_BASE = ROOT / "knowledge" / "base"
SHIPPED_QUIZ = ROOT / "knowledge" / "quiz"


@pytest.fixture(scope="module")
def entries() -> tuple[Entry, ...]:
    base = load_base([SHIPPED_BASE])
    assert base.ok, base.errors
    return base.entries


@pytest.fixture(scope="module")
def bank(entries: tuple[Entry, ...]) -> QuizLoad:
    return load_quiz([SHIPPED_QUIZ], entries)


def test_the_shipped_bank_loads_without_errors_and_has_at_least_150_items(bank: QuizLoad) -> None:
    assert bank.ok, [str(e) for e in bank.errors]
    assert len(bank.items) >= 150


def test_every_item_names_an_entry_of_the_shipped_base(bank: QuizLoad, entries: tuple[Entry, ...]) -> None:
    known = {e.id for e in entries}
    assert {i.entry for i in bank.items} <= known


def test_the_bank_spreads_over_entries_and_categories(bank: QuizLoad) -> None:
    per_entry = Counter(i.entry for i in bank.items)
    assert len(per_entry) >= 100
    assert max(per_entry.values()) <= 3
    assert len(bank.categories()) >= 10
    assert bank.in_category("党费")


def test_an_item_without_a_category_takes_its_entrys(bank: QuizLoad, entries: tuple[Entry, ...]) -> None:
    category = {e.id: e.category for e in entries}
    assert all(i.category == category[i.entry] for i in bank.items)


def test_every_figure_in_a_correct_option_is_in_its_entrys_answer(bank: QuizLoad, entries: tuple[Entry, ...]) -> None:
    """A cheap guard of faithfulness: the right answer never carries a number its entry lacks."""
    answer = {e.id: e.answer for e in entries}
    for item in bank.items:
        for figure in re.findall(r"\d+(?:\.\d+)?", item.correct_option):
            assert figure in answer[item.entry], (item.id, figure)


GOOD_ITEM = """\
items:
  - id: q-one
    stem: 党费怎么交？
    options:
      - 按月交纳
      - 按年交纳
    answer: A
    explanation: 按月交纳。
    entry: p-dangfei-jiaona
"""


def _load(tmp_path: Path, text: str, entries: tuple[Entry, ...], name: str = "bad.yaml") -> QuizLoad:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return load_quiz([path], entries)


def _only_error(result: QuizLoad) -> str:
    assert not result.ok and len(result.errors) == 1, [str(e) for e in result.errors]
    return str(result.errors[0])


def test_a_sound_item_loads_with_its_answer_as_an_index(tmp_path: Path, entries: tuple[Entry, ...]) -> None:
    result = _load(tmp_path, GOOD_ITEM, entries)
    assert result.ok, result.errors
    (item,) = result.items
    assert (item.answer, item.answer_letter, item.correct_option, item.category) == (0, "A", "按月交纳", "党费")
    assert item.line == 2


@pytest.mark.parametrize(
    ("old", "new", "line", "key", "words"),
    [
        ("entry: p-dangfei-jiaona", "entry: p-no-such-entry", 9, "entry", "not an id in the knowledge base"),
        ("      - 按年交纳", "      - 按月交纳", 6, "options", "repeats option A"),
        ("answer: A", "answer: C", 7, "answer", "beyond the 2 options"),
        ("answer: A", "answer: 1", 7, "answer", "letter"),
        ("explanation: 按月交纳。", "explanation: ''", 8, "explanation", "non-empty text"),
        ("      - 按年交纳\n", "", 5, "options", "needs 2 to 5"),
        ("    stem: 党费怎么交？", "    stme: 党费怎么交？", 3, "stme", "did you mean 'stem'"),
    ],
    ids=["unknown-entry", "duplicate-option", "answer-out-of-range", "answer-not-a-letter", "empty-explanation",
         "too-few-options", "misspelt-key"],
)
def test_each_mistake_is_reported_with_file_line_and_key(
    tmp_path: Path, entries: tuple[Entry, ...], old: str, new: str, line: int, key: str, words: str
) -> None:
    assert old in GOOD_ITEM
    result = _load(tmp_path, GOOD_ITEM.replace(old, new), entries)
    message = _only_error(result) if key != "stme" else str(result.errors[0])
    assert f"bad.yaml:{line} [q-one]" in message and repr(key) in message and words in message, message
    assert not result.items


def test_a_missing_key_is_reported_at_the_item(tmp_path: Path, entries: tuple[Entry, ...]) -> None:
    message = _only_error(_load(tmp_path, GOOD_ITEM.replace("    explanation: 按月交纳。\n", ""), entries))
    assert "bad.yaml:2 [q-one]" in message and "missing required key 'explanation'" in message


def test_an_id_used_twice_is_reported_at_the_second_with_the_first_place(
    tmp_path: Path, entries: tuple[Entry, ...]
) -> None:
    (tmp_path / "a.yaml").write_text(GOOD_ITEM, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD_ITEM, encoding="utf-8")
    result = load_quiz([tmp_path], entries)
    message = _only_error(result)
    assert "b.yaml:2 [q-one]" in message and "'id'" in message and "a.yaml:2" in message
    assert len(result.items) == 1


def test_a_file_without_an_items_list_says_what_shape_is_expected(tmp_path: Path, entries: tuple[Entry, ...]) -> None:
    messages = [str(e) for e in _load(tmp_path, "entries: []\n", entries).errors]
    assert any("bad.yaml:1 unknown top-level key 'entries'" in m for m in messages)
    assert any("bad.yaml:1 missing top-level 'items:' list" in m for m in messages)


def test_yaml_aliases_are_refused_as_in_the_base(tmp_path: Path, entries: tuple[Entry, ...]) -> None:
    text = GOOD_ITEM.replace("stem: 党费怎么交？", "stem: &s 党费怎么交？").replace("explanation: 按月交纳。", "explanation: *s")
    assert "not allowed" in _only_error(_load(tmp_path, text, entries))


def _kb(argv: list[str], settings: KnowledgeSettings) -> int:
    parser = argparse.ArgumentParser(prog="cadrebot")
    register(parser.add_subparsers(dest="command", required=True), lambda: settings)
    args = parser.parse_args(argv)
    return args.func(args)


def test_kb_check_counts_the_configured_quiz_bank(capsys: pytest.CaptureFixture[str]) -> None:
    settings = KnowledgeSettings(paths=[str(SHIPPED_BASE)], quiz=[str(SHIPPED_QUIZ)])
    assert _kb(["kb", "check"], settings) == 0
    assert re.search(r"\d{3} quiz items in \d+ files: 0 errors", capsys.readouterr().out)


def test_kb_check_reports_quiz_errors_and_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    quiz = tmp_path / "quiz"
    quiz.mkdir()
    (quiz / "bad.yaml").write_text(GOOD_ITEM.replace("p-dangfei-jiaona", "p-gone"), encoding="utf-8")
    settings = KnowledgeSettings(paths=[str(SHIPPED_BASE)], quiz=[str(quiz)])
    assert _kb(["kb", "check"], settings) == 1
    out = capsys.readouterr().out
    assert "error: " in out and "bad.yaml:9 [q-one] 'entry' 'p-gone' is not an id" in out
    assert "0 quiz items in 1 files: 1 errors" in out
