"""cadrebot end to end: the real `cadrebot run` against the Bot API emulator."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from .harness import REPO_ROOT

ROSTER = """id,name,unit,roles,supervises,target,level
C01,张明,组织科,cadre,,,乡科级
S01,赵强,组织科,cadre;supervisor,组织科,,县处级
A01,陈静,办公室,admin,,,
"""


def cli(tmp_path: Path, *args: str) -> str:
    """Run the admin CLI on the database the bot under test will use."""
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "CADREBOT_CONFIG")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'e2e.db'}"
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def invite_codes(tmp_path: Path) -> dict[str, str]:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    cli(tmp_path, "roster", "import", str(roster), "--yes")
    rows = csv.DictReader(io.StringIO(cli(tmp_path, "roster", "invites", "--format", "csv")))
    return {row["id"]: row["code"] for row in rows}


def test_newcomer_joins_with_an_invite_code_and_sees_help_for_their_role(start_bot, tmp_path: Path) -> None:
    codes = invite_codes(tmp_path)
    bot = start_bot()

    stranger = bot.user(4242, "路人")
    stranger.send_text("你好")
    assert "邀请码" in stranger.wait_for_reply()["plain"]

    cadre = bot.user(1001, "张明")
    cadre.send_text(f"/start {codes['C01']}")
    assert "绑定成功" in cadre.wait_for_reply()["plain"]
    cadre.send_text("/help")
    cadre_help = cadre.wait_for_reply()["plain"]
    assert "张明，您可以使用以下功能" in cadre_help and "/ask" in cadre_help and "/gaps" not in cadre_help
    assert {c["command"] for c in cadre.menu()} >= {"help", "ask"}

    admin = bot.user(1003, "陈静")
    admin.send_text(f"/start {codes['A01']}")
    admin.wait_for_reply()
    admin.send_text("/help")
    assert "/gaps" in admin.wait_for_reply()["plain"]

    reuse = bot.user(1004, "冒用者")
    reuse.send_text(f"/start {codes['C01']}")
    assert "已经使用过" in reuse.wait_for_reply()["plain"]
    assert bot.unsupported() == [] and bot.api_errors() == []


def test_cadre_asks_gets_an_answer_votes_down_and_admin_sees_it_in_gaps(start_bot, tmp_path: Path) -> None:
    codes = invite_codes(tmp_path)
    bot = start_bot()
    cadre, admin = bot.user(2001, "张明"), bot.user(2003, "陈静")
    cadre.send_text(f"/start {codes['C01']}")
    cadre.wait_for_reply()
    admin.send_text(f"/start {codes['A01']}")
    admin.wait_for_reply()

    cadre.send_text("请问3会1课多久开一次")
    answer = cadre.wait_for_reply(lambda m: "👎 没用" in str(m["reply_markup"]))
    assert "三会一课" in answer["plain"] and "来源" in answer["plain"]
    cadre.press("👎 没用")
    assert "谢谢反馈" in cadre.wait_for_callback_answer()["text"]

    admin.send_text("/gaps")
    gaps = admin.wait_for_reply()["plain"]
    assert "请问3会1课多久开一次" in gaps and "👎 1" in gaps
    assert bot.unsupported() == [] and bot.api_errors() == []
