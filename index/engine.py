"""The answering engine: load content, index it, answer questions within a conversation.

A question is read once (`question.read_question`) into the value every later step reads: the
direct answers (`direct.py`), then the query of term groups (`query.py`) merged with the
conversation's previous turn, the candidate sentences (`retrieval.py`, whose sentences were
analysed when indexed), their signals and feature rows (`signals.py`, `rank.py`), the decision
(`rank.decide`) and the quote (`answer.py`).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from .analysis import Acronym, find_acronyms
from .answer import Excerpt, abstain, excerpt, quote, subjects
from .content import load_articles
from .direct import about_article, define_acronym, small_talk
from .embed import question_encoder
from .errors import ArticleBotError
from .model import Answer, Article, Conversation, Passage, Turn
from .query import Query, build_query
from .question import Question, read_question
from .rank import Forest, closest, decide, features, forest
from .retrieval import Hit, Retriever
from .vectors import SentenceVectors

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tuning:
    """Knobs of retrieval and answering, chosen on dev.jsonl and the SQuAD articles."""

    k1: float = 1.2
    b: float = 0.75
    passage_weight: float = 0.5  # how much a sentence's passage score adds to its own
    max_answer_chars: int = 560  # two sentences only while they fit (the scorer allows 600)
    candidates: int = 12  # sentences the ranker weighs (the ranker was trained on 12)
    threshold: float | None = None  # quote from this probability on; None: the ranker's own
    threshold_doubtful: float | None = None  # ... when it lacks what is asked (see rank.decide)
    threshold_second: float | None = None  # add a second sentence from this probability on


@dataclass(frozen=True)
class Weighing:
    """How the engine weighed a query's candidates: their feature rows, what each would quote,
    the ranker's probabilities and the candidates chosen (none, one or two)."""

    query: Query
    hits: tuple[Hit, ...]
    rows: tuple[list[float], ...]
    excerpts: tuple[Excerpt, ...]
    probabilities: tuple[float, ...]
    chosen: tuple[int, ...]
    closest: int | None = None  # none chosen: the candidate that came close (rank.closest), if any


class Engine:
    """Answers questions about a set of articles."""

    def __init__(
        self,
        articles: Sequence[Article],
        tuning: Tuning | None = None,
        ranker: Forest | None = None,
        cache: Path | None = None,
    ):
        """Index the articles' passages (sentence vectors cached in the folder cache, by default
        vectors.cache_folder()); answer with the given ranker, by default the bundled one."""
        started = time.perf_counter()
        self.articles = tuple(articles)
        self.tuning = tuning or Tuning()
        self.passages = tuple(p for article in self.articles for p in article.passages)
        self.acronyms = self._learn_acronyms()
        self.retriever = Retriever(
            self.passages,
            k1=self.tuning.k1,
            b=self.tuning.b,
            passage_weight=self.tuning.passage_weight,
        )
        self.ranker = ranker or forest()
        self.vectors = SentenceVectors(
            [[s for p in article.passages for s in p.sentences] for article in self.articles], folder=cache
        ).matrix
        self.build_seconds = time.perf_counter() - started
        logger.info(
            "indexed %d articles, %d passages in %.3f s",
            len(self.articles),
            len(self.passages),
            self.build_seconds,
        )

    @classmethod
    def from_path(cls, path: Path, tuning: Tuning | None = None, ranker: Forest | None = None) -> Engine:
        """Load the articles under path and index them; raise ContentError if they are unusable."""
        return cls(load_articles(path), tuning, ranker)

    def _learn_acronyms(self) -> tuple[Acronym, ...]:
        learned: dict[str, Acronym] = {}
        for passage in self.passages:
            for acronym in find_acronyms(passage.text):
                learned.setdefault(acronym.short, acronym)
        return tuple(learned.values())

    def ask(self, question: str, conversation: Conversation | None = None) -> Answer:
        """Answer one question; the conversation (if given) resolves follow-ups and is updated."""
        asked = read_question(question)
        direct = self.direct(asked)
        if direct is not None:
            return direct
        query = self.query(asked, conversation)
        weighing = self.weigh(query)
        chosen = [(weighing.hits[i], weighing.excerpts[i]) for i in weighing.chosen]
        answer = quote(chosen) if chosen else abstain(self.articles)
        if not chosen and weighing.closest is not None:
            answer = replace(answer, closest=weighing.hits[weighing.closest].passage)
        if conversation is not None:
            conversation.remember(self._turn(query, chosen))
        return answer

    def direct(self, question: Question) -> Answer | None:
        """Answer small talk, questions about the article itself and acronyms without retrieval."""
        return (
            small_talk(question, self.articles)
            or about_article(question, self.articles)
            or define_acronym(question, self.acronyms, self.retriever.sentences())
        )

    def query(self, question: Question, conversation: Conversation | None = None) -> Query:
        """Return the query for a question, merged with the conversation's previous turn."""
        previous = conversation.last if conversation else None
        return build_query(question, self.acronyms, previous, self.retriever.knows)

    def candidates(self, query: Query) -> tuple[list[Hit], list[float]]:
        """Return the candidate sentences for a query and how close each is to it in meaning."""
        hits = self.retriever.search(query, k=self.tuning.candidates) if query.has_content else []
        if not hits:
            return [], []
        question = question_encoder().encode([query.text])[0]
        closeness = self.vectors[[hit.sentence_id for hit in hits]] @ question
        return hits, [float(value) for value in closeness]

    def weigh(self, query: Query) -> Weighing:
        """Describe the query's candidates, rank them and choose what to quote (rank.decide)."""
        hits, closeness = self.candidates(query)
        rows = features(hits, query, closeness, self.retriever)
        excerpts = [excerpt(hit.facts, query) for hit in hits]
        probabilities = self.ranker.probabilities(rows)
        tuning, ranker = self.tuning, self.ranker
        chosen = decide(
            rows,
            probabilities,
            [len(quoted.text) for quoted in excerpts],
            threshold=_given(tuning.threshold, ranker.threshold_answer),
            threshold_doubtful=_given(tuning.threshold_doubtful, ranker.threshold_doubtful),
            threshold_second=_given(tuning.threshold_second, ranker.threshold_second),
            max_chars=tuning.max_answer_chars,
        )
        near = None if chosen else closest(rows, probabilities, ranker.threshold_closest)
        return Weighing(
            query, tuple(hits), tuple(rows), tuple(excerpts), tuple(probabilities), tuple(chosen), near
        )

    def _turn(self, query: Query, chosen: list[tuple[Hit, Excerpt]]) -> Turn:
        # Whom the answer is about: the names asked about, else the first names it quotes.
        entities = list(query.entities) or subjects(chosen)
        terms = [term for group in query.groups if group.asked for term in group.alternatives[0]]
        return Turn(terms=terms, entities=entities)

    def passage(self, number: int, article: int = 1) -> Passage | None:
        """Return passage ¶number of the article-th article (1-based), or None."""
        if not 1 <= article <= len(self.articles):
            return None
        passages = self.articles[article - 1].passages
        return passages[number - 1] if 1 <= number <= len(passages) else None

    def find_source(self, reference: str) -> Passage:
        """Return the passage a user names as "N", "¶N" or "A:N"; raise ArticleBotError if none."""
        match = re.fullmatch(r"\s*(?:(\d{1,4})\s*[:.]\s*)?¶?\s*(\d{1,5})\s*", reference or "")
        if not match:
            raise ArticleBotError("Give a passage number, for example /source 3.")
        article = int(match.group(1) or 1)
        number = int(match.group(2))
        passage = self.passage(number, article)
        if passage is None:
            if not 1 <= article <= len(self.articles):
                raise ArticleBotError(f"There is no article {article}; see /about.")
            count = len(self.articles[article - 1].passages)
            raise ArticleBotError(f"There is no passage {number}: the article has passages 1 to {count}.")
        return passage


def _given(value: float | None, default: float) -> float:
    return default if value is None else value
