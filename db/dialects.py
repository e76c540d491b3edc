"""Where SQLite and PostgreSQL need different SQL for the same thing, in one place."""

from __future__ import annotations

import asyncio
import json
import weakref
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from functools import lru_cache

from sqlalchemy import ColumnElement, Insert, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


def insert_ignoring_conflicts(session: AsyncSession, model: type) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING for the dialect in use (SQLite and PostgreSQL both have it)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(model).on_conflict_do_nothing()


def insert_or_add(session: AsyncSession, model: type, keys: tuple[str, ...], adding: tuple[str, ...]) -> Insert:
    """INSERT a row, or, when a row with the same `keys` exists, add the `adding` columns'
    values to it: a running total kept in one statement (SQLite ≥ 3.24 and PostgreSQL alike).
    Execute it with the row as parameters; it is built once per dialect and model (the hot
    path of every study log)."""
    return _insert_or_add(session.get_bind().dialect.name, model, keys, adding)


@lru_cache(maxsize=16)
def _insert_or_add(dialect: str, model: type, keys: tuple[str, ...], adding: tuple[str, ...]) -> Insert:
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
    return insert.on_conflict_do_update(
        index_elements=list(keys),
        set_={name: getattr(model, name) + getattr(insert.excluded, name) for name in adding},
    )


_SQLITE_WRITERS: "weakref.WeakKeyDictionary[object, asyncio.Lock]" = weakref.WeakKeyDictionary()


@asynccontextmanager
async def one_writer_at_a_time(session: AsyncSession) -> AsyncIterator[None]:
    """On SQLite, this process's hot writers take turns, first come first served, around their
    write and its commit. SQLite has one writer at a time anyway, but a writer that finds the
    file locked polls (busy_timeout) with sleeps growing to 100 ms: sixteen 签到 at once then
    wait by luck, not by turn, and the unlucky one for seconds. PostgreSQL locks rows: no turn.
    The turn also keeps the reads of a check-in (token, the day's cap) and its writes together,
    as the person's row lock does on PostgreSQL."""
    engine = session.get_bind()
    if engine.dialect.name != "sqlite":
        yield
        return
    lock = _SQLITE_WRITERS.get(engine)
    if lock is None:
        lock = _SQLITE_WRITERS[engine] = asyncio.Lock()
    async with lock:
        yield


def among(session: AsyncSession, column: ColumnElement[int], ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN ids`, the ids bound as one parameter: a PostgreSQL array, or a JSON array
    that SQLite's json_each unpacks.

    A plain IN list binds every id on its own; for a fan-out batch of 2,000 people psycopg
    then spends about 6 µs an id compiling and splitting the statement (five times the
    query), and SQLite caps the number of binds. One parameter has neither cost nor cap.
    """
    values = [int(value) for value in ids]  # JSON has no affinity: '5' would not match 5
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    unpacked = func.json_each(json.dumps(values)).table_valued("value")
    return column.in_(select(unpacked.c.value))
