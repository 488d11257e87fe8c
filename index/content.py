"""Load articles from Markdown files: metadata, body paragraphs, and the quirks real content has."""

from __future__ import annotations

import logging
import os
import re
import unicodedata
from pathlib import Path

from .errors import ContentError
from .model import Article, Passage
from .sentences import split_sentences

logger = logging.getLogger(__name__)

BUNDLED_CONTENT = Path(__file__).parent / "bundled"
_REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"

_FRONT_MATTER_KEYS = ("title", "author", "date", "url")
_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december"
    "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE_LINE = re.compile(
    rf"^(?:\w+day,?\s+)?(?:\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}"
    rf"|(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})$",
    re.IGNORECASE,
)
_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_BARE_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*")
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1")
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# A block ending like this stops mid-sentence: a stray blank line broke the paragraph.
_OPEN_ENDING = re.compile(r"[,;\w\-–—]$")


def default_content_path(explicit: str | None = None, environ: dict[str, str] | None = None) -> Path:
    """Return the content path: the explicit one, else ARTICLE_BOT_CONTENT, else the bundled folder."""
    env = os.environ if environ is None else environ
    chosen = explicit or env.get("ARTICLE_BOT_CONTENT")
    if chosen:
        return Path(chosen).expanduser()
    if _REPO_CONTENT.is_dir() and any(_REPO_CONTENT.glob("*.md")):
        return _REPO_CONTENT
    return BUNDLED_CONTENT


def load_articles(path: Path, max_bytes: int | None = None) -> list[Article]:
    """Load every *.md article under a folder, or the one file named; raise ContentError if unusable."""
    if not path.exists():
        raise ContentError(f"{path}: no such file or folder")
    if path.is_dir():
        files = sorted(p for p in path.glob("*.md") if p.is_file())
        if not files:
            raise ContentError(f"{path}: folder has no .md articles")
    else:
        files = [path]
    articles = [load_article(f) for f in files]
    slugs = [a.slug for a in articles]
    if len(set(slugs)) != len(slugs):
        raise ContentError(f"{path}: two articles share a file name")
    return articles


def load_article(path: Path) -> Article:
    """Load and parse one Markdown article."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ContentError(f"{path}: cannot read ({error.strerror or error})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ContentError(f"{path}: not UTF-8 text (bad byte at offset {error.start})") from None
    if not text.strip():
        raise ContentError(f"{path}: file is empty")
    return parse_article(text, slug=path.stem, path=str(path))


def parse_article(text: str, slug: str, path: str = "") -> Article:
    """Parse Markdown text into an Article; raise ContentError when it has no paragraphs."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    meta, text = _split_front_matter(text)
    blocks = _blocks(text)
    title = meta.get("title")
    if blocks and blocks[0].startswith("# "):
        heading = _clean_inline(blocks.pop(0)[2:])
        title = title or heading
    author, date = _byline(blocks)
    paragraphs = _body_paragraphs(blocks)
    if not paragraphs:
        raise ContentError(f"{path or slug}: no paragraphs of text found")
    title = title or _title_from_slug(slug)
    passages = tuple(
        Passage(
            id=f"{slug}#{number}",
            article_slug=slug,
            article_title=title,
            number=number,
            text=paragraph,
            sentences=tuple(split_sentences(paragraph)),
        )
        for number, paragraph in enumerate(paragraphs, start=1)
    )
    return Article(
        slug=slug,
        title=title,
        author=meta.get("author") or author,
        date=meta.get("date") or date,
        url=meta.get("url"),
        path=path,
        passages=passages,
    )


def _split_front_matter(text: str) -> tuple[dict[str, str], str]:
    lines = text.lstrip("\n").split("\n")
    if not lines or lines[0].strip() != "---":
        return {}, text
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        return {}, text
    meta: dict[str, str] = {}
    for line in lines[1:end]:
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in _FRONT_MATTER_KEYS and value.strip():
            meta[key] = value.strip().strip("\"'")
    return meta, "\n".join(lines[end + 1 :])


def _blocks(text: str) -> list[str]:
    """Split text at blank lines, joining the lines of each block."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if lines:
            blocks.append("\n".join(lines))
    return blocks


def _byline(blocks: list[str]) -> tuple[str | None, str | None]:
    """Take a byline block (short lines: author and/or date) off the front of blocks."""
    if not blocks:
        return None, None
    lines = [_clean_inline(line) for line in blocks[0].split("\n")]
    if len(lines) > 3 or any(len(line) > 80 or line.endswith((".", "?", "!")) for line in lines):
        return None, None
    author = date = None
    for line in lines:
        if _DATE_LINE.match(line):
            date = line
        elif re.match(r"^(?:[Bb]y\s+)?[^\W\d_][\w.'’-]*(?:\s+[^\W\d_][\w.'’-]*){0,5}$", line):
            author = re.sub(r"^[Bb]y\s+", "", line)
        else:
            return None, None
    if author is None and date is None:
        return None, None
    blocks.pop(0)
    return author, date


def _body_paragraphs(blocks: list[str]) -> list[str]:
    blocks = _drop_footer(blocks)
    paragraphs: list[str] = []
    joinable = False
    for block in blocks:
        if block.startswith("#") or re.fullmatch(r"[-*_]{3,}", block):
            joinable = False  # headings and rules are structure, not passages
            continue
        text = _clean_block(block)
        if not text:
            continue
        if joinable and paragraphs:
            paragraphs[-1] = f"{paragraphs[-1]} {text}"
        else:
            paragraphs.append(text)
        joinable = bool(_OPEN_ENDING.search(text))
    return paragraphs


def _drop_footer(blocks: list[str]) -> list[str]:
    """Drop a trailing site footer: link-only blocks and the call to action that leads into them."""
    end = len(blocks)
    while end and _is_link_only(blocks[end - 1]):
        end -= 1
    if end < len(blocks) and end and blocks[end - 1].rstrip().endswith(":"):
        end -= 1
    return blocks[:end]


def _is_link_only(block: str) -> bool:
    rest = _LINK.sub("", block)
    rest = _BARE_URL.sub("", rest)
    return len(rest.strip(" *_\n|·•-")) == 0 and rest != block


def _clean_block(block: str) -> str:
    lines = [_LIST_MARKER.sub("", line.lstrip("> ")) for line in block.split("\n")]
    return _clean_inline(" ".join(lines))


def _clean_inline(text: str) -> str:
    """Remove Markdown and HTML markup, keeping the words, quotes and dashes as written."""
    text = _LINK.sub(r"\1", text)
    text = _HTML_TAG.sub("", text)
    text = text.replace("`", "")
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)
    return re.sub(r"\s+", " ", text).strip()


def _title_from_slug(slug: str) -> str:
    words = re.split(r"[-_\s]+", slug)
    return " ".join(words).strip().capitalize() or slug
