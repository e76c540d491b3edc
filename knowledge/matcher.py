"""Match a user's question to an entry: answer when sure, suggest when unsure, else nothing.

Two stages: BM25 over character bigrams finds the few plausible entries among
thousands, then ``knowledge.scoring`` rescores those few with signals that are
comparable across queries, so fixed thresholds can decide the outcome.  A
wrong answer about policy is worse than none, so answering needs both a high
score and a clear lead over the runner-up.  Nor does it answer outright with an
entry that never mentions the organisation or system a question is about, when
that is one the base is known not to cover (``MatchSettings.out_of_scope``):
团组织关系怎么转 shares almost every bigram with 党组织关系怎么转, yet the
党员 entry is the wrong answer to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from knowledge.gcpause import gc_paused
from knowledge.index import BigramIndex
from knowledge.normalize import normalize
from knowledge.schema import Entry
from knowledge.scoring import FEATURES, Profile, Query, Scorer
from knowledge.settings import DEFAULT_OUT_OF_SCOPE, MatchSettings
from knowledge.typos import HomophoneFixer

__all__ = ["Candidate", "MatchResult", "MatchSettings", "Matcher", "Outcome"]

Outcome = Literal["answer", "suggest", "none"]

#: How many BM25 hits are rescored: the right entry is almost always among the first few.
RERANK_DEPTH = 15


class _HasMatchSettings(Protocol):
    answer_threshold: float
    suggest_threshold: float
    margin: float
    max_query_chars: int  # and optionally out_of_scope (default: DEFAULT_OUT_OF_SCOPE)


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: Entry
    score: float
    #: Out-of-scope terms the query names and the entry never mentions: it may be suggested, not answered.
    foreign: tuple[str, ...] = ()
    #: The entry knows every bigram of the query (a bare topic such as 党费): worth a button even when
    #: the query is too short for the score to be high.
    covers: bool = False


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The decision for one query.  ``best`` is set only when ``outcome == "answer"``.

    ``candidates`` is the ranking (up to ``top``), whatever the outcome, for
    diagnostics and evaluation; ``suggestions`` is what to offer as buttons.
    """

    query: str
    outcome: Outcome
    best: Entry | None
    score: float
    candidates: tuple[Candidate, ...]
    suggest_threshold: float = field(default=0.0, repr=False)

    @property
    def suggestions(self) -> tuple[Candidate, ...]:
        """Candidates good enough to offer as "您是不是想问" buttons (empty for ``none``)."""
        if self.outcome == "none":
            return ()
        return tuple(c for c in self.candidates if c.score >= self.suggest_threshold or c.covers)


class Matcher:
    """Immutable once built; safe to share between threads."""

    def __init__(self, entries: Sequence[Entry], settings: MatchSettings) -> None:
        self.entries = tuple(entries)
        self.settings = settings
        with gc_paused():
            profiles = [Profile.of(e) for e in self.entries]
            self._index = BigramIndex([p.grams for p in profiles])
            self._scorer = Scorer(profiles, self._index)
            self._fixer = HomophoneFixer(self._index.doc_freq)
        terms = (normalize(t, None) for t in getattr(settings, "out_of_scope", ()))
        self._out_of_scope = tuple(dict.fromkeys(t for t in terms if len(t) >= 2))

    @classmethod
    def build(cls, entries: Sequence[Entry], settings: _HasMatchSettings) -> Matcher:
        """Index ``entries``; ``settings`` is a MatchSettings or anything with the same fields."""
        if not isinstance(settings, MatchSettings):
            settings = MatchSettings(
                settings.answer_threshold, settings.suggest_threshold, settings.margin, settings.max_query_chars,
                tuple(getattr(settings, "out_of_scope", DEFAULT_OUT_OF_SCOPE)),
            )
        return cls(entries, settings)

    def rank(self, query: str, limit: int) -> list[Candidate]:
        """Entries best first with their scores (0..1); at most ``limit``."""
        prepared, hits = self._retrieve(query)
        if prepared is None or not hits:
            return []
        top_bm25 = hits[0][1]
        named = self.out_of_scope_terms(query, prepared)
        scored = [
            Candidate(
                self.entries[i],
                round(self._scorer.score(prepared, i, bm25 / top_bm25), 4),
                self._not_mentioned(named, i),
                self._scorer.covers(prepared, i),
            )
            for i, bm25 in hits
        ]
        scored.sort(key=lambda c: -c.score)
        return scored[:limit]

    def out_of_scope_terms(self, query: str, prepared: Query) -> tuple[str, ...]:
        """The out-of-scope terms a query names (usually none), before or after typo repair."""
        if not self._out_of_scope:
            return ()
        raw = normalize(query, self.settings.max_query_chars)
        return tuple(t for t in self._out_of_scope if t in raw or t in prepared.text)

    def foreign_terms(self, query: str, entry: Entry) -> tuple[str, ...]:
        """The out-of-scope terms ``query`` names that ``entry`` never mentions (for tuning tools)."""
        prepared, _ = self._retrieve(query)
        if prepared is None:
            return ()
        return self._not_mentioned(self.out_of_scope_terms(query, prepared), self.entries.index(entry))

    def _not_mentioned(self, terms: Sequence[str], i: int) -> tuple[str, ...]:
        """The ``terms`` entry ``i`` mentions nowhere: not in its normalised phrasings and keywords, nor in
        its answer (searched as written: normalising every answer would cost the first query seconds
        on a large base, and answers are written in simplified characters anyway)."""
        if not terms:
            return ()
        profile, answer = self._scorer.profiles[i], self.entries[i].answer
        return tuple(
            t for t in terms if t not in answer and not any(t in text for text in (*profile.phrasings, *profile.keywords))
        )

    def explain(self, query: str, limit: int = 5) -> list[tuple[Entry, float, dict[str, float]]]:
        """The first ``limit`` BM25 hits with their score and the features behind it (for tuning)."""
        prepared, hits = self._retrieve(query)
        if prepared is None or not hits:
            return []
        top_bm25 = hits[0][1]
        return [
            (
                self.entries[i],
                self._scorer.score(prepared, i, bm25 / top_bm25),
                dict(zip(FEATURES, self._scorer.features(prepared, i, bm25 / top_bm25), strict=True)),
            )
            for i, bm25 in hits[:limit]
        ]

    def _retrieve(self, query: str) -> tuple[Query | None, list[tuple[int, float]]]:
        """Normalise, repair typos, and fetch BM25 hits; (None, []) when nothing is left to match."""
        text = normalize(query, self.settings.max_query_chars)
        if not text:
            return None, []
        prepared = self._scorer.prepare(self._fixer.fix(text))
        return prepared, self._index.search(prepared.weights, RERANK_DEPTH)

    def match(self, query: str, top: int = 3) -> MatchResult:
        ranked = self.rank(query, max(top, 2))
        outcome = self._decide(ranked)
        best = ranked[0] if ranked else None
        return MatchResult(
            query=query,
            outcome=outcome,
            best=best.entry if best and outcome == "answer" else None,
            score=best.score if best else 0.0,
            candidates=tuple(ranked[:top]),
            suggest_threshold=self.settings.suggest_threshold,
        )

    def _decide(self, ranked: Sequence[Candidate]) -> Outcome:
        if not ranked:
            return "none"
        if ranked[0].score < self.settings.suggest_threshold:
            # Short topic queries (党费, 公示) score low because they are ambiguous, not because they are
            # off-topic: entries that contain the whole query are still worth offering.
            return "suggest" if any(c.covers for c in ranked) else "none"
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        if ranked[0].foreign:
            return "suggest"  # about something the base does not cover: the look-alike entry is only a guess
        if ranked[0].score >= self.settings.answer_threshold and ranked[0].score - runner_up >= self.settings.margin:
            return "answer"
        return "suggest"
