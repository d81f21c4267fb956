"""Web sources for the reader: a URL, a saved page, a feed (URL or file), HTML on stdin.

`read_documents` (document.py) hands every source that is not plain text, Markdown or JSON
here, so the command line, the web page and the cluster all read the web the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from briefing.errors import BriefingError, InputError
from briefing.model import Document
from briefing.read import feeds, html
from briefing.read.fetch import (
    ACCEPTED_TYPES,
    PAGE_TYPES,
    Fetched,
    Validators,
    fetch,
    fetch_all,
)
from briefing.read.limits import read_file
from briefing.read.sources import ReadOptions, is_url

Warn = Callable[[str], None]
@dataclass(frozen=True)
class FeedRead:
    """A feed's items as read for a batch: a Document or the error of each chosen item."""

    feed: feeds.Feed | None
    """The feed; None when a conditional request found it unchanged."""
    items: tuple[feeds.FeedItem, ...]
    """The items chosen, in the order read."""
    results: tuple[Document | BriefingError, ...]
    """One per item: its article, or why it could not be read."""
    fetched: Fetched | None
    """The feed's own response (for its ETag and Last-Modified); None for a file."""
    page: Fetched | None = None
    """When the URL turned out to be a page (or a text article) rather than a feed: its
    response, to be read as one article without fetching it again; else None."""


def read_bytes(data: bytes, source: str, options: ReadOptions = ReadOptions(),
               warn: Warn | None = None, fetched: Fetched | None = None) -> list[Document]:
    """A page or a feed, by its bytes (fetched, or a saved file)."""
    if is_feed(data, fetched):
        feed = feeds.parse_feed(data, source)
        items = feeds.select_items(feed, options.latest, options.since)
        if not items:
            raise InputError(f"{source}: no items match (latest/since)")
        results = read_items(feed, items, source, options, warn)
        for result in results:
            if isinstance(result, BriefingError):
                raise result
        return [result for result in results if isinstance(result, Document)]
    url = fetched.final_url if fetched is not None else None
    document = html.read_html(data, source, url, fetched.charset if fetched else None,
                              options.points, warn)
    return [document]


def is_feed(data: bytes, fetched: Fetched | None = None) -> bool:
    """Whether these bytes are a feed: by the server's content type, else by the XML."""
    if fetched is not None and fetched.content_type in ("application/rss+xml",
                                                        "application/atom+xml"):
        return True
    return feeds.looks_like_feed(data) and not html.looks_like_html(data)


def read_feed_for_batch(source: str, options: ReadOptions, seen: frozenset[str],
                        validators: Validators | None, warn: Warn | None = None) -> FeedRead:
    """The new items of the feed at `source` (a URL or a file) for a batch.

    A URL is asked for conditionally (ETag, Last-Modified): unchanged, nothing is read. Items
    in `seen` are never fetched again. A failed item is returned as its error. A URL that is
    a page comes back as `page`, fetched once.
    """

    fetched: Fetched | None = None
    if is_url(source):
        fetched = fetch(source, options.limits, ACCEPTED_TYPES, validators)
        if fetched.not_modified:
            return FeedRead(None, (), (), fetched)
        data = fetched.body
    else:
        data = read_file(source, options.limits.max_bytes)
    if not is_feed(data, fetched):
        if fetched is not None:
            return FeedRead(None, (), (), None, page=fetched)
        raise InputError(f"{source} is not an RSS or Atom feed")
    feed = feeds.parse_feed(data, source)
    items = feeds.select_items(feed, options.latest, options.since, seen)
    return FeedRead(feed, tuple(items), tuple(read_items(feed, items, source, options, warn)),
                    fetched)


def read_items(feed: feeds.Feed, items: list[feeds.FeedItem], source: str,
               options: ReadOptions, warn: Warn | None) -> list[Document | BriefingError]:
    """Each item's article: from the feed's full content, else from its link's page (fetched
    at most `limits.concurrent` at once). Failures are returned in place, not raised."""
    results: dict[int, Document | BriefingError] = {}
    to_fetch: list[int] = []
    for index, item in enumerate(items):
        name = f"{source} item {item.title or item.id!r}"
        if item.content is not None:
            try:
                results[index] = html.read_fragment(item.content, name, _item_metadata(feed, item),
                                                    options.points)
            except BriefingError as error:
                results[index] = error
        elif item.link is None:
            results[index] = InputError(f"{name} has neither text nor a link")
        else:
            to_fetch.append(index)
    pages = fetch_all([items[i].link or "" for i in to_fetch], options.limits, PAGE_TYPES)
    for index, page in zip(to_fetch, pages, strict=True):
        if isinstance(page, BriefingError):
            results[index] = page
            continue
        try:
            document = html.read_html(page.body, page.url, page.final_url, page.charset,
                                      options.points, warn)
            results[index] = _with_item(document, feed, items[index])
        except BriefingError as error:
            results[index] = error
    return [results[index] for index in range(len(items))]


def _item_metadata(feed: feeds.Feed, item: feeds.FeedItem) -> html.PageMetadata:
    return html.PageMetadata(
        title=item.title, author=item.author,
        date=item.published.date().isoformat() if item.published else None,
        site=feed.title, url=item.link, language=feed.language, description=item.summary)


def _with_item(document: Document, feed: feeds.Feed, item: feeds.FeedItem) -> Document:
    """The page's article, its gaps filled from the feed (the feed's title wins: it is the
    headline the reader subscribed to)."""
    meta = _item_metadata(feed, item)
    return replace(
        document, title=meta.title or document.title,
        author=document.author or meta.author, date=document.date or meta.date,
        site=document.site or meta.site, url=document.url or meta.url,
        language=document.language or meta.language,
        description=document.description or meta.description)
