"""Loading Markdown articles: metadata, paragraphs, the quirks of real content, and bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from article_bot.index.content import load_article, load_articles, parse_article
from article_bot.index.errors import ContentError

ARTICLE = """\
# Vote counted in La Paz

Jane Roe
19 October 2020

The **electoral court** published the [first results](https://example.org/results) on Monday.

Turnout was high and the

count ended late at night.

Observers came from Peru, Chile,

Argentina and Brazil to watch the vote.

To contact the newsroom visit:

**[example.org/contact](https://example.org/contact)**
"""


def texts(article) -> list[str]:
    return [passage.text for passage in article.passages]


def test_title_byline_and_paragraphs():
    article = parse_article(ARTICLE, slug="vote-counted")

    assert article.title == "Vote counted in La Paz"
    assert article.author == "Jane Roe"
    assert article.date == "19 October 2020"
    assert article.url is None
    assert texts(article) == [
        "The electoral court published the first results on Monday.",
        "Turnout was high and the count ended late at night.",
        "Observers came from Peru, Chile, Argentina and Brazil to watch the vote.",
    ]


def test_passages_are_numbered_and_identified_by_slug():
    article = parse_article(ARTICLE, slug="vote-counted")

    assert [p.id for p in article.passages] == [
        "vote-counted#1",
        "vote-counted#2",
        "vote-counted#3",
    ]
    assert [p.label for p in article.passages] == ["¶1", "¶2", "¶3"]
    assert {p.article_title for p in article.passages} == {"Vote counted in La Paz"}


def test_front_matter_overrides_heading_and_byline():
    text = (
        '---\ntitle: "The Real Title"\nauthor: Ann Other\ndate: 2020-10-20\n'
        "url: https://example.org/a\nignored: value\n---\n\n" + ARTICLE
    )

    article = parse_article(text, slug="vote")

    assert article.title == "The Real Title"
    assert article.author == "Ann Other"
    assert article.date == "2020-10-20"
    assert article.url == "https://example.org/a"
    assert texts(article)[0] == "The electoral court published the first results on Monday."


@pytest.mark.parametrize(
    ("byline", "author", "date"),
    [
        ("By John Smith", "John Smith", None),
        ("John Smith\nOctober 19, 2020", "John Smith", "October 19, 2020"),
        ("2020-10-19", None, "2020-10-19"),
        ("Monday, 19 Oct 2020", None, "Monday, 19 Oct 2020"),
    ],
)
def test_byline_forms(byline, author, date):
    article = parse_article(f"# Title\n\n{byline}\n\nThe body says something.\n", slug="s")

    assert (article.author, article.date) == (author, date)
    assert texts(article) == ["The body says something."]


def test_article_without_byline_keeps_its_first_paragraph():
    article = parse_article("# Title\n\nShort first line.\n\nSecond paragraph here.\n", slug="s")

    assert article.author is None and article.date is None
    assert texts(article) == ["Short first line.", "Second paragraph here."]


def test_title_from_file_name_when_there_is_no_heading():
    article = parse_article("Only a body paragraph.\n", slug="bolivia-election_2020")

    assert article.title == "Bolivia election 2020"


def test_stray_blank_line_before_lowercase_continuation_is_rejoined():
    article = parse_article("# T\n\nThe vote was held on Sunday and the\n\nresults came late.\n", "s")

    assert texts(article) == ["The vote was held on Sunday and the results came late."]


def test_stray_blank_line_after_comma_before_capital_is_rejoined():
    article = parse_article("# T\n\nTrade grew between Chinese,\n\nEuropean and US capital.\n", "s")

    assert texts(article) == ["Trade grew between Chinese, European and US capital."]
    assert article.passages[0].sentences == ("Trade grew between Chinese, European and US capital.",)


def test_paragraphs_that_end_a_sentence_stay_apart():
    article = parse_article("# T\n\nOne ends here.\n\nAnother begins “here.”\n\nA third one?\n", "s")

    assert texts(article) == ["One ends here.", "Another begins “here.”", "A third one?"]


def test_site_footer_call_to_action_and_link_line_are_dropped():
    article = parse_article(
        "# T\n\nThe only paragraph.\n\n"
        "To contact the WSWS and the Socialist Equality Party visit:\n\n"
        "**[wsws.org/contact](https://wsws.org/contact)**\n",
        "s",
    )

    assert texts(article) == ["The only paragraph."]


def test_a_colon_paragraph_without_links_after_it_is_kept():
    article = parse_article("# T\n\nHe listed three demands:\n\nWages, land and water.\n", "s")

    assert texts(article) == ["He listed three demands:", "Wages, land and water."]


def test_markdown_markup_is_stripped():
    article = parse_article(
        "# T\n\nA **bold**, *italic*, __strong__ and `code` word, a [link](https://x.org) and "
        "<b>html</b>.\n\n## A subheading\n\n> A quoted line.\n\n- a list item\n\n---\n\nLast.\n",
        "s",
    )

    assert texts(article) == [
        "A bold, italic, strong and code word, a link and html.",
        "A quoted line.",
        "a list item",
        "Last.",
    ]


def test_curly_quotes_and_dashes_are_kept_as_written():
    body = "Morales’s party called it a “victory”—the 2000–2005 protests… ‘again’ – they said."

    article = parse_article(f"# T\n\n{body}\n", "s")

    assert texts(article) == [body]


def test_windows_line_endings_and_bom(tmp_path):
    path = tmp_path / "crlf.md"
    path.write_bytes("\ufeff# Title\r\n\r\nFirst.\r\n\r\nSecond.\r\n".encode())

    article = load_article(path)

    assert article.title == "Title"
    assert texts(article) == ["First.", "Second."]


def test_folder_loads_every_article_in_name_order(tmp_path):
    (tmp_path / "b.md").write_text("# B\n\nBee text.\n", encoding="utf-8")
    (tmp_path / "a.md").write_text("# A\n\nAy text.\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not an article", encoding="utf-8")

    articles = load_articles(tmp_path)

    assert [a.slug for a in articles] == ["a", "b"]
    assert [a.title for a in articles] == ["A", "B"]


def test_bundled_article_loads():
    from article_bot.index.content import default_content_path

    (article,) = load_articles(default_content_path(environ={}))

    assert article.title == "Coup regime in Bolivia concedes electoral victory to MAS"
    assert article.author == "Andrea Lobo"
    assert article.date == "19 October 2020"
    assert not any("wsws.org" in p.text for p in article.passages)
    # The article has a stray blank line after "between Chinese," mid-sentence.
    assert any("between Chinese, European and US capital" in p.text for p in article.passages)


def test_content_path_prefers_explicit_then_environment(tmp_path):
    from article_bot.index.content import default_content_path

    assert default_content_path("x.md", {"ARTICLE_BOT_CONTENT": "y.md"}) == Path("x.md")
    assert default_content_path(None, {"ARTICLE_BOT_CONTENT": "y.md"}) == Path("y.md")


def _bad_cases(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Name → (path to load, text the message must contain besides the path)."""
    empty = tmp_path / "empty.md"
    empty.write_text("  \n\n", encoding="utf-8")
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes("# Título\n\nAñez ganó.\n".encode("latin-1"))
    no_body = tmp_path / "heading-only.md"
    no_body.write_text("# Just a title\n\nJane Roe\n\n## Section\n", encoding="utf-8")
    folder = tmp_path / "no-articles"
    folder.mkdir()
    (folder / "readme.txt").write_text("nothing here", encoding="utf-8")
    return {
        "missing": (tmp_path / "missing.md", "no such file"),
        "empty": (empty, "empty"),
        "not utf-8": (latin1, "UTF-8"),
        "no paragraphs": (no_body, "no paragraphs"),
        "empty folder": (folder, "no .md"),
    }


@pytest.mark.parametrize("case", ["missing", "empty", "not utf-8", "no paragraphs", "empty folder"])
def test_bad_content_raises_content_error_naming_the_file(tmp_path, case):
    path, detail = _bad_cases(tmp_path)[case]

    with pytest.raises(ContentError) as raised:
        load_articles(path)

    assert str(path) in str(raised.value)
    assert detail in str(raised.value)


def test_one_bad_file_in_a_folder_is_named(tmp_path):
    (tmp_path / "good.md").write_text("# Good\n\nFine text.\n", encoding="utf-8")
    (tmp_path / "bad.md").write_bytes(b"\xff\xfe\x00broken")

    with pytest.raises(ContentError, match="bad.md: not UTF-8"):
        load_articles(tmp_path)
