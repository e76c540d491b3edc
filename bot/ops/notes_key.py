"""The talk-notes key at start: read from the environment, checked against the notes stored.

The key lives only in $CADREBOT_NOTES_KEY (never in config.yaml or the repository). With
notes in the database, `cadrebot run` refuses to start without the key that opens them: one
line, exit 2, like a bad config; a bot that started anyway would show supervisors
"unreadable" and could not keep their new notes. Notes written before encryption (marked
'plain' by migration 0007) are encrypted here, once the key is present.

The offline console has no operator to set a key: it keeps its own in data/notes.key
(file mode 0600, beside the demo database; data/ is not in the repository).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from pathlib import Path

from bot.config import Config, ConfigError
from db import talks
from db.engine import Database
from db.notes_crypto import KEY_ENV, NotesCipher

log = logging.getLogger(__name__)

CONSOLE_KEY_FILE = "data/notes.key"


class NotesKeyError(ConfigError):
    """The notes key is malformed, missing while notes exist, or does not open them."""


def cipher_from_env(env: Mapping[str, str] | None = None) -> NotesCipher | None:
    text = (os.environ if env is None else env).get(KEY_ENV, "").strip()
    if not text:
        return None
    try:
        return NotesCipher.from_text(text)
    except ValueError as error:
        raise NotesKeyError(str(error)) from None


async def prepare_notes(db: Database, cipher: NotesCipher | None) -> int:
    """Refuse a key that cannot serve the stored notes; encrypt notes stored before
    encryption. Returns how many were encrypted now."""
    async with db.session() as session:
        if not await talks.notes_stored(session):
            return 0
        if cipher is None:
            raise NotesKeyError(
                f"talk notes are stored in the database but {KEY_ENV} is not set: "
                "set it to the key they were written with (see README, the notes key)"
            )
        if not await talks.key_opens_stored_notes(session, cipher):
            raise NotesKeyError(
                f"{KEY_ENV} does not decrypt the talk notes stored in the database: "
                "set it to the key they were written with (several keys may be given, separated by commas)"
            )
        encrypted = await talks.encrypt_plain_notes(session, cipher)
        await session.commit()
    if encrypted:
        log.info("encrypted %d talk notes written before notes were encrypted", encrypted)
    return encrypted


def check_notes_key(config: Config, cipher: NotesCipher | None) -> int:
    """prepare_notes before the bot's own event loop exists, on an engine of its own."""

    async def run() -> int:
        db = Database(config.database_url)
        try:
            return await prepare_notes(db, cipher)
        finally:
            await db.dispose()

    return asyncio.run(run())


def console_cipher(config: Config, env: Mapping[str, str] | None = None) -> tuple[NotesCipher, Path | None]:
    """The console's key: $CADREBOT_NOTES_KEY when set, else its own key file, made on first
    use (the path is returned when it was just made, so the console can say so)."""
    cipher = cipher_from_env(env)
    if cipher is not None:
        return cipher, None
    path = config.resolve(CONSOLE_KEY_FILE)
    if path.exists():
        return _read_key_file(path), None
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(NotesCipher.new_key() + "\n")
    return _read_key_file(path), path


def _read_key_file(path: Path) -> NotesCipher:
    try:
        return NotesCipher.from_text(path.read_text(encoding="ascii"))
    except (ValueError, UnicodeDecodeError):
        raise NotesKeyError(f"{path}: not a notes key (delete it to have the console make a new one)") from None
