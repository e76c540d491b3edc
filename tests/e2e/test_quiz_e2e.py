"""cadrebot end to end: a cadre does today's quiz (每日一题) and sees the streak in /credits."""

from __future__ import annotations

from pathlib import Path

from knowledge.loader import load_base
from knowledge.quiz import QuizItem, load_quiz

from .harness import REPO_ROOT
from .test_bot_e2e import invite_codes

BANK: dict[str, QuizItem] = {
    i.stem: i for i in load_quiz([REPO_ROOT / "knowledge" / "quiz"], load_base([REPO_ROOT / "knowledge" / "base"]).entries).items
}


def answer_data(question: dict, right: bool) -> str:
    """The callback data of the right (or a wrong) option's button on a question message."""
    item = BANK[question["plain"].split("\n")[2]]
    letter = item.answer_letter if right else ("A" if item.answer_letter != "A" else "B")
    [button] = [b for row in question["reply_markup"]["inline_keyboard"] for b in row
                if b["text"].startswith(f"{letter}. ")]
    return button["callback_data"]


def test_a_cadre_does_todays_quiz_and_sees_the_streak_in_credits(start_bot, tmp_path: Path) -> None:
    codes = invite_codes(tmp_path)
    bot = start_bot()
    cadre = bot.user(3001, "张明")
    cadre.send_text(f"/start {codes['C01']}")
    assert "绑定成功" in cadre.wait_for_reply()["plain"]

    cadre.send_text("/quiz")
    question = cadre.wait_for_reply(lambda m: "inline_keyboard" in (m["reply_markup"] or {}))
    for k in range(1, 6):
        assert question["plain"].startswith(f"📝 每日一题（第{k}/5题）")
        cadre.press(answer_data(question, right=k != 2), question["message_id"])
        result = cadre.wait_for_edit(question["message_id"])
        assert ("✅ 回答正确！" if k != 2 else "❌ 回答错误。") in result["plain"] and "解析：" in result["plain"]
        if k < 5:
            cadre.press("下一题 ▶", question["message_id"])
            question = cadre.wait_for_reply(lambda m: "inline_keyboard" in (m["reply_markup"] or {}))
    summary = cadre.wait_for_reply(lambda m: m["plain"].startswith("🎉"))
    assert summary["plain"].startswith("🎉 今日答题完成：对4/共5，今日获得0.8学时，连续答题1天。")

    cadre.send_text("/quiz")
    assert cadre.wait_for_reply()["plain"].startswith("今天的5道题您已全部答完（对4/共5），连续答题1天。")

    cadre.send_text("/credits")
    progress = cadre.wait_for_reply()["plain"]
    assert "每日答题：连续1天" in progress and "每日答题：4题，0.8学时" in progress
    assert bot.unsupported() == [] and bot.api_errors() == []
