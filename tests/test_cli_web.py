"""The web from the command line, for real: a URL built into a tagged briefing, `read --json`
built back unchanged, HTML on stdin, and a cron-style feed batch against a loopback server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from mutagen.id3 import ID3

from tests.conftest import run_cli
from tests.web_server import FIXTURES, WebServer

pytestmark = pytest.mark.slow  # end to end: real processes, a real server on loopback


def test_a_url_builds_a_tagged_briefing_without_boilerplate(web: WebServer,
                                                             tmp_path: Path) -> None:
    target = tmp_path / "barrier.mp3"
    result = run_cli("build", web.url("news-story.html"), "-o", target, "-j", "2")
    assert result.code == 0, result.stderr
    tags = ID3(target)
    assert str(tags["TIT2"]) == "Harbour flood barrier opens two years late"
    assert str(tags["TPE1"]) == "Maria Okafor"  # the byline: tagged, never spoken
    transcript = (tmp_path / "barrier.txt").read_text()
    assert transcript.splitlines()[1] == (
        "By Maria Okafor · Coastline News · 2026-11-24 · "
        "https://news.example.org/2026/11/24/harbour-flood-barrier-opens")
    assert "swung shut for the first time" in transcript
    for never in ("Advertisement", "Sign up", "Photograph", "Read more", "@mariaokafor"):
        assert never not in transcript
    feed = run_cli("feed", tmp_path, "--base-url", "http://127.0.0.1:8000/")
    assert feed.code == 0, feed.stderr
    xml = (tmp_path / "feed.xml").read_text()
    assert "<itunes:author>Maria Okafor</itunes:author>" in xml
    assert "<itunes:author>briefing</itunes:author>" in xml  # the podcast's own


def test_the_intro_names_the_publication(web: WebServer) -> None:
    result = run_cli("script", web.url("news-story.html"))
    assert result.stdout.startswith("Here is your briefing, from Coastline News: Harbour "
                                    "flood barrier opens two years late.")


def test_read_json_builds_back_unchanged(web: WebServer, tmp_path: Path) -> None:
    read = run_cli("read", web.url("takeaways.html"), "--json")
    assert read.code == 0, read.stderr
    article = json.loads(read.stdout)
    assert article["author"] == "Priya Raman" and article["site"] == "Metro Science Desk"
    assert len(article["points"]) == 3
    saved = tmp_path / "a.json"
    saved.write_text(read.stdout)
    from_json = run_cli("script", saved)
    from_url = run_cli("script", web.url("takeaways.html"))
    assert from_json.code == from_url.code == 0
    assert from_json.stdout == from_url.stdout
    build = run_cli("build", saved, "-o", tmp_path / "a.mp3", "--no-transcript")
    assert build.code == 0, build.stderr
    again = run_cli("read", saved, "--json")
    assert json.loads(again.stdout) == article


def test_read_shows_what_was_dropped_and_why() -> None:
    result = run_cli("read", FIXTURES / "web" / "news-story.html", "--show-dropped")
    assert result.code == 0, result.stderr
    dropped = result.stdout.split("Dropped:", 1)[1]
    for line in ("[caption] The barrier's eight gates", "[advertisement] Advertisement",
                 "[read more] Read more: Five things", "[byline] By Maria Okafor"):
        assert line in dropped


def test_read_works_on_every_kind_of_input(tmp_path: Path) -> None:
    text = tmp_path / "story.txt"
    text.write_text("The road is closed.\n\nThe coast road was closed on Monday. Crews will "
                    "clear it overnight.\n")
    result = run_cli("read", text)
    assert result.code == 0 and "- The road is closed." in result.stdout


def test_html_on_stdin(tmp_path: Path) -> None:
    page = (FIXTURES / "web" / "wire-story.html").read_bytes()
    result = run_cli("read", "-", stdin=page)
    assert result.code == 0, result.stderr
    assert "Title: Central bank holds rates, signals cut in spring" in result.stdout
    assert "FRANKFURT" not in result.stdout.split("Body:", 1)[1]


def test_a_feed_digest_of_the_latest_items(web: WebServer, tmp_path: Path) -> None:
    result = run_cli("script", web.url("feeds/rss2.xml"), "--latest", "2")
    assert result.code == 0, result.stderr
    assert "with two stories" in result.stdout


def test_feed_batch_builds_only_new_items_and_reports_a_broken_link(
        web: WebServer, tmp_path: Path) -> None:
    out = tmp_path / "site"
    feed = web.url("feeds/rss2-broken-item.xml")
    first = run_cli("batch", feed, "-o", out, "-j", "2", "--no-transcript", timeout=600)
    assert first.code == 1, first.stderr
    failed = [line for line in first.stderr.splitlines() if "failed:" in line]
    assert len(failed) == 1 and "missing-story.html" in failed[0] and "404" in failed[0]
    built = sorted(path.name for path in out.glob("*.mp3"))
    assert len(built) == 3
    state = json.loads((out / ".briefing-feeds.json").read_text())
    assert len(state["feeds"][feed]["built"]) == 3

    pages_before = web.paths().count("/news-story.html")
    second = run_cli("batch", feed, "-o", out, "-j", "2", "--no-transcript", timeout=600)
    assert second.code == 1  # the broken item is tried again, and fails again
    assert web.paths().count("/news-story.html") == pages_before  # a built item: not fetched
    assert sorted(path.name for path in out.glob("*.mp3")) == built


def test_feed_batch_asks_conditionally(web: WebServer, tmp_path: Path) -> None:
    out = tmp_path / "site"
    feed = web.url("etag/rss091.xml")
    first = run_cli("batch", feed, "-o", out, "--no-transcript", timeout=600)
    assert first.code == 0, first.stderr
    second = run_cli("batch", feed, "-o", out, "--no-transcript")
    assert second.code == 0, second.stderr
    assert "no new items" in second.stderr
    assert "If-None-Match" in web.requests[-1][1]


def test_batch_of_page_urls_fetches_each_once(web: WebServer, tmp_path: Path) -> None:
    # A batch first asks a URL whether it is a feed; a page's answer is the page itself, read
    # from that one response (a text article's too, as `build` reads it).
    out = tmp_path / "site"
    result = run_cli("batch", web.url("news-story.html"), web.url("text/coast-road"),
                     "-o", out, "--no-transcript", timeout=600)
    assert result.code == 0, result.stderr
    assert sorted(path.name for path in out.glob("*.mp3")) == ["coast-road.mp3",
                                                               "news-story.mp3"]
    assert web.paths().count("/news-story.html") == 1
    assert web.paths().count("/text/coast-road") == 1


def test_a_page_is_spoken_by_the_voices_made_while_it_was_read(
        web: WebServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server holds the page until the voices are made: made once, while the page was
    read, for the language it then turned out to be in, and the build spoke with them."""
    from briefing import cli, pipeline

    events: list[str] = []
    make_voices, build = pipeline.make_voices, pipeline.build

    def counted(options: pipeline.BuildOptions, language: str = "en") -> pipeline.Voices:
        voices = make_voices(options, language)
        events.append(f"voices {language}")
        web.release.set()
        return voices

    def building(*args: Any, **kwargs: Any) -> pipeline.BuildResult:
        events.append("build")
        return build(*args, **kwargs)

    monkeypatch.setattr(pipeline, "make_voices", counted)
    monkeypatch.setattr(pipeline, "build", building)
    target = tmp_path / "story.mp3"
    assert cli.main(["build", web.url("held/news-story.html"), "-o", str(target), "-q"]) == 0
    assert events == ["voices en", "build"]
    assert target.stat().st_size > 100_000
