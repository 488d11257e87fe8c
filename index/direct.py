"""Questions answered without retrieval: about the article itself, acronyms, and small talk.

What is said in the bot's own words is returned as a fact (`Answer.said`, model.py), which the
front ends word (bot/texts.py)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .analysis import Acronym
from .answer import abstain
from .facts import CLAUSE_END, MAX_QUOTE_CHARS, SentenceFacts
from .model import Answer, Article, Citation, Passage, Quote, Said
from .question import Question

_SMALL_TALK = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening|day)|thanks?(?: you)?|thank you"
    r"(?: very much)?|cheers|ok(?:ay)?|bye|goodbye)\b[\s\W]*(?:there|all|bot|everyone)?[\s\W]*$",
    re.IGNORECASE,
)


def small_talk(question: Question, articles: Sequence[Article]) -> Answer | None:
    """Answer greetings and thanks with how to ask (Said.HELLO, Said.WELCOME), not "the article
    doesn't say"."""
    if not _SMALL_TALK.match(question.folded):
        return None
    thanks = re.search(r"\bthank|\bcheers", question.text, re.IGNORECASE)
    return Answer(abstained=True, said=Said.WELCOME if thanks else Said.HELLO, about=tuple(articles))


_DEFINITION_QUESTION = re.compile(
    r"\bwhat (?:does|do|did) (?:the )?([A-Za-z.&]{2,12}) (?:stand for|mean)\b"
    r"|\bwhat (?:is|was) (?:the )?([A-Za-z.&]{2,12}) short for\b"
    r"|\b(?:full name|long form|meaning) of (?:the )?([A-Za-z.&]{2,12})\b",
    re.IGNORECASE,
)


def define_acronym(
    question: Question, acronyms: Sequence[Acronym], sentences: Iterable[tuple[Passage, SentenceFacts]]
) -> Answer | None:
    """Answer "What does OAS stand for?" with the sentence that defines the acronym (sentences:
    the articles' sentences with their passages, in order)."""
    match = _DEFINITION_QUESTION.search(question.folded)
    if not match:
        return None
    asked = next(group for group in match.groups() if group).replace(".", "").lower()
    acronym = next((a for a in acronyms if a.short == asked), None)
    if acronym is None:
        return None
    defined = re.compile(rf"\(\s*{re.escape(acronym.short)}\s*\)", re.IGNORECASE)
    for passage, sentence in sentences:
        if defined.search(sentence.folded):
            return Answer(
                abstained=False,
                quotes=(Quote(excerpt_around(sentence.text, acronym.long_form), 1),),
                citations=(Citation(ref=1, passage=passage),),
            )
    return None


def excerpt_around(sentence: str, phrase: str, limit: int = MAX_QUOTE_CHARS) -> str:
    """Return the sentence, cut to its clauses around a phrase when it is too long."""
    if len(sentence) <= limit:
        return sentence
    clauses = [c for c in CLAUSE_END.split(sentence) if c]
    for index, clause in enumerate(clauses):
        if phrase in clause:
            return (
                ("… " if index else "") + clause.rstrip(",;: ") + (" …" if index < len(clauses) - 1 else "")
            )
    return sentence[:limit]


# The article itself, as a question names it: "the article", "this story", "it", "this".
_SELF = r"(?:(?:the|this|your) (?:article|story|piece|report|text|post|news)|it|this)"
_AUTHOR = re.compile(
    rf"^(?:who|which (?:journalist|reporter|writer))(?: has| had)? (?:wrote|written|authored|penned) {_SELF}$"
    rf"|^(?:who|by whom) (?:is|was) {_SELF} (?:written|authored)(?: by)?$"
    rf"|^(?:who|what) (?:is|was|are|were) (?:the |its )?(?:authors?|writers?|journalists?|reporters?|byline)"
    rf"(?: name)?(?: (?:of|behind|for) {_SELF})?$"
    rf"|^(?:the )?(?:authors?|writers?|byline)(?: (?:of|behind) {_SELF})?$"
)
_DATE = re.compile(
    rf"^(?:when|what date|which date|what day|what year|on what date|on which date)"
    rf" (?:was|is|did|were) {_SELF}(?: first)? (?:published|written|posted|released|dated|come out|appear)$"
    rf"|^(?:what|when) (?:is|was) (?:the |its )?(?:publication |publishing )?date(?: of {_SELF})?$"
    rf"|^(?:the )?publication date(?: of {_SELF})?$"
)
_TOPIC = re.compile(
    rf"^what (?:is|was) {_SELF}(?: mainly| mostly| all)? about$"
    rf"|^what (?:is|was) (?:the |its )?(?:title|headline)(?: of {_SELF})?$"
    rf"|^(?:the )?(?:title|headline)(?: of {_SELF})?$"
    rf"|^(?:please )?(?:summari[sz]e|give (?:me )?a summary of|sum up) {_SELF}$"
    rf"|^(?:what is )?(?:the |a )?summary(?: of {_SELF})?$"
)


def _plain(question: Question) -> str:
    """Return the question's words, lowercased, "'s" as "is", without punctuation."""
    text = re.sub(r"(?<=[a-z])'s\b", " is", question.lowered)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def about_article(
    question: Question, articles: Sequence[Article], current: Article | None = None
) -> Answer | None:
    """Answer questions about the article itself (its author, date, or title and opening) from its
    metadata: the only article, else the conversation's (current); with several and none current,
    list them (Said.ARTICLES)."""
    plain = _plain(question)
    if len(plain.split()) > 12:
        return None
    asks = next((kind for kind, rule in _ABOUT if rule.search(plain)), None)
    if asks is None:
        return None
    if current is None and len(articles) == 1:
        current = articles[0]
    if current is None:
        return Answer(abstained=False, said=Said.ARTICLES, about=tuple(articles))
    if asks == "author":
        return _from_metadata(current, Said.AUTHOR) if current.author else abstain([current], Said.NO_AUTHOR)
    if asks == "date":
        return _from_metadata(current, Said.DATE) if current.date else abstain([current], Said.NO_DATE)
    lead = current.passages[0]
    return Answer(
        abstained=False,
        quotes=(Quote(lead.sentences[0], 1),),
        citations=(Citation(ref=1, passage=lead),),
        said=Said.TOPIC,
        about=(current,),
    )


def _from_metadata(article: Article, said: Said) -> Answer:
    return Answer(abstained=False, said=said, about=(article,))


_ABOUT = (("author", _AUTHOR), ("date", _DATE), ("topic", _TOPIC))
