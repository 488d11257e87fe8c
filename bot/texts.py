"""What the bot says in its own words, in each language it speaks (WORDING): its commands, and
the answers the engine gives as facts (Answer.said, index/model.py); and its plain-text
rendering: the console's replies and JSON, and the plain texts Telegram escapes into HTML."""

from __future__ import annotations

from collections.abc import Sequence

from ..index.engine import Engine
from ..index.language import ENGLISH, SPANISH
from ..index.model import Answer, Article, Passage, Said

# Everything the bot says in its own words, in each language it speaks (index/language.py): the
# question's language decides for an answer; for a command without text, the sender's language
# (Telegram's language_code) or, in the console, that of the last question.
WORDING: dict[str, dict[str, str]] = {
    ENGLISH: {
        "example_hint": "Ask a question about the article, for example:",
        "help": "\n".join(
            [
                "Ask me a question about the article and I answer with sentences quoted from it, each "
                "cited [n] to the passage it comes from. When the article doesn't say, I tell you so.",
                "",
                "Commands:",
                "/ask QUESTION – ask a question (in groups)",
                "/about – which articles I know",
                "/source N – the full text of passage N",
                "/reset – start a new conversation",
                "/help – this message",
            ]
        ),
        "passages": "{count} passages",
        "closest": "The closest the article comes is {label}.",
        "sources": "Sources",
        "reset": "Starting a new conversation.",
        "empty": "Ask a question about the article, or /help.",
        "ask_usage_example": "Usage: /ask QUESTION, e.g. /ask Who won?",
        "ask_example": "/ask Who won?",
        "unknown_command": "I don't know {command}. Try /help, or just ask a question.",
        "non_text": "I can only read text. Send me your question about the article as a message.",
        "failed": "Sorry, something went wrong while answering. Please try again.",
        "stale_button": "This button no longer works.",
        "slow_down": "You're asking faster than I can keep up with. Please wait a minute, then ask again.",
        "slow_down_short": "Too many questions: please wait a minute",
        "inline_button": "Type a question about the article",
        "not_in_article": "The article doesn't say.",
        "no_author": "The article doesn't name its author.",
        "no_date": "The article doesn't give its date.",
        "hint": "I can answer questions about {titles}{more}.",
        "hint_more": " and {count} more",
        "said_hello": "Hello! Ask me a question about {titles} and I will answer from the article.",
        "said_welcome": "You're welcome! Ask me a question about {titles} "
        "and I will answer from the article.",
        "written_by": "“{title}” was written by {author}{published}.",
        "published": ", published {date}",
        "dated": "“{title}” was published on {date}.",
        "titled": "The article is titled “{title}”. It opens:",
        "articles": "I have {count} articles; ask about one of them:",
        "articles_more": "and {count} more (/about lists them all).",
        "greeting": "Hello!",
        "hello": "I answer questions about this article with sentences quoted from it, "
        "each cited [n] to its passage:",
        "groups": "In a group, use /ask QUESTION, mention me, or reply to my answer. "
        "/help lists the commands.",
    },
    SPANISH: {
        "example_hint": "Hazme una pregunta sobre el artículo, por ejemplo:",
        "help": "\n".join(
            [
                "Hazme una pregunta sobre el artículo y te respondo con frases citadas de él, cada una "
                "con su [n], el párrafo del que viene. Las citas están en el idioma del artículo. "
                "Cuando el artículo no lo dice, te lo digo.",
                "",
                "Comandos:",
                "/ask PREGUNTA – hacer una pregunta (en grupos)",
                "/about – qué artículos conozco",
                "/source N – el texto completo del párrafo N",
                "/reset – empezar una conversación nueva",
                "/help – este mensaje",
            ]
        ),
        "passages": "{count} párrafos",
        "closest": "Lo más cerca que llega el artículo es {label}.",
        "sources": "Fuentes",
        "reset": "Empezamos una conversación nueva.",
        "empty": "Hazme una pregunta sobre el artículo, o escribe /help.",
        "ask_usage_example": "Uso: /ask PREGUNTA, por ejemplo /ask ¿Quién ganó?",
        "ask_example": "/ask ¿Quién ganó?",
        "unknown_command": "No conozco {command}. Prueba /help, o simplemente hazme una pregunta.",
        "non_text": "Solo puedo leer texto. Envíame tu pregunta sobre el artículo en un mensaje.",
        "failed": "Lo siento, algo salió mal al responder. Inténtalo de nuevo.",
        "stale_button": "Este botón ya no funciona.",
        "slow_down": "Preguntas más rápido de lo que puedo responder. Espera un minuto y vuelve a preguntar.",
        "slow_down_short": "Demasiadas preguntas: espera un minuto",
        "inline_button": "Escribe una pregunta sobre el artículo",
        "not_in_article": "El artículo no lo dice.",
        "no_author": "El artículo no nombra a su autor.",
        "no_date": "El artículo no da su fecha.",
        "hint": "Puedo responder preguntas sobre {titles}{more}.",
        "hint_more": " y {count} más",
        "said_hello": "¡Hola! Hazme una pregunta sobre {titles} y te respondo con el artículo.",
        "said_welcome": "¡De nada! Hazme una pregunta sobre {titles} y te respondo con el artículo.",
        "written_by": "“{title}” fue escrito por {author}{published}.",
        "published": ", publicado el {date}",
        "dated": "“{title}” se publicó el {date}.",
        "titled": "El artículo se titula “{title}”. Empieza así:",
        "articles": "Tengo {count} artículos; pregunta por uno de ellos:",
        "articles_more": "y {count} más (/about los lista todos).",
        "greeting": "¡Hola!",
        "hello": "Respondo preguntas sobre este artículo con frases citadas de él, "
        "cada una con su [n], el párrafo del que viene:",
        "groups": "En un grupo, usa /ask PREGUNTA, mencióname o responde a mi respuesta. "
        "/help muestra los comandos.",
    },
}


def say(key: str, language: str = ENGLISH, **values: object) -> str:
    """Return one of the bot's texts (WORDING) in language (English for one it does not speak)."""
    text = WORDING.get(language, WORDING[ENGLISH])[key]
    return text.format(**values) if values else text


def help_text(language: str = ENGLISH) -> str:
    """Return the help: how to ask, and the commands."""
    return say("help", language)


def about_text(engine: Engine, language: str = ENGLISH) -> str:
    """Return the title, author, date and passage count of each article."""
    lines = []
    for number, article in enumerate(engine.articles, start=1):
        byline = ", ".join(part for part in (article.author, article.date) if part)
        prefix = f"{number}. " if len(engine.articles) > 1 else ""
        lines.append(f"{prefix}“{article.title}”" + (f" – {byline}" if byline else ""))
        count = say("passages", language, count=len(article.passages))
        lines.append(f"   {count}" + (f" · {article.url}" if article.url else ""))
    return "\n".join(lines)


def source_text(engine: Engine, passage: Passage) -> str:
    """Return a passage's full text under its label (and its article's title when there are several)."""
    return f"{passage_label(engine, passage)}\n{passage.text}"


def passage_label(engine: Engine, passage: Passage) -> str:
    """Return how users see a passage named: "¶N", with the article title if there are several."""
    if len(engine.articles) > 1:
        return f"{passage.article_title} {passage.label}"
    return passage.label


def closest_text(engine: Engine, answer: Answer) -> str:
    """Return "The closest the article comes is ¶N." for an abstention that came close, else ""."""
    if not answer.abstained or answer.closest is None:
        return ""
    return say("closest", answer.language, label=passage_label(engine, answer.closest))


# At most this many articles are named in an answer's own words (/about lists them all).
LISTED_ARTICLES = 10
HINTED_ARTICLES = 3


def answer_text(answer: Answer) -> str:
    """Return the answer in words: what the engine says (Answer.said) in the answer's language,
    then its quotes with their [n] markers."""
    return " ".join(part for part in (said_text(answer), answer.text) if part)


def said_text(answer: Answer) -> str:
    """Return what the engine says in its own words (Answer.said), in the answer's language."""
    language, about = answer.language, answer.about
    if answer.said is None:
        return ""
    if answer.said == Said.NOT_SAID:
        return say("not_in_article", language)
    if answer.said in (Said.NO_AUTHOR, Said.NO_DATE):
        return say(answer.said, language)
    if answer.said in (Said.HELLO, Said.WELCOME):
        return say(f"said_{answer.said}", language, titles=_titles(about))
    if answer.said == Said.ARTICLES:
        return _articles(about, language)
    article = about[0]
    if answer.said == Said.AUTHOR:
        published = say("published", language, date=article.date) if article.date else ""
        return say("written_by", language, title=article.title, author=article.author, published=published)
    if answer.said == Said.DATE:
        return say("dated", language, title=article.title, date=article.date)
    return say("titled", language, title=article.title)  # Said.TOPIC: then its opening, quoted


def _titles(articles: Sequence[Article]) -> str:
    return "; ".join(f"“{article.title}”" for article in articles[:HINTED_ARTICLES])


def _articles(articles: Sequence[Article], language: str) -> str:
    """Name the articles (title, author, date) when a question about "the article" could mean any."""
    lines = [say("articles", language, count=len(articles))]
    for article in articles[:LISTED_ARTICLES]:
        byline = ", ".join(part for part in (article.author, article.date) if part)
        lines.append(f"• “{article.title}”" + (f", {byline}" if byline else ""))
    if len(articles) > LISTED_ARTICLES:
        lines.append(say("articles_more", language, count=len(articles) - LISTED_ARTICLES))
    return "\n".join(lines)


def hint_text(answer: Answer) -> str:
    """Return what the bot can answer about, said with an abstention (else "")."""
    if answer.said is None or not answer.said.abstains:
        return ""
    count = len(answer.about) - HINTED_ARTICLES
    more = say("hint_more", answer.language, count=count) if count > 0 else ""
    return say("hint", answer.language, titles=_titles(answer.about), more=more)


def reply_text(engine: Engine, answer: Answer) -> str:
    """Render an answer as plain text: the answer, then each cited source."""
    if answer.abstained:
        parts = (answer_text(answer), closest_text(engine, answer), hint_text(answer))
        return " ".join(part for part in parts if part)
    lines = [answer_text(answer)]
    if answer.citations:
        lines += ["", say("sources", answer.language) + ":"]
        lines += [f"[{c.ref}] {passage_label(engine, c.passage)}: {c.passage.text}" for c in answer.citations]
    return "\n".join(lines)


def answer_json(engine: Engine, answer: Answer) -> dict[str, object]:
    """Render an answer as the console's JSON object ("closest" and "span" only when set)."""
    result: dict[str, object] = {
        "reply": reply_text(engine, answer),
        "answer": "" if answer.abstained else answer_text(answer),
        "abstained": answer.abstained,
        "citations": [
            {
                "ref": c.ref,
                "article": c.passage.article_title,
                "passage": c.passage.label,
                "text": c.passage.text,
            }
            for c in answer.citations
        ],
    }
    if answer.abstained and answer.closest is not None:
        passage = answer.closest
        result["closest"] = {
            "article": passage.article_title,
            "passage": passage.label,
            "number": passage.number,
            "text": passage.text,
        }
    if not answer.abstained and answer.span is not None:
        result["span"] = list(answer.span)
    return result


def welcome_text(about: str, examples: list[str], language: str = ENGLISH) -> str:
    """Render the welcome (/start) as plain text: hello, the articles, example questions."""
    lines = [f"{say('greeting', language)} {say('hello', language)}", "", about, ""]
    return "\n".join(lines + [say("example_hint", language)] + [f"• {question}" for question in examples])


def excerpt(text: str, limit: int) -> str:
    """Return text cut at a word boundary to about limit characters, with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:–— ")
    return f"{cut}…"
