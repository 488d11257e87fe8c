"""Sentence vectors from a small transformer (all-MiniLM-L6-v2), run by onnxruntime.

The retriever finds candidate sentences by their words; these vectors say how close a candidate
is to the question in meaning, which is one of the signals the ranker weighs (`index/rank.py`).
The model is sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0, see `index/data/NOTICE`),
exported to ONNX by `tools/build_data.py` with its mean pooling and normalisation inside, and its
matrices stored as 8-bit integers (a scale per block of 32 weights) that onnxruntime turns back
into float32 when it loads them. Its tokenizer (BERT's uncased WordPiece) runs in Hugging Face's
`tokenizers`, from the tokenizer.json that the same script wrote from the model's vocabulary.

Sentences go through the model (`Encoder`) once per article, and their vectors are kept
(`index/vectors.py`); the bundled article's ship with the package, so answering it never loads
onnxruntime. Questions cannot wait for the model (milliseconds each): they go through
`QuestionEncoder` instead, a table of one vector per piece fitted to the model
(tools/fit_questions.py), in microseconds.

The model runs on one thread: beside other busy processes, a pool of threads spends its time
waiting for its slowest member (see `bot/__init__.py`), and one thread is fast enough here
(README, "How it answers").
"""

from __future__ import annotations

import io
import math
import mmap
import struct
import zipfile
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import numpy as np

from . import manifest
from .errors import ArticleBotError

if TYPE_CHECKING:
    import onnxruntime
    import tokenizers

_Made = TypeVar("_Made")
MAX_TOKENS = 256  # the model was trained on at most this many word pieces (tokenizer.json truncates)
WIDTH = 384  # values in a sentence vector
MODEL_FILE = "minilm-l6.onnx"
TOKENIZER_FILE = "minilm-tokenizer.json"
QUESTIONS_FILE = "minilm-questions.npz"  # the table of QuestionEncoder (tools/fit_questions.py)
BATCH = 8  # texts run through the model at once: 8 was faster than 1, 16 or 32 (README, "Speed")
THREADS = 1


@lru_cache(maxsize=1)
def model_version() -> str:
    """Return what names the bundled model's vectors: the sha256s of its weights and its tokenizer.

    It is part of the key of cached vectors (`index/vectors.py`) and is recorded in the question
    table: new weights, whatever their size, give new keys."""
    bundled = manifest.bundled()
    return f"{MODEL_FILE}:{bundled.sha256(MODEL_FILE)} {TOKENIZER_FILE}:{bundled.sha256(TOKENIZER_FILE)}"


def _bundled(name: str) -> Path:
    return manifest.bundled().checked(name)


@lru_cache(maxsize=4)
def _tokenizer(path: Path) -> tokenizers.Tokenizer:
    """Return the tokenizer of a tokenizer.json file: one per file, shared by both encoders."""
    from tokenizers import Tokenizer  # its import and file take 50 ms: only when a text is tokenised

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
    """Return each text's piece ids between [CLS] and [SEP], at most MAX_TOKENS in all."""
    return [encoding.ids for encoding in tokenizer.encode_batch([encodable(text) for text in texts])]


class Encoder:
    """MiniLM-L6 sentence encoder: mean of the last layer's token vectors, unit length."""

    def __init__(self, session: onnxruntime.InferenceSession, tokenizer: tokenizers.Tokenizer):
        """Take an onnxruntime session of the exported model and its tokenizer."""
        self.session = session
        self.tokenizer = tokenizer

    @classmethod
    def load(cls, model: Path | None = None, tokenizer: Path | None = None) -> Encoder:
        """Load the bundled model (or the given files); raise ArticleBotError if one is unusable."""
        path = Path(model or _bundled(MODEL_FILE))
        return cls(_session(path), load_tokenizer(tokenizer))

    def encode(self, texts: Sequence[str], batch: int = BATCH) -> np.ndarray:
        """Return one unit vector (float32, WIDTH values) per text, in order."""
        return self.encode_ids(piece_ids(self.tokenizer, texts), batch)

    def encode_ids(self, ids: Sequence[Sequence[int]], batch: int = BATCH) -> np.ndarray:
        """Return the unit vectors of texts given as piece ids ([CLS] ... [SEP]).

        They run batch at a time, shortest first, so that a batch's texts are padded little."""
        out = np.empty((len(ids), WIDTH), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for first in range(0, len(order), batch):
            chosen = order[first : first + batch]
            out[chosen] = self._run([ids[i] for i in chosen])
        return out

    def _run(self, batch: list[Sequence[int]]) -> np.ndarray:
        """Return the unit vectors of a batch of texts, padded to the longest and masked."""
        tokens = np.zeros((len(batch), max(len(ids) for ids in batch)), dtype=np.int64)
        mask = np.zeros_like(tokens)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        (vectors,) = self.session.run(None, {"input_ids": tokens, "attention_mask": mask})
        return np.asarray(vectors, dtype=np.float32)


def _session(path: Path) -> onnxruntime.InferenceSession:
    """Return an onnxruntime session of the model file, on THREADS threads."""
    import onnxruntime  # 0.2 s to import: only when a sentence must be encoded
    from onnxruntime.capi.onnxruntime_pybind11_state import Fail, InvalidGraph, InvalidProtobuf, NoSuchFile

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = THREADS
    options.inter_op_num_threads = THREADS
    # Without this, onnxruntime keeps DequantizeLinear of the 8-bit weights as a node to fuse into
    # its own 8-bit products, which were twice as slow here; with it, constant folding turns the
    # weights into float32 once, at load.
    options.add_session_config_entry("session.disable_quant_qdq", "1")
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except (Fail, InvalidGraph, InvalidProtobuf, NoSuchFile) as error:
        raise ArticleBotError(f"{path}: cannot load the sentence model ({error})") from None


def _read_npz(path: Path) -> dict[str, np.ndarray]:
    """Return the arrays of an uncompressed .npz file (as np.savez writes it) as read-only views of
    the mapped file: no copy, unlike np.load, which reads each array through zipfile in chunks."""
    with zipfile.ZipFile(path) as archive, path.open("rb") as file:
        members = archive.infolist()
        data = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    arrays = {}
    for member in members:
        if member.compress_type != zipfile.ZIP_STORED or not member.filename.endswith(".npy"):
            raise ValueError(f"{member.filename}: not an uncompressed .npy member")
        name_size, extra_size = struct.unpack_from("<HH", data, member.header_offset + 26)
        start = member.header_offset + 30 + name_size + extra_size  # after the member's local header
        header = io.BytesIO(data[start : start + min(member.file_size, 4096)])
        version = np.lib.format.read_magic(header)
        if version not in ((1, 0), (2, 0)):
            raise ValueError(f"{member.filename}: .npy version {version} is not read here")
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(header)
        else:
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(header)
        count = math.prod(shape)
        if header.tell() + count * dtype.itemsize > member.file_size:
            raise ValueError(f"{member.filename}: shorter than its header says")
        flat = np.frombuffer(data, dtype=dtype, count=count, offset=start + header.tell())
        arrays[member.filename[:-4]] = flat.reshape(shape, order="F" if fortran else "C")
    return arrays


def _load_table(make: Callable[[Mapping[str, np.ndarray]], _Made], arrays: Path, what: str) -> _Made:
    """Return make(the arrays of an .npz file); raise ArticleBotError, naming the file and what it
    is, if it is unusable."""
    try:
        return make(_read_npz(arrays))
    except (OSError, ValueError, KeyError, struct.error, zipfile.BadZipFile) as error:
        raise ArticleBotError(f"{arrays}: cannot load {what} ({error})") from None


class QuestionEncoder:
    """A fast stand-in for Encoder on questions: the mean of one vector per word piece, plus a
    bias, made unit length. It takes some 20 µs where the model takes milliseconds.

    tools/fit_questions.py made the table from the model itself: a piece's vector is a linear
    map of what the model makes of the piece alone and of its word vector, the map fitted (least
    squares) so that these question vectors come as close as they can to the model's own. They
    stay far from equal (cosine 0.77 on average on questions of articles left out of the fit),
    but the answer ranker does as well with them as with the model's (README, "How it answers")."""

    def __init__(self, stored: Mapping[str, np.ndarray], tokenizer: tokenizers.Tokenizer, version: str):
        """Take the arrays of the table file, the model's tokenizer and the model's version."""
        if str(stored["model"]) != version:
            raise ValueError(f"it was made from {stored['model']}, not {version}")
        self.tokenizer = tokenizer
        self.table = np.array(stored["table:q"])  # int8 (pieces, WIDTH); a copy: stored maps a file
        self.scale = stored["table:s"].astype(np.float32)
        self.bias = stored["bias"].astype(np.float32)
        pieces = tokenizer.get_vocab_size()
        if self.table.shape != (pieces, WIDTH) or self.scale.shape != (pieces,):
            raise ValueError(f"the table is {self.table.shape}, not one row of {WIDTH} per piece")
        if self.bias.shape != (WIDTH,):
            raise ValueError(f"the bias has {self.bias.shape} values, not {WIDTH}")

    @classmethod
    def load(
        cls, table: Path | None = None, tokenizer: Path | None = None, version: str | None = None
    ) -> QuestionEncoder:
        """Load the bundled table (or the given files) for the bundled model (or that version);
        raise ArticleBotError if one is unusable or the table was made from another model."""
        words = load_tokenizer(tokenizer)
        path = Path(table or _bundled(QUESTIONS_FILE))
        return _load_table(
            lambda stored: cls(stored, words, version or model_version()), path, "the question table"
        )

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit vector (float32, WIDTH values) per text; zeros for a text of no pieces."""
        out = np.zeros((len(texts), WIDTH), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self.tokenizer.encode(encodable(text), add_special_tokens=False).ids
            if not ids:
                continue
            rows = self.table[ids].astype(np.float32)
            rows *= self.scale[ids, None]
            vector = np.add.reduce(rows, axis=0)
            vector /= len(ids)
            vector += self.bias
            out[row] = vector / max(float(np.sqrt(vector @ vector)), 1e-12)
        return out


_ENCODER: Encoder | None = None
_QUESTION_ENCODER: QuestionEncoder | None = None


def encoder() -> Encoder:
    """Return the process's encoder, loading the bundled model on first use."""
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = Encoder.load()
    return _ENCODER


def question_encoder() -> QuestionEncoder:
    """Return the process's question encoder, loading the bundled table on first use."""
    global _QUESTION_ENCODER
    if _QUESTION_ENCODER is None:
        _QUESTION_ENCODER = QuestionEncoder.load()
    return _QUESTION_ENCODER


def question_vector(text: str) -> np.ndarray:
    """Return a question's unit vector."""
    return question_encoder().encode([text])[0]
