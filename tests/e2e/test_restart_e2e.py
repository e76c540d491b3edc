"""A deploy in the middle of a conversation: the real `cadrebot run` is stopped halfway
through /study and started again; the cadre carries on where they were and the record is
saved once."""

from __future__ import annotations

from pathlib import Path

from .test_bot_e2e import invite_codes


def test_a_study_draft_continues_after_the_bot_is_restarted_mid_flow(start_bot, tmp_path: Path) -> None:
    codes = invite_codes(tmp_path)
    first = start_bot()
    cadre = first.user(6001, "张明")
    cadre.send_text(f"/start {codes['C01']}")
    assert "绑定成功" in cadre.wait_for_reply()["plain"]
    cadre.send_text("/study")
    menu = cadre.wait_for_reply(lambda m: "请选择学习类型" in m["plain"])
    cadre.press("专题讲座", message_id=menu["message_id"])
    cadre.wait_for_edit(menu["message_id"], lambda m: "学习了多少小时" in m["plain"])
    assert first.stop() is not None

    second = start_bot(token=first.token)  # the same bot, restarted on the same database
    cadre.send_text("2")
    day = cadre.wait_for_reply(lambda m: "哪天学习的" in m["plain"])
    cadre.press("昨天", message_id=day["message_id"])
    cadre.wait_for_edit(day["message_id"], lambda m: "备注" in m["plain"])
    cadre.press("跳过", message_id=day["message_id"])
    cadre.wait_for_edit(day["message_id"], lambda m: "请确认" in m["plain"] and "2小时" in m["plain"])
    cadre.press("✅ 确认", message_id=day["message_id"])
    saved = cadre.wait_for_edit(day["message_id"], lambda m: "已记录" in m["plain"])
    assert "专题讲座2小时" in saved["plain"] and "年度累计2学时，目标90学时" in saved["plain"]
    cadre.send_text("/credits")
    assert "已计入2学时，年度目标90学时" in cadre.wait_for_reply(lambda m: "已计入" in m["plain"])["plain"]
    assert second.unsupported() == [] and second.api_errors() == []
