"""Questions in Spanish (issue 23): what a Spanish-speaking user sees, in the engine, the console
and Telegram, and how an article in Spanish is analysed."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from bot_api_server import ALICE, GROUP, sticker_message, text_message
from running_bot import ask_and_wait

from article_bot.bot import telegram_render as render
from article_bot.bot.console import ConsoleSession
from article_bot.bot.texts import WORDING, answer_text, help_text, hint_text, reply_text
from article_bot.index.analysis import analysed_in, terms
from article_bot.index.answer import abstain
from article_bot.index.engine import Engine
from article_bot.index.language import detect, normalise
from article_bot.index.question import read_question
from article_bot.index.sentences import split_sentences

ROOT = Path(__file__).resolve().parent.parent
ARTICLE_BOT = Path(sys.executable).with_name("article-bot")
SPANISH_ARTICLE = ROOT / "eval" / "es" / "content"
NOT_SAID = "El artículo no lo dice."
ALICIA = {**ALICE, "language_code": "es"}


def sentences_of(engine: Engine) -> list[str]:
    return [s for p in engine.passages for s in p.sentences]


@pytest.fixture(scope="module")
def spanish() -> Engine:
    return Engine.from_path(SPANISH_ARTICLE)


def test_the_language_of_short_questions_is_detected():
    assert detect("¿Quién ganó las elecciones?") == "es"
    assert detect("¿Por qué?") == "es"
    assert detect("Who won the election?") == "en"
    assert detect("Why?") == "en"
    assert detect("12345 ?!") == "en"  # nothing to tell by: English
    assert normalise("es-419") == "es" and normalise("pt-br") == "en" and normalise(None) == "en"


def test_every_text_the_bot_says_exists_in_both_languages():
    assert set(WORDING["es"]) == set(WORDING["en"])
    assert help_text("es").startswith("Hazme una pregunta sobre el artículo")
    assert "/source N" in help_text("es") and "/reset" in help_text("es")


def test_a_spanish_question_gets_the_english_sentence_quoted_verbatim_and_cited(engine):
    answer = engine.ask("¿Cuántas personas murieron de COVID-19 en Bolivia?").answer
    assert not answer.abstained and answer.language == "es"
    sentence = next(s for s in sentences_of(engine) if "8,500 confirmed" in s)
    assert answer.text == f"{sentence} [1]"
    assert sentence in answer.citations[0].passage.text
    number = answer.citations[0].passage.number
    assert f"\n\nFuentes:\n[1] ¶{number}: " in reply_text(engine, answer)


@pytest.mark.parametrize(
    ("question", "refers_back"),
    [
        ("¿Qué porcentaje de los votos obtuvo?", True),  # "what share did he get": no subject written
        ("¿Cuántas veces aplazó su régimen las elecciones?", True),
        ("¿Qué porcentaje de los votos obtuvo Mesa?", False),  # it names whom it asks about
        ("¿Por qué?", False),  # asks nothing of anyone: it asks "why" of the previous question
        ("What share of the votes was counted?", False),  # English writes its pronouns
    ],
)
def test_a_spanish_question_naming_no_one_refers_back_as_a_pronoun_would(question, refers_back):
    assert read_question(question).has_pronoun is refers_back


def test_a_spanish_questions_small_words_are_not_what_it_asks_about():
    # Analysed in English (the article's language), "la" would be a word of "La Paz".
    assert read_question("¿Por qué?").content == ()
    question = read_question("¿Qué pasó en la calle de La Paz?")
    assert [word for word, _ in question.content] == ["paso", "calle", "Paz"]
    assert question.names == ("la paz",)  # the name is still whole


def test_a_spanish_follow_up_without_its_subject_is_asked_of_the_previous_ones(engine):
    turn = engine.ask("¿Quién es Jeanine Áñez?").turn

    answer = engine.ask("¿Cuántas veces aplazó su régimen las elecciones?", turn).answer

    assert not answer.abstained and answer.language == "es"
    assert "twice postponed" in answer.text and "Áñez" in answer.text


@pytest.mark.parametrize(
    "question",
    ["¿Cuándo nació Luis Almagro?", "¿Cuántos hijos tiene Evo Morales?", "¿Quién pintó la Mona Lisa?"],
)
def test_a_spanish_question_the_article_does_not_answer_gets_a_spanish_no(engine, question):
    answer = engine.ask(question).answer
    assert answer.abstained and not answer.citations
    assert reply_text(engine, answer).startswith(NOT_SAID)
    assert "Puedo responder preguntas sobre “Coup regime in Bolivia" in hint_text(answer)


def test_english_questions_are_still_answered_in_english(engine):
    answer = engine.ask("What is the capital of France?").answer
    assert answer.abstained and answer_text(answer) == "The article doesn't say." and answer.language == "en"
    assert (
        reply_text(engine, engine.ask("What share of the vote did Carlos Mesa get?").answer).count(
            "\n\nSources:\n"
        )
        == 1
    )


def test_the_console_speaks_the_language_of_the_last_question(engine):
    session = ConsoleSession(engine)
    assert session.handle("/help")["reply"].startswith("Ask me a question")
    assert session.handle("¿Cuál es la capital de Francia?")["reply"].startswith(NOT_SAID)
    assert session.handle("/help")["reply"].startswith("Hazme una pregunta")
    assert session.handle("/reset")["reply"] == "Empezamos una conversación nueva."
    unknown = "No conozco /nothing. Prueba /help, o simplemente hazme una pregunta."
    assert session.handle("/nothing")["reply"] == unknown
    assert session.handle("What share of the vote did Carlos Mesa get?")["abstained"] is False
    assert session.handle("/reset")["reply"] == "Starting a new conversation."


def test_spanish_analysis_stems_folds_accents_and_keeps_abbreviations():
    with analysed_in("es"):
        assert terms("las elecciones") == terms("la elección") == ["eleccion"]
        assert terms("¿Cuántas islas hay?") == terms("isla") == ["isla"]
        assert terms("los ríos") == terms("el río")
    assert terms("las elecciones") != ["eleccion"]  # English analysis outside
    assert split_sentences("El Sr. Pérez llegó a la Av. Arce. Luego habló.", "es") == [
        "El Sr. Pérez llegó a la Av. Arce.",
        "Luego habló.",
    ]


def test_a_spanish_article_is_answered_in_spanish_with_its_accents_kept(spanish):
    assert spanish.articles[0].language == "es"
    answer = spanish.ask("cuantas islas hay en el lago?").answer  # no accents, no opening mark
    assert not answer.abstained and "En el lago hay 41 islas" in answer.text
    river = spanish.ask("¿Qué río sale del lago Titicaca?").answer
    sentence = "Solo un río sale de él: el Desaguadero, que corre hacia el sur hasta el lago Poopó."
    assert f"{sentence} [" in river.text
    assert answer_text(spanish.ask("¿Cuál es la capital de Francia?").answer) == NOT_SAID


def test_an_english_question_about_a_spanish_article_quotes_the_spanish_sentence(spanish):
    answer = spanish.ask("Where does the Desaguadero flow?").answer
    assert answer.language == "en" and not answer.abstained
    assert (
        answer.text
        == "Solo un río sale de él: el Desaguadero, que corre hacia el sur hasta el lago Poopó. [1]"
    )
    assert answer_text(spanish.ask("Who won the 2010 World Cup?").answer) == "The article doesn't say."


def test_the_console_json_mode_answers_spanish_questions():
    lines = "¿Cuántas personas murieron de COVID-19 en Bolivia?\n¿Dónde nació Luis Arce?\n/help\n"
    result = subprocess.run(
        [str(ARTICLE_BOT), "console", "--json"], input=lines, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    answered, unanswered, helped = (json.loads(line) for line in result.stdout.splitlines())
    assert "8,500 confirmed COVID-19 deaths" in answered["answer"] and answered["citations"]
    assert unanswered["abstained"] and unanswered["reply"].startswith(NOT_SAID)
    assert helped["reply"].startswith("Hazme una pregunta")


def test_telegram_help_follows_the_senders_language_code(api, start_bot):
    start_bot()
    helped = ask_and_wait(api, text_message("/help", user=ALICIA))
    assert helped["text"].startswith("Hazme una pregunta sobre el artículo")
    english = ask_and_wait(api, text_message("/help"))
    assert english["text"].startswith("Ask me a question about the article")


def test_telegram_questions_follow_their_own_language(api, start_bot, engine):
    start_bot()
    no = ask_and_wait(api, text_message("¿Cuándo nació Luis Almagro?"))  # language_code unset
    assert no["text"].startswith(NOT_SAID)
    quoted = ask_and_wait(api, text_message("¿Cuántas personas murieron de COVID-19 en Bolivia?"))
    sentence = next(s for s in sentences_of(engine) if "8,500 confirmed" in s)
    assert quoted["text"].startswith(sentence) and "Fuentes" in quoted["text"]
    english = ask_and_wait(api, text_message("What is the capital of France?", user=ALICIA))
    assert english["text"].startswith("The article doesn't say.")


def test_a_spanish_abstention_that_came_close_points_to_the_passage_in_spanish(engine):
    answer = replace(abstain(engine.articles, language="es"), closest=engine.passage(13))
    assert reply_text(engine, answer) == (
        f"{NOT_SAID} Lo más cerca que llega el artículo es ¶13. Puedo responder preguntas sobre "
        "“Coup regime in Bolivia concedes electoral victory to MAS”."
    )
    assert render.answer_html(engine, answer).startswith(
        f"{NOT_SAID} Lo más cerca que llega el artículo es ¶13."
    )
    [result] = render.inline_results(engine, "¿Qué dijo Arce?", answer)
    assert result.title == NOT_SAID


def test_telegram_rate_limit_and_hints_are_in_spanish_for_spanish_senders(api, start_bot):
    start_bot(RATE_LIMIT_PER_MINUTE="1")
    api.push("message", text_message("/ask ¿Cuándo nació Luis Almagro?", GROUP, user=ALICIA))
    api.push("message", text_message("/ask ¿Dónde nació Luis Arce?", GROUP, user=ALICIA))
    first, second = (c.result["text"] for c in api.wait_sent(GROUP["id"], 2))
    assert first.startswith(NOT_SAID)
    assert second == "Preguntas más rápido de lo que puedo responder. Espera un minuto y vuelve a preguntar."


def test_telegram_start_and_non_text_hint_in_spanish(api, start_bot, engine):
    start_bot()
    welcome = ask_and_wait(api, text_message("/start", user=ALICIA))["text"]
    assert welcome.startswith("¡Hola! Respondo preguntas sobre este artículo")
    assert "párrafos" in welcome and "Hazme una pregunta sobre el artículo, por ejemplo:" in welcome
    examples = [line[2:] for line in welcome.splitlines() if line.startswith("• ")]
    assert examples and all(not engine.ask(example).answer.abstained for example in examples)
    hint = ask_and_wait(api, sticker_message(user=ALICIA))["text"]
    assert hint == "Solo puedo leer texto. Envíame tu pregunta sobre el artículo en un mensaje."
