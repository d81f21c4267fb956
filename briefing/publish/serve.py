"""Serve a directory of briefings (feed, audio, transcripts, cover) over HTTP.

The standard library's file server cannot answer byte-range requests, and podcast players
need those to seek and to resume downloads, so the handler here adds single-range support.
Nothing is printed: the caller learns the address through on_ready and the request log
through on_log.
"""

from __future__ import annotations

import email.utils
import mimetypes
import os
import re
import socket
import socketserver
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

from briefing import __version__
from briefing.errors import InputError
from briefing.publish.formats import AUDIO_TYPES

CONTENT_TYPES: dict[str, str] = {
    **AUDIO_TYPES,
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
    ".srt": "application/x-subrip; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}

_RANGE = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$", re.IGNORECASE)
_COPY_BLOCK = 1 << 16

LogCallback = Callable[[str], None]


@dataclass(frozen=True)
class ByteRange:
    """An inclusive byte range of a file, as in "Content-Range: bytes START-END/SIZE"."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1


class RangeNotSatisfiable(ValueError):
    """The Range header asks only for bytes past the end of the file (HTTP 416)."""


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range a Range header asks for, or None to send the whole file.

    Malformed headers and multi-range requests give None: RFC 9110 lets a server ignore
    Range, and a full 200 response is something every client handles, unlike multipart.
    """
    if not header:
        return None
    match = _RANGE.match(header)
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first:
        if not last:
            return None  # "bytes=-" is not a range at all
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return ByteRange(max(0, size - suffix), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None  # invalid, so ignored rather than refused
    if start >= size:
        raise RangeNotSatisfiable(header)
    end = min(int(last), size - 1) if last else size - 1
    return ByteRange(start, end)


class _FileSlice:
    """A read-only window onto an open file, so copyfile sends only the requested range."""

    def __init__(self, handle: BinaryIO, byte_range: ByteRange) -> None:
        handle.seek(byte_range.start)
        self._handle = handle
        self._remaining = byte_range.length

    def read(self, size: int = -1) -> bytes:
        if self._remaining <= 0:
            return b""
        wanted = self._remaining if size < 0 else min(size, self._remaining)
        data = self._handle.read(wanted)
        self._remaining -= len(data)
        return data

    def close(self) -> None:
        self._handle.close()


class BriefingServer(ThreadingHTTPServer):
    """A threading HTTP server that reports through a callback instead of stderr."""

    daemon_threads = True  # an idle keep-alive connection must not block shutdown

    def __init__(
        self,
        address: tuple[str, int],
        handler: Callable[..., SimpleHTTPRequestHandler],
        on_log: LogCallback | None = None,
    ) -> None:
        self.on_log = on_log
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn, a DNS lookup that can stall startup
        # for seconds and is only used for a name nobody reads.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        # Players drop connections all the time when they seek or pause; that is not an error.
        if isinstance(error, ConnectionError | TimeoutError):
            return
        if self.on_log is not None:
            self.on_log(f"error while serving {client_address}: {error!r}")

    def log(self, message: str) -> None:
        if self.on_log is not None:
            self.on_log(message)


class BriefingRequestHandler(SimpleHTTPRequestHandler):
    """Serves files under one directory, with Range support and no way out of it."""

    server: BriefingServer
    server_version = f"briefing/{__version__}"
    # Keep-alive saves a connection per seek; every response below has a Content-Length.
    protocol_version = "HTTP/1.1"
    timeout = 60  # drop idle keep-alive connections so threads do not pile up
    # Headers and body go out in separate writes; Nagle plus delayed ACK would add ~40 ms
    # to every seek.
    disable_nagle_algorithm = True

    # The handler's own types name BytesIO and AnyStr streams; a _FileSlice reads like one.
    def send_head(self) -> _FileSlice | BinaryIO | None:  # type: ignore[override]
        path = self._resolve(self.path)
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        if path.is_dir():
            # Redirects and listings are the stdlib's job; ranges only matter for files.
            return super().send_head()
        if urlsplit(self.path).path.endswith("/"):
            # "/feed.xml/" names a directory that does not exist, as in the stdlib.
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        try:
            handle = path.open("rb")
        except OSError:
            self.send_error(HTTPStatus.NOT_FOUND, "File not found")
            return None
        try:
            return self._send_file_head(path, handle)
        except BaseException:
            handle.close()
            raise

    def _send_file_head(self, path: Path, handle: BinaryIO) -> _FileSlice | BinaryIO | None:
        stat = os.fstat(handle.fileno())
        size = stat.st_size
        etag = f'"{stat.st_mtime_ns:x}-{size:x}"'
        last_modified = self.date_time_string(int(stat.st_mtime))

        if self._not_modified(etag, stat.st_mtime):
            handle.close()
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
            return None

        byte_range: ByteRange | None = None
        if_range = self.headers.get("If-Range")
        # A stale If-Range means the client's partial copy is of an older file: send it all.
        if if_range is None or if_range.strip() in (etag, last_modified):
            try:
                byte_range = parse_range(self.headers.get("Range"), size)
            except RangeNotSatisfiable:
                handle.close()
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None

        if byte_range is None:
            self.send_response(HTTPStatus.OK)
            length = size
        else:
            self.send_response(HTTPStatus.PARTIAL_CONTENT)
            self.send_header("Content-Range", f"bytes {byte_range.start}-{byte_range.end}/{size}")
            length = byte_range.length
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Length", str(length))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", last_modified)
        self.send_header("ETag", etag)
        self.end_headers()
        return handle if byte_range is None else _FileSlice(handle, byte_range)

    def _resolve(self, url_path: str) -> Path | None:
        """The file a URL names, or None if it is hidden or (through a link) outside the root."""
        root = Path(self.directory).resolve()
        # translate_path already drops ".." segments; resolving also catches symlinks out.
        candidate = Path(self.translate_path(url_path))
        try:
            relative = candidate.resolve().relative_to(root)
        except (ValueError, OSError):
            return None
        if any(part.startswith(".") for part in relative.parts):
            return None  # dot files include half-written feeds and other private state
        if not candidate.exists():
            return None
        return candidate

    def _not_modified(self, etag: str, mtime: float) -> bool:
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = {tag.strip() for tag in if_none_match.split(",")}
            return etag in tags or "*" in tags
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since is None:
            return False
        try:
            since = email.utils.parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return datetime.fromtimestamp(int(mtime), UTC) <= since

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        suffix = Path(path).suffix.lower()
        if suffix in CONTENT_TYPES:
            return CONTENT_TYPES[suffix]
        guess, _ = mimetypes.guess_type(os.fspath(path))
        return guess or "application/octet-stream"

    def copyfile(  # type: ignore[override]
        self, source: _FileSlice | BinaryIO, outputfile: BinaryIO
    ) -> None:
        while block := source.read(_COPY_BLOCK):
            outputfile.write(block)

    def log_message(self, format: str, *args: object) -> None:
        self.server.log(f"{self.address_string()} {format % args}")


def make_server(
    directory: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    on_log: LogCallback | None = None,
) -> BriefingServer:
    """A bound, listening server for directory; run it with serve_forever().

    Port 0 picks a free port (see server_url). Connections are accepted into the listen
    queue from the moment this returns, so a caller can connect before serve_forever runs.
    """
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory: give the folder of briefings to serve.")
    # Absolute, so the containment check does not depend on the working directory later.
    handler = partial(BriefingRequestHandler, directory=str(directory.resolve()))
    try:
        return BriefingServer((host, port), handler, on_log)
    except OSError as exc:
        raise InputError(
            f"Cannot listen on {host} port {port}: {exc.strerror or exc}; "
            "choose another port or host."
        ) from exc


def server_url(server: BriefingServer) -> str:
    """The base URL a server answers on, ending in "/"."""
    host, port = server.server_address[:2]
    host = str(host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/"


def serve(
    directory: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    on_ready: Callable[[str], None] | None = None,
    *,
    on_log: LogCallback | None = None,
) -> None:
    """Serve directory until interrupted (KeyboardInterrupt propagates to the caller).

    on_ready receives the base URL once the socket is listening; the feed is at
    base URL + "feed.xml". on_log receives one line per request.
    """
    with make_server(directory, host, port, on_log=on_log) as server:
        if on_ready is not None:
            on_ready(server_url(server))
        server.serve_forever()
