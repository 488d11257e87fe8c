"""Split paragraphs into sentences with nltk's Punkt, using parameters supplied here (no download)."""

from __future__ import annotations

import re

from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

# Abbreviations that end with a period but do not end a sentence (lowercase, without the final dot).
_ABBREVIATIONS = {
    "mr",
    "mrs",
    "ms",
    "dr",
    "prof",
    "sr",
    "jr",
    "st",
    "mt",
    "ft",
    "gen",
    "col",
    "lt",
    "sgt",
    "capt",
    "cmdr",
    "gov",
    "sen",
    "rep",
    "pres",
    "rev",
    "hon",
    "u.s",
    "u.k",
    "u.n",
    "e.u",
    "u.s.a",
    "d.c",
    "inc",
    "ltd",
    "co",
    "corp",
    "bros",
    "vs",
    "etc",
    "e.g",
    "i.e",
    "cf",
    "al",
    "no",
    "nos",
    "vol",
    "pp",
    "p",
    "fig",
    "approx",
    "est",
    "ca",
    "c",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
    "a.m",
    "p.m",
    "b.c",
    "a.d",
    "ph.d",
    "m.d",
}

# Spanish abbreviations that end in a period inside a sentence (Punkt compares them lowercased,
# without their last period).
_SPANISH_ABBREVIATIONS = {
    "sr",
    "sra",
    "srta",
    "sres",
    "dr",
    "dra",
    "lic",
    "ing",
    "arq",
    "prof",
    "profa",
    "gral",
    "cnel",
    "tte",
    "sto",
    "sta",
    "mons",
    "ud",
    "uds",
    "vd",
    "vds",
    "dña",
    "dn",
    "d",
    "av",
    "avda",
    "c",
    "pza",
    "pág",
    "págs",
    "p",
    "pp",
    "núm",
    "nro",
    "n",
    "no",
    "vol",
    "cap",
    "art",
    "etc",
    "aprox",
    "admón",
    "depto",
    "dpto",
    "cía",
    "s.a",
    "s.l",
    "ee.uu",
    "ee",
    "uu",
    "ej",
    "p.ej",
    "a.c",
    "d.c",
    "a.m",
    "p.m",
    "ss",
    "sig",
    "tel",
    "fig",
    "ed",
    "km",
    "kg",
    "cf",
    "vs",
    "min",
    "máx",
    "mín",
    "ene",
    "feb",
    "mar",
    "abr",
    "may",
    "jun",
    "jul",
    "ago",
    "sep",
    "sept",
    "oct",
    "nov",
    "dic",
}

_tokenizers: dict[str, PunktSentenceTokenizer] = {}


def _punkt(language: str = "en") -> PunktSentenceTokenizer:
    tokenizer = _tokenizers.get(language)
    if tokenizer is None:
        parameters = PunktParameters()
        parameters.abbrev_types = set(_SPANISH_ABBREVIATIONS if language == "es" else _ABBREVIATIONS)
        tokenizer = _tokenizers[language] = PunktSentenceTokenizer(parameters)
    return tokenizer


# Punkt knows straight closing quotes; curly ones after the period are moved into the sentence.
_QUOTE_AFTER_BREAK = re.compile(r"^([”’\"')\]]+)\s*")


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Split one paragraph into sentences, keeping every character of the original text (with
    Spanish abbreviations for language "es")."""
    pieces = [piece.strip() for piece in _punkt(language).tokenize(text) if piece.strip()]
    sentences: list[str] = []
    for piece in pieces:
        match = _QUOTE_AFTER_BREAK.match(piece)
        if match and sentences:
            sentences[-1] += match.group(1)
            piece = piece[match.end() :]
        if piece and sentences and _open_quote(sentences[-1]) and len(sentences[-1]) < 500:
            sentences[-1] += " " + piece  # a quotation of several sentences is one sentence here
        elif piece:
            sentences.append(piece)
    return sentences


def _open_quote(sentence: str) -> bool:
    """Return whether a sentence opens a quotation that it does not close."""
    return sentence.count("“") > sentence.count("”") or sentence.count('"') % 2 == 1
