"""One lexicon: the word lists the engine reads text with live in index/lexicon.py only."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from article_bot.index import analysis, cues, lexicon, query, question, spans

INDEX = Path(lexicon.__file__).parent
# Words only a word list would hold two of: a module that writes two of one kind has a copy.
KINDS = {
    "months": set(lexicon.MONTHS),
    "days": set(lexicon.DAYS),
    "number words": set(lexicon.ONES) | set(lexicon.TENS),
    "pronouns": set(lexicon.PRONOUNS) - {"this", "that", "there", "it", "its"},
}


def split_lists(path: Path) -> list[int]:
    """Return the lines where a module splits a string of words into a list ("a b c".split())."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "split"
        and not node.args
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ]


def strings(path: Path) -> list[tuple[int, str]]:
    """Return the string constants of a module that are not docstrings, with their lines."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize("path", sorted(p for p in INDEX.glob("*.py") if p.name != "lexicon.py"), ids=str)
def test_no_module_writes_a_word_list_of_its_own(path):
    for line, text in strings(path):
        words = set(re.findall(r"[a-z]+", text.lower()))
        for kind, listed in KINDS.items():
            assert len(words & listed) < 2, f"{path.name}:{line} lists {kind}: use index/lexicon.py"
    assert not split_lists(path), (
        f"{path.name}:{split_lists(path)} writes a list of words: use index/lexicon.py"
    )


def test_the_lists_the_code_reads_are_the_lexicons():
    assert cues.NUMBER_WORDS == frozenset(lexicon.CARDINALS) - {"one"} | frozenset(lexicon.AMOUNT_WORDS)
    assert analysis.STOPWORDS is lexicon.STOPWORDS
    assert analysis.SPANISH_STOPWORDS is lexicon.SPANISH_STOPWORDS
    assert query.LIGHT_VERBS is lexicon.LIGHT_VERBS
    assert question.PRONOUNS is lexicon.PRONOUNS and question.QUESTION_WORDS is lexicon.QUESTION_WORDS
    assert spans.STOPWORDS is lexicon.STOPWORDS and spans.CARDINALS is lexicon.CARDINALS


def test_every_number_word_from_one_to_nineteen_is_read_as_a_number():
    assert [analysis.terms(word) for word in lexicon.ONES] == [[str(n)] for n in range(1, 20)]
    assert all(cues.NUMBER.fullmatch(word) for word in lexicon.ONES[1:])
