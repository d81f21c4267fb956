"""Podcast-grade output, checked by real readers: ffmpeg, mutagen, feedparser, an HTTP client."""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from pathlib import Path

import feedparser
import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp4 import MP4

from briefing.page.server import running
from briefing.runtime import ffmpeg_executable
from tests.conftest import EXAMPLE, decode, run_cli

pytestmark = pytest.mark.slow  # end to end: real engines, encoder, processes

STORY_A = "# Spring prices\n\n- Prices rose again in March.\n\nWages did not. Rents did.\n"
STORY_B = "Rents climbed in April.\nCouncils promised help. It has not come yet.\n"


def ffmpeg_chapters(path: Path) -> list[tuple[int, int, str]]:
    """(start ms, end ms, title) of each chapter, as ffmpeg's demuxer reads them."""
    out = subprocess.run([ffmpeg_executable(), "-v", "error", "-copyts", "-i", str(path),
                          "-f", "ffmetadata", "-"], capture_output=True, text=True,
                         check=True).stdout
    chapters = []
    for block in out.split("[CHAPTER]")[1:]:
        fields = dict(line.split("=", 1) for line in block.strip().splitlines() if "=" in line)
        base = fields["TIMEBASE"].split("/")
        scale = 1000 * int(base[0]) / int(base[1])
        chapters.append((round(int(fields["START"]) * scale), round(int(fields["END"]) * scale),
                         fields["title"]))
    return chapters


def ebur128(path: Path) -> tuple[float, float]:
    """Integrated loudness (LUFS) and true peak (dBTP) as ffmpeg's ebur128 filter measures."""
    err = subprocess.run([ffmpeg_executable(), "-nostats", "-i", str(path), "-af",
                          "ebur128=peak=true", "-f", "null", "-"], capture_output=True,
                         text=True, check=True).stderr
    summary = err[err.rindex("Summary:"):]
    loudness = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return loudness, peak


def srt_cues(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.splitlines()
        start, end = (_srt_ms(t) for t in lines[1].split(" --> "))
        cues.append((start, end, " ".join(lines[2:])))
    return cues


def _srt_ms(stamp: str) -> float:
    h, m, rest = stamp.split(":")
    s, ms = rest.split(",")
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def test_example_has_chapters_everyone_reads(example_build: Path) -> None:
    chapters = ffmpeg_chapters(example_build)
    assert [c[2] for c in chapters] == ["Intro", "Key points", "The full story", "Outro"]
    duration_ms = 1000 * len(decode(example_build)) / 22050
    assert chapters[0][0] == 0
    assert abs(chapters[-1][1] - duration_ms) < 100
    tags = ID3(example_build)
    toc = tags.getall("CTOC")[0]
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert list(toc.child_element_ids) == [c.element_id for c in chaps]
    assert [(c.start_time, c.end_time) for c in chaps] == [(c[0], c[1]) for c in chapters]
    assert tags.getall("APIC")[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(example_build.with_suffix(".chapters.json").read_text())
    assert [round(c["startTime"] * 1000) for c in data["chapters"]] == [c[0] for c in chapters]


def test_chapters_and_cues_start_where_speech_starts(example_build: Path) -> None:
    samples = decode(example_build).astype(np.float64)
    rate = 22.05  # samples per ms
    cues = srt_cues(example_build.with_suffix(".srt").read_text())
    assert len(cues) == 25

    def loudness(start_ms: float, end_ms: float) -> float:
        part = samples[int(start_ms * rate):int(end_ms * rate)]
        return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0

    for start, end, text in cues:
        # Silence just before a cue (the pause), sound just after its start (±50 ms).
        assert loudness(start - 200, start - 50) < 200, text
        assert loudness(start + 50, start + 250) > 500, text
        assert loudness(end - 250, end - 50) > 100, text
    for start, _, title in ffmpeg_chapters(example_build)[1:]:
        # An MP3 decoder drops the encoder delay, so the first sound is within 20 ms + delay.
        assert any(abs(cue[0] - start) <= 20 for cue in cues), title


def test_loudness_meets_the_target(example_build: Path, tmp_path: Path) -> None:
    loudness, peak = ebur128(example_build)
    assert abs(loudness - -16) <= 1 and peak <= -1.0
    louder = tmp_path / "loud.mp3"  # the codec adds overs: they must be caught too
    assert run_cli("build", EXAMPLE, "-o", louder, "--loudness", "-14",
                   "--no-transcript").code == 0
    loudness, peak = ebur128(louder)
    assert abs(loudness - -14) <= 1 and peak <= -1.0


@pytest.mark.parametrize("suffix", [".m4a", ".ogg", ".wav"])
def test_every_format_decodes_with_chapters_and_tags(tmp_path: Path, suffix: str,
                                                     example_build: Path) -> None:
    target = tmp_path / f"example{suffix}"
    result = run_cli("build", EXAMPLE, "-o", target, "--no-transcript")
    assert result.code == 0, result.stderr
    mp3_seconds = len(decode(example_build)) / 22050
    assert abs(len(decode(target)) / 22050 - mp3_seconds) < 0.2
    assert [c[2] for c in ffmpeg_chapters(target)] == ["Intro", "Key points",
                                                       "The full story", "Outro"]
    if suffix == ".m4a":
        tags = MP4(target).tags
        assert tags["©nam"] == ["Your briefing"] and tags["covr"]


def test_two_article_digest_has_a_chapter_per_story_and_a_feed(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(STORY_A)
    (tmp_path / "b.txt").write_text(STORY_B)
    site = tmp_path / "site"
    result = run_cli("build", tmp_path / "a.md", tmp_path / "b.txt", "-o", site / "today.mp3")
    assert result.code == 0, result.stderr
    assert run_cli("build", tmp_path / "b.txt", "-o", site / "rents.mp3").code == 0
    chapters = ffmpeg_chapters(site / "today.mp3")
    assert [c[2] for c in chapters] == ["Intro", "Spring prices", "Rents climbed in April",
                                        "Outro"]

    feed = run_cli("feed", site, "--base-url", "http://127.0.0.1:8000/pod/")
    assert feed.code == 0, feed.stderr
    parsed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not parsed.bozo
    assert len(parsed.entries) == 2
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        name = enclosure.href.rsplit("/", 1)[1]
        assert int(enclosure.length) == (site / name).stat().st_size

    with running(site) as server:
        request = urllib.request.Request(server.address.url + "today.mp3",
                                         headers={"Range": "bytes=100-199"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 206
            assert response.read() == (site / "today.mp3").read_bytes()[100:200]
        with urllib.request.urlopen(server.address.url + "feed.xml") as response:
            served = feedparser.parse(response.read())
        # The page's own feed lists the same briefings, under its own address.
        assert [entry.guid for entry in served.entries] == [e.guid for e in parsed.entries]
