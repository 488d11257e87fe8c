"""Questions answered without retrieval: about the article itself, acronyms, and small talk."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from .analysis import Acronym
from .answer import abstain
from .facts import CLAUSE_END, MAX_QUOTE_CHARS, SentenceFacts
from .model import Answer, Article, Citation, Passage
from .question import Question

_SMALL_TALK = re.compile(
    r"^\W*(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening|day)|thanks?(?: you)?|thank you"
    r"(?: very much)?|cheers|ok(?:ay)?|bye|goodbye)\b[\s\W]*(?:there|all|bot|everyone)?[\s\W]*$",
    re.IGNORECASE,
)


def small_talk(question: Question, articles: Sequence[Article]) -> Answer | None:
    """Answer greetings and thanks with how to ask, not with "the article doesn't say"."""
    if not _SMALL_TALK.match(question.folded):
        return None
    titles = "; ".join(f"“{article.title}”" for article in articles[:3])
    opening = "You're welcome!" if re.search(r"\bthank|\bcheers", question.text, re.IGNORECASE) else "Hello!"
    return Answer(
        text=f"{opening} Ask me a question about {titles} and I will answer from the article.",
        abstained=True,
    )


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
                text=f"{excerpt_around(sentence.text, acronym.long_form)} [1]",
                abstained=False,
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


_AUTHOR = re.compile(r"\b(?:author|authors|writer|wrote|written|byline|journalist|reporter)\b")
_DATE = re.compile(
    r"\b(?:when|what date|which date|what day)\b.*\b(?:article|story|piece|report|it)\b.*"
    r"\b(?:published|written|posted|released|dated|come out|appear)|\bpublication date\b|\bdated\b"
)
_TOPIC = re.compile(
    r"\bwhat(?:'s| is| was)? (?:the |this )?(?:article|story|piece|text)(?: mainly| mostly)? about\b"
    r"|\b(?:title|headline)\b|\bsummar(?:y|ise|ize)\b|\bwhat (?:is|was) (?:it|this) about\b"
)


def about_article(question: Question, articles: Sequence[Article]) -> Answer | None:
    """Answer questions about the article itself (author, date, topic) from its metadata."""
    lowered = question.plain
    if len(articles) != 1 or len(lowered.split()) > 12:
        return None
    article = articles[0]
    if _AUTHOR.search(lowered):
        if not article.author:
            return abstain(articles, "The article doesn't name its author.")
        when = f", published {article.date}" if article.date else ""
        return Answer(text=f"“{article.title}” was written by {article.author}{when}.", abstained=False)
    if _DATE.search(lowered):
        if not article.date:
            return abstain(articles, "The article doesn't give its date.")
        return Answer(text=f"“{article.title}” was published on {article.date}.", abstained=False)
    if _TOPIC.search(lowered):
        lead = article.passages[0]
        return Answer(
            text=f"The article is titled “{article.title}”. It opens: {lead.sentences[0]} [1]",
            abstained=False,
            citations=(Citation(ref=1, passage=lead),),
        )
    return None
