"""What every handler and job may use: config, database, knowledge base and the clock."""

from __future__ import annotations

import logging

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.config import Config
from db.engine import Database
from db.models import utcnow
from db.notes_crypto import NotesCipher
from knowledge.lexicon import load_lexicon
from knowledge.loader import LoadResult, load_base
from knowledge.readings import ReadingLoad, load_readings
from knowledge.store import KnowledgeStore

log = logging.getLogger(__name__)


class KnowledgeBaseError(Exception):
    """The configured knowledge base cannot be served (errors, no entries, a missing path):
    start-up stops with this one line, as it does for a bad config."""


@dataclass
class Services:
    config: Config
    db: Database
    knowledge: KnowledgeStore
    # Tests replace the clock to drive time; everything asks it instead of datetime.now().
    clock: Callable[[], datetime] = field(default=utcnow)
    # Talk notes are encrypted with it (bot/ops/notes_key.py); None: notes cannot be written.
    notes: NotesCipher | None = None

    def now(self) -> datetime:
        return self.clock()

    @property
    def readings(self) -> ReadingLoad:
        """The week's readings from the files, reloaded with the base (/reload, another
        instance's change); /publish adds rows in the database (db/readings.py)."""
        return self.knowledge.readings

    def local_now(self) -> datetime:
        return self.clock().astimezone(self.config.tz)


def knowledge_problem(result: LoadResult, paths: list[str]) -> str | None:
    """Why a loaded base must not be served, in one line (the first error, and how many more);
    None when it is fine. A bot with no entries would answer every question "not found"."""
    if result.errors:
        more = len(result.errors) - 1
        tail = f" (and {more} more; run 'cadrebot kb check' to see them all)" if more else ""
        return f"{result.errors[0]}{tail}"
    if not result.entries:
        return f"no entries in {', '.join(paths)}: the bot would have nothing to answer from"
    return None


def check_knowledge(config: Config) -> None:
    """Refuse a base that cannot be served before anything starts (no index is built: cheap)."""
    result = load_base(config.knowledge_paths)
    vocabulary = load_lexicon(config.synonym_paths)
    result = replace(result, errors=[*result.errors, *vocabulary.errors])
    problem = knowledge_problem(result, [str(p) for p in config.knowledge_paths])
    if problem is not None:
        raise KnowledgeBaseError(problem)
    load_reading_files(config)


def load_reading_files(config: Config, shelf: ReadingLoad | None = None) -> ReadingLoad:
    """The configured readings (or `shelf`, as loaded), or KnowledgeBaseError naming the first
    problem (file:line key): at start, readings with errors stop the bot as a broken base does."""
    shelf = load_readings(config.reading_paths) if shelf is None else shelf
    if shelf.errors:
        more = len(shelf.errors) - 1
        tail = f" (and {more} more; run 'cadrebot kb check' to see them all)" if more else ""
        raise KnowledgeBaseError(f"{shelf.errors[0]}{tail}")
    return shelf


def load_knowledge(config: Config) -> KnowledgeStore:
    """The knowledge base named by the config, or KnowledgeBaseError saying what is wrong."""
    store = KnowledgeStore(config.knowledge_paths, config.knowledge, config.synonym_paths, config.quiz_paths,
                           config.reading_paths)
    problem = knowledge_problem(store.last_load, [str(p) for p in config.knowledge_paths])
    if problem is not None:
        raise KnowledgeBaseError(problem)
    report_quiz_problems(store)
    return store


def report_quiz_problems(store: KnowledgeStore) -> None:
    """A quiz bank with problems is not served (/quiz says there is no bank), but the bot
    starts: one warning line with the first problem, as `kb check` lists them all."""
    quiz = store.last_quiz
    if not quiz.ok:
        more = f" (and {len(quiz.errors) - 1} more; run 'cadrebot kb check')" if len(quiz.errors) > 1 else ""
        log.warning("quiz bank not loaded: %s%s", quiz.errors[0], more)


def pool_size(config: Config) -> int:
    """Database connections one instance may hold at once: one per update handled at a time,
    one per fan-out send in flight (its mark holds a connection until the request is written),
    and four for the tick, the lease renewal, the ops listener's checks and a spare."""
    return config.bot.concurrent_updates + config.reminders.concurrency + 4


def make_services(config: Config, database_url: str | None = None, notes: NotesCipher | None = None) -> Services:
    """Load the knowledge base named by the config (refusing one that cannot be served), then
    open the database. `notes` is the talk-notes cipher (bot/ops/notes_key.py)."""
    knowledge = load_knowledge(config)
    load_reading_files(config, knowledge.last_readings)
    db = Database(database_url or config.database_url, echo=config.database.echo, pool_size=pool_size(config))
    return Services(config=config, db=db, knowledge=knowledge, notes=notes)
