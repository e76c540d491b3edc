"""Match a user's question to an entry: answer when sure, suggest when unsure, else nothing.

Two stages.  BM25 over character bigrams (``knowledge.index``) finds the few plausible
entries among thousands, from their question side and, at a lower weight, their answers.
``knowledge.evidence`` then weighs how much of the question each of those few explains.

A wrong answer about policy is worse than none, so the decision rests on evidence that
means the same on any base, never on a probability fitted to one:

* the entry explains most of what the question is about (coverage);
* it leads the runner-up clearly (two entries that explain the question equally well are a
  choice for the user, not for the bot);
* the question names nothing the entry lacks: 中央八项规定有哪些内容 shares almost every
  character with 党员的八项权利 and is not answered by it; nor is 团组织关系怎么转 by the
  entry on 党组织关系, or 事业单位人员怎么转正 by the one on 预备党员转正.

Short topic queries (党费, 公示) explain nothing by themselves; every entry that contains the
whole query is offered as a suggestion.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from knowledge.evidence import CharWeights, Evidence, Profile, Query, weigh_evidence
from knowledge.gcpause import gc_paused
from knowledge.index import BigramIndex, grams
from knowledge.lexicon import EMPTY, Lexicon
from knowledge.normalize import normalize
from knowledge.schema import Entry
from knowledge.settings import MatchSettings
from knowledge.typos import HomophoneFixer

__all__ = ["Candidate", "MatchResult", "MatchSettings", "Matcher", "Outcome"]

Outcome = Literal["answer", "suggest", "none"]

#: How many BM25 hits are weighed: the right entry is almost always among the first few.
RERANK_DEPTH = 20
#: How much an answer's bigrams count in recall, relative to the question side's.
ANSWER_RECALL_WEIGHT = 0.3
#: To answer outright, the entry must explain at least this share of the question's content …
MIN_COVERAGE = 0.5
#: … and the base must know at least this share of it: 今天天气怎么样 shares 今天 with an entry,
#: and nothing else with any.
MIN_KNOWN_SHARE = 0.5
#: A question must weigh at least this much (about one distinctive character) to be answered:
#: 你是谁 or 怎么办 name nothing.
MIN_CONTENT = 0.5


class _HasMatchSettings(Protocol):
    answer_threshold: float
    suggest_threshold: float
    margin: float
    max_query_chars: int


@dataclass(frozen=True, slots=True)
class Candidate:
    entry: Entry
    score: float
    #: What the query names that the entry lacks: it may be suggested, not answered.
    foreign: tuple[str, ...] = ()
    #: The entry's question side knows every bigram of the query (a bare topic such as 党费): worth
    #: a button even when the query is too short to say more.
    covers: bool = False
    evidence: Evidence | None = field(default=None, compare=False, repr=False)
    #: The query is, word for word, one of the ways the admin wrote this entry's question.
    as_written: bool = False


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The decision for one query.  ``best`` is set only when ``outcome == "answer"``.

    ``candidates`` is the ranking (up to ``top``), whatever the outcome, for diagnostics and
    evaluation; ``suggestions`` is what to offer as buttons.
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

    def __init__(
        self, entries: Sequence[Entry], settings: MatchSettings, lexicon: Lexicon = EMPTY,
        profile_of: Callable[[Entry], Profile] | None = None,
    ) -> None:
        """``profile_of`` may hand back profiles computed before (evaluation protocols rebuild the
        matcher once per question with one entry changed)."""
        self.entries = tuple(entries)
        self.settings = settings
        self.lexicon = lexicon
        profile_of = profile_of or (lambda e: Profile.of(e, lexicon))
        with gc_paused():
            self.profiles = [profile_of(e) for e in self.entries]
            self._questions = BigramIndex([p.question_grams for p in self.profiles])
            self._answers = BigramIndex(p.answer_grams for p in self.profiles)
            self._weights = CharWeights(self.profiles)
            known = {**self._answers.doc_freq, **self._questions.doc_freq}  # every bigram of the base
            self._known = known
            self._fixer = HomophoneFixer(known)

    @classmethod
    def build(cls, entries: Sequence[Entry], settings: _HasMatchSettings, lexicon: Lexicon = EMPTY) -> Matcher:
        """Index ``entries``; ``settings`` is a MatchSettings or anything with the same fields."""
        if not isinstance(settings, MatchSettings):
            settings = MatchSettings(
                settings.answer_threshold, settings.suggest_threshold, settings.margin, settings.max_query_chars,
            )
        return cls(entries, settings, lexicon)

    def prepare(self, query: str) -> Query | None:
        """Normalise, fold synonyms, repair typos; None when nothing is left to match."""
        text = normalize(query, self.settings.max_query_chars)
        if not text:
            return None
        text = self.lexicon.canonicalize(text)
        named = {i for start, end in self.lexicon.term_spans(text) for i in range(start, end)}
        text = self.lexicon.canonicalize(self._fixer.fix(text, keep=named))
        return Query.of(text, self._weights, self.lexicon, self._known)

    def rank(self, query: str, limit: int) -> list[Candidate]:
        """Entries best first with their scores (0..1); at most ``limit``."""
        return self._rank(self.prepare(query))[:limit]

    def _rank(self, prepared: Query | None) -> list[Candidate]:
        if prepared is None:
            return []
        ranked = [self._candidate(prepared, i) for i in self._recall(prepared)]
        ranked.sort(key=lambda c: -c.score)
        return ranked

    def _recall(self, query: Query) -> list[int]:
        """The entries worth weighing: best BM25 over question sides plus, lower, answers."""
        query_grams = grams(query.text)
        scores: dict[int, float] = {}
        for i, score in self._questions.search(query_grams, RERANK_DEPTH):
            scores[i] = score
        for i, score in self._answers.search(query_grams, RERANK_DEPTH):
            scores[i] = scores.get(i, 0.0) + ANSWER_RECALL_WEIGHT * score
        return sorted(scores, key=lambda i: -scores[i])[:RERANK_DEPTH]

    def _candidate(self, query: Query, i: int) -> Candidate:
        evidence = weigh_evidence(query, self.profiles[i])
        covers = bool(query.total) and evidence.question_coverage >= 0.999
        as_written = query.text in self.profiles[i].as_written
        return Candidate(self.entries[i], round(evidence.score, 4), evidence.unexplained, covers, evidence, as_written)

    def match(self, query: str, top: int = 3) -> MatchResult:
        prepared = self.prepare(query)
        ranked = self._rank(prepared)
        outcome = self._decide(prepared, ranked)
        best = ranked[0] if ranked else None
        return MatchResult(
            query=query,
            outcome=outcome,
            best=best.entry if best and outcome == "answer" else None,
            score=best.score if best else 0.0,
            candidates=tuple(ranked[:top]),
            suggest_threshold=self.settings.suggest_threshold,
        )

    def _decide(self, query: Query | None, ranked: Sequence[Candidate]) -> Outcome:
        if query is None or not ranked:
            return "none"
        best = ranked[0]
        if best.score < self.settings.suggest_threshold:
            return "suggest" if any(c.covers for c in ranked[:3]) else "none"
        return "answer" if self._sure(query, ranked) else "suggest"

    def _sure(self, query: Query, ranked: Sequence[Candidate]) -> bool:
        """Answer outright only on evidence that holds on any base: the best entry explains most of
        a question the base knows, names nothing it lacks, and leads the runner-up clearly."""
        best = ranked[0]
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        # Asked exactly as the admin wrote this entry (and no other): that settles a near tie, such
        # as 党费怎么交 between 党费怎么交？… and an alternate 退休党员党费怎么交 of another entry.
        leads = best.score - runner_up >= self.settings.margin or (
            best.as_written and not any(c.as_written for c in ranked[1:])
        )
        return (
            best.evidence is not None
            and not best.foreign
            and query.total >= MIN_CONTENT
            and query.known_share >= MIN_KNOWN_SHARE
            and best.evidence.coverage >= MIN_COVERAGE
            and best.score >= self.settings.answer_threshold
            and leads
        )
