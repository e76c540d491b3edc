"""A knowledge change made on one instance reaches the others: every instance sharing the
knowledge folder reloads once it sees the change's version in the database; one that reads
another folder says so instead of answering from a different base."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

from bot.ops.knowledge_sync import KnowledgeSync
from bot.services import Services
from db import knowledge_versions
from db.models import utcnow
from knowledge.store import KnowledgeStore
from tests.bot.test_knowledge_admin import NEW_FILE
from tests.conftest import BotHarness


def other_instance(harness: BotHarness, paths: list[Path] | None = None) -> KnowledgeSync:
    """A second instance on the same database: its own knowledge store (the same folder unless
    `paths` names another) and its own sync state."""
    config = harness.services.config
    store = KnowledgeStore(paths or config.knowledge_paths, config.knowledge, config.synonym_paths, config.quiz_paths,
                           config.reading_paths)
    services = Services(config=config, db=harness.services.db, knowledge=store, clock=harness.services.clock)
    return KnowledgeSync(services)


async def admin(harness: BotHarness):  # type: ignore[no-untyped-def]
    await harness.import_roster()
    return await harness.join("A01")


async def test_an_upload_on_one_instance_is_answered_by_the_other_after_its_next_check(harness: BotHarness) -> None:
    other = other_instance(harness)
    assert await other.check() is False  # nothing published yet
    user = await admin(harness)
    await harness.upload(user, "liudong.yaml", NEW_FILE.encode())
    assert other.store.get("liudong-dangyuan") is None  # not until it looks

    assert await other.check() is True
    assert "流动党员活动证" in other.store.get("liudong-dangyuan").answer
    assert other.store.match("流动党员怎么参加组织生活").best.id == "liudong-dangyuan"
    assert other.store.fingerprint == harness.services.knowledge.fingerprint
    assert await other.check() is False  # a version is followed once


async def test_a_reload_is_published_and_the_publisher_does_not_rebuild_its_own_base(harness: BotHarness) -> None:
    user = await admin(harness)
    replies = await harness.send(user, "/reload")
    assert "知识库已重新加载" in replies[-1].text
    async with harness.services.db.session() as session:
        newest = await knowledge_versions.latest(session)
    assert newest is not None and newest.reason == "kb.reload"
    assert newest.fingerprint == harness.services.knowledge.fingerprint

    own = KnowledgeSync(harness.services)
    snapshot = harness.services.knowledge.snapshot
    assert await own.check() is False and harness.services.knowledge.snapshot is snapshot


async def test_an_instance_reading_another_folder_warns_and_keeps_its_base(
    harness: BotHarness, tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    unshared = tmp_path / "unshared-kb"
    shutil.copytree(harness.services.config.knowledge_paths[0], unshared, ignore=shutil.ignore_patterns(".backup"))
    other = other_instance(harness, [unshared])
    await other.check()
    user = await admin(harness)
    await harness.upload(user, "liudong.yaml", NEW_FILE.encode())

    with caplog.at_level(logging.WARNING, logger="bot.ops.knowledge_sync"):
        assert await other.check() is False
    assert other.store.get("liudong-dangyuan") is None
    assert "all instances must share one knowledge folder" in caplog.text


async def test_a_change_published_while_an_instance_started_is_picked_up_at_its_first_check(
    harness: BotHarness, caplog: pytest.LogCaptureFixture,
) -> None:
    other = other_instance(harness)  # loaded the folder before the upload below
    user = await admin(harness)
    await harness.upload(user, "liudong.yaml", NEW_FILE.encode())
    assert await other.check() is True and other.store.get("liudong-dangyuan") is not None


async def test_at_start_files_edited_since_the_last_version_raise_no_warning(
    harness: BotHarness, caplog: pytest.LogCaptureFixture,
) -> None:
    async with harness.services.db.session() as session:
        await knowledge_versions.publish(session, "an-older-fingerprint", "kb.reload", "gone:1", utcnow())
        await session.commit()
    with caplog.at_level(logging.WARNING, logger="bot.ops.knowledge_sync"):
        assert await KnowledgeSync(harness.services).check() is False
    assert caplog.text == ""
