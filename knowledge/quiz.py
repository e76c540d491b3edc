"""The quiz bank: multiple-choice items written from knowledge-base entries, loaded and validated.

Each item in ``knowledge/quiz/*.yaml`` sits under a top-level ``items:`` list::

    items:
      - id: q-dangfei-jiaona-1
        stem: 党员应当按什么时间交纳党费？
        options: [每月, 每季度, 每半年, 每年]
        answer: A            # the letter of the correct option: A is the first, up to E
        explanation: 依据《中国共产党章程》第八条，“党员必须按期交纳党费”……
        entry: p-dangfei-jiaona
        category: 党费       # optional: the entry's category when absent

``answer`` is a letter, not an index, because that is how a 选择题 is marked on paper and how a
reviewer reads it beside the options; a 0-based index invites off-by-one mistakes by authors.

An item teaches what its entry says, so it must name an entry that exists: the bank is
validated against a loaded base, and an unknown ``entry`` is an error, as are a repeated item
id, repeated options, an answer beyond the options and an empty explanation.  Like the base,
validation is all-or-nothing per bank and every problem is a ``KbIssue`` naming file, line
and key, with the YAML read through ``knowledge.yamlsafe`` (no aliases, line marks kept).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, SequenceNode

from knowledge.entryparse import ID_RE, MISSING, UNREADABLE, RecordChecker, compose_file, line_of, listed_nodes
from knowledge.gcpause import gc_paused
from knowledge.loader import Source, read_source, yaml_files
from knowledge.schema import Entry, KbIssue

#: Keys an item may carry; anything else is an error, as in the base (a typo must not pass).
ITEM_KEYS: frozenset[str] = frozenset({"id", "stem", "options", "answer", "explanation", "entry", "category"})
REQUIRED_ITEM_KEYS: tuple[str, ...] = ("id", "stem", "options", "answer", "explanation", "entry")
MIN_OPTIONS = 2
MAX_OPTIONS = 5  # five buttons still fit one phone screen; more is a different kind of question
LETTERS = "ABCDE"


@dataclass(frozen=True, slots=True)
class QuizItem:
    """One multiple-choice question; ``answer`` is the 0-based index of the correct option.

    ``file`` and ``line`` say where it was written, so a report that an item is often answered
    wrong can point an admin at the text to rewrite.
    """

    id: str
    stem: str
    options: tuple[str, ...]
    answer: int
    explanation: str
    entry: str
    category: str | None
    file: str
    line: int

    @property
    def answer_letter(self) -> str:
        return LETTERS[self.answer]

    @property
    def correct_option(self) -> str:
        return self.options[self.answer]


@dataclass(frozen=True)
class QuizLoad:
    """Items that passed and every problem found; ``ok`` means the bank may be used."""

    items: tuple[QuizItem, ...]
    errors: list[KbIssue] = field(default_factory=list)
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors

    def categories(self) -> tuple[str, ...]:
        """The categories items are filed under, in first-seen order (for ``/quiz 专题``)."""
        return tuple(dict.fromkeys(i.category for i in self.items if i.category))

    def in_category(self, category: str) -> tuple[QuizItem, ...]:
        return tuple(i for i in self.items if i.category == category)


def load_quiz(paths: Sequence[Path | str], entries: Iterable[Entry]) -> QuizLoad:
    """Load every configured quiz file or folder, checked against the base's ``entries``."""
    files = [f for p in paths for f in yaml_files(Path(p))]
    return load_quiz_sources([read_source(f) for f in files], entries)


def load_quiz_sources(sources: Sequence[Source], entries: Iterable[Entry]) -> QuizLoad:
    """Parse each source, then the checks that span files: repeated ids, entries that exist."""
    known = {e.id: e for e in entries}
    with gc_paused():
        items: list[QuizItem] = []
        errors: list[KbIssue] = []
        first_seen: dict[str, tuple[str, int]] = {}
        for source in sources:
            if source.data is None:
                errors.append(source.issue())
                continue
            parsed, parse_errors = _parse_quiz_file(source.name, source.data, known)
            errors += parse_errors
            for item in parsed:
                if item.id in first_seen:
                    first_file, first_line = first_seen[item.id]
                    errors.append(KbIssue(
                        item.file, item.line, item.id,
                        f"'id' {item.id!r} is used twice (first at {first_file}:{first_line})",
                        "duplicate_id", {"key": "id", "first_file": first_file, "first_line": first_line}))
                    continue
                first_seen[item.id] = (item.file, item.line)
                items.append(item)
    return QuizLoad(tuple(items), errors, tuple(s.name for s in sources))


def _parse_quiz_file(name: str, data: bytes, known: dict[str, Entry]) -> tuple[list[QuizItem], list[KbIssue]]:
    """One file's items and problems; never raises on bad content."""
    root, constructor, issue = compose_file(name, data)
    if issue is not None:
        return [], [issue]
    errors: list[KbIssue] = []
    items = []
    for node in listed_nodes(name, root, "items", "items", "no_items", errors):
        item = _parse_item(name, node, constructor, known, errors)
        if item is not None:
            items.append(item)
    return items, errors


def _parse_item(
    name: str, node: Node, constructor: SafeConstructor, known: dict[str, Entry], errors: list[KbIssue]
) -> QuizItem | None:
    """Validate one item mapping: the item if it is sound, else None with its issues appended."""
    if not isinstance(node, MappingNode):
        errors.append(KbIssue(name, line_of(node), None, "each item must be a mapping (id:, stem:, options: …)",
                              "item_not_mapping"))
        return None
    check = RecordChecker(name, node, constructor, ITEM_KEYS, "item")
    item_id = check.values.get("id")
    if "id" not in check.values:
        check.error("id", "missing required key 'id'", "missing_key")
    elif item_id is not UNREADABLE and not (isinstance(item_id, str) and ID_RE.fullmatch(item_id)):
        check.error("id", f"'id' {item_id!r} must use only a-z, 0-9 and '-'", "bad_id")
    check.identify(item_id if isinstance(item_id, str) and ID_RE.fullmatch(item_id) else None)
    stem = check.text("stem")
    options = _options(check)
    answer = _answer(check, options)
    explanation = check.text("explanation")
    entry_id = check.text("entry")
    entry = known.get(entry_id) if entry_id else None
    if entry_id and entry is None:
        check.error("entry", f"'entry' {entry_id!r} is not an id in the knowledge base", "unknown_entry",
                    value=entry_id)
    category = check.values.get("category")
    if category is not None and category is not UNREADABLE and (not isinstance(category, str) or not category.strip()):
        check.error("category", "'category' must be non-empty text (or left out to use the entry's)", "not_text")
    errors += check.issues
    if check.issues or check.record_id is None or stem is None or options is None or answer is None \
            or explanation is None or entry is None:
        return None
    return QuizItem(
        id=check.record_id, stem=stem, options=options, answer=answer, explanation=explanation, entry=entry.id,
        category=category.strip() if isinstance(category, str) else entry.category, file=name, line=check.line)


def _options(check: RecordChecker) -> tuple[str, ...] | None:
    """2–5 distinct non-empty texts; a repeated option is reported at its own line."""
    value = check.values.get("options", MISSING)
    node = check.nodes.get("options")
    if value is MISSING:
        check.error("options", "missing required key 'options'", "missing_key")
        return None
    if value is UNREADABLE:
        return None
    if not isinstance(value, list) or not isinstance(node, SequenceNode):
        check.error("options", f"'options' must be a list of {MIN_OPTIONS} to {MAX_OPTIONS} texts", "bad_options")
        return None
    if not MIN_OPTIONS <= len(value) <= MAX_OPTIONS:
        check.error("options", f"'options' has {len(value)} options; an item needs {MIN_OPTIONS} to {MAX_OPTIONS}",
                    "option_count", count=len(value))
        return None
    options: list[str] = []
    sound = True
    for index, (option, option_node) in enumerate(zip(value, node.value, strict=True)):
        if not isinstance(option, str) or not option.strip():
            check.error("options", f"'options': option {LETTERS[index]} must be non-empty text", "empty_option",
                        at=option_node, option=LETTERS[index])
            sound = False
            continue
        text = option.strip()
        if text in options:
            first = LETTERS[options.index(text)]
            check.error("options", f"'options': option {LETTERS[index]} repeats option {first} ({text!r})", "duplicate_option",
                        at=option_node, option=LETTERS[index], first=first)
            sound = False
        options.append(text)
    return tuple(options) if sound else None


def _answer(check: RecordChecker, options: tuple[str, ...] | None) -> int | None:
    """The 0-based index of the letter under ``answer``; a letter beyond the options is an error."""
    value = check.values.get("answer", MISSING)
    if value is MISSING:
        check.error("answer", "missing required key 'answer'", "missing_key")
        return None
    if value is UNREADABLE:
        return None
    letter = value.strip() if isinstance(value, str) else None
    if letter is None or len(letter) != 1 or letter not in LETTERS:
        check.error("answer", f"'answer' must be the correct option's letter, A to {LETTERS[-1]} (got {value!r})",
                    "bad_answer", value=str(value))
        return None
    index = LETTERS.index(letter)
    if options is not None and index >= len(options):
        check.error("answer", f"'answer' {letter} is beyond the {len(options)} options (A to {LETTERS[len(options) - 1]})",
                    "answer_out_of_range", value=letter, count=len(options))
        return None
    return index
