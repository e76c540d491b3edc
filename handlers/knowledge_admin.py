"""Admins keep the knowledge base alive: /reload, YAML uploads, and /gaps from what people asked."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from telegram import Update
from telegram.ext import Application, CommandHandler

from bot import texts
from bot.context import BotContext
from db import questions
from handlers.access import require_role
from knowledge.gaps import GapItem, group_gaps
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
    rows = await questions.gaps_since(context.session, context.services.now() - timedelta(days=days))
    groups = group_gaps([GapItem(r.text, r.feedback == "down", r.entry_id, r.score) for r in rows])
    if not groups:
        await update.message.reply_text(texts.GAPS_NONE.format(days=days))
        return
    lines = [texts.GAPS_HEADER.format(days=days)]
    for rank, group in enumerate(groups, start=1):
        entry = context.services.knowledge.get(group.closest_entry) if group.closest_entry else None
        closest = f"{entry.question}（{entry.id}，{group.closest_score:.2f}）" if entry else texts.GAPS_CLOSEST_NONE
        down = texts.GAPS_DOWN.format(count=group.down_votes) if group.down_votes else ""
        lines.append(texts.GAPS_LINE.format(rank=rank, example=group.example[:80], count=group.count, down=down, closest=closest))
    await update.message.reply_text("\n".join(lines))


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(CommandHandler("reload", reload_command))
    app.add_handler(CommandHandler("gaps", gaps_command))
