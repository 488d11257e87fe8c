"""Which language a question or an article is written in: English or Spanish.

The bot answers in English and in Spanish. A question's language decides the language of what
the bot says in its own words, and whether its answer is chosen as within one language (the
ranker, `index/rank.py`) or across two (`index/crosslingual.py`); an article's decides how it is
analysed (`index/analysis.py`).

The detector is py3langid (BSD-3-Clause), a maintained fork of langid.py: a naive Bayes model of
byte n-grams shipped inside the package (nothing is downloaded), restricted here to the two
languages the bot speaks. On the project's short questions it was right on every one, and
faster than lingua-language-detector (a 96 MB wheel) and langdetect, which were not: the figures
and the command that measures them are in docs/speed.md, "Language detection". Its tables for
English and Spanish ship in index/data (the package's own model file, LZMA-compressed, takes
0.6 s to read); they load the first time a text is detected.
"""

from __future__ import annotations

import re
import threading
from array import array
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from py3langid.langid import LanguageIdentifier

ENGLISH = "en"
SPANISH = "es"
LANGUAGES = (ENGLISH, SPANISH)
RECENT = 4096  # texts whose language is kept in memory
MODEL_FILE = "langid-en-es.npz"  # py3langid's tables for these two languages (tools/build_data.py)

_lock = threading.Lock()
_identifier: LanguageIdentifier | None = None


def read_model(path: Path) -> LanguageIdentifier:
    """Return the detector whose tables tools/build_data.py (step langid) saved in path."""
    from py3langid.langid import LanguageIdentifier

    with np.load(path, allow_pickle=False) as tables:
        return LanguageIdentifier(
            tables["ptc"],
            tables["pc"],
            tables["classes"].tolist(),
            array("I", tables["nextmove"].tobytes()),
            tables["output"].tolist(),
            tk_row=array("H", tables["row"].tobytes()),
        )


def _model() -> LanguageIdentifier:
    global _identifier
    with _lock:
        if _identifier is None:
            from article_bot.index import manifest

            _identifier = read_model(manifest.bundled().checked(MODEL_FILE))
        return _identifier


_WORDS = re.compile(r"[^\W\d_]+")


@lru_cache(maxsize=RECENT)
def detect(text: str) -> str:
    """Return the language of a text: "es" for Spanish, else "en".

    An opening "¿" or "¡" is written only in Spanish. A text of names and numbers alone ("Potosí?",
    "Why?", "1978") says nothing of its language, and is English."""
    if "¿" in text or "¡" in text:
        return SPANISH
    if not any(word[:1].islower() for word in _WORDS.findall(text)):
        return ENGLISH
    language, _ = _model().classify(text)
    return SPANISH if language == SPANISH else ENGLISH


def normalise(code: str | None) -> str:
    """Return the bot's language for a language code such as Telegram's "es-419": "es" or "en"."""
    return SPANISH if (code or "").lower().split("-")[0].split("_")[0] == SPANISH else ENGLISH
