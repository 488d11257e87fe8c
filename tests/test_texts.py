"""The console's renderings of an answer: plain text and JSON, with `closest` and `span`."""

from __future__ import annotations

from dataclasses import replace

from article_bot.bot.texts import answer_json, answer_text, reply_text
from article_bot.index.answer import abstain
from article_bot.index.engine import Engine
from article_bot.index.model import Answer, Article, Citation, Quote, Said

KEYS = {"reply", "answer", "abstained", "citations"}
NOT_SAID = "The article doesn't say."


def test_an_abstention_that_came_close_names_the_passage(engine):
    answer = replace(abstain(engine.articles), closest=engine.passage(4))
    assert reply_text(engine, answer) == (
        "The article doesn't say. The closest the article comes is ¶4. I can answer questions about "
        "“Coup regime in Bolivia concedes electoral victory to MAS”."
    )
    result = answer_json(engine, answer)
    assert set(result) == KEYS | {"closest"}
    assert result["abstained"] is True and result["citations"] == [] and result["answer"] == ""
    assert result["closest"] == {
        "article": engine.articles[0].title,
        "passage": "¶4",
        "number": 4,
        "text": engine.passage(4).text,
    }


def test_a_far_off_abstention_has_no_closest(engine):
    answer = abstain(engine.articles)
    assert reply_text(engine, answer) == (
        "The article doesn't say. I can answer questions about "
        "“Coup regime in Bolivia concedes electoral victory to MAS”."
    )
    assert set(answer_json(engine, answer)) == KEYS


def test_the_span_is_given_as_offsets_into_the_answer(engine):
    cited = (Citation(1, engine.passage(1)), Citation(2, engine.passage(2)))
    quotes = (Quote("Morales was ousted.", 1), Quote("Arce won 55.1 percent of the vote.", 2, bold=(9, 21)))
    result = answer_json(engine, Answer(False, quotes, cited))
    assert result["answer"] == "Morales was ousted. [1] Arce won 55.1 percent of the vote. [2]"
    assert result["span"] == [33, 45]
    assert result["answer"][33:45] == "55.1 percent"
    plain = Answer(False, (Quote("Arce won 55.1 percent of the vote.", 1),), cited[1:])
    assert "span" not in answer_json(engine, plain)


def test_with_several_articles_the_closest_passage_names_its_article(tmp_path):
    (tmp_path / "north.md").write_text("# Northtown\n\nAlice Smith was re-elected mayor.\n", "utf-8")
    (tmp_path / "south.md").write_text("# Southtown\n\nCarol White opened the library.\n", "utf-8")
    engine = Engine.from_path(tmp_path)
    answer = replace(abstain(engine.articles), closest=engine.passage(1, article=2))
    expected = (
        "The article doesn't say. The closest the article comes is Southtown ¶1. "
        "I can answer questions about “Northtown”; “Southtown”."
    )
    assert reply_text(engine, answer) == expected
    assert answer_json(engine, answer)["closest"]["article"] == "Southtown"


def test_what_the_engine_says_in_its_own_words_is_worded_here():
    articles = [
        Article(f"a{n}", f"Title {n}", "Ann Lee" if n == 1 else None, None, None, ()) for n in range(1, 13)
    ]
    assert answer_text(Answer(True, said=Said.HELLO, about=tuple(articles[:2]))) == (
        "Hello! Ask me a question about “Title 1”; “Title 2” and I will answer from the article."
    )
    assert answer_text(abstain(articles[1:2], Said.NO_AUTHOR)) == "The article doesn't name its author."
    assert answer_text(abstain(articles, language="es")) == "El artículo no lo dice."
    listed = answer_text(Answer(False, said=Said.ARTICLES, about=tuple(articles))).splitlines()
    assert listed[0] == "I have 12 articles; ask about one of them:"
    assert listed[1] == "• “Title 1”, Ann Lee" and listed[2] == "• “Title 2”"
    assert listed[-1] == "and 2 more (/about lists them all)." and len(listed) == 12
