"""Running against Telegram: long polling by default, a webhook when configured; in both, the
operators' listener (GET /healthz, GET /metrics) at bot.ops_addr / $CADREBOT_OPS_ADDR."""

from __future__ import annotations

import logging
import os

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Config, ConfigError
from bot.context import CadreApplication
from bot.ops.notes_key import check_notes_key, cipher_from_env
from bot.services import make_services
from bot.scheduling.stopping import stop_gracefully_on_signals

log = logging.getLogger(__name__)


def webhook_secret(config: Config) -> str | None:
    """The webhook's secret token; checked before anything starts, so a half-configured webhook
    stops start-up with one line instead of failing after migrations and logging."""
    if config.bot.mode != "webhook":
        return None
    hook = config.bot.webhook
    secret = os.environ.get(hook.secret_token_env)
    if not hook.url or not secret:
        raise ConfigError(f"bot.webhook: webhook mode needs bot.webhook.url and a secret in ${hook.secret_token_env}")
    return secret


def run_bot(config: Config) -> None:
    secret = webhook_secret(config)
    notes = cipher_from_env()
    check_notes_key(config, notes)  # NotesKeyError (a ConfigError): one line, exit 2
    app = build_application(make_services(config, notes=notes))
    attach_ops_listener(app, config.bot.ops_listen)
    stop_gracefully_on_signals(app)  # instead of PTB's stop_signals: a fan-out under way stops too
    if secret is not None:
        hook = config.bot.webhook
        app.run_webhook(
            listen=hook.listen, port=hook.port, url_path=hook.path, secret_token=secret,
            webhook_url=f"{hook.url.rstrip('/')}/{hook.path}", allowed_updates=ALLOWED_UPDATES, stop_signals=None,
        )
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=config.bot.poll_interval, stop_signals=None)


def attach_ops_listener(app: CadreApplication, address: tuple[str, int] | None) -> None:
    """Start the listener before PTB's start-up work (post_init) and stop it before its
    shutdown, on PTB's own event loop: the same in polling and webhook mode. An address that
    cannot be bound is one error line, and the bot runs without the listener: answering
    people matters more than being watched, and the prober's failing check says the rest."""
    if address is None:
        return
    from bot.ops.http import OpsServer

    server = OpsServer(app, *address)
    post_init, post_shutdown = app.post_init, app.post_shutdown

    async def start_then_init(application: CadreApplication) -> None:
        try:
            await server.start()
        except OSError as error:
            host, port = address
            log.error("ops listener: cannot listen on %s:%d (%s): no /healthz or /metrics; set "
                      "CADREBOT_OPS_ADDR to a free host:port, or off", host, port, error.strerror or error)
        if post_init is not None:
            await post_init(application)

    async def stop_then_shutdown(application: CadreApplication) -> None:
        await server.stop()
        if post_shutdown is not None:
            await post_shutdown(application)

    app.post_init = start_then_init  # type: ignore[assignment]
    app.post_shutdown = stop_then_shutdown  # type: ignore[assignment]
    app.ops_server = server  # type: ignore[attr-defined]  # tests read the port
