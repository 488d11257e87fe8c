"""Telegram's quirks in one place: HTML escaping, the 4,096 limit, callback data, buttons."""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
)
from telegram.constants import ParseMode

from ..index.engine import Engine
from ..index.language import ENGLISH
from ..index.model import Answer, Citation, Passage
from .commands import Welcome
from .stats import StatsSnapshot
from .texts import answer_text, closest_text, excerpt, hint_text, passage_label, said_text, say

MAX_MESSAGE_CHARS = 4096  # Telegram's limit on a message's text
MAX_CALLBACK_DATA_BYTES = 64  # Telegram's limit on an inline button's callback_data
MAX_ALERT_CHARS = 200  # Telegram's limit on the text of a callback query's answer
MAX_INLINE_TITLE_CHARS = 100  # longer titles are cut off by the clients anyway
BUTTONS_PER_ROW = 4
EXCERPT_CHARS = 90
SOURCE_CALLBACK = "src"

_PIECE = re.compile(r"<[^>]*>|&#?\w+;|[^<&]")


def escape(text: str) -> str:
    """Escape text for Telegram HTML (only <, > and & are special there)."""
    return html.escape(text, quote=False)


def text_html(text: str) -> str:
    """Render one of the shared plain texts (help, about, notices) as Telegram HTML."""
    return escape(text)


def answer_html(engine: Engine, answer: Answer) -> str:
    """Render an answer: the quoted sentences with [n] markers, then one line per source."""
    if answer.abstained:
        closest = closest_text(engine, answer)
        text = answer_text(answer)
        first_line = escape(f"{text} {closest}" if closest else text)
        hint = hint_text(answer)
        return first_line + (f"\n<i>{escape(hint)}</i>" if hint else "")
    lines = [_with_span_in_bold(answer)]
    if answer.citations:
        lines += ["", f"<b>{escape(say('sources', answer.language))}</b>"]
        lines += [_source_line(engine, citation) for citation in answer.citations]
    return "\n".join(lines)


def _with_span_in_bold(answer: Answer) -> str:
    """Escape the answer's words and quotes, each quote's exact answer (its bold) in bold."""
    said = said_text(answer)
    parts = [escape(said)] if said else []
    for quote in answer.quotes:
        text = escape(quote.text)
        if quote.bold is not None:
            start, end = quote.bold
            bold = f"<b>{escape(quote.text[start:end])}</b>"
            text = escape(quote.text[:start]) + bold + escape(quote.text[end:])
        parts.append(f"{text} [{quote.ref}]")
    return " ".join(parts)


def _source_line(engine: Engine, citation: Citation) -> str:
    label = escape(passage_label(engine, citation.passage))
    return f"[{citation.ref}] <b>{label}</b> <i>{escape(excerpt(citation.passage.text, EXCERPT_CHARS))}</i>"


def source_html(engine: Engine, passage: Passage) -> str:
    """Render a passage's full text under its label."""
    return f"<b>{escape(passage_label(engine, passage))}</b>\n{escape(passage.text)}"


def welcome_html(welcome: Welcome, language: str = ENGLISH) -> str:
    """Render the welcome (/start): which article, how to ask, example questions, and how to ask
    in groups."""
    examples = "\n".join(f"• {escape(question)}" for question in welcome.examples)
    return "\n".join(
        [
            f"<b>{escape(say('greeting', language))}</b> {escape(say('hello', language))}",
            "",
            escape(welcome.about),
            "",
            escape(say("example_hint", language)),
            examples,
            "",
            escape(say("groups", language)),
        ]
    )


def stats_html(stats: StatsSnapshot) -> str:
    """Render /stats: uptime, questions, abstentions, answer-time percentiles, chats, drops."""
    answered = stats.questions - stats.abstentions
    rows = [
        "<b>Stats</b>",
        f"Uptime: {duration(stats.uptime_seconds)}",
        f"Questions: {stats.questions} ({answered} answered, {stats.abstentions} abstained)",
        f"Answer time: p50 {milliseconds(stats.p50_seconds)}, p99 {milliseconds(stats.p99_seconds)}",
        f"Chats: {stats.chats}",
        f"Dropped: {stats.dropped} (sent faster than they could be answered)",
    ]
    return "\n".join(rows)


def duration(seconds: float) -> str:
    """Return seconds as "3d 4h 5m 6s", leaving out the leading zero units."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    parts = [(days, "d"), (hours, "h"), (minutes, "m")]
    shown = [f"{value}{unit}" for value, unit in parts if value] + [f"{secs}s"]
    return " ".join(shown)


def milliseconds(seconds: float | None) -> str:
    """Return seconds as "12.3 ms", or "–" when nothing was measured yet."""
    return "–" if seconds is None else f"{seconds * 1000:.1f} ms"


def alert_text(text: str) -> str:
    """Return text cut to what Telegram shows in a button's alert."""
    return excerpt(text, MAX_ALERT_CHARS - 1)


def answer_keyboard(engine: Engine, answer: Answer) -> InlineKeyboardMarkup | None:
    """Return the answer's buttons: one per cited passage, or the closest passage of an abstention."""
    if answer.abstained:
        return source_keyboard(engine, [answer.closest] if answer.closest is not None else [])
    return source_keyboard(engine, [c.passage for c in answer.citations])


def source_keyboard(engine: Engine, passages: Sequence[Passage]) -> InlineKeyboardMarkup | None:
    """Return one "¶N" button per passage (rows of four), or None when there are none."""
    buttons = [
        InlineKeyboardButton(passage_label(engine, p), callback_data=source_callback_data(engine, p))
        for p in passages
    ]
    if not buttons:
        return None
    rows = [buttons[i : i + BUTTONS_PER_ROW] for i in range(0, len(buttons), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows)


def source_callback_data(engine: Engine, passage: Passage) -> str:
    """Return "src:<article>:<passage>", the compact callback data of a source button."""
    data = f"{SOURCE_CALLBACK}:{article_number(engine, passage)}:{passage.number}"
    assert len(data.encode()) <= MAX_CALLBACK_DATA_BYTES  # at most ~14 bytes by construction
    return data


def parse_source_callback(data: str | None) -> str | None:
    """Return the source reference ("A:N", as Engine.find_source takes) of a button, or None."""
    match = re.fullmatch(rf"{SOURCE_CALLBACK}:(\d{{1,4}}):(\d{{1,5}})", data or "")
    return f"{match.group(1)}:{match.group(2)}" if match else None


def article_number(engine: Engine, passage: Passage) -> int:
    """Return the 1-based number of the passage's article among the engine's articles."""
    for number, article in enumerate(engine.articles, start=1):
        if article.slug == passage.article_slug:
            return number
    raise ValueError(f"passage {passage.id} is not from a loaded article")


def inline_results(engine: Engine, question: str, answer: Answer) -> list[InlineQueryResultArticle]:
    """Return the inline-mode result for a question: its answer with the sources, ready to send."""
    body = f"<b>Q:</b> {escape(question)}\n\n{answer_html(engine, answer)}"
    title = answer_text(answer) if not answer.abstained else say("not_in_article", answer.language)
    description = ", ".join(passage_label(engine, c.passage) for c in answer.citations)
    result_id = hashlib.sha256(question.encode()).hexdigest()[:32]  # ids may be up to 64 bytes
    return [
        InlineQueryResultArticle(
            id=result_id,
            title=excerpt(title, MAX_INLINE_TITLE_CHARS),
            description=description or escape(hint_text(answer)) or None,
            input_message_content=InputTextMessageContent(split_message(body)[0], parse_mode=ParseMode.HTML),
        )
    ]


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Split Telegram HTML into messages within limit: at paragraphs, else lines, else anywhere."""
    messages: list[str] = []
    current = ""
    for paragraph in text.split("\n\n"):
        pieces = [paragraph] if _length(paragraph) <= limit else _split_long(paragraph, limit)
        for piece in pieces:
            joined = f"{current}\n\n{piece}" if current else piece
            if _length(joined) <= limit:
                current = joined
            else:
                messages.append(current)
                current = piece
    if current or not messages:
        messages.append(current)
    return messages


def _split_long(paragraph: str, limit: int) -> list[str]:
    lines = paragraph.split("\n")
    if len(lines) > 1 and all(_length(line) <= limit for line in lines):
        chunks: list[str] = []
        for line in lines:
            if chunks and _length(f"{chunks[-1]}\n{line}") <= limit:
                chunks[-1] = f"{chunks[-1]}\n{line}"
            else:
                chunks.append(line)
        return chunks
    return _hard_split(paragraph, limit)


def _hard_split(text: str, limit: int) -> list[str]:
    """Cut HTML into pieces within limit, preferably after a space, closing and reopening tags."""
    chunks: list[str] = []
    pieces: list[str] = []  # tags, entities and characters of the chunk being built
    open_before: list[list[str]] = []  # the opening tags in force before each of those pieces
    open_tags: list[str] = []
    size = 0
    for piece in _PIECE.findall(text):
        if pieces and size + _length(piece + _closing(open_tags)) > limit:
            end, resume = _cut_point(pieces)
            tags_at_cut = open_before[resume] if resume < len(pieces) else list(open_tags)
            chunks.append("".join(pieces[:end]) + _closing(tags_at_cut))
            reopened = [tags_at_cut[:i] for i in range(len(tags_at_cut))]
            pieces, open_before = tags_at_cut + pieces[resume:], reopened + open_before[resume:]
            size = sum(_length(p) for p in pieces)
        open_before.append(list(open_tags))
        pieces.append(piece)
        size += _length(piece)
        if piece.startswith("</"):
            if open_tags:
                open_tags.pop()
        elif piece.startswith("<"):
            open_tags.append(piece)
    if pieces:
        chunks.append("".join(pieces))
    return chunks


def _cut_point(pieces: list[str]) -> tuple[int, int]:
    """Return (end, resume): drop the last space in the second half, else cut at the end."""
    for index in range(len(pieces) - 1, len(pieces) // 2, -1):
        if pieces[index].isspace():
            return index, index + 1
    return len(pieces), len(pieces)


def _closing(open_tags: list[str]) -> str:
    return "".join(f"</{_tag_name(tag)}>" for tag in reversed(open_tags))


def _tag_name(tag: str) -> str:
    return re.match(r"</?\s*([\w-]+)", tag).group(1)  # type: ignore[union-attr]


def _length(text: str) -> int:
    # Telegram counts UTF-16 code units; counting the markup too keeps well within the limit.
    return len(text.encode("utf-16-le")) // 2
