"""Group chats, safely: there the bot answers only /session, the 签到 buttons (and the buttons
of its own answers), and questions that mention it (`@bot 问题`). Anything that would show a
person's figures, records or notes (/credits, /report, /export …) is answered with "ask in
private", and nothing else is answered at all. The gate calls `screen` for every group update.

The speaker is still resolved to a Person (a 签到 must know who pressed), but a group is never
taken for the person's private chat (chat_id stays) and no flow is loaded: a draft opened in
private does not swallow what is said in a group.
"""

from __future__ import annotations

from telegram import MessageEntity, Update
from telegram.ext import ApplicationHandlerStop

from bot import texts
from bot.chat.commands import COMMANDS
from bot.context import BotContext
from db import people
from handlers.ask import CALLBACK_PREFIX as ANSWER_PREFIX
from handlers.ask import answer_question

SESSION_BUTTONS = "ss:"
GROUP_COMMANDS = frozenset({"session"})
PRIVATE_COMMANDS = frozenset({c.name for c in COMMANDS} | {"start", "annual", "quiz", "reading"}) - GROUP_COMMANDS


async def screen(update: Update, context: BotContext) -> None:
    """Let through what a group may have; answer or ignore the rest (ApplicationHandlerStop)."""
    user = update.effective_user
    person = await people.by_telegram_id(context.session, user.id) if user is not None else None
    context.scope.person = person if person is not None and person.active else None
    query, message = update.callback_query, update.message
    if query is not None:
        data = query.data or ""
        if data.startswith(SESSION_BUTTONS):
            return  # handlers/sessions.py answers, known or not
        if data.startswith(f"{ANSWER_PREFIX}:") and context.scope.person is not None:
            return
        await query.answer(texts.GROUP_PRIVATE_ONLY, show_alert=True)
        raise ApplicationHandlerStop
    if message is None or not message.text or context.scope.person is None and not _mentions_bot(update, context):
        raise ApplicationHandlerStop
    command = _command(update, context)
    if command is not None:
        if command in GROUP_COMMANDS and context.scope.person is not None:
            return
        if command in PRIVATE_COMMANDS:
            await message.reply_text(texts.GROUP_PRIVATE_ONLY)
        raise ApplicationHandlerStop
    if _mentions_bot(update, context):
        if context.scope.person is None:
            await message.reply_text(texts.GROUP_ASK_PRIVATE_UNKNOWN)
        else:
            question = _without_mention(message.text, context.bot.username)
            if question:
                await answer_question(update, context, question)
    raise ApplicationHandlerStop


def _command(update: Update, context: BotContext) -> str | None:
    """The command's name when the message is one meant for this bot (`/x` or `/x@thisbot`)."""
    text = update.message.text or ""
    if not text.startswith("/"):
        return None
    name, _, target = text.split(maxsplit=1)[0][1:].partition("@")
    if target and target.lower() != (context.bot.username or "").lower():
        return ""  # another bot's command: not ours to answer
    return name.lower()


def _mentions_bot(update: Update, context: BotContext) -> bool:
    message, username = update.message, (context.bot.username or "").lower()
    if message is None or not message.text or not username:
        return False
    mentions = message.parse_entities([MessageEntity.MENTION]).values()
    return any(m.lower() == f"@{username}" for m in mentions) or f"@{username}" in message.text.lower()


def _without_mention(text: str, username: str | None) -> str:
    handle = f"@{username or ''}"
    at = text.lower().find(handle.lower())
    if at < 0:
        return text.strip()
    return (text[:at] + text[at + len(handle):]).strip()
