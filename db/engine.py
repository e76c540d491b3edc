"""Engines and sessions: one async engine for the bot, URLs normalised for each driver."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def async_url(url: str) -> str:
    """The asyncio driver for a URL: aiosqlite for SQLite, psycopg (3) for PostgreSQL."""
    parsed = make_url(url)
    driver = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+psycopg"}.get(parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False) if driver else url


def sync_url(url: str) -> str:
    """The blocking driver for a URL, used by Alembic and one-shot CLI work."""
    parsed = make_url(url)
    driver = {"sqlite+aiosqlite": "sqlite", "postgresql": "postgresql+psycopg"}.get(parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False) if driver else url


def with_search_path(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use `schema` first: isolated schemas for tests and benches."""
    return make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@contextmanager
def scratch_schema(base_url: str, prefix: str = "scratch") -> Iterator[str]:
    """A fresh PostgreSQL schema for one test or bench run, dropped afterwards; yields its URL."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sync_url(base_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_search_path(base_url, schema)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def ensure_sqlite_folder(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def _tune_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # WAL lets the console, the CLI and the bot read while one of them writes; the busy
    # timeout turns a momentary lock into a short wait instead of an error.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


class Database:
    """Owns the async engine and hands out sessions; the only place sessions are made."""

    def __init__(self, url: str, echo: bool = False, pool_size: int | None = None) -> None:
        """`pool_size`: connections kept open at most (None: SQLAlchemy's 5, plus 10 more at
        need). The bot sizes it to what runs at once (updates + fan-out sends + a few), so an
        update never waits for a connection a fan-out holds; a quarter more at need, and no
        further, so two instances stay within a known share of PostgreSQL's max_connections."""
        ensure_sqlite_folder(url)
        self.url = url
        # A ping before each checkout guards against server restarts; a SQLite file has none.
        pre_ping = make_url(url).get_backend_name() != "sqlite"
        sizing = {"pool_size": pool_size, "max_overflow": pool_size // 4} if pool_size else {}
        self.engine: AsyncEngine = create_async_engine(async_url(url), echo=echo, pool_pre_ping=pre_ping, **sizing)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _tune_sqlite)
        self._sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
