"""The audit log records who did what and when, for any feature, newest first."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from db import audit, people
from db.engine import Database
from db.migrate import upgrade
from db.roster import parse_roster

NOON = datetime(2026, 11, 20, 4, 0, tzinfo=timezone.utc)


@pytest.fixture
async def db(database_url: str):  # type: ignore[no-untyped-def]
    upgrade(database_url)
    database = Database(database_url)
    yield database
    await database.dispose()


async def test_rows_name_the_person_the_action_and_the_detail_newest_first(db: Database) -> None:
    async with db.session() as session:
        await people.import_roster(session, parse_roster("r.yaml", "- {id: A1, name: 陈静, unit: 办公室, roles: admin}\n".encode()))
        admin = await people.by_external_id(session, "A1")
        await audit.record(session, admin.id, "kb.reload", {"entries": 5}, NOON)
        await audit.record(session, None, "roster.import", "roster.csv：新增 2 人", NOON + timedelta(minutes=1))
        await session.commit()
    async with db.session() as session:
        rows = await audit.recent(session)
    assert [(r.action, r.actor_id) for r in rows] == [("roster.import", None), ("kb.reload", admin.id)]
    assert json.loads(rows[1].detail) == {"entries": 5} and rows[0].detail == "roster.csv：新增 2 人"
    assert rows[1].at == NOON and rows[1].at.tzinfo is not None


async def test_recent_filters_by_time_and_action_prefix(db: Database) -> None:
    async with db.session() as session:
        for minutes, action in ((0, "kb.upload"), (10, "study.void"), (20, "kb.out_of_scope")):
            await audit.record(session, None, action, "", NOON + timedelta(minutes=minutes))
        await session.commit()
        assert [r.action for r in await audit.recent(session, action_prefix="kb.")] == ["kb.out_of_scope", "kb.upload"]
        assert [r.action for r in await audit.recent(session, since=NOON + timedelta(minutes=5))] == [
            "kb.out_of_scope", "study.void"]
        assert len(await audit.recent(session, limit=1)) == 1


async def test_a_long_detail_is_cut_rather_than_failing_the_change(db: Database) -> None:
    async with db.session() as session:
        row = await audit.record(session, None, "kb.upload", {"text": "长" * 5000}, NOON)
        await session.commit()
    assert len(row.detail) == audit.MAX_DETAIL_CHARS
    with pytest.raises(ValueError):
        await audit.record(session, None, "x" * 41, "", NOON)
