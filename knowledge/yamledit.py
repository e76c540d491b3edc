"""Append one alternate to one entry of a knowledge file by editing its text.

Admins write these files by hand, with comments, blank lines and their own quoting; a
round trip through a YAML dumper would lose all of that. So the new line goes in where
the parser's marks say the entry's ``alternates`` end, and nothing else is touched. The
caller re-parses the result and checks that exactly this alternate was added: an edit
this module gets wrong is refused there, never written.
"""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from knowledge.yamlsafe import compose_yaml

DEFAULT_ITEM_OFFSET = 2  # "alternates:\n  - …": items two columns right of the key
_NULL_VALUE = re.compile(r"^(?P<colon>\s*:)[ \t]*(?:~|null|Null|NULL)?[ \t]*(?P<comment>#.*)?$")


def add_alternate_text(text: str, entry_id: str, alternate: str) -> str | None:
    """``text`` with ``alternate`` appended to the alternates of entry ``entry_id``.

    None when the file does not parse, the entry is not in it, or its alternates are
    written in a shape this edit does not handle (the caller then refuses, changing nothing).
    """
    try:
        root, _ = compose_yaml(text)
    except (yaml.YAMLError, RecursionError):
        return None
    entry = _find_entry(root, entry_id)
    if entry is None:
        return None
    lines = text.splitlines(keepends=True)
    newline = "\r\n" if "\r\n" in text else "\n"
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline  # the new line may go after the last one
    scalar = flow_scalar(alternate)
    pairs = {_key(k): (k, v) for k, v in entry.value}
    if entry.flow_style:
        edited = _into_flow_mapping(lines, entry, "alternates" in pairs, pairs.get("alternates"), scalar)
    elif "alternates" in pairs:
        edited = _into_existing(lines, *pairs["alternates"], scalar, newline)
    elif "question" in pairs:
        edited = _new_key_after(lines, root, *pairs["question"], scalar, newline)
    else:
        edited = None
    return "".join(edited) if edited is not None else None


def flow_scalar(value: str) -> str:
    """``value`` as a YAML scalar safe inside ``[…]`` and as a block item: plain when it can
    be, quoted when it must (``123``, ``yes``, ``a: b``, ``#…``)."""
    dumped = yaml.safe_dump([value], allow_unicode=True, default_flow_style=True, width=2**31).strip()
    return dumped[1:-1]


def _key(node: Node) -> str:
    return node.value if isinstance(node, ScalarNode) else ""


def _find_entry(root: Node | None, entry_id: str) -> MappingNode | None:
    if not isinstance(root, MappingNode):
        return None
    for key, value in root.value:
        if _key(key) == "entries" and isinstance(value, SequenceNode):
            for item in value.value:
                if isinstance(item, MappingNode) and any(
                    _key(k) == "id" and isinstance(v, ScalarNode) and v.value == entry_id for k, v in item.value
                ):
                    return item
    return None


def _line_after(node: Node) -> int:
    """The index of the line where text following ``node`` may be inserted.

    A block scalar (``|``) ends at the start of the next line; anything else ends on its
    own last line, after which we insert (a trailing comment stays where it was).
    """
    end = node.end_mark
    return end.line if end.column == 0 else end.line + 1


def _into_existing(
    lines: list[str], key: Node, value: Node, scalar: str, newline: str
) -> list[str] | None:
    if isinstance(value, SequenceNode) and value.flow_style:
        return _into_flow_sequence(lines, value, scalar)
    if isinstance(value, SequenceNode) and value.value:
        dash_column = value.start_mark.column
        at = _line_after(value.value[-1])
        return [*lines[:at], f"{' ' * dash_column}- {scalar}{newline}", *lines[at:]]
    if isinstance(value, ScalarNode) and value.tag.endswith(":null"):
        return _replace_null(lines, key, scalar)
    return None


def _into_flow_sequence(lines: list[str], value: SequenceNode, scalar: str) -> list[str] | None:
    """``[a, b]`` → ``[a, b, new]``: inserted just before the closing bracket."""
    row, column = value.end_mark.line, value.end_mark.column - 1
    line = lines[row] if row < len(lines) else ""
    if column < 0 or line[column:column + 1] != "]":
        return None
    before = "".join(lines[:row]) + line[:column]
    separator = "" if before.rstrip().endswith(("[", ",")) else ", "
    return [*lines[:row], f"{line[:column]}{separator}{scalar}{line[column:]}", *lines[row + 1:]]


def _replace_null(lines: list[str], key: Node, scalar: str) -> list[str] | None:
    """``alternates:`` (or ``~``) with nothing after it on its line → ``alternates: [new]``."""
    row, column = key.end_mark.line, key.end_mark.column
    line = lines[row]
    body = line.rstrip("\r\n")
    found = _NULL_VALUE.match(body[column:])
    if found is None:
        return None
    comment = f"  {found['comment']}" if found["comment"] else ""
    replaced = f"{body[:column]}{found['colon']} [{scalar}]{comment}{line[len(body):]}"
    return [*lines[:row], replaced, *lines[row + 1:]]


def _new_key_after(
    lines: list[str], root: Node | None, key: Node, value: Node, scalar: str, newline: str
) -> list[str]:
    """No ``alternates:`` yet: add one under the question, lists indented as the file does."""
    column = key.start_mark.column
    offset = _item_offset(root)
    at = _line_after(value)
    block = [f"{' ' * column}alternates:{newline}", f"{' ' * (column + offset)}- {scalar}{newline}"]
    return [*lines[:at], *block, *lines[at:]]


def _item_offset(root: Node | None) -> int:
    """How far this file puts block-list items right of their key (0 in yaml.dump's style)."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(value, SequenceNode) and not value.flow_style and value.value and not node.flow_style:
                    return max(0, value.start_mark.column - key.start_mark.column)
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return DEFAULT_ITEM_OFFSET


def _into_flow_mapping(
    lines: list[str], entry: MappingNode, has_key: bool, pair: tuple[Node, Node] | None, scalar: str
) -> list[str] | None:
    """``{id: x, question: q, answer: a}``: extend its flow list, or add ``alternates: [new]``."""
    if has_key:
        assert pair is not None
        value = pair[1]
        flow = isinstance(value, SequenceNode) and value.flow_style
        return _into_flow_sequence(lines, value, scalar) if flow else None  # type: ignore[arg-type]
    row, column = entry.end_mark.line, entry.end_mark.column - 1
    line = lines[row] if row < len(lines) else ""
    if column < 0 or line[column:column + 1] != "}":
        return None
    head = line[:column].rstrip()
    separator = "" if head.endswith(",") else ","
    return [*lines[:row], f"{head}{separator} alternates: [{scalar}]{line[column:]}", *lines[row + 1:]]
