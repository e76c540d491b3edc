"""Roster files waiting for the admin's decision (import in full, additions only, or cancel).

The preview's buttons carry only the row id. Deciding is one conditional UPDATE, so of two
presses (or two instances handling them) exactly one wins, and the other is told it is done.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import RosterUpload

# Decided or abandoned rows are forgotten after this; an older button is then simply stale.
KEEP_DAYS = 30
DECISIONS = ("full", "update", "cancelled", "expired")


async def save(
    session: AsyncSession, uploader_id: int, filename: str, content: bytes, fingerprint: str, now: datetime,
    stale_before: datetime,
) -> RosterUpload:
    """Keep an uploaded file for its preview. On the way, files whose preview ran out (created
    before `stale_before`) are dropped (a roster is personal data: kept no longer than needed),
    and rows older than KEEP_DAYS forgotten."""
    await session.execute(
        update(RosterUpload)
        .where(RosterUpload.decided_at.is_(None), RosterUpload.created_at < stale_before)
        .values(decided_at=now, decision="expired", content=b"")
        .execution_options(synchronize_session=False)
    )
    await session.execute(delete(RosterUpload).where(RosterUpload.created_at < now - timedelta(days=KEEP_DAYS)))
    upload = RosterUpload(
        uploader_id=uploader_id, filename=filename[:200], content=content, fingerprint=fingerprint, created_at=now,
    )
    session.add(upload)
    await session.flush()
    return upload


async def get(session: AsyncSession, upload_id: int) -> RosterUpload | None:
    return await session.get(RosterUpload, upload_id)


async def decide(session: AsyncSession, upload: RosterUpload, decision: str, now: datetime) -> bool:
    """Mark the upload decided, unless someone already did; the file itself is dropped."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    result = await session.execute(
        update(RosterUpload)
        .where(RosterUpload.id == upload.id, RosterUpload.decided_at.is_(None))
        .values(decided_at=now, decision=decision, content=b"")
        .execution_options(synchronize_session=False)
    )
    await session.refresh(upload)  # either way: the loser learns what the winner decided
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def refingerprint(session: AsyncSession, upload: RosterUpload, fingerprint: str) -> None:
    """The roster changed since the preview: the re-shown preview is what a press now confirms."""
    upload.fingerprint = fingerprint
    await session.flush()
