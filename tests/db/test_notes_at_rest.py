"""Talk notes at rest: migration 0007 marks the notes written before it as plaintext; the bot
encrypts them at start once the key is present, and refuses to start without the key that
opens the notes stored. The flow state table keeps one open flow per person."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import create_engine, text

from bot.ops.notes_key import NotesKeyError, cipher_from_env, prepare_notes
from db import flows, talks
from db.engine import Database, sync_url
from db.migrate import alembic_config, upgrade
from db.notes_crypto import NotesCipher

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def seed_plain_note(url: str) -> None:
    """A supervisor and a cadre, and a talk with notes written by the 0006 code (plaintext)."""
    upgrade(url, "0006")
    engine = create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            for pid, name in ((1, "赵强"), (2, "张明")):
                connection.execute(text(
                    "INSERT INTO people (id, external_id, name, unit, active, invite_code, reachable, created_at, updated_at)"
                    " VALUES (:id, :eid, :name, '组织科', true, :code, true, :at, :at)"
                ), {"id": pid, "eid": f"P{pid}", "name": name, "code": f"CODE{pid}", "at": NOW})
            connection.execute(text(
                "INSERT INTO talks (supervisor_id, cadre_id, held_on, notes, created_at) VALUES (1, 2, :day, :notes, :at)"
            ), {"day": date(2026, 11, 2), "notes": "家里有困难，需关心", "at": NOW})
    finally:
        engine.dispose()


def stored(url: str) -> list[tuple[str | None, str | None]]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text("SELECT notes, notes_format FROM talks ORDER BY id"))]
    finally:
        engine.dispose()


async def test_notes_from_before_0007_are_marked_plain_then_encrypted_at_start_and_still_read(database_url: str) -> None:
    seed_plain_note(database_url)
    upgrade(database_url)
    assert stored(database_url) == [("家里有困难，需关心", "plain")]
    cipher, db = NotesCipher.generate(), Database(database_url)
    try:
        assert await prepare_notes(db, cipher) == 1
        [(notes, form)] = stored(database_url)
        assert form == "fernet" and "家里有困难" not in (notes or "")
        assert await prepare_notes(db, cipher) == 0  # once
        async with db.session() as session:
            [view] = await talks.history_for_supervisor(session, 1, 2, cipher)
            [hidden] = await talks.history_for_supervisor(session, 2, 2, cipher)
    finally:
        await db.dispose()
    assert view.notes == "家里有困难，需关心" and hidden.notes is None


async def test_with_notes_stored_start_refuses_a_missing_or_a_wrong_key_in_one_line(database_url: str) -> None:
    seed_plain_note(database_url)
    upgrade(database_url)
    db = Database(database_url)
    try:
        with pytest.raises(NotesKeyError) as missing:
            await prepare_notes(db, None)
        assert "CADREBOT_NOTES_KEY is not set" in str(missing.value) and "\n" not in str(missing.value)
        assert stored(database_url) == [("家里有困难，需关心", "plain")]  # nothing changed
        key = NotesCipher.new_key()
        await prepare_notes(db, NotesCipher.from_text(key))
        with pytest.raises(NotesKeyError) as wrong:
            await prepare_notes(db, NotesCipher.generate())
        assert "does not decrypt" in str(wrong.value)
        rotated = NotesCipher.from_text(f"{NotesCipher.new_key()},{key}")
        assert await prepare_notes(db, rotated) == 0  # an old key kept after a new one still opens them
    finally:
        await db.dispose()


async def test_an_empty_database_starts_without_a_key(database_url: str) -> None:
    upgrade(database_url)
    db = Database(database_url)
    try:
        assert await prepare_notes(db, None) == 0
    finally:
        await db.dispose()


def test_a_malformed_key_is_refused_without_showing_it() -> None:
    with pytest.raises(NotesKeyError) as caught:
        cipher_from_env({"CADREBOT_NOTES_KEY": "not-a-key-secret123"})
    assert "CADREBOT_NOTES_KEY" in str(caught.value) and "secret123" not in str(caught.value)
    assert cipher_from_env({}) is None and cipher_from_env({"CADREBOT_NOTES_KEY": "  "}) is None


def test_0007_downgrades_and_upgrades_again(database_url: str) -> None:
    seed_plain_note(database_url)
    upgrade(database_url)
    command.downgrade(alembic_config(database_url), "0006")
    assert stored_0006(database_url) == ["家里有困难，需关心"]
    upgrade(database_url)
    assert stored(database_url) == [("家里有困难，需关心", "plain")]


def stored_0006(url: str) -> list[str]:
    engine = create_engine(sync_url(url))
    try:
        with engine.connect() as connection:
            return [r[0] for r in connection.execute(text("SELECT notes FROM talks"))]
    finally:
        engine.dispose()


async def test_one_flow_per_person_replaced_advanced_closed_and_forgotten(database_url: str) -> None:
    seed_plain_note(database_url)
    upgrade(database_url)
    db = Database(database_url)
    try:
        async with db.session() as session:
            await flows.open_flow(session, 2, "study", "amount", {"token": "t"}, NOW, timedelta(minutes=10))
            await session.commit()
        async with db.session() as session:
            state = await flows.open_flow(
                session, 2, "talk_topic", "topic", {}, NOW, timedelta(minutes=10), timedelta(hours=24))
            await flows.advance(session, state, "topic", {"n": 1}, NOW + timedelta(minutes=5), timedelta(minutes=10))
            await session.commit()
        async with db.session() as session:
            state = await flows.current(session, 2)
            assert (state.flow, state.step, state.data) == ("talk_topic", "topic", {"n": 1})
            assert state.expires_at == NOW + timedelta(minutes=15) and state.expires_at.tzinfo is not None
            assert not await flows.close(session, 2, "study") and await flows.close(session, 2)
            await flows.open_flow(session, 1, "study", "amount", {}, NOW, timedelta(minutes=10))
            assert await flows.forget_stale(session, NOW + timedelta(minutes=9)) == 0
            assert await flows.forget_stale(session, NOW + timedelta(minutes=10)) == 1
            await session.commit()
            assert await flows.current(session, 1) is None and await flows.current(session, 2) is None
    finally:
        await db.dispose()
