"""The send journal: a local record of a batch's progress that outlives a killed process,
so a restart knows exactly which claimed deliveries went out.

Deliveries are marked in the database a batch at a time (a commit per message would cost
more than the send itself). The journal fills the gap: the batch's claimed ids, then for
each message its state byte, set to "attempted" before the request and to "sent" after
Telegram accepted it. After a crash, sent rows are marked sent, never-attempted rows go back
to pending and are sent by the next tick, and the few whose request was in flight at the
moment of death become `uncertain`: never resent, so never duplicated. Stores into a shared
file mapping survive a killed process (the kernel's page cache holds them); after a power
loss the rows stay `sending`, later `uncertain`. Only this machine's journal is read: rows
another machine claimed are left alone."""

from __future__ import annotations

import hashlib
import mmap
import os
import struct
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


_MAGIC = b"CBJ1"
_HEADER = struct.Struct("=4sq")  # magic, number of ids; native order, as the ids (a file never leaves its machine)
CLAIMED, ATTEMPTED, SENT = 0, 1, 2


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
    """The journal file of one batch, open only while the batch is in flight.

    Layout: a magic, the count n, n delivery ids (int64), then n state bytes. The ids are
    written once with the claim; each state byte is then set through a shared memory map:
    a store into the page cache, which survives a killed process like a write() does but
    costs a fraction of a system call, twice per message.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._map: mmap.mmap | None = None
        self._slots: dict[int, int] = {}

    def claimed(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        self._slots = {delivery_id: _HEADER.size + 8 * len(ids) + slot for slot, delivery_id in enumerate(ids)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, _HEADER.pack(_MAGIC, len(ids)) + array("q", ids).tobytes() + bytes(len(ids)))
            self._map = mmap.mmap(fd, 0) if ids else None
        finally:
            os.close(fd)  # the map keeps the file open

    def attempt(self, delivery_id: int) -> None:
        self._set(delivery_id, ATTEMPTED)

    def sent(self, delivery_id: int) -> None:
        self._set(delivery_id, SENT)

    def clear(self) -> None:
        """The database has recorded the batch."""
        if self._map is not None:
            self._map.close()
            self._map = None
        self.path.unlink(missing_ok=True)

    def _set(self, delivery_id: int, state: int) -> None:
        assert self._map is not None, "a batch is journaled as claimed before anything is sent"
        self._map[self._slots[delivery_id]] = state


class SendJournal:
    """This machine's journals for one database: one file per batch in flight."""

    def __init__(self, folder: Path, database_url: str) -> None:
        self.folder = folder
        self.prefix = f"send-{hashlib.sha256(database_url.encode()).hexdigest()[:16]}-"

    def batch(self, token: str) -> BatchJournal:
        return BatchJournal(self.folder / f"{self.prefix}{token}.journal")

    def leftovers(self) -> list[tuple[BatchJournal, JournalState]]:
        """Batches a killed process left behind, with what each got to."""
        if not self.folder.is_dir():
            return []
        return [(BatchJournal(path), read_state(path)) for path in sorted(self.folder.glob(f"{self.prefix}*.journal"))]


def read_state(path: Path) -> JournalState:
    """What a batch got to. A file cut short by the kill counts as far as it goes: ids whose
    state byte is missing were never attempted."""
    state = JournalState()
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        return state
    if len(content) < _HEADER.size or content[:len(_MAGIC)] != _MAGIC:
        return state  # not ours or torn before the ids: its rows stay `sending`, later `uncertain`
    _, count = _HEADER.unpack_from(content)
    ids = array("q")
    ids.frombytes(content[_HEADER.size:_HEADER.size + 8 * count])
    states = content[_HEADER.size + 8 * count:]
    for slot, delivery_id in enumerate(ids):
        mark = states[slot] if slot < len(states) else CLAIMED
        state.claimed.add(delivery_id)
        if mark >= ATTEMPTED:
            state.attempted.add(delivery_id)
        if mark == SENT:
            state.sent.add(delivery_id)
    return state
