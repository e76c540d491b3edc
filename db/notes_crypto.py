"""Talk notes at rest: Fernet (AES-128-CBC with an HMAC-SHA256, from the `cryptography`
package) under a key the operator keeps outside the database and the repository.

Why Fernet: it authenticates, so a wrong key is told apart from a right one (start-up can
refuse a key that does not open the stored notes) and a tampered row never decrypts to
garbage; its tokens are ASCII, so they fit the existing Text column on both databases.
The key (CADREBOT_NOTES_KEY) may list several keys separated by commas: the first
encrypts, any decrypts, so a new key can be introduced without losing older notes.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

# How a row's `notes` is stored (talks.notes_format).
FERNET = "fernet"
PLAIN = "plain"  # written before notes were encrypted; encrypted at start once a key is set

KEY_ENV = "CADREBOT_NOTES_KEY"


class NotesUnreadable(Exception):
    """The stored notes do not open with this key (a different key, or a damaged row)."""


class NotesCipher:
    """Encrypts and decrypts talk notes; never logs or keeps the plaintext."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise ValueError("no key")
        self._fernet = MultiFernet([Fernet(key) for key in keys])

    @classmethod
    def from_text(cls, text: str) -> NotesCipher:
        """`key` or `newkey,oldkey`; ValueError (naming no key material) for anything else."""
        parts = [part.strip() for part in text.split(",") if part.strip()]
        try:
            return cls([part.encode("ascii") for part in parts])
        except (ValueError, UnicodeEncodeError):
            raise ValueError(
                f"{KEY_ENV} is not a Fernet key (32 url-safe base64-encoded bytes, or several separated by commas)"
            ) from None

    @classmethod
    def generate(cls) -> NotesCipher:
        return cls([Fernet.generate_key()])

    @staticmethod
    def new_key() -> str:
        return Fernet.generate_key().decode("ascii")

    def encrypt(self, notes: str) -> str:
        return self._fernet.encrypt(notes.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str) -> str:
        try:
            return self._fernet.decrypt(stored.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise NotesUnreadable() from None
