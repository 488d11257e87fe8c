"""Words that mark what a text holds: numbers, dates, speech, negation, reasons and roles.

Questions and sentences are both read with these when they are analysed (`question.py`,
`facts.py`); the ranker's signals (`signals.py`) compare what the two hold. The patterns match
folded text (`analysis.fold`), lowercased unless they ignore case.
"""

from __future__ import annotations

import re

MONTH_OR_DAY = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november|december"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|tonight"
    r"|centur(?:y|ies)|decades?|years?|months?|weeks?|ago|spring|summer|autumn|winter|era|age)\b"
)


def is_calendar(word: str) -> bool:
    """Return whether a word is a month's, a day's or another word of time ("February"): a time,
    not whom a later "he" means."""
    return bool(MONTH_OR_DAY.fullmatch(word.lower()))


# What a number answers when a question asks for it by name ("What is the population of La Paz?",
# "What was the price of oil?"): a quantity, not a thing. AMOUNTS are sums of money.
AMOUNTS = "price|cost|budget|salary|income|revenue|gdp|debt|fee|fees|wage|wages"
MEASURES = (
    "population|speed|velocity|height|length|temperature|distance|weight|mass|area|depth|width|"
    "density|altitude|elevation|size|diameter|radius|volume|frequency|wavelength|capacity|"
    "death toll|toll|rate|percentage|proportion|share|fraction|portion|number|amount|total|sum"
)
# "what is the (estimated) population of", "what was Bolivia's GDP", "what speed": the quantity
# asked for by its name, right after "what" or after "what is" and a determiner or a possessive.
QUANTITY_ASKED = re.compile(
    r"\bwhat (?:(?:is|was|are|were) (?:(?:the|its|their|his|her|[\w.-]+(?:'s|'))\s+)?)?"
    r"(?:(?:approximate|estimated|average|total|current|annual|maximum|minimum|overall) )?"
    rf"(?P<quantity>{AMOUNTS}|{MEASURES})\b"
)


YEAR = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b")
# The cardinal numbers in words, with their values: the one list that every reader of number
# words (the terms of `analysis`, the cues here, the spans of `spans`) builds on. The numbers in
# between are written with these ("twenty-five", "three hundred", "two million").
_ONES = """one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen
    sixteen seventeen eighteen nineteen""".split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
CARDINALS: dict[str, int] = {
    **{word: value for value, word in enumerate(_ONES, start=1)},
    **{word: 10 * value for value, word in enumerate(_TENS, start=2)},
    "hundred": 100,
    "thousand": 1_000,
    "million": 1_000_000,
    "billion": 1_000_000_000,
    "trillion": 1_000_000_000_000,
}
# Words that say how many: the cardinals but "one", which is as often a pronoun ("the one who",
# "one of them"), with their plurals and the words of an amount ("dozens", "twice", "several").
NUMBER_WORDS = frozenset(CARDINALS).difference({"one"}) | frozenset(
    """hundreds thousands millions billions trillions dozen dozens half twice several few""".split()
)
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
ROLES = (
    r"president|ex-president|president-elect|minister|leader|candidate|ambassador|politician|chief|"
    r"director|head|official|general|senator|governor|secretary|founder|author|king|queen|emperor|"
    r"prince|chairman|chair|mayor|judge|spokesman|spokeswoman|commander|activist|journalist|"
    r"businessman|writer|scientist|member|ruler|dictator|pope|bishop|premier|chancellor"
)
