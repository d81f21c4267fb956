"""Builds from the page, for real: worker processes, the queue, Cancel, stop and restart."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefing import atomic
from briefing.page.builds import STATE_FOLDER, STOPPED
from briefing.page.server import PageServer, running
from tests.conftest import EXAMPLE, run_cli

pytestmark = pytest.mark.slow  # end to end: real servers, workers and processes

def post_build(server: PageServer, fields: dict[str, str],
               file: tuple[str, bytes] | None = None) -> tuple[int, str]:
    """POST the new-briefing form as the page does; (status, Location or body)."""
    boundary = "----briefing-test-" + secrets.token_hex(4)
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
             f"{value}\r\n".encode() for name, value in
             {"token": server.page.token, **fields}.items()]
    if file is not None:
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                     f'filename="{file[0]}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                     .encode() + file[1] + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    host, port = server.socket.getsockname()[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    try:
        connection.request("POST", "/builds", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": server.address.url.rstrip("/")})
        response = connection.getresponse()
        text = response.read().decode()
        return response.status, response.getheader("location") or text
    finally:
        connection.close()


def events(server: PageServer, build_path: str) -> Iterator[dict[str, Any]]:
    """The build's progress stream, as the page's EventSource reads it, until it ends."""
    host, port = server.socket.getsockname()[:2]
    connection = http.client.HTTPConnection(host, port, timeout=120)
    try:
        connection.request("GET", f"{build_path}/events")
        response = connection.getresponse()
        assert response.status == 200
        assert response.getheader("content-type", "").startswith("text/event-stream")
        for line in response:
            if line.startswith(b"data: "):
                yield json.loads(line[6:])
    finally:
        connection.close()


def final(server: PageServer, build_path: str) -> dict[str, Any]:
    return list(events(server, build_path))[-1]


def unique_article(sentences: int = 40) -> str:
    """An article no cache has seen, long enough to be cancelled while it is spoken."""
    tag = secrets.token_hex(3)
    points = "\n".join(f"Point {n} of batch {tag} is here." for n in range(3))
    body = " ".join(f"Sentence {n} of batch {tag} says something new about the town."
                    for n in range(sentences))
    return f"{points}\n\n{body}\n"


def files_of(folder: Path) -> list[str]:
    """Everything in the folder but the page's own private state."""
    return sorted(name for name in os.listdir(folder) if name != STATE_FOLDER)


def test_a_pasted_article_becomes_a_briefing_in_the_library(tmp_path: Path) -> None:
    with running(tmp_path) as server:
        status, location = post_build(server, {"text": EXAMPLE.read_text(), "title": "Today"})
        assert status == 303
        seen = list(events(server, location))
        assert seen[0]["state"] in ("queued", "running")
        # (Speaking is reported only for segments not in the cache.)
        assert {"start", "read", "encode"} <= {event["stage"] for event in seen}
        assert seen[-1]["state"] == "done", seen[-1]
        assert files_of(tmp_path) == [".today.briefing.json", "today.chapters.json",
                                      "today.mp3", "today.srt", "today.txt", "today.vtt"]
        host, port = server.socket.getsockname()[:2]
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", "/")
        assert b"/b/today.mp3" in connection.getresponse().read()
        # The build's page, loaded once it is done (a reload, the no-script refresh), goes
        # to the briefing, as its script does when the build ends.
        connection.request("GET", location)
        response = connection.getresponse()
        response.read()
        assert (response.status, response.getheader("location")) == (303, "/b/today.mp3")
        # Delete, as the briefing's page does: every file of the set goes, its manifest too.
        connection.request("POST", "/b/today.mp3/delete", body=f"token={server.page.token}",
                           headers={"Content-Type": "application/x-www-form-urlencoded",
                                    "Origin": server.address.url.rstrip("/")})
        response = connection.getresponse()
        response.read()
        assert response.status == 303
        connection.close()
        assert files_of(tmp_path) == []
    assert not list((tmp_path / STATE_FOLDER / "builds").glob("*/"))  # inputs removed


def test_a_second_build_gets_a_free_name_and_waits_its_turn(tmp_path: Path) -> None:
    with running(tmp_path) as server:
        first = post_build(server, {"text": unique_article(10), "title": "Same"})[1]
        second = post_build(server, {"text": unique_article(3), "title": "Same"})[1]
        assert server.page.queue.get(second.rsplit("/", 1)[1]).state == "queued"
        assert final(server, first)["state"] == "done"
        assert final(server, second)["target"] == "same-2.mp3"
    assert "same.mp3" in files_of(tmp_path) and "same-2.mp3" in files_of(tmp_path)


def test_errors_are_the_words_the_cli_prints(tmp_path: Path) -> None:
    binary = bytes(range(256)) * 8
    (tmp_path / "photo.png").write_bytes(binary)
    cli = run_cli("build", "photo.png", cwd=tmp_path)
    assert cli.code == 2
    library = tmp_path / "library"
    library.mkdir()
    with running(library) as server:
        location = post_build(server, {}, file=("photo.png", binary))[1]
        end = final(server, location)
    assert end["state"] == "failed"
    assert f"briefing: error: {end['message']}" == cli.stderr.strip()
    assert files_of(library) == []


@pytest.mark.parametrize("fields", [
    {"text": "One point.", "rate": "9000"},
    {"url": "http://127.0.0.1:9/article"},
])
def test_bad_options_and_unreadable_urls_fail_with_one_line(tmp_path: Path,
                                                            fields: dict[str, str]) -> None:
    with running(tmp_path) as server:
        end = final(server, post_build(server, fields)[1])
    assert end["state"] == "failed"
    assert end["message"] and "\n" not in end["message"]
    assert "Traceback" not in end["message"]
    assert files_of(tmp_path) == []


def test_cancel_leaves_no_files(tmp_path: Path) -> None:
    with running(tmp_path) as server:
        location = post_build(server, {"text": unique_article(60)})[1]
        build_id = location.rsplit("/", 1)[1]
        for event in events(server, location):
            if event["stage"] == "synthesize":
                server.page.queue.cancel(build_id)
                break
        assert final(server, location)["state"] == "cancelled"
    assert files_of(tmp_path) == []
    assert not any(name.endswith(".part") for name in os.listdir(tmp_path))


def test_stopping_the_server_fails_its_build_and_cleans_up(tmp_path: Path) -> None:
    with running(tmp_path) as server:
        location = post_build(server, {"text": unique_article(60)})[1]
        build_id = location.rsplit("/", 1)[1]
        for event in events(server, location):
            if event["stage"] == "synthesize":
                break
    assert files_of(tmp_path) == []
    record = json.loads((tmp_path / STATE_FOLDER / "builds" / f"{build_id}.json").read_text())
    assert (record["state"], record["message"]) == ("failed", STOPPED)


def test_a_restart_marks_unfinished_builds_failed_and_sweeps_leftovers(tmp_path: Path) -> None:
    # What a server killed with SIGKILL leaves: a "running" record, its input, a worker's
    # half-written file (its process is gone) and the target it had begun.
    builds = tmp_path / STATE_FOLDER / "builds"
    (builds / "abc").mkdir(parents=True)
    (builds / "abc" / "pasted.txt").write_text("One point.")
    record = {"id": "abc", "spec": {"title": "", "engine": "pyttsx3", "voice": "", "rate": 175},
              "source": "pasted.txt", "target": "left.mp3", "state": "running",
              "stage": "synthesize", "done": 3, "total": 9, "message": "", "created": 1.0,
              "version": 4}
    (builds / "abc.json").write_text(json.dumps(record))
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from briefing "
                    "import atomic; atomic.create_part(Path(sys.argv[1]), 'left.mp3')",
                    str(tmp_path)], check=True)  # a process that is gone now
    assert any(atomic.is_part(name) for name in os.listdir(tmp_path))
    (tmp_path / "left.vtt").write_text("WEBVTT\n")
    with running(tmp_path) as server:
        build = server.page.queue.get("abc")
        assert (build.state, build.message) == ("failed", STOPPED)
        host, port = server.socket.getsockname()[:2]
        connection = http.client.HTTPConnection(host, port, timeout=10)
        connection.request("GET", "/builds/abc")
        page = connection.getresponse().read().decode()
        connection.close()
        assert STOPPED in page
    assert files_of(tmp_path) == []
    assert not (builds / "abc").exists()


def test_a_killed_server_s_worker_stops_and_a_restart_shows_the_build_failed(
        tmp_path: Path) -> None:
    server = subprocess.Popen([sys.executable, "-m", "briefing", "serve", str(tmp_path),
                               "--port", "0", "-q"], stderr=subprocess.PIPE, text=True)
    try:
        assert server.stderr is not None
        address = re.search(r"at http://([\d.]+):(\d+)/", server.stderr.readline())
        assert address is not None
        host, port = address.group(1), int(address.group(2))
        connection = http.client.HTTPConnection(host, port, timeout=30)
        connection.request("GET", "/new")
        token = re.search(r'name="token" value="([^"]+)"', connection.getresponse().read()
                          .decode())
        assert token is not None
        body, boundary = (f'--b\r\nContent-Disposition: form-data; name="token"\r\n\r\n'
                          f'{token.group(1)}\r\n--b\r\nContent-Disposition: form-data; '
                          f'name="text"\r\n\r\n{unique_article(60)}\r\n--b--\r\n'), "b"
        connection.request("POST", "/builds", body=body.encode(), headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Origin": f"http://{host}:{port}"})
        response = connection.getresponse()
        response.read()
        build_id = response.getheader("location", "").rsplit("/", 1)[1]
        connection.request("GET", f"/builds/{build_id}/events")
        for line in connection.getresponse():
            if b'"stage": "synthesize"' in line:
                break
        record = tmp_path / STATE_FOLDER / "builds" / f"{build_id}.json"
        worker = json.loads(record.read_text())["worker"]
        assert worker
        watch = os.pidfd_open(worker)
        server.kill()
        server.wait()
        connection.close()
    finally:
        if server.poll() is None:
            server.kill()
    # The worker sees its server gone (end of its stdin), stops and cleans up by itself.
    readable, _, _ = select.select([watch], [], [], 120)
    os.close(watch)
    assert readable, "the worker outlived its server"
    assert files_of(tmp_path) == []
    with running(tmp_path) as restarted:
        build = restarted.page.queue.get(build_id)
    assert (build.state, build.message) == ("failed", STOPPED)


def test_a_read_only_folder_is_served_for_listening_and_says_why_it_cannot_build(
        tmp_path: Path, example_build: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    shutil.copy(example_build, folder / "story.mp3")
    folder.chmod(0o555)
    try:
        if os.access(folder, os.W_OK):  # root writes anyway: take writing away another way
            (folder / STATE_FOLDER).write_text("a file where the page's folder would go")
        with running(folder) as server:
            host, port = server.socket.getsockname()[:2]
            connection = http.client.HTTPConnection(host, port, timeout=30)
            connection.request("GET", "/story.mp3", headers={"Range": "bytes=0-9"})
            assert connection.getresponse().read() == example_build.read_bytes()[:10]
            connection.request("GET", "/new")
            assert f"cannot build into {folder}".encode() in connection.getresponse().read()
            connection.close()
            status, answer = post_build(server, {"text": "One point. Then a story."})
        assert status == 400
        assert f"cannot build into {folder}" in answer
    finally:
        folder.chmod(0o755)
