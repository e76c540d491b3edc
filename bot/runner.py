"""Running against Telegram: long polling by default, a webhook when configured."""

from __future__ import annotations

import os

from bot.app import ALLOWED_UPDATES, build_application
from bot.config import Config, ConfigError
from bot.services import make_services


def run_bot(config: Config) -> None:
    app = build_application(make_services(config))
    if config.bot.mode == "webhook":
        hook = config.bot.webhook
        secret = os.environ.get(hook.secret_token_env)
        if not hook.url or not secret:
            raise ConfigError(
                f"bot.webhook: webhook mode needs bot.webhook.url and a secret in ${hook.secret_token_env}"
            )
        app.run_webhook(
            listen=hook.listen, port=hook.port, url_path=hook.path, secret_token=secret,
            webhook_url=f"{hook.url.rstrip('/')}/{hook.path}", allowed_updates=ALLOWED_UPDATES,
        )
    else:
        app.run_polling(allowed_updates=ALLOWED_UPDATES, poll_interval=config.bot.poll_interval)
