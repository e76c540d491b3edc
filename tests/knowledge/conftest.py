"""Shared helpers for the knowledge-engine tests."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from knowledge.lexicon import Lexicon, load_lexicon

FIXTURE_BASE = Path(__file__).parent / "fixtures" / "base"
SHIPPED_SYNONYMS = Path(__file__).resolve().parents[2] / "knowledge" / "synonyms"


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    """The shipped vocabulary: what the bot matches with."""
    loaded = load_lexicon([SHIPPED_SYNONYMS])
    assert loaded.ok, loaded.errors
    return loaded.lexicon


@pytest.fixture
def fixture_base() -> Path:
    """The read-only fixture base (13 entries over party.yaml and cadre.yaml)."""
    return FIXTURE_BASE


@pytest.fixture
def base_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture base, for tests that install or break files."""
    target = tmp_path / "base"
    shutil.copytree(FIXTURE_BASE, target)
    return target


@pytest.fixture
def write_yaml(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write dedented YAML text to tmp_path/<name> and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return write
