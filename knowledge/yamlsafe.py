"""Compose YAML into a node tree (which keeps line numbers) with hostile input refused.

Admins upload YAML through the bot, so the parser must be as safe as
``yaml.safe_load`` and also refuse anchors and aliases: a few lines of nested
aliases (a "billion laughs" bomb) expand to gigabytes once constructed.  We
compose nodes ourselves rather than call ``yaml.compose`` so an alias is
refused before anything is expanded, and we keep the node tree because its
marks give every entry and key its line number.
"""

from __future__ import annotations

import yaml
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

if yaml.__with_libyaml__:  # libyaml parses about 5x faster; the pure parser is the fallback
    from yaml.cyaml import CParser as _Parser
else:  # pragma: no cover - depends on how PyYAML was built
    from yaml.parser import Parser as _Parser  # type: ignore[assignment]
    from yaml.reader import Reader
    from yaml.scanner import Scanner


class UnsafeYamlError(yaml.MarkedYAMLError):
    """The YAML is well formed but uses a feature we refuse (anchors, aliases)."""


class _RestrictedLoader(_Parser, SafeConstructor, Resolver):  # type: ignore[misc,valid-type]
    """Parser + our composer + the safe constructor: no Python object tags, no aliases."""

    def __init__(self, text: str) -> None:
        if yaml.__with_libyaml__:
            _Parser.__init__(self, text)
        else:  # pragma: no cover
            Reader.__init__(self, text)
            Scanner.__init__(self)
            _Parser.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)

    def resolve(self, kind: type, value: object, implicit: tuple[bool, bool]) -> str:
        """Fast path for plain text scalars: most of ours start with a Chinese character.

        Implicit resolvers (int, bool, date, null…) are looked up by first
        character; when none is registered for it the answer is the string tag,
        exactly as the base class would conclude after more work.
        """
        if (
            kind is ScalarNode
            and implicit[0]
            and isinstance(value, str)
            and value
            and value[0] not in self.yaml_implicit_resolvers
            and None not in self.yaml_implicit_resolvers
            and not self.yaml_path_resolvers
        ):
            return self.DEFAULT_SCALAR_TAG
        return Resolver.resolve(self, kind, value, implicit)

    def compose_node(self, parent: Node | None = None, index: object = None) -> Node:
        """One node and its children; a lean version of PyYAML's composer that refuses aliases."""
        event = self.get_event()
        if isinstance(event, AliasEvent):
            raise UnsafeYamlError(
                problem=f"YAML aliases (*{event.anchor}) are not allowed; write the text out in full",
                problem_mark=event.start_mark,
            )
        if event.anchor is not None:
            raise UnsafeYamlError(
                problem=f"YAML anchors (&{event.anchor}) are not allowed; write the text out in full",
                problem_mark=event.start_mark,
            )
        if isinstance(event, ScalarEvent):
            tag = event.tag if event.tag not in (None, "!") else self.resolve(ScalarNode, event.value, event.implicit)
            return ScalarNode(tag, event.value, event.start_mark, event.end_mark, style=event.style)
        if isinstance(event, SequenceStartEvent):
            return self._compose_sequence(event)
        return self._compose_mapping(event)

    def _compose_sequence(self, start: SequenceStartEvent) -> SequenceNode:
        tag = start.tag if start.tag not in (None, "!") else self.resolve(SequenceNode, None, start.implicit)
        node = SequenceNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        while not self.check_event(SequenceEndEvent):
            node.value.append(self.compose_node())
        node.end_mark = self.get_event().end_mark
        return node

    def _compose_mapping(self, start: MappingStartEvent) -> MappingNode:
        tag = start.tag if start.tag not in (None, "!") else self.resolve(MappingNode, None, start.implicit)
        node = MappingNode(tag, [], start.start_mark, None, flow_style=start.flow_style)
        while not self.check_event(MappingEndEvent):
            key = self.compose_node()
            node.value.append((key, self.compose_node()))
        node.end_mark = self.get_event().end_mark
        return node

    def compose_only_document(self) -> Node | None:
        """The document's root node, None for an empty stream; refuses several documents."""
        self.get_event()  # StreamStart
        if self.check_event(StreamEndEvent):
            return None
        self.get_event()  # DocumentStart
        root = self.compose_node()
        self.get_event()  # DocumentEnd
        if not self.check_event(StreamEndEvent):
            event = self.peek_event()
            raise UnsafeYamlError(
                problem="only one YAML document per file is allowed (found a second '---')",
                problem_mark=event.start_mark,
            )
        return root


def compose_yaml(text: str) -> tuple[Node | None, SafeConstructor]:
    """Compose ``text`` into nodes, returning a constructor able to turn nodes into values.

    Raises ``yaml.YAMLError`` (with a mark when the parser knows the place) on
    syntax errors and refused features, ``RecursionError`` on absurd nesting.
    """
    loader = _RestrictedLoader(text)
    try:
        return loader.compose_only_document(), loader
    finally:
        if yaml.__with_libyaml__:
            loader.dispose()
