"""Words that mark what a text holds: numbers, dates, speech, negation, reasons and roles.

Questions and sentences are both read with these when they are analysed (`question.py`,
`facts.py`); the ranker's signals (`signals.py`) compare what the two hold. The patterns match
folded text (`analysis.fold`), lowercased unless they ignore case.
"""

from __future__ import annotations

import re

from .lexicon import (
    AMOUNT_NAMES,
    AMOUNT_WORDS,
    CARDINALS,
    DAYS,
    MEASURE_NAMES,
    MONTHS,
    POSSESSIVE_PRONOUNS,
    ROLE_WORDS,
)

MONTH_OR_DAY = re.compile(
    rf"\b(?:{'|'.join(MONTHS + DAYS)}|today|yesterday|tomorrow|tonight"
    r"|centur(?:y|ies)|decades?|years?|months?|weeks?|ago|spring|summer|autumn|winter|era|age)\b"
)


def is_calendar(word: str) -> bool:
    """Return whether a word is a month's, a day's or another word of time ("February"): a time,
    not whom a later "he" means."""
    return bool(MONTH_OR_DAY.fullmatch(word.lower()))


# What a number answers when a question asks for it by name ("What is the population of La Paz?",
# "What was the price of oil?"): a quantity, not a thing. AMOUNTS are sums of money.
AMOUNTS = "|".join(AMOUNT_NAMES)
MEASURES = "|".join(MEASURE_NAMES)
# "what is the (estimated) population of", "what was Bolivia's GDP", "what speed": the quantity
# asked for by its name, right after "what" or after "what is" and a determiner or a possessive.
QUANTITY_ASKED = re.compile(
    rf"\bwhat (?:(?:is|was|are|were) (?:(?:the|{'|'.join(POSSESSIVE_PRONOUNS)}|[\w.-]+(?:'s|'))\s+)?)?"
    r"(?:(?:approximate|estimated|average|total|current|annual|maximum|minimum|overall) )?"
    rf"(?P<quantity>{AMOUNTS}|{MEASURES})\b"
)


YEAR = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b")
# Words that say how many: the cardinals but "one", which is as often a pronoun ("the one who",
# "one of them"), with their plurals and the words of an amount ("dozens", "twice", "several").
NUMBER_WORDS = frozenset(CARDINALS).difference({"one"}) | frozenset(AMOUNT_WORDS)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*|\b(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b")
DIGIT = re.compile(r"\d")
# What makes a number an ordinal ("the 20th century"): a place in a series, not how many.
ORDINAL_ENDING = re.compile(r"(?:st|nd|rd|th)\b")
PERCENT = re.compile(r"\bpercent|\bper cent|%")
QUOTE_MARK = re.compile(r"[“”\"]")
SPEECH = re.compile(
    r"[“”\"]|\b(?:said|says|say|saying|added|stated|announced|declared|tweeted|told|wrote|argued|"
    r"claimed|called|indicating|according to|statement)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(r"\b(?:not|never|no|none|neither|nor|without|cannot)\b|n't\b", re.IGNORECASE)
REASON = re.compile(
    r"\b(?:because|due to|owing to|in response to|in order to|as a result|so that|caused|led to|"
    r"since|therefore|thus|consequently|reason)\b",
    re.IGNORECASE,
)
# Words that say what someone is, standing before a name ("the ambassador, Philip Goldberg").
ROLES = "|".join(ROLE_WORDS)
