"""Turn a question (and the conversation so far) into weighted term groups and an answer type."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .analysis import QUESTION_WORDS, Acronym, Token, fold, words
from .model import Turn

# Everyday verbs that say little of what is asked about: an answer may well use other words.
LIGHT_VERBS = frozenset(
    """want wants wanted need needs needed get gets got gotten have has had make makes made take
    takes took taken give gives gave given find finds found use uses used keep keeps kept become
    becomes became go goes went gone come comes came put puts seem seems seemed try tries tried
    mean means meant""".split()
)
PRONOUNS = frozenset(
    "he him his she her hers they them their theirs it its this that these those there".split()
)
_NUMBER_QUESTION = re.compile(
    r"\bhow (?:many|much|long|old|far|large|big|high|tall|often)\b|\bwhat (?:percent|percentage|"
    r"share|proportion|number|amount|fraction|portion|sum|total|rate|size|population)\b|"
    r"\bpercent(?:age)?s?\b",
)
_DATE_QUESTION = re.compile(
    r"^\s*when\b|\bwhen (?:did|was|were|is|does|do|will|had|has)\b|\b(?:what|which|in which|in what)"
    r" (?:year|years|date|month|day|century|decade|time|period|era)\b|\bsince when\b",
)
_PERSON_QUESTION = re.compile(r"^\s*(?:who|whom|whose)\b|\b(?:by|to|for|with) whom\b|\bwho (?:is|was|did)\b")
_SPEECH_QUESTION = re.compile(
    r"\bwhat (?:did|does|do|has|had|will|would)\b.*\b(?:say|tell|state|announce|declare|tweet|"
    r"claim|argue)\b"
)
_DEFINITION_QUESTION = re.compile(r"^\s*who (?:is|was|are|were)\b(?! the\b)")
_REASON_QUESTION = re.compile(r"^\s*why\b|\bfor what reason\b|\bwhat (?:caused|led to)\b")
_PLACE_QUESTION = re.compile(r"^\s*where\b|\b(?:what|which) (?:country|city|town|place|region|state)\b")


# Everyday words that questions use where news text says it another way, as stems, both ways.
_RELATED_PAIRS = [
    ("percentag", "percent"),
    ("win", "victori"),
    ("win", "winner"),
    ("lose", "defeat"),
    ("lose", "loss"),
    ("die", "kill"),
    ("die", "fatal"),
    ("birth", "born"),
    ("start", "begin"),
    ("end", "finish"),
    ("say", "statement"),
    ("say", "tell"),
    ("say", "announc"),
    ("hate", "hatr"),
    ("buy", "purchas"),
    ("job", "work"),
    ("job", "minist"),
    ("boss", "head"),
    ("leader", "head"),
    ("rich", "wealth"),
    ("poor", "poverti"),
    ("money", "fund"),
    ("money", "financ"),
    ("countri", "nation"),
    ("vote", "ballot"),
    ("vote", "elect"),
    ("elect", "poll"),
    ("kid", "child"),
    ("big", "larg"),
    ("huge", "larg"),
    ("small", "littl"),
    ("help", "aid"),
    ("fight", "battl"),
    ("war", "conflict"),
    ("fight", "war"),
    ("car", "vehicl"),
    ("allow", "permit"),
    ("stop", "halt"),
    ("stop", "end"),
    ("rise", "increas"),
    ("rise", "rebound"),
    ("fall", "declin"),
    ("fall", "drop"),
    ("increas", "grow"),
    ("decreas", "declin"),
    ("appoint", "name"),
    ("appoint", "nomin"),
    ("choos", "select"),
    ("creat", "found"),
    ("creat", "establish"),
    ("build", "construct"),
    ("invent", "creat"),
]
RELATED: dict[str, tuple[str, ...]] = {}
for _left, _right in _RELATED_PAIRS:
    RELATED[_left] = RELATED.get(_left, ()) + (_right,)
    RELATED[_right] = RELATED.get(_right, ()) + (_left,)


@dataclass(frozen=True)
class TermGroup:
    """One thing the question asks about, with the term sequences that can stand for it."""

    surface: str
    alternatives: tuple[tuple[str, ...], ...]
    weight: float = 1.0
    asked: bool = True  # False for context carried over from earlier turns
    light: bool = False  # an everyday verb ("want", "get") that the article may well put otherwise

    @property
    def terms(self) -> set[str]:
        return {term for alternative in self.alternatives for term in alternative}


@dataclass(frozen=True)
class Query:
    """A question ready for retrieval."""

    text: str
    groups: tuple[TermGroup, ...]
    answer_type: str | None  # "number", "date", "identity", "person", "place", "reason", "speech" or None
    entities: tuple[str, ...]
    asked_terms: frozenset[str]
    names: tuple[str, ...] = ()  # multi-word names as asked ("luis arce"), folded to lowercase

    @property
    def has_content(self) -> bool:
        return any(group.asked for group in self.groups)


def answer_type(question: str) -> str | None:
    """Return the kind of answer a question expects, when its wording says."""
    lowered = fold(question).lower()
    if _NUMBER_QUESTION.search(lowered):
        return "number"
    if _DATE_QUESTION.search(lowered):
        return "date"
    if _DEFINITION_QUESTION.search(lowered):
        return "identity"  # "Who is Carlos Mesa?": what the article says he is
    if _PERSON_QUESTION.search(lowered):
        return "person"
    if _PLACE_QUESTION.search(lowered):
        return "place"
    if _REASON_QUESTION.search(lowered):
        return "reason"
    if _SPEECH_QUESTION.search(lowered) and not _ARTICLE_VERB.search(lowered):
        return "speech"  # what someone said; not "what does the article say about ..."
    return None


def build_query(
    question: str,
    acronyms: Iterable[Acronym] = (),
    previous: Turn | None = None,
    known: Callable[[str], bool] = lambda term: True,
) -> Query:
    """Build the query for a question; a follow-up borrows what the previous turn was about."""
    groups: list[TermGroup] = []
    entities: list[str] = []
    names: list[list[str]] = [[]]
    has_pronoun = False
    question_words = QUESTION_WORDS | _asked_of_article(question)
    for position, (word, tokens) in enumerate(words(question)):
        if word[:1].isupper() and position > 0:
            names[-1].append(fold(word).lower())
        elif names[-1]:
            names.append([])
        lower = word.lower()
        if lower in PRONOUNS:
            has_pronoun = True
        content = [t for t in tokens if not t.stop and lower not in question_words]
        if not content:
            continue
        if any(t.capitalized for t in content) and (position > 0 or not word.isalpha()):
            entities.extend(t.term for t in content)
        alternatives = _alternatives(word, content)
        if len(alternatives) == 1 and len(alternatives[0]) == 1:
            alternatives += tuple((term,) for term in _related(alternatives[0][0], known))
            if not known(alternatives[0][0]) and known(lower) and lower.isalpha():
                alternatives += ((lower,),)  # an acronym typed in lower case: "oas" is "OAS"
        groups.append(TermGroup(word, alternatives, light=lower in LIGHT_VERBS))
    groups = _expand_acronyms(groups, list(acronyms))
    asked_terms = frozenset(term for group in groups for term in group.terms)
    if previous is not None and (has_pronoun or len(groups) <= 1 or not entities):
        carried = _context_groups(previous, asked_terms, bool(entities), has_pronoun, known)
        if not groups and has_pronoun:
            # "What did he do?": all it asks is about whom the last question was.
            carried = [TermGroup(g.surface, g.alternatives) for g in carried if g.weight > 0.5]
            entities.extend(g.surface for g in carried)
        groups.extend(carried)
    return Query(
        text=question,
        groups=tuple(groups),
        answer_type=answer_type(question),
        entities=tuple(dict.fromkeys(entities)),
        asked_terms=asked_terms,
        names=tuple(" ".join(name) for name in names if len(name) > 1),
    )


_ARTICLE_VERB = re.compile(
    r"\b(?:article|text|story|piece|report|author|writer|it)\s+(?:say|says|said|tell|tells|told|"
    r"mention|mentions|mentioned|report|reports|reported|write|writes|wrote)\b",
    re.IGNORECASE,
)


def _asked_of_article(question: str) -> frozenset[str]:
    """Return the verbs by which a question asks what the article says ("What does it say about
    Chile?"): they are part of how it asks, not of what it asks about."""
    found = _ARTICLE_VERB.findall(fold(question))
    return frozenset(match.split()[-1].lower() for match in found)


def _related(term: str, known: Callable[[str], bool]) -> list[str]:
    """Return other words the article uses for a term it doesn't have (victory for win)."""
    if known(term):
        return []
    return [word for word in RELATED.get(term, ()) if known(word)]


def _alternatives(word: str, tokens: list[Token]) -> tuple[tuple[str, ...], ...]:
    if len(tokens) > 1 and tokens[-1].surface == word:
        # A hyphenated word: its parts together, or the joined form alone.
        parts = tuple(dict.fromkeys(t.term for t in tokens[:-1]))
        return (parts, (tokens[-1].term,))
    return (tuple(dict.fromkeys(t.term for t in tokens)),)


def _expand_acronyms(groups: list[TermGroup], acronyms: list[Acronym]) -> list[TermGroup]:
    """Let an acronym stand for its long form and the long form for its acronym."""
    expanded = list(groups)
    for acronym in acronyms:
        for index, group in enumerate(expanded):
            if (acronym.short,) in group.alternatives:
                expanded[index] = TermGroup(
                    group.surface, group.alternatives + (acronym.long_terms,), group.weight
                )
        firsts = [g.alternatives[0] for g in expanded]
        span = len(acronym.long_terms)
        for start in range(len(firsts) - span + 1):
            if tuple(f[0] for f in firsts[start : start + span]) == acronym.long_terms:
                merged = TermGroup(
                    " ".join(g.surface for g in expanded[start : start + span]),
                    (acronym.long_terms, (acronym.short,)),
                )
                expanded[start : start + span] = [merged]
                break
    return expanded


def _context_groups(
    previous: Turn,
    asked: frozenset[str],
    has_entities: bool,
    has_pronoun: bool,
    known: Callable[[str], bool],
) -> list[TermGroup]:
    """Carry the previous turn's subject into a follow-up that refers back to it."""
    carried: list[TermGroup] = []
    if has_pronoun or not has_entities:
        for term in previous.entities:
            if term not in asked and known(term):
                carried.append(TermGroup(term, ((term,),), weight=0.6, asked=False))
    if not has_entities or not has_pronoun:
        for term in previous.terms:
            if term not in asked and term not in previous.entities and known(term):
                carried.append(TermGroup(term, ((term,),), weight=0.3, asked=False))
    return carried
