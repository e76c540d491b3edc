"""The per-update scope: one database session and the resolved speaker, for every handler.

CadreApplication.process_update opens the scope around PTB's own dispatch, so every
handler of one update (pre-handler, feature handler, error handler) shares one session,
and handlers never create sessions themselves. The scope travels in a ContextVar because
PTB creates the CallbackContext inside dispatch, after our wrapper has run.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession
from telegram.ext import Application, CallbackContext, ExtBot

from db.models import FlowState, Person

if TYPE_CHECKING:
    from bot.services import Services


@dataclass
class UpdateScope:
    session: AsyncSession
    person: Person | None = None
    failed: bool = False
    # The speaker's multi-step flow, read from the database by the gate for this update
    # (bot/chat/flows.py); handler filters look at it, so it is never stale across instances.
    flow: FlowState | None = None


_current_scope: ContextVar[UpdateScope | None] = ContextVar("cadrebot_update_scope", default=None)


class CadreApplication(Application):  # type: ignore[type-arg]
    """PTB's Application with our services attached and a database scope per update."""

    def __init__(self, *, services: Services, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.services = services

    async def process_update(self, update: object) -> None:
        async with self.services.db.session() as session:
            scope = UpdateScope(session)
            token = _current_scope.set(scope)
            try:
                await super().process_update(update)
                if not scope.failed:
                    await session.commit()
            finally:
                _current_scope.reset(token)


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):  # type: ignore[type-arg]
    """CallbackContext plus the update's session, its speaker and the app's services."""

    @property
    def scope(self) -> UpdateScope:
        scope = _current_scope.get()
        if scope is None:
            raise RuntimeError("no update scope: this code must run inside CadreApplication.process_update")
        return scope

    @property
    def session(self) -> AsyncSession:
        return self.scope.session

    @property
    def person(self) -> Person | None:
        return self.scope.person

    @property
    def services(self) -> Services:
        return self.application.services  # type: ignore[attr-defined,no-any-return]


def current_scope() -> UpdateScope | None:
    return _current_scope.get()
