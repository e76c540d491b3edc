"""The pre-handler: who is speaking, and are they in the middle of a flow? Unknown people
reach nothing but /start and a hint. /cancel of whatever flow is open is answered here too,
before any feature: it means the same in every flow."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, TypeHandler

from bot import texts
from bot.chat import flows
from bot.context import BotContext
from db import people
from handlers import groups
from handlers.replies import tell

GATE_GROUP = -1


def _is_start_command(update: Update) -> bool:
    message = update.message
    return bool(message and message.text and message.text.split(maxsplit=1)[0].split("@")[0] == "/start")


async def resolve_speaker(update: Update, context: BotContext) -> None:
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or chat.type == chat.CHANNEL:
        raise ApplicationHandlerStop  # channels are not ours to answer
    if chat.type != chat.PRIVATE:
        await groups.screen(update, context)  # only /session, 签到 and questions naming the bot
        return
    person = await people.by_telegram_id(context.session, user.id)
    context.scope.person = person
    if person is not None and person.active:
        # Anyone who writes to us can be reached again (membership.py handles block/unblock).
        if update.my_chat_member is None and (person.chat_id != chat.id or not person.reachable):
            person.chat_id, person.reachable = chat.id, True
        if update.my_chat_member is None:
            await flows.load(update, context)
        return
    if update.my_chat_member is not None:
        raise ApplicationHandlerStop  # a stranger blocking the bot needs no answer
    if person is not None:
        await tell(update, texts.INACTIVE)
        raise ApplicationHandlerStop
    if _is_start_command(update):
        return
    await tell(update, texts.WELCOME_UNKNOWN)
    raise ApplicationHandlerStop


async def cancel_flow(update: Update, context: BotContext) -> None:
    """/cancel while a flow is open: the draft goes, nothing is saved. (With none open,
    start.py's /cancel says there is nothing to cancel.)"""
    await flows.finish(context)
    await update.message.reply_text(texts.CANCELLED)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(TypeHandler(Update, resolve_speaker), group=GATE_GROUP)
    app.add_handler(CommandHandler("cancel", cancel_flow, filters=flows.InFlow()))
