"""`cadrebot run` and the talk-notes key, as an operator meets it: with notes in the database
a missing or wrong CADREBOT_NOTES_KEY stops start-up with one clear line; the right key gets
past it; the offline console makes a key of its own, readable only by its owner."""

from __future__ import annotations

import asyncio
import os
import stat
import subprocess
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from bot.config import load_config
from bot.ops.notes_key import console_cipher
from db import people, talks
from db.engine import Database
from db.migrate import upgrade
from db.notes_crypto import NotesCipher, NotesUnreadable
from db.roster import parse_roster

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CADREBOT = [sys.executable, "-m", "bot.cli"]
ROSTER = "id,name,unit,roles,supervises\nS01,赵强,组织科,supervisor,组织科\nC01,张明,组织科,cadre,\n"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "config.yaml").write_text(
        f"database:\n  url: sqlite:///data/cli.db\nknowledge:\n  paths: [{PROJECT_ROOT / 'knowledge' / 'base'}]\n",
        encoding="utf-8",
    )
    return tmp_path


def with_an_encrypted_note(workdir: Path, key: str) -> None:
    url = f"sqlite:///{workdir / 'data' / 'cli.db'}"
    upgrade(url)

    async def seed() -> None:
        db = Database(url)
        try:
            async with db.session() as session:
                await people.import_roster(session, parse_roster("r.csv", ROSTER.encode()))
                s01, c01 = await people.by_external_id(session, "S01"), await people.by_external_id(session, "C01")
                talk = await talks.record_talk(session, s01.id, c01.id, date(2026, 11, 2), datetime.now(timezone.utc))
                await talks.add_notes(session, talk.id, s01.id, "家里有困难，需关心", NotesCipher.from_text(key))
                await session.commit()
        finally:
            await db.dispose()

    asyncio.run(seed())


def run(workdir: Path, key: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "CADREBOT_NOTES_KEY")}
    env.update(CADREBOT_CONFIG=str(workdir / "config.yaml"), PYTHONPATH=str(PROJECT_ROOT),
               TELEGRAM_BOT_TOKEN="123456:TEST", TELEGRAM_API_BASE_URL="http://127.0.0.1:9")
    if key is not None:
        env["CADREBOT_NOTES_KEY"] = key
    return subprocess.run([*CADREBOT, "run"], cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("key", [None, "wrong", "malformed"])
def test_with_notes_stored_run_refuses_a_missing_wrong_or_malformed_key_in_one_line(workdir: Path, key: str | None) -> None:
    with_an_encrypted_note(workdir, NotesCipher.new_key())
    given = {None: None, "wrong": NotesCipher.new_key(), "malformed": "abc"}[key]
    result = run(workdir, given)
    assert result.returncode == 2, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("config error:") and "CADREBOT_NOTES_KEY" in last
    assert "Traceback" not in result.stderr and "家里有困难" not in result.stderr + result.stdout
    if given:
        assert given not in result.stderr


def test_with_the_right_key_run_gets_past_the_check(workdir: Path) -> None:
    key = NotesCipher.new_key()
    with_an_encrypted_note(workdir, key)
    result = run(workdir, key)
    # Nothing listens on 127.0.0.1:9: the bot got as far as calling Telegram.
    assert result.returncode == 1 and "cannot reach the Telegram Bot API" in result.stderr, result.stderr
    assert "CADREBOT_NOTES_KEY" not in result.stderr


def test_the_console_makes_its_own_key_readable_only_by_its_owner_and_keeps_it(workdir: Path) -> None:
    config = load_config(workdir / "config.yaml", env={})
    first, made = console_cipher(config, env={})
    assert made == workdir / "data" / "notes.key"
    assert stat.S_IMODE(made.stat().st_mode) == 0o600
    again, made_again = console_cipher(config, env={})
    assert made_again is None and again.decrypt(first.encrypt("要点")) == "要点"
    from_env, none = console_cipher(config, env={"CADREBOT_NOTES_KEY": NotesCipher.new_key()})
    assert none is None
    with pytest.raises(NotesUnreadable):
        from_env.decrypt(first.encrypt("要点"))
