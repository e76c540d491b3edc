"""Knowledge versions: one row per knowledge change, read by every instance to know when to reload.

The check every few seconds is one primary-key lookup (the newest row), cheap on any database.
Ids only grow (rows are pruned from the oldest end, never the newest), so "newer than the last
one I acted on" is a comparison of ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import KnowledgeVersion

# Enough history to read back what changed lately; the table never grows past it.
KEEP_VERSIONS = 100


@dataclass(frozen=True)
class PublishedVersion:
    id: int
    fingerprint: str
    reason: str
    instance: str
    published_at: datetime


async def publish(session: AsyncSession, fingerprint: str, reason: str, instance: str, now: datetime) -> int:
    """Record a change that is on disk already; returns its version id. The caller commits."""
    row = KnowledgeVersion(fingerprint=fingerprint, reason=reason[:40], instance=instance[:80], published_at=now)
    session.add(row)
    await session.flush()
    await session.execute(delete(KnowledgeVersion).where(KnowledgeVersion.id <= row.id - KEEP_VERSIONS))
    return row.id


async def latest(session: AsyncSession) -> PublishedVersion | None:
    """The newest version, or None before the first change was ever published."""
    row = (await session.execute(
        select(KnowledgeVersion).order_by(KnowledgeVersion.id.desc()).limit(1)
    )).scalar_one_or_none()
    if row is None:
        return None
    return PublishedVersion(row.id, row.fingerprint, row.reason, row.instance, row.published_at)
