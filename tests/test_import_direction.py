"""Imports between bot/'s wings go one way, and the lower layers never reach up.

Every module of bot/, handlers/, db/ and knowledge/ is parsed, never imported: each `import`
and `from … import`, at module level, inside a function or under `if TYPE_CHECKING:` alike,
relative ones resolved. A wing is a sub-package of bot/ (bot/scheduling/, bot/digests/ …);
the modules at the top of bot/ (config, services, texts, app …) belong to none. The wings'
graph must have no cycle: no wing imports a wing that imports it back, directly or through
others. docs/architecture.md shows the order they stand in.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "db", "knowledge")
# What db/ and knowledge/ must never import: they are used alone (CLI, migrations, tests).
LOWER = {"db": {"telegram", "bot", "handlers"}, "knowledge": {"telegram", "bot", "handlers", "db"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def sources(package: str) -> Iterator[Path]:
    yield from sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def imported(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every import in the file; `from a import b` names both a and a.b
    (b may be a module), so a wing reached as `from bot.scheduling import reminders` counts."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            yield node.lineno, base
            yield from ((node.lineno, f"{base}.{alias.name}") for alias in node.names if alias.name != "*")


def wings() -> set[str]:
    return {p.parent.name for p in (ROOT / "bot").glob("*/__init__.py")}


def wing_of(module: str, known: set[str]) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "bot" and parts[1] in known else None


def wing_edges() -> dict[tuple[str, str], list[str]]:
    """(importing wing, imported wing) → the import lines that make the edge."""
    known, edges = wings(), {}
    for path in sources("bot"):
        here = wing_of(module_name(path), known)
        if here is None:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, target in imported(path):
            there = wing_of(target, known)
            if there is not None and there != here:
                where = f"{path.relative_to(ROOT)}:{line}: {lines[line - 1].strip()}"
                if where not in edges.setdefault((here, there), []):
                    edges[(here, there)].append(where)
    return edges


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(set(graph) | {n for targets in graph.values() for n in targets}):
        if node not in index:
            visit(node)
    return found


def test_the_cycle_check_finds_a_cycle_through_three_wings() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set(), "e": {"d"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_bot_has_wings_and_they_import_one_another() -> None:
    # Guards against a check that passes because it sees nothing.
    assert len(wings()) >= 4, wings()
    assert wing_edges(), "no import between wings found: is the parser reading bot/?"


def test_no_wing_imports_a_wing_that_imports_it_back() -> None:
    edges = wing_edges()
    graph: dict[str, set[str]] = {}
    for here, there in edges:
        graph.setdefault(here, set()).add(there)
    loops = cycles(graph)
    detail = [
        line for group in loops for line in [f"a cycle among {', '.join(group)}:", *(
            where for (here, there), lines in sorted(edges.items()) if here in group and there in group for where in lines
        )]
    ]
    assert loops == [], "\n".join(detail)


def test_a_wing_package_holds_only_its_docstring() -> None:
    """No re-exports: `import bot.digests.text` runs bot/digests/__init__.py, which must not
    pull in the rest of the wing (or another wing) behind the importer's back."""
    for wing in sorted(wings()):
        init = ROOT / "bot" / wing / "__init__.py"
        body = ast.parse(init.read_text(encoding="utf-8")).body
        docstring = len(body) == 1 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
        assert docstring and isinstance(body[0].value.value, str), f"{init.relative_to(ROOT)}: a docstring and nothing else"


def test_no_wing_imports_the_handlers() -> None:
    known = wings()
    offenders = {
        f"{path.relative_to(ROOT)}:{line}"
        for path in sources("bot") if wing_of(module_name(path), known)
        for line, target in imported(path) if target.split(".")[0] == "handlers"
    }
    assert sorted(offenders) == []


def test_config_and_the_settings_it_loads_import_no_wing() -> None:
    """bot/config.py and everything it loads from bot/ sit at the top, beside it."""
    known, seen, todo = wings(), set(), ["bot.config"]
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = ROOT / (module.replace(".", "/") + ".py")
        for _, target in imported(path):
            if target.startswith("bot.") and (ROOT / (target.replace(".", "/") + ".py")).is_file():
                todo.append(target)
    assert seen >= {"bot.config", "bot.schedule_config", "bot.calendar"}
    assert sorted(m for m in seen if wing_of(m, known)) == []


def test_db_and_knowledge_never_import_telegram_or_the_bot() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}:{line} imports {target.split('.')[0]}"
        for package, forbidden in LOWER.items() for path in sources(package)
        for line, target in imported(path) if target.split(".")[0] in forbidden
    }
    assert sorted(offenders) == []
