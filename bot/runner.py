"""Running against Telegram: long polling by default, a webhook when configured."""

from __future__ import annotations

import os

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Config, ConfigError
from bot.notes_key import check_notes_key, cipher_from_env
from bot.services import make_services
from bot.stopping import stop_gracefully_on_signals


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
    stop_gracefully_on_signals(app)  # instead of PTB's stop_signals: a fan-out under way stops too
    if secret is not None:
        hook = config.bot.webhook
        app.run_webhook(
            listen=hook.listen, port=hook.port, url_path=hook.path, secret_token=secret,
            webhook_url=f"{hook.url.rstrip('/')}/{hook.path}", allowed_updates=ALLOWED_UPDATES, stop_signals=None,
        )
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=config.bot.poll_interval, stop_signals=None)
