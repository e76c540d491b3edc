"""knowledge/ stays usable without the bot: the CLI, the scheduler and tests import it alone."""

from __future__ import annotations

import ast
from pathlib import Path

FORBIDDEN = {"telegram", "db", "bot", "handlers"}
PACKAGE = Path(__file__).resolve().parents[2] / "knowledge"


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_knowledge_never_imports_the_bot_the_database_or_telegram():
    offenders = {p.name: imported_roots(p) & FORBIDDEN for p in PACKAGE.glob("*.py")}
    assert {name: roots for name, roots in offenders.items() if roots} == {}
