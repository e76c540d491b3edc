"""A base that fails loudly: in the chat (in Chinese, files named as in the base folder), and at
start (one line, non-zero exit). Admins' knowledge changes are audit-logged with who made them."""

from __future__ import annotations

import io
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import texts
from bot.config import Config
from bot.console.terminal import Console
from db import audit
from db.models import Question
from handlers.knowledge_admin import DEFAULT_GAP_DAYS
from tests.bot.test_cli import CADREBOT, PROJECT_ROOT
from tests.conftest import BotHarness

IMPOSSIBLE_DATE = """\
entries:
  - id: p-dangfei-riqi
    question: 党费每月几号前交？
    answer: 一般在每月上旬交纳。
    updated: 2026-11-31
"""


async def admin(harness: BotHarness):  # type: ignore[no-untyped-def]
    await harness.import_roster()
    return await harness.join("A01")


def kb_folder(harness: BotHarness) -> Path:
    return Path(harness.services.config.knowledge.paths[0])


async def test_an_upload_with_an_impossible_date_is_refused_in_chinese_with_file_line_and_id(harness: BotHarness) -> None:
    user = await admin(harness)
    reply = (await harness.upload(user, "party-dues.yaml", IMPOSSIBLE_DATE.encode()))[-1].text
    assert "未生效" in reply and "party-dues.yaml:5 [p-dangfei-riqi]" in reply and "不是有效日期" in reply
    assert str(kb_folder(harness)) not in reply and "/" not in reply.split("\n", 1)[1]
    assert not (kb_folder(harness) / "party-dues.yaml").exists()


async def test_a_failed_reload_lists_problems_in_chinese_by_file_name_not_path(harness: BotHarness) -> None:
    user = await admin(harness)
    (kb_folder(harness) / "extra.yaml").write_text(
        "entries:\n  - id: x-a\n    question: 甲乙\n    answr: 丙\n", encoding="utf-8")
    reply = (await harness.send(user, "/reload"))[-1].text
    assert "未重新加载" in reply and "extra.yaml:4 [x-a] 不认识的字段「answr」（是否应为「answer」？）" in reply
    assert "extra.yaml:2 [x-a] 缺少必填字段「answer」" in reply
    assert str(kb_folder(harness)) not in reply


async def test_uploads_and_reloads_are_audit_logged_with_the_admin(harness: BotHarness) -> None:
    user = await admin(harness)
    good = IMPOSSIBLE_DATE.replace("2026-11-31", "2026-11-20")
    assert "已更新知识库文件" in (await harness.upload(user, "party-dues.yaml", good.encode()))[-1].text
    assert "已重新加载" in (await harness.send(user, "/reload"))[-1].text
    await harness.upload(user, "bad.yaml", IMPOSSIBLE_DATE.encode())  # refused: changes nothing, logs nothing
    async with harness.services.db.session() as session:
        rows = await audit.recent(session)
    admin_id = (await harness.person("A01")).id
    assert [(r.action, r.actor_id) for r in rows] == [("kb.reload", admin_id), ("kb.upload", admin_id)]
    assert "party-dues.yaml" in rows[1].detail


async def test_console_digits_typed_outside_a_flow_reach_the_bot_which_asks_for_words(config: Config, tmp_path: Path) -> None:
    """The console sends typed digits as a message (buttons are pressed with #2, as :help says).
    Outside any flow the bot asks for the question in words; digits and punctuation alone are
    not logged as a question (issue 11), so /gaps never lists them."""
    out = io.StringIO()
    console = Console(config, out)
    await console.open()
    try:
        await console.handle("3")  # no message with buttons yet
        await console.handle("三会一课多久开一次？")
        await console.handle("2")  # the answer's second button is 👍: typed, it is a message all the same
        await console.handle("？？")
        async with console.services.db.session() as session:
            logged = (await session.scalars(select(Question.text))).all()
        await console.handle(":as 陈静")
        before_gaps = len(out.getvalue())
        await console.handle("/gaps")
    finally:
        await console.close()
    transcript = out.getvalue()
    assert transcript.splitlines().count(f"  {texts.ASK_NOTHING_TO_MATCH}") == 3
    assert texts.CONSOLE_NO_BUTTON not in transcript and "这条消息里没有文字" not in transcript
    assert logged == ["三会一课多久开一次？"]
    assert transcript[before_gaps:].strip() == texts.GAPS_NONE.format(days=DEFAULT_GAP_DAYS)


def run_with_base(tmp_path: Path, kb_path: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    (tmp_path / "config.yaml").write_text(
        f"database:\n  url: sqlite:///data/cli.db\nknowledge:\n  paths: [{kb_path}]\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    env.update(CADREBOT_CONFIG=str(tmp_path / "config.yaml"), PYTHONPATH=str(PROJECT_ROOT))
    if token:
        env.update(TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL="http://127.0.0.1:9")
    return subprocess.run([*CADREBOT, "run"], cwd=tmp_path, env=env, input=":quit\n", capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("token", [None, "123456:TEST"], ids=["console", "telegram"])
def test_run_with_an_impossible_date_stops_with_one_line_naming_file_line_and_id(tmp_path: Path, token: str | None) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "party-dues.yaml").write_text(IMPOSSIBLE_DATE, encoding="utf-8")
    result = run_with_base(tmp_path, str(tmp_path / "kb"), token)
    assert result.returncode == 2 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "party-dues.yaml:5 [p-dangfei-riqi]" in lines[0] and "2026-11-31" in lines[0]
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("token", [None, "123456:TEST"], ids=["console", "telegram"])
def test_run_with_an_empty_base_stops_with_one_line(tmp_path: Path, token: str | None) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "empty.yaml").write_text("entries: []\n", encoding="utf-8")
    result = run_with_base(tmp_path, str(tmp_path / "kb"), token)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no entries" in lines[0] and str(tmp_path / "kb") in lines[0]


@pytest.mark.parametrize("token", [None, "123456:TEST"], ids=["console", "telegram"])
def test_run_with_a_knowledge_path_that_does_not_exist_stops_with_one_line(tmp_path: Path, token: str | None) -> None:
    result = run_with_base(tmp_path, str(tmp_path / "no-such-kb"), token)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "no-such-kb" in lines[0] and "no such file or folder" in lines[0]
    assert not (tmp_path / "data" / "cli.db").exists()  # stopped before migrating anything
