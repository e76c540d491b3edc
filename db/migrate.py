"""Alembic, driven from code: the bot and `cadrebot db upgrade` apply migrations the same way.

Several processes may start together (two bot instances, the CLI beside them), so an upgrade
runs under a lock that only one of them holds at a time; the others wait, then find the schema
at head and do nothing. On PostgreSQL the lock is an advisory lock taken on a connection of its
own (released by the server if the process dies); on SQLite it is an exclusive lock on a file
beside the database. Without it, two upgrades of an empty PostgreSQL database both issue the
first CREATE TABLE and one fails (UniqueViolation on pg_type_typname_nsp_index).
"""

from __future__ import annotations

import logging
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import make_url

from db.engine import ensure_sqlite_folder, sync_url

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# pg_advisory_lock(int4, int4): this constant names "cadrebot migrations"; the second key is
# derived from the schema, so databases in different schemas (tests, benches) do not wait for
# one another.
ADVISORY_LOCK_CLASS = 0x63_61_64_72  # "cadr"
SQLITE_LOCK_SUFFIX = ".migrate-lock"


def alembic_config(url: str) -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = sync_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema up to date; safe to run on every start, from several processes at once."""
    ensure_sqlite_folder(url)
    with migration_lock(url):
        command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the schema back to `revision` ("base": nothing), under the same lock as upgrade."""
    with migration_lock(url):
        command.downgrade(alembic_config(url), revision)


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """Hold the lock that serialises schema changes on the database at `url`."""
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        with _advisory_lock(url):
            yield
    elif backend == "sqlite" and (path := sqlite_file(url)) is not None:
        with _file_lock(path.with_name(path.name + SQLITE_LOCK_SUFFIX)):
            yield
    else:  # an in-memory SQLite database belongs to one process: nothing to share
        yield


def sqlite_file(url: str) -> Path | None:
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


@contextmanager
def _advisory_lock(url: str) -> Iterator[None]:
    # AUTOCOMMIT: the lock is held by the session, and the connection that holds it must not sit
    # "idle in transaction" while the migration runs on another connection.
    engine = create_engine(sync_url(url), poolclass=pool.NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one() or "public"
            keys = {"cls": ADVISORY_LOCK_CLASS, "obj": _int4(zlib.crc32(schema.encode()))}
            got = connection.execute(text("SELECT pg_try_advisory_lock(:cls, :obj)"), keys).scalar_one()
            if not got:
                log.info("another process is migrating the database (schema %s): waiting for it", schema)
                connection.execute(text("SELECT pg_advisory_lock(:cls, :obj)"), keys)
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:cls, :obj)"), keys)
    finally:
        engine.dispose()


def _int4(value: int) -> int:
    """An unsigned 32-bit value as the signed int4 PostgreSQL expects."""
    return value - (1 << 32) if value >= 1 << 31 else value


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    # The file is left in place afterwards: removing a lock file races with the next locker.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _lock_file(fd, path)
        try:
            yield
        finally:
            _unlock_file(fd)
    finally:
        os.close(fd)


if os.name == "nt":  # pragma: no cover - dev.py supports Windows; the bot runs on POSIX
    import msvcrt
    import time

    def _lock_file(fd: int, path: Path) -> None:
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return
            except OSError:
                time.sleep(0.2)

    def _unlock_file(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock_file(fd: int, path: Path) -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another process is migrating %s: waiting for it", path.name.removesuffix(SQLITE_LOCK_SUFFIX))
            fcntl.flock(fd, fcntl.LOCK_EX)

    def _unlock_file(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
