"""What a sentence holds whatever the question: analysed once, when the content is indexed.

The retriever analyses every sentence as it indexes it (`retrieval.Retriever`), and each
candidate (`retrieval.Hit`) refers to its sentence's facts: the ranker's signals, the quoting of
long sentences and the direct answers read them instead of tokenising the sentence again.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

from . import cues
from .analysis import Token, fold, folded_words

MAX_QUOTE_CHARS = 400  # a longer sentence is quoted in part: the run of its clauses that answers
CLAUSE_END = re.compile(r"(?<=[,;:—–)])\s*|\s+(?=[—–(])")


@dataclass(frozen=True)
class SentenceFacts:
    """One sentence (or clause), analysed: its tokens and terms and the cues it holds."""

    text: str
    folded: str  # analysis.fold(text)
    lowered: str  # ... and lowercased
    tokens: tuple[Token, ...]
    words: tuple[str, ...]  # its tokens' terms, in order, stopwords included
    terms: tuple[str, ...]  # its index terms, stopwords removed, in order
    term_set: frozenset[str]
    bigrams: frozenset[tuple[str, str]]  # pairs of consecutive index terms
    names: tuple[str, ...]  # terms of its capitalised words that are not stopwords, past the first
    log_length: float
    has_digit: bool
    has_year: bool
    has_month_or_era: bool
    has_quote: bool
    counted: frozenset[str]  # terms up to three words after a number: what the numbers count
    negated: bool
    gives_reason: bool  # "because", "due to", ...
    reports_speech: bool  # a quotation or a verb of saying
    numbers: frozenset[str]  # the numbers it holds, years left out
    digits: frozenset[str]
    dates: frozenset[str]  # years, months, days and other words of time
    # A sentence longer than MAX_QUOTE_CHARS: its clauses, each analysed in turn, and when no
    # clause is short enough to quote, the sentence cut at a word boundary.
    clauses: tuple[SentenceFacts, ...] = ()
    shortened: SentenceFacts | None = None


def analyse_sentence(text: str) -> SentenceFacts:
    """Analyse a sentence for retrieval, ranking and quoting."""
    facts = _analyse(text)
    if len(text) <= MAX_QUOTE_CHARS:
        return facts
    clauses = tuple(_analyse(clause) for clause in CLAUSE_END.split(text) if clause)
    shortened = None
    if all(len(clause.text) + 1 > MAX_QUOTE_CHARS for clause in clauses):
        shortened = _analyse(text[: text.rfind(" ", 0, MAX_QUOTE_CHARS)].rstrip(",;: ") + " …")
    return replace(facts, clauses=clauses, shortened=shortened)


def _analyse(text: str) -> SentenceFacts:
    folded = fold(text)
    lowered = folded.lower()
    tokens = tuple(token for _, word_tokens in folded_words(folded) for token in word_tokens)
    terms = tuple(token.term for token in tokens if not token.stop)
    numbers = {m.group() for m in cues.NUMBER.finditer(lowered)}
    return SentenceFacts(
        text=text,
        folded=folded,
        lowered=lowered,
        tokens=tokens,
        words=tuple(token.term for token in tokens),
        terms=terms,
        term_set=frozenset(terms),
        bigrams=frozenset(zip(terms, terms[1:], strict=False)),
        names=tuple(t.term for t in tokens[1:] if t.capitalized and not t.stop),
        log_length=math.log(len(text)),
        has_digit=bool(cues.DIGIT.search(lowered)),
        has_year=bool(cues.YEAR.search(lowered)),
        has_month_or_era=bool(cues.MONTH_OR_DAY.search(lowered)),
        has_quote=bool(cues.QUOTE_MARK.search(text)),
        counted=frozenset(
            token.term
            for i, number in enumerate(tokens)
            if cues.NUMBER.fullmatch(number.surface.lower())
            for token in tokens[i + 1 : i + 4]
        ),
        negated=bool(cues.NEGATION.search(folded)),
        gives_reason=bool(cues.REASON.search(text)),
        reports_speech=bool(cues.SPEECH.search(text)),
        numbers=frozenset(number for number in numbers if not cues.YEAR.fullmatch(number)),
        digits=frozenset(m.group() for m in cues.DIGIT.finditer(lowered)),
        dates=frozenset(
            [m.group() for m in cues.YEAR.finditer(lowered)]
            + [m.group() for m in cues.MONTH_OR_DAY.finditer(lowered)]
        ),
    )
