"""Typed values passed between modules: articles, passages, citations and answers."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    path: str
    passages: tuple[Passage, ...]
    language: str = "en"  # "en" or "es" (index/language.py): how it is analysed


@dataclass(frozen=True)
class Citation:
    """A cited passage, numbered as its [n] marker in the answer."""

    ref: int
    passage: Passage


@dataclass(frozen=True)
class Answer:
    """What the engine says to one question; every front end renders this same value."""

    text: str  # the answer with its [n] markers, or the abstention message
    abstained: bool
    citations: tuple[Citation, ...] = ()
    hint: str = ""  # on abstention: what the article does cover
    # On abstention: the passage that came close to answering, when one did ("The closest the
    # article comes is ¶N"); never set on an answer, and never a citation.
    closest: Passage | None = None
    # The exact answer (a name, date, number or place) inside text, as [start, end) character
    # offsets, when the kind of answer asked for is clear; shown in bold.
    span: tuple[int, int] | None = None
    # The language of the question ("en" or "es", index/language.py): what the bot says in its
    # own words follows it; what it quotes is the article's, as written.
    language: str = "en"

    @property
    def answer_text(self) -> str:
        """Return the answer without sources, "" when abstaining."""
        return "" if self.abstained else self.text


@dataclass
class Turn:
    """What a follow-up question may refer back to."""

    terms: list[str]
    entities: list[str]
    article: str = ""  # the slug of the article the answer quoted ("": none yet)
    names: list[str] = field(default_factory=list)  # the names asked about, as written


@dataclass
class Conversation:
    """The conversation so far in one chat; plain data so that it can be persisted."""

    turns: list[Turn] = field(default_factory=list)
    max_turns: int = 3

    def remember(self, turn: Turn) -> None:
        """Add a turn, keeping only the most recent few."""
        self.turns.append(turn)
        del self.turns[: -self.max_turns]

    def reset(self) -> None:
        """Forget everything said so far."""
        self.turns.clear()

    @property
    def last(self) -> Turn | None:
        return self.turns[-1] if self.turns else None
