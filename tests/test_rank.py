"""The answer ranker: the features it reads, the trees it evaluates, how it picks what to quote."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from test_answer import ENGINE  # the three-passage article on mining in the Andes

from article_bot.index.content import parse_article
from article_bot.index.engine import Engine
from article_bot.index.errors import ArticleBotError
from article_bot.index.query import build_query
from article_bot.index.rank import FEATURES, Forest, features, forest, select


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


def test_every_candidate_is_described_by_every_feature():
    query = build_query("When did tin mining collapse?", ENGINE.acronyms)
    hits, closeness = ENGINE.candidates(query)

    rows = features(hits, query, closeness)

    assert len(rows) == len(hits) >= 2
    assert all(len(r) == len(FEATURES) for r in rows)
    first = dict(zip(FEATURES, rows[0], strict=True))
    assert first["is_first"] == 1.0 and first["score_share"] == 1.0
    assert first["asks_date"] == 1.0 and first["says_when"] == 1.0
    assert first["has_year"] == 1.0  # "Tin mining collapsed in 1985."


def test_the_sentence_closest_in_meaning_has_the_highest_closeness():
    query = build_query("Which metal did Potosi produce for the crown?", ENGINE.acronyms)

    hits, closeness = ENGINE.candidates(query)

    best = max(range(len(hits)), key=lambda i: closeness[i])
    assert hits[best].text == "Potosí produced silver for the Spanish crown."


def test_select_quotes_the_most_probable_and_abstains_below_the_threshold():
    query = build_query("When did tin mining collapse?", ENGINE.acronyms)
    hits, _ = ENGINE.candidates(query)
    dated = [i for i, hit in enumerate(hits) if "1985" in hit.text][0]
    probabilities = [0.2] * len(hits)
    probabilities[dated] = 0.7

    assert select(hits, probabilities, query, 0.5, 0.8, 0.9, 560) == [hits[dated]]
    assert select(hits, probabilities, query, 0.75, 0.8, 0.9, 560) == []


def test_select_adds_a_second_sentence_only_when_likely_and_short_enough():
    query = build_query("When did tin mining collapse?", ENGINE.acronyms)
    hits, _ = ENGINE.candidates(query)
    probabilities = [0.1] * len(hits)
    probabilities[0], probabilities[1] = 0.8, 0.6
    both = len(hits[0].text) + len(hits[1].text)

    assert select(hits, probabilities, query, 0.5, 0.8, 0.5, 560) == [hits[0], hits[1]]
    assert select(hits, probabilities, query, 0.5, 0.8, 0.7, 560) == [hits[0]]
    assert select(hits, probabilities, query, 0.5, 0.8, 0.5, both - 1) == [hits[0]]


def test_select_never_quotes_a_passage_that_lacks_a_name_asked_about():
    query = build_query("What did Morales say about lithium?", ENGINE.acronyms)
    hits, _ = ENGINE.candidates(query)

    assert hits and all(hit.missing_entities for hit in hits)
    assert select(hits, [0.99] * len(hits), query, 0.5, 0.8, 0.9, 560) == []


def test_a_candidate_lacking_what_is_asked_needs_the_higher_threshold():
    query = build_query("How many companies want lithium?", ENGINE.acronyms)
    hits, _ = ENGINE.candidates(query)
    lithium = [i for i, hit in enumerate(hits) if "Companies" in hit.text]
    probabilities = [0.0] * len(hits)
    probabilities[lithium[0]] = 0.7  # no number in it: doubtful

    assert select(hits, probabilities, query, 0.5, 0.8, 0.9, 560) == []
    probabilities[lithium[0]] = 0.85
    assert select(hits, probabilities, query, 0.5, 0.8, 0.9, 560) == [hits[lithium[0]]]


def test_a_count_of_something_else_needs_the_higher_threshold():
    article = parse_article(
        "# Strike\n\nHundreds of police guarded the mine at Oruro.\n\n"
        "About 4,000 miners work at Oruro, and 300 miners work at Huanuni.\n",
        slug="strike",
    )
    engine = Engine([article])
    query = build_query("How many miners work at Oruro?", engine.acronyms)
    hits, closeness = engine.candidates(query)
    rows = features(hits, query, closeness)
    column = FEATURES.index("lacks_the_count")
    lacks = {hit.text[:9]: row[column] for hit, row in zip(hits, rows, strict=True)}
    police = [i for i, hit in enumerate(hits) if "police" in hit.text]
    probabilities = [0.0] * len(hits)
    probabilities[police[0]] = 0.7  # a number, but of police

    assert lacks == {"Hundreds ": 1.0, "About 4,0": 0.0}
    assert select(hits, probabilities, query, 0.5, 0.8, 0.9, 560, rows) == []
    probabilities[police[0]] = 0.85
    assert select(hits, probabilities, query, 0.5, 0.8, 0.9, 560, rows) == [hits[police[0]]]


def test_a_question_that_counts_nothing_lacks_no_count():
    query = build_query("When did tin mining collapse?", ENGINE.acronyms)
    hits, closeness = ENGINE.candidates(query)

    rows = features(hits, query, closeness)

    assert not any(row[FEATURES.index("lacks_the_count")] for row in rows)


def test_why_prefers_a_close_candidate_that_gives_a_reason():
    article = parse_article(
        "# Strikes\n\nThe miners struck in May. They struck because wages fell.\n",
        slug="strikes",
    )
    engine = Engine([article])
    query = build_query("Why did the miners strike?", engine.acronyms)
    hits, _ = engine.candidates(query)
    probabilities = [0.9 if "May" in hit.text else 0.5 for hit in hits]

    chosen = select(hits, probabilities, query, 0.3, 0.3, 0.95, 560)

    assert [hit.text for hit in chosen] == ["They struck because wages fell."]


def test_the_bundled_ranker_loads_with_its_thresholds():
    model = forest()

    assert 0.0 < model.threshold_answer < 1.0
    assert 0.0 < model.threshold_second < 1.0
    assert model.feature.shape[0] >= 50  # trees
