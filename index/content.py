"""Load articles from Markdown files: metadata, body paragraphs, and the quirks real content has."""

from __future__ import annotations

import html
import logging
import os
import re
import stat
import unicodedata
from pathlib import Path

from .errors import ContentError
from .language import detect
from .lexicon import MONTH_ABBREVIATIONS, MONTHS, NAME_PARTICLES
from .model import Article, Passage
from .sentences import split_sentences

logger = logging.getLogger(__name__)

BUNDLED_CONTENT = Path(__file__).parent / "bundled"
_REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"
# A news report is tens of kilobytes: the limit keeps a wrong path (a disk image, a log) from
# filling memory, and is checked before anything is read.
DEFAULT_MAX_ARTICLE_BYTES = 5 * 1024 * 1024

_FRONT_MATTER_KEYS = ("title", "author", "date", "url")
_MONTHS = "|".join(MONTHS + MONTH_ABBREVIATIONS)
_DATE_LINE = re.compile(
    rf"^(?:(?:published|updated|posted)(?:\s+on)?:?\s+)?(?:\w+day,?\s+)?"
    rf"(?:\d{{1,2}}\s+(?:{_MONTHS})\.?,?\s+\d{{4}}|(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{4}})"
    rf"(?:,?\s+(?:at\s+)?\d{{1,2}}[:.]\d{{2}}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{{2,4}})?)?$",
    re.IGNORECASE,
)
# "By" and a credit of up to eight words: "By Jane Roe, Reuters", "By our correspondent".
_BY_LINE = re.compile(r"^[Bb]y\s+(\S+(?:\s+\S+){0,7})$")
_NAME_PREFIX = re.compile(r"^[a-z]{1,3}['’-]")  # d'Arcy, al-Assad
_NAME_WORD = re.compile(r"[^\W\d_][\w.'’-]*")
# Leading blocks looked at for a byline: a name, a date and a "By" line, each on its own.
_MAX_BYLINE_BLOCKS = 3
_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)]*)\)")
_BARE_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)+/\S*")
_EMPHASIS = re.compile(r"(\*{1,3}|_{1,3})(?=\S)(.+?)(?<=\S)\1")
# Bodies that are never text. An unclosed one ends with its block, so that it cannot take the
# rest of the article with it.
_HIDDEN_ELEMENT = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_UNCLOSED_HIDDEN_ELEMENT = re.compile(r"<(?:script|style)\b.*?(?=\n\s*\n|\Z)", re.IGNORECASE | re.DOTALL)
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|(?=\n\s*\n)|\Z)", re.DOTALL)
# A tag never crosses a line end or another "<": a broken tag (an unclosed "<i", "a <b" in prose)
# takes nothing but itself, where "<[^>]*>" took every line up to the next ">".
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>")
# What an unclosed tag leaves at a line's end ("The <i", '<a href="x"'): a known element's name
# with quoted attributes only, so that a word of prose after "<" is never taken for one.
_HTML_ELEMENTS = (
    "a|abbr|b|big|blockquote|br|cite|code|del|dfn|div|em|figcaption|figure|font|h[1-6]|hr|i|img|ins"
    "|kbd|li|mark|ol|p|pre|q|s|samp|small|span|strike|strong|sub|sup|table|td|th|time|tr|tt|u|ul|var"
)
_DANGLING_TAG = re.compile(
    rf"</?(?:{_HTML_ELEMENTS})(?:\s+[\w:.-]+\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'))*\s*$", re.IGNORECASE
)
# Only entities closed by ";": html.unescape alone also reads "&not" in "&notes" as "¬".
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_LIST_MARKER = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
# A block ending like this stops mid-sentence: a stray blank line broke the paragraph.
_OPEN_ENDING = re.compile(r"[,;\w\-–—]$")
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def default_content_path(explicit: str | None = None, environ: dict[str, str] | None = None) -> Path:
    """Return the content path: the explicit one, else ARTICLE_BOT_CONTENT, else the bundled folder."""
    env = os.environ if environ is None else environ
    chosen = explicit or env.get("ARTICLE_BOT_CONTENT")
    if chosen:
        return Path(chosen).expanduser()
    if _REPO_CONTENT.is_dir() and any(_REPO_CONTENT.glob("*.md")):
        return _REPO_CONTENT
    return BUNDLED_CONTENT


def load_articles(path: Path, max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES) -> list[Article]:
    """Load every *.md article under a folder, or the one file named; raise ContentError if unusable."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise ContentError(f"{path}: no such file or folder") from None
    except OSError as error:
        raise ContentError(f"{path}: cannot read ({error.strerror or error})") from None
    if stat.S_ISDIR(mode):
        # Every *.md entry is loaded, and one that is not a regular file (a FIFO, a device, a
        # folder) is refused by load_article: serving fewer articles than the folder names,
        # silently, would be the worse failure.
        files = sorted(path.glob("*.md"))
        if not files:
            raise ContentError(f"{path}: folder has no .md articles")
    else:
        files = [path]
    articles = [load_article(f, max_bytes=max_bytes) for f in files]
    slugs = [a.slug for a in articles]
    if len(set(slugs)) != len(slugs):
        raise ContentError(f"{path}: two articles share a file name")
    return articles


def load_article(path: Path, max_bytes: int = DEFAULT_MAX_ARTICLE_BYTES) -> Article:
    """Load and parse one Markdown article of at most max_bytes."""
    raw = _read_regular_file(path, max_bytes)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ContentError(f"{path}: not UTF-8 text (bad byte at offset {error.start})") from None
    if not text.strip():
        raise ContentError(f"{path}: file is empty")
    return parse_article(text, slug=path.stem, path=str(path))


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    """Read a regular file of at most max_bytes; never open anything else, never read more."""
    try:
        _check_file(path, path.stat(), max_bytes)
        # O_NONBLOCK: should a FIFO take the file's place after the check, opening it does not hang.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as file:
            _check_file(path, os.fstat(file.fileno()), max_bytes)
            # One byte past the limit shows a file that grew since, or that stat sizes as 0 (/proc).
            raw = file.read(max_bytes + 1)
    except OSError as error:
        raise ContentError(f"{path}: cannot read ({error.strerror or error})") from None
    if len(raw) > max_bytes:
        raise ContentError(_too_large(path, max_bytes))
    return raw


def _check_file(path: Path, info: os.stat_result, max_bytes: int) -> None:
    for is_kind, kind in _FILE_KINDS:
        if is_kind(info.st_mode):
            raise ContentError(f"{path}: is {kind}, not a regular file")
    if not stat.S_ISREG(info.st_mode):
        raise ContentError(f"{path}: not a regular file")
    if info.st_size > max_bytes:
        raise ContentError(_too_large(path, max_bytes, info.st_size))


def _too_large(path: Path, max_bytes: int, size: int | None = None) -> str:
    actual = f"{size:,} bytes, " if size is not None else ""
    return f"{path}: too large for an article: {actual}over the limit of {max_bytes:,} bytes"


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


# An article's language is that of its title and first paragraphs (index/language.py).
ARTICLE_PASSAGES = 5
ARTICLE_CHARS = 4000


def parse_article(text: str, slug: str, path: str = "") -> Article:
    """Parse Markdown text into an Article; raise ContentError (naming path, else slug) when it
    has no paragraphs."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _LONE_SURROGATE.sub("\ufffd", text)  # half a character: no file or message can hold it
    meta, text = _split_front_matter(text)
    blocks = _blocks(_drop_hidden(text))
    title = _clean_inline(meta.get("title", "")) or None
    if blocks and blocks[0].startswith("# "):
        heading = _clean_inline(blocks.pop(0)[2:])
        title = title or heading
    author, date = _byline(blocks)
    paragraphs = _distinct(_body_paragraphs(blocks))
    if not paragraphs:
        raise ContentError(f"{path or slug}: no paragraphs of text found")
    title = title or _title_from_slug(slug)
    language = detect(" ".join([title, *paragraphs[:ARTICLE_PASSAGES]])[:ARTICLE_CHARS])
    passages = tuple(
        Passage(
            id=f"{slug}#{number}",
            article_slug=slug,
            article_title=title,
            number=number,
            text=paragraph,
            sentences=tuple(split_sentences(paragraph, language)),
        )
        for number, paragraph in enumerate(paragraphs, start=1)
    )
    return Article(
        slug=slug,
        title=title,
        author=_clean_inline(meta.get("author", "")) or author,
        date=meta.get("date") or date,
        url=meta.get("url"),
        passages=passages,
        language=language,
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


def _drop_hidden(text: str) -> str:
    """Drop script and style bodies and HTML comments: markup a reader never sees."""
    text = _HIDDEN_ELEMENT.sub("", text)
    text = _UNCLOSED_HIDDEN_ELEMENT.sub("", text)
    return _HTML_COMMENT.sub("", text)


def _blocks(text: str) -> list[str]:
    """Split text at blank lines, joining the lines of each block."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if lines:
            blocks.append("\n".join(lines))
    return blocks


def _byline(blocks: list[str]) -> tuple[str | None, str | None]:
    """Take the byline blocks (names, dates, "By" lines, in any order) off the front of blocks."""
    authors: list[str] = []
    dates: list[str] = []
    taken = 0
    while taken < min(len(blocks), _MAX_BYLINE_BLOCKS):
        fields = _byline_fields(blocks[taken])
        if fields is None:
            break
        for author, date in fields:
            authors += [author] if author else []
            dates += [date] if date else []
        taken += 1
    del blocks[:taken]
    # A second date is an update time: the first is when the article was published.
    return (", ".join(authors) or None), (dates[0] if dates else None)


def _byline_fields(block: str) -> list[tuple[str | None, str | None]] | None:
    """Return (author, date) for each line of a byline block, or None if it is not one."""
    lines = [_clean_inline(line) for line in block.split("\n")]
    if len(lines) > 3 or any(len(line) > 80 or line.endswith((".", "?", "!")) for line in lines):
        return None
    fields: list[tuple[str | None, str | None]] = []
    for line in lines:
        by = _BY_LINE.match(line)
        if _DATE_LINE.match(line):
            fields.append((None, line))
        elif by:
            fields.append((by.group(1), None))
        elif _is_name(line):
            fields.append((line, None))
        else:
            return None
    return fields


def _is_name(line: str) -> bool:
    """Return whether a line is a person's or an agency's name: up to six capitalised words."""
    words = line.split()
    return 0 < len(words) <= 6 and all(_is_name_word(word) for word in words)


def _is_name_word(word: str) -> bool:
    if word in NAME_PARTICLES:
        return True
    word = _NAME_PREFIX.sub("", word)
    return word[:1].isupper() and _NAME_WORD.fullmatch(word) is not None


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


def _distinct(paragraphs: list[str]) -> list[str]:
    """Drop a paragraph that repeats an earlier one word for word (a pull quote), keeping the first.

    Indexed twice, the one text would be cited as [1] and [2] of one answer, and would count
    twice in BM25's document frequencies; the first place it appears is where it belongs.
    """
    seen: set[str] = set()
    distinct = []
    for paragraph in paragraphs:
        if paragraph in seen:
            logger.debug("dropped a repeated paragraph: %.60s", paragraph)
            continue
        seen.add(paragraph)
        distinct.append(paragraph)
    return distinct


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
    return _clean_inline("\n".join(lines))


def _clean_inline(text: str) -> str:
    """Remove Markdown and HTML markup, keeping the words, quotes and dashes as written."""
    text = _LINK.sub(r"\1", text)
    # Tags line by line: a broken one cannot reach into the next line.
    text = " ".join(_DANGLING_TAG.sub("", _HTML_TAG.sub("", line)) for line in text.split("\n"))
    text = text.replace("`", "")
    for _ in range(2):
        text = _EMPHASIS.sub(r"\2", text)
    text = re.sub(r"\\([\\`*_{}\[\]()#+\-.!])", r"\1", text)
    # Entities last: "&lt;b&gt;" and "&#42;" are text that reads "<b>" and "*", not markup.
    text = _ENTITY.sub(lambda match: html.unescape(match.group()), text)
    return re.sub(r"\s+", " ", text).strip()


def _title_from_slug(slug: str) -> str:
    words = re.split(r"[-_\s]+", slug)
    return " ".join(words).strip().capitalize() or slug
