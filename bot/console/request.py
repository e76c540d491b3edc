"""An in-process Bot API: a recording `BaseRequest` for the offline console and the tests.

PTB's own tests work this way: the real Bot, Application and handlers run unchanged, and
only the HTTP layer is replaced. Every call is recorded; messages the bot sends become
`BotMessage`s that the console prints and the tests assert on. It implements just the
Bot API methods cadrebot uses and answers anything else with a 400, so a new method
shows up loudly instead of silently succeeding.
"""

from __future__ import annotations

import html
import itertools
import re
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

BOT_ID = 123456


@dataclass(frozen=True)
class Button:
    text: str
    data: str | None = None
    url: str | None = None


@dataclass
class BotMessage:
    """Something the bot showed a chat: a message, an edit of one, or a button alert."""

    kind: str  # "text", "photo", "document", "edit", "alert"
    chat_id: int | None
    message_id: int | None = None
    text: str = ""
    buttons: list[list[Button]] = field(default_factory=list)
    filename: str | None = None
    content: bytes | None = None
    parse_mode: str | None = None

    @property
    def plain(self) -> str:
        """The text as a reader sees it: HTML markup applied, not shown."""
        if self.parse_mode != "HTML":
            return self.text
        return html.unescape(re.sub(r"<[^>]+>", "", self.text))

    @property
    def flat_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]

    def button(self, label: str) -> Button:
        """The button whose text contains `label` (tests name buttons by what users read)."""
        for candidate in self.flat_buttons:
            if label in candidate.text:
                return candidate
        raise LookupError(f"no button {label!r} in {[b.text for b in self.flat_buttons]}")


@dataclass
class ApiError:
    status: int
    description: str
    retry_after: int | None = None
    times: int | None = None  # answer this many sends, then deliver again (None: for good)


class LocalRequest(BaseRequest):
    def __init__(self, bot_username: str = "cadrebot_demo", ids: Iterator[int] | None = None) -> None:
        """`ids` numbers the bot's messages and the files; the console passes the sequence its
        own typed messages use, so (as in a Telegram chat) both sides share one rising series
        that goes on from the last run, and no id a feature may have stored comes round again."""
        self.bot_username = bot_username
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.outbox: list[BotMessage] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.commands: dict[str, list[dict[str, Any]]] = {}
        # chat id -> error to answer instead of delivering (a user who blocked the bot, ...)
        self.faults: dict[int, ApiError] = {}
        # Telegram keeps a message's formatting (entities) through a keyboard-only edit; the
        # recorder keeps the parse mode each message was sent or last edited with instead.
        self.parse_modes: dict[tuple[int, int], str | None] = {}
        self._message_ids = ids if ids is not None else itertools.count(1)
        self._file_ids = ids if ids is not None else itertools.count(1)

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def add_file(self, content: bytes) -> str:
        file_id = f"file-{next(self._file_ids)}"
        self.files[file_id] = content
        return file_id

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = None,
        write_timeout: object = None,
        connect_timeout: object = None,
        pool_timeout: object = None,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            file_id = url.rsplit("/", 1)[-1]
            return (200, self.files[file_id]) if file_id in self.files else (404, b"not found")
        api_method = url.rsplit("/", 1)[-1]
        params = dict(request_data.parameters) if request_data else {}
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        self.calls.append((api_method, params))
        chat_id = _int(params.get("chat_id"))
        fault = self.faults.get(chat_id)
        if fault is not None and api_method.startswith("send"):
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self.faults[chat_id]
            return _error(fault)
        handler = getattr(self, f"_api_{api_method}", None)
        if handler is None:
            return _error(ApiError(400, f"Bad Request: method {api_method} not implemented locally"))
        return 200, json.dumps({"ok": True, "result": handler(params, files)}).encode()

    # --- Bot API methods -------------------------------------------------------------

    def _api_getMe(self, params: dict, files: dict) -> dict:
        return {
            "id": BOT_ID, "is_bot": True, "first_name": "组工学习助手", "username": self.bot_username,
            "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False,
        }

    def _api_sendMessage(self, params: dict, files: dict) -> dict:
        message = self._new_message(params, text=str(params.get("text", "")))
        self._record("text", message, params)
        return message

    def _api_sendDocument(self, params: dict, files: dict) -> dict:
        filename, content = _upload(files, "document")
        file_id = self.add_file(content)
        message = self._new_message(params, caption=params.get("caption"))
        message["document"] = {"file_id": file_id, "file_unique_id": file_id, "file_name": filename}
        self._record("document", message, params, filename=filename, content=content)
        return message

    def _api_sendPhoto(self, params: dict, files: dict) -> dict:
        filename, content = _upload(files, "photo")
        file_id = self.add_file(content)
        message = self._new_message(params, caption=params.get("caption"))
        message["photo"] = [{"file_id": file_id, "file_unique_id": file_id, "width": 1200, "height": 800}]
        self._record("photo", message, params, filename=filename, content=content)
        return message

    def _api_editMessageText(self, params: dict, files: dict) -> dict | bool:
        return self._edit(params, text=str(params.get("text", "")))

    def _api_editMessageReplyMarkup(self, params: dict, files: dict) -> dict | bool:
        return self._edit(params)

    def _api_answerCallbackQuery(self, params: dict, files: dict) -> bool:
        if params.get("text"):
            self.outbox.append(BotMessage(kind="alert", chat_id=None, text=str(params["text"])))
        return True

    def _api_setMyCommands(self, params: dict, files: dict) -> bool:
        scope = params.get("scope") or {"type": "default"}
        key = f"{scope.get('type')}:{scope.get('chat_id', '')}"
        self.commands[key] = list(params.get("commands", []))
        return True

    def _api_getFile(self, params: dict, files: dict) -> dict:
        file_id = str(params["file_id"])
        size = len(self.files.get(file_id, b""))
        return {"file_id": file_id, "file_unique_id": file_id, "file_size": size, "file_path": file_id}

    def _api_deleteMyCommands(self, params: dict, files: dict) -> bool:
        return True

    def _api_sendChatAction(self, params: dict, files: dict) -> bool:
        return True

    def _api_deleteWebhook(self, params: dict, files: dict) -> bool:
        return True

    def _api_getUpdates(self, params: dict, files: dict) -> list:
        return []

    # --- helpers ---------------------------------------------------------------------

    def _new_message(self, params: dict, text: str | None = None, caption: object = None) -> dict:
        chat_id = _int(params.get("chat_id"))
        message: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            # Group and supergroup ids are negative, as Telegram's are.
            "chat": {"id": chat_id, "type": "group" if chat_id is not None and chat_id < 0 else "private"},
            "from": {"id": BOT_ID, "is_bot": True, "first_name": "组工学习助手", "username": self.bot_username},
        }
        if text is not None:
            message["text"] = text
        if caption:
            message["caption"] = str(caption)
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _record(self, kind: str, message: dict, params: dict, **extra: Any) -> None:
        self.parse_modes[(message["chat"]["id"], message["message_id"])] = params.get("parse_mode")
        self.outbox.append(
            BotMessage(
                kind=kind,
                chat_id=message["chat"]["id"],
                message_id=message["message_id"],
                text=message.get("text") or message.get("caption") or "",
                buttons=_buttons(params.get("reply_markup")),
                parse_mode=params.get("parse_mode"),
                **extra,
            )
        )

    def _edit(self, params: dict, text: str | None = None) -> dict | bool:
        key = (_int(params.get("chat_id")), _int(params.get("message_id")))
        message = self.messages.get(key)
        if message is None:
            return True
        if text is not None:
            message["text"] = text
            self.parse_modes[key] = params.get("parse_mode")  # new text: parsed as this edit says
        message["reply_markup"] = params.get("reply_markup") or None
        if message["reply_markup"] is None:
            message.pop("reply_markup")
        self.outbox.append(
            BotMessage(
                kind="edit", chat_id=key[0], message_id=key[1], text=message.get("text", ""),
                buttons=_buttons(params.get("reply_markup")), parse_mode=self.parse_modes.get(key),
            )
        )
        return message


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def _upload(files: dict, part: str) -> tuple[str, bytes]:
    name, content, _mime = files[part]
    data = content if isinstance(content, bytes) else content.read()
    return name or part, data


def _buttons(markup: object) -> list[list[Button]]:
    if isinstance(markup, str):
        markup = json.loads(markup)
    if not isinstance(markup, dict):
        return []
    return [
        [Button(b.get("text", ""), b.get("callback_data"), b.get("url")) for b in row]
        for row in markup.get("inline_keyboard", [])
    ]


def _error(error: ApiError) -> tuple[int, bytes]:
    body: dict[str, Any] = {"ok": False, "error_code": error.status, "description": error.description}
    if error.retry_after is not None:
        body["parameters"] = {"retry_after": error.retry_after}
    return error.status, json.dumps(body).encode()
