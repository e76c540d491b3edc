"""cadrebot end to end: a record that needs confirmation is found in /pending, returned with a
reason, and the cadre reads the reason (the real `cadrebot run` against the Bot API emulator)."""

from __future__ import annotations

import re
from pathlib import Path

from .test_bot_e2e import invite_codes


def test_a_returned_record_reaches_the_cadre_with_its_reason(start_bot, tmp_path: Path) -> None:
    codes = invite_codes(tmp_path)
    bot = start_bot()
    cadre, supervisor = bot.user(3001, "张明"), bot.user(3002, "赵强")
    for user, code in ((cadre, codes["C01"]), (supervisor, codes["S01"])):
        user.send_text(f"/start {code}")
        assert "绑定成功" in user.wait_for_reply()["plain"]

    cadre.send_text("/study 调研报告 1 关于基层党建的调研")
    saved = cadre.wait_for_reply(lambda m: "已提交" in m["plain"])["plain"]
    assert "确认后计入" in saved and "已请赵强确认" in saved
    record_id = re.search(r"记录#(\d+)", saved).group(1)
    supervisor.wait_for_reply(lambda m: f"请确认学习记录#{record_id}" in m["plain"])

    supervisor.send_text("/pending")
    listing = supervisor.wait_for_reply(lambda m: "待您处理的记录" in m["plain"])
    assert f"1. #{record_id} 张明（组织科）调研报告1篇（8学时）" in listing["plain"]
    supervisor.press(f"rv:no:{record_id}:1", message_id=listing["message_id"])  # ↩️ 退回 on page 1
    asked = supervisor.wait_for_reply(lambda m: "原因" in m["plain"])["plain"]
    assert asked.startswith(f"请输入退回记录#{record_id}（张明 · 调研报告1篇）的原因，不超过200字")

    supervisor.send_text("长" * 300)  # asked again, with the limit
    assert "原因最多200字（刚才是300字）" in supervisor.wait_for_reply()["plain"]
    supervisor.send_text("请补充调研对象和时间")
    assert supervisor.wait_for_reply(lambda m: "已退回" in m["plain"])["plain"] == f"已退回记录#{record_id}，并把原因告知张明。"
    assert "目前没有等待您处理的记录" in supervisor.wait_for_edit(listing["message_id"])["plain"]

    told = cadre.wait_for_reply(lambda m: "退回" in m["plain"])["plain"]
    assert f"（记录#{record_id}）被赵强退回，未计入。" in told and "原因：请补充调研对象和时间" in told
    cadre.send_text("/credits 记录")
    history = cadre.wait_for_reply(lambda m: "年度学习记录" in m["plain"])["plain"]
    assert f"#{record_id}" in history and "已退回：赵强" in history and "原因：请补充调研对象和时间" in history
    assert bot.unsupported() == [] and bot.api_errors() == []
