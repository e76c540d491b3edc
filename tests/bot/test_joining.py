"""Joining with an invite code, and what people who have not joined can (not) reach."""

from __future__ import annotations

from bot.console.chat import LocalUser
from tests.conftest import ROSTER, BotHarness


async def test_unknown_user_is_told_how_to_join(harness: BotHarness) -> None:
    await harness.import_roster()
    replies = await harness.send(harness.stranger(), "你好")
    assert len(replies) == 1
    assert "邀请码" in replies[0].text and "/start" in replies[0].text


async def test_unknown_user_reaches_nothing_but_the_join_hint(harness: BotHarness) -> None:
    await harness.import_roster()
    stranger = harness.stranger()
    for text in ("/help", "/invites", "/cancel", "/nonsense", "😀" * 50, "长" * 4000):
        replies = await harness.send(stranger, text)
        assert [r.text for r in replies] == [replies[0].text] and "邀请码" in replies[0].text, text


async def test_start_with_a_valid_code_binds_and_greets_by_name(harness: BotHarness) -> None:
    await harness.import_roster()
    user = harness.stranger()
    replies = await harness.send(user, f"/start {await harness.invite_code('C01')}")
    assert "绑定成功" in replies[-1].text and "张明" in replies[-1].text and "组织科" in replies[-1].text
    help_reply = await harness.send(user, "/help")
    assert "张明" in help_reply[0].text and "/help" in help_reply[0].text


async def test_invite_code_is_not_case_sensitive(harness: BotHarness) -> None:
    await harness.import_roster()
    code = (await harness.invite_code("C02")).lower()
    replies = await harness.send(harness.stranger(), f"/start {code}")
    assert "绑定成功" in replies[-1].text


async def test_an_invite_code_works_only_once(harness: BotHarness) -> None:
    await harness.import_roster()
    code = await harness.invite_code("C01")
    await harness.send(harness.stranger(), f"/start {code}")
    replies = await harness.send(harness.stranger(), f"/start {code}")
    assert "已经使用过" in replies[-1].text
    assert "/help" not in (await harness.send(harness.stranger(), "/help"))[0].text.split("邀请码")[0]


async def test_a_wrong_code_is_refused_clearly(harness: BotHarness) -> None:
    await harness.import_roster()
    for code in ("WRONG123", "x" * 500, "'; DROP TABLE people; --"):
        replies = await harness.send(harness.stranger(), f"/start {code}")
        assert "邀请码无效" in replies[-1].text, code


async def test_start_without_code_explains_how_to_join(harness: BotHarness) -> None:
    await harness.import_roster()
    replies = await harness.send(harness.stranger(), "/start")
    assert "邀请码" in replies[-1].text


async def test_second_start_with_a_new_code_while_bound_is_refused_and_binding_kept(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")
    replies = await harness.send(user, f"/start {await harness.invite_code('C02')}")
    assert "原绑定保持不变" in replies[-1].text
    assert "张明" in (await harness.send(user, "/help"))[0].text
    # The refused code is still good for the person it belongs to.
    other = harness.stranger()
    assert "李华" in (await harness.send(other, f"/start {await harness.invite_code('C02')}"))[-1].text


async def test_start_again_while_bound_just_greets(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C03")
    assert "无需重复" in (await harness.send(user, "/start"))[-1].text


async def test_binding_sets_the_menu_for_the_persons_roles(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre = await harness.join("C01")
    admin = await harness.join("A01")
    cadre_menu = {c["command"] for c in harness.request.commands[f"chat:{cadre.user_id}"]}
    admin_menu = {c["command"] for c in harness.request.commands[f"chat:{admin.user_id}"]}
    assert "help" in cadre_menu and "invites" not in cadre_menu
    assert "invites" in admin_menu


async def test_deactivated_person_is_told_the_account_is_inactive(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C02")
    await harness.import_roster("\n".join(line for line in ROSTER.splitlines() if "C02" not in line))
    replies = await harness.send(user, "/help")
    assert "停用" in replies[0].text


async def test_deactivated_persons_code_cannot_be_used(harness: BotHarness) -> None:
    await harness.import_roster()
    code = await harness.invite_code("C03")
    await harness.import_roster("\n".join(line for line in ROSTER.splitlines() if "C03" not in line))
    replies = await harness.send(harness.stranger(), f"/start {code}")
    assert "停用" in replies[-1].text


async def test_group_chats_are_ignored(harness: BotHarness) -> None:
    await harness.import_roster()
    user = LocalUser(777, "群成员")
    mark = len(harness.request.outbox)
    await harness.chat.deliver(
        {"message": {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "group", "title": "群"},
                     "from": user.as_dict(), "text": "/help",
                     "entities": [{"type": "bot_command", "offset": 0, "length": 5}]}}
    )
    assert harness.request.outbox[mark:] == []


async def test_a_role_change_by_roster_upload_updates_the_persons_menu(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre = await harness.join("C01")
    admin = await harness.join("A01")
    assert "digest" not in {c["command"] for c in harness.request.commands[f"chat:{cadre.user_id}"]}
    promoted = ROSTER.replace("C01\", name: 张明, unit: 组织科, roles: cadre", "C01\", name: 张明, unit: 组织科, roles: cadre;supervisor")
    preview = (await harness.upload(admin, "roster.yaml", promoted.encode()))[-1]
    assert "digest" not in {c["command"] for c in harness.request.commands[f"chat:{cadre.user_id}"]}  # not yet
    await harness.press(admin, preview, "确认导入")
    assert "digest" in {c["command"] for c in harness.request.commands[f"chat:{cadre.user_id}"]}


async def test_stale_menus_are_brought_up_to_date_at_start(harness: BotHarness) -> None:
    from bot.chat.menus import refresh_menus

    await harness.import_roster()
    cadre = await harness.join("C01")
    harness.request.commands.clear()
    async with harness.services.db.session() as session:
        person = await harness.person("C01")
        (await session.get(type(person), person.id)).menu_signature = "old"
        await session.commit()
    assert await refresh_menus(harness.app.bot, harness.services) == 1
    assert "study" in {c["command"] for c in harness.request.commands[f"chat:{cadre.user_id}"]}
    assert await refresh_menus(harness.app.bot, harness.services) == 0
