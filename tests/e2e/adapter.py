"""Bot API compatibility adapter in front of the telegram-test-api 4.2.1 emulator.

An aiohttp server on 127.0.0.1 that sits between the bot under test (python-telegram-bot 22)
and the node emulator:

    bot  --/bot<token>/<method>, /file/bot<token>/<path>-->  Adapter  --JSON-->  emulator
    test --/sendMessage, /sendCallback, ... (client API)-->  Adapter  --JSON-->  emulator

The emulator keeps doing what it does well (message ids, the queue of user updates, the
client API); the adapter fixes its answers for PTB and implements the methods it lacks.
Every message the bot sends, edits or deletes is mirrored here, in order, so that tests
can wait for it (see client.py). The fixes are listed in README.md.

It runs in a background thread of the test process (``Adapter(...).start()``), so tests
read its state directly; all state is guarded by one ``threading.Condition``.
Standalone, for poking at it by hand:
    python tests/e2e/adapter.py --upstream http://127.0.0.1:9000 --port 8081
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import mimetypes
import re
import struct
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable

import aiohttp
from aiohttp import web

HOST = "127.0.0.1"
MAX_LONG_POLL = 30.0  # upper bound on how long getUpdates is held open, seconds
UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=10)

# PTB sends str values raw and JSON-encodes everything else; these fields are free text or ids
# and must never be JSON-decoded (a text "123" must stay a str).
STRING_FIELDS = {
    "text", "caption", "parse_mode", "callback_query_id", "inline_message_id", "file_id",
    "language_code", "action", "url", "description", "short_description", "name", "emoji",
    "title", "query", "business_connection_id", "message_effect_id", "secret_token",
    "photo", "document", "audio", "video", "voice", "animation", "sticker", "thumbnail",
}
MEDIA_KINDS = ("photo", "document", "audio", "video", "voice", "animation", "sticker")
CLIENT_ROUTES = ("sendMessage", "sendCommand", "sendCallback", "getUpdates", "getUpdatesHistory")
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
             "a", "code", "pre", "blockquote", "tg-emoji"}
COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
CONFLICT = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running")
WEBHOOK_ACTIVE = ("Conflict: can't use getUpdates method while webhook is active; use deleteWebhook "
                  "to delete the webhook first")
SECRET_TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a content and reply markup of the current message")


class ApiError(Exception):
    """A Bot API error answer: {"ok": false, "error_code": code, "description": ...}."""

    def __init__(self, description: str, code: int = 400):
        super().__init__(description)
        self.description, self.code = description, code


@dataclass
class BotState:
    """Everything the adapter knows about one bot token."""

    token: str
    me: dict = field(default_factory=dict)
    pending: list = field(default_factory=list)  # fixed updates not yet confirmed by offset
    history: list = field(default_factory=list)  # every update ever handed out
    polls: int = 0  # getUpdates calls seen
    messages: dict = field(default_factory=dict)  # (chat_id, message_id) -> bot message record
    user_messages: dict = field(default_factory=dict)  # (chat_id, message_id) -> user message
    events: list = field(default_factory=list)  # {"seq", "type", "chat_id", "message_id", "message"}
    commands: dict = field(default_factory=dict)  # (scope_key, language_code) -> [BotCommand dict]
    menu_buttons: dict = field(default_factory=dict)  # chat_id or None -> MenuButton dict
    settings: dict = field(default_factory=dict)  # setMyDescription & co: method -> params
    callback_answers: dict = field(default_factory=dict)  # callback_query_id -> params
    chat_actions: list = field(default_factory=list)
    calls: list = field(default_factory=list)  # {"method", "params", "files"} (not getUpdates)
    errors: list = field(default_factory=list)  # (method, description) answered with ok=false
    unsupported: list = field(default_factory=list)  # method names the adapter does not know
    webhook: dict = field(default_factory=dict)  # setWebhook's url, secret_token, allowed_updates
    seq: int = 0


def _now() -> int:
    return int(time.time())


def _seconds(value: Any) -> int:
    """The emulator stamps dates in milliseconds; Telegram (and PTB) use seconds."""
    if not isinstance(value, (int, float)) or value <= 0:
        return _now()
    return int(value // 1000) if value > 10**11 else int(value)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def scope_key(scope: Any = None) -> str:
    """Canonical key of a BotCommandScope (a PTB object, a dict or None for the default)."""
    if hasattr(scope, "to_dict"):
        scope = scope.to_dict()
    scope = dict(scope or {"type": "default"})
    if str(scope.get("chat_id", "")).lstrip("-").isdigit():
        scope["chat_id"] = int(scope["chat_id"])
    return json.dumps(scope, sort_keys=True)


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a PNG or GIF, (0, 0) for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    return 0, 0


def _sniff_mime(data: bytes) -> str | None:
    for magic, mime in ((b"\x89PNG", "image/png"), (b"\xff\xd8\xff", "image/jpeg"),
                        (b"GIF8", "image/gif"), (b"%PDF", "application/pdf")):
        if data.startswith(magic):
            return mime
    return None


class _TelegramHTML(HTMLParser):
    """Checks parse_mode=HTML text like Telegram does (supported tags, balanced) and keeps the
    plain text. Errors use Telegram's wording: "can't parse entities: ..."."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.plain: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in HTML_TAGS:
            raise ApiError(f"Bad Request: can't parse entities: Unsupported start tag \"{tag}\"")
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        raise ApiError(f"Bad Request: can't parse entities: Unsupported start tag \"{tag}\"")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(f"Bad Request: can't parse entities: Unexpected end tag \"{tag}\"")
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.plain.append(data)

    @classmethod
    def plain_text(cls, text: str) -> str:
        parser = cls()
        parser.feed(text)
        parser.close()
        if parser.stack:
            raise ApiError("Bad Request: can't parse entities: Can't find end tag corresponding "
                           f"to start tag \"{parser.stack[-1]}\"")
        return "".join(parser.plain)


class Adapter:
    """The proxy. ``start()`` runs it in a daemon thread; ``root_url`` is TELEGRAM_API_BASE_URL."""

    def __init__(self, upstream: str, host: str = HOST, port: int = 0):
        self.upstream = upstream.rstrip("/")
        self.host, self.port = host, port
        self.root_url = ""
        self._cond = threading.Condition()
        self._bots: dict[str, BotState] = {}
        self._chats: dict[int, dict] = {}  # chats learnt from user updates
        self._files: dict[str, dict] = {}  # file_id -> file record (with its bytes)
        self._paths: dict[str, dict] = {}  # file_path -> file record
        self._file_no = itertools.count(1)
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._start_error: BaseException | None = None
        self._methods: dict[str, Callable] = {
            name.lower(): getattr(self, "_m_" + name) for name in (
                "getMe", "getUpdates", "setWebhook", "deleteWebhook", "getWebhookInfo", "logOut", "close",
                "sendMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
                "deleteMessage", "deleteMessages", "answerCallbackQuery", "sendChatAction",
                "setMyCommands", "getMyCommands", "deleteMyCommands", "setChatMenuButton",
                "getChatMenuButton", "getFile", "getChat")}
        for kind in MEDIA_KINDS:
            self._methods["send" + kind] = self._media_sender(kind)
        for name in ("setMyDescription", "setMyShortDescription", "setMyName"):
            self._methods[name.lower()] = self._setting_setter(name)
        for name, key in (("getMyDescription", "description"),
                          ("getMyShortDescription", "short_description"), ("getMyName", "name")):
            self._methods[name.lower()] = self._setting_getter("set" + name[3:], key)

    # ------------------------------------------------------------------ lifecycle
    def start(self, timeout: float = 10.0) -> str:
        self._thread = threading.Thread(target=self._run, name="e2e-adapter", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise RuntimeError("e2e adapter did not start in time")
        if self._start_error:
            raise RuntimeError(f"e2e adapter failed to start: {self._start_error!r}")
        return self.root_url

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop and self._thread and self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout)

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(self._startup())
        except BaseException as exc:  # reported by start()
            self._start_error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._shutdown())
        loop.close()

    async def _startup(self) -> None:
        self._wake = asyncio.Event()
        self._pull_lock = asyncio.Lock()
        self._session = aiohttp.ClientSession(timeout=UPSTREAM_TIMEOUT)  # trust_env=False
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._bot_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._download)
        for route in CLIENT_ROUTES:
            app.router.add_post("/" + route, self._client_api)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = self._runner.addresses[0][1]
        self.root_url = f"http://{self.host}:{self.port}"

    async def _shutdown(self) -> None:
        self._closing = True
        self._wake.set()  # release held getUpdates
        await self._runner.cleanup()
        await self._session.close()

    # ------------------------------------------------------------------ plumbing
    def bot(self, token: str) -> BotState:
        with self._cond:
            if token not in self._bots:
                self._bots[token] = BotState(token)
            return self._bots[token]

    async def _upstream(self, path: str, payload: dict) -> tuple[int, dict]:
        async with self._session.post(self.upstream + path, json=payload) as resp:
            try:
                body = await resp.json(content_type=None)
            except ValueError:
                body = {"message": await resp.text()}
            return resp.status, body if isinstance(body, dict) else {"result": body}

    async def _call(self, token: str, method: str, payload: dict) -> Any:
        """Call a Bot API method on the emulator; raise ApiError unless it answered ok."""
        status, body = await self._upstream(f"/bot{token}/{method}", payload)
        if status != 200 or not body.get("ok"):
            raise ApiError(body.get("description") or f"emulator: {body.get('message')}",
                           body.get("error_code") or (status if status != 200 else 400))
        return body.get("result")

    @staticmethod
    async def _read_params(request: web.Request) -> tuple[dict, dict]:
        """Bot API parameters from the query string, a JSON body, a form or a multipart body
        (PTB uploads files as multipart parts named after the parameter or its attach:// name)."""
        params: dict[str, Any] = dict(request.query)
        files: dict[str, dict] = {}
        if request.can_read_body:
            if request.content_type == "application/json":
                params.update(await request.json() or {})
            else:
                for key, value in (await request.post()).items():
                    if isinstance(value, web.FileField):
                        files[key] = {"data": value.file.read(), "file_name": value.filename,
                                      "mime_type": value.content_type}
                    else:
                        params[key] = value if isinstance(value, str) else value.decode()
        for key, value in params.items():
            if isinstance(value, str) and key not in STRING_FIELDS:
                try:
                    params[key] = json.loads(value)
                except ValueError:
                    pass
        return params, files

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    async def _bot_api(self, request: web.Request) -> web.Response:
        token, method = request.match_info["token"], request.match_info["method"]
        bot = self.bot(token)
        try:
            params, files = await self._read_params(request)
            handler = self._methods.get(method.lower())
            if method.lower() != "getupdates":
                with self._cond:
                    bot.calls.append({"method": method, "params": params, "files": sorted(files)})
            if handler is None:
                with self._cond:
                    bot.unsupported.append(method)
                raise ApiError(f"Bad Request: method {method} is not implemented by the e2e "
                               "adapter (tests/e2e/adapter.py)")
            return self._ok(await handler(bot, params, files))
        except aiohttp.ClientError as exc:
            err = ApiError(f"e2e adapter: emulator at {self.upstream} unreachable: {exc!r}", 502)
        except ApiError as exc:
            err = exc
        if err.description != CONFLICT:  # a superseded long poll is not the bot's error
            with self._cond:
                bot.errors.append((method, err.description))
                self._cond.notify_all()
        return web.json_response({"ok": False, "error_code": err.code,
                                  "description": err.description}, status=err.code)

    async def _download(self, request: web.Request) -> web.Response:
        with self._cond:
            rec = self._paths.get(request.match_info["path"])
        if rec is None:
            return web.json_response({"ok": False, "error_code": 404,
                                      "description": "Not Found"}, status=404)
        return web.Response(body=rec["data"], content_type=rec["mime_type"])

    # ------------------------------------------------------------------ updates
    async def _client_api(self, request: web.Request) -> web.Response:
        """The emulator's client API, passed through. For sendMessage/sendCommand/sendCallback
        the answer's result is the update exactly as the bot will receive it (the emulator
        answers null), and long-polling getUpdates calls are woken at once."""
        route = request.path.lstrip("/")
        body = await request.json()
        token = body.get("botToken") or body.get("token")
        if route.startswith("send"):
            # The emulator's async handlers assert these and, unawaited, crash node if they fail.
            if not token:
                return web.json_response({"ok": False, "description": "botToken missing"}, status=400)
            if route == "sendCommand" and not body.get("entities"):
                return web.json_response({"ok": False, "description": "entities missing"}, status=400)
        bot = self.bot(token) if token else None
        with self._cond:
            before = bot.history[-1]["update_id"] if bot and bot.history else 0
        status, data = await self._upstream(request.path, body)
        if bot and route.startswith("send") and data.get("ok"):
            await self._pull(bot)
            sender = (body.get("from") or {}).get("id")
            with self._cond:
                mine = [u for u in bot.history if u["update_id"] > before
                        and self._sender(u) == sender]
            data = {"ok": True, "result": copy.deepcopy(mine[0]) if mine else None}
        return web.json_response(data, status=status)

    @staticmethod
    def _sender(update: dict) -> Any:
        body = update.get("message") or update.get("callback_query") or {}
        return (body.get("from") or {}).get("id")

    async def _pull(self, bot: BotState) -> None:
        """Move the emulator's new user updates for this bot into our own queue. The emulator
        marks updates read as soon as it returns them and ignores offset, so we keep them until
        the bot confirms them with a higher offset, like Telegram."""
        async with self._pull_lock:
            fresh = await self._call(bot.token, "getUpdates", {}) or []
            if not fresh:
                return
            with self._cond:
                for raw in fresh:
                    update = self._fix_update(bot, raw)
                    bot.pending.append(update)
                    bot.history.append(update)
                self._cond.notify_all()
        self._notify()

    def _notify(self) -> None:
        """Wake every held getUpdates (runs on the adapter's loop)."""
        self._wake.set()
        self._wake = asyncio.Event()

    def _fix_update(self, bot: BotState, raw: dict) -> dict:
        """Make an emulator update look like Telegram's (caller holds the lock)."""
        update = copy.deepcopy(raw)
        if "message" in update:
            update["message"] = self._fix_user_message(bot, update["message"])
        query = update.get("callback_query")
        if query:
            query.pop("botToken", None)
            query["id"] = str(query["id"])
            query["from"] = self._fix_user(query.get("from"))
            msg = query.get("message") or {}
            chat_id = (msg.get("chat") or {}).get("id", query["from"]["id"])
            query.setdefault("chat_instance", str(chat_id))  # required by PTB, never sent
            message_id = msg.get("message_id") or self._keyboard_message(bot, chat_id, query.get("data"))
            rec = bot.messages.get((chat_id, message_id))
            if rec:  # Telegram sends the message as it is now, with seconds in date
                query["message"] = self._api_message(bot, rec)
            elif message_id:
                msg.pop("botToken", None)
                msg.update(message_id=message_id, date=_seconds(msg.get("date")))
                msg.setdefault("chat", {"id": chat_id, "type": "private"})
            else:
                query.pop("message", None)
        return update

    def _fix_user(self, user: dict | None) -> dict:
        user = dict(user or {"id": 1})
        user.setdefault("is_bot", False)
        user.setdefault("first_name", "Tester")
        return user

    def _fix_user_message(self, bot: BotState, msg: dict) -> dict:
        msg = dict(msg)
        msg.pop("botToken", None)
        msg["date"] = _seconds(msg.get("date"))
        msg["from"] = self._fix_user(msg.get("from"))
        chat = dict(msg.get("chat") or {"id": msg["from"]["id"],
                                         "first_name": msg["from"]["first_name"]})
        chat.setdefault("type", "private" if chat["id"] > 0 else "group")
        if chat["type"] == "private":
            chat.pop("title", None)  # the emulator's own client puts a title on private chats
        msg["chat"] = chat
        text = msg.get("text") or ""
        if text.startswith("/") and not msg.get("entities"):  # emulator /sendMessage has none
            msg["entities"] = [{"type": "bot_command", "offset": 0,
                                "length": _utf16_len(text.split(maxsplit=1)[0])}]
        self._chats[chat["id"]] = chat
        bot.user_messages[(chat["id"], msg.get("message_id"))] = msg
        return msg

    @staticmethod
    def _keyboard_message(bot: BotState, chat_id: int, data: Any) -> int | None:
        """Latest bot message in the chat with an inline button carrying this callback_data."""
        for (cid, mid), rec in sorted(bot.messages.items(), key=lambda kv: -kv[0][1]):
            rows = (rec["reply_markup"] or {}).get("inline_keyboard") or []
            if cid == chat_id and any(b.get("callback_data") == data for r in rows for b in r):
                return mid
        return None

    async def _m_getUpdates(self, bot: BotState, p: dict, files: dict) -> list:
        offset = int(p.get("offset") or 0)
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = min(max(float(p.get("timeout") or 0), 0.0), MAX_LONG_POLL)
        allowed = set(p.get("allowed_updates") or [])
        if bot.webhook:
            raise ApiError(WEBHOOK_ACTIVE, 409)
        with self._cond:
            bot.polls += 1
            generation = bot.polls
            if offset > 0:  # confirm everything below offset
                bot.pending = [u for u in bot.pending if u["update_id"] >= offset]
            self._cond.notify_all()
        self._notify()  # an older getUpdates of this token still held gets 409, like Telegram
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            wake = self._wake
            if bot.polls != generation:
                raise ApiError(CONFLICT, 409)
            await self._pull(bot)
            with self._cond:
                ready = [u for u in bot.pending if u["update_id"] >= offset
                         and (not allowed or allowed & set(u) - {"update_id"})][:limit]
            remaining = deadline - loop.time()
            if ready or remaining <= 0 or self._closing:
                return copy.deepcopy(ready)
            try:  # hold the request like Telegram's long polling; re-check twice a second
                await asyncio.wait_for(wake.wait(), min(remaining, 0.5))
            except asyncio.TimeoutError:
                pass

    async def _m_setWebhook(self, bot: BotState, p: dict, files: dict) -> bool:
        """Recorded, never called: tests POST updates to the bot's webhook themselves (the
        emulator's own webhook support would race them). Telegram's refusals are kept."""
        url = str(p.get("url") or "")
        if not url:
            return await self._m_deleteWebhook(bot, p, files)
        if not url.startswith("https://"):
            raise ApiError("Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        secret = p.get("secret_token")
        if secret is not None and not SECRET_TOKEN_RE.fullmatch(str(secret)):
            raise ApiError("Bad Request: secret token contains unallowed characters")
        with self._cond:
            bot.webhook = {"url": url, "secret_token": secret, "allowed_updates": p.get("allowed_updates")}
            if p.get("drop_pending_updates"):
                bot.pending.clear()
            self._cond.notify_all()
        return True

    async def _m_deleteWebhook(self, bot: BotState, p: dict, files: dict) -> bool:
        with self._cond:
            bot.webhook = {}
        await self._call(bot.token, "deleteWebhook", {})
        if p.get("drop_pending_updates"):
            await self._pull(bot)
            with self._cond:
                bot.pending.clear()
        return True

    async def _m_getWebhookInfo(self, bot: BotState, p: dict, files: dict) -> dict:
        info = {"url": bot.webhook.get("url", ""), "has_custom_certificate": False,
                "pending_update_count": 0 if bot.webhook else len(bot.pending)}
        if bot.webhook.get("allowed_updates"):
            info["allowed_updates"] = bot.webhook["allowed_updates"]
        return info

    async def _m_logOut(self, bot: BotState, p: dict, files: dict) -> bool:
        return True

    _m_close = _m_logOut

    # ------------------------------------------------------------------ bot identity, chats
    def _bot_user(self, bot: BotState) -> dict:
        if not bot.me:
            prefix = bot.token.split(":", 1)[0]
            bot.me = {"id": int(prefix) if prefix.isdigit() else 666, "is_bot": True,
                      "first_name": "Test First name", "username": "TestNameBot",
                      "can_join_groups": True, "can_read_all_group_messages": False,
                      "supports_inline_queries": False}
        return bot.me

    async def _m_getMe(self, bot: BotState, p: dict, files: dict) -> dict:
        result = await self._call(bot.token, "getMe", {})
        with self._cond:
            me = self._bot_user(bot)
            me.update(first_name=result.get("first_name", me["first_name"]),
                      username=result.get("username", me["username"]))
            return dict(me)  # adds is_bot (required by PTB) and an id taken from the token

    def _chat(self, chat_id: Any) -> dict:
        if chat_id in self._chats:
            return dict(self._chats[chat_id])
        if isinstance(chat_id, int):
            return {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        return {"id": -1, "type": "channel", "username": str(chat_id).lstrip("@")}

    async def _m_getChat(self, bot: BotState, p: dict, files: dict) -> dict:
        chat_id = self._chat_id(p)
        with self._cond:
            chat = self._chat(chat_id)
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11,
                "accepted_gift_types": {"unlimited_gifts": False, "limited_gifts": False,
                                        "unique_gifts": False, "premium_subscription": False,
                                        "gifts_from_channels": False}}

    @staticmethod
    def _chat_id(p: dict) -> Any:
        chat_id = p.get("chat_id")
        if chat_id in (None, ""):
            raise ApiError("Bad Request: chat_id is empty")
        return int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id

    # ------------------------------------------------------------------ messages
    @staticmethod
    def _plain(text: str, parse_mode: Any) -> str:
        return _TelegramHTML.plain_text(text) if str(parse_mode).upper() == "HTML" else text

    @staticmethod
    def _check_markup(markup: Any) -> dict | None:
        if not markup:
            return None
        if not isinstance(markup, dict):
            raise ApiError("Bad Request: can't parse reply keyboard markup JSON object")
        for row in markup.get("inline_keyboard") or []:
            for button in row:
                data = button.get("callback_data")
                if data is not None and not 1 <= len(str(data).encode()) <= 64:
                    raise ApiError("Bad Request: BUTTON_DATA_INVALID")
        return markup

    def _api_message(self, bot: BotState, rec: dict) -> dict:
        """A bot message record as the Bot API returns it (caller holds the lock)."""
        msg = {"message_id": rec["message_id"], "from": dict(self._bot_user(bot)),
               "chat": self._chat(rec["chat_id"]), "date": rec["date"]}
        if rec["edit_date"]:
            msg["edit_date"] = rec["edit_date"]
        if rec["kind"] == "text":
            msg["text"] = rec["plain"]
        else:
            msg[rec["kind"]] = self._api_file(rec["file"], rec["kind"])
            if rec["caption"]:
                msg["caption"] = rec["plain"]
        if rec["reply_markup"] and "inline_keyboard" in rec["reply_markup"]:
            msg["reply_markup"] = rec["reply_markup"]  # Telegram echoes inline keyboards only
        return msg

    def _record(self, bot: BotState, chat_id: Any, result: dict, p: dict, kind: str,
                markup: dict | None, plain: str, file: dict | None = None) -> dict:
        reply = p.get("reply_parameters") or {}
        rec = {"message_id": result["message_id"], "chat_id": chat_id, "date": _now(),
               "kind": kind, "text": p.get("text") if kind == "text" else None,
               "caption": p.get("caption") if kind != "text" else None, "plain": plain,
               "parse_mode": p.get("parse_mode"), "reply_markup": markup, "file": file,
               "reply_to_message_id": reply.get("message_id") or p.get("reply_to_message_id"),
               "edit_date": None, "deleted": False}
        with self._cond:
            bot.messages[(chat_id, rec["message_id"])] = rec
            self._event(bot, "message", rec)
            return self._api_message(bot, rec)

    def _event(self, bot: BotState, kind: str, rec: dict) -> None:
        bot.seq += 1
        bot.events.append({"seq": bot.seq, "type": kind, "chat_id": rec["chat_id"],
                           "message_id": rec["message_id"], "message": rec})
        self._cond.notify_all()

    async def _m_sendMessage(self, bot: BotState, p: dict, files: dict) -> dict:
        chat_id, text = self._chat_id(p), str(p.get("text") or "")
        plain = self._plain(text, p.get("parse_mode"))
        if not plain.strip():
            raise ApiError("Bad Request: message text is empty")
        if _utf16_len(plain) > 4096:
            raise ApiError("Bad Request: message is too long")
        markup = self._check_markup(p.get("reply_markup"))
        payload = {"chat_id": chat_id, "text": text, **({"reply_markup": markup} if markup else {})}
        result = await self._call(bot.token, "sendMessage", payload)
        return self._record(bot, chat_id, result, p, "text", markup, plain)

    def _media_sender(self, kind: str) -> Callable:
        async def send(bot: BotState, p: dict, files: dict) -> dict:
            chat_id, value = self._chat_id(p), p.get(kind)
            upload = files.get(kind)
            if isinstance(value, str) and value.startswith("attach://"):
                upload = files.get(value[len("attach://"):])
            if upload:
                file = self.store_file(upload["data"], upload["file_name"], upload["mime_type"], kind)
            elif isinstance(value, str) and value.startswith(("http://", "https://")):
                file = self.store_file(b"", value.rsplit("/", 1)[-1], None, kind, url=value)
            elif isinstance(value, str) and value in self._files:
                with self._cond:
                    file = self._files[value]  # re-sending by file_id
            else:
                raise ApiError("Bad Request: wrong file identifier/HTTP URL specified")
            caption = str(p.get("caption") or "")
            plain = self._plain(caption, p.get("parse_mode"))
            if _utf16_len(plain) > 1024:
                raise ApiError("Bad Request: message caption is too long")
            markup = self._check_markup(p.get("reply_markup"))
            # The emulator has no media methods: store a text message to get a message id.
            payload = {"chat_id": chat_id, "text": caption, **({"reply_markup": markup} if markup else {})}
            result = await self._call(bot.token, "sendMessage", payload)
            return self._record(bot, chat_id, result, p, kind, markup, plain, file)
        return send

    async def _edit(self, bot: BotState, p: dict, what: str) -> Any:
        if p.get("inline_message_id"):
            return True
        chat_id, message_id = self._chat_id(p), int(p.get("message_id") or 0)
        with self._cond:
            rec = bot.messages.get((chat_id, message_id))
        if rec is None or rec["deleted"]:
            raise ApiError("Bad Request: message to edit not found")
        # Like Telegram: an edit without reply_markup removes the inline keyboard.
        new = dict(rec, reply_markup=self._check_markup(p.get("reply_markup")))
        if what in ("text", "caption"):
            if (what == "text") != (rec["kind"] == "text"):
                raise ApiError(f"Bad Request: there is no {what} in the message to edit")
            value = str(p.get(what) or "")
            plain = self._plain(value, p.get("parse_mode"))
            if what == "text" and not plain.strip():
                raise ApiError("Bad Request: message text is empty")
            if what == "text" and _utf16_len(plain) > 4096:
                raise ApiError("Bad Request: message is too long")
            if what == "caption" and _utf16_len(plain) > 1024:
                raise ApiError("Bad Request: message caption is too long")
            new.update({what: value, "plain": plain, "parse_mode": p.get("parse_mode")})
        if all(new[k] == rec[k] for k in ("text", "caption", "parse_mode", "reply_markup")):
            raise ApiError(NOT_MODIFIED)
        new["edit_date"] = _now()
        if rec["kind"] == "text":  # keep the emulator's own store in step (best effort)
            method = "editMessageText" if what == "text" else "editMessageReplyMarkup"
            try:
                await self._call(bot.token, method, {"chat_id": chat_id, "message_id": message_id,
                                                     "text": new["text"], "reply_markup": new["reply_markup"]})
            except ApiError:
                pass
        with self._cond:
            bot.messages[(chat_id, message_id)] = new
            self._event(bot, "edited", new)
            return self._api_message(bot, new)  # the emulator answers null; PTB wants a Message

    async def _m_editMessageText(self, bot: BotState, p: dict, files: dict) -> Any:
        return await self._edit(bot, p, "text")

    async def _m_editMessageCaption(self, bot: BotState, p: dict, files: dict) -> Any:
        return await self._edit(bot, p, "caption")

    async def _m_editMessageReplyMarkup(self, bot: BotState, p: dict, files: dict) -> Any:
        return await self._edit(bot, p, "markup")

    async def _m_deleteMessage(self, bot: BotState, p: dict, files: dict) -> bool:
        # Not forwarded: the emulator may match a callback update instead of the message.
        key = (self._chat_id(p), int(p.get("message_id") or 0))
        with self._cond:
            rec = bot.messages.get(key)
            if rec and not rec["deleted"]:
                bot.messages[key] = dict(rec, deleted=True)
                self._event(bot, "deleted", bot.messages[key])
                return True
            if key in bot.user_messages:
                del bot.user_messages[key]
                return True
        raise ApiError("Bad Request: message to delete not found")

    async def _m_deleteMessages(self, bot: BotState, p: dict, files: dict) -> bool:
        for message_id in p.get("message_ids") or []:
            try:
                await self._m_deleteMessage(bot, {**p, "message_id": message_id}, files)
            except ApiError:
                pass
        return True

    async def _m_answerCallbackQuery(self, bot: BotState, p: dict, files: dict) -> bool:
        await self._call(bot.token, "answerCallbackQuery", {})
        with self._cond:
            bot.callback_answers[str(p.get("callback_query_id"))] = p
            self._cond.notify_all()
        return True  # the emulator answers null

    async def _m_sendChatAction(self, bot: BotState, p: dict, files: dict) -> bool:
        with self._cond:
            bot.chat_actions.append({"chat_id": self._chat_id(p), "action": p.get("action")})
        return True

    # ------------------------------------------------------------------ commands and menus
    async def _m_setMyCommands(self, bot: BotState, p: dict, files: dict) -> bool:
        commands = p.get("commands") or []
        for cmd in commands:
            if not COMMAND_RE.match(str(cmd.get("command", ""))):
                raise ApiError("Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise ApiError("Bad Request: command description is invalid")
        with self._cond:
            bot.commands[(scope_key(p.get("scope")), p.get("language_code") or "")] = commands
        return True

    async def _m_getMyCommands(self, bot: BotState, p: dict, files: dict) -> list:
        with self._cond:
            return bot.commands.get((scope_key(p.get("scope")), p.get("language_code") or ""), [])

    async def _m_deleteMyCommands(self, bot: BotState, p: dict, files: dict) -> bool:
        with self._cond:
            bot.commands.pop((scope_key(p.get("scope")), p.get("language_code") or ""), None)
        return True

    async def _m_setChatMenuButton(self, bot: BotState, p: dict, files: dict) -> bool:
        with self._cond:
            bot.menu_buttons[p.get("chat_id")] = p.get("menu_button") or {"type": "default"}
        return True

    async def _m_getChatMenuButton(self, bot: BotState, p: dict, files: dict) -> dict:
        with self._cond:
            return bot.menu_buttons.get(p.get("chat_id"), bot.menu_buttons.get(None, {"type": "default"}))

    def _setting_setter(self, method: str) -> Callable:
        async def setter(bot: BotState, p: dict, files: dict) -> bool:
            with self._cond:
                bot.settings[(method, p.get("language_code") or "")] = p
            return True
        return setter

    def _setting_getter(self, set_method: str, key: str) -> Callable:
        async def getter(bot: BotState, p: dict, files: dict) -> dict:
            with self._cond:
                stored = bot.settings.get((set_method, p.get("language_code") or ""), {})
            return {key: stored.get(key, "")}
        return getter

    # ------------------------------------------------------------------ files
    def store_file(self, data: bytes, file_name: str | None, mime_type: str | None,
                   kind: str = "document", url: str | None = None) -> dict:
        """Register bytes as a Telegram file (usable by getFile and download); returns the record."""
        n = next(self._file_no)
        if file_name and mime_type and file_name.replace(".", "/", 1) == mime_type:
            file_name = None  # PTB's placeholder for nameless bytes: "application.octet-stream"
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = (_sniff_mime(data) or mimetypes.guess_type(file_name or "")[0]
                         or "application/octet-stream")
        ext = (file_name and "." in file_name and "." + file_name.rsplit(".", 1)[1]) or \
            mimetypes.guess_extension(mime_type) or ""
        width, height = image_size(data)
        rec = {"file_id": f"E2E-{kind}-{n:06d}", "file_unique_id": f"e2e{n:06d}", "kind": kind,
               "file_name": file_name, "mime_type": mime_type, "file_size": len(data),
               "data": bytes(data), "width": width, "height": height, "url": url,
               "file_path": f"{kind}s/file_{n}{ext}"}
        with self._cond:
            self._files[rec["file_id"]] = rec
            self._paths[rec["file_path"]] = rec
        return rec

    @staticmethod
    def _api_file(f: dict, kind: str) -> Any:
        """The Bot API object of a stored file for a message of this kind."""
        base = {"file_id": f["file_id"], "file_unique_id": f["file_unique_id"],
                "file_size": f["file_size"]}
        if kind == "photo":  # Telegram sends several sizes; one is enough here
            return [dict(base, width=f["width"], height=f["height"])]
        if kind == "sticker":
            return dict(base, type="regular", width=512, height=512, is_animated=False, is_video=False)
        base.update(mime_type=f["mime_type"])
        if f["file_name"] and kind != "voice":
            base["file_name"] = f["file_name"]
        if kind in ("audio", "voice", "video", "animation"):
            base["duration"] = 0
        if kind in ("video", "animation"):
            base.update(width=f["width"], height=f["height"])
        return base

    async def _m_getFile(self, bot: BotState, p: dict, files: dict) -> dict:
        with self._cond:
            f = self._files.get(str(p.get("file_id")))
        if f is None:
            raise ApiError("Bad Request: invalid file_id")
        return {"file_id": f["file_id"], "file_unique_id": f["file_unique_id"],
                "file_size": f["file_size"], "file_path": f["file_path"]}

    # ------------------------------------------------------------------ test-side API
    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Re-evaluate ``predicate`` (under the lock) whenever state changes, until it returns
        something truthy, which is returned; None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                remaining = deadline - time.monotonic()
                if value or remaining <= 0:
                    return value or None
                self._cond.wait(min(remaining, 0.25))

    def snapshot(self, token: str, fn: Callable[[BotState], Any]) -> Any:
        """Deep copy of ``fn(bot_state)`` taken under the lock."""
        bot = self.bot(token)
        with self._cond:
            return copy.deepcopy(fn(bot))

    def api_message(self, token: str, chat_id: int, message_id: int) -> dict | None:
        bot = self.bot(token)
        with self._cond:
            rec = bot.messages.get((chat_id, message_id))
            return copy.deepcopy(self._api_message(bot, rec)) if rec else None


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", required=True, help="emulator root, e.g. http://127.0.0.1:9000")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    adapter = Adapter(args.upstream, port=args.port)
    print("TELEGRAM_API_BASE_URL=" + adapter.start(), flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        adapter.stop()


if __name__ == "__main__":
    main()
