"""Routing between articles: which one a question is about, before any sentence is chosen.

With several articles, a question is answered within one of them, by the engine of that article
alone (`Engine.scope`), so that it answers as it would if the article were the only one. The
router only chooses which: by the names the question asks about, then by BM25 over all the
articles' passages.
"""

from __future__ import annotations

from collections.abc import Sequence

from .analysis import Acronym, terms
from .model import Article, Turn
from .query import build_query
from .question import Question
from .retrieval import Retriever


class Router:
    """Chooses the article a question is about among several."""

    def __init__(self, articles: Sequence[Article], retriever: Retriever, acronyms: Sequence[Acronym]):
        """Learn which article holds each passage and each title word; retriever indexes all the
        articles' passages, acronyms are those learned from all of them."""
        self.articles = tuple(articles)
        self.retriever = retriever
        self.acronyms = tuple(acronyms)
        self.index = {article.slug: a for a, article in enumerate(self.articles)}
        self._passage_article = [self.index[p.article_slug] for p in retriever.passages]
        self._title_articles: dict[str, set[int]] = {}
        for a, article in enumerate(self.articles):
            for term in terms(article.title):
                self._title_articles.setdefault(term, set()).add(a)

    def current(self, previous: Turn | None) -> int | None:
        """Return the index of the article the previous turn quoted (that of the conversation)."""
        return self.index.get(previous.article) if previous is not None else None

    def choose(self, question: Question, previous: Turn | None = None) -> int:
        """Return the index of the article a question is about.

        The conversation's article keeps the question unless the question names someone or
        something that article never mentions and another article does (more of its names);
        without a conversation, the article holding most of its names, then the one whose best
        passage matches its words best (BM25 over all the articles' passages)."""
        index = self.current(previous)
        names = list(dict.fromkeys(question.entities))
        held: dict[int, int] = {}
        for name in names:
            holders = {self._passage_article[p] for p in self.retriever.passage_index.documents(name)}
            for a in holders | self._title_articles.get(name, set()):
                held[a] = held.get(a, 0) + 1
        if index is not None and held.get(index, 0) == len(names):
            return index
        scores = self._article_scores(question)
        candidates = set(held) | set(scores) or {0}
        best = max(candidates, key=lambda a: (held.get(a, 0), scores.get(a, 0.0), -a))
        if index is not None and held.get(best, 0) <= held.get(index, 0):
            return index
        return best

    def _article_scores(self, question: Question) -> dict[int, float]:
        """Return, per article, the BM25 score of its passage that best matches the question's
        own words (not the conversation's, over all the articles' words: not the query the
        chosen article then answers); articles with no matching passage are left out."""
        query = build_query(question, self.acronyms, None, self.retriever.knows)
        scores: dict[int, float] = {}
        for p_index, score in self.retriever.passage_scores(query).items():
            a = self._passage_article[p_index]
            if score > scores.get(a, 0.0):
                scores[a] = score
        return scores
