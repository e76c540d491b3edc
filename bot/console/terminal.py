"""The offline console: chat with the real bot in a terminal, as any person of a demo roster.

Typed lines become Telegram updates for the same Application the real bot runs (through
LocalChat); replies, buttons included, are printed. Lines starting with ':' steer the
console itself, lines like `#2` press a button. Everything the bot does here, it does the
same way on Telegram, and the demo database is kept between runs like the real one.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TextIO

from sqlalchemy import text

from bot.app import build_application
from bot.config import Config
from bot.console.chat import LocalChat, LocalUser
from bot.console.request import BotMessage, Button, LocalRequest
from bot.ops.notes_key import NotesKeyError, console_cipher, prepare_notes
from bot.services import make_services
from bot import texts
from bot.texts import role_list
from db import people
from db.engine import Database
from db.migrate import upgrade
from db.models import Base, Person
from db.roster import parse_roster

DEMO_ROSTER = Path(__file__).with_name("demo_roster.yaml")
DEMO_DATABASE = "data/demo.db"
FIRST_SPEAKER = "1001"
NEWCOMER = "1006"  # left unbound so a newcomer can try joining with an invite code
TELEGRAM_TEXT_LIMIT = 4096  # UTF-16 code units, as Telegram counts them
KEYBOARDS_LISTED = 10
PRESS = re.compile(r"[#＃](\d+)(?:[.．。](\d+))?")
RESET_YES = frozenset({"yes", "y", "是", "确认"})


def demo_user(person: Person) -> LocalUser:
    # Demo people are bound under their staff number as Telegram id, so bindings are stable
    # across console runs; someone who joined in the console keeps the id they joined with.
    return LocalUser(person.telegram_user_id or int(person.external_id), person.name)


class RunIds:
    """Update, message and button-press ids for one console run, above every id a run before
    it used.

    Features remember keys built from these numbers (a one-line /study is keyed by chat and
    message id), so a run that counted from 1 again would find its first record "already
    logged". The high-water mark lives in the demo database itself, in SQLite's `user_version`
    header field (Alembic keeps its version in a table and leaves this one alone): the ids go
    with the data they protect, and no schema change is needed. Ids are reserved in blocks
    before use, so a run that is killed still never hands one out twice; a clean close gives
    the unused rest of the block back.
    """

    FIRST = 10_000_000  # above the 1,000,000 + n that consoles before the mark counted from
    BLOCK = 100_000
    HEADROOM = 50_000  # far more than one typed line or one :tick fan-out of the demo uses

    def __init__(self, db: Database) -> None:
        self.db = db
        self._next = 0
        self._reserved = 0

    def __iter__(self) -> RunIds:
        return self

    def __next__(self) -> int:
        value = self._next
        self._next += 1
        return value

    async def reserve(self) -> None:
        """Make sure the next HEADROOM ids are written down as used before any is handed out."""
        if self._next and self._reserved - self._next >= self.HEADROOM:
            return
        stored = await self._stored()
        if not self._next:
            self._next = max(stored, self.FIRST)
        self._reserved = max(stored, self._next) + self.BLOCK
        await self._store(self._reserved)

    async def release(self) -> None:
        """Lower the mark to the first unused id, unless someone else reserved since."""
        if self._next and await self._stored() == self._reserved:
            await self._store(self._next)

    async def _stored(self) -> int:
        async with self.db.engine.connect() as connection:
            return int((await connection.execute(text("PRAGMA user_version"))).scalar_one())

    async def _store(self, value: int) -> None:
        async with self.db.engine.begin() as connection:
            await connection.execute(text(f"PRAGMA user_version = {int(value)}"))  # no binds in PRAGMA


@dataclass
class Keyboard:
    """A message of this run that has buttons, under the number the console shows for it."""

    number: int
    message: BotMessage

    @property
    def chat_id(self) -> int:
        return self.message.chat_id or 0


class Console:
    def __init__(self, config: Config, out: TextIO) -> None:
        self.config = config
        self.out = out
        self.database_path = config.resolve(DEMO_DATABASE)
        self.demo_url = f"sqlite:///{self.database_path}"
        notes, self.new_key_file = console_cipher(config)
        self.services = make_services(config, database_url=self.demo_url, notes=notes)
        self.real_clock = self.services.clock
        self.ids = RunIds(self.services.db)
        self.request = LocalRequest(bot_username=config.bot.username, ids=self.ids)
        self.app = build_application(self.services, request=self.request)
        self.chat = LocalChat(self.app, self.request, ids=self.ids)
        self.speaker = self._stranger()
        self.speaker_name = texts.CONSOLE_GUEST
        self.keyboards: dict[tuple[int, int], Keyboard] = {}
        self.confirming_reset = False
        self.output_dir = config.resolve("data/console-out")

    async def open(self) -> None:
        upgrade(self.demo_url)
        if self.new_key_file is not None:
            self._print(texts.CONSOLE_NOTES_KEY_MADE.format(path=self.new_key_file))
        try:
            await prepare_notes(self.services.db, self.services.notes)
        except NotesKeyError:
            raise NotesKeyError(
                f"{self.database_path}: the demo's talk notes were written with another key; "
                "delete the file to start the demo afresh"
            ) from None
        await self.ids.reserve()
        await self.app.initialize()
        seeded = await self._seed_demo()
        self._print(texts.CONSOLE_WELCOME.format(path=self.database_path))
        self._print(texts.CONSOLE_DEMO_NEW if seeded else texts.CONSOLE_DEMO_KEPT)
        await self._speak_as_first()

    async def close(self) -> None:
        await self.app.shutdown()
        await self.ids.release()
        await self.services.db.dispose()

    async def _seed_demo(self) -> bool:
        """Put the demo roster in an empty database, everyone but the newcomer bound. A database
        that has people is left as it is: what the last run did (records, a roster upload, a
        newcomer who joined, someone unbound) is the demo's state now, as on a real server."""
        rows = parse_roster(DEMO_ROSTER.name, DEMO_ROSTER.read_bytes())
        async with self.services.db.session() as session:
            if await people.all_people(session, active_only=False):
                return False
            await people.import_roster(session, rows, now=self.services.now())
            for person in await people.all_people(session):
                if person.external_id != NEWCOMER:
                    user = demo_user(person)
                    await people.bind_telegram(session, person.invite_code, user.user_id, user.user_id)
            await session.commit()
        return True

    async def _speak_as_first(self) -> None:
        """Start as the first demo cadre, or whoever is bound first if a roster upload replaced him."""
        async with self.services.db.session() as session:
            bound = [p for p in await people.all_people(session) if p.is_bound]
        first = next((p for p in bound if p.external_id == FIRST_SPEAKER), bound[0] if bound else None)
        if first is not None:
            self._speak_as(first)

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
        self.speaker_name = person.name

    async def _refresh_speaker(self) -> None:
        """After anything the bot did, the prompt names whom the bot now takes the speaker for:
        a stranger who bound with /start becomes that person, one who was unbound a guest."""
        async with self.services.db.session() as session:
            person = await people.by_telegram_id(session, self.speaker.user_id)
        self.speaker_name = person.name if person is not None else texts.CONSOLE_GUEST

    def prompt(self) -> str:
        if self.confirming_reset:
            return texts.CONSOLE_RESET_PROMPT
        return f"{self.speaker_name}> "

    async def handle(self, line: str) -> bool:
        """Act on one typed line; return False when the console should stop."""
        # Bytes that were not UTF-8 reach here as lone surrogates (surrogateescape), which no
        # JSON, database or terminal takes: they become '?' instead of ending the console.
        line = line.encode("utf-8", errors="replace").decode("utf-8").strip()
        await self.ids.reserve()
        if self.confirming_reset:
            await self._answer_reset(line)
            return True
        if not line:
            return True
        if line.startswith(":"):
            return await self._meta(line)
        press = PRESS.fullmatch(line)
        if press is not None:
            await self._press(int(press[1]), int(press[2]) if press[2] else None)
        else:
            await self._send(line)
        return True

    async def _send(self, line: str) -> None:
        """Typed text goes to the bot as it is (numbers too), unless Telegram would refuse it."""
        length = len(line.encode("utf-16-le")) // 2
        if length > TELEGRAM_TEXT_LIMIT:
            self._print(texts.CONSOLE_TOO_LONG.format(limit=TELEGRAM_TEXT_LIMIT, length=length))
            return
        await self._answered(await self.chat.send(self.speaker, line))

    async def _press(self, first: int, second: int | None) -> None:
        """`#n`: button n of the speaker's latest message with buttons; `#m.n`: of message m."""
        if second is None:
            mine = [k for k in self.keyboards.values() if k.chat_id == self.speaker.user_id]
            keyboard, index = (max(mine, key=lambda k: k.number) if mine else None), first
        else:
            keyboard, index = self._keyboard(first), second
            if keyboard is not None and keyboard.chat_id != self.speaker.user_id:
                name = (await self._names_by_chat()).get(keyboard.chat_id, str(keyboard.chat_id))
                self._print(texts.CONSOLE_BUTTON_ELSEWHERE.format(number=first, name=name))
                return
        buttons = keyboard.message.flat_buttons if keyboard is not None else []
        if keyboard is None or not 1 <= index <= len(buttons):
            self._print(texts.CONSOLE_NO_BUTTON)
            return
        button = buttons[index - 1]
        if not button.data:
            self._print(texts.CONSOLE_BUTTON_IS_LINK.format(url=button.url or ""))
            return
        await self._answered(await self.chat.press_data(self.speaker, keyboard.message, button.data))

    async def _answered(self, replies: list[BotMessage]) -> None:
        """Show an update's replies, and what the one-off jobs it queued sent: PTB's job queue
        does not run in the console, where scheduled work waits for :tick."""
        await self._show([*replies, *await self.chat.run_one_off_jobs()])
        await self._refresh_speaker()

    def _keyboard(self, number: int) -> Keyboard | None:
        return next((k for k in self.keyboards.values() if k.number == number), None)

    async def _meta(self, line: str) -> bool:
        command, _, argument = line[1:].partition(" ")
        argument = argument.strip()
        if command in ("quit", "exit", "q"):
            return False
        if command == "help":
            self._print(texts.CONSOLE_HELP.format(path=self.database_path))
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
                self._print(texts.CONSOLE_SPEAKING_AS.format(name=person.name, roles=role_list(person.roles)))
        elif command == "new":
            self.speaker, self.speaker_name = self._stranger(), texts.CONSOLE_GUEST
            self._print(texts.CONSOLE_STRANGER)
        elif command == "buttons":
            await self._list_buttons()
        elif command == "invites":
            await self._list_invites()
        elif command == "upload":
            await self._upload(argument)
        elif command == "say" and argument:
            await self._send(argument)
        elif command == "tick":
            await self._tick(argument)
        elif command == "reset":
            self.confirming_reset = True
            self._print(texts.CONSOLE_RESET_ASK.format(path=self.database_path))
        else:
            self._print(texts.CONSOLE_UNKNOWN)
        return True

    async def _answer_reset(self, answer: str) -> None:
        self.confirming_reset = False
        if answer.lower() not in RESET_YES:
            self._print(texts.CONSOLE_RESET_CANCELLED)
            return
        await self._reset()
        self._print(texts.CONSOLE_RESET_DONE)

    async def _reset(self) -> None:
        """Empty every table (schema, migrations and the id mark stay), then seed afresh. The
        run's buttons go too: they point at rows that are gone."""
        async with self.services.db.engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())
        self.keyboards.clear()
        self.services.clock = self.real_clock
        self.speaker, self.speaker_name = self._stranger(), texts.CONSOLE_GUEST
        await self._seed_demo()
        await self._speak_as_first()

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

    async def _list_buttons(self) -> None:
        """The speaker's messages of this run that still have buttons, oldest first, each with
        the `#m.n` that presses them."""
        mine = sorted((k for k in self.keyboards.values() if k.chat_id == self.speaker.user_id), key=lambda k: k.number)
        if not mine:
            self._print(texts.CONSOLE_NO_BUTTONS)
            return
        for keyboard in mine[-KEYBOARDS_LISTED:]:
            first_line = next((line for line in keyboard.message.plain.splitlines() if line.strip()), "")
            self._print(texts.CONSOLE_BUTTONS_ITEM.format(number=keyboard.number, text=_shorten(first_line)))
            for row in _numbered_rows(keyboard.message, lambda i, b, n=keyboard.number: f"#{n}.{i} {b.text}"):
                self._print(f"    {row}")
        self._print(texts.CONSOLE_BUTTONS_HINT.format(example=f"{mine[-1].number}.1"))

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
        if sent:
            await self._show(sent)
        else:
            self._print(texts.CONSOLE_NOTHING_DUE)

    async def _names_by_chat(self) -> dict[int, str]:
        async with self.services.db.session() as session:
            return {p.chat_id: p.name for p in await people.all_people(session, active_only=False) if p.chat_id}

    async def _upload(self, argument: str) -> None:
        path = Path(argument).expanduser()
        if not path.is_file():
            self._print(texts.CONSOLE_NO_FILE.format(path=argument))
            return
        await self._show(await self.chat.upload(self.speaker, path.name, path.read_bytes()))
        await self._refresh_speaker()

    async def _show(self, messages: list[BotMessage]) -> None:
        """Print what the bot sent; what went to someone else's chat is labelled with their name."""
        others = any(m.chat_id not in (None, self.speaker.user_id) for m in messages)
        names = await self._names_by_chat() if others else {}
        for message in messages:
            keyboard = self._remember_buttons(message)
            to = None
            if message.chat_id not in (None, self.speaker.user_id):
                to = names.get(message.chat_id or 0, str(message.chat_id))
            self._print_message(message, to, keyboard)

    def _remember_buttons(self, message: BotMessage) -> Keyboard | None:
        """Keep the run's messages with buttons under stable numbers; an edit that took the
        buttons away takes the message off the list, as Telegram takes the keyboard away."""
        if message.chat_id is None or message.message_id is None:
            return None
        key = (message.chat_id, message.message_id)
        if not message.buttons:
            if message.kind == "edit":
                self.keyboards.pop(key, None)
            return None
        keyboard = self.keyboards.get(key)
        if keyboard is None:
            number = max((k.number for k in self.keyboards.values()), default=0) + 1
            keyboard = self.keyboards[key] = Keyboard(number, message)
        keyboard.message = message
        return keyboard

    def _print_message(self, message: BotMessage, to: str | None, keyboard: Keyboard | None) -> None:
        if message.kind == "alert":
            self._print(f"  💬 {message.text}")
            return
        prefix = texts.CONSOLE_TO.format(name=to) if to is not None else ""
        if message.kind == "edit":
            prefix += texts.CONSOLE_EDITED
        if message.kind in ("photo", "document") and message.content is not None:
            self.output_dir.mkdir(parents=True, exist_ok=True)
            saved = self.output_dir / (message.filename or "file")
            saved.write_bytes(message.content)
            self._print(f"  {prefix}" + texts.CONSOLE_SAVED.format(filename=message.filename, path=saved))
            prefix = ""
        for text_line in message.plain.splitlines() or ([""] if prefix or message.kind == "text" else []):
            self._print(f"  {prefix}{text_line}")
            prefix = ""
        if keyboard is not None:
            rows = _numbered_rows(message, lambda i, b: f"[{i}] {b.text}" + (texts.CONSOLE_LINK_MARK if b.data is None else ""))
            rows[-1] += texts.CONSOLE_MESSAGE_TAG.format(number=keyboard.number)
            for row in rows:
                self._print(f"  {row}")

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


def _numbered_rows(message: BotMessage, label: Callable[[int, Button], str]) -> list[str]:
    """The keyboard's rows as Telegram lays them out, buttons numbered 1… across all rows."""
    rows, index = [], 0
    for row in message.buttons:
        labels = []
        for button in row:
            index += 1
            labels.append(label(index, button))
        rows.append("  ".join(labels))
    return rows


def _shorten(line: str, width: int = 40) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"


async def run_console(config: Config, stdin: TextIO, out: TextIO, interactive: bool) -> None:
    """Read lines until :quit or the end of input (a piped script ending is a normal stop)."""
    console = Console(config, out)
    await console.open()
    try:
        while True:
            if interactive:
                print(console.prompt(), end="", file=out, flush=True)
            line = await asyncio.to_thread(stdin.readline)
            if not line:
                if interactive:
                    print(file=out)
                break
            if not interactive:
                print(f"{console.prompt()}{line.rstrip()}", file=out, flush=True)
            if not await console.handle(line):
                break
    finally:
        await console.close()
