"""Multi-step flows as handlers see them: the person's one open flow, kept in the database.

PTB's ConversationHandler keeps its state in memory (and BasePersistence loads it once at
start), so a restart, or a second instance taking the next update, would strand the person
mid-flow. Here the gate reads the person's `flow_states` row in the update's own session
(`load`), handlers start, advance and finish flows through this module, and `InFlow`
filters route typed text to the feature whose flow is open. Each feature declares its flow
once with `define`: how long it waits, and what the person is told when it has lapsed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import filters

from bot.config import ConversationSettings
from bot.context import BotContext, current_scope
from db import flows as flow_rows
from db.models import FlowState


@dataclass(frozen=True)
class FlowSpec:
    """One kind of flow. `dropped` is told (once) when a lapsed flow is met, and the row goes;
    a flow without it stays `keep` past its time for its own handler to deal with (talk notes:
    late text is refused, not taken for a question)."""

    name: str
    lifetime: Callable[[ConversationSettings], timedelta]
    dropped: Callable[[ConversationSettings], str] | None = None
    keep: Callable[[ConversationSettings], timedelta] = lambda _: timedelta(0)


_SPECS: dict[str, FlowSpec] = {}

# How long after a draft lapsed the person is still told it was dropped; later it just goes.
TELL_DROPPED_WITHIN = timedelta(hours=24)


def define(spec: FlowSpec) -> FlowSpec:
    _SPECS[spec.name] = spec
    return spec


def define_step(name: str, dropped: str) -> FlowSpec:
    """The usual flow: one question waiting for its answer for `conversations.timeout_minutes`;
    met later, `dropped` (formatted with {minutes}) is told once, within a day."""
    return define(FlowSpec(
        name=name,
        lifetime=lambda settings: timedelta(minutes=settings.timeout_minutes),
        dropped=lambda settings: dropped.format(minutes=settings.timeout_minutes),
        keep=lambda _: TELL_DROPPED_WITHIN,
    ))


def _settings(context: BotContext) -> ConversationSettings:
    return context.services.config.conversations


# --- reading, in the gate --------------------------------------------------------------------


async def load(update: Update, context: BotContext) -> None:
    """Put the speaker's flow in the update scope; a lapsed draft is dropped here, and the
    person told so once, before the update goes on to be handled as if no flow were open."""
    person, now = context.person, context.services.now()
    state = await flow_rows.current(context.session, person.id) if person is not None else None
    spec = _SPECS.get(state.flow) if state is not None else None
    if state is None or person is None:
        context.scope.flow = None
        return
    if now >= state.forget_at or spec is None or (now >= state.expires_at and spec.dropped is not None):
        await flow_rows.close(context.session, person.id)
        context.scope.flow = None
        if spec is not None and spec.dropped is not None and now < state.forget_at and update.effective_chat:
            await context.bot.send_message(update.effective_chat.id, spec.dropped(_settings(context)))
        return
    context.scope.flow = state


def state_of(context: BotContext, name: str) -> FlowState | None:
    """The speaker's flow if it is `name` (open, or closed but kept)."""
    state = context.scope.flow
    return state if state is not None and state.flow == name else None


def is_open(context: BotContext, state: FlowState) -> bool:
    return context.services.now() < state.expires_at


# --- writing, from the features ----------------------------------------------------------------


async def start(context: BotContext, spec: FlowSpec, step: str, data: dict[str, Any]) -> FlowState:
    """Open `spec` at `step` for the speaker, replacing any other flow they had open. Committed
    here, before the caller shows the step's prompt: the answer to it may be the next update,
    taken by another instance, which must find the step the prompt asked for."""
    settings = _settings(context)
    state = await flow_rows.open_flow(
        context.session, context.person.id, spec.name, step, data, context.services.now(),
        spec.lifetime(settings), spec.keep(settings),
    )
    await context.session.commit()
    context.scope.flow = state
    return state


async def advance(context: BotContext, spec: FlowSpec, step: str, data: dict[str, Any]) -> FlowState:
    """The next step of the speaker's flow (opened again if it was closed meanwhile)."""
    state = state_of(context, spec.name)
    if state is None:
        return await start(context, spec, step, data)
    settings = _settings(context)
    await flow_rows.advance(
        context.session, state, step, data, context.services.now(), spec.lifetime(settings), spec.keep(settings)
    )
    await context.session.commit()  # before the prompt, as in start()
    return state


async def finish(context: BotContext, name: str | None = None) -> bool:
    """End the speaker's flow (only if it is `name`, when given)."""
    if context.person is None:
        return False
    closed = await flow_rows.close(context.session, context.person.id, name)
    if name is None or state_of(context, name) is not None:
        context.scope.flow = None
    return closed


# --- routing -----------------------------------------------------------------------------------


class InFlow(filters.UpdateFilter):
    """True while the speaker has flow `name` (any flow, when None) in the update scope."""

    def __init__(self, name: str | None = None) -> None:
        super().__init__(name=f"InFlow({name or '*'})")
        self.flow = name

    def filter(self, update: Update) -> bool:
        scope = current_scope()
        state = scope.flow if scope is not None else None
        return state is not None and (self.flow is None or state.flow == self.flow)


# Words that make a message a question, whatever else it says. A bare 几 is not among them:
# 几天前 is a (vague) date.
_QUESTION_WORDS = (
    "怎么", "怎样", "如何", "什么", "为什么", "为何", "多少", "多久", "多长", "哪", "吗", "呢", "是否", "能否",
    "可否", "有没有", "是不是", "能不能", "可不可以", "要不要", "需不需要", "该不该", "请问", "几点", "几次",
    "几个", "几年", "几月", "几号", "第几",
)


def is_clearly_a_question(text: str) -> bool:
    """A message that asks something (党费怎么交, 三会一课多久开一次, 能报销吗？) rather than
    answering a step's prompt; used only after the step's own reading has failed."""
    stripped = text.strip()
    if sum(ch.isalpha() for ch in stripped) < 2:
        return False
    return stripped.endswith(("?", "？")) or any(word in stripped for word in _QUESTION_WORDS)
