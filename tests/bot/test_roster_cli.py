"""The roster on the command line: a plan first, --yes to apply; invite links only to the bot
Telegram names for the token; `cadrebot audit` shows who did what."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.admin.invites import warn_if_username_differs
from tests.bot.test_cli import CADREBOT, PROJECT_ROOT, ROSTER_CSV, cadrebot, workdir  # noqa: F401 (fixture)

GOOD_TOKEN = "123456:GOOD-TOKEN"
ONE_LINE = "id,name,unit,roles\nN01,孙丽,组织科,cadre\n"


def run(workdir: Path, *args: str, token: str, api: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(CADREBOT_CONFIG=str(workdir / "config.yaml"), PYTHONPATH=str(PROJECT_ROOT),
               TELEGRAM_BOT_TOKEN=token, TELEGRAM_API_BASE_URL=api)
    return subprocess.run([*CADREBOT, *args], cwd=workdir, env=env, capture_output=True, text=True, timeout=120)


class _BotApi(BaseHTTPRequestHandler):
    """Just enough Bot API: getMe for GOOD_TOKEN, 401 Unauthorized for any other token."""

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == f"/bot{GOOD_TOKEN}/getMe":
            status, body = 200, {"ok": True, "result": {
                "id": 123456, "is_bot": True, "first_name": "组工学习助手", "username": "real_cadre_bot"}}
        else:
            status, body = 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def bot_api() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BotApi)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def imported(workdir: Path) -> None:
    (workdir / "roster.csv").write_text(ROSTER_CSV, encoding="utf-8")
    assert cadrebot(workdir, "roster", "import", "roster.csv", "--yes").returncode == 0


def active_ids(workdir: Path) -> list[str]:
    listing = cadrebot(workdir, "roster", "invites", "--format", "csv", "--all").stdout.splitlines()[1:]
    return [line.split(",")[0] for line in listing]


# --- import -------------------------------------------------------------------------------------


def test_import_without_yes_prints_the_plan_and_changes_nothing(workdir: Path) -> None:
    imported(workdir)
    (workdir / "one.csv").write_text(ONE_LINE, encoding="utf-8")
    result = cadrebot(workdir, "roster", "import", "one.csv")
    assert result.returncode == 0, result.stderr
    assert "mode full: people missing from the file are deactivated" in result.stdout
    assert "new 1, updated 0, unchanged 0, reactivated 0, deactivated 1" in result.stdout
    assert "deactivate: C01 张明" in result.stdout
    assert "kept active although not in the file: A01 陈静 (the file names no admin)" in result.stdout
    assert "WARNING: deactivates 1 of 2 active people (50%" in result.stdout
    assert result.stdout.rstrip().endswith("nothing changed: run again with --yes to apply this plan (or --mode update --yes)")
    assert active_ids(workdir) == ["A01", "C01"]


def test_dry_run_prints_the_plan_only(workdir: Path) -> None:
    imported(workdir)
    (workdir / "one.csv").write_text(ONE_LINE, encoding="utf-8")
    result = cadrebot(workdir, "roster", "import", "one.csv", "--dry-run")
    assert result.returncode == 0 and "deactivate: C01 张明" in result.stdout
    assert result.stdout.rstrip().endswith("dry run: nothing changed") and active_ids(workdir) == ["A01", "C01"]
    assert cadrebot(workdir, "roster", "import", "one.csv", "--dry-run", "--yes").returncode == 2


def test_yes_applies_the_plan_in_the_mode_asked(workdir: Path) -> None:
    imported(workdir)
    (workdir / "one.csv").write_text(ONE_LINE, encoding="utf-8")
    update = cadrebot(workdir, "roster", "import", "one.csv", "--mode", "update", "--yes")
    assert "mode update: additions and changes only" in update.stdout and "1 new" in update.stdout
    assert "0 deactivated" in update.stdout and active_ids(workdir) == ["A01", "C01", "N01"]
    full = cadrebot(workdir, "roster", "import", "one.csv", "--yes")
    assert "1 deactivated" in full.stdout and active_ids(workdir) == ["A01", "N01"]  # the admin stays


def test_a_file_that_leaves_no_admin_is_refused(workdir: Path) -> None:
    imported(workdir)
    (workdir / "demoted.csv").write_text(ROSTER_CSV.replace("admin", "cadre"), encoding="utf-8")
    result = cadrebot(workdir, "roster", "import", "demoted.csv", "--yes")
    assert result.returncode == 1 and "no active admin would remain" in result.stderr
    assert "imported" not in result.stdout


def test_every_problem_of_a_bad_file_is_a_line(workdir: Path) -> None:
    (workdir / "bad.csv").write_text("id,name,unit,roles\nC1,,一科,cadre\nC2,乙,一科,boss\n", encoding="utf-8")
    result = cadrebot(workdir, "roster", "import", "bad.csv", "--yes")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert "第2行，「name」列（B2）" in lines[0] and "第3行，「roles」列（D3）" in lines[1]
    assert lines[-1] == "bad.csv: 2 problems; nothing imported"


def test_an_xlsx_roster_with_chinese_headers_imports(workdir: Path) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    for row in (["工号", "姓名", "单位", "角色"], ["A01", "陈静", "办公室", "管理员"], [1001, "张明", "组织科", "干部"]):
        book.active.append(row)
    book.save(workdir / "名单.xlsx")
    result = cadrebot(workdir, "roster", "import", "名单.xlsx", "--yes")
    assert result.returncode == 0, result.stderr
    assert "2 new" in result.stdout and active_ids(workdir) == ["1001", "A01"]


# --- invites ------------------------------------------------------------------------------------


def test_invites_without_a_token_print_codes_only_and_say_why(workdir: Path) -> None:
    imported(workdir)
    result = cadrebot(workdir, "roster", "invites")
    assert "t.me" not in result.stdout and len(result.stdout.strip().splitlines()) == 2
    assert result.stderr.strip().splitlines() == [
        "no TELEGRAM_BOT_TOKEN: printing codes only (links need the bot's username from Telegram)"]


def test_invites_with_a_token_link_to_the_bot_telegram_names(workdir: Path, bot_api: str) -> None:
    imported(workdir)
    result = run(workdir, "roster", "invites", "--format", "csv", token=GOOD_TOKEN, api=bot_api)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "id,name,code,link"
    code, link = lines[2].split(",")[2:]
    assert link == f"https://t.me/real_cadre_bot?start={code}"  # getMe's name, not config's "cadrebot"
    assert "GOOD-TOKEN" not in result.stdout + result.stderr


def test_invites_with_a_rejected_token_print_codes_only(workdir: Path, bot_api: str) -> None:
    imported(workdir)
    result = run(workdir, "roster", "invites", "--format", "csv", token="123456:WRONG-TOKEN", api=bot_api)
    assert result.returncode == 0 and result.stdout.splitlines()[0] == "id,name,code"
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in result.stderr and "WRONG-TOKEN" not in result.stderr


def test_renewing_one_code_voids_the_old_one(workdir: Path, bot_api: str) -> None:
    imported(workdir)
    before = cadrebot(workdir, "roster", "invites", "--format", "csv").stdout
    old_code = next(line.split(",")[2] for line in before.splitlines() if line.startswith("C01,"))
    result = run(workdir, "roster", "invites", "--renew", "C01", token=GOOD_TOKEN, api=bot_api)
    assert result.returncode == 0, result.stderr
    match = re.search(r"new invite code for C01 张明: (\w+) https://t.me/real_cadre_bot\?start=(\w+)", result.stdout)
    assert match and match.group(1) == match.group(2) != old_code
    assert "the old code no longer works" in result.stdout
    assert old_code not in cadrebot(workdir, "roster", "invites", "--format", "csv").stdout
    missing = cadrebot(workdir, "roster", "invites", "--renew", "X99")
    assert missing.returncode == 1 and "no person with id X99" in missing.stderr


# --- audit --------------------------------------------------------------------------------------


def test_cadrebot_audit_prints_one_line_per_entry(workdir: Path) -> None:
    imported(workdir)
    cadrebot(workdir, "roster", "invites")
    result = cadrebot(workdir, "audit", "--days", "1")
    assert result.returncode == 0, result.stderr
    lines = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(actor, action) for _, actor, action, _ in lines] == [("cli", "roster.import"), ("cli", "invites.export")]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", when) for when, *_ in lines)
    assert json.loads(lines[0][3]) == {
        "file": "roster.csv", "mode": "full", "created": 2, "updated": 0, "unchanged": 0, "deactivated": 0,
        "reactivated": 0}
    assert cadrebot(workdir, "audit", "--days", "0").returncode == 2


# --- the bot's own name ---------------------------------------------------------------------------


def test_a_config_username_unlike_getmes_is_logged_at_start(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="bot.admin.invites"):
        assert warn_if_username_differs("cadrebot", "real_cadre_bot") is True
        assert warn_if_username_differs("Real_Cadre_Bot", "real_cadre_bot") is False
    [record] = caplog.records
    assert "config bot.username is @cadrebot but Telegram says this bot is @real_cadre_bot" in record.getMessage()
