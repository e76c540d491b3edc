"""The `cadrebot` command as an admin and a newcomer use it: roster import, invites, console."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CADREBOT = [sys.executable, "-m", "bot.cli"]

ROSTER_CSV = """id,name,unit,roles,supervises,target,level
C01,张明,组织科,cadre,,,乡科级
A01,陈静,办公室,admin,,,
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "config.yaml").write_text(
        f"database:\n  url: sqlite:///data/cli.db\nknowledge:\n  paths: [{PROJECT_ROOT / 'knowledge' / 'base'}]\n",
        encoding="utf-8",
    )
    return tmp_path


def cadrebot(workdir: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    env.update(CADREBOT_CONFIG=str(workdir / "config.yaml"), PYTHONPATH=str(PROJECT_ROOT))
    return subprocess.run(
        [*CADREBOT, *args], cwd=workdir, env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def test_roster_import_then_invites_as_csv(workdir: Path) -> None:
    (workdir / "roster.csv").write_text(ROSTER_CSV, encoding="utf-8")
    imported = cadrebot(workdir, "roster", "import", "roster.csv", "--yes")
    assert imported.returncode == 0, imported.stderr
    assert "2 new" in imported.stdout
    again = cadrebot(workdir, "roster", "import", "roster.csv", "--yes")
    assert "0 new" in again.stdout and "2 unchanged" in again.stdout
    invites = cadrebot(workdir, "roster", "invites", "--format", "csv")
    lines = invites.stdout.splitlines()
    # No token, so no username from Telegram: codes only, never a link to a guessed bot
    # (links: test_roster_cli.py, with a token, against a stand-in Bot API).
    assert lines[0] == "id,name,code"
    ids = [line.split(",")[0] for line in lines[1:]]
    assert ids == ["A01", "C01"]
    assert all(len(line.split(",")[2]) == 8 for line in lines[1:]) and "t.me" not in invites.stdout


def test_malformed_roster_names_row_and_column_and_imports_nothing(workdir: Path) -> None:
    (workdir / "bad.csv").write_text(ROSTER_CSV + "C02,李华,组织科,chief,,,\n", encoding="utf-8")
    result = cadrebot(workdir, "roster", "import", "bad.csv")
    assert result.returncode == 1
    assert "第4行" in result.stderr and "roles" in result.stderr
    assert cadrebot(workdir, "roster", "invites", "--format", "csv").stdout.strip() == "id,name,code"


def test_bad_config_stops_with_one_line_naming_the_key(workdir: Path) -> None:
    (workdir / "config.yaml").write_text("bot:\n  mode: carrier-pigeon\n", encoding="utf-8")
    result = cadrebot(workdir, "db", "upgrade")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "bot.mode" in result.stderr


def test_db_upgrade_creates_the_sqlite_database(workdir: Path) -> None:
    result = cadrebot(workdir, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (workdir / "data" / "cli.db").exists()


def test_run_without_token_opens_the_console_and_shows_help_per_role(workdir: Path) -> None:
    result = cadrebot(workdir, "run", stdin="/help\n:as 陈静\n/help\n:quit\n")
    assert result.returncode == 0, result.stderr
    first_line, *rest = result.stdout.splitlines()
    assert "TELEGRAM_BOT_TOKEN" in first_line and "console" in first_line
    transcript = "\n".join(rest)
    cadre_part, admin_part = transcript.split(":as 陈静")
    assert "张明，您可以使用以下功能" in cadre_part and "/invites" not in cadre_part
    assert "陈静，您可以使用以下功能" in admin_part and "/invites" in admin_part


def test_console_newcomer_can_join_with_an_invite_code(workdir: Path) -> None:
    listing = cadrebot(workdir, "console", stdin=":invites\n:quit\n").stdout
    code = listing.split("/start ")[1].split()[0]
    result = cadrebot(workdir, "console", stdin=f":new\n/start {code}\n/help\n:quit\n")
    assert "绑定成功" in result.stdout and "刘洋，您可以使用以下功能" in result.stdout


def test_run_with_a_token_but_no_reachable_api_says_so_in_one_line(workdir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CADREBOT_CONFIG=str(workdir / "config.yaml"), PYTHONPATH=str(PROJECT_ROOT),
               TELEGRAM_BOT_TOKEN="123456:TEST", TELEGRAM_API_BASE_URL="http://127.0.0.1:9")
    result = subprocess.run([*CADREBOT, "run"], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "cannot reach the Telegram Bot API at http://127.0.0.1:9" in result.stderr


def test_webhook_mode_without_a_secret_refuses_to_start(workdir: Path) -> None:
    (workdir / "config.yaml").write_text(
        "bot:\n  mode: webhook\n  webhook:\n    url: https://bot.example.org\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TELEGRAM_WEBHOOK_SECRET")}
    env.update(CADREBOT_CONFIG=str(workdir / "config.yaml"), PYTHONPATH=str(PROJECT_ROOT), TELEGRAM_BOT_TOKEN="123456:TEST")
    result = subprocess.run([*CADREBOT, "run"], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "TELEGRAM_WEBHOOK_SECRET" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_run_without_token_and_without_a_terminal_stops_with_an_error(workdir: Path) -> None:
    """Under systemd or `docker run` without -i, stdin is /dev/null: exiting 0 would look like a
    deliberate stop, so the unit would never be restarted and nobody would notice."""
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DATABASE_URL")}
    env.update(CADREBOT_CONFIG=str(workdir / "config.yaml"), PYTHONPATH=str(PROJECT_ROOT))
    result = subprocess.run(
        [*CADREBOT, "run"], cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: no TELEGRAM_BOT_TOKEN set, and no terminal for the offline console: set the token to run the bot"
    ]


def test_an_unreachable_bot_api_is_one_line_without_the_token(workdir: Path) -> None:
    token = "123456:NEVER-PRINT-THIS-TOKEN"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)}
    env.update(
        CADREBOT_CONFIG=str(workdir / "config.yaml"), PYTHONPATH=str(PROJECT_ROOT),
        TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL="http://127.0.0.1:9",  # nothing listens on port 9
    )
    result = subprocess.run(
        [*CADREBOT, "run"], cwd=workdir, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "NEVER-PRINT-THIS-TOKEN" not in result.stderr + result.stdout
    assert result.stderr.strip().splitlines()[-1].startswith("error: cannot reach the Telegram Bot API at http://127.0.0.1:9")
