"""BM25 ranking on a hand-made corpus: exact orders and scores, and rank-bm25's pitfalls handled."""

from __future__ import annotations

import math

import pytest
from rank_bm25 import BM25Okapi

from article_bot.index.bm25 import BM25Index

CORPUS = [
    ["morales", "coup", "bolivia"],  # 0
    ["arce", "win", "elect", "bolivia"],  # 1
    ["mesa", "lose", "elect", "bolivia"],  # 2
    ["arce", "arce", "economi", "minist", "bolivia"],  # 3
    ["lithium", "reserv", "bolivia"],  # 4
]


def reference_score(term: str, doc: int, k1: float = 1.2, b: float = 0.75) -> float:
    """Okapi BM25 written out, with the positive IDF log(1 + (N - df + .5) / (df + .5))."""
    n = len(CORPUS)
    df = sum(term in document for document in CORPUS)
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    tf = CORPUS[doc].count(term)
    average = sum(len(document) for document in CORPUS) / n
    return idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(CORPUS[doc]) / average))


@pytest.fixture(scope="module")
def index() -> BM25Index:
    return BM25Index(CORPUS)


def search(index: BM25Index, weights: dict[str, float], k: int) -> list[tuple[int, float]]:
    """Return the k best (document, score) pairs for weighted terms, as the retriever adds them."""
    totals: dict[int, float] = {}
    for term, weight in weights.items():
        for doc, score in index.term_scores(term).items():
            totals[doc] = totals.get(doc, 0.0) + weight * score
    ranked = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [(doc, score) for doc, score in ranked[:k] if score > 0]


def ranking(results: list[tuple[int, float]]) -> list[int]:
    return [doc for doc, _ in results]


def test_exact_ranking_for_a_two_term_query(index):
    results = search(index, {"elect": 1.0, "win": 1.0}, k=5)

    assert ranking(results) == [1, 2]
    assert results[0][1] == pytest.approx(reference_score("elect", 1) + reference_score("win", 1))
    assert results[1][1] == pytest.approx(reference_score("elect", 2))


def test_term_frequency_saturates_against_a_longer_document(index):
    results = search(index, {"arce": 1.0}, k=5)

    # Doc 3 says "arce" twice but is longer; with k1=1.2, b=0.75 twice still wins.
    assert ranking(results) == [3, 1]
    assert [score for _, score in results] == pytest.approx(
        [reference_score("arce", 3), reference_score("arce", 1)]
    )


def test_a_term_in_every_document_still_counts(index):
    assert index.idf("bolivia") > 0
    results = search(index, {"bolivia": 1.0}, k=5)

    # Shorter documents first; equal scores in document order.
    assert ranking(results) == [0, 4, 1, 2, 3]
    assert all(score > 0 for _, score in results)


def test_a_common_term_still_breaks_a_tie(index):
    # "elect" alone ties docs 1 and 2; "lose" only appears in doc 2.
    assert ranking(search(index, {"elect": 1.0, "bolivia": 1.0, "lose": 0.1}, k=5))[0] == 2


def test_rarer_terms_weigh_more(index):
    assert index.idf("lithium") > index.idf("arce") > index.idf("bolivia")
    assert index.idf("never-seen") == index.unseen_idf > index.idf("lithium")


def test_a_repeated_query_term_does_not_count_twice(index):
    # rank-bm25 scores a query list term by term, so ["arce", "arce"] doubles "arce";
    # through weights a term is scored once and counts only as much as its weight.
    once = dict(search(index, {"arce": 1.0}, k=5))
    doubled = dict(search(index, {"arce": 2.0}, k=5))
    with_other = search(index, {"arce": 1.0, "elect": 1.0}, k=5)

    assert once[3] == pytest.approx(reference_score("arce", 3))
    assert doubled[3] == pytest.approx(2 * once[3])
    # Doc 1 has "arce" and "elect": it overtakes doc 3, which has "arce" twice.
    assert ranking(with_other) == [1, 3, 2]
    assert index.term_scores("arce") == pytest.approx({1: once[1], 3: once[3]})


def test_scores_can_be_restricted_to_some_documents(index):
    assert index.term_scores("bolivia", within=[2, 4]).keys() == {2, 4}
    assert index.term_scores("arce", within=[0, 2]) == {}


def test_k_limits_the_results(index):
    assert ranking(search(index, {"bolivia": 1.0}, k=2)) == [0, 4]


def test_no_match_returns_nothing(index):
    assert search(index, {"zebra": 1.0}, k=5) == []
    assert search(index, {}, k=5) == []
    assert index.term_scores("zebra") == {}


def test_b_zero_ignores_document_length():
    flat = BM25Index(CORPUS, b=0.0)

    results = search(flat, {"bolivia": 1.0}, k=5)

    assert ranking(results) == [0, 1, 2, 3, 4]
    assert len({round(score, 12) for _, score in results}) == 1


def test_document_frequency(index):
    assert index.document_frequency("bolivia") == 5
    assert index.document_frequency("arce") == 2
    assert index.document_frequency("zebra") == 0


def test_empty_corpus_and_empty_documents_do_not_crash():
    assert search(BM25Index([]), {"anything": 1.0}, k=3) == []

    sparse = BM25Index([[], ["arce"], []])

    assert ranking(search(sparse, {"arce": 1.0}, k=3)) == [1]
    assert search(sparse, {"": 1.0}, k=3) == []


def test_scores_are_rank_bm25s_with_the_positive_idf(index):
    # "lithium" is in one document of five: rank-bm25's own IDF is positive there, and its
    # score over that IDF is the term-frequency part, which must be ours.
    okapi = BM25Okapi(CORPUS, k1=1.2, b=0.75)
    theirs = okapi.get_batch_scores(["lithium"], [4])[0] / okapi.idf["lithium"]

    assert index.term_scores("lithium")[4] / index.idf("lithium") == pytest.approx(theirs, rel=1e-12)
