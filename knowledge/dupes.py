"""Find questions that two different entries share almost word for word.

Two entries asked the same way cannot both be answered: the matcher sees a
tie and can only offer suggestions.  This is a warning, not an error, because
sometimes it is deliberate (a general and a specific entry).  Any phrasing
(question or alternate) identical to another entry's after normalisation is
reported, and canonical questions 90 % alike to another entry's question.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence

from rapidfuzz import fuzz

from knowledge.index import grams
from knowledge.normalize import normalize
from knowledge.schema import Entry, KbIssue

NEAR_DUPLICATE_RATIO = 90.0
# Strings 90 % alike by edit distance share about three quarters of their bigrams or more;
# candidates are pairs that may share that much, found without comparing every pair.
_MIN_SHARED_GRAMS = 0.75
# A prefix bigram shared by more questions than this is too common to single out duplicates;
# skipping it keeps the check near-linear on big bases at the cost of missing a few pairs.
_MAX_POSTINGS = 16

Phrasing = tuple[Entry, str, str]  # entry, text as written, normalised text


def near_duplicate_warnings(entries: Sequence[Entry], min_ratio: float = NEAR_DUPLICATE_RATIO) -> list[KbIssue]:
    """One warning per pair of entries asked (nearly) the same way."""
    phrasings = [(e, p, n) for e in entries for p in e.phrasings if (n := normalize(p, None))]
    reported: set[tuple[str, str]] = set()
    warnings: list[KbIssue] = []
    questions = [p for p in phrasings if p[1] == p[0].question]
    for first, second in [*_identical_pairs(phrasings), *_similar_pairs(questions, min_ratio)]:
        pair = (min(first[0].id, second[0].id), max(first[0].id, second[0].id))
        if pair not in reported:
            reported.add(pair)
            warnings.append(_warning(second, first))
    return sorted(warnings, key=lambda w: (w.file, w.line or 0, w.message))


def _identical_pairs(phrasings: Sequence[Phrasing]) -> list[tuple[Phrasing, Phrasing]]:
    first_seen: dict[str, Phrasing] = {}
    pairs = []
    for phrasing in phrasings:
        earlier = first_seen.setdefault(phrasing[2], phrasing)
        if earlier[0].id != phrasing[0].id:
            pairs.append((earlier, phrasing))
    return pairs


def _similar_pairs(phrasings: Sequence[Phrasing], min_ratio: float) -> list[tuple[Phrasing, Phrasing]]:
    """Pairs of phrasings of different entries at least ``min_ratio`` alike, by prefix filtering.

    Bigrams are ordered globally, rarest first; two texts sharing a share s of
    their bigrams must share one of the first len - ceil(s * len) + 1, so only
    those prefixes are compared.
    """
    gram_lists = [set(grams(n)) for _, _, n in phrasings]
    freq = Counter(g for gs in gram_lists for g in gs)
    rank = {g: r for r, g in enumerate(sorted(freq, key=lambda g: (freq[g], g)))}.__getitem__
    prefixes = [sorted(gs, key=rank)[: len(gs) - math.ceil(_MIN_SHARED_GRAMS * len(gs)) + 1] for gs in gram_lists]
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for index, prefix in enumerate(prefixes):
        for gram in prefix:
            by_prefix[gram].append(index)
    pairs = []
    for index, (entry, _, norm) in enumerate(phrasings):
        candidates = {q for g in prefixes[index] if len(ids := by_prefix[g]) <= _MAX_POSTINGS for q in ids if q > index}
        for q in sorted(candidates):
            other = phrasings[q]
            if other[0].id != entry.id and fuzz.ratio(other[2], norm, score_cutoff=min_ratio) and other[2] != norm:
                # (earlier, later) in file order, so the warning lands on the later entry
                pairs.append((other, phrasings[index]) if q < index else (phrasings[index], other))
    return pairs


def _warning(entry_phrasing: Phrasing, other_phrasing: Phrasing) -> KbIssue:
    entry, text, _ = entry_phrasing
    first, first_text, _ = other_phrasing
    return KbIssue(
        entry.file,
        entry.line,
        entry.id,
        f"phrasing {text!r} is nearly the same as {first_text!r} of {first.id} ({first.file}:{first.line});"
        " the matcher cannot tell them apart",
    )
