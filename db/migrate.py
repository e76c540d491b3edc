"""Alembic, driven from code: the bot and `cadrebot db upgrade` apply migrations the same way."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig

from db.engine import ensure_sqlite_folder, sync_url

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = sync_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to date; safe to run on every start."""
    ensure_sqlite_folder(url)
    command.upgrade(alembic_config(url), revision)
