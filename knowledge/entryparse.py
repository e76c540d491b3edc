"""Turn one YAML file's bytes into entries, reporting every problem with file, line and id.

Only per-file checks live here; checks across files (duplicate ids, dangling
``related``, near-duplicate questions) are in ``knowledge.loader``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from knowledge.normalize import normalize
from knowledge.schema import ENTRY_KEYS, REQUIRED_KEYS, Entry, KbIssue
from knowledge.yamlsafe import UnsafeYamlError, compose_yaml

ID_RE = re.compile(r"[a-z0-9-]+")
_LIST_KEYS = ("alternates", "keywords", "related")
_TEXT_KEYS = ("category", "source")
MISSING = object()  # a key the record does not have
UNREADABLE = object()  # a value whose construction failed; already reported, not checked again
# What PyYAML's constructors raise besides YAMLError on a well-formed but impossible value:
# ``updated: 2026-11-31`` matches the timestamp pattern, then datetime.date() says no.
_CONSTRUCTION_FAILURES = (yaml.YAMLError, ValueError, OverflowError, TypeError)


@dataclass
class ParsedFile:
    """What one file yielded: good entries, errors, and every id it declares (even broken ones)."""

    entries: list[Entry] = field(default_factory=list)
    errors: list[KbIssue] = field(default_factory=list)
    warnings: list[KbIssue] = field(default_factory=list)
    declared_ids: list[tuple[str, int]] = field(default_factory=list)


def line_of(node: Node) -> int:
    """1-based line where ``node`` starts."""
    return node.start_mark.line + 1


def listed_nodes(name: str, root: Node | None, key: str, what: str, code: str, errors: list[KbIssue]) -> list[Node]:
    """The nodes of the file's one top-level ``key:`` list (the quiz bank's ``items:``, the
    readings' ``readings:``), or [] with an error that explains the shape the file must have;
    any other top-level key is an error at its line."""
    if not isinstance(root, MappingNode):
        shape = f"expected a top-level mapping with {'an' if key[0] in 'aeiou' else 'a'} '{key}:' list"
        errors.append(KbIssue(name, None if root is None else line_of(root), None, shape, code))
        return []
    found: Node | None = None
    for key_node, value in root.value:
        if isinstance(key_node, ScalarNode) and key_node.value == key:
            found = value
        else:
            errors.append(KbIssue(name, line_of(key_node), None, f"unknown top-level key {text_of(key_node)!r}",
                                  "unknown_top_key", {"key": text_of(key_node)}))
    if found is None:
        errors.append(KbIssue(name, line_of(root), None, f"missing top-level '{key}:' list", code))
        return []
    if isinstance(found, ScalarNode) and found.tag.endswith(":null"):
        return []
    if not isinstance(found, SequenceNode):
        errors.append(KbIssue(name, line_of(found), None, f"'{key}' must be a list of {what}", code))
        return []
    return list(found.value)


def text_of(node: Node) -> str:
    """A mapping key as written, for messages (a key that is itself a list or mapping has no text)."""
    return str(node.value) if isinstance(node, ScalarNode) else "<complex key>"


def decode(name: str, data: bytes) -> tuple[str | None, KbIssue | None]:
    """UTF-8 text of ``data`` (a BOM is tolerated), or an issue naming the bad byte's line."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, KbIssue(
            name, line, None, f"file is not valid UTF-8 (byte {exc.start}); save it as UTF-8", "not_utf8")


def parse_file(name: str, data: bytes) -> ParsedFile:
    """Parse one knowledge file; never raises on bad content."""
    result = ParsedFile()
    root, constructor, issue = compose_file(name, data)
    if issue is not None:
        result.errors.append(issue)
        return result
    for item in listed_nodes(name, root, "entries", "entries", "no_entries", result.errors):
        _parse_entry(name, item, constructor, result)
    return result


def compose_file(name: str, data: bytes) -> tuple[Node | None, SafeConstructor, KbIssue | None]:
    """One YAML file (the base's, the quiz bank's, the readings') as a node tree and the
    constructor for its values, or the one issue that stops it: not UTF-8, bad YAML, an alias
    or a second document (refused by knowledge.yamlsafe), nesting too deep. Never raises."""
    text, issue = decode(name, data)
    if issue is not None:
        return None, SafeConstructor(), issue
    try:
        root, constructor = compose_yaml(text or "")
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return None, SafeConstructor(), KbIssue(name, line, None, f"YAML error: {exc.problem or exc}", _yaml_code(exc))
    except yaml.YAMLError as exc:
        return None, SafeConstructor(), KbIssue(name, None, None, f"YAML error: {exc}", "yaml_syntax")
    except RecursionError:
        return None, SafeConstructor(), KbIssue(name, None, None, "YAML is nested too deeply", "yaml_nested")
    return root, constructor, None


class RecordChecker:
    """One record of a list file (a quiz item, a reading): its values, read once with unknown
    and repeated keys reported, and its problems, each at the line of the key it is about (a
    missing key: the record's first line), tagged with the record's id once it is known."""

    def __init__(self, name: str, node: MappingNode, constructor: SafeConstructor, keys: frozenset[str],
                 noun: str) -> None:
        self.name = name
        self.line = line_of(node)
        self.record_id: str | None = None
        self.values: dict[str, Any] = {}
        self.nodes: dict[str, Node] = {}
        self.issues: list[KbIssue] = []
        self._read(node, constructor, keys, noun)

    def error(self, key: str, message: str, code: str, at: Node | None = None, **params: str | int) -> None:
        node = at if at is not None else self.nodes.get(key)
        line = line_of(node) if node is not None else self.line
        self.issues.append(KbIssue(self.name, line, self.record_id, message, code, {"key": key, **params}))

    def identify(self, record_id: str | None) -> None:
        """The record's id (None: it has no usable one), on its issues so far and from now on."""
        self.record_id = record_id
        self.issues = [KbIssue(i.file, i.line, record_id, i.message, i.code, i.params) for i in self.issues]

    def text(self, key: str, limit: int | None = None, required: bool = True) -> str | None:
        """The stripped text under ``key``, or None (after reporting it missing when required,
        empty or not text, or longer than ``limit``)."""
        value = self.values.get(key, MISSING)
        if value is MISSING:
            if required:
                self.error(key, f"missing required key {key!r}", "missing_key")
            return None
        if value is UNREADABLE:
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(key, f"{key!r} must be non-empty text", "empty_text")
            return None
        if limit is not None and len(value.strip()) > limit:
            self.error(key, f"{key!r} has {len(value.strip())} characters; at most {limit}", "too_long", limit=limit)
            return None
        return value.strip()

    def _read(self, node: MappingNode, constructor: SafeConstructor, keys: frozenset[str], noun: str) -> None:
        """Construct each key's value; unknown and repeated keys are errors (YAML keeps the last silently)."""
        for key_node, value_node in node.value:
            key = text_of(key_node)
            if key not in keys:
                close = difflib.get_close_matches(key, sorted(keys), n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.error(key, f"unknown key {key!r}{hint}", "unknown_key", at=key_node,
                           suggestion=close[0] if close else "")
                continue
            if key in self.values:
                self.error(key, f"key {key!r} appears twice in this {noun}", "repeated_key", at=key_node)
                continue
            self.nodes[key] = value_node
            try:
                self.values[key] = constructor.construct_object(value_node, deep=True)
            except (yaml.YAMLError, ValueError, OverflowError, TypeError) as exc:
                self.values[key] = UNREADABLE
                problem = getattr(exc, "problem", None) or str(exc)
                self.error(key, f"YAML error in {key!r}: {problem}", "bad_value", at=key_node)


def _yaml_code(exc: yaml.MarkedYAMLError) -> str:
    """Which refusal or syntax error this is, for the bot to word it (the problem text is PyYAML's English)."""
    if not isinstance(exc, UnsafeYamlError):
        return "yaml_syntax"
    return "yaml_documents" if "document" in str(exc.problem) else "yaml_alias"


def _parse_entry(name: str, node: Node, constructor: SafeConstructor, result: ParsedFile) -> None:
    """Validate one entry mapping; append the Entry if it is sound, issues otherwise."""
    line = line_of(node)
    if not isinstance(node, MappingNode):
        result.errors.append(KbIssue(
            name, line, None, "each entry must be a mapping (id:, question:, answer: …)", "entry_not_mapping"))
        return
    fields, key_lines, issues = _read_fields(name, node, constructor)
    entry_id = fields.get("id") if isinstance(fields.get("id"), str) else None
    issues = [replace(i, entry_id=entry_id) for i in issues]
    issues += _check_id(name, line, fields, key_lines)
    if entry_id is not None and ID_RE.fullmatch(entry_id):
        result.declared_ids.append((entry_id, line))
    issues += _check_fields(name, line, entry_id, fields, key_lines)
    if issues:
        result.errors.extend(issues)
        return
    result.entries.append(_build_entry(name, line, fields))
    if entry_id in fields.get("related", ()):
        result.warnings.append(KbIssue(
            name, key_lines["related"], entry_id, "'related' lists the entry itself", "related_self"))


def _read_fields(
    name: str, node: MappingNode, constructor: SafeConstructor
) -> tuple[dict[str, Any], dict[str, int], list[KbIssue]]:
    """Construct each key's value; report unknown and repeated keys (YAML would silently keep the last)."""
    fields: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    issues: list[KbIssue] = []
    for key_node, value_node in node.value:
        key, key_line = text_of(key_node), line_of(key_node)
        if key not in ENTRY_KEYS:
            close = _closest_key(key)
            issues.append(KbIssue(
                name, key_line, None, f"unknown key {key!r}" + (f" (did you mean {close!r}?)" if close else ""),
                "unknown_key", {"key": key, "suggestion": close or ""}))
        elif key in fields:
            issues.append(KbIssue(
                name, key_line, None, f"key {key!r} appears twice in this entry", "repeated_key", {"key": key}))
        else:
            key_lines[key] = line_of(value_node)
            try:
                fields[key] = constructor.construct_object(value_node, deep=True)
            except _CONSTRUCTION_FAILURES as exc:  # a !!python/object tag (refused, never run), 2026-11-31
                fields[key] = UNREADABLE
                issues.append(_unreadable_value(name, key_line, key, value_node, exc))
    return fields, key_lines, issues


def _unreadable_value(name: str, line: int, key: str, node: Node, exc: Exception) -> KbIssue:
    """The issue for a value PyYAML could not construct; a date-shaped one is a date error."""
    text = node.value if isinstance(node, ScalarNode) else ""
    if node.tag.endswith(":timestamp"):
        return KbIssue(
            name, line, None, f"{key!r} is not a real date: {text} ({exc}); write it like 2024-05-01",
            "bad_date", {"key": key, "value": text})
    problem = getattr(exc, "problem", None) or str(exc)
    return KbIssue(name, line, None, f"YAML error in {key!r}: {problem}", "bad_value", {"key": key})


def _closest_key(key: str) -> str | None:
    close = difflib.get_close_matches(key, sorted(ENTRY_KEYS), n=1)
    return close[0] if close else None


def _check_id(name: str, line: int, fields: dict[str, Any], key_lines: dict[str, int]) -> list[KbIssue]:
    if "id" not in fields:
        return [KbIssue(name, line, None, "missing required key 'id'", "missing_key", {"key": "id"})]
    value = fields["id"]
    if value is UNREADABLE:
        return []
    if not isinstance(value, str) or not ID_RE.fullmatch(value):
        shown = value if isinstance(value, str) else repr(value)
        message = f"id {shown!r} must use only a-z, 0-9 and '-'"
        return [KbIssue(name, key_lines["id"], None, message, "bad_id", {"value": str(shown)})]
    return []


def _check_fields(
    name: str, line: int, entry_id: str | None, fields: dict[str, Any], key_lines: dict[str, int]
) -> list[KbIssue]:
    """Type and content checks of every known key except id."""
    issues: list[KbIssue] = []

    def issue(at_key: str | None, message: str, code: str, **params: str) -> None:
        where = key_lines.get(at_key, line) if at_key else line
        issues.append(KbIssue(name, where, entry_id, message, code, params))

    # Values that failed to construct were reported already; check only the rest.
    fields = {k: v for k, v in fields.items() if v is not UNREADABLE}
    for key in REQUIRED_KEYS[1:]:
        if key not in fields and key not in key_lines:
            issue(None, f"missing required key {key!r}", "missing_key", key=key)
        elif key in fields and (not isinstance(fields[key], str) or not fields[key].strip()):
            issue(key, f"{key!r} must be non-empty text", "empty_text", key=key)
    question = fields.get("question")
    if isinstance(question, str) and question.strip() and not normalize(question, None):
        issue("question", "'question' has no letters or digits to match on", "question_unmatchable")
    for key in _LIST_KEYS:
        value = fields.get(key)
        if value is not None and not (isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value)):
            issue(key, f"{key!r} must be a list of non-empty texts", "not_text_list", key=key)
    for key in _TEXT_KEYS:
        if fields.get(key) is not None and not isinstance(fields[key], str):
            issue(key, f"{key!r} must be text", "not_text", key=key)
    if fields.get("updated") is not None and _as_date(fields["updated"]) is None:
        issue("updated", "'updated' must be a date like 2024-05-01", "bad_date",
              key="updated", value=str(fields["updated"]))
    return issues


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _texts(value: object) -> tuple[str, ...]:
    return tuple(v.strip() for v in value) if isinstance(value, list) else ()


def _optional_text(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _build_entry(name: str, line: int, fields: dict[str, Any]) -> Entry:
    return Entry(
        id=fields["id"],
        question=fields["question"].strip(),
        alternates=_texts(fields.get("alternates")),
        keywords=_texts(fields.get("keywords")),
        answer=fields["answer"].strip(),
        category=_optional_text(fields.get("category")),
        source=_optional_text(fields.get("source")),
        updated=_as_date(fields.get("updated")),
        related=_texts(fields.get("related")),
        file=name,
        line=line,
    )
