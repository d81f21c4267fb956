"""Fetch what the user names on the web: http(s) only, bounded in size, time and redirects.

urllib3 does the HTTP (maintained, already installed with trafilatura, and it exposes what a
bounded fetch needs: separate connect and read timeouts, a redirect cap, streaming reads).
The size cap is enforced while reading, so a 50 MB page costs at most the cap in memory. The
total time is a deadline kept by a timer that shuts the fetch's socket when it passes: a
server that trickles bytes (each well within the read timeout, never finishing, in its
headers or its body) is cut off at the deadline, not after the next 64 KB.
"""

from __future__ import annotations

import codecs
import contextlib
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from briefing import __version__
from briefing.errors import BriefingError, FetchError
from briefing.read.limits import too_large
from briefing.read.sources import TEXT_TYPES, FetchLimits

if TYPE_CHECKING:
    import urllib3

USER_AGENT = f"briefing/{__version__} (spoken news briefings; +https://pypi.org/project/briefing/)"
"""Names the tool and its version, so a site's operator can tell who is asking."""

_CHUNK = 64 * 1024

PAGE_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml",
              "application/xml", "text/xml", "application/feed+json")
ACCEPTED_TYPES = PAGE_TYPES + FEED_TYPES + TEXT_TYPES

_DESCRIBED_TYPES = {"application/pdf": "a PDF", "image/": "an image", "audio/": "audio",
                    "video/": "a video", "application/zip": "a ZIP archive",
                    "application/octet-stream": "binary data"}
_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w.:-]+)""", re.IGNORECASE)


@dataclass(frozen=True)
class Fetched:
    """A response that passed every check."""

    url: str
    """The URL asked for."""
    final_url: str
    """Where the body came from, after redirects (relative links resolve against this)."""
    content_type: str
    """The media type, lower-cased, without parameters; "" when the server sent none."""
    charset: str | None
    """The charset from the Content-Type header, if it named one."""
    body: bytes
    """The body, at most `FetchLimits.max_bytes` long; empty when `not_modified`."""
    etag: str | None = None
    """The ETag header, for a conditional request next time."""
    last_modified: str | None = None
    """The Last-Modified header, for a conditional request next time."""
    not_modified: bool = False
    """True when a conditional request was answered 304: nothing changed since last time."""


@dataclass(frozen=True)
class Validators:
    """What a previous fetch of the same URL returned, for a conditional request."""

    etag: str | None = None
    """Sent back as If-None-Match."""
    last_modified: str | None = None
    """Sent back as If-Modified-Since."""


@dataclass
class _Session:
    pool: urllib3.PoolManager
    limits: FetchLimits = field(default_factory=FetchLimits)


def check_url(url: str) -> str:
    """`url` if it is an http(s) URL with a host; FetchError otherwise."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise FetchError(f"{url}: only http and https addresses can be fetched")
    if not parts.hostname:
        raise FetchError(f"{url}: the address has no host name")
    if any(ord(char) < 33 for char in url):
        raise FetchError(f"{url!r}: an address cannot contain spaces or control characters")
    return url


def fetch(url: str, limits: FetchLimits = FetchLimits(), accept: Iterable[str] = ACCEPTED_TYPES,
          validators: Validators | None = None) -> Fetched:
    """GET `url` within `limits`; FetchError (one line, naming the URL) on any failure."""
    return _fetch(_session(limits), url, tuple(accept), validators)


def fetch_all(urls: list[str], limits: FetchLimits = FetchLimits(),
              accept: Iterable[str] = ACCEPTED_TYPES,
              on_done: Callable[[str, Fetched | BriefingError], None] | None = None,
              ) -> list[Fetched | BriefingError]:
    """Fetch every URL, at most `limits.concurrent` at once; results in the order given.

    A failure is returned in its place (not raised), so one bad link never stops the rest.
    """
    session = _session(limits)
    kinds = tuple(accept)

    def one(url: str) -> Fetched | BriefingError:
        try:
            result: Fetched | BriefingError = _fetch(session, url, kinds, None)
        except BriefingError as error:
            result = error
        if on_done is not None:
            on_done(url, result)
        return result

    with ThreadPoolExecutor(max_workers=max(1, limits.concurrent)) as pool:
        return list(pool.map(one, urls))


class _Deadline:
    """One fetch's total time: when it passes, the sockets of the fetch are shut, so a read
    blocked on a server that trickles returns at once (and the fetch fails as timed out)."""

    _current = threading.local()

    def __init__(self, seconds: float) -> None:
        self.expired = False
        """Whether the deadline passed before the fetch was over."""
        self.answered = False
        """Whether the server's answer (status and headers) had arrived."""
        self._finished = False
        self._connections: list[Any] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    @classmethod
    def watch(cls, connection: object) -> None:
        """Put `connection` (about to send a request in this thread) under this thread's
        deadline, if a fetch here has one."""
        deadline: _Deadline | None = getattr(cls._current, "deadline", None)
        if deadline is None:
            return
        with deadline._lock:
            deadline._connections.append(connection)
            expired = deadline.expired
        if expired:
            _shut(connection)

    def finish(self) -> bool:
        """Stop the clock: the fetch is over. Whether it had run out first."""
        self._timer.cancel()
        with self._lock:
            self._finished = True
            return self.expired

    def _expire(self) -> None:
        with self._lock:
            if self._finished:
                return
            self.expired = True
            connections = list(self._connections)
        for connection in connections:
            _shut(connection)

    def __enter__(self) -> _Deadline:
        self._current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        # Finished on every way out, so a late timer never shuts a connection that the pool
        # has handed to the next fetch.
        self.finish()
        self._current.deadline = None


def _shut(connection: object) -> None:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return
    # The plain socket's shutdown even for TLS: ssl.SSLSocket.shutdown would also drop its
    # TLS state under the thread still reading from it. OSError: it was closed already.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


@cache
def _watched_pools() -> dict[str, type]:
    """Connection pools whose connections put themselves under their fetch's deadline."""
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class Watched(HTTPConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            _Deadline.watch(self)
            super().request(*args, **kwargs)

    class WatchedTLS(HTTPSConnection):
        def request(self, *args: Any, **kwargs: Any) -> None:
            _Deadline.watch(self)
            super().request(*args, **kwargs)

    class Pool(HTTPConnectionPool):
        ConnectionCls = Watched

    class PoolTLS(HTTPSConnectionPool):
        ConnectionCls = WatchedTLS

    return {"http": Pool, "https": PoolTLS}


def _session(limits: FetchLimits) -> _Session:
    import urllib3

    pool = urllib3.PoolManager(
        num_pools=max(4, limits.concurrent), maxsize=max(1, limits.concurrent),
        timeout=urllib3.Timeout(connect=limits.connect_timeout, read=limits.read_timeout),
        retries=urllib3.Retry(total=None, connect=0, read=0, status=0, other=0,
                              redirect=limits.max_redirects, raise_on_redirect=True,
                              raise_on_status=False),
    )
    pool.pool_classes_by_scheme = _watched_pools()
    return _Session(pool, limits)


def _fetch(session: _Session, url: str, accept: tuple[str, ...],
           validators: Validators | None) -> Fetched:
    check_url(url)
    timeout = session.limits.total_timeout
    with _Deadline(timeout) as deadline:
        try:
            fetched = _fetch_once(session, url, accept, validators, deadline)
        except Exception:
            if deadline.expired:
                raise _timed_out(url, timeout, deadline.answered) from None
            raise
        if deadline.finish():
            # Cut off in its headers, a response can look complete (and empty).
            raise _timed_out(url, timeout, deadline.answered)
        return fetched


def _timed_out(url: str, seconds: float, answered: bool = True) -> FetchError:
    if not answered:
        return FetchError(f"{url}: the server did not answer within {seconds:g} s (the fetch "
                          "timeout)", setting="fetch_timeout")
    return FetchError(f"{url}: not complete within {seconds:g} s (the fetch timeout)",
                      setting="fetch_timeout")


def _fetch_once(session: _Session, url: str, accept: tuple[str, ...],
                validators: Validators | None, deadline: _Deadline) -> Fetched:
    import urllib3
    from urllib3.exceptions import (
        ConnectTimeoutError,
        HTTPError,
        MaxRetryError,
        NameResolutionError,
        NewConnectionError,
        ProtocolError,
        ReadTimeoutError,
    )

    limits = session.limits
    ends = time.monotonic() + limits.total_timeout
    # Headers given to a request replace the pool's, so every header is set here.
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
               "Accept": ", ".join((*accept, "*/*;q=0.1"))}
    if validators is not None:
        if validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
    try:
        response = session.pool.request("GET", url, headers=headers, preload_content=False,
                                        decode_content=True)
    except MaxRetryError as error:
        reason = error.reason
        if isinstance(reason, NameResolutionError):
            raise FetchError(f"{url}: the host name {urlsplit(url).hostname} could not be "
                             "found (check the address and your connection)") from None
        # NewConnectionError is a kind of ConnectTimeoutError in urllib3: test it first.
        if isinstance(reason, NewConnectionError):
            raise FetchError(f"{url}: the connection was refused or failed") from None
        if isinstance(reason, ConnectTimeoutError):
            raise FetchError(f"{url}: no connection within {limits.connect_timeout:g} s "
                             "(the connect timeout)", setting="fetch_timeout") from None
        if isinstance(reason, ReadTimeoutError):
            raise FetchError(f"{url}: the server did not answer within "
                             f"{limits.read_timeout:g} s (the read timeout)",
                             setting="fetch_timeout") from None
        if "redirect" in str(reason).lower():
            raise FetchError(f"{url}: more than {limits.max_redirects} redirects (a redirect "
                             "loop?)") from None
        raise FetchError(f"{url}: the request failed ({_short(reason)})") from None
    except ReadTimeoutError:
        raise FetchError(f"{url}: the server did not answer within {limits.read_timeout:g} s "
                         "(the read timeout)", setting="fetch_timeout") from None
    except (HTTPError, OSError, ValueError) as error:
        raise FetchError(f"{url}: the request failed ({_short(error)})") from None
    # A response cut off in its headers by the deadline can still come back, as if complete.
    deadline.answered = not deadline.expired
    complete = False
    try:
        final_url = response.geturl() or url
        if response.status == 304 and validators is not None:
            return Fetched(url, final_url, "", None, b"", validators.etag,
                           validators.last_modified, not_modified=True)
        if response.status >= 400:
            raise FetchError(f"{url}: the server answered {response.status} "
                             f"{_reason(response.status)}")
        if response.status in (301, 302, 303, 307, 308):
            raise FetchError(f"{url}: a redirect without a usable Location")
        if response.status != 200:
            raise FetchError(f"{url}: the server answered {response.status}, not a page")
        content_type, charset = _content_type(response.headers.get("Content-Type", ""))
        _check_type(url, content_type, accept)
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limits.max_bytes:
            raise FetchError(too_large(url, limits.max_bytes, "max_page_bytes"),
                                 setting="max_page_bytes")
        body = bytearray()
        try:
            for chunk in response.stream(_CHUNK):
                body += chunk
                if len(body) > limits.max_bytes:
                    raise FetchError(too_large(url, limits.max_bytes, "max_page_bytes"),
                                 setting="max_page_bytes")
                if time.monotonic() > ends:
                    raise _timed_out(url, limits.total_timeout)
        except ReadTimeoutError:
            raise FetchError(f"{url}: the server stopped sending for "
                             f"{limits.read_timeout:g} s (the read timeout)",
                             setting="fetch_timeout") from None
        except (ProtocolError, urllib3.exceptions.DecodeError, OSError) as error:
            raise FetchError(f"{url}: the transfer broke off ({_short(error)})") from None
        complete = True
        return Fetched(url, final_url, content_type, charset, bytes(body),
                       response.headers.get("ETag"), response.headers.get("Last-Modified"))
    finally:
        if not complete:
            # Closed before it goes back to the pool: the next request on a connection with
            # a body left unread (an error page, a refused type, a page over the limit)
            # would read that body as the start of its own answer.
            response.close()
        response.release_conn()


def _content_type(header: str) -> tuple[str, str | None]:
    media = header.split(";", 1)[0].strip().lower()
    match = _CHARSET.search(header)
    charset = match.group(1) if match else None
    if charset is not None:
        try:
            charset = codecs.lookup(charset).name
        except LookupError:
            charset = None
    return media, charset


def _check_type(url: str, content_type: str, accept: tuple[str, ...]) -> None:
    if not content_type or content_type in accept or content_type.endswith(("+xml", "+json")):
        return
    for prefix, name in _DESCRIBED_TYPES.items():
        if content_type.startswith(prefix):
            raise FetchError(f"{url} is {name} ({content_type}), not a web page: briefing "
                             "reads HTML pages, RSS and Atom feeds")
    raise FetchError(f"{url} is {content_type}, not a web page: briefing reads HTML pages, "
                     "RSS and Atom feeds")


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return f"({HTTPStatus(status).phrase})"
    except ValueError:
        return ""


def _short(error: object) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if len(text) <= 120 else text[:119] + "…"
