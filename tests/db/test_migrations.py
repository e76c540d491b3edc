"""The migration chain builds exactly the schema the models describe, and 0006 keeps what was asked."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from db.engine import sync_url
from db.migrate import alembic_config, upgrade
from db.models import Base


def schema_differences(url: str) -> list[object]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrading_to_head_gives_the_models_schema(database_url: str) -> None:
    upgrade(database_url)
    assert schema_differences(database_url) == []


def test_questions_asked_before_0006_survive_it_and_are_open_gaps(database_url: str) -> None:
    upgrade(database_url, "0005")
    engine = create_engine(sync_url(database_url))
    try:
        with engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO questions (text, outcome, score, asked_at) VALUES ('食堂几点开门', 'none', 0, :at)"
            ), {"at": "2026-11-20 02:00:00+00:00"})
        upgrade(database_url)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT text, resolution, resolved_by FROM questions")).all()
            audit_rows = connection.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    finally:
        engine.dispose()
    assert [tuple(r) for r in rows] == [("食堂几点开门", None, None)] and audit_rows == 0


def test_0006_downgrades_and_upgrades_again(database_url: str) -> None:
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "0005")
    upgrade(database_url)
    assert schema_differences(database_url) == []
