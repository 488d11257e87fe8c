"""Turn text into index terms: accents, case, quotes, dashes, hyphens, numbers, stems, acronyms."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from nltk.stem.snowball import SnowballStemmer

from .lexicon import CARDINALS, SPANISH_STOPWORDS, STOPWORDS

COUNTRY_US = "u_s"  # "US" and "U.S." the country: never the stopword "us"


# Irregular forms a stemmer cannot meet with their base form.
_IRREGULAR = {
    "won": "win",
    "began": "begin",
    "begun": "begin",
    "took": "take",
    "taken": "take",
    "went": "go",
    "gone": "go",
    "made": "make",
    "held": "hold",
    "gave": "give",
    "given": "give",
    "got": "get",
    "gotten": "get",
    "led": "lead",
    "left": "leave",
    "lost": "lose",
    "paid": "pay",
    "sold": "sell",
    "bought": "buy",
    "brought": "bring",
    "built": "build",
    "came": "come",
    "fell": "fall",
    "fallen": "fall",
    "felt": "feel",
    "fought": "fight",
    "found": "find",
    "grew": "grow",
    "grown": "grow",
    "heard": "hear",
    "kept": "keep",
    "knew": "know",
    "known": "know",
    "meant": "mean",
    "met": "meet",
    "ran": "run",
    "rose": "rise",
    "risen": "rise",
    "saw": "see",
    "seen": "see",
    "sent": "send",
    "spent": "spend",
    "stood": "stand",
    "taught": "teach",
    "thought": "think",
    "told": "tell",
    "wrote": "write",
    "written": "write",
    "chose": "choose",
    "chosen": "choose",
    "drove": "drive",
    "driven": "drive",
    "ate": "eat",
    "flew": "fly",
    "flown": "fly",
    "forgot": "forget",
    "froze": "freeze",
    "hid": "hide",
    "sang": "sing",
    "sank": "sink",
    "spoke": "speak",
    "spoken": "speak",
    "stole": "steal",
    "struck": "strike",
    "swore": "swear",
    "threw": "throw",
    "thrown": "throw",
    "wore": "wear",
    "died": "die",
    "dead": "die",
    "death": "die",
    "deaths": "die",
    "born": "birth",
    "said": "say",
    "says": "say",
    "percentage": "percent",
    "percentages": "percent",
    "children": "child",
    "men": "man",
    "women": "woman",
    "people": "person",
    "mice": "mouse",
    "feet": "foot",
    "teeth": "tooth",
    "bore": "bear",
    "borne": "bear",
    "arose": "arise",
    "arisen": "arise",
    "dealt": "deal",
    "fed": "feed",
    "fled": "flee",
    "hung": "hang",
    "laid": "lay",
    "lent": "lend",
    "shot": "shoot",
    "shut": "shut",
    "slept": "sleep",
    "sought": "seek",
    "split": "split",
    "spread": "spread",
    "stuck": "stick",
    "swept": "sweep",
    "understood": "understand",
    "wept": "weep",
    "withdrew": "withdraw",
    "withdrawn": "withdraw",
    "overthrew": "overthrow",
    "overthrown": "overthrow",
    "undertook": "undertake",
}
_NUMBER_WORDS = {
    **{word: str(value) for word, value in CARDINALS.items()},
    "once": "1",
    "twice": "2",
    "first": "1st",
    "second": "2nd",
    "third": "3rd",
}
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2013": " - ",
        "\u2014": " - ",
        "\u2012": " - ",
        "\u2015": " - ",
        "\u2212": "-",
        "\u2010": "-",
        "\u2011": "-",
        "\u00a0": " ",
        "%": " percent ",
    }
)
# Words, with inner hyphens, apostrophes and number punctuation kept for the rules below.
_WORD = re.compile(r"[^\W_]+(?:['.,\-/][^\W_]+)*\.?")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Z]\.){2,}$|^(?:[A-Z]\.)+[A-Z]$")

_stemmer = SnowballStemmer("english")
_spanish_stemmer = SnowballStemmer("spanish")  # nltk's own code: no downloaded data

# The language text is analysed in: an article's, and a question's when it is asked of that
# article (index/engine.py sets it with analysed_in). English unless set.
_LANGUAGE: ContextVar[str] = ContextVar("analysis_language", default="en")


@contextmanager
def analysed_in(language: str) -> Iterator[None]:
    """Analyse text in language ("en" or "es": its stemmer and stopwords) within the block."""
    token = _LANGUAGE.set(language)
    try:
        yield
    finally:
        _LANGUAGE.reset(token)


def analysis_language() -> str:
    """Return the language text is analysed in here (see analysed_in)."""
    return _LANGUAGE.get()


def is_stopword(lower: str) -> bool:
    """Return whether a lowercase, folded word is a stopword of the language analysed in."""
    return lower in (SPANISH_STOPWORDS if _LANGUAGE.get() == "es" else STOPWORDS)


_IDEOLOGY = re.compile(r"(\w{3,}is[mt])s?$")
_stem_cache: dict[str, str] = {}
_spanish_stem_cache: dict[str, str] = {}
# A word as found (and whether its text is all capitals): the word, lowercased, and its tokens,
# the same wherever it stands.
_word_cache: dict[tuple[str, bool, str], tuple[str, str, tuple[Token, ...]]] = {}


@dataclass(frozen=True)
class Token:
    """One word of a text: its surface form, its index term, and whether it is a stopword."""

    surface: str
    term: str
    stop: bool
    capitalized: bool


def fold(text: str) -> str:
    """Fold accents, quotes and dashes so that differently typed text compares equal."""
    text = text.translate(_TRANSLATE)
    if text.isascii():
        return text
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c))


def stem(word: str) -> str:
    """Stem one lowercase word, meeting irregular forms with their base form first (in English;
    a Spanish word with nltk's Snowball Spanish stemmer)."""
    if _LANGUAGE.get() == "es":
        return _stem_spanish(word)
    cached = _stem_cache.get(word)
    if cached is None:
        base = _IRREGULAR.get(word, word)
        if any(c.isdigit() for c in base):
            cached = base
        elif _IDEOLOGY.search(base):
            # Snowball makes "capitalism" and "capital", "socialism" and "social" one word.
            cached = _IDEOLOGY.sub(r"\1", base)
        else:
            cached = _stemmer.stem(base)
        if len(_stem_cache) < 200_000:
            _stem_cache[word] = cached
    return cached


def _stem_spanish(word: str) -> str:
    cached = _spanish_stem_cache.get(word)
    if cached is None:
        cached = word if any(c.isdigit() for c in word) else _spanish_stemmer.stem(word)
        # Snowball leaves the plural "s" of a short word ("islas", "rios"): singular and plural
        # are one term, as they are for the longer words it stems.
        if len(cached) > 3 and cached.endswith("s") and cached[-2] in "aeiou":
            cached = cached[:-1]
        if len(_spanish_stem_cache) < 200_000:
            _spanish_stem_cache[word] = cached
    return cached


def words(text: str) -> list[tuple[str, tuple[Token, ...]]]:
    """Split text into words, each with its tokens (a hyphenated word has its parts and the whole)."""
    return folded_words(fold(text))


def folded_words(folded: str) -> list[tuple[str, tuple[Token, ...]]]:
    """Split text already folded (by fold) into words, each with its tokens."""
    shouting = not any(c.islower() for c in folded)
    result: list[tuple[str, tuple[Token, ...]]] = []
    previous = ""
    for found in _WORD.findall(folded):
        key = (found, shouting, _LANGUAGE.get())
        known = _word_cache.get(key)
        if known is None:
            word = found if _DOTTED_ACRONYM.match(found) else found.rstrip(".")
            known = (word, word.lower(), tuple(_word_tokens(word, shouting, "")))
            if len(_word_cache) < 500_000:
                _word_cache[key] = known
        word, lower, tokens = known
        if previous == "the" and lower == "us":
            tokens = tuple(_word_tokens(word, shouting, previous))
        result.append((word, tokens))
        previous = lower
    return result


def tokenize(text: str) -> list[Token]:
    """Split text into tokens carrying index terms (several per hyphenated word)."""
    return [token for _, tokens in words(text) for token in tokens]


def terms(text: str) -> list[str]:
    """Return the index terms of a text, stopwords removed, in order."""
    return [token.term for token in tokenize(text) if not token.stop]


def _word_tokens(word: str, shouting: bool, previous: str) -> list[Token]:
    capitalized = word[:1].isupper()
    if _DOTTED_ACRONYM.match(word.rstrip(".") + ".") or _DOTTED_ACRONYM.match(word):
        letters = word.replace(".", "")
        term = COUNTRY_US if letters == "US" else letters.lower()
        return [Token(word, term, False, True)]
    if re.fullmatch(r"\d[\d,]*(?:\.\d+)?", word):
        return [Token(word, _number(word), False, False)]
    word = re.sub(r"'s$|'$", "", word)
    if "-" in word or "/" in word:
        parts = [part for part in re.split(r"[-/]", word) if part]
        tokens = [t for part in parts for t in _word_tokens(part, shouting, previous)]
        joined = "".join(parts).lower()
        if len(parts) > 1 and not all(p.replace(",", "").replace(".", "").isdigit() for p in parts):
            tokens.append(Token(word, _compound_number(parts) or stem(joined), False, capitalized))
        return tokens
    word = word.replace("'", "").replace(",", "").replace(".", "")
    if not word:
        return []
    lower = word.lower()
    if word == "US" and not shouting or (lower == "us" and previous == "the"):
        return [Token(word, COUNTRY_US, False, True)]
    acronym = not shouting and len(word) >= 2 and word.isupper() and word.isalpha()
    if acronym:
        return [Token(word, lower, False, True)]
    if lower in _NUMBER_WORDS and _LANGUAGE.get() != "es":
        return [Token(word, _NUMBER_WORDS[lower], lower in STOPWORDS, capitalized)]
    return [Token(word, stem(lower), is_stopword(lower), capitalized)]


def _compound_number(parts: list[str]) -> str | None:
    """Return the value of a number written as tens and units ("sixty-five": "65"), else None."""
    if len(parts) != 2:
        return None
    tens, units = (CARDINALS.get(part.lower(), 0) for part in parts)
    return str(tens + units) if tens in range(20, 100, 10) and units in range(1, 10) else None


def _number(word: str) -> str:
    number = word.replace(",", "")
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number


@dataclass(frozen=True)
class Acronym:
    """An acronym the text defines, with the index terms of its long form."""

    short: str
    long_terms: tuple[str, ...]
    long_form: str


_ACRONYM_DEFINITION = re.compile(r"\(\s*([A-Z][A-Za-z.&]{1,9})\s*\)")


def find_acronyms(text: str) -> list[Acronym]:
    """Find acronyms defined as "Long Form (LF)" in a text."""
    found = []
    for match in _ACRONYM_DEFINITION.finditer(text):
        short = match.group(1).replace(".", "")
        if sum(c.isupper() for c in short) < 2 or not short.isalpha():
            continue
        words = re.findall(r"[^\W_][\w'’-]*", text[: match.start()])[-(len(short) + 5) :]
        long_form = _long_form(short, words)
        if long_form:
            long_terms = tuple(t for t in terms(long_form) if t != short.lower())
            if long_terms:
                found.append(Acronym(short.lower(), long_terms, long_form))
    return found


def _long_form(short: str, words: list[str]) -> str | None:
    """Return the shortest run of preceding words whose letters spell the acronym in order.

    The rule: the acronym's letters appear, right to left, in the long form's characters, and
    its first letter starts the long form's first word (Schwartz and Hearst, 2003).
    """
    letters = short.lower()
    for start in range(len(words) - 1, -1, -1):
        candidate = words[start:]
        if len(candidate) < 2 and len(letters) > 2:
            continue
        if not candidate[0][:1].isupper() or candidate[0].lower()[0] != letters[0]:
            continue
        if _spells(letters, " ".join(candidate).lower()):
            return " ".join(re.sub(r"['’]s$", "", w) for w in candidate)
    return None


def _spells(letters: str, phrase: str) -> bool:
    position = len(phrase) - 1
    for index in range(len(letters) - 1, -1, -1):
        letter = letters[index]
        while position >= 0 and (
            phrase[position] != letter or (index == 0 and position > 0 and phrase[position - 1].isalnum())
        ):
            position -= 1
        if position < 0:
            return False
        position -= 1
    return True
