"""The organization-work vocabulary: synonyms to fold and named things to insist on.

An admin's base says 流动党员 where a cadre types 外出打工的党员, 非公企业 where he types
私营企业.  A synonym file lists such groups once; queries and entries are both rewritten
with each group's first term, so the matcher compares like with like on any base.

The same file lists named things of the domain (八项规定, 事业单位, 影响期 …).  Every term of
the file, grouped or not, is one: a question that names it is not answered outright by an
entry whose text lacks it (the matcher's near-miss rule), because an entry about 党员的八项
权利 shares almost every character with a question about 中央八项规定 and answers none of it.

File format (YAML, validated with file:line errors like the base)::

    groups:
      - [发展党员, 入党]
    terms:
      - 八项规定
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from ahocorasick_rs import AhoCorasick, MatchKind
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from knowledge.entryparse import decode, line_of
from knowledge.loader import read_source, yaml_files
from knowledge.normalize import normalize
from knowledge.schema import KbIssue
from knowledge.yamlsafe import compose_yaml

MIN_TERM_CHARS = 2
MAX_TERM_CHARS = 12
_TOP_KEYS = ("groups", "terms")


@dataclass(frozen=True, eq=False)
class Lexicon:
    """Immutable once built; ``canonicalize`` and ``named_terms`` are all the matcher needs.

    Both scan with an Aho-Corasick automaton, leftmost-longest: every text of a large base is
    folded when it is indexed, and one pass per text beats trying hundreds of terms in turn."""

    canonical: dict[str, str] = field(default_factory=dict)  # normalised member -> its group's first term
    terms: frozenset[str] = frozenset()  # every named thing, in canonical spelling
    _members: tuple[str, ...] = ()
    _folder: AhoCorasick | None = None
    _named: tuple[str, ...] = ()
    _finder: AhoCorasick | None = None

    @classmethod
    def build(cls, groups: Iterable[Sequence[str]], terms: Iterable[str] = ()) -> Lexicon:
        """From raw groups and terms (normalised here, so they may be written any way a user writes)."""
        canonical: dict[str, str] = {}
        named: set[str] = set()
        for group in groups:
            members = [m for m in dict.fromkeys(normalize(t, None) for t in group) if len(m) >= MIN_TERM_CHARS]
            if not members:
                continue
            named.add(members[0])
            for member in members:
                # The first term maps to itself, so that a member inside it (谈心 in 谈心谈话) never
                # rewrites it: the longest match at each position wins.
                canonical.setdefault(member, members[0])
        named.update(t for t in (normalize(t, None) for t in terms) if len(t) >= MIN_TERM_CHARS)
        members = tuple(canonical)
        folder = _automaton(members)
        # Terms are matched after folding, so a folded member must be spelt as its canonical.
        spelled = tuple(sorted({_fold(canonical, members, folder, t) for t in named}))
        return cls(canonical, frozenset(spelled), members, folder, spelled, _automaton(spelled))

    def canonicalize(self, text: str) -> str:
        """``text`` (already normalised) with every synonym written as its group's first term."""
        return _fold(self.canonical, self._members, self._folder, text)

    def named_terms(self, text: str) -> tuple[str, ...]:
        """The named things ``text`` (canonical) mentions, each the longest: 严重警告, not also 警告."""
        return tuple(dict.fromkeys(text[s:e] for s, e in self.term_spans(text)))

    def term_spans(self, text: str) -> list[tuple[int, int]]:
        """Where ``text`` (canonical) names things: leftmost-longest (start, end) spans."""
        if self._finder is None:
            return []
        return [(start, end) for _, start, end in self._finder.find_matches_as_indexes(text)]


def _automaton(patterns: Sequence[str]) -> AhoCorasick | None:
    return AhoCorasick(list(patterns), matchkind=MatchKind.LeftmostLongest) if patterns else None


def _fold(canonical: dict[str, str], members: Sequence[str], folder: AhoCorasick | None, text: str) -> str:
    if folder is None:
        return text
    pieces, last = [], 0
    for index, start, end in folder.find_matches_as_indexes(text):
        pieces += [text[last:start], canonical[members[index]]]
        last = end
    return "".join(pieces) + text[last:] if pieces else text


EMPTY = Lexicon()


@dataclass(frozen=True)
class LexiconLoad:
    lexicon: Lexicon
    errors: list[KbIssue] = field(default_factory=list)
    warnings: list[KbIssue] = field(default_factory=list)
    groups: int = 0
    terms: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class _Collected:
    groups: list[list[str]] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)
    errors: list[KbIssue] = field(default_factory=list)
    warnings: list[KbIssue] = field(default_factory=list)
    seen: dict[str, str] = field(default_factory=dict)  # normalised term -> where it first appeared


def load_lexicon(paths: Sequence[Path | str], extra_terms: Iterable[str] = ()) -> LexiconLoad:
    """Read every synonym file (files or folders of *.yaml); all-or-nothing like the base."""
    collected = _Collected()
    for path in (f for p in paths for f in yaml_files(Path(p))):
        source = read_source(path)
        if source.data is None:
            collected.errors.append(KbIssue(source.name, None, None, source.problem or "unreadable"))
            continue
        _parse(source.name, source.data, collected)
    lexicon = Lexicon.build(collected.groups, [*collected.terms, *extra_terms]) if not collected.errors else EMPTY
    return LexiconLoad(lexicon, collected.errors, collected.warnings, len(collected.groups), len(collected.terms))


def _parse(name: str, data: bytes, out: _Collected) -> None:
    text, issue = decode(name, data)
    if issue is not None:
        out.errors.append(issue)
        return
    try:
        root, _ = compose_yaml(text or "")
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        out.errors.append(KbIssue(name, mark.line + 1 if mark else None, None, f"YAML error: {exc}"))
        return
    if not isinstance(root, MappingNode):
        out.errors.append(KbIssue(name, None if root is None else line_of(root), None,
                                  "expected a top-level mapping with 'groups:' and/or 'terms:'"))
        return
    for key, value in root.value:
        label = key.value if isinstance(key, ScalarNode) else "<complex key>"
        if label == "groups":
            for item in _items(name, value, out):
                _group(name, item, out)
        elif label == "terms":
            for item in _items(name, value, out):
                if (term := _term(name, item, out)) is not None:
                    out.terms.append(term)
        else:
            out.errors.append(KbIssue(name, line_of(key), None, f"unknown top-level key {label!r} (expected groups, terms)"))


def _items(name: str, node: Node, out: _Collected) -> list[Node]:
    if isinstance(node, ScalarNode) and node.tag.endswith(":null"):
        return []
    if not isinstance(node, SequenceNode):
        out.errors.append(KbIssue(name, line_of(node), None, "expected a list"))
        return []
    return list(node.value)


def _group(name: str, node: Node, out: _Collected) -> None:
    if not isinstance(node, SequenceNode):
        out.errors.append(KbIssue(name, line_of(node), None, "a group must be a list of terms, e.g. [发展党员, 入党]"))
        return
    members = [t for t in (_term(name, item, out) for item in node.value) if t is not None]
    if len(members) < 2:
        out.errors.append(KbIssue(name, line_of(node), None, "a group needs at least two terms"))
        return
    out.groups.append(members)


def _term(name: str, node: Node, out: _Collected) -> str | None:
    """One term, checked and registered; None (with an error) if unusable."""
    line = line_of(node)
    if not isinstance(node, ScalarNode) or not isinstance(node.value, str) or not node.value.strip():
        out.errors.append(KbIssue(name, line, None, "each term must be non-empty text"))
        return None
    raw = node.value.strip()
    folded = normalize(raw, None)
    if not MIN_TERM_CHARS <= len(folded) <= MAX_TERM_CHARS:
        out.errors.append(KbIssue(name, line, None,
                                  f"term {raw!r} must have {MIN_TERM_CHARS}-{MAX_TERM_CHARS} letters or digits"))
        return None
    where = f"{name}:{line}"
    if folded in out.seen:
        out.errors.append(KbIssue(name, line, None, f"term {raw!r} is listed twice (first at {out.seen[folded]})"))
        return None
    out.seen[folded] = where
    return raw
