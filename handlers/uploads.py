"""Files sent to the bot: an admin's roster (.xlsx/CSV/YAML) or knowledge file (YAML with
entries:), told apart by content, then handed to the feature that owns them."""

from __future__ import annotations

import re

from telegram import Update
from telegram.ext import Application, MessageHandler, filters

from bot import texts
from bot.context import BotContext
from db.roster import MAX_ROSTER_BYTES, ROSTER_SUFFIXES
from handlers.knowledge_admin import install_upload
from handlers.roster import import_roster_upload

MAX_UPLOAD_BYTES = MAX_ROSTER_BYTES


_KNOWLEDGE_TOP_KEY = re.compile(rb"^entries\s*:", re.MULTILINE)


def looks_like_knowledge(filename: str, content: bytes) -> bool:
    """A knowledge file is YAML with a top-level `entries:` key; a roster is a list of people.

    Decided from the text, without parsing: the upload is untrusted (and may not even parse),
    and the owning feature's loader is the one that validates it safely.
    """
    return filename.lower().endswith((".yaml", ".yml")) and bool(_KNOWLEDGE_TOP_KEY.search(content))


async def on_document(update: Update, context: BotContext) -> None:
    person, document = context.person, update.message.document
    if person is None or not person.has_role("admin"):
        await update.message.reply_text(texts.UPLOAD_NOT_ADMIN)
        return
    if document.file_size and document.file_size > MAX_UPLOAD_BYTES:
        await update.message.reply_text(
            texts.UPLOAD_TOO_LARGE.format(size=texts.human_size(document.file_size), limit=texts.human_size(MAX_UPLOAD_BYTES))
        )
        return
    filename = document.file_name or "upload"
    content = bytes(await (await document.get_file()).download_as_bytearray())
    if looks_like_knowledge(filename, content):
        await install_upload(update, context, filename, content)
    elif filename.lower().endswith(ROSTER_SUFFIXES):
        await import_roster_upload(update, context, filename, content)
    else:
        await update.message.reply_text(texts.UPLOAD_UNKNOWN_KIND)


def register(app: Application) -> None:  # type: ignore[type-arg]
    app.add_handler(MessageHandler(filters.Document.ALL, on_document))
