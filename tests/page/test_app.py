"""The page's server over HTTP, run for real on an ephemeral loopback port.

Every hole found in the old hand-written server is a test here: a folder's symlinked
index.html, names of hidden and temporary files in the listing, a huge Range header or a
300-character name left without a response, control characters written to the log, a
truncated file hanging a keep-alive client, a FIFO pinning a thread.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest

from briefing.page import app as app_module
from briefing.page.builds import STATE_FOLDER
from briefing.page.server import PageServer, running

pytestmark = pytest.mark.slow  # end to end: real servers, workers and processes

SECRET = "secret outside the served directory"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, example_build: Path) -> Path:
    """A folder with one briefing and every kind of thing that must never be served."""
    root = tmp_path_factory.mktemp("site")
    (root / "secret.txt").write_text(SECRET, encoding="utf-8")
    folder = root / "briefings"
    folder.mkdir()
    for source in example_build.parent.glob(example_build.stem + ".*"):
        shutil.copy(source, folder / source.name.replace(example_build.stem, "story"))
    shutil.copy(example_build, root / "outside.mp3")
    shutil.copy(example_build, folder / ".hidden.mp3")
    (folder / f".story.mp3.host.{os.getpid()}-0123abcd.part").write_bytes(b"half")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[core]\n", encoding="utf-8")
    (folder / "sub").mkdir()
    (folder / "sub" / "index.html").symlink_to(root / "secret.txt")
    (folder / "sub" / "index.htm").symlink_to(root / "secret.txt")
    (folder / "escape.mp3").symlink_to(root / "outside.mp3")
    (folder / "story-link.vtt").symlink_to(root / "secret.txt")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not a briefing")
    (folder / "feed.xml").write_text("<rss version='2.0'><channel>stale</channel></rss>",
                                     encoding="utf-8")
    os.mkfifo(folder / "pipe.mp3")
    os.mkfifo(folder / "story-2.vtt")
    return folder


@pytest.fixture(scope="module")
def log() -> list[str]:
    return []


@pytest.fixture(scope="module")
def server(site: Path, log: list[str]) -> Iterator[PageServer]:
    with running(site, on_log=log.append) as server:
        yield server


def request(server: PageServer, method: str, path: str, headers: dict[str, str] | None = None,
            body: bytes | None = None) -> tuple[int, dict[str, str], bytes]:
    host, port = server.socket.getsockname()[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def raw(server: PageServer, data: bytes, timeout: float = 10) -> bytes:
    """Send bytes as they are; return the first response (head and body)."""
    with socket.create_connection(server.socket.getsockname()[:2], timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while b"\r\n\r\n" not in received and (chunk := sock.recv(65536)):
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        length = re.search(rb"content-length: (\d+)", head, re.IGNORECASE)
        while length and len(body) < int(length.group(1)) and (chunk := sock.recv(65536)):
            body += chunk
        return head + b"\r\n\r\n" + body


def origin(server: PageServer) -> str:
    return server.address.url.rstrip("/")


# -- what is listed and what is served ------------------------------------------------------


def test_the_library_lists_the_briefing_and_nothing_else(server: PageServer, site: Path) -> None:
    status, headers, body = request(server, "GET", "/")
    assert status == 200
    assert headers["content-type"].startswith("text/html")
    page = body.decode()
    assert "/b/story.mp3" in page
    for name in [".hidden", ".part", ".git", "sub", "escape", "notes.pdf", "pipe", "outside",
                 "story-link", "story-2"]:
        assert name not in page, name


@pytest.mark.parametrize(("path", "content_type"), [
    ("/story.mp3", "audio/mpeg"),
    ("/story.vtt", "text/vtt; charset=utf-8"),
    ("/story.srt", "application/x-subrip; charset=utf-8"),
    ("/story.txt", "text/plain; charset=utf-8"),
    ("/story.chapters.json", "application/json"),
    ("/feed.xml", "application/xml; charset=utf-8"),
    ("/static/page.css", "text/css; charset=utf-8"),
    ("/static/page.js", "text/javascript; charset=utf-8"),
    ("/b/story.mp3", "text/html; charset=utf-8"),
    ("/new", "text/html; charset=utf-8"),
])
def test_served_names_and_their_types(server: PageServer, path: str, content_type: str) -> None:
    status, headers, _ = request(server, "GET", path)
    assert (status, headers["content-type"]) == (200, content_type)


@pytest.mark.parametrize("path", [
    "/sub/", "/sub", "/sub/index.html", "/sub/index.htm", "/.hidden.mp3", "/.git/config",
    "/.git/", f"/.story.mp3.host.{os.getpid()}-0123abcd.part", "/escape.mp3", "/story-link.vtt",
    "/notes.pdf", "/pipe.mp3", "/story-2.vtt", "/../secret.txt", "/%2e%2e/secret.txt",
    "/..%2fsecret.txt", "/sub/..%2f..%2fsecret.txt", "//etc/passwd", "/story.mp3/",
    "/feed.xml/", "/" + "a" * 300 + ".mp3", "/art/escape.mp3", "/static/../builds.py",
    f"/{STATE_FOLDER}/builds/", "/b/notes.pdf", "/builds/nope",
])
def test_nothing_else_is_reachable(server: PageServer, path: str) -> None:
    status, _, body = request(server, "GET", path)
    assert status == 404
    assert SECRET.encode() not in body
    assert b"[core]" not in body


def test_the_feed_is_current_and_addressed_to_the_server(server: PageServer) -> None:
    status, _, body = request(server, "GET", "/feed.xml")
    assert status == 200
    feed = feedparser.parse(body)
    assert not feed.bozo
    (entry,) = feed.entries
    (enclosure,) = entry.enclosures
    assert enclosure.href == server.address.url + "story.mp3"
    assert b"stale" not in body
    # No cover file in the folder: the briefing's own picture, at the URL `briefing feed`
    # would give it, without writing anything into the folder.
    assert feed.feed.image.href == server.address.url + "cover.png"
    status, headers, picture = request(server, "GET", "/cover.png")
    assert (status, headers["content-type"], picture[:4]) == (200, "image/png", b"\x89PNG")
    assert request(server, "GET", "/cover.jpg")[0] == 404


def test_a_fifo_never_pins_the_server(server: PageServer) -> None:
    # Twenty requests for the FIFO (more than any thread pool's spare threads) all answer.
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        request(server, "GET", "/pipe.mp3")[0])) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert results == [404] * 20
    assert request(server, "GET", "/story.vtt")[0] == 200


# -- ranges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "expected"), [
    ("bytes=0-9", slice(0, 10)),
    ("bytes=100-", slice(100, None)),
    ("bytes=-50", slice(-50, None)),
    ("bytes=1000-1999999999", slice(1000, None)),
])
def test_a_range_gets_exactly_those_bytes(server: PageServer, site: Path, header: str,
                                          expected: slice) -> None:
    data = (site / "story.mp3").read_bytes()
    status, headers, body = request(server, "GET", "/story.mp3", {"Range": header})
    assert status == 206
    assert body == data[expected]
    start = expected.start if expected.start >= 0 else len(data) + expected.start
    assert headers["content-range"] == f"bytes {start}-{start + len(body) - 1}/{len(data)}"


@pytest.mark.parametrize("header", [
    "bytes=999999999-", "bytes=" + "9" * 4400 + "-", "bytes=0-" + "9" * 4400,
    "bytes=" + "1" * 30 + "-" + "2" * 30,
])
def test_unsatisfiable_or_absurd_ranges_are_416(server: PageServer, site: Path,
                                                header: str) -> None:
    status, headers, _ = request(server, "GET", "/story.mp3", {"Range": header})
    assert status == 416
    assert headers["content-range"] == f"bytes */{(site / 'story.mp3').stat().st_size}"


def test_head_with_a_range_sends_headers_only(server: PageServer) -> None:
    status, headers, body = request(server, "HEAD", "/story.mp3", {"Range": "bytes=0-99"})
    assert (status, headers["content-length"], body) == (206, "100", b"")


def test_seeks_on_one_keep_alive_connection(server: PageServer, site: Path) -> None:
    data = (site / "story.mp3").read_bytes()
    host, port = server.socket.getsockname()[:2]
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        for start in (0, 5000, 123_456, len(data) - 10):
            connection.request("GET", "/story.mp3", headers={"Range": f"bytes={start}-"})
            response = connection.getresponse()
            assert response.status == 206
            assert response.read() == data[start:]
    finally:
        connection.close()


def test_a_thousand_concurrent_range_requests(server: PageServer, site: Path) -> None:
    data = (site / "story.mp3").read_bytes()
    host, port = server.socket.getsockname()[:2]

    async def one(index: int) -> bool:
        start = (index * 997) % (len(data) - 2000)
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(f"GET /story.mp3 HTTP/1.1\r\nHost: {host}:{port}\r\nRange: bytes="
                     f"{start}-{start + 999}\r\nConnection: close\r\n\r\n".encode())
        response = await reader.read()
        writer.close()
        head, _, body = response.partition(b"\r\n\r\n")
        return head.startswith(b"HTTP/1.1 206") and body == data[start:start + 1000]

    async def all_of_them() -> list[bool]:
        return await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(1000))), 120)

    assert all(asyncio.run(all_of_them()))


def test_slow_clients_do_not_hold_up_others(server: PageServer) -> None:
    address = server.socket.getsockname()[:2]
    idle = [socket.create_connection(address, timeout=10) for _ in range(20)]
    trickling = [socket.create_connection(address, timeout=10) for _ in range(10)]
    try:
        for sock in trickling:
            sock.sendall(b"GET /story.vtt HTTP/1.1\r\n")
        started = time.monotonic()
        for _ in range(5):
            for sock in trickling:
                sock.sendall(b"X-Slow: 1\r\n")
            assert request(server, "GET", "/story.vtt")[0] == 200
        assert time.monotonic() - started < 10
        for sock in trickling:
            sock.sendall(b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n")
            assert sock.recv(12) == b"HTTP/1.1 200"
    finally:
        for sock in idle + trickling:
            sock.close()


# -- holes of the old server ----------------------------------------------------------------


def test_the_log_never_carries_control_characters(server: PageServer, log: list[str]) -> None:
    request(server, "GET", "/%1b%5b2J%1b]0;pwned%07")
    raw(server, b"GET /\x1b[2J\x07 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    raw(server, b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-\x1b: \x07\r\n\r\n")
    request(server, "GET", "/?token=secret-value")
    assert log
    for line in log:
        assert not re.search(r"[\x00-\x1f\x7f-\x9f]", line), line
        assert "secret-value" not in line
    assert any('"GET /?token=…" 200' in line for line in log)


def test_a_truncated_file_closes_the_connection(tmp_path: Path, example_build: Path) -> None:
    folder = tmp_path / "lib"
    folder.mkdir()
    audio = folder / "long.mp3"
    # Padding after the audio frames: still one briefing to mutagen, big enough that the
    # sending is under way when the file is cut.
    audio.write_bytes(example_build.read_bytes() + bytes(48 * 2**20))
    with running(folder) as server, socket.create_connection(
            server.socket.getsockname()[:2], timeout=20) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.sendall(b"GET /long.mp3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        received = sock.recv(65536)
        os.truncate(audio, 100_000)
        while chunk := sock.recv(1 << 20):  # ends when the server closes the connection
            received += chunk
        head, _, body = received.partition(b"\r\n\r\n")
        length = int(re.search(rb"content-length: (\d+)", head, re.I).group(1))
        assert len(body) < length


def test_another_host_name_is_refused_on_loopback(server: PageServer) -> None:
    # DNS rebinding: a page from evil.example whose name now points at 127.0.0.1.
    port = server.socket.getsockname()[1]
    status, _, _ = request(server, "GET", "/", {"Host": f"evil.example:{port}"})
    assert status == 403
    assert request(server, "GET", "/", {"Host": "localhost"})[0] == 200


# -- actions need the token and the page's own origin ---------------------------------------


def form_body(fields: dict[str, str]) -> tuple[bytes, str]:
    boundary = "----briefing-test"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
             for name, value in fields.items()]
    return ("".join(parts) + f"--{boundary}--\r\n").encode(), \
        f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(("with_origin", "with_token", "status"), [
    (None, True, 403),
    ("http://evil.example", True, 403),
    ("null", True, 403),
    ("same", False, 403),
    ("same", "wrong", 403),
])
def test_building_needs_the_token_and_the_origin(server: PageServer, site: Path,
                                                 with_origin: str | None,
                                                 with_token: bool | str, status: int) -> None:
    token = server.page.token if with_token is True else (with_token or "")
    body, content_type = form_body({"token": token, "text": "One point. Then a story."})
    headers = {"Content-Type": content_type}
    if with_origin is not None:
        headers["Origin"] = origin(server) if with_origin == "same" else with_origin
    before = sorted(os.listdir(site))
    assert request(server, "POST", "/builds", headers, body)[0] == status
    assert sorted(os.listdir(site)) == before
    assert server.page.queue.builds() == []


@pytest.mark.parametrize("path", ["/b/story.mp3/delete", "/builds/nope/cancel"])
def test_delete_and_cancel_need_the_token(server: PageServer, site: Path, path: str) -> None:
    body, content_type = form_body({"token": "wrong"})
    for headers in ({"Content-Type": content_type, "Origin": origin(server)},
                    {"Content-Type": content_type, "Origin": "http://evil.example",
                     "X-Briefing-Token": server.page.token}):
        assert request(server, "POST", path, headers, body)[0] == 403
    assert (site / "story.mp3").exists()


def test_an_oversized_upload_is_refused_before_it_is_read(server: PageServer) -> None:
    host = origin(server).removeprefix("http://")
    head = (f"POST /builds HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin(server)}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {6 * 2**20}\r\n\r\n").encode()
    answer = raw(server, head)  # no body is sent: the answer must not wait for it
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"up to 5 MB" in answer


def test_an_oversized_chunked_upload_is_refused(server: PageServer) -> None:
    host, port = server.socket.getsockname()[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    chunk = b"x" * 2**20

    def body() -> Iterator[bytes]:
        yield b"--x\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\n"
        for _ in range(7):
            yield chunk

    try:
        connection.request("POST", "/builds", body=body(), encode_chunked=True, headers={
            "Origin": origin(server), "Content-Type": "multipart/form-data; boundary=x",
            "Transfer-Encoding": "chunked"})
        assert connection.getresponse().status == 413
    except (BrokenPipeError, ConnectionResetError):
        pass  # refused while still sending: also no build
    finally:
        connection.close()
    assert server.page.queue.builds() == []


def test_another_computer_needs_the_access_link(site: Path, monkeypatch: pytest.MonkeyPatch,
                                                tmp_path: Path) -> None:
    # Listening beyond loopback is simulated on loopback (tests never leave this machine):
    # a client from 127.0.0.2 stands for another computer.
    monkeypatch.setattr(app_module, "_is_local_client", lambda host: host == "127.0.0.1")
    folder = tmp_path / "lib"
    folder.mkdir()
    with running(folder) as server:
        server.page.loopback_only = False
        host, port = server.socket.getsockname()[:2]

        def remote(method: str, path: str, headers: dict[str, str],
                   body: bytes | None = None) -> http.client.HTTPResponse:
            connection = http.client.HTTPConnection(host, port, timeout=10,
                                                    source_address=("127.0.0.2", 0))
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            connection.close()
            return response

        assert remote("GET", "/", {}).status == 200  # reading stays open
        assert remote("GET", "/feed.xml", {}).status == 200
        body, content_type = form_body({"token": server.page.token, "text": "x"})
        headers = {"Content-Type": content_type, "Origin": f"http://{host}:{port}"}
        assert remote("POST", "/builds", headers, body).status == 403
        granted = remote("GET", f"/?token={server.page.access_token}", {})
        assert granted.status == 303
        cookie = granted.getheader("set-cookie", "").split(";")[0]
        assert cookie.startswith(f"{app_module.ACCESS_COOKIE}=")
        assert remote("GET", "/?token=wrong", {}).status == 200  # no cookie for a wrong one
        body, content_type = form_body({"token": server.page.token, "text": "One point."})
        answer = remote("POST", "/builds", {**headers, "Cookie": cookie}, body)
        assert answer.status == 303
        assert answer.getheader("location", "").startswith("/builds/")


# -- the command ----------------------------------------------------------------------------


@pytest.mark.parametrize("stop", [15, 2])  # SIGTERM, SIGINT
def test_the_command_says_where_and_stops_cleanly(tmp_path: Path, stop: int) -> None:
    process = subprocess.Popen([sys.executable, "-m", "briefing", "serve", str(tmp_path),
                                "--port", "0"], stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        first = process.stderr.readline()
        url = re.search(r"at (http://127\.0\.0\.1:\d+/) ", first)
        assert url, first
        host, port = url.group(1)[7:-1].split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", "/feed.xml")
        assert connection.getresponse().status == 200
        connection.close()
        process.send_signal(stop)
        rest = process.stderr.read()
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
    assert rest.strip().endswith("Stopped.")
    assert "terminated" not in rest and "interrupted" not in rest
    assert "Traceback" not in rest


def test_a_busy_port_and_a_missing_folder_are_one_line_errors(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "briefing", "serve", str(tmp_path),
                                 "--port", str(port)], capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 2
    assert result.stderr.startswith(f"briefing: error: Cannot listen on 127.0.0.1 port {port}")
    assert len(result.stderr.strip().splitlines()) == 1
    missing = subprocess.run([sys.executable, "-m", "briefing", "serve", str(tmp_path / "no")],
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2
    assert "is not a directory" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1


def test_the_form_offers_the_engine_s_voices(server: PageServer) -> None:
    status, _, body = request(server, "GET", "/new")
    assert status == 200
    assert b'<option value="en-us">' in body  # from `briefing voices`, asked of a worker
    assert f'name="token" value="{server.page.token}"'.encode() in body


def test_a_missing_framework_is_one_line_naming_the_install(tmp_path: Path) -> None:
    blocker = tmp_path / "blocked"
    (blocker / "starlette").mkdir(parents=True)
    (blocker / "starlette" / "__init__.py").write_text(
        "raise ModuleNotFoundError('No module named starlette', name='starlette')\n")
    result = subprocess.run([sys.executable, "-m", "briefing", "serve", str(tmp_path)],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": str(blocker)})
    assert result.returncode == 1
    assert result.stderr == ("briefing: error: the page needs starlette, which is not "
                             "installed: pip install starlette uvicorn python-multipart\n")
