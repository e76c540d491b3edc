"""Proves the e2e harness with a minimal PTB 22 bot that follows cadrebot's env contract."""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from pathlib import Path

import pytest
from telegram import Bot, BotCommandScopeChat
from telegram.error import BadRequest, Conflict

from .client import buttons

SMOKE_BOT = r'''
import hashlib, logging, os, struct, zlib

from telegram import (BotCommand, BotCommandScopeChat, InlineKeyboardButton,
                      InlineKeyboardMarkup, MenuButtonCommands, Update)
from telegram.constants import ChatAction, ParseMode
from telegram.ext import (ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          MessageHandler, filters)

logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
logging.getLogger("httpx").setLevel(logging.WARNING)
ROOT = os.environ["TELEGRAM_API_BASE_URL"].rstrip("/")


def png(width, height):
    def chunk(tag, data):
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))
    rows = b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


async def post_init(app):
    await app.bot.set_my_commands([BotCommand("start", "开始使用")])
    await app.bot.set_chat_menu_button(menu_button=MenuButtonCommands())


async def start(update, context):
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("学习", callback_data="learn"),
                                      InlineKeyboardButton("帮助", callback_data="help")]])
    await update.message.reply_text("<b>欢迎</b>使用 cadrebot", parse_mode=ParseMode.HTML,
                                    reply_markup=keyboard)
    await context.bot.set_my_commands(
        [BotCommand("start", "开始使用"), BotCommand("chart", "学习图表")],
        scope=BotCommandScopeChat(update.effective_chat.id))


async def on_button(update, context):
    query = update.callback_query
    assert query.message.text, "callback query must carry the message"
    if query.data == "back":
        await query.answer()
        await query.edit_message_reply_markup(reply_markup=None)
        return
    await query.answer(f"已选择 {query.data}")
    await query.edit_message_text(
        f"你选择了：{query.data}",
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("返回", callback_data="back")]]))


async def chart(update, context):
    await context.bot.send_chat_action(update.effective_chat.id, ChatAction.UPLOAD_PHOTO)
    note = await update.message.reply_text("生成中…")
    photo = await update.message.reply_photo(png(64, 32), caption="本周学习图表")
    await photo.edit_caption("本周学习图表（已更新）")
    await update.message.reply_document(b"name,score\n" + "张三,90\n".encode(),
                                        filename="report.csv", caption="学习报表")
    await note.delete()


async def on_document(update, context):
    doc = update.message.document
    data = await (await doc.get_file()).download_as_bytearray()
    await update.message.reply_text(
        f"收到 {doc.file_name}：{len(data)} 字节 sha256={hashlib.sha256(data).hexdigest()}")


async def on_text(update, context):
    await update.message.reply_text(f"echo: {update.message.text}")


app = (ApplicationBuilder().token(os.environ["TELEGRAM_BOT_TOKEN"])
       .base_url(ROOT + "/bot").base_file_url(ROOT + "/file/bot").post_init(post_init).build())
app.add_handler(CommandHandler("start", start))
app.add_handler(CommandHandler("chart", chart))
app.add_handler(CallbackQueryHandler(on_button))
app.add_handler(MessageHandler(filters.Document.ALL, on_document))
app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
app.run_polling()
'''


@pytest.fixture(scope="module")
def smoke_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("smoke") / "smoke_bot.py"
    path.write_text(SMOKE_BOT, encoding="utf-8")
    return path


@pytest.fixture
def smoke_bot(start_bot, smoke_script):
    bot = start_bot(cmd=[sys.executable, str(smoke_script)], args=())
    yield bot
    assert bot.unsupported() == []


def test_start_keyboard_callback_edit_and_menus(smoke_bot, emulator):
    alice = smoke_bot.user(1001, "Alice")
    alice.send_text("/start")
    welcome = alice.wait_for_reply()
    assert welcome["plain"] == "欢迎使用 cadrebot" and welcome["parse_mode"] == "HTML"
    assert buttons(welcome) == ["学习", "帮助"]

    alice.press("学习")
    assert alice.wait_for_callback_answer()["text"] == "已选择 learn"
    edited = alice.wait_for_edit(welcome["message_id"])
    assert edited["text"] == "你选择了：learn" and buttons(edited) == ["返回"]

    alice.press("back")  # by callback_data; the bot removes the keyboard
    assert alice.wait_for_edit(welcome["message_id"])["reply_markup"] is None

    # setMyCommands per scope: Alice got a chat-scoped menu, Bob only the default one.
    assert [c["command"] for c in alice.menu()] == ["start", "chart"]
    assert [c["command"] for c in smoke_bot.user(1002, "Bob").menu()] == ["start"]
    assert emulator.commands(smoke_bot.token, BotCommandScopeChat(1001))[1]["description"] == "学习图表"
    assert emulator.calls(smoke_bot.token, "setChatMenuButton")[0]["params"]["menu_button"] == {"type": "commands"}
    alice.send_text("你好")
    assert alice.wait_for_reply()["text"] == "echo: 你好"


def test_photo_document_caption_edit_and_delete(smoke_bot, emulator):
    carol = smoke_bot.user(1003, "Carol")
    carol.send_text("/chart")
    note, photo, document = carol.wait_for_replies(3)
    assert note["text"] == "生成中…"
    assert photo["kind"] == "photo" and photo["caption"] == "本周学习图表"
    assert photo["file"]["data"].startswith(b"\x89PNG") and photo["file"]["mime_type"] == "image/png"
    assert (photo["file"]["width"], photo["file"]["height"]) == (64, 32)
    assert carol.wait_for_edit(photo["message_id"])["caption"] == "本周学习图表（已更新）"
    assert document["kind"] == "document" and document["caption"] == "学习报表"
    assert document["file"]["file_name"] == "report.csv"
    assert document["file"]["data"].decode() == "name,score\n张三,90\n"
    assert carol.wait_for_deletion(note["message_id"])["deleted"]
    assert [m["kind"] for m in carol.bot_messages()] == ["photo", "document"]
    assert [f["kind"] for f in emulator.sent_files(smoke_bot.token, chat_id=1003)] == ["photo", "document"]
    assert emulator.calls(smoke_bot.token, "sendChatAction")[0]["params"]["action"] == "upload_photo"


def test_user_uploads_document(smoke_bot):
    admin = smoke_bot.user(1004, "Admin")
    data = "题目,答案\n什么是组织工作,……\n".encode() * 50
    sent = admin.send_document("questions.csv", data, caption="题库")
    assert sent["document"]["file_name"] == "questions.csv"
    reply = admin.wait_for_reply()
    assert reply["text"] == f"收到 questions.csv：{len(data)} 字节 sha256={hashlib.sha256(data).hexdigest()}"
    admin.assert_no_reply(within=0.3)


def test_bot_restart_keeps_clients_working(start_bot, smoke_script):
    first = start_bot(cmd=[sys.executable, str(smoke_script)], args=())
    dave = first.user(1005, "Dave")
    dave.send_text("/start")
    dave.wait_for_reply()
    assert first.stop() == 0  # SIGTERM: PTB shuts down cleanly
    second = start_bot(cmd=[sys.executable, str(smoke_script)], args=(), token=first.token)
    dave.send_text("again")
    assert dave.wait_for_reply()["text"] == "echo: again"
    assert second.returncode is None


async def test_adapter_speaks_bot_api_for_ptb(emulator):
    """The adapter's fixes seen from PTB directly: getMe, long polling with offset, dates in
    seconds, and Telegram's errors for what Telegram would reject."""
    token = emulator.new_token()
    user = emulator.user(token, 2001, "Eve")
    async with Bot(token, base_url=emulator.root_url + "/bot",
                   base_file_url=emulator.root_url + "/file/bot") as bot:
        assert bot.bot.is_bot and bot.bot.id == int(token.split(":")[0])
        started = time.monotonic()
        assert await bot.get_updates(timeout=1) == ()
        assert time.monotonic() - started >= 0.9  # held open like real long polling

        user.send_text("/start hello")
        first = await bot.get_updates(timeout=5)
        assert len(first) == 1 and first[0].message.text == "/start hello"
        assert abs(first[0].message.date.timestamp() - time.time()) < 60
        assert first[0].message.entities[0].type == "bot_command"
        assert len(await bot.get_updates(timeout=0)) == 1  # not confirmed yet
        assert await bot.get_updates(offset=first[0].update_id + 1, timeout=0) == ()

        sent = await bot.send_message(2001, "hi")
        assert abs(sent.date.timestamp() - time.time()) < 60
        with pytest.raises(BadRequest, match="(?i)message is not modified"):
            await bot.edit_message_text("hi", chat_id=2001, message_id=sent.message_id)
        with pytest.raises(BadRequest, match="(?i)message is too long"):
            await bot.send_message(2001, "长" * 4097)
        with pytest.raises(BadRequest, match="(?i)can.t parse entities"):
            await bot.send_message(2001, "<b>unclosed", parse_mode="HTML")
        with pytest.raises(BadRequest, match="(?i)message to delete not found"):
            await bot.delete_message(2001, 999999)
        with pytest.raises(BadRequest, match="(?i)not implemented by the e2e adapter"):
            await bot.send_dice(2001)

        # A second instance polling the same token ends the first one's long poll with 409.
        held = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.2)
        async with Bot(token, base_url=emulator.root_url + "/bot") as other:
            await other.get_updates(timeout=0)
        with pytest.raises(Conflict):
            await asyncio.wait_for(held, 2)
