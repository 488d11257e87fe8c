"""Sentence vectors from a small transformer (MiniLM-L6), run on numpy with no other library.

The retriever finds candidate sentences by their words; these vectors say how close a candidate
is to the question in meaning, which is one of the signals the ranker weighs (`index/rank.py`).
The weights are those of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0, see
`index/data/NOTICE`), stored as 8-bit integers with a scale per output unit by
`tools/convert_minilm.py`, matrices already laid out as (in, out) for x @ matrix. The tokenizer is
BERT's uncased WordPiece, written here to match its vocabulary file.

Sentences go through the model (`Encoder`) once per article, and their vectors are kept
(`index/vectors.py`). Questions cannot wait for it: a question of 8-20 pieces takes the model
7-10 ms, almost all of it in the matrix products. They go through `QuestionEncoder` instead, a
table of one vector per piece fitted to the model (tools/fit_questions.py), in microseconds.

OpenBLAS's threads wait on one another: in a process that shares the CPU with other busy work,
one thread (OPENBLAS_NUM_THREADS=1, set before numpy is imported) has a far shorter tail than two.
"""

from __future__ import annotations

import io
import math
import mmap
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple, TypeVar

import numpy as np

from .errors import ArticleBotError

_Made = TypeVar("_Made")
MAX_TOKENS = 256  # the model was trained on at most this many word pieces
LAYERS = 6
HEADS = 12
WIDTH = 384  # values in a token vector, and in a sentence vector
HEAD_SIZE = WIDTH // HEADS
WEIGHTS_FILE = "minilm-l6.npz"
WEIGHTS_SIZE = 22_984_478  # bytes of the bundled WEIGHTS_FILE: a test checks it; change it with the file
# Which model made a sentence vector: part of the key of cached vectors (`index/vectors.py`).
MODEL_VERSION = f"{WEIGHTS_FILE}:{WEIGHTS_SIZE}"
VOCAB_FILE = "minilm-vocab.txt"
QUESTIONS_FILE = "minilm-questions.npz"  # the table of QuestionEncoder (tools/fit_questions.py)
BATCH = 8  # texts run through the model at once: 8 to 16 are fastest for sentences of 20-60 pieces
GELU_ROWS = 32  # token rows per step of `_gelu`


def _data_path(name: str) -> Path:
    return Path(str(resources.files(__package__) / "data" / name))


class WordPiece:
    """BERT's uncased tokenizer: clean, lower-case, strip accents, split punctuation, then split
    each word into the longest pieces the vocabulary has ("##" marks a piece inside a word)."""

    def __init__(self, vocabulary: Sequence[str]):
        self.ids = dict(zip(vocabulary, range(len(vocabulary)), strict=True))
        self.unknown = self.ids["[UNK]"]
        self.start = self.ids["[CLS]"]
        self.end = self.ids["[SEP]"]

    @classmethod
    def from_file(cls, path: Path) -> WordPiece:
        return cls(path.read_text(encoding="utf-8").split("\n")[:-1])

    def encode(self, text: str, limit: int = MAX_TOKENS) -> list[int]:
        """Return the piece ids of text between [CLS] and [SEP], at most limit in all."""
        pieces = [self.start]
        for word in _basic_words(text):
            pieces.extend(self._pieces(word))
            if len(pieces) >= limit - 1:
                break
        return pieces[: limit - 1] + [self.end]

    @lru_cache(maxsize=65536)  # noqa: B019 - one tokenizer per process; words repeat a lot
    def _pieces(self, word: str) -> tuple[int, ...]:
        if len(word) > 100:
            return (self.unknown,)
        found: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.ids:
                    found.append(self.ids[piece])
                    break
                end -= 1
            if end == start:  # some part of the word is in no piece
                return (self.unknown,)
            start = end
        return tuple(found)


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(char).startswith("P")


def _is_cjk(code: int) -> bool:
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2A6DF
        or 0x2A700 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def _basic_words(text: str) -> list[str]:
    """Split text as BERT's basic tokenizer does, lower-cased and without accents."""
    spaced = []
    for char in text:
        code = ord(char)
        if code == 0 or code == 0xFFFD:
            continue
        category = unicodedata.category(char)
        if char in "\t\n\r" or category == "Zs":
            spaced.append(" ")
        elif category in ("Cc", "Cf"):
            continue
        elif _is_cjk(code):
            spaced.append(f" {char} ")
        else:
            spaced.append(char)
    words = []
    for token in "".join(spaced).lower().split():
        token = "".join(c for c in unicodedata.normalize("NFD", token) if unicodedata.category(c) != "Mn")
        current = ""
        for char in token:
            if _is_punctuation(char):
                if current:
                    words.append(current)
                    current = ""
                words.append(char)
            else:
                current += char
        if current:
            words.append(current)
    return words


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """Normalise each row of the 2-D scratch array x in place, then scale and shift it; return x."""
    scale = 1.0 / x.shape[1]
    mean = np.add.reduce(x, axis=1, keepdims=True)
    mean *= scale
    x -= mean
    variance = np.add.reduce(x * x, axis=1, keepdims=True)
    variance *= scale
    variance += 1e-12
    np.sqrt(variance, out=variance)
    x /= variance
    x *= weight
    x += bias
    return x


def _gelu(x: np.ndarray) -> np.ndarray:
    """x·Φ(x) in place on the 2-D scratch array x, GELU_ROWS rows at a time: the temporary arrays
    of a few rows stay in the core's cache, which makes a big batch 2.5 times as fast."""
    for start in range(0, x.shape[0], GELU_ROWS):
        _gelu_rows(x[start : start + GELU_ROWS])
    return x


def _gelu_rows(x: np.ndarray) -> None:
    """x·Φ(x) in place on the scratch array x, with erf from Abramowitz and Stegun 7.1.26 (error
    below 1.5e-7): x·Φ(x) = (x + |x| - |x|·P(t)·exp(-x²/2)) / 2, with t = 1 / (1 + p·|x|/√2).
    (np.maximum and np.reciprocal are slower than the adds and the division used here.)"""
    a = np.abs(x)
    t = a * (0.3275911 / math.sqrt(2.0))
    t += 1.0
    np.divide(1.0, t, out=t)
    poly = t * 1.061405429
    for coefficient in (-1.453152027, 1.421413741, -0.284496736, 0.254829592):
        poly += coefficient
        poly *= t
    tail = np.multiply(a, -0.5, out=t)
    tail *= a
    np.exp(tail, out=tail)
    tail *= poly
    tail *= a
    x += a
    x -= tail
    x *= 0.5


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


@lru_cache(maxsize=4)
def _tokenizer(vocabulary: Path) -> WordPiece:
    """Return the tokenizer of a vocabulary file: one per file, shared by both encoders."""
    return WordPiece.from_file(vocabulary)


def _load(
    make: Callable[[Mapping[str, np.ndarray], WordPiece], _Made],
    arrays: Path,
    vocabulary: Path | None,
    what: str,
) -> _Made:
    """Return make(the arrays of an .npz file, the tokenizer of the vocabulary, by default the
    bundled one); raise ArticleBotError, naming the file and what it is, if either is unusable."""
    try:
        return make(_read_npz(arrays), _tokenizer(Path(vocabulary or _data_path(VOCAB_FILE))))
    except (OSError, ValueError, KeyError, struct.error, zipfile.BadZipFile) as error:
        raise ArticleBotError(f"{arrays}: cannot load {what} ({error})") from None


class _Layer(NamedTuple):
    """One transformer layer's weights, matrices as (in, out) float32 for x @ matrix."""

    qkv_w: np.ndarray  # query, key and value side by side; query columns pre-scaled by 1/√HEAD_SIZE
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_w: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2_w: np.ndarray
    ln2_b: np.ndarray


def _matrix(
    stored: Mapping[str, np.ndarray], name: str, column_scale: np.ndarray | None = None
) -> np.ndarray:
    """Return the float32 (in, out) matrix stored as int8 "name:q" with a scale per column in "name:s"."""
    q = stored[name + ":q"]
    scale = stored[name + ":s"].astype(np.float32)
    if q.ndim != 2 or q.shape[1] != scale.shape[0]:
        raise ValueError(f"{name} is not stored as (in, out): rerun tools/convert_minilm.py")
    if column_scale is not None:
        scale *= column_scale
    matrix = q.astype(np.float32)
    matrix *= scale
    return matrix


def _layer(stored: Mapping[str, np.ndarray], number: int) -> _Layer:
    """Return layer number's weights from the arrays of the weights file, as float32."""
    p = f"l{number}_"
    vector = {name: stored[p + name].astype(np.float32) for name in _Layer._fields if name.endswith("_b")}
    vector.update((name, stored[p + name].astype(np.float32)) for name in ("ln1_w", "ln2_w"))
    # Scaling the query by 1/√HEAD_SIZE here saves scaling every attention score.
    query_scale = np.ones(3 * WIDTH, dtype=np.float32)
    query_scale[:WIDTH] = 1.0 / math.sqrt(HEAD_SIZE)
    vector["qkv_b"] *= query_scale
    return _Layer(
        qkv_w=_matrix(stored, p + "qkv_w", query_scale),
        out_w=_matrix(stored, p + "out_w"),
        up_w=_matrix(stored, p + "up_w"),
        down_w=_matrix(stored, p + "down_w"),
        **vector,
    )


def _attention(qkv: np.ndarray, n: int, t: int, keys: int, blocked: np.ndarray | None) -> np.ndarray:
    """Self-attention of n texts of t rows each: (n·t, 3·WIDTH) query|key|value rows in, the
    (n·t, WIDTH) context rows out. Only each text's first keys rows are attended to, and
    blocked, shaped (n, 1, 1, keys) if given, is -1e9 at the padding among those."""
    parts = qkv.reshape(n, t, 3, HEADS, HEAD_SIZE)
    query = parts[:, :, 0].transpose(0, 2, 1, 3)  # (n, heads, t, size): views, no copies
    key = parts[:, :keys, 1].transpose(0, 2, 3, 1)  # (n, heads, size, keys)
    value = parts[:, :keys, 2].transpose(0, 2, 1, 3)
    scores = query @ key
    if blocked is not None:
        scores += blocked
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return (scores @ value).transpose(0, 2, 1, 3).reshape(n * t, WIDTH)


def _transform(
    x: np.ndarray, layer: _Layer, n: int, t: int, keys: int, blocked: np.ndarray | None
) -> np.ndarray:
    """Run one layer on the (n·t, WIDTH) token rows of n texts of t rows each (see `_attention`)."""
    qkv = x @ layer.qkv_w
    qkv += layer.qkv_b
    mixed = _attention(qkv, n, t, keys, blocked) @ layer.out_w
    mixed += layer.out_b
    mixed += x
    x = _layer_norm(mixed, layer.ln1_w, layer.ln1_b)
    hidden = x @ layer.up_w
    hidden += layer.up_b
    out = _gelu(hidden) @ layer.down_w
    out += layer.down_b
    out += x
    return _layer_norm(out, layer.ln2_w, layer.ln2_b)


class Encoder:
    """MiniLM-L6 sentence encoder: mean of the last layer's token vectors, unit length."""

    def __init__(self, stored: Mapping[str, np.ndarray], tokenizer: WordPiece):
        """Take the arrays of the weights file (see tools/convert_minilm.py) and a tokenizer."""
        self.tokenizer = tokenizer
        # Word vectors stay int8 (47 MB as float32): only the rows of a text's pieces are scaled.
        self.word = np.array(stored["word:q"])  # a copy: stored may map a file that can change
        self.word_scale = stored["word:s"].astype(np.float32)[:, None]
        self.position = stored["position"].astype(np.float32) + stored["token_type"][0].astype(np.float32)
        self.embed_ln = (stored["embed_ln_w"].astype(np.float32), stored["embed_ln_b"].astype(np.float32))
        self.layers = [_layer(stored, number) for number in range(LAYERS)]

    @classmethod
    def load(cls, weights: Path | None = None, vocabulary: Path | None = None) -> Encoder:
        """Load the bundled model; raise ArticleBotError if its files are missing or damaged."""
        return _load(cls, Path(weights or _data_path(WEIGHTS_FILE)), vocabulary, "the sentence model")

    def encode(self, texts: Sequence[str], batch: int = BATCH) -> np.ndarray:
        """Return one unit vector (float32, WIDTH values) per text, in order.

        Texts run batch at a time, shortest first, so a batch's texts are padded little."""
        ids = [self.tokenizer.encode(text) for text in texts]
        if len(ids) == 1:
            return self._forward_one(ids[0])[None, :]
        out = np.empty((len(ids), WIDTH), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        for first in range(0, len(order), batch):
            chosen = order[first : first + batch]
            out[chosen] = self._forward([ids[i] for i in chosen])
        return out

    def _embed(self, tokens: np.ndarray) -> np.ndarray:
        """Return the first layer's input: the (n·t, WIDTH) rows of an (n, t) array of piece ids."""
        n, t = tokens.shape
        flat = tokens.ravel()
        x = self.word[flat].astype(np.float32)
        x *= self.word_scale[flat]
        by_text = x.reshape(n, t, WIDTH)  # a view of x
        by_text += self.position[:t]
        return _layer_norm(x, *self.embed_ln)

    def _forward_one(self, ids: list[int]) -> np.ndarray:
        """Return the unit vector of one text.

        Its rows are padded to a multiple of 4: OpenBLAS multiplies 16 rows faster than 15. The
        padding rows attend to the text but nothing attends to them, so they change nothing."""
        tokens = np.zeros((1, -(-len(ids) // 4) * 4), dtype=np.intp)
        tokens[0, : len(ids)] = ids
        x = self._embed(tokens)
        for layer in self.layers:
            x = _transform(x, layer, 1, tokens.shape[1], len(ids), None)
        pooled = np.add.reduce(x[: len(ids)], axis=0)
        return pooled / max(float(np.sqrt(pooled @ pooled)), 1e-12)

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        """Return the unit vectors of a batch of texts, padded to the longest and masked."""
        n, t = len(batch), max(len(ids) for ids in batch)
        tokens = np.zeros((n, t), dtype=np.intp)
        mask = np.zeros((n, t), dtype=np.float32)
        for row, ids in enumerate(batch):
            tokens[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1.0
        blocked = ((mask - 1.0) * 1e9)[:, None, None, :] if mask.min() == 0.0 else None
        x = self._embed(tokens)
        for layer in self.layers:
            x = _transform(x, layer, n, t, t, blocked)
        pooled = np.einsum("ntd,nt->nd", x.reshape(n, t, WIDTH), mask)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


class QuestionEncoder:
    """A fast stand-in for Encoder on questions: the mean of one vector per word piece, plus a
    bias, made unit length. It takes some 20 µs where the model takes 7-10 ms.

    tools/fit_questions.py made the table from the model itself: a piece's vector is a linear
    map of what the model makes of the piece alone and of its word vector, the map fitted (least
    squares) so that these question vectors come as close as they can to the model's own. They
    stay far from equal (cosine 0.77 on average on questions of articles left out of the fit),
    but the answer ranker does as well with them as with the model's (README, "How it answers")."""

    def __init__(self, stored: Mapping[str, np.ndarray], tokenizer: WordPiece):
        """Take the arrays of the table file and the model's tokenizer."""
        if str(stored["model"]) != MODEL_VERSION:
            raise ValueError(f"it was made from {stored['model']}, not {MODEL_VERSION}")
        self.tokenizer = tokenizer
        self.table = np.array(stored["table:q"])  # int8 (pieces, WIDTH); a copy, as in Encoder
        self.scale = stored["table:s"].astype(np.float32)
        self.bias = stored["bias"].astype(np.float32)
        if self.table.shape != (len(tokenizer.ids), WIDTH) or self.scale.shape != (len(tokenizer.ids),):
            raise ValueError(f"the table is {self.table.shape}, not one row of {WIDTH} per piece")
        if self.bias.shape != (WIDTH,):
            raise ValueError(f"the bias has {self.bias.shape} values, not {WIDTH}")

    @classmethod
    def load(cls, table: Path | None = None, vocabulary: Path | None = None) -> QuestionEncoder:
        """Load the bundled table; raise ArticleBotError if its files are missing or damaged."""
        return _load(cls, Path(table or _data_path(QUESTIONS_FILE)), vocabulary, "the question table")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Return one unit vector (float32, WIDTH values) per text; zeros for a text of no pieces."""
        out = np.zeros((len(texts), WIDTH), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = self.tokenizer.encode(text)[1:-1]  # without [CLS] and [SEP]
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
