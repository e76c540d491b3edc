"""Each person's control over their reminders: mute one or all, snooze, quiet hours."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.dialects import among
from db.models import ReminderPrefs


async def prefs_of(session: AsyncSession, person_id: int) -> ReminderPrefs:
    """The person's preferences, created with defaults on first use."""
    prefs = await session.get(ReminderPrefs, person_id)
    if prefs is None:
        prefs = ReminderPrefs(person_id=person_id, muted_all=False, muted_keys="")
        session.add(prefs)
        await session.flush()
    return prefs


async def prefs_for(session: AsyncSession, person_ids: Sequence[int]) -> dict[int, ReminderPrefs]:
    """Preferences of many people at once (people without a row have the defaults)."""
    rows = await session.scalars(select(ReminderPrefs).where(among(session, ReminderPrefs.person_id, person_ids)))
    return {row.person_id: row for row in rows}


async def set_muted(session: AsyncSession, person_id: int, key: str, muted: bool) -> ReminderPrefs:
    prefs = await prefs_of(session, person_id)
    keys = set(prefs.muted)
    keys.add(key) if muted else keys.discard(key)
    prefs.muted_keys = ";".join(sorted(keys))
    await session.flush()
    return prefs


async def set_muted_all(session: AsyncSession, person_id: int, muted: bool) -> ReminderPrefs:
    prefs = await prefs_of(session, person_id)
    prefs.muted_all = muted
    if not muted:
        prefs.muted_keys = ""
    await session.flush()
    return prefs


async def set_snooze(session: AsyncSession, person_id: int, until: datetime | None) -> ReminderPrefs:
    prefs = await prefs_of(session, person_id)
    prefs.snooze_until = until
    await session.flush()
    return prefs


async def set_quiet_hours(session: AsyncSession, person_id: int, start: str | None, end: str | None) -> ReminderPrefs:
    prefs = await prefs_of(session, person_id)
    prefs.quiet_start, prefs.quiet_end = start, end
    await session.flush()
    return prefs


async def prefs_among(session: AsyncSession, person_ids: Select) -> dict[int, ReminderPrefs]:
    """Preferences of the people a query selects who have any (most people never change theirs)."""
    rows = await session.scalars(select(ReminderPrefs).where(ReminderPrefs.person_id.in_(person_ids)))
    return {row.person_id: row for row in rows}
