"""The answer ranker: the features it reads, the trees it evaluates, how it picks what to quote.

Most tests ask of the `andes` fixture (tests/conftest.py): a three-passage article on mining in
the Andes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from article_bot.index import manifest
from article_bot.index.content import parse_article
from article_bot.index.engine import Engine
from article_bot.index.errors import ArticleBotError
from article_bot.index.question import read_question
from article_bot.index.rank import FEATURES, Admission, Forest, closest, decide, forest
from article_bot.index.retrieval import Hit


def write_forest(path: Path, trees: list[dict], baseline: float = 0.0, **extra: object) -> Path:
    model = {
        "features": list(FEATURES),
        "baseline": baseline,
        "depth": 2,
        "threshold_answer": 0.5,
        "threshold_doubtful": 0.8,
        "threshold_second": 0.9,
        "trees": trees,
        **extra,
    }
    path.write_text(json.dumps(model), encoding="utf-8")
    return path


def stump(feature: str, threshold: float, low: float, high: float) -> dict:
    """A tree of one test: value low when the feature is at most threshold, else high."""
    return {
        "feature": [FEATURES.index(feature), 0, 0],
        "threshold": [threshold, 0.0, 0.0],
        "left": [1, 0, 0],
        "right": [2, 0, 0],
        "leaf": [False, True, True],
        "value": [0.0, low, high],
    }


def row(**values: float) -> list[float]:
    out = [0.0] * len(FEATURES)
    for name, value in values.items():
        out[FEATURES.index(name)] = value
    return out


def sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def candidates(engine: Engine, question: str) -> tuple[list[Hit], list[list[float]], list[Admission]]:
    """Return a question's candidates, their feature rows and what rank.decide reads of them."""
    weighing = engine.weigh(engine.query(read_question(question)))
    admissions = [c.admission for c in weighing.candidates if c.admission is not None]
    return weighing.hits, [list(r) for r in weighing.rows], admissions


def select(
    engine: Engine, question: str, probabilities: list[float], *thresholds: float, max_chars: int = 560
) -> list[str]:
    """Return the sentences rank.decide quotes, given each candidate's probability."""
    hits, _, admissions = candidates(engine, question)
    lengths = [len(e.text) for e in engine.weigh(engine.query(read_question(question))).excerpts]
    return [hits[i].text for i in decide(admissions, probabilities, lengths, *thresholds, max_chars)]


def texts(engine: Engine, question: str) -> list[str]:
    return [hit.text for hit in candidates(engine, question)[0]]


def test_the_forest_adds_each_trees_leaf_to_the_baseline(tmp_path: Path):
    model = Forest.load(
        write_forest(
            tmp_path / "f.json",
            [stump("sentence_coverage", 0.5, -1.0, 2.0), stump("closeness", 0.3, -0.5, 0.5)],
            baseline=0.25,
        )
    )

    probabilities = model.probabilities(
        [
            row(sentence_coverage=0.9, closeness=0.9),
            row(sentence_coverage=0.1, closeness=0.9),
            row(sentence_coverage=0.5, closeness=0.3),  # at the threshold goes left
        ]
    )

    assert probabilities == pytest.approx([sigmoid(2.75), sigmoid(-0.25), sigmoid(-1.25)])
    assert model.probabilities([]) == []


def test_a_forest_for_other_features_or_a_broken_file_is_a_clear_error(tmp_path: Path):
    other = write_forest(tmp_path / "other.json", [stump("closeness", 0.3, 0.0, 1.0)])
    model = json.loads(other.read_text())
    model["features"] = model["features"][:-1]
    other.write_text(json.dumps(model))
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")

    for path in (other, broken, tmp_path / "missing.json"):
        with pytest.raises(ArticleBotError, match="cannot load the answer ranker") as error:
            Forest.load(path)
        assert str(path) in str(error.value) and "\n" not in str(error.value)


def test_every_candidate_is_described_by_every_feature(andes):
    hits, rows, _ = candidates(andes, "When did tin mining collapse?")

    assert len(rows) == len(hits) >= 2
    assert all(len(r) == len(FEATURES) for r in rows)
    first = dict(zip(FEATURES, rows[0], strict=True))
    assert first["is_first"] == 1.0 and first["score_share"] == 1.0
    assert first["asks_date"] == 1.0 and first["says_when"] == 1.0
    assert first["has_year"] == 1.0  # "Tin mining collapsed in 1985."


def test_each_candidate_is_described_in_its_place_among_its_neighbours(andes):
    weighing = andes.weigh(
        andes.query(read_question("Which metal did Potosi produce for the Spanish crown?"))
    )
    described = {
        hit.text: dict(zip(FEATURES, r, strict=True))
        for hit, r in zip(weighing.hits, weighing.rows, strict=True)
    }
    restating = described["Potosí produced silver for the Spanish crown."]
    following = described["Its mines employed thousands."]

    # The sentence after the one that restates the question refers back to it ("Its mines").
    assert following["opens_referring"] == 1.0 and restating["opens_referring"] == 0.0
    assert restating["next_opens_referring"] == 1.0 and following["next_opens_referring"] == 0.0
    # What the sentence before holds of the question: none for a passage's first sentence.
    assert restating["previous_coverage"] == 0.0 and restating["previous_closeness"] == 0.0
    assert following["previous_coverage"] == restating["sentence_coverage"] > 0.5
    assert following["with_previous_coverage"] >= following["previous_coverage"]
    # ... and the sentence after: none for a passage's last.
    assert restating["next_closeness"] > 0.0 and following["next_closeness"] == 0.0
    assert following["previous_closeness"] == pytest.approx(restating["closeness"])


def test_the_sentence_closest_in_meaning_has_the_highest_closeness(andes):
    hits, closeness = andes.candidates(
        andes.query(read_question("Which metal did Potosi produce for the crown?"))
    )

    for every in closeness:  # the model's own, then the tuned one
        best = max(hits, key=lambda hit: every[hit.sentence_id])
        assert best.text == "Potosí produced silver for the Spanish crown."
        assert len(every) == 6  # every sentence of the article has its closeness


def test_the_most_probable_is_quoted_and_none_below_the_threshold(andes):
    question = "When did tin mining collapse?"
    found = texts(andes, question)
    probabilities = [0.7 if "1985" in text else 0.2 for text in found]

    assert select(andes, question, probabilities, 0.5, 0.8, 0.9) == ["Tin mining collapsed in 1985."]
    assert select(andes, question, probabilities, 0.75, 0.8, 0.9) == []


def test_a_second_sentence_is_added_only_when_likely_and_short_enough(andes):
    question = "When did tin mining collapse?"
    found = texts(andes, question)
    probabilities = [0.8, 0.6] + [0.1] * (len(found) - 2)
    both = len(found[0]) + len(found[1])

    assert select(andes, question, probabilities, 0.5, 0.8, 0.5) == found[:2]
    assert select(andes, question, probabilities, 0.5, 0.8, 0.7) == found[:1]
    assert select(andes, question, probabilities, 0.5, 0.8, 0.5, max_chars=both - 1) == found[:1]


def test_a_passage_that_lacks_a_name_asked_about_is_never_quoted(andes):
    question = "What did Morales say about lithium?"
    hits, _, _ = candidates(andes, question)

    assert hits and all(hit.missing_entities for hit in hits)
    assert select(andes, question, [0.99] * len(hits), 0.5, 0.8, 0.9) == []


def test_a_candidate_lacking_what_is_asked_needs_the_higher_threshold(andes):
    question = "How many companies want lithium?"
    companies = "Companies from China and Europe want the lithium."
    found = texts(andes, question)

    # No number in it: doubtful.
    assert select(andes, question, [0.7 if t == companies else 0.0 for t in found], 0.5, 0.8, 0.9) == []
    assert select(andes, question, [0.85 if t == companies else 0.0 for t in found], 0.5, 0.8, 0.9) == [
        companies
    ]


def test_a_count_of_something_else_needs_the_higher_threshold():
    article = parse_article(
        "# Strike\n\nHundreds of police guarded the mine at Oruro.\n\n"
        "About 4,000 miners work at Oruro, and 300 miners work at Huanuni.\n",
        slug="strike",
    )
    engine = Engine([article])
    question = "How many miners work at Oruro?"
    hits, rows, _ = candidates(engine, question)
    column = FEATURES.index("lacks_the_count")
    lacks = {hit.text[:9]: row[column] for hit, row in zip(hits, rows, strict=True)}
    police = "Hundreds of police guarded the mine at Oruro."

    assert lacks == {"Hundreds ": 1.0, "About 4,0": 0.0}
    # A number, but of police.
    assert select(engine, question, [0.7 if h.text == police else 0.0 for h in hits], 0.5, 0.8, 0.9) == []
    assert select(engine, question, [0.85 if h.text == police else 0.0 for h in hits], 0.5, 0.8, 0.9) == [
        police
    ]


def test_a_question_that_counts_nothing_lacks_no_count(andes):
    _, rows, _ = candidates(andes, "When did tin mining collapse?")

    assert not any(row[FEATURES.index("lacks_the_count")] for row in rows)


def test_why_prefers_a_close_candidate_that_gives_a_reason():
    article = parse_article(
        "# Strikes\n\nThe miners struck in May. They struck because wages fell.\n",
        slug="strikes",
    )
    engine = Engine([article])
    question = "Why did the miners strike?"
    probabilities = [0.9 if "May" in text else 0.5 for text in texts(engine, question)]

    assert select(engine, question, probabilities, 0.3, 0.3, 0.95) == ["They struck because wages fell."]


def test_the_bundled_ranker_loads_with_its_thresholds():
    model = forest()

    assert 0.0 < model.threshold_answer < 1.0
    assert 0.0 < model.threshold_second < 1.0
    assert model.feature.shape[0] >= 50  # trees


def test_the_closest_candidate_is_the_most_probable_admissible_one_from_its_threshold(andes):
    question = "What did Morales say about lithium?"  # every passage lacks Morales
    hits, _, admissions = candidates(andes, question)
    found, _, tin = candidates(andes, "When did tin mining collapse?")
    probabilities = [0.4 if "1985" in hit.text else 0.1 for hit in found]

    assert found[closest(tin, probabilities, 0.3)].text == "Tin mining collapsed in 1985."
    assert closest(tin, probabilities, 0.5) is None
    assert closest(admissions, [0.99] * len(hits), 0.3) is None  # a vetoed candidate is never pointed to


def test_the_bundled_forest_is_checked_against_the_manifest(tmp_path: Path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "ranker.json").write_text("{}")
    (folder / "MANIFEST.json").write_text(json.dumps({"files": {"ranker.json": {"sha256": "0" * 64}}}))
    monkeypatch.setattr(manifest, "bundled", lambda: manifest.Manifest(folder))

    with pytest.raises(ArticleBotError, match="ranker.json: its content is not the one in MANIFEST.json"):
        Forest.load()


def test_the_bundled_forest_points_to_a_passage_from_below_its_answering_threshold():
    model = forest()

    assert 0.0 < model.threshold_closest < model.threshold_answer


def test_what_decide_reads_of_a_candidate_is_what_its_feature_row_says(andes):
    weighing = andes.weigh(andes.query(read_question("What did Morales say about lithium?")))

    assert weighing.candidates
    for candidate in weighing.candidates:
        assert candidate.admission == Admission.from_row(candidate.row)
