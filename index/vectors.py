"""The sentence vectors of the articles, computed once per article text and kept in files.

Each sentence has two vectors (`embed.Vectors`: the model's own and the tuned model's), kept side
by side in one row of a file: (sentences, 2 × embed.WIDTH).

Encoding every sentence of an article takes seconds (`index/embed.py`), and its vectors depend
only on the model and the sentences, so each article's vectors are kept in a file named by the
SHA-256 of the model's content (`embed.model_version()`: the sha256s of its weights and tokenizer)
and its sentences. A file is looked for first among the vectors shipped with the package
(`index/data/vectors/`, read-only, written by `python -m article_bot.index.vectors --ship` for the
bundled content, and checked against `index/data/MANIFEST.json` like every data file), then in
the user's cache folder (`ARTICLE_BOT_CACHE`, else `$XDG_CACHE_HOME/article-bot`, else
`~/.cache/article-bot`), where computed vectors are written.
The cache only saves time: a folder that cannot be written or a damaged file is logged and passed
over, never an error.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from . import embed, manifest
from .embed import Vectors

logger = logging.getLogger(__name__)

DIMENSIONS = embed.WIDTH
STORED_WIDTH = 2 * DIMENSIONS  # a stored row: the plain vector, then the tuned one
SHIPPED = manifest.DATA / "vectors"
STORED_TYPE = np.float16  # half the size; vectors are rounded to it whether read or computed


def cache_folder(environ: Mapping[str, str] | None = None) -> Path:
    """Return where computed vectors are kept: $ARTICLE_BOT_CACHE, else $XDG_CACHE_HOME/article-bot,
    else ~/.cache/article-bot."""
    env = os.environ if environ is None else environ
    if env.get("ARTICLE_BOT_CACHE"):
        return Path(env["ARTICLE_BOT_CACHE"]).expanduser()
    if env.get("XDG_CACHE_HOME"):
        return Path(env["XDG_CACHE_HOME"]).expanduser() / "article-bot"
    return Path.home() / ".cache" / "article-bot"


def key(sentences: Sequence[str]) -> str:
    """Return the name (without ".npy") an article's vectors are kept under."""
    digest = hashlib.sha256(embed.model_version().encode("utf-8"))
    digest.update(b"\n")
    digest.update("\n".join(sentences).encode("utf-8"))
    return digest.hexdigest()


class SentenceVectors:
    """The vectors of every sentence, article after article, in order: `vectors` is an
    embed.Vectors of float32 (sentences, DIMENSIONS) matrices. `sources` says, per article,
    where its vectors came from: "shipped", "cache" or "computed"."""

    def __init__(
        self,
        articles: Sequence[Sequence[str]],
        folder: Path | None = None,
        shipped: Path | None = None,
    ):
        """Find or compute the vectors of each article's sentences (a list of strings per article).

        folder is the cache folder (default: `cache_folder()`), shipped the read-only one looked in
        first (default: SHIPPED). The sentences of all articles not found are encoded together."""
        folder = folder or cache_folder()
        places = [(shipped or SHIPPED, "shipped"), (folder, "cache")]
        parts: list[Vectors | None] = []
        self.sources: list[str] = []
        for sentences in articles:
            found, source = _find(sentences, places)
            parts.append(found)
            self.sources.append(source)
        missing = [number for number, part in enumerate(parts) if part is None]
        for number, vectors in zip(missing, _encode([articles[n] for n in missing]), strict=True):
            parts[number] = vectors
            _write(folder / f"{key(articles[number])}.npy", vectors)
        self.vectors = Vectors.concatenate([part for part in parts if part is not None])

    def __len__(self) -> int:
        return len(self.vectors)


def _find(sentences: Sequence[str], places: list[tuple[Path, str]]) -> tuple[Vectors | None, str]:
    """Return an article's stored vectors and where they were, or (None, "computed")."""
    name = f"{key(sentences)}.npy"
    for folder, source in places:
        path = folder / name
        if folder.resolve() == manifest.DATA / "vectors" and path.exists():
            path = manifest.bundled().checked(f"vectors/{name}")  # the package's own: as the manifest says
        found = _read(path, len(sentences))
        if found is not None:
            return found, source
    return None, "computed"


def _encode(articles: Sequence[Sequence[str]]) -> list[Vectors]:
    """Encode the sentences of articles in one go (each distinct sentence once); return each
    article's vectors, rounded to STORED_TYPE as stored ones are."""
    if not articles:
        return []
    distinct = sorted({s for sentences in articles for s in sentences})
    logger.info("encoding %d sentences of %d articles", len(distinct), len(articles))
    encoded = embed.encoder().passages(distinct) if distinct else Vectors.empty()
    row = {sentence: number for number, sentence in enumerate(distinct)}
    rounded = _unstacked(_stacked(encoded).astype(STORED_TYPE).astype(np.float32))
    return [rounded[[row[s] for s in sentences]] for sentences in articles]


def _stacked(vectors: Vectors) -> np.ndarray:
    """Return vectors as stored: each row's plain vector, then its tuned one."""
    return np.concatenate([vectors.plain, vectors.tuned], axis=1)


def _unstacked(rows: np.ndarray) -> Vectors:
    """Return the vectors of stored rows (contiguous, so that products with them are quick)."""
    return Vectors(np.ascontiguousarray(rows[:, :DIMENSIONS]), np.ascontiguousarray(rows[:, DIMENSIONS:]))


def _read(path: Path, count: int) -> Vectors | None:
    """Return the float32 vectors stored in path, or None if it is missing, unreadable, or not
    count finite rows of both vectors (then logged: the caller computes them again)."""
    try:
        stored = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        return None
    except Exception as error:  # any damage to a cache file must only cost the time to encode
        logger.warning("ignoring damaged sentence vectors %s (%s)", path, error)
        return None
    if (
        not isinstance(stored, np.ndarray)
        or stored.shape != (count, STORED_WIDTH)
        or stored.dtype.kind != "f"
    ):
        logger.warning("ignoring sentence vectors %s of the wrong shape", path)
        return None
    vectors = stored.astype(np.float32)
    if not np.isfinite(vectors).all():
        logger.warning("ignoring damaged sentence vectors %s (not numbers)", path)
        return None
    return _unstacked(vectors)


def _write(path: Path, vectors: Vectors) -> bool:
    """Write vectors to path as STORED_TYPE through a temporary file and a rename, so that no
    reader sees half a file; return whether it was written (a failure is only logged)."""
    temporary: Path | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as file:
            temporary = Path(file.name)
            np.save(file, _stacked(vectors).astype(STORED_TYPE), allow_pickle=False)
        temporary.chmod(0o644)  # a temporary file is the owner's only; shipped files are read by all
        os.replace(temporary, path)
    except OSError as error:
        logger.warning("cannot cache sentence vectors in %s (%s)", path.parent, error)
        if temporary is not None:
            temporary.unlink(missing_ok=True)
        return False
    return True


def ship(articles: Sequence[Sequence[str]], folder: Path = SHIPPED) -> list[Path]:
    """Write the articles' vectors into the package's data/vectors/ (for the bundled content);
    return the files, one per article."""
    vectors = SentenceVectors(articles, folder=folder, shipped=folder)
    paths, start = [], 0
    for sentences in articles:
        path = folder / f"{key(sentences)}.npy"
        if not _write(path, vectors.vectors[start : start + len(sentences)]):
            raise OSError(f"cannot write {path}")
        paths.append(path)
        start += len(sentences)
    return paths


def bundled_articles() -> list[list[str]]:
    """Return the sentences of each article of the default content, as the engine indexes them."""
    from .content import default_content_path, load_articles

    articles = load_articles(default_content_path())
    return [[s for p in article.passages for s in p.sentences] for article in articles]


def main(argv: Sequence[str] | None = None) -> int:
    """Write the vectors of the bundled content into index/data/vectors/, removing stale ones."""
    parser = argparse.ArgumentParser(prog="python -m article_bot.index.vectors", description=main.__doc__)
    parser.add_argument("--ship", action="store_true", help="write the shipped vectors")
    if not parser.parse_args(argv).ship:
        parser.print_help()
        return 2
    paths = ship(bundled_articles())
    for stale in set(SHIPPED.glob("*.npy")) - set(paths):
        stale.unlink()
        print(f"removed {stale.name}")
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
