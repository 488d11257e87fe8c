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

_tokenizer: PunktSentenceTokenizer | None = None


def _punkt() -> PunktSentenceTokenizer:
    global _tokenizer
    if _tokenizer is None:
        parameters = PunktParameters()
        parameters.abbrev_types = set(_ABBREVIATIONS)
        _tokenizer = PunktSentenceTokenizer(parameters)
    return _tokenizer


# Punkt knows straight closing quotes; curly ones after the period are moved into the sentence.
_QUOTE_AFTER_BREAK = re.compile(r"^([”’\"')\]]+)\s*")


def split_sentences(text: str) -> list[str]:
    """Split one paragraph into sentences, keeping every character of the original text."""
    pieces = [piece.strip() for piece in _punkt().tokenize(text) if piece.strip()]
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
