"""Where a person is in a multi-step flow: one row per person in `flow_states`.

Read and written in the update's own session, never cached in a process, so the next update
can be handled by this process after a restart or by another instance. Records a flow makes
are written by the feature itself at its last step (once, idempotently); this table only
holds the draft, so losing a row loses a draft, never half a record.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import FlowState


async def current(session: AsyncSession, person_id: int) -> FlowState | None:
    return await session.get(FlowState, person_id)


async def open_flow(
    session: AsyncSession, person_id: int, flow: str, step: str, data: dict[str, Any],
    now: datetime, lifetime: timedelta, keep: timedelta = timedelta(0),
) -> FlowState:
    """Start `flow` at `step`, replacing whatever flow the person had open (one at a time).
    The row stays `keep` past its expiry, so the person can be told what became of it."""
    state = await current(session, person_id)
    if state is None:
        state = FlowState(person_id=person_id)
        session.add(state)
    state.flow = flow
    _place(state, step, data, now, lifetime, keep)
    await session.flush()
    return state


async def advance(
    session: AsyncSession, state: FlowState, step: str, data: dict[str, Any],
    now: datetime, lifetime: timedelta, keep: timedelta = timedelta(0),
) -> None:
    """Move an open flow to its next step; the person has `lifetime` again from now."""
    _place(state, step, data, now, lifetime, keep)
    await session.flush()


def _place(
    state: FlowState, step: str, data: dict[str, Any], now: datetime, lifetime: timedelta, keep: timedelta
) -> None:
    state.step = step
    state.data = dict(data)  # a new object: the JSON column sees the change
    state.updated_at = now
    state.expires_at = now + lifetime
    state.forget_at = state.expires_at + keep


async def close(session: AsyncSession, person_id: int, flow: str | None = None) -> bool:
    """End the person's flow (only if it is `flow`, when given); True if there was one."""
    state = await current(session, person_id)
    if state is None or (flow is not None and state.flow != flow):
        return False
    await session.delete(state)
    await session.flush()
    return True


async def forget_stale(session: AsyncSession, now: datetime) -> int:
    """Drop rows nobody came back to within their keep time; run at start."""
    result = await session.execute(delete(FlowState).where(FlowState.forget_at <= now))
    return int(result.rowcount or 0)
