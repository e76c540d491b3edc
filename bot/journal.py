"""The send journal: a local append-only record of a batch's progress that outlives a killed
process, so a restart knows exactly which claimed deliveries went out.

Deliveries are marked in the database a batch at a time (a commit per message would cost
more than the send itself). The journal fills the gap: the batch's claimed ids, then for
each message an attempt line before the request and a sent line after Telegram accepted
it. After a crash, sent rows are marked sent, never-attempted rows go back to pending and
are sent by the next tick, and the few whose request was in flight at the moment of death
become `uncertain`: never resent, so never duplicated. Plain writes survive a killed
process (the kernel keeps them); after a power loss the rows stay `sending`, later
`uncertain`. Only this machine's journal is read: rows another machine claimed are left alone.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class JournalState:
    claimed: set[int] = field(default_factory=set)
    attempted: set[int] = field(default_factory=set)
    sent: set[int] = field(default_factory=set)

    @property
    def unattempted(self) -> set[int]:
        return self.claimed - self.attempted - self.sent

    @property
    def in_flight(self) -> set[int]:
        return self.attempted - self.sent


class BatchJournal:
    """The journal file of one batch, open only while the batch is in flight."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def claimed(self, ids: Iterable[int]) -> None:
        self._write(b"".join(b"c%d\n" % i for i in ids))

    def attempt(self, delivery_id: int) -> None:
        self._write(b"a%d\n" % delivery_id)

    def sent(self, delivery_id: int) -> None:
        self._write(b"s%d\n" % delivery_id)

    def clear(self) -> None:
        """The database has recorded the batch."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self.path.unlink(missing_ok=True)

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(self._fd, data)


class SendJournal:
    """This machine's journals for one database: one file per batch in flight."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.prefix = f"send-{hashlib.sha256(database_url.encode()).hexdigest()[:16]}-"

    def batch(self, first_id: int) -> BatchJournal:
        return BatchJournal(self.folder / f"{self.prefix}{first_id}.journal")

    def leftovers(self) -> list[tuple[BatchJournal, JournalState]]:
        """Batches a killed process left behind, with what each got to."""
        if not self.folder.is_dir():
            return []
        return [(BatchJournal(path), read_state(path)) for path in sorted(self.folder.glob(f"{self.prefix}*.journal"))]


def read_state(path: Path) -> JournalState:
    """What a batch got to (a torn last line is ignored)."""
    state = JournalState()
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return state
    sets = {ord("c"): state.claimed, ord("a"): state.attempted, ord("s"): state.sent}
    for line in content.split(b"\n"):
        if len(line) > 1 and line[0] in sets and line[1:].isdigit():
            sets[line[0]].add(int(line[1:]))
    return state
