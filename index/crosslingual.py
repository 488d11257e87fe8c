"""Choosing the answer to a question asked in another language than the article's.

The ranker (`index/rank.py`) was trained on English questions about English articles, and most of
its signals count the question's words in the sentence: a Spanish question about an English
article shares few (names and numbers), so the ranker would abstain on nearly all of them. Such a
question is answered on signals that do not depend on shared words instead:

- how close the sentence is to the question in meaning (multilingual-e5-small, `embed.py`), as a
  z-score among all the article's sentences: a question in another language is less close to
  every sentence than one in the article's own, but its answer stands out from the others as much;
- how far it is below the closest sentence, and how far the closest stands out from the second;
- its rank by closeness among the candidates;
- the names and numbers asked about: whether its passage mentions every name (a candidate whose
  passage lacks one is never quoted, as in `rank.admissible`), the share of them in the sentence
  itself, the share of the names the article never mentions at all.

A logistic regression over those signals gives the probability that a candidate holds the
answer. Its weights and thresholds were fitted by `tools/fit_crosslingual.py` on English
questions only, never on Spanish ones (there is no Spanish training data, and the Spanish
question sets of `eval/es/` are only scored): the weights on the questions of the 10 training
articles of `eval/squad-train` and their off-topic questions; the thresholds on the 16 held-out
articles of `eval/squad` (answerable questions), their off-topic questions (`eval/offtopic`) and
their unstated-relation questions (`eval/unstated`), as the lowest probability at which 99% of the
off-topic and 95% of the unstated-relation questions are abstained on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from .query import Query
from .retrieval import Hit

SIGNALS = (
    "bias",
    "closeness_z",  # (closeness − the mean over the article's sentences) / their deviation
    "below_best_z",  # (the closest sentence's closeness − this one's) / that deviation
    "best_margin_z",  # (closest − second closest) / that deviation: how clearly one stands out
    "log_rank",  # by closeness among the candidates
    "names_missing",  # its passage lacks a name asked about (never quoted)
    "names_in_sentence",  # share of the names asked about that the sentence mentions
    "numbers_in_sentence",  # share of the numbers asked about that the sentence holds
    "names_unknown",  # share of the names asked about that the article never mentions
    "asks_names",  # the question names someone or something
    # The question without its names ("¿Dónde nació?" of "¿Dónde nació Luis Arce?"): what it asks
    # of them, which a sentence that merely names them is not close to.
    "predicate_z",  # closeness to it, as a z-score among the article's sentences
    "predicate_below_best_z",  # ... below the sentence closest to it
)

# Fitted by tools/fit_crosslingual.py (see the docstring); printed by it, pasted here.
# On the held-out SQuAD articles, weighed as Spanish questions are: 40.2% of the answerable
# questions answered right, 99.7% of the off-topic and 95.1% of the unstated-relation questions
# abstained on (68.8% of SQuAD's unanswerable ones, written to be nearly answered).
WEIGHTS = (
    -2.7864,
    0.3376,
    -0.1696,
    0.2830,
    -0.4741,
    -1.3240,
    -0.1366,
    0.6853,
    -1.8958,
    0.9010,
    0.2117,
    -0.3361,
)
THRESHOLD = 0.552  # quote the most probable candidate from this probability on
THRESHOLD_CLOSEST = 0.410  # abstaining, point to its passage from this probability on

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers(text: str) -> set[str]:
    return {number.replace(",", "").replace(".", "") for number in _NUMBER.findall(text)}


def predicate(query: Query) -> str:
    """Return the question's text without the names it asks about."""
    text = query.question.text
    for name in sorted(query.question.named, key=len, reverse=True):
        text = text.replace(name, " ")
    return " ".join(text.split())


def _z(values: np.ndarray) -> tuple[float, float, float]:
    """Return the mean, the deviation (1 if none) and the maximum of values."""
    return float(values.mean()), float(values.std()) or 1.0, float(values.max())


def signals(
    hits: Sequence[Hit],
    query: Query,
    every: np.ndarray,
    knows: Callable[[str], bool],
    of_predicate: np.ndarray | None = None,
) -> list[list[float]]:
    """Describe each candidate by SIGNALS; every: how close in meaning each of the article's
    sentences is to the question (by sentence id), of_predicate to the question without its
    names (predicate; by default every); knows: whether the article has a term."""
    if not hits or len(every) == 0:
        return []
    of_predicate = every if of_predicate is None else of_predicate
    p_mean, p_deviation, p_best = _z(of_predicate)
    mean = float(every.mean())
    deviation = float(every.std()) or 1.0
    top = np.sort(every)[::-1]
    best = float(top[0])
    margin = float(top[0] - top[1]) if len(top) > 1 else 0.0
    closeness = [float(every[hit.sentence_id]) for hit in hits]
    order = sorted(range(len(hits)), key=lambda i: -closeness[i])
    rank = {i: r for r, i in enumerate(order)}
    names = list(dict.fromkeys(query.question.entities or query.entities))
    unknown = sum(1 for name in names if not knows(name)) / len(names) if names else 0.0
    asked_numbers = _numbers(query.question.text)
    rows = []
    for i, hit in enumerate(hits):
        terms = set(hit.facts.terms)
        in_sentence = sum(1 for name in names if name in terms) / len(names) if names else 0.0
        numbers = len(asked_numbers & _numbers(hit.text)) / len(asked_numbers) if asked_numbers else 0.0
        rows.append(
            [
                1.0,
                (closeness[i] - mean) / deviation,
                (best - closeness[i]) / deviation,
                margin / deviation,
                math.log1p(rank[i]),
                float(bool(hit.missing_entities)),
                in_sentence,
                numbers,
                unknown,
                float(bool(names)),
                (float(of_predicate[hit.sentence_id]) - p_mean) / p_deviation,
                (p_best - float(of_predicate[hit.sentence_id])) / p_deviation,
            ]
        )
    return rows


def probabilities(rows: Sequence[Sequence[float]], weights: Sequence[float] = WEIGHTS) -> list[float]:
    """Return each candidate's probability of holding the answer (the logistic regression)."""
    if not rows:
        return []
    logits = np.asarray(rows, dtype=np.float64) @ np.asarray(weights, dtype=np.float64)
    return [float(p) for p in 1.0 / (1.0 + np.exp(-logits))]


def best(rows: Sequence[Sequence[float]], probs: Sequence[float]) -> int | None:
    """Return the most probable candidate whose passage mentions every name asked about, if any."""
    allowed = [i for i, row in enumerate(rows) if not row[SIGNALS.index("names_missing")]]
    return max(allowed, key=lambda i: (probs[i], -i)) if allowed else None
