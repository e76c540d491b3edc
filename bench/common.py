"""What every bench script shares: throwaway databases, timing, and the PASS/FAIL line."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from db.engine import scratch_schema  # noqa: E402


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


@contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as folder:
        yield f"sqlite:///{folder}/bench.db"


def postgres_schema(base: str):  # type: ignore[no-untyped-def]
    """A fresh schema on the server, dropped afterwards; yields the URL that uses it."""
    return scratch_schema(base, prefix="bench")


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
