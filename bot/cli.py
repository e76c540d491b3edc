"""`cadrebot`: run the bot or its offline console, migrate the database, manage roster and knowledge."""

from __future__ import annotations

import argparse
import asyncio
import io
import logging
import os
import stat
import sys
from pathlib import Path
from typing import TextIO

from bot.config import Config, ConfigError, load_config
from bot.services import KnowledgeBaseError, check_knowledge
from db.migrate import upgrade

NO_TOKEN_LINE = "No TELEGRAM_BOT_TOKEN set: starting the offline console on demo data (未设置令牌，进入离线控制台)."
NO_TOKEN_NO_TERMINAL_LINE = (
    "error: no TELEGRAM_BOT_TOKEN set, and no terminal for the offline console: set the token to run the bot"
)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except ConfigError as error:
        print(f"config error: {error}", file=sys.stderr)
        return 2
    except KnowledgeBaseError as error:
        print(f"knowledge base error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    from bot.admin import cli as admin_cli
    from knowledge import commands as kb_commands

    parser = argparse.ArgumentParser(prog="cadrebot", description="组工学习助手 (cadrebot)")
    sub = parser.add_subparsers(title="commands")
    sub.add_parser("run", help="start the bot (offline console when no token is set)").set_defaults(func=cmd_run)
    sub.add_parser("console", help="chat with the bot offline, on demo data").set_defaults(func=cmd_console)
    init = sub.add_parser("init", help="write a commented config.yaml and the knowledge base into a folder to run from")
    init.add_argument("dir", type=Path, help="the folder (created if missing)")
    init.add_argument("--force", action="store_true", help="replace an existing config.yaml (knowledge folders are kept)")
    init.set_defaults(func=cmd_init)

    db = sub.add_parser("db", help="database").add_subparsers(title="db commands")
    db.add_parser("upgrade", help="apply migrations").set_defaults(func=cmd_db_upgrade)

    admin_cli.register(sub)  # roster import / invites, audit

    kb_commands.register(sub, lambda: load_config().knowledge, lambda paths: [load_config().resolve_knowledge(p) for p in paths],
                         lambda: load_config().reading_paths)
    return parser


def cmd_run(args: argparse.Namespace) -> int:
    config = load_config()
    if not config.bot.token:
        if not _console_possible(sys.stdin):
            print(NO_TOKEN_NO_TERMINAL_LINE, file=sys.stderr)
            return 2
        check_knowledge(config)  # before the console line: one line on stderr if it fails
        print(NO_TOKEN_LINE, flush=True)
        return _console(config)
    from telegram.error import InvalidToken, NetworkError

    from bot.runner import run_bot, webhook_secret

    from bot.ops.logs import configure_logging, log_settings

    secret = webhook_secret(config)
    level, form = log_settings()  # a wrong value is a ConfigError: one line, exit 2
    check_knowledge(config)  # before logging and migrations print anything
    # Text or JSON at $CADREBOT_LOG_LEVEL; APScheduler and httpx (whose lines carry the token
    # in the URL) at WARNING; the token and the webhook secret never printed (bot/ops/logs.py).
    configure_logging(level, form, secrets=[config.bot.token, secret])
    logging.getLogger("telegram.ext").addFilter(_quiet_bootstrap_failure)
    upgrade(config.database_url)

    try:
        run_bot(config)
    except InvalidToken:
        print("error: Telegram rejected TELEGRAM_BOT_TOKEN (check it with @BotFather)", file=sys.stderr)
        return 1
    except NetworkError as error:
        where = config.bot.api_base_url or "api.telegram.org"
        print(f"error: cannot reach the Telegram Bot API at {where}: {error}", file=sys.stderr)
        return 1
    return 0


def _console_possible(stdin: TextIO) -> bool:
    """Someone can talk to the console: a terminal, or a script piped or redirected in. Under
    systemd or a container without -i, stdin is /dev/null: a bot without a token must then stop
    with an error (a clean exit would look to the supervisor like a deliberate stop)."""
    try:
        if stdin.isatty():
            return True
        mode = os.fstat(stdin.fileno()).st_mode
    except (OSError, ValueError):  # closed or not a real file
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISREG(mode) or stat.S_ISSOCK(mode)


def _quiet_bootstrap_failure(record: logging.LogRecord) -> bool:
    """PTB logs a traceback when it cannot start (bad token, no network) and then raises; we print
    one clear line for that ourselves (cmd_run), so its record is dropped."""
    return not record.getMessage().startswith("Network Retry Loop (Bootstrap")


def cmd_console(args: argparse.Namespace) -> int:
    return _console(load_config())


def _console(config: Config) -> int:
    from bot.console.terminal import run_console

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if isinstance(sys.stdin, io.TextIOWrapper):
        sys.stdin.reconfigure(errors="replace")  # a piped file with a stray byte is still read to its end
    asyncio.run(run_console(config, sys.stdin, sys.stdout, interactive=sys.stdin.isatty()))
    return 0  # the end of a piped script is a normal end


def cmd_init(args: argparse.Namespace) -> int:
    from bot.admin.scaffold import InitError, init_instance

    try:
        done = init_instance(args.dir, force=args.force)
    except InitError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join(done))
    print(f"next: cd {args.dir} && cadrebot kb check; then see docs/operations.md (first start)")
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    config = load_config()
    upgrade(config.database_url)
    print(f"database is up to date: {_safe_url(config.database_url)}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
