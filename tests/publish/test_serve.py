"""The briefing server, run for real on an ephemeral loopback port."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import briefing.publish.serve as serve_module
from briefing.errors import InputError
from briefing.publish.serve import (
    BriefingServer,
    ByteRange,
    RangeNotSatisfiable,
    make_server,
    parse_range,
    serve,
    server_url,
)

AUDIO = bytes(range(256)) * 40  # 10240 bytes where every offset has a predictable value
SIZE = len(AUDIO)
SECRET = "secret outside the served directory"


@pytest.fixture(scope="module")
def served_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Read-only for every test, so one directory and one server serve the whole module."""
    tmp_path = tmp_path_factory.mktemp("site")
    (tmp_path / "secret.txt").write_text(SECRET, encoding="utf-8")
    folder = tmp_path / "briefings"
    folder.mkdir()
    (folder / "feed.xml").write_text("<rss version='2.0'><channel/></rss>", encoding="utf-8")
    (folder / "news day.mp3").write_bytes(AUDIO)
    (folder / "news day.m4a").write_bytes(AUDIO[:100])
    (folder / "news day.ogg").write_bytes(AUDIO[:100])
    (folder / "news day.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n", "utf-8")
    (folder / "news day.vtt").write_text("WEBVTT\n", encoding="utf-8")
    (folder / "news day.txt").write_text("Hi\n", encoding="utf-8")
    (folder / "news day.chapters.json").write_text('{"chapters": []}', encoding="utf-8")
    (folder / "cover.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    (folder / ".feed.xml.tmp").write_text("half written", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "escape.txt").symlink_to(tmp_path / "secret.txt")
    return folder


def start(server: BriefingServer) -> threading.Thread:
    # A short poll interval only makes shutdown() return sooner; serving is unaffected.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def server(served_dir: Path) -> Iterator[BriefingServer]:
    log: list[str] = []
    server = make_server(served_dir, "127.0.0.1", 0, on_log=log.append)
    thread = start(server)
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def request(
    server: BriefingServer, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> tuple[http.client.HTTPResponse, bytes]:
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), port, timeout=10)
    try:
        # http.client sends the path as given, so traversal attempts reach the server intact.
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def test_serves_the_feed_with_ranges_advertised(server: BriefingServer, served_dir: Path) -> None:
    response, body = request(server, "/feed.xml")

    assert response.status == 200
    assert body == (served_dir / "feed.xml").read_bytes()
    assert response.getheader("Content-Type") == "application/xml; charset=utf-8"
    assert response.getheader("Accept-Ranges") == "bytes"
    assert int(response.getheader("Content-Length", "-1")) == len(body)


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/news%20day.mp3", "audio/mpeg"),
        ("/news%20day.m4a", "audio/mp4"),
        ("/news%20day.ogg", "audio/ogg"),
        ("/news%20day.srt", "application/x-subrip; charset=utf-8"),
        ("/news%20day.vtt", "text/vtt; charset=utf-8"),
        ("/news%20day.txt", "text/plain; charset=utf-8"),
        ("/news%20day.chapters.json", "application/json"),
        ("/cover.png", "image/png"),
        ("/cover.jpg", "image/jpeg"),
    ],
)
def test_content_types(server: BriefingServer, path: str, content_type: str) -> None:
    response, _ = request(server, path)
    assert response.status == 200
    assert response.getheader("Content-Type") == content_type


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, SIZE - 1),
        ("bytes=-500", SIZE - 500, SIZE - 1),
        ("bytes=10000-99999", 10000, SIZE - 1),  # an end past the file is clamped
        ("bytes=-99999", 0, SIZE - 1),
    ],
)
def test_range_request_gets_exactly_those_bytes(
    server: BriefingServer, header: str, start: int, end: int
) -> None:
    response, body = request(server, "/news%20day.mp3", {"Range": header})

    assert response.status == 206
    assert body == AUDIO[start : end + 1]
    assert response.getheader("Content-Range") == f"bytes {start}-{end}/{SIZE}"
    assert int(response.getheader("Content-Length", "-1")) == end - start + 1
    assert response.getheader("Content-Type") == "audio/mpeg"


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 5}-{SIZE + 10}", "bytes=-0"])
def test_unsatisfiable_range_is_416(server: BriefingServer, header: str) -> None:
    response, body = request(server, "/news%20day.mp3", {"Range": header})

    assert response.status == 416
    assert response.getheader("Content-Range") == f"bytes */{SIZE}"
    assert body == b""


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "items=0-5", "bytes=9-2", "bytes=x-"])
def test_ranges_the_server_ignores_get_the_whole_file(server: BriefingServer, header: str) -> None:
    response, body = request(server, "/news%20day.mp3", {"Range": header})

    assert response.status == 200
    assert body == AUDIO


def test_if_range_with_a_stale_validator_gets_the_whole_file(server: BriefingServer) -> None:
    first, _ = request(server, "/news%20day.mp3")
    etag = first.getheader("ETag", "")

    fresh, fresh_body = request(server, "/news%20day.mp3", {"Range": "bytes=0-9", "If-Range": etag})
    stale, stale_body = request(
        server, "/news%20day.mp3", {"Range": "bytes=0-9", "If-Range": '"old"'}
    )

    assert (fresh.status, fresh_body) == (206, AUDIO[:10])
    assert (stale.status, stale_body) == (200, AUDIO)


def test_head_with_range_sends_headers_only(server: BriefingServer) -> None:
    response, body = request(server, "/news%20day.mp3", {"Range": "bytes=0-99"}, method="HEAD")

    assert response.status == 206
    assert response.getheader("Content-Length") == "100"
    assert body == b""


def test_unchanged_file_is_not_sent_again(server: BriefingServer) -> None:
    first, _ = request(server, "/feed.xml")
    again, body = request(server, "/feed.xml", {"If-None-Match": first.getheader("ETag", "")})

    assert again.status == 304
    assert body == b""


def test_seeks_on_one_keep_alive_connection(server: BriefingServer) -> None:
    host, port = server.server_address[:2]
    connection = http.client.HTTPConnection(str(host), port, timeout=10)
    try:
        for start in (0, 5000, 10000):
            connection.request("GET", "/news%20day.mp3", headers={"Range": f"bytes={start}-"})
            response = connection.getresponse()
            assert (response.status, response.read()) == (206, AUDIO[start:])
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/sub/../../secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/escape.txt",  # a symlink pointing out of the directory
        "/.feed.xml.tmp",  # dot files are private
        "/missing.mp3",
        "/feed.xml/",
    ],
)
def test_nothing_outside_the_directory_is_reachable(server: BriefingServer, path: str) -> None:
    response, body = request(server, path)

    assert response.status in (403, 404)
    assert SECRET.encode() not in body


def test_requests_are_logged_through_the_callback(served_dir: Path) -> None:
    log: list[str] = []
    with make_server(served_dir, "127.0.0.1", 0, on_log=log.append) as server:
        thread = start(server)
        request(server, "/feed.xml")
        server.shutdown()
        thread.join()

    assert any('"GET /feed.xml HTTP/1.1" 200' in line for line in log)


def test_serve_reports_its_url_when_ready(
    served_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # serve() blocks until interrupted; keep hold of its server so the test can stop it.
    started: list[BriefingServer] = []
    real_make_server = serve_module.make_server

    def recording_make_server(*args: Any, **kwargs: Any) -> BriefingServer:
        server = real_make_server(*args, **kwargs)
        started.append(server)
        return server

    monkeypatch.setattr(serve_module, "make_server", recording_make_server)
    ready = threading.Event()
    urls: list[str] = []

    def on_ready(url: str) -> None:
        urls.append(url)
        ready.set()

    thread = threading.Thread(
        target=serve, args=(served_dir, "127.0.0.1", 0, on_ready), daemon=True
    )
    thread.start()
    assert ready.wait(timeout=10)
    try:
        (url,) = urls
        assert url == server_url(started[0])
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        response, _ = request(started[0], "/feed.xml")
        assert response.status == 200
    finally:
        started[0].shutdown()
        thread.join(timeout=10)
    assert not thread.is_alive()
    assert started[0].socket.fileno() == -1  # serve() closed its socket on the way out


def test_busy_port_and_missing_directory_are_input_errors(
    server: BriefingServer, served_dir: Path
) -> None:
    _, port = server.server_address[:2]
    with pytest.raises(InputError, match="Cannot listen"):
        make_server(served_dir, "127.0.0.1", int(port))
    with pytest.raises(InputError, match="not a directory"):
        make_server(served_dir / "nowhere", "127.0.0.1", 0)


def test_parse_range_edges() -> None:
    assert parse_range(None, 10) is None
    assert parse_range("bytes=0-0", 10) == ByteRange(0, 0)
    assert parse_range("bytes=9-", 10) == ByteRange(9, 9)
    assert parse_range("BYTES = 2 - 3", 10) == ByteRange(2, 3)
    assert parse_range("bytes=-", 10) is None
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=0-", 0)
    with pytest.raises(RangeNotSatisfiable):
        parse_range("bytes=-1", 0)
