"""Run the page: bind the socket, serve it with uvicorn, stop cleanly.

Nothing is printed: the caller learns the address through `on_ready` and the request log
and server warnings through `on_log` (one escaped line each).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from briefing.errors import InputError
from briefing.page.app import Page, make_app, printable

Log = Callable[[str], None]


@dataclass(frozen=True)
class Address:
    """Where the page answers."""

    url: str
    """The base URL, ending in "/"; the feed is at url + "feed.xml"."""
    access_url: str | None
    """For a server listening beyond loopback: the link that lets another computer build
    (the URL with the access token); None on loopback."""


class _Server(uvicorn.Server):
    """uvicorn's server, ending the page's progress streams before it waits for them."""

    page: Page

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        self.page.closing = True
        for build in self.page.queue.builds():
            self.page._fire(build.id)
        await super().shutdown(sockets)


class PageServer:
    """A bound page server; `run()` serves until stopped (signal, or `stop()` from a thread)."""

    def __init__(self, directory: Path, host: str = "127.0.0.1", port: int = 8000, *,
                 on_log: Log | None = None, builds_at_once: int = 1) -> None:
        if not directory.is_dir():
            raise InputError(f"{directory} is not a directory: give the folder of briefings "
                             "to serve.")
        loopback = _is_loopback_host(host)
        self.page = Page(directory.resolve(), loopback_only=loopback, at_once=builds_at_once,
                         on_log=on_log)
        self.page.queue.recover()
        self.socket = _bind(host, port)
        bound_host, bound_port = self.socket.getsockname()[:2]
        shown = host if host not in ("0.0.0.0", "::", "") else socket.gethostname()
        shown = f"[{shown}]" if ":" in shown else shown
        if loopback:
            shown = f"[{bound_host}]" if ":" in bound_host else bound_host
        url = f"http://{shown}:{bound_port}/"
        self.address = Address(url, None if loopback
                               else f"{url}?token={self.page.access_token}")
        config = uvicorn.Config(
            make_app(self.page), log_config=None, access_log=False, lifespan="on",
            timeout_keep_alive=60, timeout_graceful_shutdown=5, server_header=False,
            # Every connection is one coroutine, so slow clients cost no thread; the limit
            # keeps a flood from exhausting descriptors.
            limit_concurrency=2000, h11_max_incomplete_event_size=16 * 1024,
        )
        self.server = _Server(config)
        self.server.page = self.page
        _route_logs(on_log)

    def run(self) -> None:
        """Serve until a signal (in the main thread) or `stop()`; then stop every build."""
        try:
            self.server.run(sockets=[self.socket])
        finally:
            self.socket.close()

    def stop(self) -> None:
        self.server.should_exit = True


def serve(directory: Path, host: str = "127.0.0.1", port: int = 8000,
          on_ready: Callable[[Address], None] | None = None, *, on_log: Log | None = None,
          builds_at_once: int = 1) -> None:
    """Serve the page for `directory` until SIGINT or SIGTERM, then stop cleanly."""
    server = PageServer(directory, host, port, on_log=on_log, builds_at_once=builds_at_once)
    if on_ready is not None:
        on_ready(server.address)
    server.run()


@contextlib.contextmanager
def running(directory: Path, host: str = "127.0.0.1", port: int = 0, *,
            on_log: Log | None = None, builds_at_once: int = 1) -> Iterator[PageServer]:
    """A page server running in a thread for the duration of the block (tests, bench)."""
    server = PageServer(directory, host, port, on_log=on_log, builds_at_once=builds_at_once)
    thread = threading.Thread(target=server.run, daemon=True, name="page-server")
    thread.start()
    try:
        if not server.page.ready.wait(timeout=30):
            raise RuntimeError("the page server did not start")
        yield server
    finally:
        server.stop()
        thread.join()


def _bind(host: str, port: int) -> socket.socket:
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(1024)
    except (OSError, OverflowError) as error:
        reason = getattr(error, "strerror", None) or error
        raise InputError(f"Cannot listen on {host} port {port}: {reason}; choose another "
                         "port or host.") from None
    sock.set_inheritable(False)
    return sock


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _LogLines(logging.Handler):
    def __init__(self, on_log: Log) -> None:
        super().__init__(logging.WARNING)
        self.on_log = on_log

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage().strip()
        if record.exc_info and record.exc_info[1] is not None:
            message += f": {record.exc_info[1]!r}"
        self.on_log(printable(message))


def _route_logs(on_log: Log | None) -> None:
    """uvicorn's warnings to `on_log`, escaped; nothing of it straight to the terminal."""
    logger = logging.getLogger("uvicorn")
    logger.propagate = False
    logger.handlers = [_LogLines(on_log) if on_log is not None else logging.NullHandler()]
