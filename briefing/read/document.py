"""Read an article (plain text, Markdown, JSON; a file, stdin or a URL) into a `Document`.

This is the one entry point for every kind of source: web pages, saved pages and feeds are
recognised here and handed to `briefing.read.web`.

An article is a few summary points and a body of paragraphs. Plain text marks neither, so the
reader infers the split: while the points run, each line is one sentence; the first line with
several sentences starts the body. A blank line after the points, or Markdown bullets, make
the split explicit.
"""

from __future__ import annotations

import bisect
import codecs
import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO

from briefing.errors import InputError
from briefing.model import Document
from briefing.read.limits import MAX_ARTICLE_BYTES, read_bounded, read_file
from briefing.read.sentences import split_sentences
from briefing.read.sources import (
    FEED_SUFFIXES,
    HTML_SUFFIXES,
    TEXT_SUFFIXES,
    TEXT_TYPES,
    ReadOptions,
    is_url,
)

if TYPE_CHECKING:
    from briefing.read.fetch import Fetched

STDIN = "-"


Warn = Callable[[str], None]

# Characters that carry no text. Tabs and newlines are layout; every other C0/C1 control
# character (and NUL, which would cut eSpeak's text short) is dropped on reading.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BULLET = re.compile(r"^\s{0,3}(?:[-*+•]|\d{1,3}[.)])\s+(.*)$")
# Every pattern here runs over user text, so none may backtrack over a run of unbounded
# length more than once (a 120 kB line of "*a " took minutes): headings are matched without
# their closing marks (stripped in `_heading`), a link's text and address stop at the next
# bracket or parenthesis, and emphasis is paired by `_strip_emphasis`, not by a regex.
_MD_TITLE = re.compile(r"^\s{0,3}#\s+(\S.*)$")
_MD_HEADING = re.compile(r"^\s{0,3}#{2,6}\s+(\S.*)$")
_MD_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_MD_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_MD_LINK = re.compile(r"\[([^\[\]]+)\]\([^()]*\)")
# Emphasis marks, longest first; they stand at word edges: snake_case's underscores are text.
_EMPHASIS_MARKS = ("**", "__", "*", "_", "`")
_EMPHASIS_CHAR = re.compile(r"[*_`]")
_SENTENCE_END = re.compile(r"""[.!?…:;]["'”’)\]]*$""")
_HAS_WORD = re.compile(r"\w")


def read_documents(
    sources: list[str], title: str | None = None, warn: Warn | None = None,
    stdin: BinaryIO | None = None, options: ReadOptions | None = None,
) -> list[Document]:
    """Read every source; a JSON source or a feed may hold several articles. `title` needs
    one article.

    A source is a path, "-" for `stdin` (the front end's standard input: the library never
    reaches for the process's own, as a web server's or a cluster worker's is not the
    user's), or an http(s) URL; it may be plain text, Markdown, JSON, an HTML page (a saved
    page, or fetched) or an RSS/Atom feed (a file or fetched), read as `options` say (points,
    the choice of a feed's items, fetch limits).
    """
    options = options or ReadOptions()
    documents = [doc for source in sources
                 for doc in _read_source(source, warn, stdin, options)]
    if title is not None:
        if len(documents) != 1:
            raise InputError("a title names one article, but several were given",
                             setting="title")
        documents = [_with_title(documents[0], title)]
    return documents


def read_document(source: str, title: str | None = None, warn: Warn | None = None,
                  stdin: BinaryIO | None = None) -> Document:
    """Read exactly one article from a path, or from `stdin` when `source` is "-"."""
    documents = read_documents([source], title, warn, stdin)
    if len(documents) != 1:
        raise InputError(f"{source} holds {len(documents)} articles; expected one")
    return documents[0]


def parse_text(text: str, source: str = "<text>", markdown: bool | None = None) -> Document:
    """Parse decoded article text. `markdown=None` detects Markdown by its title or bullets."""
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = [line.rstrip() for line in text.split("\n")]
    if markdown is None:
        markdown = any(_MD_TITLE.match(line) or _BULLET.match(line) for line in lines)
    title, points, paragraphs = _parse_markdown(lines) if markdown else _parse_plain(lines)
    points = [p for p in (_clean(p) for p in points) if p]
    paragraphs = [p for p in (_clean(p) for p in paragraphs) if p]
    if not any(_HAS_WORD.search(part) for part in [*points, *paragraphs]):
        raise InputError(f"{source} has no sentences to read: give it an article in plain text")
    return Document(_clean(title) or None, tuple(points), tuple(paragraphs), source)


def decode(data: bytes, source: str, warn: Warn | None = None) -> str:
    """Decode article bytes: UTF-8 (with or without BOM), UTF-16/32 with BOM, else a guess."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise InputError(f"{source} starts with a {encoding} mark but is not valid "
                                 f"{encoding}: {error.reason}") from None
    if _looks_binary(data):
        raise InputError(f"{source} looks like binary data, not text: give a text, Markdown "
                         "or JSON article")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Not UTF-8: legacy Western text is almost always Windows-1252 (a superset of Latin-1 for
    # printable text). Say so rather than produce mojibake silently.
    text = data.decode("cp1252", errors="replace")
    if warn is not None:
        warn(f"{source} is not UTF-8; read it as Windows-1252 (a guess). "
             "Save it as UTF-8 if words look wrong.")
    return text


def read_bytes(source: str, stdin: BinaryIO | None = None,
               options: ReadOptions | None = None) -> bytes:
    """The bytes of the article at path `source`, or of `stdin` for "-", within the size
    limits; InputError if they cannot be read. A saved page or feed may be larger than a text
    article: it is mostly markup."""
    if source == STDIN:
        if stdin is None:
            raise InputError("there is no standard input to read the article from here: "
                             "give a file", setting="articles")
        return read_bounded(stdin, MAX_ARTICLE_BYTES, "<stdin>")
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{source} is a directory: give an article file "
                         "(or `briefing batch` for a folder)")
    markup = path.suffix.lower() in HTML_SUFFIXES + FEED_SUFFIXES
    limit = (options or ReadOptions()).limits.max_bytes if markup else MAX_ARTICLE_BYTES
    return read_file(source, limit)


def parse_bytes(data: bytes, name: str, warn: Warn | None = None,
                options: ReadOptions | None = None, suffix: str | None = None) -> list[Document]:
    """The articles in `data`, an article's bytes; `name` (a path, a URL, "<stdin>") names it
    in messages, and `suffix` (by default the name's) says how to read it.

    Bytes and a name are all an article needs to be read, wherever its file is: a batch
    task carries just these to a cluster worker.
    """
    options = options or ReadOptions()
    if suffix is None:
        suffix = PurePosixPath(name).suffix.lower() if name != "<stdin>" else ""
    if suffix in HTML_SUFFIXES or suffix in FEED_SUFFIXES or (
            suffix not in TEXT_SUFFIXES and _is_markup(data)):
        # The web readers (HTTP, HTML, feeds) are imported for web sources only: a text,
        # Markdown or JSON build never loads them.
        from briefing.read import web

        if not data.strip():
            raise InputError(f"{name} is empty: there is nothing to read")
        return web.read_bytes(data, name, options, warn)
    if not data.strip():
        raise InputError(f"{name} is empty: there is nothing to read")
    text = decode(data, name, warn)
    if not text.strip():
        raise InputError(f"{name} is empty: there is nothing to read")
    if suffix == ".json" or (suffix == "" and text.lstrip().startswith(("{", "["))):
        return _parse_json(text, name)
    markdown = True if suffix in (".md", ".markdown") else None
    return [parse_text(text, name, markdown)]


def read_fetched(fetched: Fetched, warn: Warn | None = None,
                 options: ReadOptions | None = None) -> list[Document]:
    """The articles of a response already fetched: a page or a feed, else text, Markdown or
    JSON by its content type."""
    options = options or ReadOptions()
    if fetched.content_type not in TEXT_TYPES:
        from briefing.read import web

        return web.read_bytes(fetched.body, fetched.url, options, warn, fetched)
    # An article in text, Markdown or JSON, online.
    suffix = {"application/json": ".json", "text/markdown": ".md"}.get(
        fetched.content_type, ".txt")
    return parse_bytes(fetched.body, fetched.url, warn, options, suffix)


def _read_source(source: str, warn: Warn | None, stdin: BinaryIO | None,
                 options: ReadOptions) -> list[Document]:
    if is_url(source):
        from briefing.read.fetch import fetch
        from briefing.read.html import load_extractor_in_background

        loading = load_extractor_in_background()  # most URLs are pages
        try:
            return read_fetched(fetch(source, options.limits), warn, options)
        finally:
            # Done before returning, whatever the URL held: a build forks its synthesis
            # children next, and a child forked while another thread imports could inherit
            # an import lock that nobody will release.
            if loading is not None:
                loading.join()
    name = "<stdin>" if source == STDIN else source
    return parse_bytes(read_bytes(source, stdin, options), name, warn, options)


def _is_markup(data: bytes) -> bool:
    """Whether an article of no telling suffix is a page or a feed, by its first bytes."""
    from briefing.read import web
    from briefing.read.html import looks_like_html

    return looks_like_html(data) or web.is_feed(data)


def _parse_plain(lines: list[str]) -> tuple[str | None, list[str], list[str]]:
    blocks = _blocks(lines)
    if not blocks:
        return None, [], []
    if len(blocks) > 1 and all(_is_one_sentence(line) for line in blocks[0]):
        # A blank line closes the points explicitly.
        return None, blocks[0], [p for block in blocks[1:] for p in _paragraphs(block)]
    lines = [line for block in blocks for line in block]
    points: list[str] = []
    for index, line in enumerate(lines):
        if not _is_one_sentence(line):
            return None, points, _paragraphs(lines[index:])
        points.append(line)
    return None, points, []


def _parse_markdown(lines: list[str]) -> tuple[str | None, list[str], list[str]]:
    title: str | None = None
    points: list[str] = []
    paragraphs: list[str] = []
    block: list[str] = []

    def close_block() -> None:
        paragraphs.extend(_paragraphs(block))
        block.clear()

    for line in lines:
        if title is None and not points and not paragraphs and not block:
            heading = _MD_TITLE.match(line)
            if heading:
                title = _heading(heading)
                continue
        bullet = _BULLET.match(line)
        heading = _MD_HEADING.match(line) or _MD_TITLE.match(line)
        if bullet:
            close_block()
            points.append(bullet.group(1))
        elif heading:
            close_block()
            paragraphs.append(_heading(heading))  # a sub-heading is read, not lost
        elif not line.strip() or _MD_RULE.match(line):
            close_block()
        elif points and not block and not paragraphs and line[:1].isspace():
            points[-1] += " " + line.strip()  # a bullet's continuation line
        else:
            block.append(line.strip())
    close_block()
    return title, points, paragraphs


def _parse_json(text: str, source: str) -> list[Document]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{source} is not valid JSON (line {error.lineno}, column "
                         f"{error.colno}: {error.msg})") from None
    except RecursionError:
        # json descends once per level of nesting; an article is two levels deep.
        raise InputError(f"{source} is nested too deeply to be an article: give "
                         '{"title": "…", "points": ["…"], "body": ["…"]}') from None
    items = value if isinstance(value, list) else [value]
    if not items:
        raise InputError(f"{source} holds an empty list: no articles to read")
    return [_document_from_json(item, f"{source}[{i}]" if isinstance(value, list) else source)
            for i, item in enumerate(items)]


METADATA_FIELDS = ("author", "date", "url", "site", "language", "description")
"""Metadata keys of an article's JSON, beside "title", "points" and "body"."""


def to_json(document: Document, dropped: bool = False) -> dict[str, object]:
    """The article as JSON that `read_documents` reads back into the same Document."""
    value: dict[str, object] = {"title": document.title, "points": list(document.points),
                                "body": list(document.paragraphs)}
    for key in METADATA_FIELDS:
        if getattr(document, key) is not None:
            value[key] = getattr(document, key)
    if dropped:
        value["dropped"] = [{"rule": item.rule, "text": item.text} for item in document.dropped]
    return value


def _document_from_json(item: object, source: str) -> Document:
    expected = 'an object like {"title": "…", "points": ["…"], "body": ["…"]}'
    if not isinstance(item, dict):
        raise InputError(f"{source}: expected {expected}")
    title = item.get("title")
    points = item.get("points", [])
    body = item.get("body", [])
    if isinstance(body, str):
        body = body.split("\n")
    if not (
        (title is None or isinstance(title, str))
        and isinstance(points, list) and all(isinstance(p, str) for p in points)
        and isinstance(body, list) and all(isinstance(p, str) for p in body)
    ):
        raise InputError(f"{source}: expected {expected}")
    lines = [f"# {title}"] if title else []
    lines += [f"- {' '.join(p.split())}" for p in points] + [""]
    lines += [line for paragraph in body for line in (paragraph, "")]
    document = parse_text("\n".join(lines), source, markdown=True)
    def field(key: str) -> str | None:
        value = item.get(key)
        return " ".join(value.split()) or None if isinstance(value, str) else None

    return replace(document, author=field("author"), date=field("date"), url=field("url"),
                   site=field("site"), language=field("language"),
                   description=field("description"))


def _blocks(lines: list[str]) -> list[list[str]]:
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            blocks[-1].append(line.strip())
        elif blocks[-1]:
            blocks.append([])
    return [block for block in blocks if block]


def _paragraphs(lines: list[str]) -> list[str]:
    """One paragraph per line, except that a line not ending a sentence (hard wrap) runs on."""
    paragraphs: list[str] = []
    joined = True
    for line in lines:
        if paragraphs and not joined:
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
        joined = bool(_SENTENCE_END.search(line))
    return paragraphs


def _is_one_sentence(line: str) -> bool:
    return len(split_sentences(line)) <= 1


def _clean(text: str | None) -> str:
    if not text:
        return ""
    text = _MD_IMAGE.sub(r"\1", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _strip_emphasis(text)
    return " ".join(text.split())


def _heading(match: re.Match[str]) -> str:
    """A heading's text without its optional closing run of '#' (after a space)."""
    text = match.group(1).rstrip()
    bare = text.rstrip("#")
    if bare != text and bare and bare[-1].isspace():
        return bare.rstrip()
    return text


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _strip_emphasis(text: str) -> str:
    """Drop emphasis marks (`*a*`, `**a**`, `_a_`, `__a__`, `` `a` ``), keeping the words.

    An opening mark follows a non-word character and precedes a non-space; it pairs with
    the nearest closing mark of its kind (on the same line) that follows a non-space and
    precedes a non-word character. Closing marks are listed once and found by bisection, so
    the time is O(n log n) where a lazy regex rescanned the rest of the line per mark.
    Marks inside a pair are left as they are, as a single regex substitution would.
    """
    if not any(mark in text for mark in _EMPHASIS_MARKS):
        return text
    if "\n" in text:  # a pair never spans lines
        return "\n".join(_strip_emphasis(line) for line in text.split("\n"))
    length = len(text)
    closers: dict[str, list[int]] = {}
    for mark in _EMPHASIS_MARKS:
        found = []
        position = text.find(mark, 1)
        while position != -1:
            after = position + len(mark)
            if not text[position - 1].isspace() and (
                    after >= length or not _is_word_char(text[after])):
                found.append(position)
            position = text.find(mark, position + 1)
        closers[mark] = found
    pieces: list[str] = []
    copied = 0  # text[copied:] is still to be copied
    for opening in _EMPHASIS_CHAR.finditer(text):
        position = opening.start()
        if position < copied or (position and _is_word_char(text[position - 1])):
            continue  # inside a pair already stripped, or not at a word's edge
        pair = _emphasis_at(text, position, closers)
        if pair is not None:
            start, end, after = pair
            pieces += [text[copied:position], text[start:end]]
            copied = after
    pieces.append(text[copied:])
    return "".join(pieces)


def _emphasis_at(text: str, position: int,
                 closers: dict[str, list[int]]) -> tuple[int, int, int] | None:
    """(content start, content end, end of the closing mark) of an emphasis opening at
    `position`, or None."""
    for mark in _EMPHASIS_MARKS:
        start = position + len(mark)
        if not text.startswith(mark, position) or start >= len(text) or text[start].isspace():
            continue
        candidates = closers[mark]
        index = bisect.bisect_left(candidates, start + 1)
        if index == len(candidates):
            continue
        end = candidates[index]
        return start, end, end + len(mark)
    return None


def _looks_binary(data: bytes) -> bool:
    # A stray NUL or escape in real text is dropped later; binary data is full of them.
    sample = data[:4096]
    controls = sum(1 for byte in sample if byte < 32 and byte not in b"\t\n\r\f")
    return controls > max(2, len(sample) // 20)


def _with_title(document: Document, title: str) -> Document:
    title = " ".join(title.split())
    if not title:
        raise InputError("the title is empty: give a title or none", setting="title")
    return replace(document, title=title)
