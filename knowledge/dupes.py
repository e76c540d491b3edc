"""Find phrasings that two different entries share almost word for word.

Two entries asked the same way cannot both be answered: the matcher sees a
tie and can only offer suggestions.  This is a warning, not an error, because
sometimes it is deliberate (a general and a specific entry).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence

from rapidfuzz import fuzz

from knowledge.index import grams
from knowledge.normalize import normalize
from knowledge.schema import Entry, KbIssue

NEAR_DUPLICATE_RATIO = 90.0
# Strings 90 % alike by edit distance share about three quarters of their bigrams or more;
# candidates are pairs that may share that much, found without comparing every pair.
_MIN_SHARED_GRAMS = 0.75
# A prefix bigram shared by more phrasings than this is too common to single out duplicates;
# skipping it keeps the check near-linear on big bases at the cost of missing a few pairs.
_MAX_POSTINGS = 16


def near_duplicate_warnings(entries: Sequence[Entry], min_ratio: float = NEAR_DUPLICATE_RATIO) -> list[KbIssue]:
    """One warning per pair of entries with a question/alternate at least ``min_ratio`` alike."""
    phrasings = [(e, p, n) for e in entries for p in e.phrasings if (n := normalize(p, None))]
    reported: set[tuple[str, str]] = set()
    warnings: list[KbIssue] = []
    owners = [e.id for e, _, _ in phrasings]
    for i, j in _candidate_pairs([n for _, _, n in phrasings], owners, min_ratio):
        (first, first_text, first_norm), (entry, text, norm) = phrasings[i], phrasings[j]
        pair = (min(first.id, entry.id), max(first.id, entry.id))
        if pair not in reported and fuzz.ratio(first_norm, norm, score_cutoff=min_ratio):
            reported.add(pair)
            warnings.append(_warning(entry, text, first, first_text))
    return sorted(warnings, key=lambda w: (w.file, w.line or 0, w.message))


def _candidate_pairs(texts: Sequence[str], owners: Sequence[str], min_ratio: float) -> Iterator[tuple[int, int]]:
    """Pairs (i < j) of different owners that may be ``min_ratio`` alike; a pair may repeat.

    Each text's bigrams are ordered globally (rarest first); two texts sharing
    at least a share s of their bigrams must share one of the first
    len - ceil(s * len) + 1 of them, so only those prefixes are indexed.
    """
    gram_sets = [set(grams(t)) for t in texts]
    freq = Counter(g for gs in gram_sets for g in gs)
    rank = {g: r for r, g in enumerate(sorted(freq, key=lambda g: (freq[g], g)))}
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for index, gram_set in enumerate(gram_sets):
        ordered = sorted(gram_set, key=rank.__getitem__)
        for gram in ordered[: len(ordered) - math.ceil(_MIN_SHARED_GRAMS * len(ordered)) + 1]:
            by_prefix[gram].append(index)
    lengths = [len(t) for t in texts]
    # ratio = 2 * matches / (len_a + len_b) <= 2 * shorter / (len_a + len_b)
    for ids in by_prefix.values():
        if len(ids) > _MAX_POSTINGS:
            continue
        for k, a in enumerate(ids):
            for b in ids[k + 1 :]:
                la, lb = lengths[a], lengths[b]
                if owners[a] != owners[b] and 200.0 * (la if la < lb else lb) >= min_ratio * (la + lb):
                    yield a, b


def _warning(entry: Entry, text: str, first: Entry, first_text: str) -> KbIssue:
    return KbIssue(
        entry.file,
        entry.line,
        entry.id,
        f"phrasing {text!r} is nearly the same as {first_text!r} of {first.id} ({first.file}:{first.line});"
        " the matcher cannot tell them apart",
    )
