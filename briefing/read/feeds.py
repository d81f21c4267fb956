"""RSS 0.9x/1.0/2.0 and Atom feeds: items, their choice, and what a batch has built already.

feedparser parses (maintained, every RSS and Atom dialect, dates normalised to UTC); briefing
never lets it fetch: the bytes come from `fetch` within its limits, or from a file.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.errors import InputError

FULL_CONTENT_WORDS = 80
"""An item whose own text is shorter than this is a teaser: its link's page is read instead."""
STATE_NAME = ".briefing-feeds.json"
"""The state file, in a batch's output folder: what was built from which feed."""

_FEED_START = re.compile(rb"<(rss|feed|rdf:RDF)\b", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed."""

    id: str
    """The item's identity: its guid (Atom id), else its link, else a hash of its title."""
    title: str | None
    """The item's title."""
    link: str | None
    """The article's address."""
    published: dt.datetime | None
    """When it was published (or last updated), in UTC, if the feed says."""
    author: str | None
    """The item's author, if the feed names one."""
    content: str | None
    """The item's full text as HTML, when the feed carries it (content:encoded, Atom
    content, or a long description); None for a teaser, whose link must be read."""
    summary: str | None
    """The item's description (plain text), for the tags when its page has none."""


@dataclass(frozen=True)
class Feed:
    """A parsed feed."""

    title: str | None
    """The feed's title: the site's name for its items."""
    link: str | None
    """The site's address."""
    language: str | None
    """The feed's language, if it says."""
    items: tuple[FeedItem, ...]
    """Items in the feed's order."""


def looks_like_feed(data: bytes) -> bool:
    """Whether `data` is an RSS or Atom document (by its root element, near the start)."""
    return bool(_FEED_START.search(data[:4096]))


def parse_feed(data: bytes, source: str) -> Feed:
    """Parse feed bytes; InputError (one line) for malformed XML or a feed with no items."""
    import feedparser

    parsed = feedparser.parse(data)
    error = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(error, feedparser.CharacterEncodingOverride):
        where = ""
        if hasattr(error, "getLineNumber"):
            where = f" (line {error.getLineNumber()}, column {error.getColumnNumber()})"
        reason = getattr(error, "getMessage", lambda: str(error))()
        raise InputError(f"{source} is not a well-formed feed{where}: {reason}")
    if not parsed.get("version"):
        raise InputError(f"{source} is not an RSS or Atom feed")
    channel = parsed.feed
    items = tuple(_item(entry) for entry in parsed.entries)
    if not items:
        raise InputError(f"{source} is a feed with no items: there is nothing to read")
    return Feed(_text(channel.get("title")), channel.get("link"),
                channel.get("language"), items)


def select_items(feed: Feed, latest: int | None = None, since: dt.date | None = None,
                 seen: frozenset[str] = frozenset()) -> list[FeedItem]:
    """The items to read: not `seen`, published on or after `since`, the `latest` newest.

    Returned newest first when the feed dates its items (feed order otherwise).
    """
    items = [item for item in feed.items if item.id not in seen]
    if since is not None:
        items = [item for item in items
                 if item.published is None or item.published.date() >= since]
    if all(item.published is not None for item in items):
        order = {item.id: index for index, item in enumerate(items)}
        items.sort(key=lambda item: (-_timestamp(item.published), order[item.id]))
    return items[:latest] if latest is not None else items


@dataclass
class FeedState:
    """What a batch built from its feeds, kept in the output folder (`STATE_NAME`), so a
    batch run again (from cron) builds only new items and never fetches a seen one."""

    path: Path
    """The state file."""
    feeds: dict[str, dict[str, object]] = field(default_factory=dict)
    """Per feed URL or path: "etag", "last_modified", and "built" (item id -> file name)."""

    @classmethod
    def load(cls, folder: Path) -> FeedState:
        """The state in `folder`, or an empty one; InputError if the file is unreadable."""
        path = folder / STATE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as error:
            raise InputError(f"{path} cannot be read ({error}): remove it to start afresh "
                             "(every item will be built again)") from None
        feeds = data.get("feeds") if isinstance(data, dict) else None
        if not isinstance(feeds, dict):
            raise InputError(f"{path} is not briefing's feed state: remove it to start afresh")
        return cls(path, feeds)

    def seen(self, feed: str) -> frozenset[str]:
        built = self.feeds.get(feed, {}).get("built", {})
        return frozenset(built) if isinstance(built, dict) else frozenset()

    def validators(self, feed: str) -> tuple[str | None, str | None]:
        entry = self.feeds.get(feed, {})
        etag, modified = entry.get("etag"), entry.get("last_modified")
        return (etag if isinstance(etag, str) else None,
                modified if isinstance(modified, str) else None)

    def record(self, feed: str, item_id: str, file_name: str) -> None:
        entry = self.feeds.setdefault(feed, {})
        built = entry.setdefault("built", {})
        if isinstance(built, dict):
            built[item_id] = file_name

    def remember(self, feed: str, etag: str | None, last_modified: str | None) -> None:
        entry = self.feeds.setdefault(feed, {})
        entry["etag"], entry["last_modified"] = etag, last_modified

    def to_json(self) -> str:
        return json.dumps({"version": 1, "feeds": self.feeds}, indent=1, ensure_ascii=False,
                          sort_keys=True) + "\n"


def item_slug(item: FeedItem) -> str:
    """A file name for an item: its title's words, and a short hash of its id (stable)."""
    words = re.sub(r"[^\w]+", "-", (item.title or "item").lower()).strip("-_")[:60].strip("-")
    digest = hashlib.sha256(item.id.encode("utf-8")).hexdigest()[:8]
    return f"{words or 'item'}-{digest}"


def _item(entry: dict[str, Any]) -> FeedItem:
    link = entry.get("link") if isinstance(entry.get("link"), str) else None
    title = _text(entry.get("title"))
    identity = entry.get("id") or link or hashlib.sha256(
        (title or "").encode("utf-8")).hexdigest()
    moment = entry.get("published_parsed") or entry.get("updated_parsed")
    published = (dt.datetime.fromtimestamp(calendar.timegm(moment), dt.UTC)
                 if moment else None)
    contents = entry.get("content") or []
    html: str | None = next((str(part.get("value")) for part in contents
                             if isinstance(part, dict) and part.get("value")), None)
    summary = entry.get("summary") if isinstance(entry.get("summary"), str) else None
    full = html if html and _words(html) >= FULL_CONTENT_WORDS else (
        summary if summary and _words(summary) >= FULL_CONTENT_WORDS else None)
    return FeedItem(str(identity), title, link, published, _text(entry.get("author")),
                    full, _text(_TAG.sub(" ", summary)) if summary else None)


def _words(html: str) -> int:
    return len(_TAG.sub(" ", html).split())


def _text(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def _timestamp(moment: dt.datetime | None) -> float:
    return moment.timestamp() if moment is not None else 0.0
