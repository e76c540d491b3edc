"""Character-bigram inverted index with BM25 ranking: the recall stage of the matcher.

Chinese has no spaces, and word segmentation adds errors without adding
accuracy on short FAQ questions, so the unit is the character bigram
(党费 / 费怎 / 怎么 / 么交).  Postings are numpy arrays with the BM25 weight of
each (bigram, entry) pair precomputed, so a query costs one ``bincount`` over
the postings of its few bigrams, however large the base.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from itertools import repeat

import numpy as np

K1 = 1.2
B = 0.5  # moderate length normalisation: many alternates should not bury an entry


def grams(text: str) -> list[str]:
    """Character bigrams of a normalised text; a single character stands for itself."""
    if len(text) < 2:
        return [text] if text else []
    return [text[i : i + 2] for i in range(len(text) - 1)]


def idf(doc_freq: int, n_docs: int) -> float:
    """BM25's idf, kept positive; an unseen gram gets the largest value."""
    return math.log(1.0 + (n_docs - doc_freq + 0.5) / (doc_freq + 0.5))


class BigramIndex:
    """BM25 over one bag of bigrams per entry (binary term frequency: short texts repeat little)."""

    def __init__(self, docs: Iterable[Iterable[str]]) -> None:
        gram_ids: dict[str, int] = {}
        # Postings as compact int32 arrays, not lists: a 10,000-entry base has millions of them.
        rows = array("i")  # gram id of each posting
        cols = array("i")  # doc id of each posting
        lengths = []
        for doc_id, doc in enumerate(docs):
            unique = set(doc)
            lengths.append(len(unique))
            rows.extend(gram_ids.setdefault(gram, len(gram_ids)) for gram in unique)
            cols.extend(repeat(doc_id, len(unique)))
        self.n_docs = len(lengths)
        self._gram_ids = gram_ids
        self._build_postings(np.frombuffer(rows, dtype=np.int32), np.frombuffer(cols, dtype=np.int32), lengths)

    def _build_postings(self, rows: np.ndarray, cols: np.ndarray, lengths: list[int]) -> None:
        """Postings sorted by gram, with each (gram, doc) BM25 weight computed in one vectorised pass."""
        n_grams = len(self._gram_ids)
        order = np.argsort(rows, kind="stable")
        rows, self._docs = rows[order], cols[order]
        freq = np.bincount(rows, minlength=n_grams)
        self.doc_freq: dict[str, int] = dict(zip(self._gram_ids, freq.tolist(), strict=True))
        doc_lengths = np.array(lengths, dtype=np.float64)
        average = max(float(doc_lengths.mean()) if self.n_docs else 1.0, 1.0)
        saturation = (K1 + 1.0) / (1.0 + K1 * (1.0 - B + B * doc_lengths / average))
        gram_idf = np.log1p((self.n_docs - freq + 0.5) / (freq + 0.5))
        self._weights = (saturation[self._docs] * gram_idf[rows]).astype(np.float32)
        self._starts = np.concatenate([[0], np.cumsum(freq)]).astype(np.int64)

    def idf(self, gram: str) -> float:
        return idf(self.doc_freq.get(gram, 0), self.n_docs)

    def search(self, query_grams: Iterable[str], limit: int) -> list[tuple[int, float]]:
        """Up to ``limit`` (entry index, BM25 score) pairs, best first; entries sharing no gram are left out."""
        found = [i for g in set(query_grams) if (i := self._gram_ids.get(g)) is not None]
        spans = [(self._starts[i], self._starts[i + 1]) for i in found]
        if not spans:
            return []
        ids = np.concatenate([self._docs[a:b] for a, b in spans])
        weights = np.concatenate([self._weights[a:b] for a, b in spans])
        scores = np.bincount(ids, weights=weights, minlength=self.n_docs)
        matched = np.flatnonzero(scores)
        if len(matched) > limit:
            matched = matched[np.argpartition(-scores[matched], limit - 1)[:limit]]
        order = matched[np.argsort(-scores[matched], kind="stable")]
        return [(int(i), float(scores[i])) for i in order]
