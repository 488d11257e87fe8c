"""The console's renderings of an answer: plain text and JSON, with `closest` and `span`."""

from __future__ import annotations

from article_bot.bot.texts import answer_json, answer_text
from article_bot.index.engine import Engine
from article_bot.index.model import Answer, Citation

KEYS = {"reply", "answer", "abstained", "citations"}
NOT_SAID = "The article doesn't say."


def test_an_abstention_that_came_close_names_the_passage(engine):
    answer = Answer(
        text="The article doesn't say.", abstained=True, hint="Ask me.", closest=engine.passage(4)
    )
    assert (
        answer_text(engine, answer) == "The article doesn't say. The closest the article comes is ¶4. Ask me."
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
    answer = Answer(text="The article doesn't say.", abstained=True, hint="Ask me.")
    assert answer_text(engine, answer) == "The article doesn't say. Ask me."
    assert set(answer_json(engine, answer)) == KEYS


def test_the_span_is_given_as_offsets_into_the_answer(engine):
    text = "Arce won 55.1 percent of the vote. [1]"
    answer = Answer(text, False, (Citation(1, engine.passage(2)),), span=(9, 21))
    result = answer_json(engine, answer)
    assert result["span"] == [9, 21]
    assert result["answer"][9:21] == "55.1 percent"
    assert "span" not in answer_json(engine, Answer(text, False, (Citation(1, engine.passage(2)),)))


def test_with_several_articles_the_closest_passage_names_its_article(tmp_path):
    (tmp_path / "north.md").write_text("# Northtown\n\nAlice Smith was re-elected mayor.\n", "utf-8")
    (tmp_path / "south.md").write_text("# Southtown\n\nCarol White opened the library.\n", "utf-8")
    engine = Engine.from_path(tmp_path)
    answer = Answer(text="The article doesn't say.", abstained=True, closest=engine.passage(1, article=2))
    expected = "The article doesn't say. The closest the article comes is Southtown ¶1."
    assert answer_text(engine, answer) == expected
    assert answer_json(engine, answer)["closest"]["article"] == "Southtown"
