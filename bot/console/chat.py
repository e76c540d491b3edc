"""Drive the real Application in-process: typed text, button presses and uploads become
Telegram updates fed to `process_update`; what the bot sent comes back as BotMessages.

The offline console and the handler tests both talk to the bot through this, so neither
has a second implementation of any feature.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from apscheduler.triggers.date import DateTrigger
from telegram import Update

from bot.context import CadreApplication
from bot.console.request import BotMessage, LocalRequest


@dataclass(frozen=True)
class LocalUser:
    user_id: int
    first_name: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.user_id, "is_bot": False, "first_name": self.first_name, "language_code": "zh-hans"}

    def chat(self) -> dict[str, Any]:
        return {"id": self.user_id, "type": "private", "first_name": self.first_name}


class LocalChat:
    def __init__(self, app: CadreApplication, request: LocalRequest, ids: Iterator[int] | None = None) -> None:
        """`ids`, when given, numbers every update, typed message and button press from one
        sequence: the console passes one that goes on from its last run, because features keep
        keys made of these numbers (a one-line /study is remembered by chat and message id), and
        a second run that counted from 1 again would find them taken. Tests start afresh."""
        self.app = app
        self.request = request
        self._update_ids: Iterator[int] = ids if ids is not None else itertools.count(1)
        self._message_ids: Iterator[int] = ids if ids is not None else itertools.count(1_000_000)
        self._callback_ids: Iterator[int] = ids if ids is not None else itertools.count(10_000_001)

    async def send(self, user: LocalUser, text: str, *, group: int | None = None) -> list[BotMessage]:
        """`text` from `user`, in private or, with `group` (a negative chat id), in that group."""
        message = self._message(user, text=text)
        if group is not None:
            message["chat"] = {"id": group, "type": "group", "title": "组织科学习群"}
        if text.startswith("/"):
            command_length = len(text.split(maxsplit=1)[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": command_length}]
        return await self.deliver({"message": message})

    async def upload(self, user: LocalUser, filename: str, content: bytes, caption: str = "") -> list[BotMessage]:
        file_id = self.request.add_file(content)
        message = self._message(user, caption=caption or None)
        message["document"] = {
            "file_id": file_id, "file_unique_id": file_id, "file_name": filename, "file_size": len(content),
        }
        return await self.deliver({"message": message})

    async def press(self, user: LocalUser, shown: BotMessage, label: str) -> list[BotMessage]:
        """Press the button whose text contains `label` on a message the bot showed."""
        data = shown.button(label).data
        if data is None:
            raise LookupError(f"button {label!r} is a link, not a callback")
        return await self.press_data(user, shown, data)

    async def press_data(self, user: LocalUser, shown: BotMessage, data: str) -> list[BotMessage]:
        """Send any callback data, as a forged or stale button would."""
        original = self.request.messages.get((shown.chat_id or 0, shown.message_id or 0))
        query = {
            "id": str(next(self._callback_ids)),
            "from": user.as_dict(),
            "chat_instance": str(user.user_id),
            "data": data,
        }
        if original is not None:
            query["message"] = original
        return await self.deliver({"callback_query": query})

    async def run_one_off_jobs(self) -> list[BotMessage]:
        """Run now the one-off jobs updates queued (a /session's invitations, its end report, a
        count redraw) and return what they sent: the console and the handler tests run no job
        queue, but such a job is part of the answer. A job one of them queues waits for the next call."""
        mark = len(self.request.outbox)
        for job in self.app.job_queue.jobs():
            if isinstance(job.job.trigger, DateTrigger):
                job.schedule_removal()
                await job.run(self.app)
        return self.request.outbox[mark:]

    async def deliver(self, payload: dict[str, Any]) -> list[BotMessage]:
        """Feed one update through the Application and return what the bot sent for it."""
        mark = len(self.request.outbox)
        update = Update.de_json({"update_id": next(self._update_ids), **payload}, self.app.bot)
        await self.app.process_update(update)
        return self.request.outbox[mark:]

    def _message(self, user: LocalUser, **fields: Any) -> dict[str, Any]:
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": user.chat(),
            "from": user.as_dict(),
        }
        message.update({k: v for k, v in fields.items() if v is not None})
        return message
