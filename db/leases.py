"""Leadership among bot instances through a lease row: portable across SQLite and PostgreSQL.

The leader renews well before expiry; if it dies, another instance takes over once the
lease has expired (the TTL bounds the takeover time).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialects import insert_ignoring_conflicts
from db.models import Lease


async def try_lead(session: AsyncSession, name: str, holder: str, now: datetime, ttl: timedelta) -> bool:
    """Take or renew the lease; True if `holder` leads until now + ttl. Commits."""
    await session.execute(
        insert_ignoring_conflicts(session, Lease).values(name=name, holder=holder, expires_at=now - ttl)
    )
    result = await session.execute(
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl)
    )
    await session.commit()
    return result.rowcount == 1


async def resign(session: AsyncSession, name: str, holder: str, now: datetime) -> None:
    """Give up the lease at shutdown so a standby takes over at its next tick."""
    await session.execute(
        update(Lease).where(Lease.name == name, Lease.holder == holder).values(expires_at=now - timedelta(seconds=1))
    )
    await session.commit()
