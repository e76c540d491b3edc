"""A simulated Telegram user for cadrebot's e2e tests.

User -> bot goes through the emulator's client API (POST /sendMessage, /sendCallback, passed
through the adapter so that waiting getUpdates calls wake up at once). Bot -> user is read
from the adapter's ordered mirror of everything the bot sent, edited or deleted.

Bot messages are dicts (copies) with these keys:
    message_id, chat_id, date, kind ("text", "photo", "document", ...),
    text (text messages, as sent, markup included), caption (media, as sent),
    plain (text or caption with HTML tags removed when parse_mode is HTML),
    parse_mode, reply_markup (as sent: inline or reply keyboard, None if none),
    file (media: file_id, file_name, mime_type, file_size, width, height, data=<bytes>),
    reply_to_message_id, edit_date, deleted
"""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any, Callable

from .adapter import Adapter, scope_key

Predicate = Callable[[dict], Any]
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy


def buttons(message: dict) -> list[str]:
    """Texts of all buttons of a message's keyboard (inline or reply), row by row."""
    markup = message.get("reply_markup") or {}
    rows = markup.get("inline_keyboard") or markup.get("keyboard") or []
    return [b if isinstance(b, str) else b.get("text", "") for row in rows for b in row]


def _summary(msg: dict) -> str:
    body = msg["plain"] if msg["kind"] == "text" else f"[{msg['kind']}] {msg['plain']}"
    flags = " (deleted)" if msg["deleted"] else " (edited)" if msg["edit_date"] else ""
    return f"#{msg['message_id']}{flags} {body[:80]!r} buttons={buttons(msg)}"


class TelegramUser:
    """One Telegram user talking to the bot in a private chat (chat id = user id)."""

    def __init__(self, adapter: Adapter, token: str, user_id: int, first_name: str = "Tester",
                 *, last_name: str | None = None, username: str | None = None,
                 language_code: str | None = "zh-hans"):
        self.adapter, self.token = adapter, token
        self.user_id = self.chat_id = int(user_id)
        self.user = {"id": self.user_id, "is_bot": False, "first_name": first_name}
        for key, value in (("last_name", last_name), ("username", username),
                           ("language_code", language_code)):
            if value:
                self.user[key] = value
        # Start after whatever the bot already sent to this chat (e.g. a previous client).
        start = self._state(lambda b: max((e["seq"] for e in b.events
                                           if e["chat_id"] == self.chat_id), default=0))
        self._cursor = {"message": start, "edited": start, "deleted": start}
        self.last_callback_id: str | None = None
        self.last_update: dict | None = None  # the update the last send_*/press made, as the bot gets it

    # ------------------------------------------------------------------ user -> bot
    def _state(self, fn: Callable) -> Any:
        return self.adapter.snapshot(self.token, fn)

    def _post(self, route: str, body: dict) -> dict:
        request = urllib.request.Request(
            f"{self.adapter.root_url}/{route}", data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with _OPENER.open(request, timeout=10) as resp:
            answer = json.loads(resp.read())
        if not answer.get("ok") or not answer.get("result"):
            raise AssertionError(f"emulator rejected {route}: {answer}")
        self.last_update = answer["result"]  # webhook tests POST it to the bot themselves
        return answer["result"]  # the update as the bot will receive it

    def _message(self, **fields: Any) -> dict:
        chat = {"id": self.chat_id, "type": "private", "first_name": self.user["first_name"]}
        if "username" in self.user:
            chat["username"] = self.user["username"]
        return {"botToken": self.token, "from": self.user, "chat": chat,
                "date": int(time.time()), **fields}

    def send_text(self, text: str) -> dict:
        """Send a text (a leading "/" makes it a command). Returns the update the bot gets."""
        fields: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            fields["entities"] = [{"type": "bot_command", "offset": 0,
                                   "length": len(command.encode("utf-16-le")) // 2}]
        return self._post("sendMessage", self._message(**fields))["message"]

    def send_document(self, file_name: str, data: bytes, mime_type: str | None = None,
                      caption: str | None = None) -> dict:
        """Upload a file; the bot can getFile and download it. Returns the message."""
        f = self.adapter.store_file(data, file_name, mime_type, "document")
        document = {"file_id": f["file_id"], "file_unique_id": f["file_unique_id"],
                    "file_name": file_name, "mime_type": f["mime_type"], "file_size": len(data)}
        extra = {"caption": caption} if caption else {}
        return self._post("sendMessage", self._message(document=document, **extra))["message"]

    def send_photo(self, data: bytes, caption: str | None = None) -> dict:
        """Send a picture (PNG/GIF sizes are read from the bytes). Returns the message."""
        f = self.adapter.store_file(data, None, None, "photo")
        photo = [{"file_id": f["file_id"], "file_unique_id": f["file_unique_id"],
                  "file_size": len(data), "width": f["width"], "height": f["height"]}]
        extra = {"caption": caption} if caption else {}
        return self._post("sendMessage", self._message(photo=photo, **extra))["message"]

    def press(self, button: str, message_id: int | None = None) -> str:
        """Press an inline button, by its text or callback_data, on the latest bot message with
        an inline keyboard (or on ``message_id``). Returns the callback query id."""
        def target(msgs: list[dict]) -> dict | None:
            for msg in reversed(msgs):
                if (message_id is None or msg["message_id"] == message_id) and \
                        "inline_keyboard" in (msg["reply_markup"] or {}):
                    return msg
            return None

        msg = target(self.bot_messages())
        if msg is None:
            raise AssertionError(f"no bot message with an inline keyboard in chat {self.chat_id}"
                                 f" (message_id={message_id}); messages: {self._recent()}")
        found = [b for row in msg["reply_markup"]["inline_keyboard"] for b in row
                 if button in (b.get("text"), b.get("callback_data"))]
        if not found:
            raise AssertionError(f"no button {button!r} on message #{msg['message_id']}; "
                                 f"buttons: {buttons(msg)}")
        if "callback_data" not in found[0]:
            raise AssertionError(f"button {button!r} is not a callback button: {found[0]}")
        body = {"botToken": self.token, "from": self.user, "data": found[0]["callback_data"],
                "message": self.adapter.api_message(self.token, self.chat_id, msg["message_id"])}
        self.last_callback_id = self._post("sendCallback", body)["callback_query"]["id"]
        return self.last_callback_id

    # ------------------------------------------------------------------ bot -> user
    def bot_messages(self, include_deleted: bool = False) -> list[dict]:
        """Current state of every bot message in this chat, oldest first."""
        return self._state(lambda b: [m for (cid, _), m in sorted(b.messages.items())
                                      if cid == self.chat_id and (include_deleted or not m["deleted"])])

    def _recent(self) -> list[str]:
        return [_summary(m) for m in self.bot_messages(include_deleted=True)[-8:]]

    def _wait(self, kind: str, predicate: Predicate | None, timeout: float, what: str) -> dict:
        bot = self.adapter.bot(self.token)

        def find() -> dict | None:
            for event in bot.events:
                if event["seq"] > self._cursor[kind] and event["type"] == kind \
                        and event["chat_id"] == self.chat_id \
                        and (predicate is None or predicate(event["message"])):
                    return event
            return None

        event = self.adapter.wait_for(find, timeout)
        if event is None:
            problems = self._state(lambda b: {"adapter errors": b.errors[-5:],
                                              "unsupported methods": b.unsupported})
            raise AssertionError(f"{what} in chat {self.chat_id} within {timeout}s. "
                                 f"Bot messages so far: {self._recent()}. {problems}")
        self._cursor[kind] = event["seq"]
        return self._state(lambda b: event["message"])

    def wait_for_reply(self, predicate: Predicate | None = None, timeout: float = 10.0) -> dict:
        """The next new bot message in this chat (matching ``predicate`` if given; messages
        that do not match are skipped). Raises AssertionError after ``timeout`` seconds."""
        return self._wait("message", predicate, timeout, "no new bot message")

    def wait_for_replies(self, count: int, timeout: float = 10.0) -> list[dict]:
        """The next ``count`` new bot messages, in order."""
        deadline = time.monotonic() + timeout
        return [self.wait_for_reply(timeout=max(deadline - time.monotonic(), 0.01))
                for _ in range(count)]

    def wait_for_edit(self, message_id: int | None = None, predicate: Predicate | None = None,
                      timeout: float = 10.0) -> dict:
        """The next edit of a bot message (of ``message_id`` if given); returns the message as
        edited (text, caption or keyboard)."""
        def match(msg: dict) -> bool:
            return (message_id is None or msg["message_id"] == message_id) and \
                (predicate is None or predicate(msg))
        return self._wait("edited", match, timeout, f"no edit of bot message {message_id or ''}")

    def wait_for_deletion(self, message_id: int | None = None, timeout: float = 10.0) -> dict:
        """The next bot message deleted by the bot (``message_id`` if given)."""
        return self._wait("deleted", lambda m: message_id in (None, m["message_id"]), timeout,
                          f"no deletion of bot message {message_id or ''}")

    def wait_for_callback_answer(self, callback_id: str | None = None,
                                 timeout: float = 10.0) -> dict:
        """The bot's answerCallbackQuery for ``callback_id`` (default: the last press):
        a dict with text, show_alert, url, cache_time as sent."""
        cid = callback_id or self.last_callback_id
        bot = self.adapter.bot(self.token)
        answer = self.adapter.wait_for(lambda: bot.callback_answers.get(cid), timeout)
        if answer is None:
            raise AssertionError(f"bot did not answer callback query {cid} within {timeout}s")
        return dict(answer)

    def assert_no_reply(self, within: float = 1.0) -> None:
        """Fail if the bot sends a new message to this chat within ``within`` seconds."""
        try:
            msg = self.wait_for_reply(timeout=within)
        except AssertionError:
            return
        raise AssertionError(f"unexpected bot message: {_summary(msg)}")

    def menu(self) -> list[dict]:
        """The command menu this user sees: setMyCommands for this chat, else for all private
        chats, else the default (per language_code, then without)."""
        lang = self.user.get("language_code", "")
        scopes = [{"type": "chat", "chat_id": self.chat_id}, {"type": "all_private_chats"},
                  {"type": "default"}]
        def resolve(b: Any) -> list:
            for scope in scopes:
                for code in dict.fromkeys((lang, "")):
                    if (scope_key(scope), code) in b.commands:
                        return b.commands[(scope_key(scope), code)]
            return []
        return self._state(resolve)
