"""Compose an answer from the chosen candidates: quote and cite them, or abstain (the front ends
say plainly that the article doesn't say)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .analysis import Token
from .cues import is_calendar
from .facts import MAX_QUOTE_CHARS, SentenceFacts
from .model import Answer, Article, Citation, Quote, Said
from .query import Query
from .retrieval import Hit
from .signals import has_answer_type


@dataclass(frozen=True)
class Excerpt:
    """What is quoted of a sentence, verbatim: all of it, or the run of its clauses that answers."""

    text: str
    tokens: tuple[Token, ...]  # the tokens of the words quoted


def excerpt(sentence: SentenceFacts, query: Query) -> Excerpt:
    """Return the sentence, or when it is longer than MAX_QUOTE_CHARS, the run of its clauses that
    says most of what was asked, marked with ellipses where it was cut."""
    if len(sentence.text) <= MAX_QUOTE_CHARS:
        return Excerpt(sentence.text, sentence.tokens)
    if sentence.shortened is not None:  # no clause is short enough: cut at a word boundary
        return Excerpt(sentence.shortened.text, sentence.shortened.tokens)
    clauses = sentence.clauses
    wanted = {term for group in query.groups for term in group.terms}
    matched = [len(wanted & clause.term_set) + _holds_answer(clause, query) for clause in clauses]
    best: tuple[int, int, int] = (-1, 0, 0)
    for start in range(len(clauses)):
        length = hits = 0
        for end in range(start, len(clauses)):
            length += len(clauses[end].text) + 1
            if length > MAX_QUOTE_CHARS:
                break
            hits += matched[end]
            # Most of what was asked; among equals, the most context.
            if hits > best[0] or (hits == best[0] and end - start > best[2] - best[1]):
                best = (hits, start, end)
    _, start, end = best
    quoted = clauses[start : end + 1]
    # The words between the clauses as written: a break may fall inside "13,500".
    text = sentence.text[sentence.clause_spans[start][0] : sentence.clause_spans[end][1]].rstrip(",;: ")
    return Excerpt(
        ("… " if start else "") + text + (" …" if end < len(clauses) - 1 else ""),
        tuple(token for clause in quoted for token in clause.tokens),
    )


def _holds_answer(clause: SentenceFacts, query: Query) -> bool:
    """Return whether a clause holds the kind of thing asked for: a number or date, or for "who"
    and "where" a name the question does not have."""
    question = query.question
    if question.answer_type in ("number", "date"):
        return has_answer_type(clause, question)
    if question.answer_type in ("person", "place", "identity"):
        return any(name not in question.token_terms for name in clause.names)
    return False


def quote(chosen: Sequence[tuple[Hit, Excerpt]], bold: tuple[int, int] | None = None) -> Answer:
    """Quote the chosen sentences in article order, each cited to its passage; bold: where the
    exact answer stands in the first chosen (the most probable) excerpt, if found."""
    citations: list[Citation] = []
    quotes: list[Quote] = []
    emphasised = chosen[0][1].text if bold is not None else None
    for hit, quoted in _in_article_order(chosen):
        ref = next((c.ref for c in citations if c.passage.id == hit.passage.id), None)
        if ref is None:
            ref = len(citations) + 1
            citations.append(Citation(ref=ref, passage=hit.passage))
        quotes.append(Quote(quoted.text, ref, bold if quoted.text == emphasised else None))
        if quoted.text == emphasised:
            emphasised = None  # in bold once, where it is first quoted
    return Answer(abstained=False, quotes=tuple(quotes), citations=tuple(citations))


def subjects(chosen: Sequence[tuple[Hit, Excerpt]], limit: int = 3) -> list[tuple[Token, ...]]:
    """Return whom a quote is about: its first names (runs of capitalised words past its first
    word, months and days left out), limit words in all (what a follow-up's "he" or "it" may
    refer to)."""
    said: list[Token | None] = []
    for _, quoted in _in_article_order(chosen):
        said.extend(quoted.tokens)
        said.append(None)  # its [n] marker: a number, never a name
    names: list[list[Token]] = [[]]
    for token in said[1:]:
        if token is not None and token.capitalized and not token.stop and not is_calendar(token.surface):
            if sum(map(len, names)) == limit:
                break
            names[-1].append(token)
        elif names[-1]:
            names.append([])
    return [tuple(name) for name in names if name]


def _in_article_order(chosen: Sequence[tuple[Hit, Excerpt]]) -> list[tuple[Hit, Excerpt]]:
    return sorted(
        chosen, key=lambda pair: (pair[0].passage.article_slug, pair[0].passage.number, pair[0].sentence)
    )


def abstain(articles: Sequence[Article], said: Said = Said.NOT_SAID, language: str = "en") -> Answer:
    """Return that the article doesn't answer (or lacks what said names: NO_AUTHOR, NO_DATE),
    pointing to the articles it can answer about; the front ends word it in the question's
    language."""
    return Answer(abstained=True, said=said, about=tuple(articles), language=language)
