"""Passages and sentences ranked on a small hand-made corpus."""

from __future__ import annotations

from article_bot.index.content import parse_article
from article_bot.index.query import build_query
from article_bot.index.question import read_question
from article_bot.index.retrieval import Retriever

ARTICLE = parse_article(
    "# Mining in the Andes\n\n"
    "Potosí produced silver for the Spanish crown. Its mines employed thousands.\n\n"
    "The Uyuni salt flat holds lithium. Companies from China and Europe want the lithium.\n\n"
    "Tin mining collapsed in 1985. Miners then moved to El Alto.\n\n"
    "Silver prices rose again in 2011.\n",
    slug="andes",
)
RETRIEVER = Retriever(ARTICLE.passages)


def ranked(question: str) -> list[str]:
    return [hit.text for hit in RETRIEVER.search(build_query(read_question(question)), k=3)]


def test_the_sentence_that_matches_the_question_ranks_first():
    assert ranked("Who wants the lithium?")[0] == "Companies from China and Europe want the lithium."
    assert ranked("When did tin mining collapse?")[0] == "Tin mining collapsed in 1985."
    assert ranked("What did Potosi produce?")[0] == "Potosí produced silver for the Spanish crown."


def test_exact_ranking_of_the_candidates():
    assert ranked("silver prices") == [
        "Silver prices rose again in 2011.",
        "Potosí produced silver for the Spanish crown.",
        "Its mines employed thousands.",
    ]


def test_sentences_given_as_extra_follow_the_best_ones_once_each():
    # The engine passes the sentences nearest the question in meaning: they are weighed too,
    # even if BM25 would not rank them, and never twice.
    query = build_query(read_question("silver prices"))
    texts = {hit.sentence_id: hit.text for hit in RETRIEVER.search(query, k=10)}
    first = RETRIEVER.search(query, k=1)[0]
    unmatched = next(f for f in RETRIEVER.facts if f.text == "Miners then moved to El Alto.")
    unmatched_id = RETRIEVER.facts.index(unmatched)
    assert unmatched_id not in texts  # shares no word with the question
    hits = RETRIEVER.search(query, k=1, extra=[first.sentence_id, unmatched_id, unmatched_id])
    assert [hit.text for hit in hits] == [
        "Silver prices rose again in 2011.",
        "Miners then moved to El Alto.",
    ]
    assert hits[1].score < hits[0].score


def test_nothing_matching_means_no_hits():
    assert RETRIEVER.search(build_query(read_question("Who won the football match?"))) == []
    assert RETRIEVER.search(build_query(read_question(""))) == []


def test_coverage_says_how_much_of_the_question_a_sentence_holds():
    full, *_ = RETRIEVER.search(build_query(read_question("Where is the salt flat?")))
    partial, *_ = RETRIEVER.search(build_query(read_question("Where is the salt mine of Bolivia?")))

    assert full.coverage == 1.0
    assert 0 < partial.coverage < 0.7


def test_a_name_the_passage_never_mentions_is_reported_missing():
    hit, *_ = RETRIEVER.search(build_query(read_question("What did Morales say about lithium?")))

    assert hit.missing_entities == ("moral",)


def test_a_name_in_the_previous_passage_or_the_title_is_not_missing():
    hit = RETRIEVER.search(build_query(read_question("Where did the Andes miners move?")))[0]

    assert hit.text == "Miners then moved to El Alto."
    assert hit.missing_entities == ()


def test_a_candidate_refers_to_its_sentence_analysed_when_indexed():
    hit = RETRIEVER.search(build_query(read_question("When did tin mining collapse?")))[0]

    assert hit.facts is RETRIEVER.facts[hit.sentence_id]
    assert hit.text == hit.facts.text == "Tin mining collapsed in 1985."
    assert hit.facts.dates == ("1985",)
