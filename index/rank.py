"""Weigh the candidate sentences: how likely each one is to hold the answer to the question.

The retriever proposes candidates by their words; this module describes each candidate by the
signals the rest of `index/` computes (BM25 scores and coverage in `retrieval.py`, the rules of
`signals.py` and the hand-written chooser built on them, what the analysed question and sentence
hold, the two meaning-closenesses of `embed.py`) and a forest of small decision trees
(`data/ranker.json`, trained by `tools/train_ranker.py`) turns those signals into a probability.
The best candidate is quoted when its probability reaches the model's threshold; otherwise the bot
says the article doesn't say.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import manifest
from .answer import Excerpt, excerpt
from .embed import Closeness
from .errors import ArticleBotError
from .lexicon import REFERRING_OPENINGS, SAID_QUESTION_WORDS
from .query import Query, TermGroup
from .retrieval import Hit, Retriever, coverage
from .signals import Signals, assess, rules_choice

ANSWER_TYPES = ("number", "date", "person", "place", "reason", "identity", "speech", None)

FEATURES = (
    "bias",
    "score_share",  # the candidate's retrieval score over the best's
    "is_first",
    "log_rank",
    "sentence_coverage",
    "coverage",
    "names_missing",
    "matches_predicate",
    "names_the_same",
    "agrees_in_polarity",
    "has_answer_type",
    "new_information",
    "question_negated",
    "log_length",
    "log_new_terms",
    "same_passage_as_best",
    "gives_reason",
    "describes",
    "log_new_names",
    "shared_bigrams",
    "log_best_score",
    "log_score",
    "position_in_passage",
    "closeness",  # cosine of question and sentence vectors
    "closeness_gap",  # ... minus the best candidate's
    "log_asked_groups",
    "asked_terms_spread",
    "second_score_share",
    "best_sentence_coverage",
    "first_sentence_coverage",
    "has_digit",
    "has_year",
    "has_month_or_era",
    "has_quote",
    "asked_term_density",
    "coverage_gap",
    "opens_passage",
    "rules_first",  # what signals.rules_choice(), the hand-written rules, would quote first
    "rules_second",  # ... and second
    "lacks_the_count",  # asked "how many troops", it has no number followed by "troops"
    # How much of the question the article holds at all (an off-topic question shares a word or
    # two with it, rarely its names and its predicate): IDF-weighted shares of the asked terms.
    "article_coverage",  # ... of all the asked groups, anywhere in the article
    "article_predicate_coverage",  # ... of its predicate (the asked groups that are not names)
    "log_unknown_groups",  # asked groups of which the article has no term
    "names_unknown",  # share of the names asked about that the article never mentions
    "passage_predicate_coverage",  # the predicate's share in the candidate's passage
    "sentence_predicate_coverage",  # ... and in the sentence itself
    "says_nothing_of_what_it_is",  # asked "What is X?", it does not say what X is (a veto)
    # The sentence in its place: an answer often follows the sentence that restates the question
    # ("After complement proteins bind ..., they activate ..." then "This produces a catalytic
    # cascade"). IDF-weighted shares of the asked groups, within the candidate's passage.
    "previous_coverage",  # ... in the sentence before it (0 for a passage's first)
    "with_previous_coverage",  # ... in that sentence and this one together
    "next_coverage",  # ... in the sentence after it (0 for a passage's last)
    "opens_referring",  # it opens by referring back: "This", "These proteins", "It", "Such"
    "next_opens_referring",  # ... and the sentence after it does
    "previous_closeness",  # cosine of the question and the sentence before it (0 for none)
    "next_closeness",  # ... and the sentence after it
    *(f"asks_{kind or 'other'}" for kind in ANSWER_TYPES),
    *(f"says_{word}" for word in SAID_QUESTION_WORDS),
    # The tuned model's closeness (embed.Vectors.tuned): it was taught on SQuAD's training
    # articles which sentence answers a question, so it knows paraphrase better than the model's
    # own, but it was never shown a question its article cannot answer; the trees weigh the two.
    "tuned_closeness",  # cosine of question and sentence vectors, tuned
    "tuned_gap",  # ... minus the best candidate's
    "tuned_z",  # (... − the mean over the article's sentences) / their deviation
)


@dataclass(frozen=True)
class Admission:
    """What rank.decide reads of a candidate: the facts its vetoes (VETOES) and its preferences
    test, named as the feature columns that hold them."""

    names_missing: bool  # its passage lacks a name asked about
    names_the_same: bool
    agrees_in_polarity: bool
    says_nothing_of_what_it_is: bool
    has_answer_type: bool
    lacks_the_count: bool
    gives_reason: bool
    describes: bool

    @classmethod
    def of(cls, hit: Hit, signals: Signals) -> Admission:
        """Return what decide reads of a candidate, from its hit and its signals."""
        return cls(
            names_missing=bool(hit.missing_entities),
            names_the_same=signals.names_the_same,
            agrees_in_polarity=signals.agrees_in_polarity,
            says_nothing_of_what_it_is=not signals.says_what_it_is,
            has_answer_type=signals.has_answer_type,
            lacks_the_count=signals.lacks_the_count,
            gives_reason=signals.gives_reason,
            describes=signals.describes,
        )

    @classmethod
    def from_row(cls, row: Sequence[float]) -> Admission:
        """Return what decide reads of a candidate from its feature row alone, as
        tools/train_ranker.py stores candidates (the engine builds it with Admission.of)."""
        return cls(**{name: bool(row[FEATURES.index(name)]) for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class Candidate:
    """A sentence the engine weighs for a question: where it is and how well it matches (hit),
    what it would quote (excerpt), its feature row for the ranker (a view of the rest) and what
    rank.decide reads of it (None when weighed across languages, by crosslingual.py)."""

    hit: Hit
    excerpt: Excerpt
    row: tuple[float, ...]
    admission: Admission | None = None


@dataclass(frozen=True)
class Decision:
    """What to do with a question's candidates (by index): quote chosen (none, one or two, the
    most probable first), or, quoting none, point to closest (if one came close)."""

    chosen: tuple[int, ...] = ()
    closest: int | None = None


def describe(hits: Sequence[Hit], query: Query, every: Closeness, retriever: Retriever) -> list[Candidate]:
    """Describe each retrieved sentence as a candidate: its signals (signals.assess), its feature
    row, and what it would quote (answer.excerpt); see features for every and retriever."""
    signals = [assess(hit, query) for hit in hits]
    rows = features(hits, signals, query, every, retriever)
    return [
        Candidate(hit, excerpt(hit.facts, query), tuple(row), Admission.of(hit, signal))
        for hit, signal, row in zip(hits, signals, rows, strict=True)
    ]


def features(
    hits: Sequence[Hit], signals: Sequence[Signals], query: Query, every: Closeness, retriever: Retriever
) -> list[list[float]]:
    """Describe each candidate (in retrieval order) by the signals in FEATURES; retriever holds
    the article(s) the candidates come from, every how close in meaning each of its sentences
    is to the question, by sentence id (Engine.weigh)."""
    if not hits:
        return []
    closeness = [float(every.plain[hit.sentence_id]) for hit in hits]
    around = [_around(hit, every.plain) for hit in hits]
    tuned = _tuned(hits, every.tuned)
    predicate = _predicate(query)
    article = _article_signals(query, retriever)
    question = query.question
    best = hits[0]
    asked = query.asked_terms
    asked_list = [group for group in query.groups if group.asked]
    asked_groups = len(asked_list)
    best_coverage = max(hit.sentence_coverage for hit in hits)
    best_closeness = max(closeness)
    second_share = hits[1].score / best.score if len(hits) > 1 else 0.0
    kinds = [float(question.answer_type == kind) for kind in ANSWER_TYPES]
    says = [float(said) for said in question.says]
    first_by_rules, second_by_rules = rules_choice(hits, signals, query)
    rows = []
    for rank, (hit, signal) in enumerate(zip(hits, signals, strict=True)):
        facts = hit.facts
        tokens = facts.tokens
        where = [i for i, token in enumerate(tokens) if token.term in asked]
        spread = (max(where) - min(where) + 1) / len(where) if len(where) > 1 else 1.0
        new_names = sum(1 for term in facts.names if term not in asked)
        pairs = zip(facts.terms, facts.terms[1:], strict=False)  # consecutive index terms
        row = [
            1.0,
            hit.score / best.score,
            rank == 0,
            math.log1p(rank),
            hit.sentence_coverage,
            hit.coverage,
            bool(hit.missing_entities),
            signal.matches_predicate,
            signal.names_the_same,
            signal.agrees_in_polarity,
            signal.has_answer_type,
            signal.new_information,
            question.negated,
            facts.log_length,
            math.log1p(len(facts.term_set - asked)),
            hit.passage.id == best.passage.id,
            signal.gives_reason,
            signal.describes,
            math.log1p(new_names),
            len(question.bigrams.intersection(pairs)) / (len(question.bigrams) or 1),
            math.log(best.score + 1e-9),
            math.log(hit.score + 1e-9),
            hit.sentence / max(1, len(hit.passage.sentences)),
            closeness[rank],
            closeness[rank] - best_closeness,
            math.log1p(asked_groups),
            spread,
            second_share,
            best_coverage,
            best.sentence_coverage,
            facts.has_digit,
            facts.has_year,
            facts.has_month_or_era,
            facts.has_quote,
            len(where) / max(1, len(tokens)),
            hit.sentence_coverage - best_coverage,
            hit.sentence == 0,
            rank == first_by_rules,
            rank == second_by_rules,
            signal.lacks_the_count,
            *article,
            _share(predicate, _passage_terms(hit, retriever), retriever),
            _share(predicate, facts.term_set, retriever),
            not signal.says_what_it_is,
            *_in_place(hit, asked_list, retriever),
            *around[rank],
        ]
        rows.append([float(value) for value in row] + kinds + says + tuned[rank])
    return rows


def _tuned(hits: Sequence[Hit], every: np.ndarray) -> list[list[float]]:
    """Return each candidate's tuned closeness, less the best candidate's, and as a z-score among
    every sentence of the article(s)."""
    closeness = [float(every[hit.sentence_id]) for hit in hits]
    best = max(closeness)
    mean, deviation = float(every.mean()), float(every.std()) or 1.0
    return [[value, value - best, (value - mean) / deviation] for value in closeness]


def _around(hit: Hit, every: np.ndarray) -> tuple[float, float]:
    """Return how close in meaning the sentences before and after a candidate, in its passage,
    are to the question (0 where there is none)."""
    before, after = hit.before, hit.after
    return (
        0.0 if before is None else float(every[before]),
        0.0 if after is None else float(every[after]),
    )


def _predicate(query: Query) -> list[TermGroup]:
    """Return what the question asks about its names: its asked groups that are not names."""
    entities = set(query.entities)
    return [g for g in query.groups if g.asked and not set(g.alternatives[0]) <= entities]


def _share(
    groups: Sequence[TermGroup], present: Callable[[str], bool] | AbstractSet[str], retriever: Retriever
) -> float:
    """Return the IDF-weighted share of groups whose terms are present (1.0 for no groups)."""
    has = present if callable(present) else present.__contains__
    return coverage(groups, lambda alt: sum(map(has, alt)) / len(alt), retriever.passage_index.idf, empty=1.0)


def _passage_terms(hit: Hit, retriever: Retriever) -> frozenset[str]:
    first = hit.sentence_id - hit.sentence
    return frozenset().union(
        *(f.term_set for f in retriever.facts[first : first + len(hit.passage.sentences)])
    )


_REFERRING = re.compile(rf"(?:{'|'.join(REFERRING_OPENINGS)})\b", re.IGNORECASE)


def _in_place(hit: Hit, asked: Sequence[TermGroup], retriever: Retriever) -> list[float]:
    """Return how the sentences around a candidate cover the question, and whether it opens by
    referring back to the one before, and whether the next one does (FEATURES: previous_coverage
    ... next_opens_referring)."""
    before = None if hit.before is None else retriever.facts[hit.before]
    after = None if hit.after is None else retriever.facts[hit.after]
    before_terms = before.term_set if before else frozenset()
    return [
        _share(asked, before_terms, retriever) if before_terms else 0.0,
        _share(asked, before_terms | hit.facts.term_set, retriever),
        _share(asked, after.term_set, retriever) if after and after.term_set else 0.0,
        float(bool(_REFERRING.match(hit.facts.folded))),
        float(after is not None and bool(_REFERRING.match(after.folded))),
    ]


def _article_signals(query: Query, retriever: Retriever) -> list[float]:
    """Return the question-level features of how much of it the article holds at all."""
    asked = [g for g in query.groups if g.asked]
    knows = retriever.knows
    unknown = sum(1 for g in asked if not any(knows(t) for t in g.terms))
    names = query.question.entities or query.entities  # a follow-up's: whom its pronoun means
    return [
        _share(asked, knows, retriever),
        _share(_predicate(query), knows, retriever),
        math.log1p(unknown),
        sum(1 for name in names if not knows(name)) / len(names) if names else 0.0,
    ]


@dataclass(frozen=True)
class Forest:
    """Gradient-boosted decision trees, evaluated for all candidates and all trees at once."""

    feature: np.ndarray  # (trees, nodes) feature index tested at each node
    threshold: np.ndarray  # go left when the value is at most this
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray  # bool
    value: np.ndarray  # a leaf's contribution to the log-odds
    baseline: float
    depth: int
    threshold_answer: float  # quote the best candidate from this probability on
    threshold_doubtful: float  # ... or from this one when it lacks what is asked (see decide)
    threshold_second: float  # add the second best from this probability on
    # Abstaining, point to the best admissible candidate's passage from this probability on.
    threshold_closest: float = 1.0

    @classmethod
    def load(cls, path: Path | None = None) -> Forest:
        """Load a forest written by tools/train_ranker.py, by default the bundled one (checked
        against the data manifest); raise ArticleBotError if unusable."""
        path = path or manifest.bundled().checked("ranker.json")
        try:
            model = json.loads(path.read_text(encoding="utf-8"))
            if model["features"] != list(FEATURES):
                raise ValueError("it was trained on other features")
            trees = model["trees"]
            width = max(len(tree["feature"]) for tree in trees)

            def table(key: str, dtype: type, fill: float = 0) -> np.ndarray:
                out: np.ndarray = np.full((len(trees), width), fill, dtype=dtype)
                for row, tree in enumerate(trees):
                    out[row, : len(tree[key])] = tree[key]
                return out

            return cls(
                feature=table("feature", np.int64),
                threshold=table("threshold", np.float64),
                left=table("left", np.int64),
                right=table("right", np.int64),
                leaf=table("leaf", bool, True),
                value=table("value", np.float64),
                baseline=float(model["baseline"]),
                depth=int(model["depth"]),
                threshold_answer=float(model["threshold_answer"]),
                threshold_doubtful=float(model["threshold_doubtful"]),
                threshold_second=float(model["threshold_second"]),
                threshold_closest=float(model.get("threshold_closest", 1.0)),
            )
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ArticleBotError(f"{path}: cannot load the answer ranker ({error})") from None

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """Return each row's probability of holding the answer."""
        if not len(rows):
            return []
        x = np.asarray(rows, dtype=np.float64)
        trees = np.arange(self.feature.shape[0])[:, None]
        candidates = np.arange(x.shape[0])[None, :]
        node = np.zeros((self.feature.shape[0], x.shape[0]), dtype=np.int64)
        for _ in range(self.depth):
            goes_left = x[candidates, self.feature[trees, node]] <= self.threshold[trees, node]
            following = np.where(goes_left, self.left[trees, node], self.right[trees, node])
            node = np.where(self.leaf[trees, node], node, following)
        logits = self.baseline + self.value[trees, node].sum(axis=0)
        return [1.0 / (1.0 + math.exp(-logit)) for logit in logits]


_FOREST: Forest | None = None


def forest() -> Forest:
    """Return the process's ranker, loading the bundled one on first use."""
    global _FOREST
    if _FOREST is None:
        _FOREST = Forest.load()
    return _FOREST


CLOSE = 0.4  # a candidate this probable, relative to the best, may be preferred for its kind


# The rules that keep a candidate from being quoted at all, as (Admission field, the value that
# vetoes).
VETOES: tuple[tuple[str, bool], ...] = (
    ("names_missing", True),  # its passage lacks a name asked about
    ("names_the_same", False),  # "Luis Fernando Camacho" is not "Luis Arce"
    ("agrees_in_polarity", False),  # asked what did not happen, it negates nothing
    ("says_nothing_of_what_it_is", True),  # "What is socialism?": "Movement Toward Socialism"
)


def admissible(
    admissions: Sequence[Admission],
    probabilities: Sequence[float],
    vetoes: Sequence[tuple[str, bool]] = VETOES,
) -> list[int]:
    """Return the candidates no veto rules out, most probable first."""
    return sorted(
        (
            i
            for i, admission in enumerate(admissions)
            if all(getattr(admission, name) != value for name, value in vetoes)
        ),
        key=lambda i: (-probabilities[i], i),
    )


def closest(
    admissions: Sequence[Admission],
    probabilities: Sequence[float],
    threshold_closest: float,
    vetoes: Sequence[tuple[str, bool]] = VETOES,
) -> int | None:
    """Return the candidate to point to when the bot abstains: the most probable admissible one,
    if it reaches threshold_closest."""
    order = admissible(admissions, probabilities, vetoes)
    return order[0] if order and probabilities[order[0]] >= threshold_closest else None


def decide(
    admissions: Sequence[Admission],
    probabilities: Sequence[float],
    lengths: Sequence[int],
    threshold: float,
    threshold_doubtful: float,
    threshold_second: float,
    max_chars: int,
    vetoes: Sequence[tuple[str, bool]] = VETOES,
) -> list[int]:
    """Return the indices of the candidates to quote: none, one or two. The bot and
    tools/train_ranker.py (which scores thresholds with it) both decide here.

    A candidate is never quoted when a rule of vetoes rules it out (see VETOES). Of the rest,
    the most probable is quoted when its probability reaches threshold, or the higher of
    threshold and threshold_doubtful when it lacks the number or date (or, for "what did X say",
    the quotation) asked for, or, asked "how many troops", a number followed by "troops"; but a
    "why" question prefers a close candidate that gives a reason, and "Who is X?" one that says
    what X is. The second most probable is added when it reaches threshold_second and both
    quotes (of the given lengths) fit in max_chars.
    """
    order = admissible(admissions, probabilities, vetoes)
    if not order:
        return []
    best = probabilities[order[0]]
    for place, index in enumerate(order):  # the kind of sentence asked for, if one is close
        if probabilities[index] < CLOSE * best:
            break
        if admissions[index].gives_reason or admissions[index].describes:
            order = [index] + order[:place] + order[place + 1 :]
            break
    first = order[0]
    doubtful = not admissions[first].has_answer_type or admissions[first].lacks_the_count
    if probabilities[first] < (max(threshold, threshold_doubtful) if doubtful else threshold):
        return []
    if (
        len(order) > 1
        and probabilities[order[1]] >= threshold_second
        and lengths[first] + lengths[order[1]] <= max_chars
    ):
        return [first, order[1]]
    return [first]
