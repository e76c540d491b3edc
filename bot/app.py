"""Building the PTB Application: one place wires config, services, handlers and start-up work."""

from __future__ import annotations

import gc
import logging

from telegram import BotCommand, BotCommandScopeDefault
from telegram.constants import UpdateType
from telegram.ext import ApplicationBuilder, ContextTypes, Defaults
from telegram.request import BaseRequest

from bot.chat.commands import GUEST_COMMANDS
from bot.context import BotContext, CadreApplication
from bot.services import Services
from bot.digests.delivery import plan_digests, render_digests
from bot.ops.knowledge_sync import KnowledgeSync
from bot.chat.menus import refresh_menus
from bot.scheduling.pacing import Pacer
from bot.scheduling.reminders import plan_reminders, render_reminders
from bot.scheduling.review_prompts import plan_review_resends, render_review_resends
from bot.scheduling.scheduler import Scheduler
from bot.scheduling.sessions import plan_session_ends, render_sessions
from bot.ops.update_order import ChatOrderedProcessor
from bot.scheduling.talk_prompts import plan_talks, render_preparation, render_talks
from bot.scheduling.wire import WireRequest, telegram_request
from db import flows as flow_rows
from handlers import (
    annual, ask, credits, errors, fixes, gate, knowledge_admin, membership, pending, quiz, readings, remind, reports,
    roster, sessions, start, study, study_review, talks, uploads,
)

log = logging.getLogger(__name__)

# A token the local request accepts; PTB insists on the shape digits:letters.
OFFLINE_TOKEN = "123456:OFFLINE-CONSOLE"


def build_application(services: Services, *, request: BaseRequest | None = None) -> CadreApplication:
    """The bot, against Telegram (request=None) or against an in-process request object."""
    config = services.config
    builder = (
        ApplicationBuilder()
        .application_class(CadreApplication, {"services": services})
        .token(config.bot.token or OFFLINE_TOKEN)
        .defaults(Defaults(tzinfo=config.tz))
        .context_types(ContextTypes(context=BotContext))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        # Several updates at once, one chat's in order (bot/ops/update_order.py).
        .concurrent_updates(ChatOrderedProcessor(config.bot.concurrent_updates))
    )
    # Requests go through bot.scheduling.wire, which marks a delivery attempted once the pacer let it go.
    if request is not None:
        builder = builder.request(WireRequest(request)).get_updates_request(request)
    else:
        limits = config.bot.rate_limit
        builder = builder.request(telegram_request()).rate_limiter(
            Pacer(limits.overall_per_second, max_retries=limits.max_retries))
    if config.bot.api_base_url:
        root = config.bot.api_base_url
        builder = builder.base_url(f"{root}/bot").base_file_url(f"{root}/file/bot")
    app: CadreApplication = builder.build()  # type: ignore[assignment]
    if app.job_queue is not None:
        # APScheduler drops a job that starts more than a second late (a busy event loop: a
        # 签到 storm, a fan-out): a session's invitations or its trailing count redraw would be
        # lost. Late, they still run.
        app.job_queue.scheduler.configure(
            job_defaults={"misfire_grace_time": None}, **app.job_queue.scheduler_configuration)
    register_handlers(app)
    app.scheduler = build_scheduler(app)
    return app


def build_scheduler(app: CadreApplication) -> Scheduler:
    """What the scheduler plans, in order, and how each kind of delivery is rendered."""
    return Scheduler(
        app.bot, app.services,
        planners=[plan_session_ends, plan_reminders, plan_talks, plan_digests, plan_review_resends],
        renderers={
            "reminder": render_reminders, "talk": render_talks, "talkprep": render_preparation, "digest": render_digests,
            "review": render_review_resends, "session": render_sessions,
        },
    )


def register_handlers(app: CadreApplication) -> None:
    """Order matters inside a group: features first, then the catch-alls."""
    gate.register(app)
    start.register(app)
    study.register(app)
    ask.register(app)
    knowledge_admin.register(app)
    roster.register(app)
    uploads.register(app)
    study_review.register(app)
    pending.register(app)
    fixes.register(app)
    credits.register(app)
    annual.register(app)
    remind.register(app)
    talks.register(app)
    sessions.register(app)
    readings.register(app)
    quiz.register(app)
    reports.register(app)
    membership.register(app)
    ask.register_plain_text(app)
    start.register_fallbacks(app)
    app.add_error_handler(errors.on_error)


async def _post_init(app: CadreApplication) -> None:
    await _forget_stale_flows(app)
    commands = [BotCommand(c.name, c.description) for c in GUEST_COMMANDS]
    await app.bot.set_my_commands(commands, scope=BotCommandScopeDefault())
    if app.job_queue is not None:
        app.scheduler.start(app.job_queue)
        KnowledgeSync(app.services).start(app.job_queue)  # another instance's knowledge change
        app.job_queue.run_once(_refresh_menus, when=2, name="menus")
    settle_startup_heap()
    log.info("cadrebot ready as @%s", app.bot.username)
    roster.check_invite_username(app.services.config.bot.username, app.bot.username)


async def _forget_stale_flows(app: CadreApplication) -> None:
    """Drafts nobody came back to within a day go; open ones stay and continue (bot/chat/flows.py)."""
    async with app.services.db.session() as session:
        forgotten = await flow_rows.forget_stale(session, app.services.now())
        await session.commit()
    if forgotten:
        log.info("forgot %d conversation drafts left unfinished", forgotten)


def settle_startup_heap() -> None:
    """Take what start-up built (modules, config, the knowledge index) out of the garbage
    collector's sight. Full collections then walk only what came later: a 10,000-person
    fan-out pauses for tens of milliseconds instead of a third of a second. Frozen objects
    are still freed when nothing refers to them; only cycles among them would stay."""
    gc.collect()
    gc.freeze()


async def _refresh_menus(context: BotContext) -> None:
    count = await refresh_menus(context.bot, context.application.services)  # type: ignore[attr-defined]
    if count:
        log.info("updated the command menus of %d people", count)


async def _post_shutdown(app: CadreApplication) -> None:
    await app.scheduler.resign()
    await app.services.db.dispose()


ALLOWED_UPDATES = [UpdateType.MESSAGE, UpdateType.CALLBACK_QUERY, UpdateType.MY_CHAT_MEMBER]
