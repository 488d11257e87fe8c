"""What a sentence holds whatever the question: analysed once, when the content is indexed.

The retriever analyses every sentence as it indexes it (`retrieval.Retriever`), and each
candidate (`retrieval.Hit`) refers to its sentence's facts: the ranker's signals, the quoting of
long sentences and the direct answers read them instead of tokenising the sentence again.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace

from . import cues
from .analysis import Token, fold, folded_words, terms

MAX_QUOTE_CHARS = 400  # a longer sentence is quoted in part: the run of its clauses that answers
CLAUSE_END = re.compile(r"(?<=[,;:—–)])\s*|\s+(?=[—–(])")


@dataclass(frozen=True, slots=True)
class SentenceFacts:
    """One sentence (or clause), analysed: its tokens and terms and the cues it holds.

    Every sentence of every article has one, so it is kept small: slots, tuples for the few
    numbers and dates (an empty tuple costs nothing), and no pairs of terms (a candidate's are
    paired when it is weighed)."""

    text: str
    folded: str  # analysis.fold(text): the same string when folding changes nothing
    lowered: str  # ... and lowercased
    tokens: tuple[Token, ...]
    terms: tuple[str, ...]  # its index terms, stopwords removed, in order
    term_set: frozenset[str]
    names: tuple[str, ...]  # terms of its capitalised words that are not stopwords, past the first
    log_length: float
    has_digit: bool
    has_year: bool
    has_month_or_era: bool
    has_quote: bool
    counted: tuple[str, ...]  # terms up to three words after a number: what the numbers count
    negated: bool
    gives_reason: bool  # "because", "due to", ...
    reports_speech: bool  # a quotation or a verb of saying
    numbers: tuple[str, ...]  # the numbers it holds, years and ordinals ("20th") left out
    digits: tuple[str, ...]
    dates: tuple[str, ...]  # years, months, days and other words of time
    # A sentence longer than MAX_QUOTE_CHARS: its clauses, each analysed in turn, where each
    # stands in text (start, end), and when no clause is short enough to quote, the sentence cut
    # at a word boundary.
    clauses: tuple[SentenceFacts, ...] = ()
    clause_spans: tuple[tuple[int, int], ...] = ()
    shortened: SentenceFacts | None = None


def analyse_sentence(text: str) -> SentenceFacts:
    """Analyse a sentence for retrieval, ranking and quoting."""
    facts = _analyse(text)
    if len(text) <= MAX_QUOTE_CHARS:
        return facts
    spans = _clause_spans(text)
    clauses = tuple(_analyse(text[start:end]) for start, end in spans)
    shortened = None
    if all(len(clause.text) + 1 > MAX_QUOTE_CHARS for clause in clauses):
        shortened = _analyse(text[: text.rfind(" ", 0, MAX_QUOTE_CHARS)].rstrip(",;: ") + " …")
    return replace(facts, clauses=clauses, clause_spans=spans, shortened=shortened)


def _clause_spans(text: str) -> tuple[tuple[int, int], ...]:
    """Return where each clause of a sentence starts and ends: between the CLAUSE_END breaks."""
    spans = []
    start = 0
    for end in CLAUSE_END.finditer(text):
        spans.append((start, end.start()))
        start = end.end()
    spans.append((start, len(text)))
    return tuple((start, end) for start, end in spans if end > start)


def _analyse(text: str) -> SentenceFacts:
    folded = fold(text)
    if folded == text:
        folded = text  # one string, not two equal ones
    lowered = folded.lower()
    tokens = tuple(token for _, word_tokens in folded_words(folded) for token in word_tokens)
    terms = tuple(token.term for token in tokens if not token.stop)
    digits = [m.group() for m in cues.DIGIT.finditer(lowered)]
    years = [m.group() for m in cues.YEAR.finditer(lowered)]
    months = [m.group() for m in cues.MONTH_OR_DAY.finditer(lowered)]
    return SentenceFacts(
        text=text,
        folded=folded,
        lowered=lowered,
        tokens=tokens,
        terms=terms,
        term_set=frozenset(terms),
        names=tuple(t.term for t in tokens[1:] if t.capitalized and not t.stop),
        log_length=math.log(len(text)),
        has_digit=bool(digits),
        has_year=bool(years),
        has_month_or_era=bool(months),
        has_quote=bool(cues.QUOTE_MARK.search(text)),
        counted=_distinct(
            token.term
            for i, token in enumerate(tokens)
            if _is_number(token)
            for token in tokens[i + 1 : i + 4]
        ),
        negated=bool(cues.NEGATION.search(folded)),
        gives_reason=bool(cues.REASON.search(text)),
        reports_speech=bool(cues.SPEECH.search(text)),
        numbers=_distinct(
            m.group()
            for m in cues.NUMBER.finditer(lowered)
            if not cues.YEAR.fullmatch(m.group()) and not cues.ORDINAL_ENDING.match(lowered, m.end())
        ),
        digits=_distinct(digits),
        dates=_distinct(years + months),
    )


def written_names(sentences: Iterable[SentenceFacts]) -> dict[str, frozenset[tuple[str, ...]]]:
    """Return the names of two capitalised words or more the sentences write ("Luis Arce"), as
    index terms, by their last word ("arc"): whom that word alone may stand for. A stopword, a
    month or a day, a title ("President") or a word the sentences also write in lower case
    ("Great Britain", "North America": a common word) is no part of a name; punctuation ends one."""
    sentences = tuple(sentences)
    common = {token.term for sentence in sentences for token in sentence.tokens if not token.capitalized}
    found: dict[str, set[tuple[str, ...]]] = {}
    for sentence in sentences:
        for match in _CAPITALISED_RUN.finditer(sentence.folded):
            run: list[str] = []
            for word in (*match.group().split(), ""):
                term = terms(word) if _in_a_name(word) else []
                if len(term) == 1 and term[0] not in common:
                    run.append(term[0])
                    continue
                if len(run) > 1:
                    found.setdefault(run[-1], set()).add(tuple(run))
                run = []
    return {last: frozenset(names) for last, names in found.items()}


def _in_a_name(word: str) -> bool:
    return word[:1].isupper() and not cues.is_calendar(word) and not _ROLE.fullmatch(word.lower())


_CAPITALISED_RUN = re.compile(r"[A-Z][^\W\d_]*(?:[ \t]+[A-Z][^\W\d_]*)+")
_ROLE = re.compile(cues.ROLES)


def named_by_surname(name: tuple[str, ...], written: dict[str, frozenset[tuple[str, ...]]]) -> bool:
    """Return whether the last word of a name asked about (index terms: "lui", "arc") stands for
    the whole name in an article whose names are written (see written_names): the article writes
    the name in full, and every name it writes with that last word is the same person's (its other
    words are among the asked name's, or the asked name's among its)."""
    given = set(name[:-1])
    others = [set(other[:-1]) for other in written.get(name[-1], ())]
    return any(given <= other for other in others) and all(
        given <= other or other <= given for other in others
    )


def _is_number(token: Token) -> bool:
    """Return whether a token is a number, in figures or in words ("4,000", "twelve", "dozens")."""
    surface = token.surface
    # Most words are neither: look at the first character or the word itself before the pattern.
    if not (surface[:1].isdigit() or surface.lower() in cues.NUMBER_WORDS):
        return False
    return bool(cues.NUMBER.fullmatch(surface.lower()))


def _distinct(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
