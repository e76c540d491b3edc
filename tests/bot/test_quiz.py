"""每日一题 / 专题测验 (/quiz): today's questions one at a time, right or wrong with the explanation
and the entry behind it, credits within the daily cap, the round's summary, the streak in
/credits, 专题 rounds; and every bad input: a button pressed twice, an earlier day's button,
another person's button, forged data, a restart, a reload, a group chat, no bank at all."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, load_config
from bot.console.chat import LocalUser
from bot.console.request import BotMessage
from db.models import QuizAnswer, QuizSelection, StudyRecord
from knowledge.loader import load_base
from knowledge.quiz import QuizItem, load_quiz
from tests.bot.restart import restarted
from tests.conftest import HANDLER_KB, HANDLER_QUIZ, BotHarness

GROUP = -100_778
BANK: dict[str, QuizItem] = {i.stem: i for i in load_quiz([HANDLER_QUIZ], load_base([HANDLER_KB]).entries).items}


def item_of(shown: BotMessage) -> QuizItem:
    """The item a question message shows (its stem is the line after the title)."""
    return BANK[shown.text.split("\n")[2]]


def right_label(shown: BotMessage) -> str:
    item = item_of(shown)
    return f"{item.answer_letter}. "


def wrong_label(shown: BotMessage) -> str:
    item = item_of(shown)
    return "A. " if item.answer_letter != "A" else "B. "


async def cadre(harness: BotHarness, code: str = "C01") -> LocalUser:
    await harness.import_roster()
    return await harness.join(code)


async def rows(harness: BotHarness, model: type) -> list[Any]:
    async with harness.services.db.session() as session:
        return list((await session.scalars(select(model).order_by(model.id))).all())


async def count_of(harness: BotHarness, model: type) -> int:
    async with harness.services.db.session() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def edit_of(replies: list[BotMessage]) -> BotMessage:
    return next(m for m in replies if m.kind == "edit")


async def test_quiz_shows_the_first_of_todays_five_questions_with_its_options_as_buttons(harness: BotHarness) -> None:
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    assert shown.text.startswith("📝 每日一题（第1/5题）")
    item = item_of(shown)
    for letter, option in zip("ABCDE", item.options):
        assert f"{letter}. {option}" in shown.text
    assert [b.text for b in shown.flat_buttons] == [f"{letter}. {o}" for letter, o in zip("ABCDE", item.options)]
    assert all(b.data.startswith("qz:a:") and len(b.data.encode()) <= 64 for b in shown.flat_buttons)


async def test_a_right_answer_says_so_explains_it_and_is_credited_once(harness: BotHarness) -> None:
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    item = item_of(shown)
    result = edit_of(await harness.press(user, shown, right_label(shown)))
    assert "✅ 回答正确！" in result.text and "本题计入0.2学时。" in result.text
    assert f"解析：{item.explanation}" in result.text
    assert [b.text for b in result.flat_buttons] == ["📖 查看依据", "下一题 ▶"]
    [record] = await rows(harness, StudyRecord)
    assert (record.activity, record.status, record.credits, record.unit) == ("dati", "confirmed", 0.2, "question")
    [answer] = await rows(harness, QuizAnswer)
    assert (answer.item_id, answer.right, answer.record_id) == (item.id, True, record.id)


async def test_a_wrong_answer_shows_the_right_option_and_earns_nothing(harness: BotHarness) -> None:
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    item = item_of(shown)
    chosen = wrong_label(shown)
    result = edit_of(await harness.press(user, shown, chosen))
    assert f"❌ 回答错误。您选了{chosen[0]}，正确答案是{item.answer_letter}. {item.correct_option}" in result.text
    assert f"解析：{item.explanation}" in result.text
    assert await rows(harness, StudyRecord) == []


async def test_the_source_button_opens_the_entry_the_item_was_written_from(harness: BotHarness) -> None:
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    item = item_of(shown)
    result = edit_of(await harness.press(user, shown, right_label(shown)))
    opened = await harness.press(user, result, "查看依据")
    entry = harness.services.knowledge.get(item.entry)
    assert entry is not None and any(entry.question in m.plain for m in opened if m.kind == "text")


async def test_a_button_pressed_twice_counts_one_answer_and_says_so(harness: BotHarness) -> None:
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    await harness.press(user, shown, right_label(shown))
    again = await harness.press(user, shown, right_label(shown))
    assert [(m.kind, m.text) for m in again] == [("alert", "您已作答本题，每题只计一次。")]
    other = await harness.press(user, shown, wrong_label(shown))  # changing one's mind changes nothing
    assert [m.text for m in other] == ["您已作答本题，每题只计一次。"]
    [answer] = await rows(harness, QuizAnswer)
    assert answer.right is True
    assert len(await rows(harness, StudyRecord)) == 1



async def test_next_pressed_twice_sends_the_next_question_once(harness: BotHarness) -> None:
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    result = edit_of(await harness.press(user, shown, right_label(shown)))
    first = await harness.press(user, result, "下一题")
    assert [m.text.splitlines()[0] for m in first if m.kind == "text"] == ["📝 每日一题（第2/5题）"]
    twice = await harness.press(user, result, "下一题")  # a double tap: the button was still on screen
    assert [(m.kind, m.text) for m in twice] == [("alert", "下一题已经发出，请在下方作答；找不到时发送 /quiz 即可再次显示。")]
    [again] = await harness.send(user, "/quiz")  # the question lost: /quiz shows it again
    assert again.text.startswith("📝 每日一题（第2/5题）")

async def test_another_persons_quiz_button_is_refused_and_counts_nothing(harness: BotHarness) -> None:
    user = await cadre(harness)
    other = await harness.join("C02")
    [shown] = await harness.send(user, "/quiz")
    refused = await harness.press(other, shown, right_label(shown))
    assert [(m.kind, m.text) for m in refused] == [("alert", "这道题不是发给您的，未记录。发送 /quiz 领取您自己的题目。")]
    assert await rows(harness, QuizAnswer) == [] and await rows(harness, StudyRecord) == []
    result = edit_of(await harness.press(user, shown, right_label(shown)))  # the owner still can
    assert "✅" in result.text


async def test_an_earlier_days_quiz_button_is_refused_and_counts_nothing(harness: BotHarness) -> None:
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    harness.set_time(harness.services.now() + timedelta(days=1))
    stale = await harness.press(user, shown, right_label(shown))
    assert [(m.kind, m.text) for m in stale] == [("alert", "这是往日的题目，已不能作答，也不再计入。发送 /quiz 查看今天的题目。")]
    assert await rows(harness, QuizAnswer) == []
    [today] = await harness.send(user, "/quiz")  # a new day, a new round
    assert today.text.startswith("📝 每日一题（第1/5题）")


async def test_forged_quiz_buttons_look_stale(harness: BotHarness) -> None:
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    selection_id = shown.flat_buttons[0].data.split(":")[2]
    for data in ("qz:a:99999999:A", "qz:a:99999999999999999999:A", "qz:a:abc:A", f"qz:a:{selection_id}:Z",
                 f"qz:a:{selection_id}:E", f"qz:a:{selection_id}", "qz:x:1", "qz:", f"qz:n:{selection_id}:1"):
        replies = await harness.chat.press_data(user, shown, data)
        assert [(m.kind, m.text) for m in replies] == [("alert", "这个按钮已失效，请重新操作。")], data
    assert await rows(harness, QuizAnswer) == []


async def test_a_whole_round_ends_with_its_summary_and_quiz_again_says_today_is_done(harness: BotHarness) -> None:
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    right = 0
    for k in range(1, 6):
        assert shown.text.startswith(f"📝 每日一题（第{k}/5题）")
        label = right_label(shown) if k != 3 else wrong_label(shown)
        right += k != 3
        replies = await harness.press(user, shown, label)
        result = edit_of(replies)
        if k < 5:
            assert "下一题 ▶" in [b.text for b in result.flat_buttons]
            following = await harness.press(user, result, "下一题")
            shown = next(m for m in following if m.kind == "text")
    summary = replies[-1]
    assert "下一题 ▶" not in [b.text for b in result.flat_buttons]
    assert summary.text.startswith("🎉 今日答题完成：对4/共5，今日获得0.8学时，连续答题1天。")
    assert "可按专题答题：组织生活、党费" in summary.text
    [done] = await harness.send(user, "/quiz")
    assert done.text.startswith("今天的5道题您已全部答完（对4/共5），连续答题1天。明天再来吧！")
    assert "/quiz 专题 组织生活" in done.text
    assert await count_of(harness, QuizAnswer) == 5 and len(await rows(harness, StudyRecord)) == 4


async def test_each_person_gets_their_own_selection_and_the_same_one_all_day(harness: BotHarness) -> None:
    user = await cadre(harness)
    other = await harness.join("C02")
    [first] = await harness.send(user, "/quiz")
    [again] = await harness.send(user, "/quiz")
    assert again.text == first.text  # not answered yet: the same question
    await harness.send(other, "/quiz")
    async with harness.services.db.session() as session:
        chosen = (await session.execute(select(QuizSelection.person_id, QuizSelection.item_id)
                                        .order_by(QuizSelection.person_id, QuizSelection.position))).all()
    mine = [item for person, item in chosen if person == chosen[0][0]]
    theirs = [item for person, item in chosen if person != chosen[0][0]]
    assert len(mine) == len(theirs) == 5 and mine != theirs


async def test_a_restart_mid_round_shows_the_same_questions_and_old_buttons_still_work(harness: BotHarness) -> None:
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    async with restarted(harness) as second:
        [again] = await second.send(user, "/quiz")
        assert again.text == shown.text
        result = edit_of(await second.press(user, shown, right_label(shown)))
        assert "✅" in result.text
        [after] = await second.send(user, "/quiz")
        assert after.text.startswith("📝 每日一题（第2/5题）")
    assert await count_of(harness, QuizSelection) == 5


async def test_a_right_answer_beyond_the_daily_cap_is_counted_but_not_credited(harness: BotHarness) -> None:
    config = harness.services.config
    study = config.study.model_copy(update={"activities": tuple(
        a.model_copy(update={"daily_cap": 1}) if a.key == "dati" else a for a in config.study.activities)})
    harness.services.config = config.model_copy(update={"study": study})
    user = await cadre(harness)
    [shown] = await harness.send(user, "/quiz")
    first = edit_of(await harness.press(user, shown, right_label(shown)))
    assert "本题计入0.2学时。" in first.text
    [shown] = [m for m in await harness.press(user, first, "下一题") if m.kind == "text"]
    second = edit_of(await harness.press(user, shown, right_label(shown)))
    assert "今天答题所得学时已达每日上限，本题不再计入，但仍算作答题。" in second.text
    assert len(await rows(harness, StudyRecord)) == 1 and await count_of(harness, QuizAnswer) == 2


async def test_topic_rounds_draw_from_one_category_and_share_the_days_cap(harness: BotHarness) -> None:
    user = await cadre(harness)
    listing = (await harness.send(user, "/quiz 专题"))[-1].text
    assert listing.startswith("可选的专题：组织生活、党费。")
    [shown] = await harness.send(user, "/quiz 专题 党费")
    assert shown.text.startswith("📝 专题测验·党费（第1/3题）")
    assert item_of(shown).category == "党费"
    [lenient] = await harness.send(user, "/quiz 专题 党 费")
    assert lenient.text == shown.text
    unknown = (await harness.send(user, "/quiz 专题 财务管理"))[-1].text
    assert unknown.startswith("没有「财务管理」这个专题。可选的专题：组织生活、党费。")
    await harness.press(user, shown, right_label(shown))
    [daily] = await harness.send(user, "/quiz")  # the day's round never repeats what a 专题 round drew
    async with harness.services.db.session() as session:
        topics = dict((await session.execute(select(QuizSelection.item_id, QuizSelection.topic))).all())
    assert sorted(topics.values()).count("党费") == 3 and list(topics.values()).count("") == 4
    assert daily.text.startswith("📝 每日一题（第1/4题）")


async def test_the_streak_shows_in_credits_after_consecutive_days(harness: BotHarness) -> None:
    user = await cadre(harness)
    text = (await harness.send(user, "/credits"))[-1].text
    assert "每日答题" not in text  # no streak yet: nothing to show
    [shown] = await harness.send(user, "/quiz")
    await harness.press(user, shown, wrong_label(shown))  # any answer counts for the streak
    assert "每日答题：连续1天" in (await harness.send(user, "/credits"))[-1].text
    harness.set_time(harness.services.now() + timedelta(days=1))
    assert "每日答题：连续1天" in (await harness.send(user, "/credits"))[-1].text  # yesterday's still stands today
    [shown] = await harness.send(user, "/quiz")
    await harness.press(user, shown, right_label(shown))
    text = (await harness.send(user, "/credits"))[-1].text
    assert "每日答题：连续2天" in text and "每日答题：1题，0.2学时" in text
    harness.set_time(harness.services.now() + timedelta(days=2))
    assert "每日答题" not in (await harness.send(user, "/credits"))[-1].text.split("分类：")[0]


async def test_study_never_offers_the_quiz_activity_to_log_by_hand(harness: BotHarness) -> None:
    user = await cadre(harness)
    shown = (await harness.send(user, "/study"))[-1]
    assert "每日答题" not in [b.text for b in shown.flat_buttons]
    typed = (await harness.send(user, "/cancel"), await harness.send(user, "/study 每日答题 1"))[-1][-1]
    assert "没有「每日答题」这个学习类型" in typed.text
    forged = await harness.chat.press_data(user, shown, "st:act:dati")
    assert all("每日答题" not in m.text for m in forged)
    assert await rows(harness, StudyRecord) == []


async def test_odd_text_after_quiz_gets_the_usage_and_loses_nothing(harness: BotHarness) -> None:
    user = await cadre(harness)
    for text in ("/quiz " + "题" * 4000, "/quiz 😀🎉", "/quiz 12345"):
        assert (await harness.send(user, text))[-1].text.startswith("用法：/quiz"), text
    long_topic = (await harness.send(user, "/quiz 专题 " + "党" * 4000))[-1].text
    assert long_topic.startswith("没有「" + "党" * 20 + "」这个专题") and len(long_topic) < 200
    assert (await harness.send(user, "/quiz 专题 🎉"))[-1].text.startswith("没有「🎉」这个专题")
    assert await count_of(harness, QuizSelection) == 0


async def test_only_cadres_take_the_quiz(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    assert "暂无权限" in (await harness.send(admin, "/quiz"))[-1].text
    stranger = harness.stranger()
    replies = await harness.send(stranger, "/quiz")
    assert replies and not any(m.text.startswith("📝") for m in replies)
    assert await count_of(harness, QuizSelection) == 0


async def test_without_a_question_bank_quiz_says_so_politely(harness: BotHarness) -> None:
    config = harness.services.config
    harness.services.config = config.model_copy(update={"knowledge": config.knowledge.model_copy(update={"quiz": []})})
    user = await cadre(harness)
    assert [m.text for m in await harness.send(user, "/quiz")] == ["目前还没有可用的题库，答题功能暂未开放。"]


async def test_a_reload_keeps_the_day_and_reports_the_bank(harness: BotHarness) -> None:
    user = await cadre(harness)
    admin = await harness.join("A01")
    [shown] = await harness.send(user, "/quiz")
    reloaded = (await harness.send(admin, "/reload"))[-1].text
    assert "题库：7题。" in reloaded
    [again] = await harness.send(user, "/quiz")
    assert again.text == shown.text
    folder = harness.services.knowledge.quiz_paths[0]  # the test's own copy of the bank
    (folder / "broken.yaml").write_text("items:\n  - id: q-x\n    stem: 坏题\n", encoding="utf-8")
    refused = (await harness.send(admin, "/reload"))[-1].text
    assert "题库有" in refused and "仍使用原有的7题" in refused
    assert (await harness.send(user, "/quiz"))[-1].text == shown.text  # the bank served before stays


async def test_quiz_in_a_group_asks_to_use_it_in_private(harness: BotHarness) -> None:
    user = await cadre(harness)
    replies = await harness.chat.send(user, "/quiz", group=GROUP)
    assert [m.text for m in replies] == ["涉及个人记录和数据的功能请私聊助手使用，群内不显示。"]
    assert await count_of(harness, QuizSelection) == 0


def test_a_quiz_activity_people_could_log_by_hand_is_refused_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("study:\n  activities:\n    - {key: dati, name: 每日答题, unit: question, credits_per_unit: 0.2}\n",
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="quiz.activity: dati must have unit: question and manual: false"):
        load_config(path, env={})
    path.write_text("quiz:\n  per_dya: 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="quiz.per_dya: unknown key"):
        load_config(path, env={})
    path.write_text("quiz:\n  per_day: 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="quiz.per_day"):
        load_config(path, env={})
