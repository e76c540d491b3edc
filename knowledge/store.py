"""The live knowledge base: an immutable snapshot swapped whole on reload or upload.

Readers take ``store.snapshot`` (one attribute read, atomic in Python) and use
it for the rest of their work, so a concurrent reload can never show them a
half-built base.  A new snapshot is fully built before the swap, and a base
with errors is never swapped in, so the bot always answers from a valid base.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from knowledge.entryparse import decode, parse_file
from knowledge.loader import (
    LoadResult, bad_name_issue, base_folder, is_safe_yaml_name, load_base, read_source, validate_edit,
    validate_replacement, yaml_files,
)
from knowledge.lexicon import EMPTY, Lexicon, load_lexicon
from knowledge.matcher import Matcher, MatchResult
from knowledge.normalize import normalize
from knowledge.quiz import QuizItem, QuizLoad, load_quiz
from knowledge.readings import ReadingLoad, load_readings
from knowledge.schema import Entry, KbIssue
from knowledge.settings import KnowledgeSettings
from knowledge.yamledit import add_alternate_text

BACKUP_DIR = ".backup"


@dataclass(frozen=True)
class Snapshot:
    """One consistent version of the base: its entries, their index, the quiz bank written from
    them (every item's entry is among `entries`), and when it was loaded."""

    entries: Mapping[str, Entry]
    matcher: Matcher
    loaded_at: datetime
    quiz: Mapping[str, QuizItem] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def build(
        cls, entries: Sequence[Entry], settings: KnowledgeSettings, lexicon: Lexicon = EMPTY,
        quiz: Sequence[QuizItem] = (),
    ) -> Snapshot:
        by_id = MappingProxyType({e.id: e for e in entries})
        items = MappingProxyType({i.id: i for i in quiz if i.entry in by_id})
        return cls(by_id, Matcher.build(entries, settings.match_settings, lexicon), datetime.now(UTC), items)


class KnowledgeStore:
    """Holds the current snapshot; reload and install replace it only with a valid one."""

    def __init__(
        self, paths: Sequence[Path | str], settings: KnowledgeSettings | None = None,
        synonym_paths: Sequence[Path | str] = (), quiz_paths: Sequence[Path | str] = (),
        reading_paths: Sequence[Path | str] = (),
    ) -> None:
        self.paths = [Path(p) for p in paths]
        self.synonym_paths = [Path(p) for p in synonym_paths]
        self.quiz_paths = [Path(p) for p in quiz_paths]
        self.reading_paths = [Path(p) for p in reading_paths]
        # The week's readings served (knowledge/readings.py), and the files as last read: readings
        # with problems are not taken (all or nothing); those served before stay, and the problems
        # are reported (start-up refuses them; /reload says why nothing changed).
        self.readings = ReadingLoad(())
        self.last_readings = ReadingLoad(())
        # The quiz bank as last read: its problems are reported (start-up, /reload), never block the base.
        self.last_quiz = QuizLoad(())
        self.settings = settings or KnowledgeSettings()
        self.lexicon = EMPTY
        self._write_lock = threading.Lock()  # one reload/install at a time; readers never wait
        self.snapshot = Snapshot.build((), self.settings)
        # What the files (base, synonyms and quiz bank) held when the served snapshot was read from them:
        # other instances compare theirs with it to know whether they serve the same base.
        self.fingerprint = ""
        self.last_load: LoadResult = self.reload()

    def match(self, query: str, top: int = 3) -> MatchResult:
        return self.snapshot.matcher.match(query, top)

    def get(self, entry_id: str) -> Entry | None:
        return self.snapshot.entries.get(entry_id)

    def reload(self) -> LoadResult:
        """Re-read the files; swap in the new base only if it has no errors."""
        with self._write_lock:
            return self._load_and_swap()

    def disk_fingerprint(self) -> str:
        """The fingerprint of the files as they are on disk now (cheap: hashing, no parsing)."""
        return files_fingerprint([*self.paths, *self.synonym_paths, *self.quiz_paths, *self.reading_paths])

    def install_file(self, filename: str, content: bytes) -> LoadResult:
        """Validate ``content`` as ``filename`` against the whole base; if sound, back up, write, swap."""
        with self._write_lock:
            folder = base_folder(self.paths)
            if not is_safe_yaml_name(filename):
                return LoadResult((), [bad_name_issue(filename)])
            result = validate_replacement(self.paths, filename, content)
            if not result.ok:
                return result
            target = folder / filename
            backup_file(target)
            write_atomically(target, content)
            return self._load_and_swap()  # what is on disk now is what we serve

    def add_alternate(self, entry_id: str, text: str) -> LoadResult:
        """Append ``text`` to the entry's ``alternates`` in its YAML file, as a text edit that
        keeps the admin's comments and layout; validate the whole base as it would be, and only
        then back up, write and swap (as install_file does). Refusals are KbIssues."""
        wording = " ".join(text.split())
        with self._write_lock:
            entry = self.snapshot.entries.get(entry_id)
            if entry is None:
                return _refused("", entry_id, f"no entry with id {entry_id!r} in the live base", "unknown_entry")
            if not normalize(wording):
                return _refused(entry.file, entry_id, "the alternate has no letters or digits", "alternate_empty")
            if is_phrasing_of(entry, wording):
                return _refused(entry.file, entry_id, f"{wording!r} is already a phrasing of the entry",
                                "alternate_exists", {"text": wording})
            target = Path(entry.file)
            planned = _edited_file(target, entry_id, wording)
            if isinstance(planned, KbIssue):
                return LoadResult((), [planned])
            before, content = planned
            result = validate_edit(self.paths, target, content)
            if not result.ok:
                return result
            if not _adds_only(before, result.entries, entry.file, entry_id, wording):
                return _refused(entry.file, entry_id, "the edit would change more than the alternates", "edit_failed")
            backup_file(target)
            write_atomically(target, content)
            return self._load_and_swap()  # what is on disk now is what we serve

    def _load_and_swap(self) -> LoadResult:
        """Read base and synonyms and swap them in if both are sound (caller holds the lock).

        The fingerprint is taken before the files are read: should they change in between, it
        is the older one, so the next comparison with a newer version reloads again rather
        than wrongly finding this instance up to date."""
        fingerprint = self.disk_fingerprint()
        result = load_base(self.paths)
        vocabulary = load_lexicon(self.synonym_paths, self.settings.out_of_scope)
        if not vocabulary.ok:
            result = replace(result, errors=[*result.errors, *vocabulary.errors])
        self.last_load = result
        if result.ok:
            self.lexicon = vocabulary.lexicon
            quiz = self._quiz_for(result.entries)
            self.snapshot = Snapshot.build(result.entries, self.settings, self.lexicon, quiz)
            self.last_readings = load_readings(self.reading_paths)
            if self.last_readings.ok:
                self.readings = self.last_readings
            self.fingerprint = fingerprint
        return result

    def _quiz_for(self, entries: Sequence[Entry]) -> Sequence[QuizItem]:
        """The quiz bank checked against the base about to be served. A bank with problems is
        not taken (all or nothing, as for the base): the items served before stay, those whose
        entry is still there (Snapshot.build drops the rest), and the problems are kept in
        `last_quiz` for start-up and /reload to report. The quiz never stops the base."""
        if not self.quiz_paths:
            self.last_quiz = QuizLoad(())
            return ()
        self.last_quiz = load_quiz(self.quiz_paths, entries)
        return self.last_quiz.items if self.last_quiz.ok else tuple(self.snapshot.quiz.values())


def files_fingerprint(paths: Sequence[Path]) -> str:
    """SHA-256 over the names and bytes of the files the paths stand for, as the loaders pick
    them (a folder's ``*.yaml``; backups and temp files are not among them). A missing or
    unreadable file counts as its name alone, so it still changes the fingerprint."""
    digest = hashlib.sha256()
    for path in (f for p in paths for f in yaml_files(Path(p))):
        digest.update(str(path.name).encode() + b"\0")
        try:
            data = path.read_bytes()
        except OSError:
            digest.update(b"missing\0")
            continue
        digest.update(str(len(data)).encode() + b"\0" + data)
    return digest.hexdigest()


def is_phrasing_of(entry: Entry, text: str) -> bool:
    """Whether ``text`` asks the entry's question or an alternate, once normalised."""
    wanted = normalize(text)
    return any(normalize(p) == wanted for p in entry.phrasings)


def _refused(file: str, entry_id: str | None, message: str, code: str, params: dict | None = None) -> LoadResult:
    return LoadResult((), [KbIssue(file, None, entry_id, message, code, params or {})])


def _edited_file(target: Path, entry_id: str, wording: str) -> tuple[list[Entry], bytes] | KbIssue:
    """The file's entries as they are on disk, and its bytes with the alternate added."""
    source = read_source(target)
    if source.data is None:
        return source.issue()
    text, issue = decode(source.name, source.data)
    if issue is not None or text is None:
        return issue or source.issue()
    edited = add_alternate_text(text, entry_id, wording)
    if edited is None:
        return KbIssue(source.name, None, entry_id, "cannot find where to add the alternate in the file", "edit_failed")
    bom = "\ufeff" if source.data.startswith(b"\xef\xbb\xbf") else ""
    return parse_file(source.name, source.data).entries, (bom + edited).encode("utf-8")


def _adds_only(before: list[Entry], after: tuple[Entry, ...], file: str, entry_id: str, wording: str) -> bool:
    """The edited file holds the same entries, but for one more alternate on one of them."""
    def comparable(entries: object) -> dict[str, Entry]:
        return {e.id: replace(e, line=0) for e in entries if e.file == file}  # type: ignore[attr-defined]

    old, new = comparable(before), comparable(after)
    if entry_id not in old or old.keys() != new.keys():
        return False
    expected = replace(old[entry_id], alternates=(*old[entry_id].alternates, wording))
    return new[entry_id] == expected and all(new[i] == old[i] for i in old if i != entry_id)


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
