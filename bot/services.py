"""What every handler and job may use: config, database, knowledge base and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.config import Config
from db.engine import Database
from db.models import utcnow
from knowledge.store import KnowledgeStore


@dataclass
class Services:
    config: Config
    db: Database
    knowledge: KnowledgeStore
    # Tests replace the clock to drive time; everything asks it instead of datetime.now().
    clock: Callable[[], datetime] = field(default=utcnow)

    def now(self) -> datetime:
        return self.clock()

    def local_now(self) -> datetime:
        return self.clock().astimezone(self.config.tz)


def make_services(config: Config, database_url: str | None = None) -> Services:
    """Open the database and load the knowledge base named by the config."""
    db = Database(database_url or config.database_url, echo=config.database.echo)
    knowledge = KnowledgeStore(config.knowledge_paths, config.knowledge)
    return Services(config=config, db=db, knowledge=knowledge)
