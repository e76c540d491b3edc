"""End to end with the real clock: after a restart the bot sends a due reminder and a due talk
prompt; the cadre logs study from the reminder's buttons, the supervisor records the talk."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import yaml

from bot.config import DEFAULT_CONFIG
from db import people, talks
from db.engine import Database
from db.models import utcnow

from .harness import REPO_ROOT
from .test_bot_e2e import invite_codes


def e2e_config(tmp_path: Path, with_schedule: bool, digest_every_minute: bool = False) -> Path:
    """The shipped config, with a reminder due every minute and talks due after 7 days
    (and, if asked, the weekly digest due every minute instead of the reminder)."""
    config = yaml.safe_load(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config["knowledge"]["paths"] = [str(REPO_ROOT / "knowledge" / "base")]
    config["knowledge"]["synonyms"] = [str(REPO_ROOT / "knowledge" / "synonyms")]
    config["reminders"]["tick_seconds"] = 1
    config["reminders"]["schedules"] = [{
        "key": "e2e_nudge", "name": "测试提醒", "cron": "* * * * *", "skip_non_workdays": False,
        "audience": {"kind": "all"}, "text": "{name}，该学习了。今年已完成 {total}/{target} {credit_name}。",
        "activities": ["jiangzuo"],
    }] if with_schedule else []
    config["talks"].update(prompt_time="00:00", workdays_only=False, cadence_days=7)
    if digest_every_minute:
        config["digest"]["cron"] = "* * * * *"
        config["digest"]["workdays_only"] = False  # the run may fall on a weekend or a holiday
    path = tmp_path / f"config-{with_schedule}-{digest_every_minute}.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


async def seed_last_talk(database: Path, supervisor_id: str, cadre_id: str, days_ago: int) -> None:
    db = Database(f"sqlite:///{database}")
    try:
        async with db.session() as session:
            supervisor = await people.by_external_id(session, supervisor_id)
            cadre = await people.by_external_id(session, cadre_id)
            held = (utcnow() - timedelta(days=days_ago)).date()
            await talks.record_talk(session, supervisor.id, cadre.id, held, utcnow())
            await session.commit()
    finally:
        await db.dispose()


def join_then_stop(start_bot, tmp_path: Path, users: dict[str, tuple[int, str]]):  # type: ignore[no-untyped-def]
    """A first run in which these people join with their invite codes; returns the stopped bot."""
    codes = invite_codes(tmp_path)
    first = start_bot({"CADREBOT_CONFIG": str(e2e_config(tmp_path, with_schedule=False))})
    for eid, (user_id, name) in users.items():
        user = first.user(user_id, name)
        user.send_text(f"/start {codes[eid]}")
        assert "绑定成功" in user.wait_for_reply()["plain"]
    first.stop()
    return first


def test_reminder_and_talk_prompt_arrive_and_their_buttons_work(start_bot, tmp_path: Path) -> None:
    first = join_then_stop(start_bot, tmp_path, {"C01": (3001, "张明"), "S01": (3002, "赵强")})
    asyncio.run(seed_last_talk(tmp_path / "e2e.db", "S01", "C01", days_ago=30))

    bot = start_bot({"CADREBOT_CONFIG": str(e2e_config(tmp_path, with_schedule=True))}, token=first.token)
    cadre, supervisor = bot.user(3001, "张明"), bot.user(3002, "赵强")

    reminder = cadre.wait_for_reply(lambda m: "该学习了" in m["plain"], timeout=20)
    assert "今年已完成 0/90 学时" in reminder["plain"]
    cadre.press("✍️ 登记专题讲座", message_id=reminder["message_id"])
    cadre.wait_for_edit(reminder["message_id"], lambda m: "学习了多少" in m["plain"])
    cadre.press("2小时")
    cadre.wait_for_edit(reminder["message_id"], lambda m: "哪天学习的" in m["plain"])
    cadre.press("今天")
    cadre.wait_for_edit(reminder["message_id"], lambda m: "备注" in m["plain"])
    cadre.press("跳过")
    cadre.wait_for_edit(reminder["message_id"], lambda m: "请确认" in m["plain"])
    cadre.press("✅ 确认")
    saved = cadre.wait_for_edit(reminder["message_id"], lambda m: "已记录" in m["plain"])
    assert "年度累计2学时，目标90学时。" in saved["plain"]
    cadre.send_text("/credits")
    assert "已计入2学时，年度目标90学时" in cadre.wait_for_reply(lambda m: "已计入" in m["plain"])["plain"]

    prompt = supervisor.wait_for_reply(lambda m: "谈心谈话提醒" in m["plain"], timeout=20)
    assert "张明（组织科）" in prompt["plain"] and "建议话题" in prompt["plain"]
    supervisor.press("✅ 已谈", message_id=prompt["message_id"])
    asked = supervisor.wait_for_reply(lambda m: "是哪一天进行的" in m["plain"])
    supervisor.press("今天", message_id=asked["message_id"])
    assert "已记录与张明的谈心谈话" in supervisor.wait_for_reply(lambda m: "已记录与" in m["plain"])["plain"]
    supervisor.send_text("谈了工作安排，状态不错")
    assert "仅您本人可见" in supervisor.wait_for_reply(lambda m: "要点已保存" in m["plain"])["plain"]
    supervisor.press("📋 查看记录", message_id=prompt["message_id"])
    assert "谈了工作安排" in supervisor.wait_for_reply(lambda m: "谈心谈话记录" in m["plain"])["plain"]

    # Exactly once: more ticks within the same minute-period and after send nothing new.
    cadre.assert_no_reply(within=2)
    assert bot.unsupported() == [] and bot.api_errors() == []


def test_supervisor_receives_the_weekly_digest_with_its_chart(start_bot, tmp_path: Path) -> None:
    first = join_then_stop(start_bot, tmp_path, {"S01": (4002, "赵强"), "A01": (4003, "陈静")})

    config = e2e_config(tmp_path, with_schedule=False, digest_every_minute=True)
    bot = start_bot({"CADREBOT_CONFIG": str(config)}, token=first.token)
    supervisor, admin = bot.user(4002, "赵强"), bot.user(4003, "陈静")
    digest = supervisor.wait_for_reply(lambda m: "学习周报" in m["plain"], timeout=20)
    assert "组织科学习周报" in digest["plain"] and "张明" in digest["plain"] and "第1/1页" in digest["plain"]
    chart = supervisor.wait_for_reply(lambda m: m["kind"] == "photo", timeout=20)
    assert chart["file"]["data"].startswith(b"\x89PNG") and "组织科" in chart["plain"]
    org = admin.wait_for_reply(lambda m: "各单位学习周报" in m["plain"], timeout=20)
    assert "组织科" in org["plain"]
    assert "知识库" in admin.wait_for_reply(lambda m: "知识库" in m["plain"])["plain"]
    supervisor.send_text("/digest")
    assert "组织科学习周报" in supervisor.wait_for_reply(lambda m: "学习周报" in m["plain"])["plain"]
    assert bot.unsupported() == [] and bot.api_errors() == []
