"""A real HTTP server on 127.0.0.1 for the web tests: the fixtures, and every way a site fails.

Routes:
  /<fixture>.html            tests/fixtures/web/<fixture>.html as text/html (UTF-8 declared,
                             except the legacy pages, which are served with no charset)
  /feeds/<name>              tests/fixtures/feeds/<name>, "{base}" replaced by this server's URL
  /etag/<name>               the same feed, with an ETag; 304 when If-None-Match matches
  /status/<code>             that status, with a small HTML body
  /hang                      accepts, reads the request, never answers (until the server stops)
  /held/<fixture>.html       the fixture, once the test sets `release`
  /trickle                   answers 200 at once, then sends the body one byte every 0.1 s,
                             never finishing (until the server stops)
  /trickle-headers           sends its status line, then its headers one byte every 0.1 s
  /loop                      redirects to itself
  /redirect-to/<path>        one redirect to /<path>
  /huge                      text/html, 50 MB, no Content-Length (streamed)
  /huge-declared             text/html, Content-Length 50 MB (the header alone refuses it)
  /type/<media type>         a small body of that content type (application/pdf, image/png…)
  /text/<name>               a plain-text article
Every request's path and headers are recorded in `requests`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HUGE = 50 * 1_000_000
NO_CHARSET = ("legacy-charset.html", "legacy-undeclared.html")


@dataclass
class WebServer:
    """A running server: its base URL and what was asked of it."""

    base: str
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


def serve() -> Iterator[WebServer]:
    """Start a server on a free loopback port; stop it (and any hung handler) afterwards."""
    state = WebServer("")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            state.requests.append((self.path, dict(self.headers.items())))
            path = self.path.split("?", 1)[0]
            if path == "/hang":
                state.stop.wait(120)
                return
            if path.startswith("/held/"):
                state.release.wait(120)
                path = path.removeprefix("/held")
            if path in ("/trickle", "/trickle-headers"):
                return self._trickle(headers=path == "/trickle-headers")
            if path == "/loop":
                return self._redirect("/loop")
            if path.startswith("/redirect-to/"):
                return self._redirect("/" + path.removeprefix("/redirect-to/"))
            if path.startswith("/status/"):
                code = int(path.removeprefix("/status/"))
                return self._send(code, "text/html; charset=utf-8",
                                  f"<html><body><h1>Error {code}</h1></body></html>".encode())
            if path == "/huge":
                return self._huge(declared=False)
            if path == "/huge-declared":
                return self._huge(declared=True)
            if path.startswith("/type/"):
                media = path.removeprefix("/type/")
                return self._send(200, media, b"%PDF-1.7\n" + bytes(range(256)) * 16)
            if path.startswith("/text/"):
                body = ("Storm closes the coast road.\n\nThe coast road was closed on Monday "
                        "after waves threw rocks onto it. Crews will clear it overnight.\n")
                return self._send(200, "text/plain; charset=utf-8", body.encode())
            if path.startswith(("/feeds/", "/etag/")):
                name = path.split("/", 2)[2]
                file = FIXTURES / "feeds" / name
                if not file.is_file():
                    return self._send(404, "text/plain", b"not found")
                body = file.read_bytes().replace(b"{base}", state.base.encode())
                if path.startswith("/etag/"):
                    tag = f'"{len(body)}"'
                    if self.headers.get("If-None-Match") == tag:
                        return self._send(304, None, b"", {"ETag": tag})
                    return self._send(200, "application/rss+xml", body, {"ETag": tag})
                return self._send(200, "application/xml", body)
            file = FIXTURES / "web" / path.lstrip("/")
            if path.endswith(".html") and file.is_file():
                media = "text/html" if file.name in NO_CHARSET else "text/html; charset=utf-8"
                return self._send(200, media, file.read_bytes())
            return self._send(404, "text/html; charset=utf-8", b"<h1>Not found</h1>")

        def _redirect(self, location: str) -> None:
            self._send(302, "text/html", b"moved", {"Location": location})

        def _send(self, code: int, media: str | None, body: bytes,
                  headers: dict[str, str] | None = None) -> None:
            self.send_response(code)
            if media:
                self.send_header("Content-Type", media)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)

        def _huge(self, declared: bool) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            if declared:
                self.send_header("Content-Length", str(HUGE))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            chunk = b"<p>" + b"word " * 13000 + b"</p>\n"
            sent = 0
            try:
                while sent < HUGE and not state.stop.is_set():
                    self.wfile.write(chunk)
                    sent += len(chunk)
            except OSError:
                pass  # the client gave up, as it should
            self.close_connection = True

        def _trickle(self, headers: bool) -> None:
            # Slower than no server at all: every byte comes well within any read timeout,
            # so only a deadline for the whole fetch stops it.
            self.close_connection = True
            try:
                if headers:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                    drip = b"X-Slow: " + b"z" * 60_000
                else:
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    drip = b"<p>" + b"word " * 60_000
                    self.send_header("Content-Length", str(len(drip)))
                    self.end_headers()
                for byte in drip:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    if state.stop.wait(0.1):
                        return
            except OSError:
                pass  # the client gave up, as it should

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        server.shutdown()
        server.server_close()
