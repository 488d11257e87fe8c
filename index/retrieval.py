"""Pick the passages and sentences relevant to a query: BM25 over passages, then over sentences.

Every sentence is analysed once, as it is indexed (`facts.analyse_sentence`); a candidate refers
to its sentence's facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .analysis import terms
from .bm25 import BM25Index
from .facts import SentenceFacts, analyse_sentence, named_by_surname, written_names
from .lexicon import ANAPHORA
from .model import Passage
from .query import Query, TermGroup


@dataclass(frozen=True)
class Hit:
    """One candidate answer sentence, with how well it and its passage cover the query."""

    passage: Passage
    sentence: int  # index into passage.sentences
    score: float
    coverage: float  # IDF-weighted share of the asked groups found (sentence, else passage at half)
    sentence_coverage: float  # the same, counting the sentence alone
    facts: SentenceFacts  # what the sentence holds, analysed when it was indexed
    missing_entities: tuple[str, ...] = ()  # names asked about that the passage never mentions
    sentence_id: int = -1  # the sentence's place among all the passages' sentences, in order

    @property
    def text(self) -> str:
        return self.facts.text

    @property
    def before(self) -> int | None:
        """Return the id of the sentence before it in its passage (None for a passage's first)."""
        return self.sentence_id - 1 if self.sentence > 0 else None

    @property
    def after(self) -> int | None:
        """Return the id of the sentence after it in its passage (None for a passage's last)."""
        return self.sentence_id + 1 if self.sentence < len(self.passage.sentences) - 1 else None


class Retriever:
    """BM25 indexes over passages and over their sentences."""

    def __init__(
        self,
        passages: Sequence[Passage],
        k1: float = 1.2,
        b: float = 0.75,
        passage_weight: float = 0.5,
        candidate_passages: int = 6,
        name_weight: float = 0.5,
        analysed: Sequence[SentenceFacts] | None = None,
    ):
        """Index passages; passage_weight mixes the passage's score into each sentence's. analysed:
        the passages' sentences already analysed (facts.analyse_sentence), in order, if they are."""
        self.passages = tuple(passages)
        self.passage_weight = passage_weight
        self.name_weight = name_weight
        self.candidate_passages = candidate_passages
        self._sentence_owner: list[tuple[int, int]] = []
        self._first_sentence: list[int] = []
        facts: list[SentenceFacts] = []
        passage_terms: list[list[str]] = []
        for p_index, passage in enumerate(self.passages):
            self._first_sentence.append(len(facts))
            words: list[str] = []
            for s_index, sentence in enumerate(passage.sentences):
                facts.append(analyse_sentence(sentence) if analysed is None else analysed[len(facts)])
                words.extend(facts[-1].terms)
                self._sentence_owner.append((p_index, s_index))
            passage_terms.append(words)
        self.facts = tuple(facts)  # by sentence id
        self._written_names = written_names(self.facts)
        self._passage_sets = [frozenset(t) for t in passage_terms]
        # Where a name may stand for a passage: the passage, the one before it when it opens by
        # referring back ("This followed an interview where he...") and the article's title; and
        # when that one opens by referring back too ("He then argued..."), the one before it, and
        # so on back to a passage that does not.
        self._name_scope = []
        title_terms: dict[str, frozenset[str]] = {}
        for p_index, passage in enumerate(self.passages):
            title = title_terms.setdefault(passage.article_slug, frozenset(terms(passage.article_title)))
            scope = set(self._passage_sets[p_index]) | title
            back, referring = p_index - 1, _refers_back(passage)
            while referring and back >= 0 and self.passages[back].article_slug == passage.article_slug:
                scope |= self._passage_sets[back]
                back, referring = back - 1, _opens_referring(self.passages[back])
            self._name_scope.append(frozenset(scope))
        self.passage_index = BM25Index(passage_terms, k1=k1, b=b)
        self.sentence_index = BM25Index([f.terms for f in self.facts], k1=k1, b=b)

    def knows(self, term: str) -> bool:
        """Return whether any passage contains the term."""
        return self.passage_index.document_frequency(term) > 0

    def sentences(self) -> Iterator[tuple[Passage, SentenceFacts]]:
        """Yield every sentence's facts with its passage, in order."""
        for s_id, facts in enumerate(self.facts):
            yield self.passages[self._sentence_owner[s_id][0]], facts

    def passage_scores(self, query: Query) -> dict[int, float]:
        """Return the BM25 score of each passage matching the query, by passage index."""
        return self._group_scores(self.passage_index, query.groups, None)

    def search(
        self, query: Query, k: int = 5, extra: Sequence[int] = (), extra_alone: bool = False
    ) -> list[Hit]:
        """Return up to k sentences best matching the query, best first, then those of the sentence
        ids extra that are not among them (in extra's order); empty if nothing matches, unless
        extra_alone (then the extra sentences alone when no word matches)."""
        passage_scores = self._group_scores(self.passage_index, query.groups, None)
        ranked = sorted(passage_scores.items(), key=lambda item: (-item[1], item[0]))
        top = ranked[: self.candidate_passages]
        if not top and not (extra_alone and extra):
            return []
        best_passage = top[0][1] if top else 1.0
        sentence_ids = [
            s_id
            for p_index, _ in top
            for s_id in range(
                self._first_sentence[p_index],
                self._first_sentence[p_index] + len(self.passages[p_index].sentences),
            )
        ]
        known = set(sentence_ids)
        sentence_ids += [s_id for s_id in dict.fromkeys(extra) if s_id not in known]
        sentence_scores = self._group_scores(self.sentence_index, query.groups, sentence_ids)
        # A passage's score joins its sentences' in proportion, scaled to the best sentence's.
        passage_scale = self.passage_weight * _scale(sentence_scores) / best_passage
        stand_ins = self._stand_ins(query)
        hits = []
        for s_id in sentence_ids:
            p_index, s_index = self._sentence_owner[s_id]
            score = (
                sentence_scores.get(s_id, 0.0)
                + passage_scale * passage_scores.get(p_index, 0.0)
                + self._name_bonus(query, s_id)
            )
            hits.append(
                Hit(
                    passage=self.passages[p_index],
                    sentence=s_index,
                    score=score,
                    coverage=self._coverage(query.groups, s_id, p_index, stand_ins=stand_ins),
                    sentence_coverage=self._coverage(query.groups, s_id, p_index, 0.0, stand_ins),
                    facts=self.facts[s_id],
                    missing_entities=self._missing_entities(query, s_id, p_index, stand_ins),
                    sentence_id=s_id,
                )
            )
        hits.sort(key=lambda hit: (-hit.score, hit.passage.id, hit.sentence))
        best = hits[:k]
        chosen = {hit.sentence_id for hit in best}
        by_id = {hit.sentence_id: hit for hit in hits}
        return best + [by_id[s_id] for s_id in dict.fromkeys(extra) if s_id not in chosen]

    def _stand_ins(self, query: Query) -> dict[str, str]:
        """Return the other words of each name asked about that its last word alone stands for,
        as they are in no one else's name in the articles ("Romero" for "Salvador Romero"): each
        of those words' terms with its surname's."""
        return {
            part: name[-1]
            for name in query.full_names
            if named_by_surname(name, self._written_names)
            for part in name[:-1]
        }

    def _missing_entities(
        self, query: Query, s_id: int, p_index: int, stand_ins: dict[str, str] | None = None
    ) -> tuple[str, ...]:
        """Return the names asked about that the passage never mentions, by name or by the
        surname that stands for them (stand_ins, see _stand_ins)."""
        scope = self._name_scope[p_index]

        def mentions(e: str) -> bool:
            return e in scope or any(_one_typo_apart(e, term) for term in scope)

        stand_ins = stand_ins or {}
        return tuple(e for e in query.entities if not mentions(stand_ins.get(e, e)) and not mentions(e))

    def _name_bonus(self, query: Query, s_id: int) -> float:
        """Favour sentences that name someone as asked ("Luis Arce"), not in scattered parts."""
        question = query.question
        if not question.names:
            return 0.0
        text = self.facts[s_id].lowered
        return sum(
            self.name_weight * sum(self.sentence_index.idf(t) for t in name_terms)
            for name, name_terms in zip(question.names, question.name_terms, strict=True)
            if name in text
        )

    def _group_scores(
        self, index: BM25Index, groups: Sequence[TermGroup], within: list[int] | None
    ) -> dict[int, float]:
        totals: dict[int, float] = {}
        for group in groups:
            best: dict[int, float] = {}
            for alternative in group.alternatives:
                share = group.weight / len(alternative)
                combined: dict[int, float] = {}
                for term in alternative:
                    for doc, score in index.term_scores(term, within).items():
                        combined[doc] = combined.get(doc, 0.0) + share * score
                for doc, score in combined.items():
                    if score > best.get(doc, 0.0):
                        best[doc] = score
            for doc, score in best.items():
                totals[doc] = totals.get(doc, 0.0) + score
        return totals

    def _coverage(
        self,
        groups: Sequence[TermGroup],
        s_id: int,
        p_index: int,
        passage_credit: float = 0.5,
        stand_ins: dict[str, str] | None = None,
    ) -> float:
        """Return the IDF-weighted share of the asked groups in the sentence (those only in its
        passage count for passage_credit); a word of a name counts where its surname stands for
        it (stand_ins, see _stand_ins)."""
        in_sentence = _with_stand_ins(self.facts[s_id].term_set, stand_ins)
        in_passage = _with_stand_ins(self._passage_sets[p_index], stand_ins)

        def share(alternative: tuple[str, ...]) -> float:
            in_it = max(_count(alternative, in_sentence), passage_credit * _count(alternative, in_passage))
            return in_it / len(alternative)

        asked = [group for group in groups if group.asked]
        return coverage(asked, share, self.passage_index.idf, empty=0.0)


def _refers_back(passage: Passage) -> bool:
    """Return whether a passage's first sentence refers back with a pronoun."""
    opening = passage.sentences[0] if passage.sentences else passage.text
    return bool(ANAPHORA & {word.strip(",.;:“”\"'").lower() for word in opening.split()})


def _opens_referring(passage: Passage) -> bool:
    """Return whether a passage's first word refers back ("He then argued...", "This led...")."""
    opening = (passage.sentences[0] if passage.sentences else passage.text).split()[:1]
    return bool(opening) and opening[0].strip(",.;:“”\"'").lower() in ANAPHORA


LIGHT_WEIGHT = 0.3  # an everyday verb counts this much towards coverage


def coverage(
    groups: Sequence[TermGroup],
    share: Callable[[tuple[str, ...]], float],
    idf: Callable[[str], float],
    empty: float,
) -> float:
    """Return the IDF-weighted share of the groups found: each group weighs its best alternative's
    mean IDF (an everyday verb's LIGHT_WEIGHT of it) and counts the share (0 to 1) of its best
    alternative found; empty for no groups."""
    found = total = 0.0
    for group in groups:
        weight = max(sum(idf(t) for t in alt) / len(alt) for alt in group.alternatives)
        if group.light:
            weight *= LIGHT_WEIGHT
        found += weight * max(share(alt) for alt in group.alternatives)
        total += weight
    return found / total if total else empty


def _one_typo_apart(asked: str, written: str) -> bool:
    """Return whether a name of five letters or more is the written one with one letter wrong,
    missing, added or two letters swapped ("Counil", "Frensh")."""
    if len(asked) < 5 or abs(len(asked) - len(written)) > 1 or asked[0] != written[0]:
        return False
    if len(asked) == len(written):
        diffs = [i for i, (a, b) in enumerate(zip(asked, written, strict=True)) if a != b]
        return len(diffs) == 1 or (
            len(diffs) == 2
            and diffs[1] == diffs[0] + 1
            and asked[diffs[0]] == written[diffs[1]]
            and asked[diffs[1]] == written[diffs[0]]
        )
    shorter, longer = sorted((asked, written), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _with_stand_ins(present: frozenset[str], stand_ins: dict[str, str] | None) -> frozenset[str]:
    """Return the terms present with the words of names whose surnames are present."""
    if not stand_ins:
        return present
    return present | {part for part, surname in stand_ins.items() if surname in present}


def _count(alternative: tuple[str, ...], present: frozenset[str]) -> int:
    return sum(term in present for term in alternative)


def _scale(scores: dict[int, float]) -> float:
    return max(scores.values(), default=1.0) or 1.0
