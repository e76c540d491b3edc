"""/gaps as an admin uses it: what people could not find, what they picked, and one tap (and a
确认) to add a wording to an entry or set a question aside as out of scope."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bot.console.chat import LocalUser
from bot.console.request import BotMessage
from db import audit, questions
from db.models import Question
from tests.conftest import BotHarness


async def people(harness: BotHarness) -> tuple[LocalUser, LocalUser]:
    await harness.import_roster()
    return await harness.join("C01"), await harness.join("A01")


async def asked(harness: BotHarness, external_id: str, text: str, outcome: str, entry_id: str | None = None,
                score: float = 0.3) -> int:
    """A question in the log as ask.py writes it. Which wordings a matcher answers, suggests or
    leaves is the matcher's business (and being reworked); /gaps starts from the log."""
    async with harness.services.db.session() as session:
        person = await harness.person(external_id)
        row = await questions.log_question(session, person.id, text, outcome, entry_id, score, harness.services.now())
        await session.commit()
        return row.id


async def gaps(harness: BotHarness, admin: LocalUser, command: str = "/gaps") -> list[BotMessage]:
    return await harness.send(admin, command)


def kb_file(harness: BotHarness) -> Path:
    return Path(harness.services.config.knowledge.paths[0]) / "base.yaml"


def listing(messages: list[BotMessage]) -> str:
    return "\n".join(m.text for m in messages)


async def test_gaps_lists_unanswered_thumbs_down_and_unpicked_suggestions(harness: BotHarness) -> None:
    cadre, admin = await people(harness)
    await asked(harness, "C01", "食堂今天中午吃什么", "none")
    await asked(harness, "C01", "支部换届选举怎么搞", "suggest", "sanhui-yike")
    answer = (await harness.send(cadre, "三会一课多久开一次？"))[-1]
    await harness.press(cadre, answer, "👎")
    text = listing(await gaps(harness, admin))
    assert "食堂今天中午吃什么（1次）" in text
    assert "支部换届选举怎么搞（1次，建议未选1次）" in text
    assert "三会一课多久开一次？（1次，👎 1次）" in text and "sanhui-yike" in text


async def test_a_picked_suggestion_is_proposed_as_an_alternate_of_the_picked_entry(harness: BotHarness) -> None:
    cadre, admin = await people(harness)
    asked_id = await asked(harness, "C01", "一个月工资五千交多少", "suggest", "zhuti-dangri")
    anything = (await harness.send(cadre, "党费按什么比例交纳？"))[-1]
    picked = await harness.chat.press_data(cadre, anything, f"kb:pick:{asked_id}:dangfei-bili")
    assert "0.5%" in picked[-1].text  # the pick answers the asker
    pages = await gaps(harness, admin)
    text = listing(pages)
    assert "用户选过的建议" in text and "一个月工资五千交多少（1次）" in text and "dangfei-bili" in text
    assert "建议未选" not in text  # a pick is no longer an unpicked suggestion
    assert any("加为备选问法" in b.text for b in pages[-1].flat_buttons)


async def test_adding_an_alternate_asks_first_then_writes_backs_up_reloads_and_logs_who(harness: BotHarness) -> None:
    cadre, admin = await people(harness)
    await asked(harness, "C01", "党员每月工资的几个点交党费", "none", "dangfei-bili")
    original = kb_file(harness).read_text(encoding="utf-8")
    page = (await gaps(harness, admin))[-1]
    confirm = (await harness.press(admin, page, "1. 加为备选问法"))[-1]
    assert "党员每月工资的几个点交党费" in confirm.text and "dangfei-bili" in confirm.text and "base.yaml" in confirm.text
    assert [b.text for b in confirm.flat_buttons] == ["确认", "取消"]
    assert kb_file(harness).read_text(encoding="utf-8") == original  # nothing written before 确认

    done = (await harness.press(admin, confirm, "确认"))[-1]
    assert done.kind == "edit" and "已把「党员每月工资的几个点交党费」加为条目 dangfei-bili 的备选问法" in done.text
    assert not done.buttons
    written = kb_file(harness).read_text(encoding="utf-8")
    assert "  - 党员每月工资的几个点交党费\n" in written
    assert len(written.splitlines()) == len(original.splitlines()) + 1
    backups = list((kb_file(harness).parent / ".backup").glob("base.yaml.*"))
    assert len(backups) == 1 and backups[0].read_text(encoding="utf-8") == original
    assert "党员每月工资的几个点交党费" in harness.services.knowledge.get("dangfei-bili").alternates
    assert "0.5%" in (await harness.send(cadre, "党员每月工资的几个点交党费"))[-1].text
    async with harness.services.db.session() as session:
        row = (await audit.recent(session, action_prefix="kb.alternate"))[0]
    assert row.actor_id == (await harness.person("A01")).id and "dangfei-bili" in row.detail
    assert "党员每月工资的几个点交党费" not in listing(await gaps(harness, admin))


async def test_cancelling_changes_nothing_and_the_item_stays_listed(harness: BotHarness) -> None:
    _, admin = await people(harness)
    await asked(harness, "C01", "党员每月工资的几个点交党费", "none", "dangfei-bili")
    original = kb_file(harness).read_text(encoding="utf-8")
    confirm = (await harness.press(admin, (await gaps(harness, admin))[-1], "1. 加为备选问法"))[-1]
    cancelled = (await harness.press(admin, confirm, "取消"))[-1]
    assert "已取消" in cancelled.text and not cancelled.buttons
    assert kb_file(harness).read_text(encoding="utf-8") == original
    assert "党员每月工资的几个点交党费" in listing(await gaps(harness, admin))


async def test_marking_out_of_scope_hides_the_question_and_its_repeats(harness: BotHarness) -> None:
    _, admin = await people(harness)
    for text in ("食堂今天中午吃什么", "食堂今天中午吃什么？", "请问食堂今天中午吃什么"):
        await asked(harness, "C01", text, "none")
    await asked(harness, "C01", "公积金怎么提取", "none")
    page = (await gaps(harness, admin))[-1]
    assert page.text.index("食堂") < page.text.index("公积金")  # asked most: first
    confirm = (await harness.press(admin, page, "1. 不在知识库范围"))[-1]
    assert "食堂今天中午吃什么" in confirm.text and "另外2条" in confirm.text
    done = (await harness.press(admin, confirm, "确认"))[-1]
    assert "不在知识库范围" in done.text and "共3条" in done.text
    text = listing(await gaps(harness, admin))
    assert "食堂" not in text and "公积金怎么提取" in text
    async with harness.services.db.session() as session:
        resolved = (await session.scalars(select(Question.resolution).where(Question.text.contains("食堂")))).all()
        logged = await audit.recent(session, action_prefix="kb.out_of_scope")
    assert resolved == ["out_of_scope"] * 3
    assert len(logged) == 1 and logged[0].actor_id == (await harness.person("A01")).id


async def test_forged_stale_and_other_peoples_gap_buttons_get_the_expired_reply(harness: BotHarness) -> None:
    cadre, admin = await people(harness)
    await asked(harness, "C01", "党员每月工资的几个点交党费", "none", "dangfei-bili")
    page = (await gaps(harness, admin))[-1]
    for data in ("gaps:add:999999", "gaps:addok:abc", "gaps:oos:", "gaps:zap:1", "gaps:add:1:2", "gaps:addok:" + "9" * 40):
        replies = await harness.chat.press_data(admin, page, data)
        assert replies and replies[-1].kind == "alert" and "失效" in replies[-1].text, data
    # A cadre replaying an admin's button learns nothing and changes nothing.
    button = page.button("1. 加为备选问法").data
    assert "失效" in (await harness.chat.press_data(cadre, page, button))[-1].text
    confirm = (await harness.press(admin, page, "1. 加为备选问法"))[-1]
    await harness.press(admin, confirm, "确认")
    written = kb_file(harness).read_text(encoding="utf-8")
    for label in ("确认", "1. 加为备选问法", "1. 不在知识库范围"):  # already handled
        shown = confirm if label == "确认" else page
        assert "失效" in (await harness.press(admin, shown, label))[-1].text, label
    assert kb_file(harness).read_text(encoding="utf-8") == written


async def test_an_add_refused_by_validation_names_the_file_in_chinese_without_a_path(harness: BotHarness) -> None:
    _, admin = await people(harness)
    await asked(harness, "C01", "党员每月工资的几个点交党费", "none", "dangfei-bili")
    folder = kb_file(harness).parent
    (folder / "broken.yaml").write_text("entries:\n  - id: broken-one\n    question: 坏条目\n    answer: ''\n",
                                        encoding="utf-8")
    original = kb_file(harness).read_text(encoding="utf-8")
    confirm = (await harness.press(admin, (await gaps(harness, admin))[-1], "1. 加为备选问法"))[-1]
    refused = (await harness.press(admin, confirm, "确认"))[-1]
    assert "未能添加" in refused.text and "broken.yaml:4 [broken-one]" in refused.text and "不能为空" in refused.text
    assert str(folder) not in refused.text
    assert kb_file(harness).read_text(encoding="utf-8") == original
    assert "党员每月工资的几个点交党费" in listing(await gaps(harness, admin))


async def test_a_related_answer_carries_feedback_and_its_thumbs_down_reaches_gaps(harness: BotHarness) -> None:
    cadre, admin = await people(harness)
    answer = (await harness.send(cadre, "三会一课多久开一次？"))[-1]
    related = (await harness.press(cadre, answer, "主题党日"))[-1]
    assert "每月相对固定1天" in related.text
    assert {"👍 有用", "👎 没用"} <= {b.text for b in related.flat_buttons}
    pressed = await harness.press(cadre, related, "👎")
    assert any("谢谢反馈" in m.text for m in pressed)
    text = listing(await gaps(harness, admin))
    assert "主题党日多久开展一次？（1次，👎 1次）" in text and "zhuti-dangri" in text


async def test_a_long_list_is_split_into_phone_sized_pages_with_their_own_buttons(harness: BotHarness) -> None:
    _, admin = await people(harness)
    for text in ("食堂几点开饭", "公积金怎么提取", "医保卡丢了怎么补", "停车位如何申请", "快递放在哪里",
                 "宿舍还有空房吗", "空调坏了找谁修", "打印机没有墨了", "门禁卡消磁了", "电梯年检是哪天",
                 "班车时刻表在哪看", "无线网络密码多少"):
        await asked(harness, "C01", text, "none")
    pages = await gaps(harness, admin)
    assert len(pages) == 2 and all(len(p.text) < 2000 for p in pages)
    assert len(pages[0].flat_buttons) == 10 and "12. 不在知识库范围" in [b.text for b in pages[1].flat_buttons]
    assert "（续）" in pages[1].text


async def test_with_nothing_to_do_gaps_says_so(harness: BotHarness) -> None:
    _, admin = await people(harness)
    replies = await gaps(harness, admin, "/gaps 30")
    assert len(replies) == 1 and "近30天没有" in replies[0].text and not replies[0].buttons


async def test_digits_and_punctuation_alone_are_not_questions(harness: BotHarness) -> None:
    cadre, _ = await people(harness)
    for text in ("3", "12345", "？？？", "2026。", "/ask 7"):
        reply = (await harness.send(cadre, text))[-1]
        assert reply.text == "请用文字写下您想查询的问题，例如「党费怎么交」。只有数字或符号的消息无法查询。", text
    async with harness.services.db.session() as session:
        assert (await session.scalars(select(Question))).all() == []
