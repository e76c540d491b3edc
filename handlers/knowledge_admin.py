"""Admins keep the knowledge base alive: /reload, YAML uploads, and /gaps from what people asked."""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import texts
from bot.context import BotContext
from bot.gaps_report import gaps_report
from handlers.access import require_role
from knowledge.loader import LoadResult
from knowledge.schema import KbIssue

MAX_LISTED_ISSUES = 10
DEFAULT_GAP_DAYS = 7


def _issue_lines(issues: list[KbIssue]) -> str:
    lines = [str(issue) for issue in issues[:MAX_LISTED_ISSUES]]
    if len(issues) > MAX_LISTED_ISSUES:
        lines.append(texts.MORE_ERRORS.format(count=len(issues) - MAX_LISTED_ISSUES))
    return "\n".join(lines)


def _warnings(result: LoadResult) -> str:
    if not result.warnings:
        return ""
    return texts.RELOAD_WARNINGS.format(count=len(result.warnings), lines=_issue_lines(result.warnings))


async def reload_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "admin"):
        return
    store = context.services.knowledge
    # Off the event loop: questions keep being answered from the old snapshot meanwhile.
    result = await asyncio.to_thread(store.reload)
    if result.ok:
        await update.message.reply_text(texts.RELOAD_OK.format(count=len(result.entries), warnings=_warnings(result)))
    else:
        await update.message.reply_text(
            texts.RELOAD_FAILED.format(count=len(store.snapshot.entries), errors=_issue_lines(result.errors))
        )


async def install_upload(update: Update, context: BotContext, filename: str, content: bytes) -> None:
    """Called by the upload dispatcher once it knows the sender is an admin."""
    result = await asyncio.to_thread(context.services.knowledge.install_file, filename, content)
    if result.ok:
        await update.message.reply_text(
            texts.KB_INSTALLED.format(filename=filename, count=len(result.entries), warnings=_warnings(result))
        )
    else:
        await update.message.reply_text(texts.KB_REJECTED.format(filename=filename, errors=_issue_lines(result.errors)))


async def gaps_command(update: Update, context: BotContext) -> None:
    if not await require_role(update, context, "admin"):
        return
    days = DEFAULT_GAP_DAYS
    if context.args:
        if not context.args[0].isdigit() or not 1 <= int(context.args[0]) <= 365:
            await update.message.reply_text(texts.GAPS_BAD_DAYS)
            return
        days = int(context.args[0])
    report = await gaps_report(context.session, context.services, days, texts.GAPS_HEADER, texts.GAPS_NONE)
    await update.message.reply_text(report)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("reload", reload_command))
    app.add_handler(CommandHandler("gaps", gaps_command))
