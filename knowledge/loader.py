"""Load and validate the whole knowledge base from files and folders of ``*.yaml``.

Validation is all-or-nothing at the level of the base: a reload or an upload
is accepted only when every file is sound, so the checks that span files
(duplicate ids, dangling ``related`` links) run over the full set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from knowledge.dupes import near_duplicate_warnings
from knowledge.entryparse import parse_file
from knowledge.gcpause import gc_paused
from knowledge.schema import Entry, KbIssue

MAX_FILE_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class LoadResult:
    """Entries that passed, and every problem found; ``ok`` means no errors."""

    entries: tuple[Entry, ...]
    errors: list[KbIssue] = field(default_factory=list)
    warnings: list[KbIssue] = field(default_factory=list)
    files: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class Source:
    """One file's display name (as it appears in messages) and its raw bytes, or why it is unreadable.

    ``problem`` is the English reason; ``code`` and ``params`` the same as data (see KbIssue).
    """

    name: str
    data: bytes | None
    problem: str | None = None
    code: str = "unreadable"
    params: dict[str, str | int] = field(default_factory=dict)

    def issue(self) -> KbIssue:
        return KbIssue(self.name, None, None, self.problem or "unreadable", self.code, self.params)


_SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,100}\.yaml")


def is_safe_yaml_name(filename: str) -> bool:
    """A bare ``*.yaml`` name of plain characters: no folders, no hidden files, no escaping the base."""
    return bool(_SAFE_NAME.fullmatch(filename)) and ".." not in filename


def yaml_files(path: Path) -> list[Path]:
    """The files a configured path stands for: itself, or the folder's ``*.yaml`` (not recursive)."""
    if path.is_dir():
        return sorted(p for p in path.glob("*.yaml") if p.is_file() and not p.name.startswith("."))
    return [path]


def base_folder(paths: Sequence[Path]) -> Path:
    """Where uploads go: the first configured folder, else the folder of the first file."""
    for path in paths:
        if Path(path).is_dir():
            return Path(path)
    if not paths:
        raise ValueError("no knowledge paths configured")
    return Path(paths[0]).parent


def read_source(path: Path) -> Source:
    """Read one file, refusing oversized ones before reading them."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return _too_large(str(path), size)
        return Source(str(path), path.read_bytes())
    except FileNotFoundError:
        return Source(str(path), None, "no such file or folder", "missing_path")
    except OSError as exc:
        return Source(str(path), None, f"cannot read file: {exc.strerror or exc}", "unreadable")


def _too_large(name: str, size: int) -> Source:
    return Source(name, None, f"file is {size} bytes; the limit is {MAX_FILE_BYTES}", "too_large",
                  {"size": size, "limit": MAX_FILE_BYTES})


def bad_name_issue(name: str) -> KbIssue:
    """The refusal of an upload name that is not a plain ``*.yaml`` (it could escape the folder)."""
    return KbIssue(name, None, None, "file name must be a plain name ending in .yaml", "bad_file_name")


def load_base(paths: Sequence[Path | str]) -> LoadResult:
    """Load every configured file or folder into one validated base."""
    files = [f for p in paths for f in yaml_files(Path(p))]
    return load_sources([read_source(f) for f in files])


def validate_replacement(paths: Sequence[Path | str], filename: str, content: bytes) -> LoadResult:
    """Validate the base as it would be if ``filename`` in the base folder held ``content``."""
    folder = base_folder([Path(p) for p in paths])
    target = folder / filename
    if not is_safe_yaml_name(filename):
        return LoadResult((), [bad_name_issue(str(target))])
    return validate_edit(paths, target, content)


def validate_edit(paths: Sequence[Path | str], target: Path, content: bytes) -> LoadResult:
    """Validate the base as it would be if the file ``target`` held ``content`` (new or replaced)."""
    edited = Source(str(target), content) if len(content) <= MAX_FILE_BYTES else _too_large(str(target), len(content))
    others = [read_source(f) for p in paths for f in yaml_files(Path(p)) if not _same_file(f, target)]
    # The edited file goes last so that a clash (a duplicate id) is reported against it, not the old file.
    return load_sources([*others, edited])


def load_in_context(paths: Sequence[Path | str]) -> LoadResult:
    """Check ``paths`` as part of the folders they sit in: a file's ``related`` may name an id
    defined in a sibling file. Only the named files' entries and issues are reported; the
    siblings are there to be linked to, not checked (``kb check FOLDER`` checks them)."""
    named = [f for p in paths for f in yaml_files(Path(p))]
    folders = {Path(p).parent for p in paths if Path(p).is_file()}
    siblings = [f for d in sorted(folders) for f in yaml_files(d) if not any(_same_file(f, n) for n in named)]
    # The named files go last, so a clash with a sibling's id is reported against them.
    result = load_sources([*map(read_source, siblings), *map(read_source, named)])
    wanted = {str(f) for f in named}
    return LoadResult(
        tuple(e for e in result.entries if e.file in wanted),
        [i for i in result.errors if i.file in wanted],
        [i for i in result.warnings if i.file in wanted],
        tuple(name for name in result.files if name in wanted),
    )


def _same_file(a: Path, b: Path) -> bool:
    return a.resolve() == b.resolve()


def load_sources(sources: Sequence[Source]) -> LoadResult:
    """Parse every source, then run the checks that need the whole base."""
    with gc_paused():
        return _load_sources(sources)


def _load_sources(sources: Sequence[Source]) -> LoadResult:
    entries: list[Entry] = []
    errors: list[KbIssue] = []
    warnings: list[KbIssue] = []
    first_seen: dict[str, tuple[str, int]] = {}
    for source in sources:
        if source.data is None:
            errors.append(source.issue())
            continue
        parsed = parse_file(source.name, source.data)
        errors += parsed.errors
        warnings += parsed.warnings
        for entry_id, line in parsed.declared_ids:
            if entry_id in first_seen:
                first_file, first_line = first_seen[entry_id]
                errors.append(KbIssue(
                    source.name, line, entry_id, f"duplicate id (first defined at {first_file}:{first_line})",
                    "duplicate_id", {"first_file": first_file, "first_line": first_line}))
            else:
                first_seen[entry_id] = (source.name, line)
        entries += [e for e in parsed.entries if first_seen.get(e.id) == (e.file, e.line)]
    errors += _dangling_related(entries, set(first_seen))
    warnings += _coded_near_duplicates(near_duplicate_warnings(entries))
    return LoadResult(tuple(entries), errors, warnings, tuple(s.name for s in sources))


def _dangling_related(entries: Sequence[Entry], known_ids: set[str]) -> list[KbIssue]:
    return [
        KbIssue(e.file, e.line, e.id, f"'related' names unknown id {r!r}", "dangling_related", {"target": r})
        for e in entries
        for r in e.related
        if r not in known_ids
    ]


_NEAR_DUPLICATE = re.compile(r" of (?P<other>[a-z0-9-]+) \([^()]*\); the matcher cannot tell them apart$")


def _coded_near_duplicates(warnings: list[KbIssue]) -> list[KbIssue]:
    """Give knowledge.dupes' warnings their code; the other entry's id is read back from the
    message (dupes.py words it for the CLI and names the other file by its server path)."""
    coded = []
    for warning in warnings:
        found = _NEAR_DUPLICATE.search(warning.message)
        params = {"other": found["other"]} if found else {}
        coded.append(replace(warning, code="near_duplicate", params=params))
    return coded
