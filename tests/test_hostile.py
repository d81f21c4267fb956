"""Hostile and huge inputs through the real command line: each is refused (or handled) at
once with one line, exit 2 and no file; none takes more than 10 s.

The table in the README's "What happens when things go wrong" lists these cases.
"""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from tests.conftest import EXAMPLE, ROOT, run_cli

pytestmark = pytest.mark.slow  # end to end: the real command line, engines, encoder

REFUSE_WITHIN = 10  # seconds: the bound for refusing anything
# Reading the repetitions whole (not a refusal) takes about 1.5 s of CPU; the guard is 20x
# that, for a machine as loaded as this one was (wall time 6.7 s at a load of 25).
READ_WITHIN = 30


def png_header(width: int, height: int) -> bytes:
    body = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(body)) + b"IHDR" + body
            + struct.pack(">I", zlib.crc32(b"IHDR" + body)))


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return path


def refused(tmp_path: Path, *args: str | Path, message: str) -> None:
    """The command fails with exit 2 and exactly one line holding `message`; no file."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    result = run_cli(*args, "-o", out / "x.mp3", timeout=REFUSE_WITHIN, cwd=tmp_path)
    assert result.code == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefing: error: "), result.stderr
    assert message in lines[0], lines[0]
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("article", "message"),
    [("/dev/zero", "/dev/zero is larger than 4 MB, the most briefing reads"),
     ("/dev/urandom", "/dev/urandom is larger than 4 MB")],
)
def test_endless_devices_are_refused(tmp_path: Path, article: str, message: str) -> None:
    refused(tmp_path, "build", article, message=message)


def test_endless_stdin_is_refused(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        process = subprocess.run(
            [sys.executable, "-m", "briefing", "build", "-", "-o", str(tmp_path / "x.mp3")],
            stdin=zero, capture_output=True, cwd=ROOT, timeout=REFUSE_WITHIN)
    assert process.returncode == 2
    assert process.stderr.decode() == ("briefing: error: <stdin> is larger than 4 MB, the "
                                       "most briefing reads\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("option", "content", "message"),
    [("--cover", Path("/dev/zero"), "cover image /dev/zero is larger than 10 MB"),
     ("--lexicon", Path("/dev/zero"), "lexicon file /dev/zero is larger than 1 MB"),
     ("--cover", png_header(20000, 20000), "declares 20000x20000 pixels"),
     ("--cover", png_header(4294967295, 1), "declares 4294967295x1 pixels"),
     ("--lexicon", 'word = "' + "and again " * 10_200 + '"\n',
      "the spoken form of 'word' is longer than 200 characters"),
     ("--lexicon", "a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply")],
    ids=["cover-dev-zero", "lexicon-dev-zero", "cover-bomb", "cover-ihdr-max",
         "lexicon-102kB-value", "lexicon-nested-5000"],
)
def test_hostile_covers_and_lexicons_are_refused(
        tmp_path: Path, option: str, content: Path | str | bytes, message: str) -> None:
    value = content if isinstance(content, Path) else write(tmp_path / "given", content)
    refused(tmp_path, "build", EXAMPLE, option, value, message=message)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("deep.json", "[" * 10_000 + "]" * 10_000, "nested too deeply"),
     ("points.json", '{"points": ' + "[" * 10_000 + "]" * 10_000 + "}", "nested too deeply"),
     ("huge.txt", "Officials said the council met and talked about the budget. " * 52_000,
      "would make about 50 hours of speech; the longest briefing is 12 hours")],
)
def test_hostile_articles_are_refused(tmp_path: Path, name: str, content: str,
                                      message: str) -> None:
    refused(tmp_path, "build", write(tmp_path / name, content), message=message)


@pytest.mark.parametrize("unit", ["*a ", "[a](", "_x", "A. "])
def test_markup_like_repetitions_are_read_fast(tmp_path: Path, unit: str) -> None:
    count = {"*a ": 40_000, "[a](": 30_000, "_x": 50_000, "A. ": 100_000}[unit]
    article = write(tmp_path / "a.md", f"- A point.\n\nBody. {unit * count}\n")
    result = run_cli("script", article, timeout=READ_WITHIN)
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_a_folder_named_like_a_cache_entry_does_not_stop_clearing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    entry = cache / "ab" / ("ab" + "0" * 62 + ".seg")
    entry.mkdir(parents=True)
    result = run_cli("cache", "--clear", "--cache-dir", cache, timeout=REFUSE_WITHIN)
    assert result.code == 0, result.stderr
    assert entry.is_dir()


@pytest.mark.parametrize("date", ["2024-13", "0000", "0001-01-01"])
def test_a_feed_with_an_odd_date_tag_warns_and_is_written(
        tmp_path: Path, example_build: Path, date: str) -> None:
    from mutagen.id3 import ID3, TDRC

    folder = tmp_path / "feed"
    folder.mkdir()
    audio = folder / "odd.mp3"
    audio.write_bytes(example_build.read_bytes())
    tags = ID3(audio)
    tags.add(TDRC(encoding=3, text=date))
    tags.save(audio)
    result = run_cli("feed", folder, "--base-url", "http://127.0.0.1:8000/",
                     timeout=REFUSE_WITHIN)
    assert result.code == 0, result.stderr
    assert (f"briefing: warning: {audio} has a date tag that is not a date; dated by its "
            "modification time") in result.stderr
    assert "Traceback" not in result.stderr
    assert (folder / "feed.xml").exists()


@pytest.mark.parametrize(
    ("option", "message"),
    [("--title=Bell\x07", None),
     ("--base-url=http://me:secret@127.0.0.1/", "user name or password")],
)
def test_feed_entries_with_control_characters_or_credentials(
        tmp_path: Path, example_build: Path, option: str, message: str | None) -> None:
    import feedparser

    (tmp_path / "a.mp3").write_bytes(example_build.read_bytes())
    base = [] if option.startswith("--base-url") else ["--base-url", "http://127.0.0.1/"]
    result = run_cli("feed", tmp_path, *base, option, timeout=REFUSE_WITHIN)
    if message is None:
        assert result.code == 0, result.stderr
        parsed = feedparser.parse((tmp_path / "feed.xml").read_bytes())
        assert not parsed.bozo and parsed.feed.title == "Bell"
    else:
        assert result.code == 2 and message in result.stderr
        assert "secret" not in result.stderr
        assert not (tmp_path / "feed.xml").exists()


def test_refusals_leave_no_temporary_files(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    result = run_cli("build", "/dev/zero", "-o", tmp_path / "x.mp3",
                     env={"TMPDIR": str(scratch)}, timeout=REFUSE_WITHIN)
    assert result.code == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tmp"]
    assert list(scratch.iterdir()) == []
    assert os.environ.get("TMPDIR") != str(scratch)
