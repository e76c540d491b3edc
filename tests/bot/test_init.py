"""`cadrebot init DIR` and where knowledge paths land: an operator's folder is self-contained,
admins' edits are never overwritten, and the shipped base is found wherever the bot runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from bot.config import load_config
from bot.admin.scaffold import InitError, init_instance

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_init_writes_a_config_whose_paths_all_land_in_the_folder(tmp_path: Path) -> None:
    instance = tmp_path / "cadrebot"
    init_instance(instance)

    config = load_config(instance / "config.yaml", env={})
    assert config.knowledge_paths == [instance / "knowledge" / "base"]
    assert config.synonym_paths == [instance / "knowledge" / "synonyms"]
    assert config.database_url == f"sqlite:///{instance / 'data' / 'cadrebot.db'}"
    shipped = sorted(p.name for p in (PROJECT_ROOT / "knowledge" / "base").glob("*.yaml"))
    assert sorted(p.name for p in config.knowledge_paths[0].glob("*.yaml")) == shipped
    assert (instance / "data").stat().st_mode & 0o077 == 0


def test_init_never_overwrites_a_config_and_force_keeps_admins_knowledge_edits(tmp_path: Path) -> None:
    init_instance(tmp_path)
    edited = tmp_path / "knowledge" / "base" / "party-dues.yaml"
    edited.write_text(edited.read_text(encoding="utf-8") + "# 管理员的修改\n", encoding="utf-8")
    (tmp_path / "config.yaml").write_text("timezone: Asia/Shanghai\n", encoding="utf-8")

    with pytest.raises(InitError, match="not overwritten"):
        init_instance(tmp_path)
    assert main(["init", str(tmp_path)]) == 1

    done = init_instance(tmp_path, force=True)
    assert "# 管理员的修改" in edited.read_text(encoding="utf-8")
    assert any(line.startswith("kept") and "knowledge" in line for line in done)
    assert "answer_threshold" in (tmp_path / "config.yaml").read_text(encoding="utf-8")


def test_a_relative_knowledge_folder_missing_beside_the_config_is_the_packaged_one(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("knowledge:\n  paths: [knowledge/base]\n  synonyms: [knowledge/synonyms]\n",
                                          encoding="utf-8")
    config = load_config(tmp_path / "config.yaml", env={})
    assert config.knowledge_paths == [PROJECT_ROOT / "knowledge" / "base"]
    assert config.synonym_paths == [PROJECT_ROOT / "knowledge" / "synonyms"]


def test_a_knowledge_folder_beside_the_config_wins_over_the_packaged_one(tmp_path: Path) -> None:
    (tmp_path / "knowledge" / "base").mkdir(parents=True)
    (tmp_path / "config.yaml").write_text("knowledge:\n  paths: [knowledge/base]\n", encoding="utf-8")
    assert load_config(tmp_path / "config.yaml", env={}).knowledge_paths == [tmp_path / "knowledge" / "base"]


def test_a_named_folder_that_is_missing_is_never_replaced_by_the_shipped_base(tmp_path: Path) -> None:
    """A base on a volume that failed to mount must fail loudly, not answer from the shipped base."""
    missing = tmp_path / "srv" / "knowledge" / "base"
    (tmp_path / "config.yaml").write_text(f"knowledge:\n  paths: [{missing}, kb]\n", encoding="utf-8")
    assert load_config(tmp_path / "config.yaml", env={}).knowledge_paths == [missing, tmp_path / "kb"]
