"""/audit: admins see who did what and when, newest first, a phone screen at a time."""

from __future__ import annotations

from datetime import timedelta

from db import audit
from tests.conftest import BotHarness

ONE_LINE = "id,name,unit,roles\nN01,孙丽,组织科,cadre\n".encode()


async def test_audit_shows_imports_voids_unbinds_and_invite_exports_newest_first(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    cadre = await harness.join("C01")
    [preview] = await harness.upload(admin, "roster.csv", ONE_LINE)
    harness.set_time(harness.services.now() + timedelta(minutes=1))
    await harness.press(admin, preview, "仅新增和修改")  # also sends the invite list: an export
    await harness.send(cadre, "/study 专题讲座 2")
    harness.set_time(harness.services.now() + timedelta(minutes=1))
    await harness.send(admin, "/void 1 重复记录")
    harness.set_time(harness.services.now() + timedelta(minutes=1))
    [confirm] = await harness.send(admin, "/unbind C01")
    await harness.press(admin, confirm, "确认解除绑定")
    [reply] = await harness.send(admin, "/audit")
    lines = reply.text.splitlines()
    assert lines[0] == "🗂 操作记录（近7天，新的在前，第1页）："
    assert lines[1] == "11-20 10:03 陈静：解除绑定 张明（C01）"
    assert lines[2] == "11-20 10:02 陈静：作废学习记录 #1（C01）"
    assert lines[3] == "11-20 10:01 陈静：导出邀请码 4人"  # C02 C03 S01 and the newcomer
    assert lines[4] == "11-20 10:01 陈静：导入名单 「仅新增和修改」roster.csv，新增1人、更新0人、停用0人、重新启用0人"
    assert reply.buttons == []


async def test_audit_pages_fit_a_phone_and_turn_with_buttons(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    async with harness.services.db.session() as session:
        for minute in range(30):
            await audit.record(session, None, "kb.reload", {"entries": minute},
                               harness.services.now() - timedelta(minutes=minute))
        await session.commit()
    [first] = await harness.send(admin, "/audit 1")
    assert len(first.text.splitlines()) <= 15 and "命令行：重新加载知识库 0条" in first.text.splitlines()[1]
    assert [b.text for b in first.flat_buttons] == ["更早 ▶"]
    [second] = [r for r in await harness.press(admin, first, "更早") if r.kind == "edit"]
    assert "第2页" in second.text and "重新加载知识库 12条" in second.text.splitlines()[1]
    assert [b.text for b in second.flat_buttons] == ["◀ 较新", "更早 ▶"]
    [third] = [r for r in await harness.press(admin, second, "更早") if r.kind == "edit"]
    assert len(third.text.splitlines()) == 1 + 6 and [b.text for b in third.flat_buttons] == ["◀ 较新"]


async def test_audit_days_are_checked_and_old_entries_left_out(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    async with harness.services.db.session() as session:
        await audit.record(session, None, "kb.reload", {"entries": 1}, harness.services.now() - timedelta(days=10))
        await session.commit()
    assert (await harness.send(admin, "/audit"))[-1].text == "近7天没有操作记录。"
    assert "重新加载知识库" in (await harness.send(admin, "/audit 30"))[-1].text
    for bad in ("/audit 0", "/audit abc", "/audit 999999", "/audit ²³"):
        assert "1到365" in (await harness.send(admin, bad))[-1].text, bad


async def test_audit_is_for_admins_only(harness: BotHarness) -> None:
    await harness.import_roster()
    admin = await harness.join("A01")
    cadre = await harness.join("C02")
    assert "暂无权限" in (await harness.send(cadre, "/audit"))[-1].text
    async with harness.services.db.session() as session:
        for minute in range(13):
            await audit.record(session, None, "kb.reload", {"entries": minute}, harness.services.now())
        await session.commit()
    [first] = await harness.send(admin, "/audit")
    replies = await harness.press(cadre, first, "更早")
    assert replies[-1].kind == "alert" and "暂无权限" in replies[-1].text
    for data in ("audit:p:7:99999", "audit:p:0:1", "audit:p:7:²", "audit:x"):
        replies = await harness.chat.press_data(admin, first, data)
        assert replies[-1].kind == "alert", data
