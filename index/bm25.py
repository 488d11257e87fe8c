"""BM25 ranking over rank-bm25's corpus statistics, with the IDF that stays positive."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
from rank_bm25 import BM25Okapi


def positive_idf(documents: int, frequency: int) -> float:
    """Return log(1 + (N - df + 0.5) / (df + 0.5)): Okapi's IDF kept above zero, as Lucene's is.

    rank-bm25's BM25Okapi gives log((N - df + 0.5) / (df + 0.5)), which is zero or negative for a
    term in half or more of the documents; on one article's 30 paragraphs that is the article's
    main names ("Morales" is in a third of them), and its epsilon floor ranks such a term below any
    rare word. This one keeps the order of rarity, and no rank-bm25 class computes it (BM25Plus
    and BM25L change the term-frequency part as well), so it is computed here from the document
    frequencies and the scores from rank-bm25's public statistics (doc_freqs, doc_len, avgdl).
    """
    return math.log(1.0 + (documents - frequency + 0.5) / (frequency + 0.5))


class BM25Index:
    """A BM25 index over tokenised documents that scores one query term at a time."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        """Index documents (lists of terms); k1 and b are the usual BM25 parameters."""
        self.size = len(documents)
        self.k1, self.b = k1, b
        # rank-bm25 divides by the average length: an all-empty corpus would divide by zero.
        safe = [list(doc) if doc else [""] for doc in documents] or [[""]]
        statistics = BM25Okapi(safe, k1=k1, b=b)
        self._frequencies = statistics.doc_freqs
        self._lengths = np.asarray(statistics.doc_len, dtype=float)
        self._average_length = statistics.avgdl
        self._postings: dict[str, list[int]] = {}
        for doc_id, doc in enumerate(documents):
            for term in set(doc):
                self._postings.setdefault(term, []).append(doc_id)
        corpus = statistics.corpus_size
        self._idf = {term: positive_idf(corpus, len(docs)) for term, docs in self._postings.items()}
        self.unseen_idf = positive_idf(self.size, 0)

    def idf(self, term: str) -> float:
        """Return the term's IDF, or the IDF an unseen term would have."""
        return self._idf.get(term, self.unseen_idf)

    def document_frequency(self, term: str) -> int:
        """Return how many documents contain the term."""
        return len(self._postings.get(term, ()))

    def documents(self, term: str) -> Sequence[int]:
        """Return the documents that contain the term, in order."""
        return self._postings.get(term, ())

    def term_scores(self, term: str, within: Iterable[int] | None = None) -> dict[int, float]:
        """Return the term's BM25 contribution for each document containing it (optionally a subset)."""
        postings = self._postings.get(term)
        if not postings:
            return {}
        if within is not None:
            allowed = set(within)
            postings = [doc for doc in postings if doc in allowed]
            if not postings:
                return {}
        # One term per call: a term repeated in the query would otherwise count twice. The
        # arithmetic is rank-bm25's get_batch_scores, in its order, so the scores are its own.
        frequency = np.array([self._frequencies[doc][term] for doc in postings])
        length = self._lengths[postings]
        k1, b = self.k1, self.b
        scores = self._idf[term] * (
            frequency * (k1 + 1) / (frequency + k1 * (1 - b + b * length / self._average_length))
        )
        return dict(zip(postings, scores.tolist(), strict=True))
