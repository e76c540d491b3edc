"""`cadrebot roster …` and `cadrebot audit`: the roster, invite codes and the audit log from
the command line, with the same safeguards as the chat.

An import prints its plan and changes nothing without --yes; invite links are made with the
username Telegram reports for the token (getMe), and without a token only codes are printed.
What the command line does is in the audit log with no actor (shown as `cli`).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from datetime import timedelta, timezone
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Config, load_config
from db import audit, people
from db.migrate import upgrade
from db.models import utcnow
from db.roster import RosterError, parse_roster

MAX_LISTED = 20


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    roster = sub.add_parser("roster", help="people and roles").add_subparsers(title="roster commands")
    importer = roster.add_parser(
        "import", help="show what importing a roster file (.xlsx, .csv or .yaml) would do; apply with --yes"
    )
    importer.add_argument("file", type=Path)
    importer.add_argument("--mode", choices=("full", "update"), default="full",
                          help="full: people missing from the file are deactivated (default); update: nobody is")
    decide = importer.add_mutually_exclusive_group()
    decide.add_argument("--yes", action="store_true", help="apply the plan")
    decide.add_argument("--dry-run", action="store_true", help="print the plan only")
    importer.set_defaults(func=cmd_roster_import)

    invites = roster.add_parser("invites", help="list invite codes (and links, when a token is set)")
    invites.add_argument("--format", choices=("csv", "table"), default="table")
    invites.add_argument("--all", action="store_true", help="include people who have already joined")
    invites.add_argument("--renew", metavar="ID", help="issue a new code for one person; the old code stops working")
    invites.set_defaults(func=cmd_roster_invites)

    log = sub.add_parser("audit", help="who did what, when (oldest first, UTC)")
    log.add_argument("--days", type=_days, default=30, help="how far back (default 30)")
    log.set_defaults(func=cmd_audit)


def _days(text: str) -> int:
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 3650):
        raise argparse.ArgumentTypeError("a whole number of days from 1 to 3650")
    return int(text)


@asynccontextmanager
async def _session(config: Config) -> AsyncIterator[AsyncSession]:
    """One session on an engine made for one command, disposed when it is done."""
    from db.engine import Database

    database = Database(config.database_url)
    try:
        async with database.session() as session:
            yield session
    finally:
        await database.dispose()


# --- roster import ---------------------------------------------------------------------------


def cmd_roster_import(args: argparse.Namespace) -> int:
    config = load_config()
    try:
        rows = parse_roster(args.file.name, args.file.read_bytes())
    except FileNotFoundError:
        print(f"{args.file}: file not found", file=sys.stderr)
        return 1
    except RosterError as error:
        _print_problems(args.file, error)
        return 1
    upgrade(config.database_url)
    mode = people.ImportMode(args.mode)

    async def plan_and_maybe_apply() -> tuple[people.ImportPlan, people.ImportSummary | None]:
        async with _session(config) as session:
            plan = await people.plan_import(session, rows, mode)
            if plan.no_admin_left or not args.yes:
                return plan, None
            summary = await people.apply_plan(session, rows, plan)
            await audit.record(session, None, "roster.import", {
                "file": args.file.name, "mode": mode.value, **asdict(summary),
            }, utcnow())
            await session.commit()
            return plan, summary

    plan, summary = asyncio.run(plan_and_maybe_apply())
    print("\n".join(plan_lines(args.file.name, len(rows), plan, config.roster.deactivate_warning_share)))
    if plan.no_admin_left:
        print("refused: after this import no active admin would remain; keep at least one admin in the file",
              file=sys.stderr)
        return 1
    if summary is not None:
        print(
            f"imported {len(rows)} people: {summary.created} new, {summary.updated} updated, "
            f"{summary.unchanged} unchanged, {summary.deactivated} deactivated, {summary.reactivated} reactivated"
        )
    elif args.dry_run:
        print("dry run: nothing changed")
    else:
        other = "update" if mode.value == "full" else "full"
        print(f"nothing changed: run again with --yes to apply this plan (or --mode {other} --yes)")
    return 0


def _print_problems(path: Path, error: RosterError) -> None:
    from bot import texts

    problems = error.each()
    if error.total == 1:
        print(f"{path}: {texts.roster_error(problems[0])}; nothing imported", file=sys.stderr)
        return
    for problem in problems:
        print(f"{path}: {texts.roster_error(problem)}", file=sys.stderr)
    if error.total > len(problems):
        print(f"{path}: and {error.total - len(problems)} more problems", file=sys.stderr)
    print(f"{path}: {error.total} problems; nothing imported", file=sys.stderr)


def plan_lines(filename: str, count: int, plan: people.ImportPlan, warn_share: float) -> list[str]:
    """The plan in a few lines an operator can read before typing --yes."""
    meaning = {
        "full": "people missing from the file are deactivated (完整名单)",
        "update": "additions and changes only, nobody is deactivated (仅新增和修改)",
    }[plan.mode.value]
    lines = [
        f"{filename}: {count} people; mode {plan.mode.value}: {meaning}",
        f"  new {len(plan.created)}, updated {len(plan.updated)}, unchanged {plan.unchanged}, "
        f"reactivated {len(plan.reactivated)}, deactivated {len(plan.deactivated)}",
    ]
    if plan.deactivated:
        lines.append(f"  deactivate: {_named(plan.deactivated)}")
        if plan.deactivated_share > warn_share:
            lines.append(
                f"  WARNING: deactivates {len(plan.deactivated)} of {plan.active_before} active people "
                f"({plan.deactivated_share:.0%}, more than roster.deactivate_warning_share {warn_share:.0%}); "
                "a partial list? use --mode update"
            )
    elif plan.missing and plan.mode.value == "update":
        lines.append(f"  not in the file, left as they are: {len(plan.missing)}")
    for person, why in plan.kept:
        reason = "the file names no admin" if why.value == "last_admin" else "the uploader"
        lines.append(f"  kept active although not in the file: {person.external_id} {person.name} ({reason})")
    for unit, who in plan.empty_units:
        lines.append(f"  warning: supervised unit {unit} ({who.external_id} {who.name}) has nobody in it")
    return lines


def _named(named: tuple[people.Named, ...]) -> str:
    shown = ", ".join(f"{p.external_id} {p.name}" for p in named[:MAX_LISTED])
    rest = len(named) - MAX_LISTED
    return shown + (f" and {rest} more" if rest > 0 else "")


# --- invites ---------------------------------------------------------------------------------


def invite_username(config: Config) -> tuple[str | None, str]:
    """The bot's username from Telegram, or None and the one-line reason links are left out."""
    if not config.bot.token:
        return None, "no TELEGRAM_BOT_TOKEN: printing codes only (links need the bot's username from Telegram)"
    from telegram.error import InvalidToken, TelegramError

    from bot.admin.invites import bot_username

    where = config.bot.api_base_url or "api.telegram.org"
    try:
        return asyncio.run(bot_username(config.bot.token, config.bot.api_base_url)), ""
    except InvalidToken:
        return None, "Telegram rejected TELEGRAM_BOT_TOKEN: printing codes only (links need the bot's username)"
    except TelegramError:
        return None, f"cannot reach the Telegram Bot API at {where}: printing codes only (links need the bot's name)"


def cmd_roster_invites(args: argparse.Namespace) -> int:
    config = load_config()
    upgrade(config.database_url)
    username, reason = invite_username(config)
    if args.renew:
        return _renew(config, args.renew, username, reason)
    from bot.admin.invites import invites_csv, invites_table

    async def fetch() -> list:  # type: ignore[type-arg]
        async with _session(config) as session:
            persons = await people.pending_invites(session, include_used=args.all)
            await audit.record(session, None, "invites.export", {"count": len(persons), "all": args.all}, utcnow())
            await session.commit()
            return persons

    persons = asyncio.run(fetch())
    render = invites_csv if args.format == "csv" else invites_table
    text = render(persons, username)
    print(text, end="" if text.endswith("\n") else "\n")
    if reason:
        print(reason, file=sys.stderr)
    return 0


def _renew(config: Config, external_id: str, username: str | None, reason: str) -> int:
    async def renew() -> tuple[str, people.RenewOutcome | None, str]:
        async with _session(config) as session:
            person = await people.by_external_id(session, external_id)
            if person is None:
                return "", None, ""
            outcome = await people.renew_invite(session, person)
            if outcome is people.RenewOutcome.RENEWED:
                await audit.record(session, None, "invites.renew", {
                    "person": person.external_id, "name": person.name,
                }, utcnow())
                await session.commit()
            return person.name, outcome, person.invite_code

    name, outcome, code = asyncio.run(renew())
    if outcome is None:
        print(f"no person with id {external_id}", file=sys.stderr)
        return 1
    if outcome is people.RenewOutcome.BOUND:
        print(f"{external_id} {name} has joined: their code is spent. To move them to a new Telegram account, "
              f"send /unbind {external_id} in the chat (it issues a new code)", file=sys.stderr)
        return 1
    if outcome is people.RenewOutcome.INACTIVE:
        print(f"{external_id} {name} is deactivated: import them again to issue a code", file=sys.stderr)
        return 1
    link = f" {people.invite_link(username, code)}" if username else ""
    print(f"new invite code for {external_id} {name}: {code}{link} (the old code no longer works)")
    if reason:
        print(reason, file=sys.stderr)
    return 0


# --- audit -----------------------------------------------------------------------------------


def cmd_audit(args: argparse.Namespace) -> int:
    config = load_config()
    upgrade(config.database_url)

    async def fetch() -> list[audit.AuditLine]:
        async with _session(config) as session:
            return await audit.lines_since(session, utcnow() - timedelta(days=args.days), limit=1_000_000)

    lines = list(reversed(asyncio.run(fetch())))
    for line in lines:
        actor = f"{line.actor_external_id} {line.actor_name}" if line.actor_name else "cli"
        when = line.at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        print(f"{when}\t{actor}\t{line.action}\t{line.detail}")
    if not lines:
        print(f"no audit entries in the last {args.days} days", file=sys.stderr)
    return 0
