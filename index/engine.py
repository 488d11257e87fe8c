"""The answering engine: load content, index it, answer questions within a conversation."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .analysis import Acronym, find_acronyms, tokenize
from .answer import abstain, quote
from .content import load_articles
from .direct import about_article, define_acronym, small_talk
from .embed import question_encoder
from .errors import ArticleBotError
from .model import Answer, Article, Conversation, Passage, Turn
from .query import Query, build_query
from .rank import Forest, features, forest, select
from .retrieval import Hit, Retriever
from .vectors import SentenceVectors

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True)
class Tuning:
    """Knobs of retrieval and answering, chosen on dev.jsonl and the SQuAD articles."""

    k1: float = 1.2
    b: float = 0.75
    passage_weight: float = 0.5  # how much a sentence's passage score adds to its own
    max_answer_chars: int = 560  # two sentences only while they fit (the scorer allows 600)
    candidates: int = 12  # sentences the ranker weighs (the ranker was trained on 12)
    threshold: float | None = None  # quote from this probability on; None: the ranker's own
    threshold_doubtful: float | None = None  # ... when it lacks what is asked (see rank.select)
    threshold_second: float | None = None  # add a second sentence from this probability on


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
        self._by_id = {p.id: p for p in self.passages}
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
        question = " ".join(question.split())[:MAX_QUESTION_CHARS]
        previous = conversation.last if conversation else None
        direct = (
            small_talk(question, self.articles)
            or about_article(question, self.articles)
            or define_acronym(question, self.acronyms, self.passages)
        )
        if direct is not None:
            return direct
        query = build_query(question, self.acronyms, previous, self.retriever.knows)
        answer = self._answer(query)
        if conversation is not None:
            conversation.remember(self._turn(query, answer))
        return answer

    def candidates(self, query: Query) -> tuple[list[Hit], list[float]]:
        """Return the candidate sentences for a query and how close each is to it in meaning."""
        hits = self.retriever.search(query, k=self.tuning.candidates) if query.has_content else []
        if not hits:
            return [], []
        question = question_encoder().encode([query.text])[0]
        closeness = self.vectors[[hit.sentence_id for hit in hits]] @ question
        return hits, [float(value) for value in closeness]

    def _answer(self, query: Query) -> Answer:
        hits, closeness = self.candidates(query)
        if not hits:
            return abstain(self.articles)
        rows = features(hits, query, closeness)
        tuning, ranker = self.tuning, self.ranker
        chosen = select(
            hits,
            ranker.probabilities(rows),
            query,
            threshold=_given(tuning.threshold, ranker.threshold_answer),
            threshold_doubtful=_given(tuning.threshold_doubtful, ranker.threshold_doubtful),
            threshold_second=_given(tuning.threshold_second, ranker.threshold_second),
            max_chars=tuning.max_answer_chars,
            rows=rows,
        )
        return quote(chosen, query) if chosen else abstain(self.articles)

    def _turn(self, query: Query, answer: Answer) -> Turn:
        entities = list(query.entities)
        if not entities and not answer.abstained:
            # Whom the answer is about: its first names, past the capital of its first word.
            tokens = tokenize(answer.text)[1:]
            entities = [t.term for t in tokens if t.capitalized and not t.stop][:3]
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
