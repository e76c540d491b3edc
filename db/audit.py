"""The audit log: who changed what, and when.

Any feature that changes shared state on someone's say-so (knowledge edits and uploads,
roster imports, voids, unbinds, invite exports and renewals) records one row here in the same
transaction as the change, so the log and the change commit or roll back together.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry, Person

MAX_ACTION_CHARS = 40
MAX_DETAIL_CHARS = 1000


def detail_text(detail: str | Mapping[str, object]) -> str:
    """A mapping becomes compact JSON (Chinese kept readable); text is kept as it is. Either is
    cut to the column's length: the log must never make the change it records fail."""
    text = detail if isinstance(detail, str) else json.dumps(dict(detail), ensure_ascii=False, separators=(",", ":"))
    return text[:MAX_DETAIL_CHARS]


async def record(
    session: AsyncSession, actor_id: int | None, action: str, detail: str | Mapping[str, object], at: datetime,
) -> AuditEntry:
    """Add one row; ``actor_id`` None means the command line (no person behind it)."""
    if not action or len(action) > MAX_ACTION_CHARS:
        raise ValueError(f"audit action must be 1-{MAX_ACTION_CHARS} characters: {action!r}")
    entry = AuditEntry(actor_id=actor_id, action=action, detail=detail_text(detail), at=at)
    session.add(entry)
    await session.flush()
    return entry


async def recent(
    session: AsyncSession, limit: int = 50, *, since: datetime | None = None, action_prefix: str | None = None,
) -> list[AuditEntry]:
    """The newest rows first, optionally since a moment and for actions starting with a prefix
    (``"kb."`` for everything done to the knowledge base)."""
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if action_prefix:
        query = query.where(AuditEntry.action.startswith(action_prefix, autoescape=True))
    return list((await session.scalars(query)).all())


@dataclass(frozen=True)
class AuditLine:
    """One row as /audit and `cadrebot audit` show it: the actor by name, not by id."""

    at: datetime
    actor_name: str | None  # None: the command line
    actor_external_id: str | None
    action: str
    detail: str


async def lines_since(session: AsyncSession, since: datetime, *, limit: int, offset: int = 0) -> list[AuditLine]:
    """The newest rows since a moment, a page at a time, each with its actor's name."""
    query = (
        select(AuditEntry.at, Person.name, Person.external_id, AuditEntry.action, AuditEntry.detail)
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .where(AuditEntry.at >= since)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit).offset(offset)
    )
    return [AuditLine(*row) for row in (await session.execute(query)).all()]
