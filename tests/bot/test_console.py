"""The offline console as a newcomer meets it: `cadrebot run` without a token, a script piped in,
and the same script again the next day. It must tell the truth about what the bot did: a second
run continues the first run's data (and never mistakes a new message for an old one), typed
numbers are typed text, any button shown can be pressed, and messages to other people say whom
they went to. Each run is a real process in its own folder, never the developer's data/."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot import texts
from bot.console.request import LocalRequest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CADREBOT = [sys.executable, "-m", "bot.cli"]  # the `cadrebot` entry point that `dev.py run` starts

LONG_LINE = "党" * 4000
EMOJI_LINE = "😀🎉👍🏽🇨🇳" * 10
# The same script is piped in twice. 张明 asks 赵强 for a talk (the first message with buttons
# of the run: 消息1, in 赵强's chat), logs one study session, sends a long line and pure emoji,
# starts a guided /study and types 3 at the amount step; then, as 赵强, lists and presses buttons.
# No :quit: the end of input ends the run.
SCRIPT = "\n".join([
    "/talk 想汇报近期工作",
    "#1.1",
    "/study 集中学习 1",
    LONG_LINE,
    EMOJI_LINE,
    "/study 专题讲座",
    "3",
    ":as 赵强",
    ":buttons",
    "#1",
]) + "\n"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder of its own with the shipped config: the console's data/ lands here."""
    shutil.copy(PROJECT_ROOT / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def console(workdir: Path, script: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL", "CADREBOT_NOTES_KEY")}
    env.update(CADREBOT_CONFIG=str(workdir / "config.yaml"), PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.run(
        [*CADREBOT, "run"], cwd=workdir, env=env, input=script, capture_output=True, text=True, timeout=180
    )


def replies(transcript: str, typed: str, speaker: str) -> list[str]:
    """What the console printed after the echoed line `speaker> typed`, up to the next prompt."""
    lines = transcript.splitlines()
    start = lines.index(f"{speaker}> {typed}") + 1
    end = next((i for i in range(start, len(lines)) if re.match(r"^\S+> ", lines[i])), len(lines))
    return lines[start:end]


def demo_db(workdir: Path) -> sqlite3.Connection:
    return sqlite3.connect(workdir / "data" / "demo.db")


def test_a_second_run_continues_the_first_and_every_console_item_holds(workdir: Path) -> None:
    first, second = console(workdir, SCRIPT), console(workdir, SCRIPT)
    for run in (first, second):
        assert run.returncode == 0, run.stderr  # the script's end is a clean stop
        assert "Traceback" not in run.stderr and "ERROR" not in run.stderr, run.stderr
    assert texts.CONSOLE_DEMO_NEW in first.stdout and texts.CONSOLE_DEMO_KEPT in second.stdout

    for run in (first, second):
        out = run.stdout
        # Messages to someone else are labelled with whom they went to, buttons numbered.
        talk = replies(out, "/talk 想汇报近期工作", "张明")
        assert talk[0].startswith("  " + texts.CONSOLE_TO.format(name="赵强"))
        assert any(line.startswith("  [1] ") for line in talk)
        assert any(line.endswith(texts.CONSOLE_MESSAGE_TAG.format(number=1)) for line in talk)
        # 张明 cannot press a button in 赵强's chat: he is told whose message it is.
        assert replies(out, "#1.1", "张明") == [texts.CONSOLE_BUTTON_ELSEWHERE.format(number=1, name="赵强")]
        # The one-line /study is recorded in every run: the message ids go on from the last run.
        assert texts.STUDY_ALREADY_RECORDED not in out
        # 4,000 characters and pure emoji are messages like any other: the bot answers.
        assert replies(out, LONG_LINE, "张明") and replies(out, EMOJI_LINE, "张明")
        # A typed 3 at the amount step is sent as text, never taken for button 3.
        assert replies(out, "3", "张明") and texts.CONSOLE_NO_BUTTON not in replies(out, "3", "张明")
        # After :as the prompt names 赵强, and the talk request's buttons are within reach.
        listed = replies(out, ":buttons", "赵强")
        assert listed[0].startswith(texts.CONSOLE_BUTTONS_ITEM.format(number=1, text="").rstrip())
        assert listed[1].startswith("    #1.1 ")
        pressed = replies(out, "#1", "赵强")
        assert pressed and texts.CONSOLE_NO_BUTTON not in pressed

    study_first = replies(first.stdout, "/study 集中学习 1", "张明")
    study_second = replies(second.stdout, "/study 集中学习 1", "张明")
    assert study_second[0] == study_first[0]  # 已记录 … the same line in both runs
    assert study_second != study_first  # … and the year's total has grown by the first run's record

    with demo_db(workdir) as db:
        sessions = db.execute(
            "SELECT r.client_token FROM study_records r JOIN people p ON p.id = r.person_id "
            "WHERE p.external_id = '1001' AND r.activity = 'jizhong'"
        ).fetchall()
        draft = db.execute(
            "SELECT f.data FROM flow_states f JOIN people p ON p.id = f.person_id WHERE p.external_id = '1001'"
        ).fetchone()
    assert len(sessions) == 2  # one from each run
    assert Decimal(json.loads(draft[0])["amount"]) == 3  # the typed 3 was the amount (button 3 is 2小时)


def test_a_newcomer_who_joins_is_named_in_the_prompt_stays_joined_and_only_a_confirmed_reset_forgets(
    workdir: Path,
) -> None:
    listing = console(workdir, ":invites\n")
    code = re.search(r"刘洋：/start (\S+)", listing.stdout)[1]  # type: ignore[index]

    joined = console(workdir, f":new\n/start {code}\n/help\n:quit\n")
    assert joined.returncode == 0, joined.stderr
    assert "访客> /start" in joined.stdout and "刘洋> /help" in joined.stdout

    later = console(workdir, ":as 刘洋\n:reset\nno\n:who\n:reset\nyes\n:who\n:as 刘洋\n")
    assert later.returncode == 0, later.stderr
    out = later.stdout
    assert texts.CONSOLE_DEMO_KEPT in out and "刘洋> :reset" in out
    assert f"{texts.CONSOLE_RESET_PROMPT}no" in out and texts.CONSOLE_RESET_CANCELLED in out
    before, after = out.split(texts.CONSOLE_RESET_DONE)
    assert f"刘洋（干部科，干部，{texts.CONSOLE_JOINED}）" in before.split(texts.CONSOLE_RESET_CANCELLED)[1]
    assert "1006 刘洋（干部科，干部，未绑定" in after  # reset: the demo roster as it first was
    assert "张明> :who" in after  # back to the first demo cadre
    assert texts.CONSOLE_NOT_JOINED.format(name="刘洋", code="-").split("/start")[0] in after  # must join again


def test_a_roster_uploaded_in_the_console_is_still_there_next_run(workdir: Path) -> None:
    """The demo roster is seeded into an empty database only, never re-imported over an upload."""
    (workdir / "add.csv").write_text("id,name,unit,roles,supervises,target,level\n1007,孙丽,组织科,cadre,,,乡科级\n",
                                     encoding="utf-8")
    uploaded = console(workdir, f":as 陈静\n:upload {workdir / 'add.csv'}\n:buttons\n")
    listed = replies(uploaded.stdout, ":buttons", "陈静")
    update_only = next(line.split()[0] for line in listed if "仅新增和修改" in line)  # e.g. #1.2
    applied = console(workdir, f":as 陈静\n:upload {workdir / 'add.csv'}\n{update_only}\n")
    assert applied.returncode == 0, applied.stderr
    later = console(workdir, ":who\n").stdout
    assert "1007 孙丽（组织科" in later and "1001 张明（组织科，干部，已绑定）" in later


def test_the_help_names_the_button_prefix_and_the_listing(workdir: Path) -> None:
    out = console(workdir, ":help\n").stdout
    assert "#2" in out and "#3.1" in out and ":buttons" in out and ":reset" in out


async def test_an_edit_of_the_keyboard_keeps_the_messages_html_rendered() -> None:
    """The console prints `.plain`; an answer sent as HTML stays rendered when only its
    buttons change (👍), as Telegram keeps a message's formatting."""
    request = LocalRequest()
    bot = Bot("123456:LOCAL", request=request)
    await bot.initialize()
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("👍 有用", callback_data="ask:up:1")]])
    sent = await bot.send_message(42, "<b>三会一课</b> &amp; 党课", parse_mode="HTML", reply_markup=keyboard)
    await bot.edit_message_reply_markup(42, sent.message_id, reply_markup=None)
    await bot.edit_message_text("<i>已更新</i>", chat_id=42, message_id=sent.message_id)
    kept, retexted = request.outbox[-2], request.outbox[-1]
    assert kept.kind == "edit" and kept.plain == "三会一课 & 党课"
    assert retexted.plain == "<i>已更新</i>"  # new text without a parse mode is shown as sent
    await bot.shutdown()


def test_a_session_started_in_the_console_reaches_the_cadres_at_once_and_checks_in(workdir: Path) -> None:
    """The job a /session queues (its invitations) is part of the answer, not left for :tick."""
    run = console(workdir, ":as 赵强\n/session 周一例会学习\n:as 李华\n#1\n:quit\n")
    assert run.returncode == 0, run.stderr
    started = "\n".join(replies(run.stdout, "/session 周一例会学习", "赵强"))
    assert "→ 李华：📋 集体学习签到" in started and "[1] 签到" in started
    assert "签到成功：周一例会学习1次（+1学时），已计入。" in "\n".join(replies(run.stdout, "#1", "李华"))
