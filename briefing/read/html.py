"""Read a web page (HTML) into a `Document`: the story only, with the page's metadata.

Steps: decode (the charset from the header, a byte-order mark, the page's own declaration,
else a measured guess); parse; take the page's metadata (title, author, date, site name,
canonical URL, language, description) while the bylines are still there; lift out the
page's own summary points (a "Key takeaways" list, a standfirst); remove what the element
rules name (`boilerplate`); let trafilatura find the main text; drop the paragraphs the text
rules name; choose points from the body when the page had none (`summary`).

trafilatura was chosen by measurement on this project's fixtures (README): with these
rules it reads every must-read sentence and no must-not sentence of them, in about 10 ms a
page, and it extracts the metadata too.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from briefing.errors import InputError
from briefing.model import Document, Dropped
from briefing.read.sentences import split_sentences
from briefing.read.summary import DEFAULT_POINTS, central_sentences

Warn = Callable[[str], None]

MIN_ARTICLE_WORDS = 25
"""A page with fewer words of prose than this holds no article (a login wall, an index)."""

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_LOOKS_HTML = re.compile(rb"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|meta|title)\b",
                         re.IGNORECASE | re.DOTALL)
_POINT_HEADING = re.compile(
    r"^\W*(key (points|takeaways|facts|findings)|takeaways|what (we know|you need to know)|"
    r"at a glance|in brief|the big picture|highlights|tl;? ?dr|in short|the short version)"
    r"\W*$", re.IGNORECASE)
_POINT_CLASSES = frozenset({"takeaways", "keypoints", "key-points", "key-takeaways",
                            "highlights", "live-summary", "summary-list", "tldr",
                            "at-a-glance", "story-highlights", "key-facts", "keyfacts"})
_STANDFIRST_CLASSES = frozenset({"standfirst", "dek", "subheadline", "subhead", "sub-headline",
                                 "strapline", "article-summary", "summary", "excerpt",
                                 "description", "sub-title", "subtitle"})
_JS_ROOTS = re.compile(r"^(root|app|__next|__nuxt|svelte|main-app|react-root|ember\w*)$")


_extractor_loading = threading.Lock()
_extractor_started = False


def load_extractor_in_background() -> threading.Thread | None:
    """Start importing trafilatura in a thread (once a process), so that a fetch's wait for
    the network pays for it. The thread, to be joined once the fetched page is read; None
    when it was started before.

    Importing it is nearly all that reading a page adds to a build (about 0.13 s of CPU: it
    brings courlan, htmldate, justext, urllib3, ssl and email, which its extraction modules
    import at load time), while the extraction itself takes a few milliseconds. A fetch
    leaves the interpreter idle for as long or longer, so started before one, the import is
    done, or nearly, when the page arrives (`read_html` waits for the rest). A URL that turns
    out to be text or JSON costs the import's CPU, and the part of it the fetch did not hide.
    """
    global _extractor_started
    with _extractor_loading:
        if _extractor_started:
            return None
        _extractor_started = True
    # What the fetch imports is imported here first, so the two threads never import the
    # same modules at once (Python's import locks make that safe, but only one would work).
    import urllib3  # noqa: F401

    def load() -> None:
        # A failure is left to the import in `read_html`, which reports it where it matters
        # (a thread's exception would print a traceback).
        with contextlib.suppress(Exception):
            import trafilatura  # noqa: F401

    thread = threading.Thread(target=load, name="briefing-load-trafilatura")
    thread.start()
    return thread


@dataclass(frozen=True)
class PageMetadata:
    """What a page says about itself, before any extraction."""

    title: str | None
    author: str | None
    date: str | None
    site: str | None
    url: str | None
    language: str | None
    description: str | None


def looks_like_html(data: bytes) -> bool:
    """Whether `data` (a file or stdin) is an HTML page rather than text or JSON."""
    return bool(_LOOKS_HTML.match(data[:2048].lstrip(b"\xef\xbb\xbf")))


def decode_page(data: bytes, source: str, declared: str | None = None,
                warn: Warn | None = None) -> str:
    """A page's text: the charset declared by the server, else a BOM, else the page's own
    `<meta charset>`, else UTF-8 if it is valid, else a measured guess (with a warning)."""
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    candidates = [declared]
    match = _META_CHARSET.search(data[:4096])
    if match:
        candidates.append(match.group(1).decode("ascii", errors="replace"))
    for charset in candidates:
        if not charset:
            continue
        try:
            name = codecs.lookup(charset).name
        except LookupError:
            continue
        # Pages that say ISO-8859-1 mean Windows-1252, as every browser assumes.
        name = "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name
        return data.decode(name, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    encoding = best.encoding if best is not None else "cp1252"
    if warn is not None:
        warn(f"{source} does not say its character set; read it as {encoding} (a guess)")
    return data.decode(encoding, errors="replace")


def read_html(data: bytes, source: str, url: str | None = None, charset: str | None = None,
              points: int = DEFAULT_POINTS, warn: Warn | None = None) -> Document:
    """The article on the page `data` (bytes as fetched or saved), as a Document."""
    import lxml.etree
    import lxml.html

    text = decode_page(data, source, charset, warn)
    try:
        tree = lxml.html.document_fromstring(_CONTROL.sub("", text))
    except (lxml.etree.ParserError, ValueError):
        raise InputError(f"{source} is not an HTML page that can be read") from None
    metadata = page_metadata(tree, url)
    page_points, dropped = _lift_points(tree, metadata)
    dropped += remove_boilerplate(tree)
    blocks = _main_text(tree, url)
    return _document(blocks, page_points, dropped, metadata, source, points, tree)


def read_fragment(fragment: str, source: str, metadata: PageMetadata,
                  points: int = DEFAULT_POINTS) -> Document:
    """An article whose HTML is the story already (a feed item's full content): the rules
    apply, the extractor is not needed (it would judge a bare story by a page's standards)."""
    import lxml.etree
    import lxml.html

    try:
        tree = lxml.html.document_fromstring(f"<html><body>{_CONTROL.sub('', fragment)}"
                                             "</body></html>")
    except (lxml.etree.ParserError, ValueError):
        raise InputError(f"{source} holds no readable text") from None
    page_points, dropped = _lift_points(tree, metadata)
    dropped += remove_boilerplate(tree)
    blocks = list(_fragment_blocks(tree))
    return _document(blocks, page_points, dropped, metadata, source, points, None)


def page_metadata(tree: object, url: str | None) -> PageMetadata:
    """Title, author, date, site, canonical URL, language and description of a page."""
    from copy import deepcopy

    from trafilatura.metadata import extract_metadata

    found = extract_metadata(deepcopy(tree), default_url=url)
    root = tree
    language = (root.get("lang") or root.get("xml:lang")  # type: ignore[attr-defined]
                or _first(root, "//meta[@http-equiv='content-language' or "
                                "@http-equiv='Content-Language']/@content")
                or _first(root, "//meta[@property='og:locale']/@content"))
    language = language.replace("_", "-").split(",")[0].strip() if language else None
    return PageMetadata(
        title=_clean(found.title),
        author=_clean(found.author.replace(";", ",")) if found.author else None,
        date=_clean(found.date),
        site=_clean(found.sitename),
        url=_clean(found.url) or url,
        language=language or None,
        description=_clean(found.description),
    )


def remove_boilerplate(tree: object) -> list[Dropped]:
    """Apply the element rules to `tree` in place; what each removed, in page order."""
    # Imported where used: its rules compile many patterns and it brings lxml.html, which a
    # build of text, Markdown or JSON (which imports this module too) never needs.
    from briefing.read import boilerplate

    dropped: list[Dropped] = []

    def visit(element: object) -> None:
        for child in list(element):  # type: ignore[call-overload]
            if not isinstance(child.tag, str) or child.tag in ("script", "style", "noscript",
                                                               "template", "head"):
                continue
            rule = boilerplate.element_rule_for(child)
            if rule is None:
                visit(child)
                continue
            said = _clean(" ".join(child.itertext())) or _clean(child.get("alt"))
            if said:
                dropped.append(Dropped(rule, said))
            child.drop_tree()  # its tail (the text after it) stays

    visit(tree)
    return dropped


def _lift_points(tree: object, metadata: PageMetadata) -> tuple[list[str], list[Dropped]]:
    """The page's own summary points (removed from the page so the body does not repeat
    them): a key-points list, else a standfirst."""
    root = tree
    for element in root.iter("ul", "ol"):  # type: ignore[attr-defined]
        container = element.getparent()
        heading = element.getprevious()
        words = _words_of(container) | _words_of(element)
        by_class = bool(words & _POINT_CLASSES)
        by_heading = (heading is not None and heading.tag in ("h2", "h3", "h4", "p", "strong")
                      and bool(_POINT_HEADING.match(heading.text_content() or "")))
        if not (by_class or by_heading):
            continue
        items = [_joined(item) for item in element.iter("li")]
        items = [item for item in items if len(item.split()) >= 4]
        if not items:
            continue
        dropped = []
        if heading is not None and _POINT_HEADING.match(heading.text_content() or ""):
            dropped.append(Dropped("key points heading", _joined(heading)))
            heading.drop_tree()
        element.drop_tree()
        return items, dropped
    for element in root.iter("p", "div", "h2", "h3"):  # type: ignore[attr-defined]
        if _words_of(element) & _STANDFIRST_CLASSES:
            text = _clean(element.text_content())
            if text and len(text.split()) >= 8:
                element.drop_tree()
                return split_sentences(text), []
    description = metadata.description
    if description and len(description.split()) >= 8:
        for element in root.iter("p"):  # type: ignore[attr-defined]
            if _clean(element.text_content()) == description:
                element.drop_tree()
                return split_sentences(description), []
    return [], []


def _main_text(tree: object, url: str | None) -> list[tuple[str, str]]:
    """(kind, text) blocks of the main text, as trafilatura finds it."""
    import lxml.etree
    import trafilatura

    xml = trafilatura.extract(
        tree, url=url, output_format="xml", include_comments=False, include_tables=True,
        include_images=False, include_formatting=False, include_links=False,
        deduplicate=False, favor_precision=False)
    if not xml:
        return []
    document = lxml.etree.fromstring(xml.encode("utf-8"))
    main = document.find("main")
    if main is None:
        return []
    blocks: list[tuple[str, str]] = []
    for element in main:
        if element.tag == "list":
            blocks += [("item", _joined(item)) for item in element.iter("item")]
        elif element.tag == "table":
            blocks += [("p", _joined(cell)) for cell in element.iter("cell")
                       if len(_joined(cell).split()) > 12]
        elif element.tag in ("p", "head", "quote"):
            blocks.append(("head" if element.tag == "head" else "p", _joined(element)))
        elif element.tag == "code":
            continue  # removed by the "code block" rule already, when it was a <pre>
    return [(kind, text) for kind, text in blocks if text]


def _fragment_blocks(tree: object) -> Iterator[tuple[str, str]]:
    blocks = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dd")
    for element in tree.iter(*blocks):  # type: ignore[attr-defined]
        if any(ancestor.tag in blocks for ancestor in element.iterancestors()):
            continue
        text = _clean(element.text_content())
        if text:
            yield ("head" if element.tag.startswith("h") else "p"), text
    body = tree.find("body")  # type: ignore[attr-defined]
    loose = _clean(body.text) if body is not None else None
    if loose:
        yield "p", loose


def _document(blocks: list[tuple[str, str]], page_points: list[str], dropped: list[Dropped],
              metadata: PageMetadata, source: str, points: int, tree: object | None) -> Document:
    from briefing.read import boilerplate

    paragraphs: list[str] = []
    for index, (kind, text) in enumerate(blocks):
        if metadata.author and text.strip(" .") == metadata.author:
            dropped.append(Dropped("byline", text))
            continue
        if metadata.title and kind == "head" and text == metadata.title:
            continue  # the title is read in the intro
        rule = boilerplate.text_rule_for(text)
        if rule is not None:
            dropped.append(Dropped(rule, text))
            continue
        if not paragraphs and index < 3:
            dateline = boilerplate.DATELINE_PREFIX.match(text)
            if dateline:
                dropped.append(Dropped("dateline", dateline.group(0).strip()))
                text = text[dateline.end():]
                text = text[:1].upper() + text[1:]
        markers = boilerplate.FOOTNOTE_MARKER.findall(text)
        if markers:
            dropped += [Dropped("footnote marker", marker) for marker in markers]
            text = boilerplate.FOOTNOTE_MARKER.sub("", text)
        paragraphs.append(text)
    prose = sum(len(p.split()) for p in paragraphs if p.rstrip()[-1:] in ".!?\"”’")
    if prose < MIN_ARTICLE_WORDS:
        if tree is not None and _javascript_shell(tree):
            raise InputError(
                f"{source} is built by JavaScript in the browser, and briefing does not run "
                "JavaScript: open the page in a browser, save it (File > Save Page As, "
                "'Web page, HTML only') and pass the saved .html file")
        raise InputError(f"{source} has no article text to read (a login page, a paywall or "
                         "an index of links?): give the address of an article")
    sentences = [s for p in paragraphs for s in split_sentences(p)]
    chosen = page_points or central_sentences(sentences, points)
    return Document(
        title=metadata.title, points=tuple(chosen), paragraphs=tuple(paragraphs),
        source=source, author=metadata.author, date=metadata.date, url=metadata.url,
        site=metadata.site, language=metadata.language, description=metadata.description,
        dropped=tuple(dropped),
    )


def _javascript_shell(tree: object) -> bool:
    """A page whose content arrives by script: little text, scripts, an empty mount point."""
    body = tree.find("body")  # type: ignore[attr-defined]
    if body is None:
        return True
    scripts = len(tree.findall(".//script"))  # type: ignore[attr-defined]
    mount = any(_JS_ROOTS.match(element.get("id", "")) and not _clean(element.text_content())
                for element in body.iter("div", "main", "section", "app-root"))
    noscript = any("javascript" in (element.text_content() or "").lower()
                   for element in tree.iter("noscript"))  # type: ignore[attr-defined]
    return scripts > 0 and (mount or noscript)


def _joined(element: Any) -> str:
    """An element's text (its text nodes carry their own spacing), whitespace collapsed."""
    return " ".join("".join(str(part) for part in element.itertext()).split())


def _words_of(element: object | None) -> frozenset[str]:
    if element is None or not isinstance(getattr(element, "tag", None), str):
        return frozenset()
    names = f"{element.get('class', '')} {element.get('id', '')}"  # type: ignore[attr-defined]
    return frozenset(token.lower() for token in names.split())


def _first(root: object, xpath: str) -> str | None:
    found = root.xpath(xpath)  # type: ignore[attr-defined]
    return str(found[0]) if found else None


def _clean(text: str | None) -> str | None:
    if not text:
        return None
    text = " ".join(_CONTROL.sub("", text).split())
    return text or None
