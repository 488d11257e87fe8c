"""The MiniLM encoder (index/embed.py) and the sentence-vector cache (index/vectors.py).

Expected piece ids were taken once from Hugging Face's tokenizer of all-MiniLM-L6-v2. The
reference vectors of tests/data/minilm-parity.npz are the fp32 model's (PyTorch, mean pooling,
unit length), written by tools/build_data.py; the tests need neither torch nor the network.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from article_bot.index import embed, manifest, vectors
from article_bot.index.embed import (
    MAX_TOKENS,
    Encoder,
    QuestionEncoder,
    encoder,
    load_tokenizer,
    piece_ids,
    question_encoder,
)
from article_bot.index.errors import ArticleBotError
from article_bot.index.vectors import SentenceVectors, cache_folder, key

PARITY = Path(__file__).resolve().parent / "data" / "minilm-parity.npz"

# Tokenizer ------------------------------------------------------------------------------------

HF_IDS = {
    "Jeanine Áñez": [101, 3744, 3170, 2019, 9351, 102],
    "the US-backed regime": [101, 1996, 2149, 1011, 6153, 6939, 102],
    "52.4% of the vote": [101, 4720, 1012, 1018, 1003, 1997, 1996, 3789, 102],
    "COVID-19 delayed it": [101, 2522, 17258, 1011, 2539, 8394, 2009, 102],
    "“Quoted” and ‘single’": [101, 1523, 9339, 1524, 1998, 1520, 2309, 1521, 102],
    "win — by far": [101, 2663, 1517, 2011, 2521, 102],
    "Supercalifragilisticexpialidocious" + "x" * 100: [101, 100, 102],  # over 100 characters
    "snow☃man": [101, 100, 102],  # a character in no piece
    "中国人民": [101, 1746, 1799, 1756, 1892, 102],
    "玻利维亚选举": [101, 100, 100, 100, 100, 100, 100, 102],  # CJK characters not in the vocabulary
    "Ça coûte 3€": [101, 6187, 2522, 10421, 1017, 30102, 102],
    "tab\there\u200bzero\u00a0nbsp": [101, 21628, 2182, 6290, 2080, 1050, 5910, 2361, 102],
    "Morales's party": [101, 17103, 1005, 1055, 2283, 102],
    "MAS-IPSP won 55.1%.": [101, 16137, 1011, 12997, 13102, 2180, 4583, 1012, 1015, 1003, 1012, 102],
    "": [101, 102],
}


@pytest.mark.parametrize("text", list(HF_IDS))
def test_tokenizer_matches_hugging_face(text: str) -> None:
    assert piece_ids(load_tokenizer(), [text]) == [HF_IDS[text]]


def test_long_text_is_cut_to_the_model_limit() -> None:
    (ids,) = piece_ids(load_tokenizer(), ["election " * 1000])

    assert len(ids) == MAX_TOKENS
    assert ids[0] == 101 and ids[-1] == 102


def parity() -> tuple[list[str], list[list[int]], np.ndarray]:
    """Return the fixture's sentences, the reference tokenizer's ids of them and the fp32 vectors."""
    with np.load(PARITY, allow_pickle=False) as stored:
        starts = [0, *stored["ends"][:-1]]
        ids = [stored["ids"][a:b].tolist() for a, b in zip(starts, stored["ends"], strict=True)]
        return [str(text) for text in stored["texts"]], ids, stored["vectors"]


def test_tokenizer_gives_the_reference_ids_of_the_parity_sentences() -> None:
    texts, ids, _ = parity()

    assert piece_ids(load_tokenizer(), texts) == ids


# Encoder --------------------------------------------------------------------------------------


def test_vectors_match_the_fp32_model_on_every_parity_sentence() -> None:
    texts, _, reference = parity()

    found = encoder().encode(texts)

    assert len(texts) >= 100 and found.shape == reference.shape and found.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(found, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(found * reference, axis=1)
    worst = int(np.argmin(cosine))
    assert cosine[worst] >= 0.999, f"cosine {cosine[worst]:.5f} on {texts[worst]!r}"


def test_related_sentences_are_closer_than_unrelated_ones() -> None:
    question, answer, recipe = encoder().encode(
        [
            "Who won the presidential election in Bolivia?",
            "Luis Arce of MAS won the vote with 55 percent.",
            "The recipe needs two cups of flour and an egg.",
        ]
    )

    assert question @ answer > 0.3
    assert question @ answer > question @ recipe + 0.2
    assert answer @ recipe < 0.2


def test_a_batch_gives_the_vectors_of_its_texts_one_by_one() -> None:
    texts = ["Short.", "A somewhat longer sentence about the vote count.", "Áñez", "", "The coup " * 9]

    batched = encoder().encode(texts, batch=3)  # padded and masked, shortest first
    single = np.concatenate([encoder().encode([text]) for text in texts])

    np.testing.assert_allclose(batched, single, atol=1e-5)
    assert encoder().encode([]).shape == (0, 384)


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
    damaged = tmp_path / "minilm.onnx"
    with (manifest.DATA / embed.MODEL_FILE).open("rb") as weights:
        damaged.write_bytes(weights.read(5000))  # a download cut short

    with pytest.raises(ArticleBotError, match="minilm.onnx: cannot load the sentence model") as error:
        Encoder.load(damaged)
    assert "\n" not in str(error.value)


def test_damaged_tokenizer_is_a_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "tokenizer.json"
    damaged.write_text('{"model": {"type": "WordPiece"', encoding="utf-8")

    with pytest.raises(ArticleBotError, match="tokenizer.json: cannot load the tokenizer"):
        load_tokenizer(damaged)


def test_answering_the_bundled_article_does_not_load_onnxruntime() -> None:
    # Its vectors ship: a cold start pays neither the runtime's import nor the model's load.
    script = (
        "import sys\n"
        "from article_bot.index.engine import Engine\n"
        "from article_bot.index.content import default_content_path\n"
        "engine = Engine.from_path(default_content_path(environ={}))\n"
        "answer = engine.ask('Who was the MAS presidential candidate?')\n"
        "print(answer.abstained, 'onnxruntime' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)

    assert result.stdout.split() == ["False", "False"]


# Question encoder -----------------------------------------------------------------------------

QUESTIONS = [
    "Who won the presidential election in Bolivia?",
    "What percentage of the vote did the opposition candidate get?",
    "When did the army force the president to resign?",
    "Why was the election postponed twice?",
]
SENTENCES = [
    "Luis Arce of MAS won the presidential election with 55 percent of the vote.",
    "Carlos Mesa, the runner-up, received 29 percent.",
    "In November 2019 the military demanded that Evo Morales step down.",
    "The vote was delayed twice because of the COVID-19 pandemic.",
]


def test_question_vectors_are_unit_vectors_near_the_models() -> None:
    fast = question_encoder().encode(QUESTIONS)
    model = encoder().encode(QUESTIONS)

    assert fast.shape == (4, 384) and fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
    assert np.all(np.sum(fast * model, axis=1) > 0.5)  # near, far from equal: see QuestionEncoder


def test_questions_find_the_sentences_the_model_finds() -> None:
    sentences = encoder().encode(SENTENCES).T
    fast = question_encoder().encode(QUESTIONS) @ sentences
    model = encoder().encode(QUESTIONS) @ sentences

    # The model too puts "percent of the vote" before "Mesa, the runner-up" for the second one.
    assert list(fast.argmax(axis=1)) == list(model.argmax(axis=1)) == [0, 0, 2, 3]


def test_a_question_of_no_pieces_has_no_direction() -> None:
    vectors = question_encoder().encode(["", "   "])

    assert not vectors.any()
    assert question_encoder().encode([]).shape == (0, 384)


def test_damaged_question_table_is_a_clear_error(tmp_path: Path) -> None:
    damaged = tmp_path / "questions.npz"
    damaged.write_bytes((manifest.DATA / embed.QUESTIONS_FILE).read_bytes()[:5000])
    missing = tmp_path / "absent.npz"

    with pytest.raises(ArticleBotError, match="cannot load the question table"):
        QuestionEncoder.load(damaged)
    with pytest.raises(ArticleBotError, match="absent.npz: cannot load the question table"):
        QuestionEncoder.load(missing)


def test_a_question_table_made_from_another_model_is_refused(tmp_path: Path) -> None:
    with np.load(manifest.DATA / embed.QUESTIONS_FILE, allow_pickle=False) as stored:
        arrays = dict(stored)
    arrays["model"] = np.array("minilm-l6.onnx:0000 minilm-tokenizer.json:0000")
    other = tmp_path / "questions.npz"
    np.savez(other, **arrays)

    with pytest.raises(
        ArticleBotError, match="made from minilm-l6.onnx:0000 .*, not minilm-l6.onnx:[0-9a-f]{64}"
    ):
        QuestionEncoder.load(other)


def test_a_question_table_for_another_vocabulary_is_refused(tmp_path: Path) -> None:
    from tokenizers import Tokenizer
    from tokenizers.models import WordPiece

    other = tmp_path / "tokenizer.json"
    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "vote"]
    Tokenizer(WordPiece(dict(zip(words, range(5), strict=True)), unk_token="[UNK]")).save(str(other))

    with pytest.raises(ArticleBotError, match="not one row of 384 per piece"):
        QuestionEncoder.load(tokenizer=other)


# Sentence-vector cache --------------------------------------------------------------------------


class CountingEncoder:
    """Stands in for the model: a fixed unit vector per text, and a count of texts encoded."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.texts.extend(texts)
        rows = [self._vector(text) for text in texts]
        return np.array(rows, dtype=np.float32).reshape(-1, 384)

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
    np.testing.assert_array_equal(first.matrix, second.matrix)  # same rounding either way
    assert second.matrix.shape == (4, 384) and second.matrix.dtype == np.float32
    np.testing.assert_array_equal(second.matrix[1], second.matrix[3])


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

    assert result.matrix.shape == (4, 384)
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
    good = SentenceVectors(ARTICLES[:1]).matrix
    path = tmp_path / "cache" / f"{key(ARTICLES[0])}.npy"
    path.write_bytes(damage)

    again = SentenceVectors(ARTICLES[:1])

    assert again.sources == ["computed"]
    np.testing.assert_array_equal(again.matrix, good)
    assert SentenceVectors(ARTICLES[:1]).sources == ["cache"]  # the damaged file was replaced


def test_cached_vectors_of_the_wrong_shape_are_computed_again(
    counting: CountingEncoder, tmp_path: Path
) -> None:
    path = tmp_path / "cache" / f"{key(ARTICLES[0])}.npy"
    path.parent.mkdir()
    np.save(path, np.zeros((3, 384), dtype=np.float16))

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
    fresh = encoder().encode(articles[0][:3])
    np.testing.assert_allclose(shipped.matrix[:3], fresh, atol=1e-3)  # stored as float16


def test_cache_folder_follows_the_environment(tmp_path: Path) -> None:
    assert cache_folder({"ARTICLE_BOT_CACHE": "/srv/c", "XDG_CACHE_HOME": "/x"}) == Path("/srv/c")
    assert cache_folder({"XDG_CACHE_HOME": "/x"}) == Path("/x/article-bot")
    assert cache_folder({}) == Path.home() / ".cache" / "article-bot"


def test_key_depends_on_model_and_sentences(monkeypatch: pytest.MonkeyPatch) -> None:
    before = key(["a", "b"])
    assert key(["a", "b"]) == before != key(["a", "c"])

    monkeypatch.setattr(embed, "model_version", lambda: "minilm-l6.onnx:another sha256")

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
    questions = question_encoder().encode(["Who won\ud800?", "Who won??"])
    sentences = encoder().encode(["Arce won\udcff.", "Arce won?."])

    assert np.allclose(questions[0], questions[1])
    assert np.allclose(sentences[0], sentences[1], atol=1e-5)
