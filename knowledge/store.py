"""The live knowledge base: an immutable snapshot swapped whole on reload or upload.

Readers take ``store.snapshot`` (one attribute read, atomic in Python) and use
it for the rest of their work, so a concurrent reload can never show them a
half-built base.  A new snapshot is fully built before the swap, and a base
with errors is never swapped in, so the bot always answers from a valid base.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from knowledge.loader import LoadResult, base_folder, is_safe_yaml_name, load_base, validate_replacement
from knowledge.matcher import Matcher, MatchResult
from knowledge.schema import Entry, KbIssue
from knowledge.settings import KnowledgeSettings

BACKUP_DIR = ".backup"


@dataclass(frozen=True)
class Snapshot:
    """One consistent version of the base: its entries, their index, and when it was loaded."""

    entries: Mapping[str, Entry]
    matcher: Matcher
    loaded_at: datetime

    @classmethod
    def build(cls, entries: Sequence[Entry], settings: KnowledgeSettings) -> Snapshot:
        by_id = MappingProxyType({e.id: e for e in entries})
        return cls(by_id, Matcher.build(entries, settings.match_settings), datetime.now(UTC))


class KnowledgeStore:
    """Holds the current snapshot; reload and install replace it only with a valid one."""

    def __init__(self, paths: Sequence[Path | str], settings: KnowledgeSettings | None = None) -> None:
        self.paths = [Path(p) for p in paths]
        self.settings = settings or KnowledgeSettings()
        self._write_lock = threading.Lock()  # one reload/install at a time; readers never wait
        self.snapshot = Snapshot.build((), self.settings)
        self.last_load: LoadResult = self.reload()

    def match(self, query: str, top: int = 3) -> MatchResult:
        return self.snapshot.matcher.match(query, top)

    def get(self, entry_id: str) -> Entry | None:
        return self.snapshot.entries.get(entry_id)

    def reload(self) -> LoadResult:
        """Re-read the files; swap in the new base only if it has no errors."""
        with self._write_lock:
            result = load_base(self.paths)
            self._swap_if_ok(result)
            return result

    def install_file(self, filename: str, content: bytes) -> LoadResult:
        """Validate ``content`` as ``filename`` against the whole base; if sound, back up, write, swap."""
        with self._write_lock:
            folder = base_folder(self.paths)
            if not is_safe_yaml_name(filename):
                issue = KbIssue(filename, None, None, "file name must be a plain name ending in .yaml")
                return LoadResult((), [issue])
            result = validate_replacement(self.paths, filename, content)
            if not result.ok:
                return result
            target = folder / filename
            backup_file(target)
            write_atomically(target, content)
            result = load_base(self.paths)  # what is on disk now is what we serve
            self._swap_if_ok(result)
            return result

    def _swap_if_ok(self, result: LoadResult) -> None:
        self.last_load = result
        if result.ok:
            self.snapshot = Snapshot.build(result.entries, self.settings)


def backup_file(target: Path) -> Path | None:
    """Copy ``target`` into ``<folder>/.backup/<name>.<UTC timestamp>``; None if there was nothing to keep."""
    if not target.exists():
        return None
    backups = target.parent / BACKUP_DIR
    backups.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    destination = backups / f"{target.name}.{stamp}"
    shutil.copy2(target, destination)
    return destination


def write_atomically(target: Path, content: bytes) -> None:
    """Write via a temp file in the same folder and ``os.replace``: readers see old or new, never half."""
    fd, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
