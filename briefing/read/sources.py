"""What a source is and how it is read: the kinds of files and media types, and the
options and limits of reading, apart from the readers themselves.

A build of a text, Markdown or JSON article needs these and nothing of the web readers,
whose modules (HTTP, HTML, feeds) it then never imports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from briefing.errors import InputError
from briefing.read.limits import MAX_PAGE_BYTES
from briefing.read.summary import DEFAULT_POINTS

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".json")
"""Files read as text, Markdown or JSON whatever their bytes look like."""
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
FEED_SUFFIXES = (".rss", ".atom", ".xml", ".rdf")
TEXT_TYPES = ("text/plain", "text/markdown", "text/x-markdown", "application/json")
"""Media types of articles that are already text (read as a file of that kind would be)."""


def is_url(source: str) -> bool:
    """Whether `source` names something on the web rather than a file."""
    return source.lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class FetchLimits:
    """How much one fetch may cost. Defaults suit a news page on an ordinary connection."""

    max_bytes: int = MAX_PAGE_BYTES
    """The page size limit ("max_page_bytes"): a body larger than this is refused while it
    is being read, before more than this is held in memory."""
    connect_timeout: float = 10.0
    """Seconds to wait for a connection (DNS and TCP and TLS)."""
    read_timeout: float = 15.0
    """Seconds to wait for the next bytes from a server that has connected."""
    total_timeout: float = 30.0
    """Seconds for the whole fetch, redirects and body included (the "fetch timeout")."""
    max_redirects: int = 5
    """Redirects followed before a fetch is refused as a loop."""
    concurrent: int = 4
    """Fetches at once in a batch, so a feed of fifty items does not hit a site fifty-fold."""


MAX_POINTS = 10
"""More "points" than this would read the article twice."""


@dataclass(frozen=True)
class ReadOptions:
    """How web sources are read: points, the choice of a feed's items, fetch limits."""

    points: int = DEFAULT_POINTS
    """How many summary points to choose from the body of an article that has none."""
    latest: int | None = None
    """Of a feed, read only the newest N items; None for all."""
    since: dt.date | None = None
    """Of a feed, read only items published on or after this day; None for all."""
    limits: FetchLimits = field(default_factory=FetchLimits)
    """Size, time, redirect and concurrency limits of every fetch."""

    def __post_init__(self) -> None:
        if not 1 <= self.points <= MAX_POINTS:
            raise InputError(f"the number of points must be 1 to {MAX_POINTS}, not "
                             f"{self.points}", setting="points")
        if self.latest is not None and self.latest < 1:
            raise InputError(f"the number of latest items must be at least 1, not "
                             f"{self.latest}", setting="latest")


