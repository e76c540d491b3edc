"""Account trouble has a way out: /me shows who one is bound as; an admin unbinds a lost or
wrong account (confirmed, never themselves or the last admin) and renews a code sent astray."""

from __future__ import annotations

from sqlalchemy import select

from db import audit
from db.models import Person
from tests.conftest import ROSTER, BotHarness

# Two people called 张明, in different units.
ROSTER_WITH_NAMESAKE = ROSTER + '- {id: "C09", name: 张明, unit: 干部科, roles: cadre}\n'


async def test_me_shows_who_one_is_bound_as(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")
    [reply] = await harness.send(user, "/me")
    assert reply.text.startswith("您在本助手中绑定的身份：\n姓名：张明\n编号：C01\n单位：组织科\n角色：干部\n职级：乡科级")


async def test_me_is_in_everyones_help_and_menu(harness: BotHarness) -> None:
    await harness.import_roster()
    cadre = await harness.join("C02")
    assert "/me 我的身份 · /cancel 取消当前操作" in (await harness.send(cadre, "/help"))[-1].text.splitlines()
    assert "me" in {c["command"] for c in harness.request.commands[f"chat:{cadre.user_id}"]}
    assert "unbind" not in {c["command"] for c in harness.request.commands[f"chat:{cadre.user_id}"]}


async def test_unbinding_oneself_is_refused(harness: BotHarness) -> None:
    await harness.import_roster(ROSTER + '- {id: "A02", name: 周正, unit: 办公室, roles: admin}\n')
    admin = await harness.join("A01")
    await harness.join("A02")
    [reply] = await harness.send(admin, "/unbind A01")
    assert reply.text == "不能解除您本人的绑定。如需更换账号，请由另一位管理员操作。" and reply.buttons == []


async def test_the_last_admin_cannot_be_unbound(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    [reply] = await harness.send(admin, "/unbind 陈静")
    assert "不能解除：陈静（A01）是目前唯一已绑定的管理员" in reply.text and reply.buttons == []
    assert "陈静" in (await harness.send(admin, "/help"))[-1].text


async def test_an_ambiguous_name_lists_the_candidates_by_number(harness: BotHarness) -> None:
    await harness.import_roster(ROSTER_WITH_NAMESAKE)
    admin = await harness.join("A01")
    await harness.join("C01")
    [reply] = await harness.send(admin, "/unbind 张明")
    assert reply.text == "有2位人员叫「张明」，请用编号：\n/unbind C01（组织科）\n/unbind C09（干部科，未绑定）"


async def test_unbinding_needs_a_name_or_number_that_exists(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    assert (await harness.send(admin, "/unbind"))[-1].text.startswith("用法：/unbind 编号或姓名")
    assert (await harness.send(admin, "/unbind 无此人"))[-1].text == "没有找到「无此人」。请核对姓名或编号。"


async def test_unbinding_someone_not_bound_points_to_renewing_the_code(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    [reply] = await harness.send(admin, "/unbind C02")
    assert "李华（C02）尚未绑定" in reply.text and "/invites renew C02" in reply.text


async def test_unbind_confirmed_locks_out_the_old_account_and_a_new_code_works(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    lost_phone = await harness.join("C01")
    old_code = await harness.invite_code("C01")
    [confirm] = await harness.send(admin, "/unbind c01")
    assert "请确认：解除张明（C01，组织科，干部）与当前 Telegram 账号的绑定" in confirm.text
    assert "原邀请码作废" in confirm.text and all(len(b.data.encode()) <= 64 for b in confirm.flat_buttons)
    assert await harness.invite_code("C01") == old_code  # nothing yet
    replies = await harness.press(admin, confirm, "确认解除绑定")
    [done] = [r for r in replies if r.kind == "edit"]
    new_code = await harness.invite_code("C01")
    assert new_code != old_code and f"新邀请码：{new_code}" in done.text
    assert f"https://t.me/cadrebot_test?start={new_code}" in done.text and "原邀请码已作废" in done.text
    [told] = [r for r in replies if r.chat_id == lost_phone.user_id]
    assert "已由管理员解除" in told.text
    # The old account is a stranger now; the old code is void; the new one binds a new account.
    assert "邀请码" in (await harness.send(lost_phone, "/help"))[-1].text
    assert "邀请码无效" in (await harness.send(harness.stranger(), f"/start {old_code}"))[-1].text
    new_phone = harness.stranger()
    assert "绑定成功" in (await harness.send(new_phone, f"/start {new_code}"))[-1].text
    assert "编号：C01" in (await harness.send(new_phone, "/me"))[-1].text
    assert "study" in {c["command"] for c in harness.request.commands[f"chat:{new_phone.user_id}"]}


async def test_an_unbind_button_pressed_again_or_after_rebinding_does_nothing(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    await harness.join("C01")
    [confirm] = await harness.send(admin, "/unbind C01")
    await harness.press(admin, confirm, "确认解除绑定")
    new_phone = harness.stranger()
    await harness.send(new_phone, f"/start {await harness.invite_code('C01')}")
    code = await harness.invite_code("C01")
    replies = await harness.press(admin, confirm, "确认解除绑定")
    assert [r.kind for r in replies] == ["alert"] and "按钮已失效" in replies[0].text
    assert "编号：C01" in (await harness.send(new_phone, "/me"))[-1].text and await harness.invite_code("C01") == code


async def test_cancelling_an_unbind_keeps_the_binding(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    user = await harness.join("C01")
    [confirm] = await harness.send(admin, "/unbind C01")
    replies = await harness.press(admin, confirm, "取消")
    assert replies[-1].text == "已取消，绑定保持不变。"
    assert "编号：C01" in (await harness.send(user, "/me"))[-1].text


async def test_forged_account_buttons_are_stale_buttons(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    user = await harness.join("C01")
    [confirm] = await harness.send(admin, "/unbind C01")
    person_id = (await harness.person("C01")).id
    for data in (f"acct:unbind:{person_id}:1", f"acct:unbind:{person_id}:²³", f"acct:unbind:{person_id}:" + "9" * 30,
                 "acct:unbind:99999999999999999999:1", "acct:unbind:x", "acct:zap:1:2"):
        replies = await harness.chat.press_data(admin, confirm, data)
        assert [r.kind for r in replies] == ["alert"] and "失效" in replies[0].text, data
    assert "编号：C01" in (await harness.send(user, "/me"))[-1].text


async def test_a_cadre_can_neither_unbind_nor_press_the_button(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    cadre = await harness.join("C02")
    await harness.join("C01")
    assert "暂无权限" in (await harness.send(cadre, "/unbind C01"))[-1].text
    [confirm] = await harness.send(admin, "/unbind C01")
    replies = await harness.press(cadre, confirm, "确认解除绑定")
    assert replies[-1].kind == "alert" and "暂无权限" in replies[-1].text
    assert (await harness.person("C01")).telegram_user_id is not None


async def test_renewing_a_code_voids_the_old_one(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    old_code = await harness.invite_code("C02")
    [reply] = await harness.send(admin, "/invites renew 李华")
    new_code = await harness.invite_code("C02")
    assert new_code != old_code
    assert reply.text.startswith(f"已为李华（C02）生成新邀请码：{new_code}") and "原邀请码已作废" in reply.text
    assert "邀请码无效" in (await harness.send(harness.stranger(), f"/start {old_code}"))[-1].text
    assert "绑定成功" in (await harness.send(harness.stranger(), f"/start {new_code}"))[-1].text


async def test_renewing_the_code_of_someone_bound_points_to_unbind(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    await harness.join("C01")
    code = await harness.invite_code("C01")
    [reply] = await harness.send(admin, "/invites renew C01")
    assert "已经绑定" in reply.text and "/unbind C01" in reply.text and await harness.invite_code("C01") == code
    assert "用法：/invites" in (await harness.send(admin, "/invites renew"))[-1].text


async def test_unbinds_and_renewals_are_in_the_audit_log(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    await harness.join("C01")
    await harness.send(admin, "/invites renew C02")
    [confirm] = await harness.send(admin, "/unbind C01")
    await harness.press(admin, confirm, "确认解除绑定")
    async with harness.services.db.session() as session:
        rows = await audit.recent(session)
        admin_id = await session.scalar(select(Person.id).where(Person.external_id == "A01"))
    assert [(r.action, r.actor_id) for r in rows] == [("people.unbind", admin_id), ("invites.renew", admin_id)]
    assert '"person":"C01"' in rows[0].detail and '"person":"C02"' in rows[1].detail


async def test_a_draft_left_open_by_the_old_account_does_not_pass_to_the_new_one(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    lost_phone = await harness.join("C01")
    await harness.send(lost_phone, "/study")  # a guided draft, left open on the lost phone
    [confirm] = await harness.send(admin, "/unbind C01")
    await harness.press(admin, confirm, "确认解除绑定")
    new_phone = harness.stranger()
    assert "绑定成功" in (await harness.send(new_phone, f"/start {await harness.invite_code('C01')}"))[-1].text
    assert "当前没有进行中的操作" in (await harness.send(new_phone, "/cancel"))[-1].text
