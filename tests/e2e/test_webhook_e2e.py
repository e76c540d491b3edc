"""Several instances, as deploy/compose.yaml runs them: two real `cadrebot run` processes in
webhook mode on one PostgreSQL database, each with its own webhook port, both sharing one
knowledge folder. The test plays Telegram (and Caddy's load balancing): it POSTs each update,
JSON as Telegram sends it, to the instance it picks. Replies still go through the Bot API
emulator, so they are checked as in every e2e test.

And polling, which suits one instance only: a second poller's 409 Conflict is one warning line.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import yaml

from db.engine import scratch_schema

from .harness import REPO_ROOT, BotProcess
from .client import TelegramUser
from .test_bot_e2e import ROSTER

SECRET = "e2e-webhook-secret_1"
PUBLIC_URL = "https://bot.e2e.test"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: never a proxy

NEW_QUESTION = "党员活动室的钥匙找谁借？"
NEW_ANSWER = "值班登记簿"
NEW_FILE = f"""\
entries:
  - id: e2e-huodongshi-yaoshi
    question: {NEW_QUESTION}
    alternates: [活动室钥匙在哪里借]
    keywords: [党员活动室, 钥匙]
    answer: 党员活动室的钥匙由办公室保管，借用时在{NEW_ANSWER}上写明用途和归还时间。
    source: e2e 测试
"""


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the PostgreSQL database of $TEST_DATABASE_URL, dropped afterwards."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set: two instances need PostgreSQL (set in CI by .ci/run)")
    with scratch_schema(base, prefix="e2e") as url:
        yield url


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(database_url: str, *args: str) -> str:
    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "CADREBOT_CONFIG")}
    env["DATABASE_URL"] = database_url
    result = subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def invite_codes(database_url: str, tmp_path: Path) -> dict[str, str]:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    cli(database_url, "roster", "import", str(roster), "--yes")
    lines = cli(database_url, "roster", "invites", "--format", "csv").splitlines()
    header = lines[0].split(",")
    return {row["id"]: row["code"] for row in (dict(zip(header, line.split(","))) for line in lines[1:])}


def webhook_config(folder: Path, port: int, knowledge: Path) -> Path:
    """The shipped config with the webhook on `port` and the shared knowledge folder."""
    raw = yaml.safe_load((REPO_ROOT / "config.yaml").read_text(encoding="utf-8"))
    raw["bot"]["mode"] = "webhook"
    raw["bot"]["webhook"] = {"url": PUBLIC_URL, "listen": "127.0.0.1", "port": port, "path": "telegram",
                             "secret_token_env": "TELEGRAM_WEBHOOK_SECRET"}
    raw["knowledge"]["paths"] = [str(knowledge)]
    raw["knowledge"]["synonyms"] = [str(REPO_ROOT / "knowledge" / "synonyms")]
    raw["knowledge"]["sync_seconds"] = 1
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Instance:
    """One `cadrebot run` in webhook mode, and how Telegram (here: the test) reaches it."""

    bot: BotProcess
    port: int

    def post(self, update: dict | None, secret: str | None = SECRET, timeout: float = 10.0) -> int:
        """POST one update as Telegram does; the HTTP status. Waits (bounded) for the listener,
        which PTB opens just after setWebhook."""
        headers = {"Content-Type": "application/json"}
        if secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/telegram", method="POST",
                                         data=json.dumps(update).encode(), headers=headers)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with _OPENER.open(request, timeout=timeout) as response:
                    return response.status
            except urllib.error.HTTPError as exc:
                return exc.code
            except urllib.error.URLError as exc:
                if not isinstance(exc.reason, ConnectionRefusedError) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def deliver(self, user: TelegramUser, act: Callable[[], Any]) -> None:
        """The user does something (send_text, press, send_document): this instance gets it."""
        act()
        assert self.post(user.last_update) == 200


@pytest.fixture
def two_instances(postgres_url: str, start_bot, tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    """Instances A and B of one bot (one token), one database, one knowledge folder."""
    knowledge = tmp_path / "knowledge"
    shutil.copytree(REPO_ROOT / "knowledge" / "base", knowledge, ignore=shutil.ignore_patterns(".backup"))
    instances: list[Instance] = []
    token = None
    for name in ("a", "b"):
        port = free_port()
        env = {"CADREBOT_CONFIG": webhook_config(tmp_path / name, port, knowledge),
               "DATABASE_URL": postgres_url, "TELEGRAM_WEBHOOK_SECRET": SECRET,
               "CADREBOT_OPS_ADDR": f"127.0.0.1:{free_port()}"}  # each its own /healthz
        bot = start_bot(env, token=token, wait_polling=False, timeout=60)
        token = bot.token
        registered = bot.wait_webhook(timeout=60)
        assert registered["url"] == f"{PUBLIC_URL}/telegram" and registered["secret_token"] == SECRET
        assert {"message", "callback_query"} <= set(registered["allowed_updates"])
        instances.append(Instance(bot, port))
    yield instances[0], instances[1]
    for instance in reversed(instances):  # before the schema is dropped
        instance.bot.stop()


def test_updates_without_the_secret_are_refused_and_a_study_flow_alternates_between_two_instances(
    two_instances: tuple[Instance, Instance], postgres_url: str, tmp_path: Path,
) -> None:
    a, b = two_instances
    codes = invite_codes(postgres_url, tmp_path)
    cadre = a.bot.user(6101, "张明")

    cadre.send_text(f"/start {codes['C01']}")
    assert a.post(cadre.last_update, secret=None) == 403
    assert a.post(cadre.last_update, secret="not-the-secret") == 403
    assert b.post(cadre.last_update) == 200
    assert "绑定成功" in cadre.wait_for_reply()["plain"]
    # Refused before PTB queued them: the code was used once, by the signed update only.
    assert len(cadre.bot_messages()) == 1

    a.deliver(cadre, lambda: cadre.send_text("/study"))
    menu = cadre.wait_for_reply(lambda m: "请选择学习类型" in m["plain"])
    b.deliver(cadre, lambda: cadre.press("专题讲座", message_id=menu["message_id"]))
    cadre.wait_for_edit(menu["message_id"], lambda m: "学习了多少小时" in m["plain"])
    a.deliver(cadre, lambda: cadre.send_text("2"))
    day = cadre.wait_for_reply(lambda m: "哪天学习的" in m["plain"])
    b.deliver(cadre, lambda: cadre.press("昨天", message_id=day["message_id"]))
    cadre.wait_for_edit(day["message_id"], lambda m: "备注" in m["plain"])
    a.deliver(cadre, lambda: cadre.press("跳过", message_id=day["message_id"]))
    cadre.wait_for_edit(day["message_id"], lambda m: "请确认" in m["plain"] and "2小时" in m["plain"])
    b.deliver(cadre, lambda: cadre.press("✅ 确认", message_id=day["message_id"]))
    saved = cadre.wait_for_edit(day["message_id"], lambda m: "已记录" in m["plain"])
    assert "专题讲座2小时" in saved["plain"] and "年度累计2学时，目标90学时" in saved["plain"]

    a.deliver(cadre, lambda: cadre.send_text("/credits"))
    assert "已计入2学时，年度目标90学时" in cadre.wait_for_reply(lambda m: "已计入" in m["plain"])["plain"]
    assert a.bot.unsupported() == [] and a.bot.api_errors() == []
    for instance in (a, b):
        assert "Traceback" not in instance.bot.log_text()


def test_a_knowledge_file_uploaded_on_one_instance_is_answered_by_the_other_within_seconds(
    two_instances: tuple[Instance, Instance], postgres_url: str, tmp_path: Path,
) -> None:
    a, b = two_instances
    codes = invite_codes(postgres_url, tmp_path)
    admin, cadre = a.bot.user(6201, "陈静"), a.bot.user(6202, "张明")
    a.deliver(admin, lambda: admin.send_text(f"/start {codes['A01']}"))
    admin.wait_for_reply(lambda m: "绑定成功" in m["plain"])
    b.deliver(cadre, lambda: cadre.send_text(f"/start {codes['C01']}"))
    cadre.wait_for_reply(lambda m: "绑定成功" in m["plain"])

    b.deliver(cadre, lambda: cadre.send_text(NEW_QUESTION))
    assert NEW_ANSWER not in cadre.wait_for_reply()["plain"]  # nothing answers it yet

    a.deliver(admin, lambda: admin.send_document("huodongshi.yaml", NEW_FILE.encode()))
    assert "已更新知识库文件 huodongshi.yaml" in admin.wait_for_reply(timeout=30)["plain"]

    # B looks for new versions every second (knowledge.sync_seconds): ask until it answers.
    deadline, answer = time.monotonic() + 30, None
    while answer is None and time.monotonic() < deadline:
        b.deliver(cadre, lambda: cadre.send_text(NEW_QUESTION))
        try:
            answer = cadre.wait_for_reply(lambda m: NEW_ANSWER in m["plain"], timeout=3)
        except AssertionError:
            continue
    assert answer is not None, f"instance B never answered from the new entry:\n{b.bot.log_tail()}"
    assert "reloaded" in b.bot.log_text() and "Traceback" not in b.bot.log_text()
    assert a.bot.api_errors() == []


def test_a_second_polling_instance_is_one_warning_line_per_conflict_not_a_traceback(start_bot) -> None:
    first = start_bot({"CADREBOT_OPS_ADDR": f"127.0.0.1:{free_port()}"})
    # The same bot polled twice, as two hosts would: Telegram answers the older poll 409.
    second = start_bot({"CADREBOT_OPS_ADDR": f"127.0.0.1:{free_port()}"}, token=first.token)

    def warned() -> bool:
        return any("409 Conflict" in bot.log_text() for bot in (first, second))

    deadline = time.monotonic() + 30
    while not warned() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert warned(), first.log_tail() + second.log_tail()
    for bot in (first, second):
        assert "Traceback" not in bot.log_text()
        assert all("another instance is polling" in line for line in bot.log_text().splitlines()
                   if "Conflict" in line)
