"""The podcast feed: real tagged audio in, an RSS file that feedparser accepts out."""

from __future__ import annotations

import calendar
import os
import shutil
import struct
import subprocess
import tempfile
import xml.etree.ElementTree as ET
import zlib
from email.utils import parsedate_to_datetime
from pathlib import Path

import feedparser
import imageio_ffmpeg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mutagen.id3 import APIC, COMM, ID3, TALB, TDRC, TIT2, TPE1
from mutagen.mp3 import MP3
from mutagen.mp4 import MP4, MP4Cover

from briefing.errors import InputError, OutputError
from briefing.publish import feed as feed_module
from briefing.publish.feed import FeedSummary, write_feed

BASE = "http://127.0.0.1:8000/briefings/"


def tiny_png(rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid 2x2 PNG, so the cover is a real image without an image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes(rgb) * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def encode(target: Path, seconds: int, codec_args: list[str]) -> Path:
    command = [
        imageio_ffmpeg.get_ffmpeg_exe(),
        "-hide_banner",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency=440:duration={seconds}",
        "-ac",
        "1",
        *codec_args,
        str(target),
    ]
    subprocess.run(command, check=True, capture_output=True)
    return target


@pytest.fixture(scope="module")
def audio_sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Untagged audio made once per module; each test copies and tags its own."""
    folder = tmp_path_factory.mktemp("sources")
    return {
        "mp3-3s": encode(folder / "three.mp3", 3, ["-b:a", "64k"]),
        "mp3-5s": encode(folder / "five.mp3", 5, ["-b:a", "64k"]),
        "m4a-4s": encode(folder / "four.m4a", 4, ["-c:a", "aac", "-b:a", "64k"]),
    }


def make_mp3(
    source: Path,
    target: Path,
    *,
    title: str,
    date: str,
    points: list[str],
    cover: bytes | None = None,
) -> Path:
    shutil.copyfile(source, target)
    audio = MP3(target)
    if audio.tags is None:  # ffmpeg usually writes an encoder frame already
        audio.add_tags()
    tags = audio.tags
    assert isinstance(tags, ID3)
    tags.add(TIT2(encoding=3, text=title))
    tags.add(TPE1(encoding=3, text="briefing"))
    tags.add(TALB(encoding=3, text="Morning Briefings"))
    tags.add(TDRC(encoding=3, text=date))
    tags.add(COMM(encoding=3, lang="eng", desc="", text="\n".join(points)))
    if cover is not None:
        tags.add(APIC(encoding=3, mime="image/png", type=3, desc="Cover", data=cover))
    audio.save(v2_version=4)
    return target


def make_m4a(source: Path, target: Path, *, title: str, date: str, points: list[str]) -> Path:
    shutil.copyfile(source, target)
    audio = MP4(target)
    audio["\xa9nam"] = [title]
    audio["\xa9ART"] = ["briefing"]
    audio["\xa9alb"] = ["Morning Briefings"]
    audio["\xa9day"] = [date]
    audio["\xa9cmt"] = ["\n".join(points)]
    audio["covr"] = [MP4Cover(tiny_png((0, 0, 255)), imageformat=MP4Cover.FORMAT_PNG)]
    audio.save()
    return target


@pytest.fixture
def briefings(tmp_path: Path, audio_sources: dict[str, Path]) -> Path:
    """Two briefings, the newer one with every sidecar, the older with none."""
    folder = tmp_path / "briefings"
    folder.mkdir()
    make_mp3(
        audio_sources["mp3-3s"],
        folder / "older briefing.mp3",
        title="Older news",
        date="2026-11-24T08:00:00",
        points=["First older point.", "Second older point."],
        cover=tiny_png(),
    )
    newer = make_mp3(
        audio_sources["mp3-5s"],
        folder / "newer.mp3",
        title="Newer news & more",
        date="2026-11-25T14:30:00",
        points=["Talks resume.", "Markets <calm>."],
        cover=tiny_png(),
    )
    for suffix, text in {
        ".srt": "1\n00:00:00,000 --> 00:00:02,000\nHello.\n",
        ".vtt": "WEBVTT\n\n00:00.000 --> 00:02.000\nHello.\n",
        ".txt": "Hello.\n",
    }.items():
        newer.with_suffix(suffix).write_text(text, encoding="utf-8")
    (folder / "newer.chapters.json").write_text(
        '{"version": "1.2.0", "chapters": [{"startTime": 0, "title": "Intro"}]}',
        encoding="utf-8",
    )
    return folder


def parse(path: Path) -> feedparser.FeedParserDict:
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def test_feed_parses_and_carries_what_directories_require(briefings: Path) -> None:
    summary = write_feed(briefings, BASE)

    assert summary == FeedSummary(
        path=briefings / "feed.xml",
        url=BASE + "feed.xml",
        items=2,
        cover=briefings / "cover.png",
        skipped=(),
    )
    feed = parse(summary.path).feed
    assert feed.title == "Morning Briefings"  # the album tag, as no title was given
    assert feed.link == BASE
    assert feed.description
    assert feed.language == "en"
    assert feed.author == "briefing"
    assert feed.image.href == BASE + "cover.png"
    assert feed.tags[0].term == "News"
    # feedparser only knows the old "yes"/"clean"; Apple's current spec asks for true/false.
    assert "<itunes:explicit>false</itunes:explicit>" in summary.path.read_text(encoding="utf-8")
    assert any(link.rel == "self" and link.href == BASE + "feed.xml" for link in feed.links)


def test_channel_options_override_the_tags(briefings: Path) -> None:
    summary = write_feed(
        briefings, "https://example.org/pod", "My Show", description="About", author="Ada"
    )

    feed = parse(summary.path).feed
    assert (feed.title, feed.description, feed.author) == ("My Show", "About", "Ada")
    # A base without a trailing slash still yields links under it, not beside it.
    assert feed.image.href == "https://example.org/pod/cover.png"


def test_items_newest_first_with_enclosure_duration_and_description(briefings: Path) -> None:
    entries = parse(write_feed(briefings, BASE).path).entries

    assert [entry.title for entry in entries] == ["Newer news & more", "Older news"]
    newer, older = entries
    assert parsedate_to_datetime(newer.published) > parsedate_to_datetime(older.published)

    (enclosure,) = newer.enclosures
    assert enclosure.href == BASE + "newer.mp3"
    assert enclosure.type == "audio/mpeg"
    assert int(enclosure.length) == (briefings / "newer.mp3").stat().st_size
    # The space in the file name must be escaped for the URL to work in every app.
    assert older.enclosures[0].href == BASE + "older%20briefing.mp3"
    assert int(older.enclosures[0].length) == (briefings / "older briefing.mp3").stat().st_size

    assert int(newer.itunes_duration) == 5
    assert int(older.itunes_duration) == 3
    assert "Talks resume." in newer.summary
    assert "Markets &lt;calm&gt;." in newer.content[0].value  # escaped inside the HTML list
    for entry in entries:
        assert entry.guidislink is False


def test_guids_are_unique_and_stable_across_rewrites(briefings: Path) -> None:
    first = [entry.id for entry in parse(write_feed(briefings, BASE).path).entries]
    (briefings / "older briefing.mp3").touch()  # mtime changes must not make a new episode
    second = [entry.id for entry in parse(write_feed(briefings, BASE).path).entries]
    moved = [
        entry.id
        for entry in parse(write_feed(briefings, "https://elsewhere.example/").path).entries
    ]

    assert len(set(first)) == 2
    assert first == second == moved


def test_rewriting_an_unchanged_directory_gives_the_same_bytes(briefings: Path) -> None:
    first = write_feed(briefings, BASE).path.read_bytes()
    assert write_feed(briefings, BASE).path.read_bytes() == first
    assert not [path for path in briefings.iterdir() if path.name.startswith(".")]


def test_transcript_and_chapter_links_only_where_files_exist(briefings: Path) -> None:
    xml = write_feed(briefings, BASE).path.read_text(encoding="utf-8")
    newer_item, older_item = xml.split("<item>")[1:]

    assert f'url="{BASE}newer.srt" type="application/x-subrip"' in newer_item
    assert f'url="{BASE}newer.vtt" type="text/vtt"' in newer_item
    assert f'url="{BASE}newer.txt" type="text/plain"' in newer_item
    assert f'url="{BASE}newer.chapters.json" type="application/json+chapters"' in newer_item
    assert "podcast:transcript" not in older_item
    assert "podcast:chapters" not in older_item
    assert 'xmlns:podcast="https://podcastindex.org/namespace/1.0"' in xml
    assert 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"' in xml


def test_cover_is_extracted_from_the_newest_briefing(
    tmp_path: Path, audio_sources: dict[str, Path]
) -> None:
    folder = tmp_path / "pod"
    folder.mkdir()
    make_mp3(audio_sources["mp3-3s"], folder / "a.mp3", title="A", date="2026-01-01", points=["x"])
    make_m4a(audio_sources["m4a-4s"], folder / "b.m4a", title="B", date="2026-02-01", points=[])

    summary = write_feed(folder, BASE)

    assert summary.cover == folder / "cover.png"
    assert summary.cover.read_bytes() == tiny_png((0, 0, 255))
    entries = parse(summary.path).entries
    assert [entry.title for entry in entries] == ["B", "A"]
    assert entries[0].enclosures[0].type == "audio/mp4"
    assert int(entries[0].itunes_duration) == 4


def test_a_cover_file_in_the_directory_wins(briefings: Path) -> None:
    (briefings / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")

    summary = write_feed(briefings, BASE)

    assert summary.cover == briefings / "cover.jpg"
    assert not (briefings / "cover.png").exists()


def test_unreadable_audio_is_skipped_and_reported(briefings: Path) -> None:
    (briefings / "broken.mp3").write_bytes(b"this is not audio")

    summary = write_feed(briefings, BASE)

    assert summary.items == 2
    assert summary.skipped == (briefings / "broken.mp3",)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/", "example.org/feed", "http://", "", "http://h:99999/", "http://h/?a"],
)
def test_bad_base_url_is_an_input_error(briefings: Path, url: str) -> None:
    with pytest.raises(InputError) as error:
        write_feed(briefings, url)
    assert error.value.exit_code == 2
    assert "\n" not in str(error.value)
    assert not (briefings / "feed.xml").exists()


def test_empty_and_missing_directories_are_input_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not audio", encoding="utf-8")
    with pytest.raises(InputError, match="No briefings"):
        write_feed(tmp_path, BASE)
    with pytest.raises(InputError, match="does not exist"):
        write_feed(tmp_path / "missing", BASE)
    with pytest.raises(InputError, match="not a directory"):
        write_feed(tmp_path / "notes.txt", BASE)


def test_write_failure_is_an_output_error(briefings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("briefing.atomic.os.replace", refuse)
    with pytest.raises(OutputError, match="cannot write"):
        write_feed(briefings, BASE)
    assert not [path for path in briefings.iterdir() if path.name.startswith(".")]


def test_untagged_audio_still_makes_an_item(tmp_path: Path, audio_sources: dict[str, Path]) -> None:
    folder = tmp_path / "Evening Show"
    folder.mkdir()
    shutil.copyfile(audio_sources["mp3-3s"], folder / "plain.mp3")
    os.utime(folder / "plain.mp3", (1_700_000_000, 1_700_000_000))

    summary = write_feed(folder, BASE)
    first = parse(summary.path)
    second = parse(write_feed(folder, BASE).path)

    assert summary.cover is None  # nothing to show; the CLI should say so
    assert first.feed.title == "Evening Show"
    (entry,) = first.entries
    assert entry.title == "plain"
    assert parsedate_to_datetime(entry.published).timestamp() == 1_700_000_000
    assert entry.id == second.entries[0].id  # the content hash stands in for a date tag


@pytest.mark.parametrize("date", ["2024-13", "0000", "0001-01-01", "2024-02-30",
                                  "2024-00"])
def test_an_odd_date_tag_dates_the_item_by_its_file(
        tmp_path: Path, audio_sources: dict[str, Path], date: str) -> None:
    make_mp3(audio_sources["mp3-3s"], tmp_path / "odd.mp3", title="Odd", date=date,
             points=["A point."])
    summary = write_feed(tmp_path, BASE)
    assert summary.misdated == (tmp_path / "odd.mp3",)
    entry = parse(summary.path).entries[0]
    mtime = (tmp_path / "odd.mp3").stat().st_mtime
    assert abs(calendar.timegm(entry.published_parsed) - mtime) < 2


def test_control_characters_never_reach_the_feed(
        tmp_path: Path, audio_sources: dict[str, Path]) -> None:
    make_mp3(audio_sources["mp3-3s"], tmp_path / "bell.mp3", title="Ring\x07 the\x1b bell",
             date="2026-11-25", points=["Point\x01 one <script>alert(1)</script>."])
    summary = write_feed(tmp_path, BASE, "My\x01 podcast\x1b", author="Me\x0b")
    parsed = parse(summary.path)
    ET.parse(summary.path)
    assert parsed.feed.title == "My podcast"
    entry = parsed.entries[0]
    assert entry.title == "Ring the bell"
    # Plain text that stays text: readers take a description as HTML, and this HTML shows
    # the words, markup and all, where before a sanitizer dropped them.
    assert entry.summary_detail.type == "text/html"
    assert entry.summary == "Point one &lt;script&gt;alert(1)&lt;/script&gt;."


@pytest.mark.parametrize(
    ("url", "published"),
    [("http://127.0.0.1:8000/Briefings café", None),
     ("http://127.0.0.1:8000/Briefings%20caf%C3%A9", "http://127.0.0.1:8000/Briefings%20caf%C3%A9/"),
     ("http://127.0.0.1:8000/café/", "http://127.0.0.1:8000/caf%C3%A9/"),
     ("http://bücher.example/x", "http://xn--bcher-kva.example/x/")],
)
def test_base_urls_are_percent_encoded(briefings: Path, url: str, published: str | None) -> None:
    if published is None:  # a space is refused: it is not clear what was meant
        with pytest.raises(InputError, match="no spaces"):
            write_feed(briefings, url)
        return
    summary = write_feed(briefings, url)
    assert summary.url == published + "feed.xml"
    assert parse(summary.path).entries[0].enclosures[0].href.startswith(published)


@pytest.mark.parametrize("url", ["http://user:secret@127.0.0.1/", "http://user@127.0.0.1/",
                                 "http://127.0.0.1/\x01x/", "http://127.0.0.1/\x7f/"])
def test_credentials_and_control_characters_in_the_base_url_are_refused(
        briefings: Path, url: str) -> None:
    with pytest.raises(InputError) as error:
        write_feed(briefings, url)
    assert "secret" not in str(error.value)
    assert not (briefings / "feed.xml").exists()


def test_a_malformed_feed_never_replaces_the_old_one(
        briefings: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = write_feed(briefings, BASE).path.read_bytes()
    monkeypatch.setattr(feed_module, "_render", lambda *args, **kwargs: b"<rss><channel>")
    with pytest.raises(OutputError, match="malformed"):
        write_feed(briefings, BASE)
    assert (briefings / "feed.xml").read_bytes() == old


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=st.text(max_size=60), tag_title=st.text(max_size=60),
       points=st.lists(st.text(max_size=40), max_size=3), author=st.text(max_size=20))
def test_any_titles_and_tags_make_a_well_formed_feed(
        tmp_path: Path, audio_sources: dict[str, Path], title: str, tag_title: str,
        points: list[str], author: str) -> None:
    folder = Path(tempfile.mkdtemp(dir=tmp_path))
    # mutagen cannot write lone surrogates to a file; everything else goes in as given.
    tag_title, *points = (text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
                          for text in (tag_title, *points))
    make_mp3(audio_sources["mp3-3s"], folder / "x.mp3", title=tag_title, date="2026-11-25",
             points=points)
    summary = write_feed(folder, BASE, title or None, author=author or None)
    ET.parse(summary.path)  # well-formed XML
    parse(summary.path)  # and feedparser's bozo flag is not set
