"""The offline console: chat with the real bot in a terminal, as any person of a demo roster.

Typed lines become Telegram updates for the same Application the real bot runs (through
LocalChat); replies, buttons included, are printed. Lines starting with ':' steer the
console itself. Everything the bot does here, it does the same way on Telegram.
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from bot.app import build_application
from bot.config import Config
from bot.local_chat import LocalChat, LocalUser
from bot.local_request import BotMessage, LocalRequest
from bot.notes_key import NotesKeyError, console_cipher, prepare_notes
from bot.services import make_services
from bot import texts
from bot.texts import role_list
from db import people
from db.migrate import upgrade
from db.models import Person
from db.roster import parse_roster

DEMO_ROSTER = Path(__file__).with_name("demo_roster.yaml")
DEMO_DATABASE = "data/demo.db"
NEWCOMER = "1006"  # left unbound so a newcomer can try joining with an invite code

def demo_user(person: Person) -> LocalUser:
    # Demo people are bound under their staff number as Telegram id, so bindings are stable
    # across console runs; someone who joined in the console keeps the id they joined with.
    return LocalUser(person.telegram_user_id or int(person.external_id), person.name)


class Console:
    def __init__(self, config: Config, out: TextIO) -> None:
        self.config = config
        self.out = out
        self.demo_url = f"sqlite:///{config.resolve(DEMO_DATABASE)}"
        notes, self.new_key_file = console_cipher(config)
        self.services = make_services(config, database_url=self.demo_url, notes=notes)
        self.request = LocalRequest(bot_username=config.bot.username)
        self.app = build_application(self.services, request=self.request)
        self.chat = LocalChat(self.app, self.request)
        self.speaker = self._stranger()
        self.speaker_label = texts.CONSOLE_GUEST
        self.last_shown: BotMessage | None = None
        self.output_dir = config.resolve("data/console-out")

    async def open(self) -> None:
        upgrade(self.demo_url)
        if self.new_key_file is not None:
            self._print(texts.CONSOLE_NOTES_KEY_MADE.format(path=self.new_key_file))
        try:
            await prepare_notes(self.services.db, self.services.notes)
        except NotesKeyError:
            raise NotesKeyError(
                f"{self.config.resolve(DEMO_DATABASE)}: the demo's talk notes were written with another key; "
                "delete the file to start the demo afresh"
            ) from None
        await self.app.initialize()
        await self._seed_demo()
        first = await self._find_person("1001")
        if first is not None:
            self._speak_as(first)

    async def close(self) -> None:
        await self.app.shutdown()
        await self.services.db.dispose()

    async def _seed_demo(self) -> None:
        rows = parse_roster(DEMO_ROSTER.name, DEMO_ROSTER.read_bytes())
        async with self.services.db.session() as session:
            await people.import_roster(session, rows)
            for person in await people.all_people(session):
                if not person.is_bound and person.external_id != NEWCOMER:
                    user = demo_user(person)
                    await people.bind_telegram(session, person.invite_code, user.user_id, user.user_id)
            await session.commit()

    async def _find_person(self, key: str) -> Person | None:
        async with self.services.db.session() as session:
            for person in await people.all_people(session):
                if key in (person.external_id, person.name):
                    return person
        return None

    def _stranger(self) -> LocalUser:
        """A Telegram user nobody has seen yet (a new one each time: the last may have joined)."""
        return LocalUser(random.randrange(10**8, 10**9), texts.CONSOLE_GUEST)

    def _speak_as(self, person: Person) -> None:
        self.speaker = demo_user(person)
        self.speaker_label = f"{person.name}·{role_list(person.roles)}"
        self.last_shown = None

    def prompt(self) -> str:
        return f"[{self.speaker_label}] > "

    async def handle(self, line: str) -> bool:
        """Act on one typed line; return False when the console should stop."""
        line = line.strip()
        if not line:
            return True
        if line.startswith(":"):
            return await self._meta(line)
        if line.isdigit():
            await self._press_number(int(line))
            return True
        self._show(await self.chat.send(self.speaker, line))
        return True

    async def _press_number(self, number: int) -> None:
        """A typed number presses that button of the last message with buttons. One that matches
        no button is never sent on as text: the bot would take "3" for a question."""
        shown = self.last_shown
        buttons = shown.flat_buttons if shown is not None else []
        if shown is None or not 1 <= number <= len(buttons) or not buttons[number - 1].data:
            self._print(texts.CONSOLE_NO_BUTTON)
            return
        self._show(await self.chat.press_data(self.speaker, shown, buttons[number - 1].data or ""))

    async def _meta(self, line: str) -> bool:
        command, _, argument = line[1:].partition(" ")
        argument = argument.strip()
        if command in ("quit", "exit", "q"):
            return False
        if command == "help":
            self._print(texts.CONSOLE_HELP)
        elif command == "who":
            await self._list_people()
        elif command == "as":
            person = await self._find_person(argument)
            if person is None:
                self._print(texts.CONSOLE_NO_PERSON.format(name=argument))
            elif not person.is_bound:
                self._print(texts.CONSOLE_NOT_JOINED.format(name=person.name, code=person.invite_code))
            else:
                self._speak_as(person)
                self._print(texts.CONSOLE_SPEAKING_AS.format(label=self.speaker_label))
        elif command == "new":
            self.speaker, self.speaker_label, self.last_shown = self._stranger(), texts.CONSOLE_GUEST, None
            self._print(texts.CONSOLE_STRANGER)
        elif command == "invites":
            await self._list_invites()
        elif command == "upload":
            await self._upload(argument)
        elif command == "say" and argument:
            self._show(await self.chat.send(self.speaker, argument))
        elif command == "tick":
            await self._tick(argument)
        else:
            self._print(texts.CONSOLE_UNKNOWN)
        return True

    async def _list_people(self) -> None:
        async with self.services.db.session() as session:
            for p in await people.all_people(session):
                state = texts.CONSOLE_JOINED if p.is_bound else texts.CONSOLE_NOT_JOINED_SHORT.format(code=p.invite_code)
                self._print(f"  {p.external_id} {p.name}（{p.unit}，{role_list(p.roles)}，{state}）")

    async def _list_invites(self) -> None:
        async with self.services.db.session() as session:
            pending = await people.pending_invites(session)
        for p in pending:
            self._print(f"  {p.name}：/start {p.invite_code}")
        if not pending:
            self._print(texts.CONSOLE_ALL_JOINED)

    async def _tick(self, argument: str) -> None:
        """Move the clock to a local time and run the scheduler once: reminders, talk prompts
        and digests due by then are sent, and shown with whom they went to."""
        try:
            moment = datetime.fromisoformat(argument).replace(tzinfo=self.config.tz) if argument else None
        except ValueError:
            self._print(texts.CONSOLE_TICK_FORMAT)
            return
        if moment is not None:
            self.services.clock = lambda: moment.astimezone(timezone.utc)
        mark = len(self.request.outbox)
        await self.app.scheduler.tick(self.services.now())
        sent = self.request.outbox[mark:]
        names = await self._names_by_chat()
        for message in sent:
            self._print(f"→ {names.get(message.chat_id or 0, message.chat_id)}：")
            self._print_message(message)
        if sent:
            self.last_shown = next((m for m in reversed(sent) if m.chat_id == self.speaker.user_id and m.buttons), self.last_shown)
        else:
            self._print(texts.CONSOLE_NOTHING_DUE)

    async def _names_by_chat(self) -> dict[int, str]:
        async with self.services.db.session() as session:
            return {p.chat_id: p.name for p in await people.all_people(session) if p.chat_id}

    async def _upload(self, argument: str) -> None:
        path = Path(argument).expanduser()
        if not path.is_file():
            self._print(texts.CONSOLE_NO_FILE.format(path=argument))
            return
        self._show(await self.chat.upload(self.speaker, path.name, path.read_bytes()))

    def _show(self, messages: list[BotMessage]) -> None:
        for message in messages:
            self._print_message(message)
            if message.buttons:
                self.last_shown = message

    def _print_message(self, message: BotMessage) -> None:
        if message.kind == "alert":
            self._print(f"  💬 {message.text}")
            return
        prefix = texts.CONSOLE_EDITED if message.kind == "edit" else ""
        if message.kind in ("photo", "document") and message.content is not None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            saved = self.output_dir / (message.filename or "file")
            saved.write_bytes(message.content)
            self._print(texts.CONSOLE_SAVED.format(filename=message.filename, path=saved))
        for text_line in message.plain.splitlines() or [""]:
            self._print(f"  {prefix}{text_line}" if prefix else f"  {text_line}")
            prefix = ""
        labels = [f"[{i}] {b.text}" for i, b in enumerate(message.flat_buttons, start=1)]
        if labels:
            self._print("  " + "  ".join(labels))

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)


async def run_console(config: Config, stdin: TextIO, out: TextIO, interactive: bool) -> None:
    console = Console(config, out)
    await console.open()
    print(texts.CONSOLE_WELCOME, file=out)
    try:
        while True:
            if interactive:
                print(console.prompt(), end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                break
            if not interactive:
                print(f"{console.prompt()}{line.rstrip()}", file=out, flush=True)
            if not await console.handle(line):
                break
    finally:
        await console.close()
