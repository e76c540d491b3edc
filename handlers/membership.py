"""A user blocking or unblocking the bot (my_chat_member): reachable or not, for fan-out and digests."""

from __future__ import annotations

from telegram import ChatMember, Update
from telegram.ext import Application, ChatMemberHandler

from bot.context import BotContext


async def on_my_chat_member(update: Update, context: BotContext) -> None:
    person = context.person
    change = update.my_chat_member
    if person is None or change is None:
        return
    status = change.new_chat_member.status
    person.reachable = status not in (ChatMember.BANNED, ChatMember.LEFT)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(ChatMemberHandler(on_my_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
