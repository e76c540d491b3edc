"""What every bench script shares: throwaway databases, timing, and the PASS/FAIL line."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.engine import with_search_path  # noqa: E402


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/bench.db"


@contextmanager
def postgres_schema(base: str) -> Iterator[str]:
    """A fresh schema on the server, dropped afterwards; yields the URL that uses it."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.replace("+asyncpg", "+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield with_search_path(base, schema)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


async def median_ms(runs: int, work: Callable[[], Awaitable[object]]) -> float:
    """Median wall time of `work` in ms, after a warm-up of a tenth of the runs."""
    for _ in range(max(5, runs // 10)):
        await work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def roster_yaml(count: int, units: int = 7, prefix: str = "B") -> bytes:
    """A roster of `count` cadres spread over `units` units."""
    lines = [f'- {{id: "{prefix}{i:05d}", name: "干部{i}", unit: "科{i % units}", roles: cadre}}' for i in range(count)]
    return "\n".join(lines).encode()
