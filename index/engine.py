"""The answering engine: load content, index it, answer questions within a conversation.

A question is read once (`question.read_question`) into the value every later step reads, and
each step returns the next record: the direct answers (`direct.py`), or the `Query` of term
groups (`query.py`) merged with the conversation's previous turn, the retrieved `Hit`s
(`retrieval.py`, whose sentences were analysed when indexed), each described as a
`rank.Candidate` (its signals, `signals.py`, its feature row and what it would quote), the
ranker's probabilities and the `rank.Decision`, then the `Answer` (`answer.py`). With several
articles, the question is first routed to the one it is about (`routing.Router.choose`), whose
own engine answers it as if that article were alone. `Engine.ask` returns the answer and the
conversation's new turn (`Reply`) and changes none of its arguments; the answer holds facts
(what is quoted, that it abstained, the closest passage), which the front ends word
(bot/texts.py)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import crosslingual, spans
from .analysis import Acronym, analysed_in, find_acronyms
from .answer import Excerpt, abstain, excerpt, quote, subjects
from .content import load_articles
from .cues import is_calendar
from .direct import about_article, define_acronym, small_talk
from .embed import Closeness, Vectors, question_vector
from .errors import ArticleBotError
from .facts import SentenceFacts, analyse_sentence
from .language import ENGLISH, detect
from .model import Answer, Article, Conversation, Passage, Reply, Turn
from .query import Query, build_query
from .question import Question, read_question
from .rank import Candidate, Decision, Forest, closest, decide, describe, forest
from .retrieval import Hit, Retriever
from .routing import Router
from .vectors import SentenceVectors

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Tuning:
    """Knobs of retrieval and answering. The bundled ranker (data/ranker.json) was trained on the
    candidates these defaults find (tools/train_ranker.py): change them, and retrain it."""

    k1: float = 1.2
    b: float = 0.75
    passage_weight: float = 0.5  # how much a sentence's passage score adds to its own
    max_answer_chars: int = 560  # two sentences only while they fit (the scorer allows 600)
    candidates: int = 12  # sentences the ranker weighs (the ranker was trained on 12)
    nearest: int = 4  # ... and these sentences nearest the question in meaning, if not among them
    threshold: float | None = None  # quote from this probability on; None: the ranker's own
    threshold_doubtful: float | None = None  # ... when it lacks what is asked (see rank.decide)
    threshold_second: float | None = None  # add a second sentence from this probability on
    # A question in another language than the article's (crosslingual.py): its candidates are
    # these sentences nearest it in meaning, besides those that share its words (names, numbers).
    nearest_across: int = 8


@dataclass(frozen=True)
class Weighing:
    """How the engine weighed a query's candidates: the candidates, the ranker's probabilities
    (crosslingual.py's across languages) and the decision."""

    query: Query
    candidates: tuple[Candidate, ...] = ()
    probabilities: tuple[float, ...] = ()
    decision: Decision = Decision()

    @property
    def hits(self) -> list[Hit]:
        return [candidate.hit for candidate in self.candidates]

    @property
    def rows(self) -> list[tuple[float, ...]]:
        return [candidate.row for candidate in self.candidates]

    @property
    def excerpts(self) -> list[Excerpt]:
        return [candidate.excerpt for candidate in self.candidates]

    @property
    def chosen(self) -> list[Candidate]:
        """Return the candidates to quote, the most probable first."""
        return [self.candidates[i] for i in self.decision.chosen]


class Engine:
    """Answers questions about a set of articles."""

    def __init__(
        self,
        articles: Sequence[Article],
        tuning: Tuning | None = None,
        ranker: Forest | None = None,
        cache: Path | None = None,
        vectors: Vectors | None = None,
        analysed: Sequence[SentenceFacts] | None = None,
    ):
        """Index the articles' passages (sentence vectors cached in the folder cache, by default
        vectors.cache_folder(), unless given: one row per sentence, in order; analysed: the
        sentences' facts, if already analysed); answer with the given ranker, by default the
        bundled one."""
        started = time.perf_counter()
        self.articles = tuple(articles)
        self.tuning = tuning or Tuning()
        self.passages = tuple(p for article in self.articles for p in article.passages)
        self.languages = tuple(article.language for article in self.articles)
        # What questions are analysed in: the article's language (with several, English).
        self.language = self.languages[0] if len(self.articles) == 1 else ENGLISH
        self.acronyms = self._learn_acronyms()
        if analysed is None and any(language != ENGLISH for language in self.languages):
            analysed = self._analyse()  # each article in its own language
        with analysed_in(self.language):
            self.retriever = Retriever(
                self.passages,
                k1=self.tuning.k1,
                b=self.tuning.b,
                passage_weight=self.tuning.passage_weight,
                analysed=analysed,
            )
        self.ranker = ranker or forest()
        if vectors is None:
            vectors = SentenceVectors(
                [[s for p in article.passages for s in p.sentences] for article in self.articles],
                folder=cache,
            ).vectors
        self.vectors = vectors
        self._prepare_routing()
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

    def _analyse(self) -> list[SentenceFacts]:
        """Return every sentence's facts, each article's analysed in its language."""
        facts = []
        for article in self.articles:
            with analysed_in(article.language):
                facts += [analyse_sentence(s) for p in article.passages for s in p.sentences]
        return facts

    def _learn_acronyms(self) -> tuple[Acronym, ...]:
        learned: dict[str, Acronym] = {}
        for passage in self.passages:
            for acronym in find_acronyms(passage.text):
                learned.setdefault(acronym.short, acronym)
        return tuple(learned.values())

    def ask(self, question: str, previous: Turn | None = None) -> Reply:
        """Answer one question, as a follow-up of the previous turn if given; return the answer
        and the turn a later follow-up may refer back to (None for a direct answer)."""
        asked = read_question(question)
        language = detect(question)
        direct = self.direct(asked, previous)
        if direct is not None:
            return Reply(direct)
        scope = self.route(asked, previous)
        reply = scope.from_sentences(asked, previous, language)
        return reply if scope is self else Reply(self.routed(reply.answer), reply.turn)

    def from_sentences(self, asked: Question, previous: Turn | None = None, language: str = ENGLISH) -> Reply:
        """Answer an analysed question (written in language) by quoting the articles' sentences,
        or abstain (neither the direct answers nor routing: Engine.ask has done both). A question
        in another language than the article's is weighed by crosslingual.py, not the ranker."""
        with analysed_in(self.language):
            if self.language != ENGLISH:  # read as the article's words were
                asked = read_question(asked.text)
            return self._from_sentences(asked, previous, language)

    def _from_sentences(self, asked: Question, previous: Turn | None, language: str) -> Reply:
        query = self.query(asked, previous)
        across = len(self.articles) == 1 and language != self.language
        weighing = self.weigh_across(query, previous) if across else self.weigh(query)
        chosen = [(candidate.hit, candidate.excerpt) for candidate in weighing.chosen]
        near = weighing.decision.closest
        if chosen:  # the exact answer in bold, looked for in the most probable excerpt quoted
            answer = replace(quote(chosen, spans.answer_span(asked, chosen[0][1].text)), language=language)
        else:  # not sure enough, but close: point to the passage
            passage = None if near is None else weighing.candidates[near].hit.passage
            answer = replace(abstain(self.articles, language=language), closest=passage)
        return Reply(answer, self._turn(query, chosen, previous))

    def direct(self, question: Question, previous: Turn | None = None) -> Answer | None:
        """Answer small talk, questions about the article itself (the conversation's, when there
        are several) and acronyms without retrieval."""
        return (
            small_talk(question, self.articles)
            or about_article(question, self.articles, self.current_article(previous))
            or define_acronym(question, self.acronyms, self.retriever.sentences())
        )

    def query(self, question: Question, previous: Turn | None = None) -> Query:
        """Return the query for a question, merged with the conversation's previous turn."""
        return build_query(question, self.acronyms, previous, self.retriever.knows)

    def candidates(self, query: Query) -> tuple[list[Hit], Closeness]:
        """Return the candidate sentences for a query (those that share its words, and those
        nearest it by the model's own vectors) and how close in meaning every sentence is to it
        (by sentence id)."""
        if not query.has_content:
            return [], Closeness(np.zeros(0), np.zeros(0))
        closeness = self.vectors.closeness(question_vector(query.standalone))  # of every sentence
        nearest = np.argsort(-closeness.plain, kind="stable")[: self.tuning.nearest]
        hits = self.retriever.search(query, k=self.tuning.candidates, extra=[int(s) for s in nearest])
        return hits, closeness

    def weigh(self, query: Query) -> Weighing:
        """Describe the query's candidates, rank them and choose what to quote (rank.decide)."""
        hits, every = self.candidates(query)
        weighed = describe(hits, query, every, self.retriever)
        probabilities = self.ranker.probabilities([candidate.row for candidate in weighed])
        admissions = [candidate.admission for candidate in weighed if candidate.admission is not None]
        tuning, ranker = self.tuning, self.ranker
        chosen = decide(
            admissions,
            probabilities,
            [len(candidate.excerpt.text) for candidate in weighed],
            threshold=_given(tuning.threshold, ranker.threshold_answer),
            threshold_doubtful=_given(tuning.threshold_doubtful, ranker.threshold_doubtful),
            threshold_second=_given(tuning.threshold_second, ranker.threshold_second),
            max_chars=tuning.max_answer_chars,
        )
        near = None if chosen else closest(admissions, probabilities, ranker.threshold_closest)
        return Weighing(query, tuple(weighed), tuple(probabilities), Decision(tuple(chosen), near))

    def weigh_across(self, query: Query, previous: Turn | None = None) -> Weighing:
        """Weigh a question asked in another language than the article's (crosslingual.py): its
        candidates are the sentences that share its words and those nearest it in meaning, and
        the most probable is quoted from crosslingual.THRESHOLD on. A question that names no one
        is compared in meaning with the names of the conversation's previous turn beside it."""
        if not query.has_content:
            return Weighing(query)
        text = query.standalone
        if not query.question.entities and not query.referred and previous and previous.names:
            text = f"{text} ({', '.join(previous.names)})"
        every = self.vectors.plain @ question_vector(text).plain
        nearest = np.argsort(-every, kind="stable")[: self.tuning.nearest_across]
        hits = self.retriever.search(
            query, k=self.tuning.candidates, extra=[int(s) for s in nearest], extra_alone=True
        )
        bare = crosslingual.predicate(query)
        of_predicate = (
            every if bare == query.question.text else self.vectors.plain @ question_vector(bare or text).plain
        )
        rows = crosslingual.signals(hits, query, every, self.retriever.knows, of_predicate)
        probabilities = crosslingual.probabilities(rows)
        weighed = tuple(
            Candidate(hit, excerpt(hit.facts, query), tuple(row)) for hit, row in zip(hits, rows, strict=True)
        )
        best = crosslingual.best(rows, probabilities)
        decision = Decision()
        if best is not None and probabilities[best] >= crosslingual.THRESHOLD:
            decision = Decision(chosen=(best,))
        elif best is not None and probabilities[best] >= crosslingual.THRESHOLD_CLOSEST:
            decision = Decision(closest=best)
        return Weighing(query, weighed, tuple(probabilities), decision)

    def _turn(self, query: Query, chosen: list[tuple[Hit, Excerpt]], previous: Turn | None) -> Turn:
        # Whom the answer is about: the names asked about, else the first names it quotes (a
        # month is no one: after "What happened in February 2016?", "he" is whom it quotes).
        calendar = {t.term for word, tokens in query.question.content if is_calendar(word) for t in tokens}
        entities = [term for term in query.entities if term not in calendar]
        names = [query.referred] if query.referred else [_unpossessed(n) for n in query.question.named]
        names = [name for name in names if not is_calendar(name)]
        if not entities:
            quoted = subjects(chosen)
            entities = [token.term for name in quoted for token in name]
            names = [" ".join(token.surface for token in name) for name in quoted]
        terms = [term for group in query.groups if group.asked for term in group.alternatives[0]]
        # The article it is about: the one it quotes, else the conversation's.
        article = chosen[0][0].passage.article_slug if chosen else (previous.article if previous else "")
        return Turn(terms=terms, entities=entities, article=article, names=names)

    # Routing (routing.py): with several articles, a question is answered by the engine of the
    # article it is about alone, built the first time a question goes to that article.

    def _prepare_routing(self) -> None:
        self._scoped: dict[int, Engine] = {}
        self._sentence_start = [0]
        for article in self.articles:
            self._sentence_start.append(
                self._sentence_start[-1] + sum(len(p.sentences) for p in article.passages)
            )
        self.router = Router(self.articles, self.retriever, self.acronyms)

    def scope(self, article: int) -> Engine:
        """Return the engine of the article-th article alone (0-based; this one for one article)."""
        if len(self.articles) == 1:
            return self
        scoped = self._scoped.get(article)
        if scoped is None:
            start, end = self._sentence_start[article], self._sentence_start[article + 1]
            scoped = Engine(
                [self.articles[article]],
                self.tuning,
                self.ranker,
                vectors=self.vectors[start:end],
                analysed=self.retriever.facts[start:end],
            )
            self._scoped[article] = scoped
        return scoped

    def current_article(self, previous: Turn | None) -> Article | None:
        """Return the article the conversation is about (that its previous turn quoted), if any."""
        index = self.router.current(previous)
        return None if index is None else self.articles[index]

    def route(self, question: Question, previous: Turn | None = None) -> Engine:
        """Return the engine to answer a question with: this one for a single article, else the
        engine of the article the question is about (Router.choose)."""
        if len(self.articles) == 1:
            return self
        return self.scope(self.router.choose(question, previous))

    def routed(self, answer: Answer) -> Answer:
        """Return an article's engine's answer as this engine's: an abstention points to what
        all the articles cover, not only the one asked."""
        return replace(answer, about=self.articles) if answer.said and answer.said.abstains else answer

    def passage(self, number: int, article: int = 1) -> Passage | None:
        """Return passage ¶number of the article-th article (1-based), or None."""
        if not 1 <= article <= len(self.articles):
            return None
        passages = self.articles[article - 1].passages
        return passages[number - 1] if 1 <= number <= len(passages) else None

    def find_source(self, reference: str, conversation: Conversation | None = None) -> Passage:
        """Return the passage a user names as "N", "¶N" or "A:N"; raise ArticleBotError if none.
        A bare N is in the conversation's article (that of its last answer), else the first."""
        match = re.fullmatch(r"\s*(?:(\d{1,4})\s*[:.]\s*)?¶?\s*(\d{1,5})\s*", reference or "")
        if not match:
            raise ArticleBotError("Give a passage number, for example /source 3.")
        current = self.router.current(conversation.last if conversation else None)
        article = int(match.group(1) or (1 if current is None else current + 1))
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


def _unpossessed(name: str) -> str:
    """Return a name as written without its possessive: "Arce's" is "Arce"."""
    return name[:-2] if name.endswith(("'s", "\u2019s")) else name
