"""Turn an analysed question (and the conversation so far) into the weighted term groups to search."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .analysis import Acronym, Token, terms
from .lexicon import LIGHT_VERBS, PERSONAL_PRONOUNS, POSSESSIVE_PRONOUNS
from .model import Turn
from .question import Question

# The pronouns a follow-up's name can stand in for ("her" taken as "her party", not "met her").
_POSSESSIVE = re.compile(rf"\b(?:{'|'.join(POSSESSIVE_PRONOUNS)})\b", re.IGNORECASE)
_PERSONAL = re.compile(rf"\b(?:{'|'.join(PERSONAL_PRONOUNS)})\b", re.IGNORECASE)


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
    """A question ready for retrieval: what it asks about, in the article's terms."""

    question: Question
    groups: tuple[TermGroup, ...]
    entities: tuple[str, ...]  # the question's names, or those a follow-up refers back to
    asked_terms: frozenset[str]  # the terms of the groups the question itself asks about
    referred: str = ""  # whom its pronoun stands for: the previous turn's name, as written

    @property
    def standalone(self) -> str:
        """Return the question as it would be asked on its own: its first pronoun replaced by
        whom it stands for ("What did he do?" after "Who is Luis Almagro?": "What did Luis
        Almagro do?"), or that name added when no pronoun can take it ("What did that cost?")."""
        if not self.referred:
            return self.text
        # Replaced by functions: a name is text, never a template (a backslash in it stays one).
        possessive, replaced = _POSSESSIVE.subn(lambda _: f"{self.referred}'s", self.text, count=1)
        if replaced:
            return possessive
        personal, replaced = _PERSONAL.subn(lambda _: self.referred, self.text, count=1)
        return personal if replaced else f"{self.text} ({self.referred})"

    @property
    def full_names(self) -> tuple[tuple[str, ...], ...]:
        """Return the names of two words or more asked about, as index terms: the question's, and
        whom its pronoun stands for ("Salvador Romero": ("salvador", "romero"))."""
        referred = [tuple(terms(self.referred))] if self.referred else []
        return tuple(name for name in [*self.question.name_terms, *referred] if len(name) > 1)

    @property
    def text(self) -> str:
        """Return the question as asked."""
        return self.question.text

    @property
    def answer_type(self) -> str | None:
        """Return the kind of answer the question asks for, if its wording says."""
        return self.question.answer_type

    @property
    def has_content(self) -> bool:
        """Return whether the question itself asks about anything (not only the context): a
        word, or a number within a conversation ("And in 2019?"); a bare "1?" asks nothing."""
        asked = [group for group in self.groups if group.asked]
        if len(asked) < len(self.groups):
            return bool(asked)
        return any(char.isalpha() for group in asked for term in group.terms for char in term)


def build_query(
    question: Question,
    acronyms: Iterable[Acronym] = (),
    previous: Turn | None = None,
    known: Callable[[str], bool] = lambda term: True,
) -> Query:
    """Build the query for a question; a follow-up borrows what the previous turn was about."""
    groups: list[TermGroup] = []
    for word, content in question.content:
        lower = word.lower()
        alternatives = _alternatives(word, content)
        if len(alternatives) == 1 and len(alternatives[0]) == 1:
            if not known(alternatives[0][0]) and known(lower) and lower.isalpha():
                alternatives += ((lower,),)  # an acronym typed in lower case: "oas" is "OAS"
        groups.append(TermGroup(word, alternatives, light=lower in LIGHT_VERBS))
    groups = _expand_acronyms(groups, list(acronyms))
    asked_terms = frozenset(term for group in groups for term in group.terms)
    entities = list(question.entities)
    referred = ""
    has_pronoun = question.has_pronoun
    if (
        previous is not None
        and not groups
        and not has_pronoun
        and set(previous.terms) - set(previous.entities)
    ):
        # "Why?", "When?": it asks its question of what the previous one asked (more than a name:
        # "Who is Carlos Mesa?" "Why?" asks nothing), whose words it takes as its own; the answer
        # may well be the sentence just quoted.
        groups = [TermGroup(term, ((term,),)) for term in dict.fromkeys(previous.terms + previous.entities)]
        entities.extend(previous.entities)
        referred = previous.names[0] if previous.names else " ".join(previous.entities)
        asked_terms = frozenset(term for group in groups for term in group.terms)
    elif previous is not None and (has_pronoun or len(groups) <= 1 or not entities):
        carried = _context_groups(previous, asked_terms, bool(entities), has_pronoun, known)
        if not groups and has_pronoun:
            # "What did he do?": all it asks is about whom the last question was.
            carried = [g for g in carried if g.asked]
        if has_pronoun:
            names = [g.surface for g in carried if g.asked]
            entities.extend(names)
            referred = previous.names[0] if previous.names else " ".join(names)
        groups.extend(carried)
        asked_terms = frozenset(term for group in groups if group.asked for term in group.terms)
    return Query(
        question=question,
        groups=tuple(groups),
        entities=tuple(dict.fromkeys(entities)),
        asked_terms=asked_terms,
        referred=referred,
    )


def _alternatives(word: str, tokens: tuple[Token, ...]) -> tuple[tuple[str, ...], ...]:
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
    if has_pronoun:
        # The pronoun stands for the previous subject: asked about as if named, even where the
        # article never names it ("What about Obama?" "When was he born?" is not "When born?").
        carried.extend(TermGroup(term, ((term,),)) for term in previous.entities if term not in asked)
    elif not has_entities:
        for term in previous.entities:
            if term not in asked and known(term):
                carried.append(TermGroup(term, ((term,),), weight=0.6, asked=False))
    if not has_entities or not has_pronoun:
        for term in previous.terms:
            if term not in asked and term not in previous.entities and known(term):
                carried.append(TermGroup(term, ((term,),), weight=0.3, asked=False))
    return carried
