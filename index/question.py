"""A question, analysed once when it arrives: its words, names, the kind of answer it asks for.

`Engine.ask` reads each question into a `Question`; the direct answers (`direct.py`), the query
(`query.py`), the ranker's signals (`signals.py`) and the quoting (`answer.py`) all read that
value rather than folding and tokenising the text again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import cues
from .analysis import Token, fold, folded_words, terms
from .language import SPANISH, detect
from .lexicon import NOT_A_THING, PRONOUNS, QUESTION_WORDS, SAID_QUESTION_WORDS, SPANISH_STOPWORDS

MAX_QUESTION_CHARS = 1000

_NUMBER_QUESTION = re.compile(
    r"\bhow (?:many|much|long|old|far|large|big|high|tall|often|deep|wide|fast|heavy)\b|"
    r"\bwhat percent\b|\bpercent(?:age)?s?\b"
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
# "What does the article say about ...": how a question asks, not what it asks about.
_ARTICLE_VERB = re.compile(
    r"\b(?:article|text|story|piece|report|author|writer|it)\s+(?:say|says|said|tell|tells|told|"
    r"mention|mentions|mentioned|report|reports|reported|write|writes|wrote)\b",
    re.IGNORECASE,
)
# The same kinds of question in Spanish (folded and lowercased: "¿Cuántos ...?" is "¿cuantos ...?").
_SPANISH_TYPES = (
    ("number", re.compile(r"^\W*cuant[oa]s?\b|\bque (?:porcentaje|cantidad|numero|parte)\b")),
    ("date", re.compile(r"^\W*(?:desde |hasta )?cuando\b|\b(?:en|desde) que (?:ano|fecha|mes|dia|siglo)\b")),
    ("identity", re.compile(r"^\W*quien(?:es)? (?:es|era|son|eran|fue)\b(?! (?:el|la|los|las)\b)")),
    ("person", re.compile(r"^\W*(?:a |de |por |con |para )?quien(?:es)?\b")),
    ("place", re.compile(r"^\W*(?:a|de|por)?donde\b|\b(?:en|a) que (?:pais|ciudad|lugar|region)\b")),
    ("reason", re.compile(r"^\W*por que\b")),
    ("speech", re.compile(r"\bque (?:dijo|dice|declaro|anuncio|afirmo|tuiteo|escribio)\b")),
)
# Spanish question words for SAID_QUESTION_WORDS, in its order.
_SPANISH_SAYS = (
    "(?<!por )que",
    "cual(?:es)?",
    "quien(?:es)?",
    "cuando",
    "donde",
    "como|cuant[oa]s?",
    "por que",
)
_COUNTED = re.compile(r"\bhow many ([a-z][a-z-]*)")
# "What is herd immunity?": a question asking only what something is, one or two words, not an
# attribute ("What is Warsaw's symbol?") or a relation ("What is QED short for?").
_DEFINED = re.compile(
    r"^\s*what (?:is|are|was|were) (?:(?:the|a|an) )?([\w-]+(?: [\w-]+)?)\s*\?*\s*$", re.IGNORECASE
)
_LETTER_WORDS = re.compile(r"[^\W\d_]+(?:['-][^\W\d_]+)*")
_CAPITALISED_RUN = re.compile(r"(?<=\s)[A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)*")


@dataclass(frozen=True)
class Question:
    """One question as asked, analysed once."""

    text: str  # as asked, its spacing normalised, at most MAX_QUESTION_CHARS
    folded: str  # analysis.fold(text)
    lowered: str  # ... and lowercased
    plain: str  # its words as typed, lowercased, one space apart: "who wrote it"
    token_terms: frozenset[str]  # the terms of all its tokens, stopwords included
    bigrams: frozenset[tuple[str, str]]  # consecutive index terms (stopwords removed)
    # The words that say what it asks about (not stopwords, not how it asks), each with its tokens.
    content: tuple[tuple[str, tuple[Token, ...]], ...]
    entities: tuple[str, ...]  # terms of the capitalised words of content, in order
    names: tuple[str, ...]  # multi-word names past its first word ("luis arce"), lowercased
    name_terms: tuple[tuple[str, ...], ...]  # the index terms of each of names
    named: tuple[str, ...]  # runs of capitalised words past its first, as written ("Luis Arce")
    has_pronoun: bool
    answer_type: str | None  # "number", "date", "identity", "person", "place", "reason", "speech"
    negated: bool  # it asks what did not happen
    says: tuple[bool, ...]  # whether it says each of SAID_QUESTION_WORDS
    counted: str | None  # the term of what a "how many" question counts ("how many troops": "troop")
    percent: bool  # it asks for a percentage
    defined: str | None  # what "What is X?" asks to be defined, as typed ("herd immunity")


def read_question(text: str) -> Question:
    """Analyse a question (its spacing normalised and its length capped first)."""
    text = " ".join(text.split())[:MAX_QUESTION_CHARS]
    folded = fold(text)
    if _case_says_nothing(folded):
        folded = folded.lower()  # read as if typed in lower case: no word is taken for a name
    lowered = folded.lower()
    spanish = detect(text) == SPANISH
    split = folded_words(folded)
    tokens = tuple(token for _, word_tokens in split for token in word_tokens)
    found = tuple(token.term for token in tokens if not token.stop)
    asked_of_article = frozenset(match.split()[-1].lower() for match in _ARTICLE_VERB.findall(folded))
    # A Spanish question about an English article is analysed in English: its small words
    # ("por", "que", "la") say how it asks, not what about ("la" is not La Paz).
    how_it_asks = QUESTION_WORDS | asked_of_article | (SPANISH_STOPWORDS if spanish else frozenset())
    content, entities, names, has_pronoun = _read_words(split, how_it_asks)
    # Spanish leaves the subject pronoun out ("¿Qué porcentaje obtuvo?": what share did he get):
    # a Spanish question that asks something of no one it names refers back, as "he" would.
    has_pronoun = has_pronoun or (spanish and bool(content) and not entities)
    counted = _COUNTED.search(lowered)
    counted_terms = terms(counted.group(1)) if counted else []
    return Question(
        text=text,
        folded=folded,
        lowered=lowered,
        plain=" ".join(token.surface for token in tokens).lower(),
        token_terms=frozenset(token.term for token in tokens),
        bigrams=frozenset(zip(found, found[1:], strict=False)),
        content=content,
        entities=entities,
        names=names,
        name_terms=tuple(tuple(terms(name)) for name in names),
        named=tuple(_CAPITALISED_RUN.findall(folded)),
        has_pronoun=has_pronoun,
        answer_type=_answer_type(lowered, spanish),
        negated=bool(cues.NEGATION.search(folded)),
        says=tuple(
            lowered.startswith(word) or f" {word} " in lowered or _says_in_spanish(lowered, words, spanish)
            for word, words in zip(SAID_QUESTION_WORDS, _SPANISH_SAYS, strict=True)
        ),
        counted=counted_terms[0] if counted_terms else None,
        percent=bool(cues.PERCENT.search(lowered)),
        defined=_defined(folded),
    )


def _case_says_nothing(folded: str) -> bool:
    """Return whether a question's capitals say nothing of which words are names: most of its
    words are in capitals ("WHO WON THE ELECTION?"), or every word past the first starts with one
    ("Who Won The Election?")."""
    words = _LETTER_WORDS.findall(folded)
    shouted = sum(1 for word in words if len(word) > 1 and word.isupper())
    if shouted * 2 > sum(1 for word in words if len(word) > 1):
        return True
    later = words[1:]
    return len(later) >= 3 and all(word[0].isupper() for word in later)


def _defined(folded: str) -> str | None:
    """Return X of "What is X?" when the question asks nothing else, else None."""
    match = _DEFINED.match(folded)
    if match is None or any(word.lower() in NOT_A_THING for word in match.group(1).split()):
        return None
    return match.group(1)


def _read_words(
    split: list[tuple[str, tuple[Token, ...]]], how_it_asks: frozenset[str]
) -> tuple[tuple[tuple[str, tuple[Token, ...]], ...], tuple[str, ...], tuple[str, ...], bool]:
    """Return the content words with their tokens, the entities, the multi-word names and
    whether a pronoun refers back."""
    content: list[tuple[str, tuple[Token, ...]]] = []
    entities: list[str] = []
    names: list[list[str]] = [[]]
    has_pronoun = False
    for position, (word, tokens) in enumerate(split):
        lower = word.lower()
        if word[:1].isupper() and position > 0:
            names[-1].append(lower)
        elif names[-1]:
            names.append([])
        if lower in PRONOUNS:
            has_pronoun = True
        kept = tuple(t for t in tokens if not t.stop and lower not in how_it_asks)
        if not kept:
            continue
        if any(t.capitalized for t in kept) and (position > 0 or not word.isalpha()):
            entities.extend(t.term for t in kept)
        content.append((word, kept))
    multi_word = tuple(" ".join(name) for name in names if len(name) > 1)
    return tuple(content), tuple(entities), multi_word, has_pronoun


def _says_in_spanish(lowered: str, words: str, spanish: bool) -> bool:
    """Return whether a Spanish question holds one of the Spanish question words."""
    return spanish and re.search(rf"(?:^|\W)(?:{words})\b", lowered) is not None


def _answer_type(lowered: str, spanish: bool = False) -> str | None:
    """Return the kind of answer a question (folded, lowercased) expects, when its wording says
    (in Spanish, for a question in Spanish)."""
    for kind, pattern in _SPANISH_TYPES if spanish else ():
        if pattern.search(lowered):
            return kind
    if _NUMBER_QUESTION.search(lowered) or cues.QUANTITY_ASKED.search(lowered):
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
