"""Typed values passed between modules: articles, passages, citations, answers and turns."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


@dataclass(frozen=True)
class Passage:
    """One paragraph of an article: the unit that is indexed and cited."""

    id: str  # stable: "<article slug>#<number>"
    article_slug: str
    article_title: str
    number: int  # 1-based paragraph number within its article
    text: str  # display text, Markdown removed, quotes and dashes as written
    sentences: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"¶{self.number}"


@dataclass(frozen=True)
class Article:
    """A loaded article: metadata and its body passages."""

    slug: str
    title: str
    author: str | None
    date: str | None
    url: str | None
    passages: tuple[Passage, ...]
    language: str = "en"  # "en" or "es" (index/language.py): how it is analysed


@dataclass(frozen=True)
class Citation:
    """A cited passage, numbered as its [n] marker in the answer."""

    ref: int
    passage: Passage


@dataclass(frozen=True)
class Quote:
    """An excerpt quoted verbatim, followed in the answer by the [ref] marker of its citation."""

    text: str
    ref: int
    # The exact answer (a date or a count) inside text, as [start, end) character offsets, when
    # the kind of answer asked for is clear (spans.py); shown in bold.
    bold: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.bold is not None and not 0 <= self.bold[0] < self.bold[1] <= len(self.text):
            raise ValueError(f"bold {self.bold} is not within the {len(self.text)} characters quoted")


class Said(StrEnum):
    """What the engine says in its own words, as a fact the front ends word (bot/texts.py)."""

    NOT_SAID = "not_said"  # the article doesn't say
    NO_AUTHOR = "no_author"  # it doesn't name its author (the article is Answer.about[0])
    NO_DATE = "no_date"  # ... or give its date
    AUTHOR = "author"  # its author (and date)
    DATE = "date"  # its date
    TOPIC = "topic"  # its title, then its opening, quoted
    HELLO = "hello"  # a greeting, answered with how to ask
    WELCOME = "welcome"  # thanks, answered likewise
    ARTICLES = "articles"  # the articles, when a question about "the article" could mean any

    @property
    def abstains(self) -> bool:
        """Return whether it says the article doesn't answer (with what the bot can answer about)."""
        return self in (Said.NOT_SAID, Said.NO_AUTHOR, Said.NO_DATE)


@dataclass(frozen=True)
class Answer:
    """What the engine found for one question; every front end words and renders this value."""

    abstained: bool
    quotes: tuple[Quote, ...] = ()  # in article order, each followed by its [ref] marker
    citations: tuple[Citation, ...] = ()
    said: Said | None = None  # what it says in its own words, before any quote
    about: tuple[Article, ...] = ()  # the articles what it says names (on abstention: the hint's)
    # On abstention: the passage that came close to answering, when one did ("The closest the
    # article comes is ¶N"); never set on an answer, and never a citation.
    closest: Passage | None = None
    # The language of the question ("en" or "es", index/language.py): what the bot says in its
    # own words follows it; what it quotes is the article's, as written.
    language: str = "en"

    @property
    def text(self) -> str:
        """Return the quotes, each followed by its [n] marker ("" when nothing is quoted)."""
        return " ".join(f"{quote.text} [{quote.ref}]" for quote in self.quotes)

    @property
    def span(self) -> tuple[int, int] | None:
        """Return where the exact answer stands in text, as [start, end) offsets, if known."""
        offset = 0
        for quote in self.quotes:
            if quote.bold is not None:
                return offset + quote.bold[0], offset + quote.bold[1]
            offset += len(quote.text) + len(f" [{quote.ref}] ")
        return None


@dataclass
class Turn:
    """What a follow-up question may refer back to."""

    terms: list[str]
    entities: list[str]
    article: str = ""  # the slug of the article the answer quoted ("": none yet)
    names: list[str] = field(default_factory=list)  # the names asked about, as written


@dataclass(frozen=True)
class Reply:
    """The engine's answer to a question, and what a follow-up may refer back to (None when
    the question was answered without retrieval and leaves the conversation as it was)."""

    answer: Answer
    turn: Turn | None = None


@dataclass
class Conversation:
    """The conversation so far in one chat; plain data so that it can be persisted."""

    turns: list[Turn] = field(default_factory=list)
    max_turns: int = 3

    def remember(self, turn: Turn | None) -> None:
        """Add a turn (None: the question added none), keeping only the most recent few."""
        if turn is None:
            return
        self.turns.append(turn)
        del self.turns[: -self.max_turns]

    def reset(self) -> None:
        """Forget everything said so far."""
        self.turns.clear()

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None
