"""What a candidate sentence says of the question: the rules the ranker learns from.

Each signal reads the analysed question (`question.Question`, through the `query.Query`) and the
candidate's analysed sentence (`facts.SentenceFacts`, through the `retrieval.Hit`): no text is
folded or tokenised here. `assess` works them all out once per candidate; `rules_choice` is the
hand-written chooser the ranker was first built on, reading those same signals, and tells the
ranker which candidates it would quote.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .cues import ROLES
from .facts import MAX_QUOTE_CHARS, SentenceFacts
from .query import Query
from .question import Question
from .retrieval import Hit


def has_answer_type(sentence: SentenceFacts, question: Question) -> bool:
    """Return whether a sentence holds the kind of answer asked for, beyond the question's words."""
    kind = question.answer_type
    if kind == "speech":
        return sentence.reports_speech
    if kind == "number":  # a year says when, not how many; "millions" is no percentage
        found = sentence.digits if question.percent else sentence.numbers
    elif kind == "date":
        found = sentence.dates
    else:
        return True
    return any(item not in question.lowered for item in found)


def new_information(hit: Hit, query: Query) -> bool:
    """Return whether a sentence says more than the question already does."""
    return bool(hit.facts.term_set - query.asked_terms)


def agrees_in_polarity(sentence: SentenceFacts, question: Question) -> bool:
    """Return False when the question asks what did not happen and the sentence negates nothing.

    "Which leaders did they not attack?" is not answered by "they attacked leaders who...".
    """
    return not question.negated or sentence.negated


def matches_predicate(hit: Hit, query: Query) -> bool:
    """Return whether a sentence has some of what is asked about its names, not just the names.

    "How many people live in Santa Cruz?" is not answered by any sentence naming Santa Cruz.
    """
    entities = set(query.entities)
    predicate = [
        group
        for group in query.groups
        if group.asked and not group.light and not set(group.alternatives[0]) <= entities
    ]
    return not predicate or any(group.terms & hit.facts.term_set for group in predicate)


def names_the_same(hit: Hit, query: Query) -> bool:
    """Return False when the sentence shares a first name with a name asked about but lacks its
    last word: "Luis Fernando Camacho" is not "Luis Arce"."""
    present = hit.facts.term_set
    for parts in query.question.name_terms:
        if parts and parts[-1] not in present and set(parts[:-1]) & present:
            return False
    return True


def gives_reason(sentence: SentenceFacts, question: Question) -> bool:
    """Return whether the question asks why and the sentence gives a reason."""
    return question.answer_type == "reason" and sentence.gives_reason


def describes(sentence: SentenceFacts, question: Question) -> bool:
    """Return whether the question asks who someone is and the sentence says it: a role before
    the name, with nothing but capitalised words between ("the ambassador, Philip Goldberg";
    not "a chief named by Goldberg", which says what someone else is), or an apposition after it
    ("Luis Arce, the MAS presidential candidate")."""
    if question.answer_type != "identity":
        return False
    for name in question.named:
        parts = name.split()
        last = re.escape(parts[-1])
        full = r"\s+".join(re.escape(part) for part in parts)
        if re.search(rf"\b(?i:{ROLES}),?\s+(?:[A-Z][\w.-]*\s+)*(?i:{last})\b", sentence.folded) or re.search(
            rf"\b{full},\s+(?:the|a|an)\s", sentence.folded, re.IGNORECASE
        ):
            return True
    return False


def says_what_it_is(sentence: SentenceFacts, question: Question) -> bool:
    """Return whether, asked "What is X?", the sentence says what X is: "X is ...", "X, a ...",
    "X (...)", "known as X", or X opening it. A word asked in lower case counts only where the
    sentence has it in lower case (or opening it): "socialism" is not said to be anything by
    "the Movement Toward Socialism (MAS)". True for every other question."""
    defined = question.defined
    if defined is None:
        return True
    words = r"\s+".join(re.escape(word) for word in defined.split())
    flags = re.IGNORECASE if defined[:1].isupper() else 0
    opening = rf"(?:(?:The|A|An)\s+{words}|{words[:1].upper()}{words[1:]})\b"  # "Herd immunity ..."
    if flags == 0 and re.match(opening, sentence.folded):
        return True
    return any(
        re.search(pattern, sentence.folded, flags)
        for pattern in (
            rf"^(?:(?:the|a|an)\s+)?{words}\b",
            rf"\b{words}\b['\"]?\s*(?:is|are|was|were|refers|means|denotes|describes)\b",
            rf"\b{words}\b['\"]?\s*(?:,|\(|:|—|–)",
            rf"\b(?:called|known as|named|termed)\s+(?:(?:the|a|an)\s+)?['\"]?{words}\b",
        )
    )


def lacks_the_count(sentence: SentenceFacts, question: Question) -> bool:
    """Return whether, asked "how many troops", the sentence has no number followed by "troops"."""
    return question.counted is not None and question.counted not in sentence.counted


@dataclass(frozen=True)
class Signals:
    """The signals of one candidate, worked out once."""

    matches_predicate: bool
    names_the_same: bool
    agrees_in_polarity: bool
    has_answer_type: bool
    new_information: bool
    gives_reason: bool
    describes: bool
    lacks_the_count: bool
    says_what_it_is: bool


def assess(hit: Hit, query: Query) -> Signals:
    """Work out every signal of a candidate."""
    sentence, question = hit.facts, query.question
    return Signals(
        matches_predicate=matches_predicate(hit, query),
        names_the_same=names_the_same(hit, query),
        agrees_in_polarity=agrees_in_polarity(sentence, question),
        has_answer_type=has_answer_type(sentence, question),
        new_information=new_information(hit, query),
        gives_reason=gives_reason(sentence, question),
        describes=describes(sentence, question),
        lacks_the_count=lacks_the_count(sentence, question),
        says_what_it_is=says_what_it_is(sentence, question),
    )


def rules_choice(
    hits: Sequence[Hit],
    signals: Sequence[Signals],
    query: Query,
    min_coverage: float = 0.25,
    full_coverage: float = 0.99,
    max_chars: int = 560,
) -> tuple[int | None, int | None]:
    """Return which candidates the hand-written rules would quote first and second (None: none).

    A sentence must say enough of what was asked (min_coverage of the question's IDF-weighted
    terms, in the sentence itself), name or refer back to every name asked about, hold more than
    the names, agree in negation, and hold a number or date when one is asked for; a "why"
    question prefers one scoring within half the best's that gives a reason, "Who is X?" one that
    says what X is. The second best is added only when the best leaves part of the question to
    its passage (its coverage is below full_coverage), comes from the same passage or holds all
    the best holds of the question, and both fit in max_chars.
    """
    usable = [
        index
        for index, (hit, signal) in enumerate(zip(hits, signals, strict=True))
        if hit.sentence_coverage >= min_coverage
        and not hit.missing_entities
        and signal.matches_predicate
        and signal.names_the_same
        and signal.agrees_in_polarity
        and signal.has_answer_type
        and signal.new_information
    ]
    if not usable:
        return None, None
    usable = _first_close(usable, hits, [signals[i].gives_reason or signals[i].describes for i in usable])
    best = hits[usable[0]]
    # Never two halves of a question that the article answers nowhere together.
    said_by_best = query.asked_terms & best.facts.term_set
    seconds = [
        index
        for index in usable[1:]
        if hits[index].passage.id == best.passage.id or said_by_best <= hits[index].facts.term_set
    ]
    if seconds and best.coverage < full_coverage:
        second = hits[seconds[0]]
        if min(len(best.text), MAX_QUOTE_CHARS) + min(len(second.text), MAX_QUOTE_CHARS) <= max_chars:
            return usable[0], seconds[0]
    return usable[0], None


def _first_close(usable: list[int], hits: Sequence[Hit], wanted: list[bool], close: float = 0.5) -> list[int]:
    """Put first the best candidate, scoring within close of the best, that is wanted."""
    top = hits[usable[0]].score
    for place, index in enumerate(usable):
        if hits[index].score < close * top:
            break
        if wanted[place]:
            return [index] + usable[:place] + usable[place + 1 :]
    return usable
