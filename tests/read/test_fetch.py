"""Fetching for real from a server on 127.0.0.1: every way a site fails gives one line,
exit 2 and no file; the limits hold while reading."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from briefing import __version__, cli
from briefing.errors import FetchError
from briefing.read.fetch import fetch, fetch_all
from briefing.read.sources import FetchLimits
from tests.conftest import run_cli
from tests.web_server import WebServer

pytestmark = pytest.mark.slow  # end to end: real processes, a real server on loopback


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


BAD_URLS = [
    # (route, words the one line must hold)
    ("status/404", "404"),
    ("status/410", "410"),
    ("status/500", "500"),
    ("hang", "did not answer"),
    ("trickle", "not complete within 2 s"),
    ("trickle-headers", "did not answer within 2 s"),
    ("loop", "redirects"),
    ("huge", "larger than 10 MB"),
    ("huge-declared", "larger than 10 MB"),
    ("type/application/pdf", "is a PDF"),
    ("type/image/png", "is an image"),
    ("type/application/octet-stream", "binary data"),
    ("login-wall.html", "no article text"),
    ("index-page.html", "no article text"),
    ("js-shell.html", "save it"),
    ("feeds/malformed.xml", "not a well-formed feed"),
    ("feeds/no-items.xml", "no items"),
]


@pytest.mark.parametrize(("route", "words"), BAD_URLS)
def test_a_bad_url_is_one_line_exit_2_and_nothing_written(
        web: WebServer, tmp_path: Path, route: str, words: str) -> None:
    started = time.monotonic()
    result = run_cli("build", web.url(route), "-o", tmp_path / "out.mp3", "--timeout", "2",
                     timeout=60)
    assert result.code == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefing: error:"), result.stderr
    assert words in lines[0]
    assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []
    assert time.monotonic() - started < 50  # the hang is cut off by the timeout


def test_connection_refused(tmp_path: Path) -> None:
    result = run_cli("build", f"http://127.0.0.1:{_closed_port()}/story.html",
                     "-o", tmp_path / "out.mp3")
    assert result.code == 2
    assert "connection was refused" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_dns_failure(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                     capsys: pytest.CaptureFixture[str]) -> None:
    # The name must not be looked up for real (no traffic leaves the machine): the resolver
    # answers "no such name" as it would for a mistyped host.
    def no_such_name(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    code = cli.main(["build", "http://no-such-host.invalid/story.html",
                     "-o", str(tmp_path / "out.mp3")])
    assert code == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "could not be found" in error[0]
    assert list(tmp_path.iterdir()) == []


def test_only_http_and_https() -> None:
    for url in ("ftp://127.0.0.1/x", "file:///etc/passwd", "http:///nohost"):
        with pytest.raises(FetchError):
            fetch(url)


def test_the_size_cap_holds_while_reading(web: WebServer) -> None:
    with pytest.raises(FetchError, match="larger than 1 MB"):
        fetch(web.url("huge"), FetchLimits(max_bytes=1 << 20))


@pytest.mark.parametrize("route", ["trickle", "trickle-headers"])
def test_a_server_that_trickles_is_cut_off_at_the_total_timeout(web: WebServer,
                                                                route: str) -> None:
    # A byte every 0.1 s never trips the 5 s read timeout: only the 1 s deadline can stop it,
    # and it must stop it on time, not after the next 64 KB (an hour and more at this pace).
    started = time.monotonic()
    words = "not complete" if route == "trickle" else "did not answer"
    with pytest.raises(FetchError, match=f"{words} within 1 s") as caught:
        fetch(web.url(route), FetchLimits(total_timeout=1.0, read_timeout=5.0))
    assert caught.value.setting == "fetch_timeout"
    assert 1.0 <= time.monotonic() - started < 4


def test_user_agent_names_briefing_and_its_version(web: WebServer) -> None:
    fetch(web.url("news-story.html"))
    agent = web.requests[0][1]["User-Agent"]
    assert agent.startswith(f"briefing/{__version__}")


def test_redirects_are_followed_within_the_cap(web: WebServer) -> None:
    page = fetch(web.url("redirect-to/news-story.html"))
    assert page.final_url.endswith("/news-story.html")
    assert page.content_type == "text/html" and page.charset == "utf-8"


def test_conditional_request_gets_not_modified(web: WebServer) -> None:
    from briefing.read.fetch import Validators

    first = fetch(web.url("etag/rss2.xml"))
    assert first.etag
    again = fetch(web.url("etag/rss2.xml"), validators=Validators(etag=first.etag))
    assert again.not_modified and again.body == b""
    assert web.requests[-1][1]["If-None-Match"] == first.etag


def test_fetch_all_returns_failures_in_place(web: WebServer) -> None:
    results = fetch_all([web.url("news-story.html"), web.url("status/404"),
                         web.url("takeaways.html")], FetchLimits(concurrent=2))
    assert [type(result).__name__ for result in results] == ["Fetched", "FetchError",
                                                             "Fetched"]


def test_a_failed_fetch_leaves_no_unread_body_for_the_next_one(web: WebServer) -> None:
    # One connection, kept alive: the page after an error page reuses it, and must not read
    # the error page's body as the start of its own answer.
    results = fetch_all([web.url("status/404"), web.url("news-story.html"),
                         web.url("status/404"), web.url("takeaways.html")],
                        FetchLimits(concurrent=1))
    assert [type(result).__name__ for result in results] == ["FetchError", "Fetched",
                                                             "FetchError", "Fetched"]


def test_legacy_pages_over_http_with_and_without_a_declared_charset(web: WebServer) -> None:
    from briefing.read.document import read_documents

    warnings: list[str] = []
    for page in ("legacy-charset.html", "legacy-undeclared.html"):
        document = read_documents([web.url(page)], warn=warnings.append)[0]
        text = " ".join(document.paragraphs)
        assert "François Lefebvre" in text and "Château Ramezay" in text
        assert document.title == "Café owners fight the new terrace fees"
    assert len(warnings) == 1 and "a guess" in warnings[0]  # only the undeclared one
