"""The exact answer inside a quoted sentence: the name, date, number or place a question asks for.

`Engine.ask` quotes whole sentences; for a question whose wording says what kind of thing it
asks for ("who", "when", "how many", "how much", "where"), `answer_span` finds that thing in
the most probable excerpt quoted (kept as that quote's `bold`, `model.Quote`), shown in bold in
Telegram and given as `span` in the console's JSON. It looks only at the text quoted and the
analysed question (`question.Question`): no model, a few regular expressions over one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import cues
from .analysis import stem
from .lexicon import (
    AMOUNT_NAMES,
    ARTICLES,
    CARDINALS,
    DAYS,
    MONTH_ABBREVIATIONS,
    MONTHS,
    NAME_JOINERS,
    PLACE_PREPOSITIONS,
    STOPWORDS,
)
from .question import Question

KINDS = ("date", "count", "amount", "percent", "measure", "person", "place")
# The kinds whose span is shown: those whose exact-match precision, measured by
# tools/measure_spans.py on the 8 SQuAD articles held out from development, reached 80%.
# Among the answerable questions answered there with the bundled ranker: precision, and how
# often a span is found.
#   date ("when", "what year")   87.4% (83/95); found on 90.5% of 105
#   count ("how many")           90.9% (40/44); found on 86.3% of 51
# Not shown: person ("who") 47.1% (33/70), place ("where") 57.1% (12/21), amount ("how much")
# 66.7% (4/6), percent 50.0% (3/6), measure ("how long", "how old" ...) 50.0% (3/6).
SHOWN: frozenset[str] = frozenset({"date", "count"})

_FULL_MONTHS = "|".join(month.capitalize() for month in MONTHS)
_MONTHS = _FULL_MONTHS + "|" + "|".join(month.capitalize() for month in MONTH_ABBREVIATIONS)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:\d{3,4}s?(?:\s?(?:BC|BCE|AD|CE|B\.C\.|A\.D\.)(?!\w))?|(?:AD|A\.D\.)\s?\d{1,4})"
_DATE = re.compile(
    rf"\b(?:(?:{_MONTHS})\.?\s{_DAY},?\s{_YEAR}"  # October 19, 2020
    rf"|{_DAY}\s(?:{_MONTHS})\.?,?\s{_YEAR}"  # 19 October 2020
    rf"|(?:{_MONTHS})\.?,?\s{_YEAR}"  # October 2020
    rf"|(?:{_MONTHS})\.?\s{_DAY}(?!\d)"  # October 19
    rf"|{_DAY}\s(?:{_MONTHS})\b"  # 19 October
    r"|(?:(?:early|late|mid)[\s-])?\d{1,2}(?:st|nd|rd|th)[\s-]century(?:\s(?:BC|BCE|AD|CE))?"
    r"|(?:(?:early|late|mid)[\s-])?\d{2,3}0s"
    rf"|between\s{_YEAR}\sand\s{_YEAR}|{_YEAR}\sto\s{_YEAR}"  # between 1621 and 1629, 1562 to 1598
    rf"|{_YEAR}(?:\s?[–-]\s?\d{{2,4}}s?(?!\d))?)(?!\w)",
)
_MONTH_OR_DAY_QUESTION = re.compile(r"\b(?:what|which) (?:month|day of the week)\b")
_MONTH_OR_DAY = re.compile(rf"\b(?:{_FULL_MONTHS}|{'|'.join(day.capitalize() for day in DAYS)})\b")
_NAMED_YEAR = re.compile(r"\b(?:Act|Treaty|Convention|Agreement|Directive)\s$")  # "the Scotland Act 1998"
_UNITS = (
    r"percent|per\scent|%|km2?|kilometers?|kilometres?|miles?|meters?|metres?|feet|foot|inches|"
    r"square\s(?:miles|kilometers|kilometres|meters|metres|feet)|acres?|hectares?|tons?|tonnes?|"
    r"kg|kilograms?|pounds|lbs?|dollars|euros|yuan|degrees|°[CF]?|mph|km/h|years?|months?|weeks?|"
    r"days?|hours?|minutes?|seconds?|centuries|decades|times|GW|MW|kW|W|V|Hz|GHz|MHz"
)
_NUMBER_WORDS = "|".join(sorted(CARDINALS, key=len, reverse=True)) + (
    r"|a\shundred|a\sthousand|a\sdozen|dozens|hundreds|thousands|millions|half"
)
_FIGURE = (
    r"(?:(?:US|U\.S\.|A|C|HK|NZ)?[$£€¥]\s?)?"
    rf"(?:\d+(?:[.,]\d+)*|(?:{_NUMBER_WORDS})(?:-(?:{_NUMBER_WORDS}))?)(?!\w)"
    r"(?:\s(?:hundred|thousand|million|billion|trillion)(?!\w))*"
)
_NUMBER = re.compile(
    rf"(?<![\w.,])(?:between\s{_FIGURE}\sand\s|{_FIGURE}\s?(?:to|–|-)\s?)?{_FIGURE}"  # 12 to 15 million
    rf"(?:\s?(?:{_UNITS})(?!\w))?",
    re.IGNORECASE,
)
_A_YEAR = re.compile(r"(?:1[0-9]{3}|20[0-9]{2})s?")
_DIGITS = re.compile(r"\d+(?:[.,]\d+)*s?")
_UNIT_AT_END = re.compile(rf"\s?(?:{_UNITS})$", re.IGNORECASE)
_MONEY = re.compile(r"[$£€¥]|\b(?:dollars|euros|pounds|yuan)\b", re.IGNORECASE)
_PERCENT = re.compile(r"%|percent|per cent", re.IGNORECASE)
NEAR = 4  # words either side of a span where the question's words count (set on the SQuAD dev articles)
_WORD = re.compile(r"\w+(?:['’.\-&]\w+)*")
_NOT_NAMES = frozenset(MONTHS + DAYS)
# A lone capitalised word before a lowercase word that ends like "French", "Turkish", "Chinese",
# "American": an adjective ("a French version"), not who or where.
_ADJECTIVE = re.compile(r"(?:ish|ese|ian|ean|can|ic|ch)$")
_PLACE_NAMED = re.compile(r"\b(?:what|which) (?:country|city|town|place|region|state)\b")
_AMOUNT_QUESTION = re.compile(r"\bhow much\b")
_MEASURE_QUESTION = re.compile(r"\bhow (?:long|old|far|large|big|high|tall|often|deep|wide|fast|heavy)\b")
_AMOUNTS = frozenset(AMOUNT_NAMES) | {"amount", "sum"}
_COUNTS = frozenset(("number", "total", "share"))  # "what is the number of ...": a count


@dataclass(frozen=True, slots=True)
class _Word:
    start: int
    end: int
    text: str
    lower: str
    term: str  # its stem, to meet the question's terms
    capitalised: bool


def kind_of(question: Question) -> str | None:
    """Return the kind of exact answer a question asks for (one of KINDS), or None."""
    kind = question.answer_type
    if kind in ("date", "person", "place"):
        return kind
    if kind != "number":
        return None
    if question.percent:
        return "percent"
    named = cues.QUANTITY_ASKED.search(question.lowered)
    quantity = named.group("quantity") if named else None
    if _AMOUNT_QUESTION.search(question.lowered) or quantity in _AMOUNTS:
        return "amount"
    if _MEASURE_QUESTION.search(question.lowered) or (quantity is not None and quantity not in _COUNTS):
        return "measure"
    return "count"


def answer_span(question: Question, text: str, shown: frozenset[str] = SHOWN) -> tuple[int, int] | None:
    """Return where the exact answer stands in a quoted text, as [start, end) offsets, or None
    when the question asks for no such thing, its kind is not shown, or the text lacks one."""
    kind = kind_of(question)
    if kind is None or kind not in shown:
        return None
    words = [_word(m) for m in _WORD.finditer(text)]
    asked = _asked_words(question)
    if kind == "date":
        found = [
            (m.start(), m.end()) for m in _DATE.finditer(text) if not _NAMED_YEAR.search(text, 0, m.start())
        ]
        if _MONTH_OR_DAY_QUESTION.search(question.lowered):  # "what month", "what day of the week"
            found = [(m.start(), m.end()) for m in _MONTH_OR_DAY.finditer(text)] or found
    elif kind in ("person", "place"):
        # A person is no place after "in", "at", ...; "which country" may name one anywhere.
        where = kind == "place" and not _PLACE_NAMED.search(question.lowered)
        found = _names(
            words, text, asked, after_preposition=True if where else (False if kind == "person" else None)
        )
    else:
        found = _numbers(text, kind)
    found = [span for span in found if not _already_asked(text[span[0] : span[1]], question, asked)]
    if not found:
        return None
    anchors = [
        (i, w.lower)
        for i, w in enumerate(words)
        if w.lower not in STOPWORDS and _is_asked(w, question, asked)
    ]
    scored = sorted(
        ((_closeness(span, words, anchors, question.counted), span) for span in found), reverse=True
    )
    if len(scored) > 1 and scored[1][0] == scored[0][0]:
        return None  # two as close as each other: no telling which one answers
    return scored[0][1]


def _word(match: re.Match[str]) -> _Word:
    # The sentence was analysed when it was indexed, but without offsets: its words are found
    # again here, lowercased and stemmed, not folded and tokenised anew.
    text = match.group()
    lower = text.lower()
    return _Word(
        match.start(), match.end(), text, lower, stem(re.sub(r"['’]s$", "", lower)), text[:1].isupper()
    )


def _asked_words(question: Question) -> frozenset[str]:
    return frozenset(question.plain.split())


def _is_asked(word: _Word, question: Question, asked: frozenset[str]) -> bool:
    return word.lower in asked or word.term in question.token_terms


def _already_asked(span_text: str, question: Question, asked: frozenset[str]) -> bool:
    """Return whether the question already holds all of a span's words."""
    said = [w for w in _WORD.findall(span_text.lower()) if w not in ARTICLES]
    return all(w in asked or w in question.lowered.split() for w in said)


def _numbers(text: str, kind: str) -> list[tuple[int, int]]:
    found = []
    for match in _NUMBER.finditer(text):
        start, end = match.span()
        value = match.group()
        if all(_A_YEAR.fullmatch(figure) for figure in _DIGITS.findall(value) or ["-"]):
            continue  # years ("1754", "1754-1763") say when, not how many
        if kind == "percent" and not _PERCENT.search(value):
            continue
        if kind == "count":  # what is counted is in the question: the number alone
            unit = _UNIT_AT_END.search(value)
            if unit and not _PERCENT.search(unit.group()):
                end = start + unit.start()
        found.append((start, end))
    if kind == "amount":
        money = [span for span in found if _MONEY.search(text[span[0] : span[1]])]
        return money or found
    return found


def _names(
    words: list[_Word], text: str, asked: frozenset[str], after_preposition: bool | None
) -> list[tuple[int, int]]:
    """Return the runs of capitalised words (joined by "of", "de", ...) that the question lacks;
    for a place, only those after "in", "at", "from", ... (an article between allowed)."""
    runs: list[tuple[int, int]] = []
    i = 0
    while i < len(words):
        word = words[i]
        if not word.capitalised or word.lower in _NOT_NAMES or (i == 0 and word.lower in STOPWORDS):
            i += 1
            continue
        first = last = i
        j = i + 1
        while j < len(words) and words[j].start - words[j - 1].end <= 1 + _abbreviated(words[j - 1], text):
            if words[j].capitalised and words[j].lower not in _NOT_NAMES:
                last = j
            elif words[j].lower not in NAME_JOINERS:
                break
            j += 1
        i = last + 1
        if all(w.lower in asked for w in words[first : last + 1]):
            continue
        before = words[first - 1].lower if first > 0 else ""
        if before in ARTICLES and first > 1:
            before = words[first - 2].lower
        if after_preposition is not None and (before in PLACE_PREPOSITIONS) != after_preposition:
            continue
        if first == last and _ADJECTIVE.search(words[first].lower) and last + 1 < len(words):
            if not words[last + 1].capitalised and words[last + 1].lower not in STOPWORDS:
                continue
        if first == 0 and last == 0 and not after_preposition:
            continue  # the capital of a sentence's first word says nothing
        runs.append((words[first].start, _strip_possessive(words[last])))
    return runs


def _abbreviated(word: _Word, text: str) -> bool:
    """Return whether a word is an initial or a short abbreviation ended by a full stop ("E.", "St.")."""
    return word.capitalised and len(word.text) <= 3 and text[word.end : word.end + 1] == "."


def _strip_possessive(word: _Word) -> int:
    for suffix in ("'s", "’s"):
        if word.text.endswith(suffix):
            return word.end - len(suffix)
    return word.end


def _closeness(
    span: tuple[int, int], words: list[_Word], anchors: list[tuple[int, str]], counted: str | None
) -> float:
    """Return how close a span stands to the question's words in the sentence: how many of them
    (each counted once) stand within NEAR words of it, plus a half when it is followed within
    three words by what a "how many" question counts."""
    start, end = span
    first = next((i for i, w in enumerate(words) if w.end > start), len(words))
    last = next((i for i in range(len(words) - 1, -1, -1) if words[i].start < end), first)
    near = {lower for i, lower in anchors if first - NEAR <= i < first or last < i <= last + NEAR}
    follows = counted is not None and any(w.term == counted for w in words[last + 1 : last + 4])
    return len(near) + 0.5 * follows
