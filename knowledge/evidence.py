"""How much of a question one entry explains, and what the question names that the entry lacks.

The rerank stage of the matcher.  Every figure here is a share or a similarity in 0..1, so it
means the same on a base of forty one-line entries as on one with a dozen phrasings each;
nothing is fitted to one base.

* coverage: the share of the question's content that the entry explains.  A character is
  explained when a bigram it is part of occurs in the entry: in its question, alternates,
  keywords or category (full weight), or only in its answer (half weight: an answer says many
  things it is not about).  Each character weighs by how distinctive it is among the entries'
  questions, and function characters (的, 怎么, 吗) weigh nothing, so 党费怎么交 is about 党费
  and 交.  Characters no entry explains at all (colloquial words, or a topic the base lacks)
  are left out of the share and counted in ``known_share`` instead: they cannot tell one entry
  from another, but a question made mostly of them is not one for this base.
* consistency: the same share, computed for each phrasing and keyword of the entry alone and
  averaged (square roots, so one strong phrasing is not drowned).  An entry whose every
  phrasing says 党费 and 比例 is about them; one that mentions them once in passing is less so.
* similarity: edit-distance likeness to the entry's closest phrasing (rapidfuzz), which also
  sees word order and the question words that coverage ignores (多少 against 怎么).
* keyword: how much of the question the entry's own keywords spell out.
* unexplained: the named things of the lexicon (八项规定, 事业单位, 离退休) the question
  mentions and the entry's text does not, and runs of three or more content characters the
  entry does not explain at all (结业证书 asked of the entry on 发展对象).  Such an entry may
  be suggested, never answered.
"""

from __future__ import annotations

import math
import re
from sys import intern
from collections import Counter
from collections.abc import Container, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from knowledge.index import grams, idf
from knowledge.lexicon import Lexicon
from knowledge.normalize import normalize
from knowledge.schema import Entry

#: Characters that frame a question rather than name its subject.
STOP_CHARS = frozenset(
    "的了吗呢啊么怎什如何哪几多少是否能可以要会该应请问我你他她们这那个些吧呀"
    "和与及或在有没不就都也还又被把给对从向到为啥咋嘛得着过一"
)
#: Weight of a character found only in the entry's answer, relative to one on its question side.
ANSWER_FACTOR = 0.5
#: Shortest run of content characters an entry must explain for the question to be answered by it.
MIN_FOREIGN_RUN = 3
#: How the score weighs the evidence (they sum to 1, so the score is in 0..1).  Chosen on the
#: regression set; the protocols of ``cadrebot kb eval --protocol`` only check them.
SCORE_WEIGHTS = {"coverage": 0.35, "consistency": 0.27, "similarity": 0.26, "keyword": 0.12}


# Where a question's first clause ends: 党费怎么交？每月什么时候交…
_FIRST_CLAUSE = re.compile(r"[？?！!。；;，,]")


@dataclass(frozen=True, slots=True)
class Profile:
    """An entry's canonical texts and bigrams, computed once when the base is indexed."""

    phrasings: tuple[str, ...]
    keywords: tuple[str, ...]
    question_grams: frozenset[str]  # question, alternates, keywords, category
    answer: str  # searched, not indexed per entry: a large base would hold millions of bigrams
    text: str  # everything the entry says, for "does it mention this term at all"
    #: The ways the admin wrote the question, word for word: each phrasing, and the question's
    #: first clause (党费怎么交 of 党费怎么交？每月什么时候交、交给谁？).
    as_written: frozenset[str] = frozenset()

    @classmethod
    def of(cls, entry: Entry, lexicon: Lexicon) -> Profile:
        def canon(text: str) -> str:
            return lexicon.canonicalize(normalize(text, None))

        phrasings = tuple(dict.fromkeys(p for p in map(canon, entry.phrasings) if p))
        keywords = tuple(dict.fromkeys(k for k in map(canon, entry.keywords) if k))
        category = canon(entry.category) if entry.category else ""
        # Interned: the same bigram is one object in every entry's set, not one per entry.
        question_grams = frozenset(intern(g) for t in (*phrasings, *keywords, category) for g in grams(t))
        answer = canon(entry.answer)
        text = "|".join((*phrasings, *keywords, category, answer))
        lead = canon(_FIRST_CLAUSE.split(entry.question, maxsplit=1)[0])
        return cls(phrasings, keywords, question_grams, answer, text, frozenset((*phrasings, lead)) - {""})

    @property
    def answer_grams(self) -> frozenset[str]:
        """The answer's bigrams not already on the question side (for the recall index)."""
        return frozenset(grams(self.answer)) - self.question_grams


class CharWeights:
    """How distinctive a character is in this base, 0..1: its idf over the entries' question
    sides relative to an unseen character's; 0 for function characters and symbols."""

    def __init__(self, profiles: Sequence[Profile]) -> None:
        self.n_docs = max(len(profiles), 1)
        self._df = Counter(c for p in profiles for c in set("".join((*p.phrasings, *p.keywords))))
        self._unseen = idf(0, self.n_docs)

    def __call__(self, char: str) -> float:
        if char in STOP_CHARS or not char.isalnum():
            return 0.0
        return idf(self._df.get(char, 0), self.n_docs) / self._unseen


@dataclass(frozen=True, slots=True)
class Query:
    """A canonical question: its text, its bigrams in order, what each character weighs."""

    text: str
    weights: tuple[float, ...]  # 0 for characters no entry explains
    total: float  # the weight the base can explain
    known_share: float  # that weight's share of the whole question's
    named: tuple[str, ...]  # the lexicon's named things it mentions
    #: Each distinct bigram (a lone character for a one-character query) -> a bitmask of the
    #: positions it covers; what an entry explains is the OR of the masks of the bigrams it knows.
    masks: dict[str, int] = field(default_factory=dict)
    _shares: dict[int, float] = field(default_factory=dict)  # memo: mask -> weighted share
    content: int = 0  # positions of characters that name something (function characters excluded)

    @classmethod
    def of(cls, text: str, weigh: CharWeights, lexicon: Lexicon, base_grams: Container[str]) -> Query:
        """``base_grams``: every bigram of the base, answers included."""
        masks: dict[str, int] = {}
        if len(text) == 1:
            masks[text] = 1
        for i in range(len(text) - 1):
            masks[text[i : i + 2]] = masks.get(text[i : i + 2], 0) | (0b11 << i)
        known = 0
        for gram, mask in masks.items():
            if gram in base_grams:
                known |= mask
        raw = [weigh(c) for c in text]
        weights = tuple(w if known >> i & 1 else 0.0 for i, w in enumerate(raw))
        total, everything = sum(weights), sum(raw)
        share = total / everything if everything else 0.0
        content = sum(1 << i for i, w in enumerate(raw) if w > 0)
        return cls(text, weights, total, share, lexicon.named_terms(text), masks, content=content)

    def explained_by(self, known: frozenset[str]) -> int:
        """The positions a set of bigrams explains, as a bitmask."""
        mask = 0
        for gram in known.intersection(self.masks):
            mask |= self.masks[gram]
        return mask

    def explained_in(self, text: str) -> int:
        """The positions the bigrams occurring in ``text`` explain, as a bitmask."""
        mask = 0
        for gram, positions in self.masks.items():
            if gram in text:
                mask |= positions
        return mask

    def share(self, mask: int) -> float:
        """The weighted share of the question the positions in ``mask`` make up."""
        found = self._shares.get(mask)
        if found is None:
            found = sum(w for i, w in enumerate(self.weights) if mask >> i & 1) / self.total if self.total else 0.0
            self._shares[mask] = found
        return found


@dataclass(frozen=True, slots=True)
class Evidence:
    """What one entry makes of one question; every figure in 0..1."""

    coverage: float  # question side at full weight, answer at ANSWER_FACTOR
    question_coverage: float  # question side only
    consistency: float
    similarity: float
    keyword: float
    unexplained: tuple[str, ...]  # named things of the question the entry lacks

    @property
    def score(self) -> float:
        """One number to rank by: how much of the question the entry explains, how consistently,
        and how its phrasings and keywords are worded."""
        return (
            SCORE_WEIGHTS["coverage"] * self.coverage + SCORE_WEIGHTS["consistency"] * self.consistency
            + SCORE_WEIGHTS["similarity"] * self.similarity + SCORE_WEIGHTS["keyword"] * self.keyword
        )


def weigh_evidence(query: Query, profile: Profile) -> Evidence:
    """The Evidence of ``profile`` for ``query``."""
    on_question = query.explained_by(profile.question_grams)
    in_answer = query.explained_in(profile.answer) & ~on_question
    question_share = query.share(on_question)
    return Evidence(
        coverage=question_share + ANSWER_FACTOR * query.share(in_answer),
        question_coverage=question_share,
        consistency=_consistency(query, profile),
        similarity=max((fuzz.ratio(query.text, p) for p in profile.phrasings), default=0.0) / 100.0,
        keyword=_keyword_share(query, profile.keywords),
        unexplained=tuple(t for t in query.named if t not in profile.text) + _runs(query, on_question | in_answer),
    )


def _runs(query: Query, explained: int) -> tuple[str, ...]:
    """Runs of at least MIN_FOREIGN_RUN content characters that nothing in the entry explains:
    a word that long (登记表, 结业证书, 登录密码) names a thing, and the entry does not know it.
    Shorter runs are mostly the way people ask (听完, 关掉), which must not stop an answer."""
    missing = query.content & ~explained
    out, start = [], None
    for i in range(len(query.text) + 1):
        if i < len(query.text) and missing >> i & 1:
            start = i if start is None else start
        else:
            if start is not None and i - start >= MIN_FOREIGN_RUN:
                out.append(query.text[start:i])
            start = None
    return tuple(out)


def _consistency(query: Query, profile: Profile) -> float:
    texts = (*profile.phrasings, *profile.keywords)
    if not texts or not query.total:
        return 0.0
    return sum(math.sqrt(query.share(query.explained_in(t))) for t in texts) / len(texts)


def _keyword_share(query: Query, keywords: Sequence[str]) -> float:
    """The weighted share of the question spelt out by the entry's keywords (each 2+ characters)."""
    if not query.total:
        return 0.0
    covered = 0
    for keyword in keywords:
        if len(keyword) < 2:
            continue
        start = query.text.find(keyword)
        while start >= 0:
            covered |= ((1 << len(keyword)) - 1) << start
            start = query.text.find(keyword, start + 1)
    return query.share(covered)
