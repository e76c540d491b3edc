"""Knowledge changes made on one instance reach the others within seconds.

The knowledge files are shared by every instance (one folder: a volume in compose, a shared
file system across hosts), so a change needs no copying, only a signal. The instance that made
it (an upload, a /gaps alternate, /reload) publishes a version row; every instance looks at the
newest row every `knowledge.sync_seconds` and, when it is newer than the last one it acted on
and names other files than it serves, reloads its base (an atomic snapshot swap: questions are
answered from the old base until the new one is built).

Each version carries the publisher's fingerprint of the files. An instance that reloads and
still serves different files is not reading the shared folder (or the folder changed again):
it says so in one warning line, instead of silently answering from another base.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from bot.services import Services
from db import knowledge_versions
from db.knowledge_versions import PublishedVersion
from knowledge.store import KnowledgeStore

log = logging.getLogger(__name__)

INSTANCE = f"{socket.gethostname()}:{os.getpid()}"
JOB_NAME = "knowledge-sync"


async def publish_change(services: Services, reason: str) -> int:
    """Tell the other instances that the files changed (they already have, on disk).

    In a session of its own, committed at once: the files are written whatever becomes of the
    update that wrote them, so the signal must not roll back with it.
    """
    async with services.db.session() as session:
        version = await knowledge_versions.publish(
            session, services.knowledge.fingerprint, reason, INSTANCE, services.now())
        await session.commit()
    log.info("published knowledge version %d (%s)", version, reason)
    return version


class KnowledgeSync:
    """One instance's view: the last version it acted on, and the check that follows newer ones."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.seen: int | None = None  # the newest version this instance has acted on
        self.checked = False  # whether the first check (the one at start) is done

    @property
    def store(self) -> KnowledgeStore:
        return self.services.knowledge

    async def check(self) -> bool:
        """Follow the newest published version if it is new here; True if the base was reloaded."""
        async with self.services.db.session() as session:
            newest = await knowledge_versions.latest(session)
        at_start, self.checked = not self.checked, True
        if newest is None or newest.id == self.seen:
            return False
        self.seen = newest.id
        if newest.fingerprint == self.store.fingerprint:
            return False  # our own change, or one whose files we loaded already
        reloaded = False
        # Reading the files is cheap; rebuilding the index is not: only when they changed.
        if await asyncio.to_thread(self.store.disk_fingerprint) != self.store.fingerprint:
            reloaded = await self._reload(newest)
        if self.store.fingerprint != newest.fingerprint and not at_start:
            # At start the files were just loaded: an operator's edit since the last published
            # change is no sign of an unshared folder, so only later versions are compared.
            log.warning(
                "knowledge files here differ from version %d (%s by %s): all instances must share "
                "one knowledge folder (docs/operations.md, Several instances)",
                newest.id, newest.reason, newest.instance)
        return reloaded

    async def _reload(self, newest: PublishedVersion) -> bool:
        result = await asyncio.to_thread(self.store.reload)
        if result.ok:
            log.info("knowledge version %d (%s by %s): reloaded, %d entries",
                     newest.id, newest.reason, newest.instance, len(result.entries))
            return True
        log.warning("knowledge version %d (%s by %s): the files have errors here, still serving the "
                    "previous %d entries: %s", newest.id, newest.reason, newest.instance,
                    len(self.store.snapshot.entries), result.errors[0] if result.errors else "?")
        return False

    def start(self, job_queue: object) -> None:
        """Check at once (a change published while this instance started), then periodically."""
        job_queue.run_repeating(  # type: ignore[attr-defined]
            self._job, interval=self.services.config.knowledge.sync_seconds, first=0.1, name=JOB_NAME)

    async def _job(self, context: object) -> None:
        try:
            await self.check()
        except Exception as exc:  # a database hiccup: one line, and the next check tries again
            log.warning("knowledge version check failed (%s: %s); retrying in %gs", type(exc).__name__,
                        exc, self.services.config.knowledge.sync_seconds)
