"""Small reply helpers shared by handlers: answering in whatever form the update came."""

from __future__ import annotations

from telegram import Update


async def tell(update: Update, text: str) -> None:
    """Answer a message with a message, and a button press with an alert on the button."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
