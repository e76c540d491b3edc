"""Asking questions in the bot: answers, suggestions, honest fallbacks, feedback and odd input."""

from __future__ import annotations

from telegram.constants import MessageLimit

from tests.conftest import BotHarness


async def cadre(harness: BotHarness):  # type: ignore[no-untyped-def]
    await harness.import_roster()
    return await harness.join("C01")


async def test_a_colloquial_question_gets_the_entry_with_source_related_and_feedback(harness: BotHarness) -> None:
    user = await cadre(harness)
    replies = await harness.send(user, "请问三回一课多久开一次啊？")
    answer = replies[-1]
    assert "支部党员大会一般每季度召开1次" in answer.text
    assert "来源：《中国共产党支部工作条例（试行）》" in answer.text
    labels = [b.text for b in answer.flat_buttons]
    assert any("主题党日" in label for label in labels)
    assert "👍 有用" in labels and "👎 没用" in labels


async def test_answer_emphasis_is_rendered_as_bold_and_other_markup_is_escaped(harness: BotHarness) -> None:
    user = await cadre(harness)
    await harness.send(user, "三会一课多久开一次")
    sent = [params for method, params in harness.request.calls if method == "sendMessage"][-1]
    assert sent["parse_mode"] == "HTML" and "<b>三会一课</b>" in sent["text"]


async def test_ask_command_works_like_plain_text(harness: BotHarness) -> None:
    user = await cadre(harness)
    replies = await harness.send(user, "/ask 党费交多少")
    assert "0.5%" in replies[-1].text


async def test_ask_without_a_question_explains_the_usage(harness: BotHarness) -> None:
    user = await cadre(harness)
    assert "/ask" in (await harness.send(user, "/ask"))[-1].text


async def test_related_button_shows_the_related_entry(harness: BotHarness) -> None:
    user = await cadre(harness)
    answer = (await harness.send(user, "三会一课多久开一次"))[-1]
    related = await harness.press(user, answer, "主题党日")
    assert "每月相对固定1天" in related[-1].text


async def test_an_out_of_domain_question_gets_a_polite_none_and_is_logged_for_admins(harness: BotHarness) -> None:
    user = await cadre(harness)
    replies = await harness.send(user, "食堂今天中午吃什么")
    assert "暂时没有找到" in replies[-1].text and not replies[-1].buttons
    admin = await harness.join("A01")
    gaps = await harness.send(admin, "/gaps")
    assert "食堂今天中午吃什么" in gaps[-1].text


async def test_thumbs_down_thanks_the_asker_removes_the_buttons_and_reaches_gaps(harness: BotHarness) -> None:
    user = await cadre(harness)
    answer = (await harness.send(user, "主题党日多久搞一次"))[-1]
    pressed = await harness.press(user, answer, "👎")
    assert any("谢谢反馈" in m.text for m in pressed)
    edit = [m for m in pressed if m.kind == "edit"][-1]
    assert not any("👎" in b.text for b in edit.flat_buttons)
    admin = await harness.join("A01")
    gaps = (await harness.send(admin, "/gaps 7"))[-1].text
    assert "主题党日多久搞一次" in gaps and "👎 1" in gaps and "zhuti-dangri" in gaps


async def test_someone_elses_feedback_button_is_refused(harness: BotHarness) -> None:
    user = await cadre(harness)
    answer = (await harness.send(user, "党费交多少"))[-1]
    other = await harness.join("C02")
    pressed = await harness.press(other, answer, "👎")
    assert "失效" in pressed[-1].text


async def test_forged_button_data_gets_a_polite_refusal(harness: BotHarness) -> None:
    user = await cadre(harness)
    answer = (await harness.send(user, "党费交多少"))[-1]
    for data in ("kb:up:999999", "kb:show:no-such-entry", "kb:pick:abc:x", "kb:", "kb:up:1:2:3", "x" * 64):
        replies = await harness.chat.press_data(user, answer, data)
        assert replies and replies[-1].kind == "alert", data


async def test_near_identical_gaps_are_grouped_with_a_count(harness: BotHarness) -> None:
    user = await cadre(harness)
    for text in ("公积金怎么提取", "公积金怎么提取？", "请问公积金怎么提取", "电费在哪交"):
        await harness.send(user, text)
    admin = await harness.join("A01")
    gaps = (await harness.send(admin, "/gaps"))[-1].text
    assert "（3次" in gaps and "（1次" in gaps


async def test_a_long_answer_is_split_under_telegrams_limit_without_losing_text(harness: BotHarness) -> None:
    user = await cadre(harness)
    replies = await harness.send(user, "干部培训要求全文")
    assert len(replies) >= 2
    assert all(len(m.text) <= MessageLimit.MAX_TEXT_LENGTH for m in replies)
    joined = "\n".join(m.text for m in replies)
    for paragraph in (1, 12, 24):
        assert f"第{paragraph}段" in joined
    assert replies[-1].buttons and not replies[0].buttons


async def test_odd_input_gets_a_clear_reply_and_nothing_crashes(harness: BotHarness) -> None:
    user = await cadre(harness)
    for text in ("😀😀😀", "？？？！！", "   ", "长" * 4000, "\u200b\u200b", "<b>党费</b>"):
        replies = await harness.send(user, text)
        assert len(replies) == 1 and replies[0].text and "出了点问题" not in replies[0].text, text


async def test_every_question_is_logged_with_outcome_entry_and_score(harness: BotHarness) -> None:
    from sqlalchemy import select

    from db.models import Question

    user = await cadre(harness)
    await harness.send(user, "三会一课多久开一次")
    await harness.send(user, "医保怎么报销")
    async with harness.services.db.session() as session:
        logged = (await session.scalars(select(Question).order_by(Question.id))).all()
    assert [(q.text, q.outcome) for q in logged] == [("三会一课多久开一次", "answer"), ("医保怎么报销", "none")]
    assert logged[0].entry_id == "sanhui-yike" and 0 < logged[0].score <= 1


FAZHAN = """\
entries:
- id: fazhan-liucheng
  question: 发展党员有哪些步骤？
  keywords: [发展党员流程, 入党流程]
  answer: |
    发展党员按《中国共产党发展党员工作细则》的要求，通常梳理为5个阶段25个步骤：
    一、申请入党：1递交入党申请书；2党组织派人谈话。
    二、入党积极分子的确定和培养教育：3推荐和确定入党积极分子；4上级党委备案；5指定培养联系人；6培养教育考察。
    三、发展对象的确定和考察：7确定发展对象；8报上级党委备案；9确定入党介绍人；10政治审查；11集中培训。
    四、预备党员的接收：12支委会审查；13上级党委预审；14填写入党志愿书；15支部大会讨论；16上级党委派人谈话；17上级党委审批；18再上一级党委组织部门备案。
    五、预备党员的教育考察和转正：19编入党支部和党小组；20入党宣誓；21继续教育考察；22提出转正申请；23支部大会讨论；24上级党委审批；25材料归档。
    从确定为入党积极分子到转正，一般至少需要2年（积极分子培养1年以上、预备期1年）。
  source: 《中国共产党发展党员工作细则》（2014年）
  related: [sanhui-yike]
"""


async def long_numbered_answer(harness: BotHarness):  # type: ignore[no-untyped-def]
    from pathlib import Path

    user = await cadre(harness)
    Path(harness.services.config.knowledge.paths[0], "fazhan.yaml").write_text(FAZHAN, encoding="utf-8")
    assert harness.services.knowledge.reload().ok
    return user, await harness.send(user, "发展党员流程有哪些步骤")


async def test_a_long_numbered_answer_shows_its_first_steps_and_a_button_for_the_rest(harness: BotHarness) -> None:
    user, replies = await long_numbered_answer(harness)
    [head] = replies
    assert head.plain == (
        "发展党员有哪些步骤？\n发展党员按《中国共产党发展党员工作细则》的要求，通常梳理为5个阶段25个步骤：\n"
        "一、申请入党：1递交入党申请书；2党组织派人谈话。\n"
        "二、入党积极分子的确定和培养教育：3推荐和确定入党积极分子；4上级党委备案；5指定培养联系人；6培养教育考察。\n"
        "三、发展对象的确定和考察：7确定发展对象；8报上级党委备案；9确定入党介绍人；10政治审查；11集中培训。"
    )
    head_text = head.plain
    assert [b.text for b in head.flat_buttons] == ["展开（余下2项）"]
    opened = await harness.press(user, head, "展开")
    edit = [m for m in opened if m.kind == "edit"][-1]
    assert edit.plain.startswith(head_text + "\n四、预备党员的接收：12支委会审查")
    assert "25材料归档。\n从确定为入党积极分子到转正，一般至少需要2年（积极分子培养1年以上、预备期1年）。\n\n来源：《中国共产党发展党员工作细则》（2014年）" in edit.plain
    labels = [b.text for b in edit.flat_buttons]
    assert "相关：三会一课多久开一次？" in labels and "👍 有用" in labels and not any("展开" in x for x in labels)
    voted = await harness.press(user, edit, "👍")
    assert any("谢谢反馈" in m.text for m in voted)


async def test_expand_works_after_a_restart_and_forged_expand_data_is_refused_politely(harness: BotHarness) -> None:
    from tests.bot.restart import restarted

    user, [head] = await long_numbered_answer(harness)
    async with restarted(harness) as second:
        opened = await second.press(user, head, "展开")
        assert "25材料归档" in [m for m in opened if m.kind == "edit"][-1].plain
        for data in ("kb:more:1:fazhan-liucheng:7", "kb:more:1:fazhan-liucheng:99999999999", "kb:more:²:fazhan-liucheng:1",
                     "kb:more:1:no-such-entry:1", "kb:more:1:fazhan-liucheng", "kb:more:99999999999:fazhan-liucheng:1"):
            replies = await second.chat.press_data(user, head, data)
            assert replies and replies[-1].kind == "alert" and ("失效" in replies[-1].text or "更新" in replies[-1].text), data


async def test_short_or_unnumbered_answers_arrive_whole_without_an_expand_button(harness: BotHarness) -> None:
    user = await cadre(harness)
    for question in ("三会一课多久开一次", "干部培训要求全文"):
        replies = await harness.send(user, question)
        assert not any("展开" in b.text for m in replies for b in m.flat_buttons), question
