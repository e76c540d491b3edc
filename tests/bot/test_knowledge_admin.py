"""Admins grow the knowledge base without downtime: reload, upload, validation, backups."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import BotHarness

NEW_FILE = """\
entries:
  - id: liudong-dangyuan
    question: 流动党员怎么参加组织生活？
    alternates: [外出务工党员组织生活]
    keywords: [流动党员]
    answer: 流动党员可持《流动党员活动证》参加流入地党组织的组织生活。
    source: 测试
"""

BROKEN_FILE = """\
entries:
  - id: broken-one
    question: 一个坏条目
    answer: ""
    colour: red
"""


async def admin(harness: BotHarness):  # type: ignore[no-untyped-def]
    await harness.import_roster()
    return await harness.join("A01")


def kb_folder(harness: BotHarness) -> Path:
    return Path(harness.services.config.knowledge.paths[0])


async def test_admin_uploads_a_new_yaml_file_and_it_answers_at_once(harness: BotHarness) -> None:
    user = await admin(harness)
    replies = await harness.upload(user, "liudong.yaml", NEW_FILE.encode())
    assert "已更新知识库文件 liudong.yaml" in replies[-1].text and "共5条" in replies[-1].text
    answer = await harness.send(user, "流动党员怎么参加组织生活")
    assert "流动党员活动证" in answer[-1].text


async def test_a_broken_upload_names_file_line_and_id_and_changes_nothing(harness: BotHarness) -> None:
    user = await admin(harness)
    before = {p.name: p.read_bytes() for p in kb_folder(harness).glob("*.yaml")}
    replies = await harness.upload(user, "base.yaml", BROKEN_FILE.encode())
    text = replies[-1].text
    assert "未生效" in text and "base.yaml:" in text and "broken-one" in text
    assert {p.name: p.read_bytes() for p in kb_folder(harness).glob("*.yaml")} == before
    assert "每季度召开1次" in (await harness.send(user, "三会一课多久开一次"))[-1].text


async def test_replacing_a_file_keeps_a_backup_of_the_previous_one(harness: BotHarness) -> None:
    user = await admin(harness)
    original = (kb_folder(harness) / "base.yaml").read_bytes()
    await harness.upload(user, "extra.yaml", NEW_FILE.encode())
    await harness.upload(user, "extra.yaml", NEW_FILE.replace("测试", "测试二").encode())
    backups = list((kb_folder(harness) / ".backup").glob("extra.yaml.*"))
    assert len(backups) == 1 and b"source: \xe6\xb5\x8b\xe8\xaf\x95\n" in backups[0].read_bytes()
    assert (kb_folder(harness) / "base.yaml").read_bytes() == original


async def test_a_yaml_bomb_upload_is_refused_and_nothing_changes(harness: BotHarness) -> None:
    user = await admin(harness)
    bomb = "entries:\n  - &a {id: a, question: q, answer: x}\n  - *a\n"
    replies = await harness.upload(user, "bomb.yaml", bomb.encode())
    assert "未生效" in replies[-1].text
    assert not (kb_folder(harness) / "bomb.yaml").exists()


async def test_a_huge_upload_is_refused_before_download(harness: BotHarness) -> None:
    user = await admin(harness)
    message = harness.chat._message(user)
    message["document"] = {"file_id": "huge", "file_unique_id": "huge", "file_name": "big.yaml", "file_size": 50 * 1024 * 1024}
    replies = await harness.chat.deliver({"message": message})
    assert "文件过大" in replies[-1].text
    assert not any(method == "getFile" for method, _ in harness.request.calls)


async def test_a_cadre_cannot_upload_knowledge_or_rosters(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C01")
    replies = await harness.upload(user, "liudong.yaml", NEW_FILE.encode())
    assert "只有管理员" in replies[-1].text
    assert not (kb_folder(harness) / "liudong.yaml").exists()


async def test_reload_picks_up_edits_and_refuses_a_broken_base(harness: BotHarness) -> None:
    user = await admin(harness)
    (kb_folder(harness) / "extra.yaml").write_text(NEW_FILE, encoding="utf-8")
    assert "共5条" in (await harness.send(user, "/reload"))[-1].text
    (kb_folder(harness) / "extra.yaml").write_text(BROKEN_FILE, encoding="utf-8")
    replies = await harness.send(user, "/reload")
    assert "未重新加载" in replies[-1].text and "extra.yaml:" in replies[-1].text and "5条" in replies[-1].text
    assert "流动党员活动证" in (await harness.send(user, "流动党员怎么参加组织生活"))[-1].text


async def test_reload_and_gaps_are_refused_to_a_cadre(harness: BotHarness) -> None:
    await harness.import_roster()
    user = await harness.join("C02")
    for command in ("/reload", "/gaps"):
        assert "暂无权限" in (await harness.send(user, command))[-1].text


async def test_gaps_with_a_bad_number_of_days_explains(harness: BotHarness) -> None:
    user = await admin(harness)
    for command in ("/gaps abc", "/gaps 0", "/gaps 99999999999"):
        assert "1到365" in (await harness.send(user, command))[-1].text


async def test_admin_uploads_a_roster_and_gets_the_invites(harness: BotHarness) -> None:
    user = await admin(harness)
    roster = "id,name,unit,roles\nA01,陈静,办公室,admin\nN01,孙丽,组织科,cadre\n"
    preview = (await harness.upload(user, "roster.csv", roster.encode("utf-8-sig")))[-1]
    # Nothing happens before the admin chooses how to import (tests/bot/test_roster_upload.py).
    replies = await harness.press(user, preview, "按完整名单导入")
    assert "新增1人" in replies[0].text and "停用4人" in replies[0].text
    assert replies[-1].kind == "document" and "N01,孙丽," in replies[-1].content.decode("utf-8-sig")


async def test_a_malformed_roster_upload_names_row_and_column_and_imports_nothing(harness: BotHarness) -> None:
    user = await admin(harness)
    roster = "id,name,unit,roles\nN01,孙丽,组织科,cadre\nN02,周正,组织科,boss\n"
    replies = await harness.upload(user, "roster.csv", roster.encode())
    assert "第3行" in replies[-1].text and "roles" in replies[-1].text and "没有做任何修改" in replies[-1].text
    assert "N01" not in (await harness.send(user, "/invites"))[-1].content.decode("utf-8-sig")
