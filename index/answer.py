"""Compose an answer from retrieved sentences: quote, cite, or say plainly the article doesn't say."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .analysis import fold, terms, tokenize
from .model import Answer, Article, Citation
from .query import Query
from .retrieval import Hit

NOT_IN_ARTICLE = "The article doesn't say."

_MONTH_OR_DAY = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|tonight"
    r"|centur(?:y|ies)|decades?|years?|months?|weeks?|ago|spring|summer|autumn|winter|era|age)\b"
)
_YEAR = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b")
_SPEECH = re.compile(
    r"[“”\"]|\b(?:said|says|say|saying|added|stated|announced|declared|tweeted|told|wrote|argued|"
    r"claimed|called|indicating|according to|statement)\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\d+(?:[.,]\d+)*|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty"
    r"|fifty|hundreds?|thousands?|millions?|billions?|dozens?|half|twice|several|few)\b"
)


def has_answer_type(sentence: str, kind: str | None, question: str) -> bool:
    """Return whether a sentence holds the kind of answer asked for, beyond the question's words."""
    if kind == "speech":
        return bool(_SPEECH.search(sentence))
    if kind not in ("number", "date"):
        return True
    text = fold(sentence).lower()
    asked = fold(question).lower()
    pattern = _NUMBER if kind == "number" else None
    if kind == "number" and re.search(r"\bpercent|\bper cent|%", asked):
        pattern = re.compile(r"\d")  # "millions" is no percentage
    found = (
        [m.group() for m in pattern.finditer(text)]
        if pattern
        else [m.group() for m in _YEAR.finditer(text)] + [m.group() for m in _MONTH_OR_DAY.finditer(text)]
    )
    if kind == "number":  # a year says when, not how many
        found = [item for item in found if not _YEAR.fullmatch(item)]
    return any(item not in asked for item in found)


def new_information(hit: Hit, query: Query) -> bool:
    """Return whether a sentence says more than the question already does."""
    return bool(hit.sentence_terms - query.asked_terms)


_NEGATION = re.compile(r"\b(?:not|never|no|none|neither|nor|without|cannot)\b|n't\b", re.IGNORECASE)


def agrees_in_polarity(hit: Hit, query: Query) -> bool:
    """Return False when the question asks what did not happen and the sentence negates nothing.

    "Which leaders did they not attack?" is not answered by "they attacked leaders who...".
    """
    return not _NEGATION.search(fold(query.text)) or bool(_NEGATION.search(fold(hit.text)))


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
    return not predicate or any(group.terms & hit.sentence_terms for group in predicate)


def names_the_same(hit: Hit, query: Query) -> bool:
    """Return False when the sentence shares a first name with a name asked about but lacks its
    last word: "Luis Fernando Camacho" is not "Luis Arce"."""
    for name in query.names:
        parts = terms(name)
        if parts and parts[-1] not in hit.sentence_terms and set(parts[:-1]) & hit.sentence_terms:
            return False
    return True


_REASON = re.compile(
    r"\b(?:because|due to|owing to|in response to|in order to|as a result|so that|caused|led to|"
    r"since|therefore|thus|consequently|reason)\b",
    re.IGNORECASE,
)


def _first_close(hits: list[Hit], wanted: Callable[[Hit], bool], close: float = 0.5) -> list[Hit]:
    """Put first the best candidate, scoring within close of the best, that is wanted."""
    for index, hit in enumerate(hits):
        if hit.score < close * hits[0].score:
            break
        if wanted(hit):
            return [hit] + hits[:index] + hits[index + 1 :]
    return hits


# Words that say what someone is, standing before a name ("the ambassador, Philip Goldberg").
_ROLES = (
    r"president|ex-president|president-elect|minister|leader|candidate|ambassador|politician|chief|"
    r"director|head|official|general|senator|governor|secretary|founder|author|king|queen|emperor|"
    r"prince|chairman|chair|mayor|judge|spokesman|spokeswoman|commander|activist|journalist|"
    r"businessman|writer|scientist|member|ruler|dictator|pope|bishop|premier|chancellor"
)


def _describes(sentence: str, query: Query) -> bool:
    """Return whether the sentence says what the person asked about is: a role before the name,
    or an apposition after it ("Luis Arce, the MAS presidential candidate")."""
    text = fold(sentence)
    names = re.findall(r"(?<=\s)[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)*", fold(query.text))
    for name in names:
        last = re.escape(name.split()[-1])
        full = r"\s+".join(re.escape(part) for part in name.split())
        if re.search(rf"\b(?:{_ROLES}),?\s+(?:[A-Z][\w.-]*\s+)*{last}\b", text, re.IGNORECASE) or re.search(
            rf"\b{full},\s+(?:the|a|an)\s", text, re.IGNORECASE
        ):
            return True
    return False


def choose(
    hits: Sequence[Hit],
    query: Query,
    min_coverage: float = 0.25,
    full_coverage: float = 0.99,
    max_chars: int = 560,
) -> list[Hit]:
    """Pick the sentences that answer the query: none, one, or the best two.

    A sentence must say enough of what was asked (min_coverage of the question's IDF-weighted
    terms, in the sentence itself), name or refer back to every name asked about, hold more than
    the names, agree in negation, and hold a number or date when one is asked for. The second
    best is added only when the best leaves part of the question to its passage (its coverage
    is below full_coverage) and both fit in max_chars. On the SQuAD articles each of these rules
    abstains on more unanswerable questions than it costs answerable ones.
    """
    usable = [
        hit
        for hit in hits
        if hit.sentence_coverage >= min_coverage
        and not hit.missing_entities
        and matches_predicate(hit, query)
        and names_the_same(hit, query)
        and agrees_in_polarity(hit, query)
        and has_answer_type(hit.text, query.answer_type, query.text)
        and new_information(hit, query)
    ]
    if query.answer_type == "reason":
        usable = _first_close(usable, lambda hit: bool(_REASON.search(hit.text)))
    elif query.answer_type == "identity":
        usable = _first_close(usable, lambda hit: _describes(hit.text, query))
    chosen = usable[:1]
    # A second sentence from the same passage, or one that answers as much of the question as
    # the best: never two halves of a question that the article answers nowhere together.
    said_by_best = query.asked_terms & usable[0].sentence_terms if usable else frozenset()
    seconds = [
        hit
        for hit in usable[1:]
        if hit.passage.id == usable[0].passage.id or said_by_best <= hit.sentence_terms
    ]
    if seconds and usable[0].coverage < full_coverage:
        best, second = usable[0], seconds[0]
        if min(len(best.text), MAX_QUOTE_CHARS) + min(len(second.text), MAX_QUOTE_CHARS) <= max_chars:
            chosen.append(second)
    return chosen


MAX_QUOTE_CHARS = 400
CLAUSE_END = re.compile(r"(?<=[,;:—–)])\s*|\s+(?=[—–(])")


def excerpt(sentence: str, query: Query, limit: int = MAX_QUOTE_CHARS) -> str:
    """Return the sentence, or when it is too long, the run of its clauses that says most of what
    was asked, marked with ellipses where it was cut; the words stay verbatim."""
    if len(sentence) <= limit:
        return sentence
    clauses = [c for c in CLAUSE_END.split(sentence) if c]
    wanted = {term for group in query.groups for term in group.terms}
    matched = [len(wanted & set(terms(clause))) + _holds_answer(clause, query) for clause in clauses]
    best: tuple[int, int, int] = (-1, 0, 0)
    for start in range(len(clauses)):
        length = hits = 0
        for end in range(start, len(clauses)):
            length += len(clauses[end]) + 1
            if length > limit:
                break
            hits += matched[end]
            # Most of what was asked; among equals, the most context.
            if hits > best[0] or (hits == best[0] and end - start > best[2] - best[1]):
                best = (hits, start, end)
    if best[0] < 0:  # no clause fits: cut at a word boundary
        return sentence[: sentence.rfind(" ", 0, limit)].rstrip(",;: ") + " …"
    _, start, end = best
    text = " ".join(clauses[start : end + 1]).rstrip(",;: ")
    return ("… " if start else "") + text + (" …" if end < len(clauses) - 1 else "")


def _holds_answer(clause: str, query: Query) -> bool:
    """Return whether a clause holds the kind of thing asked for: a number or date, or for "who"
    and "where" a name the question does not have."""
    if query.answer_type in ("number", "date"):
        return has_answer_type(clause, query.answer_type, query.text)
    if query.answer_type in ("person", "place", "identity"):
        asked = {token.term for token in tokenize(query.text)}
        return any(t.capitalized and not t.stop and t.term not in asked for t in tokenize(clause)[1:])
    return False


def quote(chosen: Sequence[Hit], query: Query) -> Answer:
    """Quote the chosen sentences in article order, each followed by its passage's [n] marker."""
    ordered = sorted(chosen, key=lambda hit: (hit.passage.id.split("#")[0], hit.passage.number, hit.sentence))
    citations: list[Citation] = []
    parts: list[str] = []
    for hit in ordered:
        ref = next((c.ref for c in citations if c.passage.id == hit.passage.id), None)
        if ref is None:
            ref = len(citations) + 1
            citations.append(Citation(ref=ref, passage=hit.passage))
        parts.append(f"{excerpt(hit.text, query)} [{ref}]")
    return Answer(text=" ".join(parts), abstained=False, citations=tuple(citations))


def abstain(articles: Sequence[Article], reason: str = NOT_IN_ARTICLE) -> Answer:
    """Say plainly that the article doesn't answer, pointing to what it does cover."""
    titles = "; ".join(f"“{article.title}”" for article in articles[:3])
    more = f" and {len(articles) - 3} more" if len(articles) > 3 else ""
    return Answer(text=reason, abstained=True, hint=f"I can answer questions about {titles}{more}.")
