"""Rerank stage: how likely one entry is the right answer to one query, as a score in 0..1.

BM25 is good at recall but its scores are not comparable between queries, so
the few entries it retrieves are rescored with signals that are, combined by
a logistic model (weights fitted with ``python -m knowledge.fit``):

* coverage: the IDF-weighted share of the query's bigrams that the entry
  knows (in any phrasing or keyword).  A query whose distinctive part is
  absent (工会会费 against 党费) scores low even when the rest (怎么交) matches.
  Bigrams the base has never seen weigh as much as their rarest character,
  so 电费 (电 is foreign to the base) weighs a lot and 我们 very little.
* precision: the share of the best phrasing that the query contains.
* ratio: edit-distance similarity (rapidfuzz ``ratio``) to the best phrasing.
* keyword: the query spells out one of the entry's keywords.
* known: the share of the query the whole base knows; given the coverage,
  the rest is explained by other entries, which makes this one less certain.
* bm25 share: the entry's BM25 score relative to the best BM25 hit.
* head: the query's first bigram (in Chinese, usually its topic) is known to
  the entry: a question about 团组织关系 is not one about 组织关系 of a 党员.
* log length: very short queries are ambiguous whatever they match.
* char coverage: like coverage, but per character (see ``char_coverage``), so a
  missing word costs what it weighs and not also the bigrams across its edges.

Bigrams with function characters (怎么, 的, 吗) weigh less: they say how one
asks, not what about.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from knowledge.index import BigramIndex, grams, idf
from knowledge.normalize import normalize
from knowledge.schema import Entry

FEATURES = ("coverage", "precision", "ratio", "keyword", "known", "bm25_share", "head", "log_length", "char_coverage")
WEIGHTS = (2.093, 1.355, 2.807, 3.14, -0.59, 8.103, 1.915, 3.243, 3.003)
BIAS = -22.528

#: Characters that frame a question rather than name its subject.
STOP_CHARS = frozenset(
    "的了吗呢啊么怎什如何哪几多少是否能可以要会该应请问我你他她们这那个些吧呀"
    "和与及或在有没不就都也还又被把给对从向到为啥咋嘛得着过一"
)
#: Weight factor per function character in a bigram.
STOP_FACTOR = 0.3

_SENTENCE_END = re.compile(r"[？?！!。；;]")


def sub_questions(text: str) -> list[str]:
    """The parts of a compound question (党费怎么交？交给谁？): users usually ask just one."""
    parts = [p for p in _SENTENCE_END.split(text) if p.strip()]
    return parts if len(parts) > 1 else []


@dataclass(frozen=True, slots=True)
class Profile:
    """An entry's normalised texts and bigrams, computed once at build time."""

    phrasings: tuple[str, ...]
    phrasing_grams: tuple[frozenset[str], ...]
    keywords: tuple[str, ...]
    grams: frozenset[str]

    @classmethod
    def of(cls, entry: Entry) -> Profile:
        texts = [*entry.phrasings, *(s for p in entry.phrasings for s in sub_questions(p))]
        phrasings = tuple(dict.fromkeys(n for n in (normalize(t, None) for t in texts) if n))
        keywords = tuple(dict.fromkeys(n for n in (normalize(k, None) for k in entry.keywords) if n))
        phrasing_grams = tuple(frozenset(grams(p)) for p in phrasings)
        all_grams = frozenset().union(*phrasing_grams, *(grams(k) for k in keywords))
        return cls(phrasings, phrasing_grams, keywords, all_grams)


class GramWeights:
    """IDF weight of any bigram, with a character-level back-off for bigrams the base lacks."""

    def __init__(self, index: BigramIndex, profiles: Sequence[Profile]) -> None:
        self._index = index
        self._char_df: Counter[str] = Counter(c for p in profiles for c in set("".join(p.phrasings + p.keywords)))
        # Every indexed bigram's weight up front (one pass), so scoring only does dict lookups.
        self.known = {g: idf(df, index.n_docs) * _stop_factor(g) for g, df in index.doc_freq.items()}
        self._unseen = lru_cache(maxsize=1 << 14)(self._backoff)

    def _backoff(self, gram: str) -> float:
        rarest = max(idf(self._char_df.get(c, 0), self._index.n_docs) for c in gram)
        return rarest * _stop_factor(gram)

    def __call__(self, gram: str) -> float:
        weight = self.known.get(gram)
        return weight if weight is not None else self._unseen(gram)

    def total(self, gram_set: Iterable[str]) -> float:
        return sum(map(self, gram_set))

    def char_weight(self, char: str) -> float:
        """How distinctive one character is, 0..1: its idf over the entries' texts relative to an unseen
        character's; 0 for function characters, which never name a subject."""
        if char in STOP_CHARS:
            return 0.0
        n = self._index.n_docs
        return idf(self._char_df.get(char, 0), n) / idf(0, n)


def char_coverage(query: Query, known: frozenset[str]) -> float:
    """The distinctiveness-weighted share of the query's characters that the entry explains (0..1).

    A character is explained when a bigram it is part of is known to the entry.  Unlike the bigram
    coverage, a word the entry lacks costs its own characters once, not also the two bigrams that
    straddle its edges (月薪一万二: 薪一 and 万二 are artefacts of the missing word boundary, not
    extra foreign words), so colloquial paraphrases are penalised for what is foreign, and only that.
    """
    if len(query.text) < 2:
        return 1.0 if query.text in known else 0.0
    total = sum(query.char_weights)
    if total <= 0:
        return 0.0
    covered = [False] * len(query.text)
    for i, gram in enumerate(query.sequence):
        if gram in known:
            covered[i] = covered[i + 1] = True
    return sum(w for w, c in zip(query.char_weights, covered, strict=True) if c) / total


def _stop_factor(gram: str) -> float:
    stops = sum(c in STOP_CHARS for c in gram)
    return STOP_FACTOR**stops if stops else 1.0


@dataclass(frozen=True, slots=True)
class Query:
    """A normalised query with its bigrams, their weights and how much of it the base knows."""

    text: str
    weights: Mapping[str, float]
    total: float
    known: float
    sequence: tuple[str, ...] = ()  # the bigrams in order: sequence[i] is text[i:i + 2]
    char_weights: tuple[float, ...] = ()  # GramWeights.char_weight of each character of text

    @property
    def grams(self) -> frozenset[str]:
        return frozenset(self.weights)


class Scorer:
    """Scores (query, entry) pairs for one base; immutable after construction."""

    def __init__(self, profiles: Sequence[Profile], index: BigramIndex) -> None:
        self.profiles = profiles
        self.index = index
        self.weights = GramWeights(index, profiles)
        known = self.weights.known.__getitem__  # every phrasing bigram is indexed, hence known
        self._phrasing_totals = [tuple(sum(map(known, g)) for g in p.phrasing_grams) for p in profiles]

    def prepare(self, text: str) -> Query:
        weights = {g: self.weights(g) for g in set(grams(text))}
        total = sum(weights.values())
        known = sum(w for g, w in weights.items() if g in self.index.doc_freq)
        sequence = tuple(text[i : i + 2] for i in range(len(text) - 1))
        char_weights = tuple(self.weights.char_weight(c) for c in text)
        return Query(text, weights, total, known / total if total > 0 else 0.0, sequence, char_weights)

    def features(self, query: Query, i: int, bm25_share: float) -> tuple[float, ...]:
        """The FEATURES of entry ``i`` for ``query``, in order."""
        profile, weights = self.profiles[i], query.weights
        coverage = sum(weights[g] for g in profile.grams.intersection(weights)) / query.total
        precision = ratio = 0.0
        phrasings = zip(profile.phrasings, profile.phrasing_grams, self._phrasing_totals[i], strict=True)
        for phrasing, gram_set, total in phrasings:
            shared = sum(weights[g] for g in gram_set.intersection(weights))
            precision = max(precision, shared / total if total > 0 else 0.0)
            ratio = max(ratio, fuzz.ratio(query.text, phrasing) / 100.0)
        keyword = any(len(k) >= 2 and k in query.text for k in profile.keywords)
        head = query.text[:2] in profile.grams
        return (
            coverage, precision, ratio, float(keyword), query.known, bm25_share, float(head),
            math.log(len(query.text)), char_coverage(query, profile.grams),
        )

    def covers(self, query: Query, i: int) -> bool:
        """Entry ``i`` knows every bigram of the query, and the query names something (not just 怎么办)."""
        grams = self.profiles[i].grams
        return any(_stop_factor(g) == 1.0 for g in query.weights) and all(g in grams for g in query.weights)

    def score(self, query: Query, i: int, bm25_share: float) -> float:
        if query.total <= 0 or not self.profiles[i].phrasings:
            return 0.0
        logit = BIAS + sum(w * f for w, f in zip(WEIGHTS, self.features(query, i, bm25_share), strict=True))
        return 1.0 / (1.0 + math.exp(-logit))
