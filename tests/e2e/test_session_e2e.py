"""cadrebot end to end: a supervisor starts a collective session, two cadres check in (one
presses 签到 twice), the organiser presses 结束 and gets who checked in and who did not, and
/digest shows the session's attendance (the real `cadrebot run` against the Bot API emulator)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .client import buttons
from .test_bot_e2e import cli

ROSTER = """id,name,unit,roles,supervises,target,level
C01,张明,组织科,cadre,,,
C02,李华,组织科,cadre,,,
C03,王芳,组织科,cadre,,,
S01,赵强,组织科,cadre;supervisor,组织科,,
"""


def invite_codes(tmp_path: Path) -> dict[str, str]:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    cli(tmp_path, "roster", "import", str(roster), "--yes")
    rows = csv.DictReader(io.StringIO(cli(tmp_path, "roster", "invites", "--format", "csv")))
    return {row["id"]: row["code"] for row in rows}


def test_a_session_from_start_to_the_digest(start_bot, tmp_path: Path) -> None:
    codes = invite_codes(tmp_path)
    bot = start_bot()
    users = {"C01": bot.user(5001, "张明"), "C02": bot.user(5002, "李华"), "C03": bot.user(5003, "王芳"),
             "S01": bot.user(5004, "赵强")}
    for code, user in users.items():
        user.send_text(f"/start {codes[code]}")
        assert "绑定成功" in user.wait_for_reply()["plain"]
    organiser = users["S01"]

    organiser.send_text("/session 周一例会学习 1 学习党章")
    assert organiser.wait_for_reply(lambda m: "签到通知" in m["plain"])["plain"] == "已向3位同志发送签到通知。"
    control = organiser.wait_for_reply(lambda m: "已签到0/3" in m["plain"])

    for code in ("C01", "C02"):
        invite = users[code].wait_for_reply(lambda m: "集体学习签到" in m["plain"])
        assert "学习党章" in invite["plain"]
        users[code].press("签到", message_id=invite["message_id"])
        assert users[code].wait_for_callback_answer()["text"].startswith("签到成功：周一例会学习1次")
    users["C01"].press("签到")
    assert users["C01"].wait_for_callback_answer()["text"] == "您已签到，无需重复签到。"

    # The count is redrawn at most every count_refresh_seconds; the last press is shown when that is up.
    organiser.wait_for_edit(control["message_id"], lambda m: m["plain"].endswith("已签到2/3"))
    organiser.press("结束", message_id=control["message_id"])
    report = organiser.wait_for_reply(lambda m: m["plain"].startswith("集体学习已结束"))["plain"]
    assert "已签到2/3，签到率66.7%" in report
    assert "已签到：张明、李华" in report and "未签到：王芳" in report and "「补学」" in report
    ended = organiser.wait_for_edit(control["message_id"], lambda m: "已结束" in m["plain"])
    assert "已签到2/3" in ended["plain"] and buttons(ended) == ["名单"]

    organiser.send_text("/digest")
    digest = organiser.wait_for_reply(lambda m: "学习周报" in m["plain"])["plain"]
    assert "本周集体学习：" in digest and "周一例会学习：学习党章" in digest and "签到2/3 · 66.7%" in digest
    assert bot.unsupported() == [] and bot.api_errors() == []
