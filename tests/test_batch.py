"""Digests and batches, with the real engine."""

from __future__ import annotations

from pathlib import Path

import pytest
from mutagen.mp3 import MP3

from tests.conftest import run_cli

pytestmark = pytest.mark.slow  # end to end: real engines, encoder, processes

STORY = "Prices rose again in March.\nRents climbed too.\nPrices rose again. Wages did not.\n"


def test_batch_builds_each_article_and_reports_the_bad_one(tmp_path: Path) -> None:
    articles = tmp_path / "in"
    articles.mkdir()
    for name in ("a.txt", "b.md", "c.txt"):
        (articles / name).write_text(STORY)
    (articles / "bad.txt").write_bytes(b"")
    (articles / "notes.pdf").write_bytes(b"%PDF")  # not an article: ignored
    out = tmp_path / "out"
    result = run_cli("batch", articles, "-o", out, "--jobs", "2")
    assert result.code == 1
    assert "bad.txt: failed:" in result.stderr and "is empty" in result.stderr
    assert "1 of 4 articles failed" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{name}{suffix}" for name in "abc"
         for suffix in (".mp3", ".txt", ".srt", ".vtt", ".chapters.json")]
        + [f".{name}.briefing.json" for name in "abc"])  # each set's manifest
    for name in ("a", "b", "c"):
        assert MP3(out / f"{name}.mp3").info.length > 5


def test_batch_refuses_clashing_names(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text(STORY)
    (tmp_path / "a.md").write_text(STORY)
    result = run_cli("batch", tmp_path / "a.txt", tmp_path / "a.md", "-o", tmp_path / "out")
    assert result.code == 2 and "would both be built into" in result.stderr
    assert not (tmp_path / "out").exists()


def test_digest_names_every_story(tmp_path: Path) -> None:
    first = tmp_path / "first.md"
    first.write_text("# Spring prices\n\n- Prices rose again in March.\n\nWages did not. "
                     "Rents did.\n")
    second = tmp_path / "second.txt"
    second.write_text("Rents climbed in April.\n")
    script = run_cli("script", first, second)
    assert script.code == 0
    assert "Here is your briefing, with two stories." in script.stdout
    assert "First: Spring prices" in script.stdout
    assert "Second: Rents climbed in April" in script.stdout
    result = run_cli("build", first, second, "-o", tmp_path / "today.mp3")
    assert result.code == 0, result.stderr
    transcript = (tmp_path / "today.txt").read_text()
    assert "## Spring prices" in transcript and "## Rents climbed in April" in transcript


def test_two_builds_at_once_share_one_cache(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import EXAMPLE, ROOT, decode

    env = {**os.environ, "BRIEFING_CACHE_DIR": str(tmp_path / "cache")}
    builds = [subprocess.Popen([sys.executable, "-m", "briefing", "build", str(EXAMPLE), "-o",
                                str(tmp_path / f"{i}.mp3"), "-q"], cwd=ROOT, env=env,
                               stderr=subprocess.PIPE) for i in range(2)]
    for build in builds:
        _, stderr = build.communicate(timeout=300)
        assert build.returncode == 0, stderr.decode()
    first, second = (decode(tmp_path / f"{i}.mp3") for i in range(2))
    assert (first == second).all()
    again = run_cli("build", EXAMPLE, "-o", tmp_path / "again.mp3", env=env)
    assert again.code == 0 and "25 from the cache" in again.stderr
    assert (decode(tmp_path / "again.mp3") == first).all()


def test_a_batch_into_its_own_folder_twice_takes_none_of_its_outputs_for_articles(
        tmp_path: Path) -> None:
    for name in ("a.txt", "b.json"):
        (tmp_path / name).write_text(STORY if name.endswith(".txt") else
                                     '{"points": ["Prices rose."], "body": ["Rents did too."]}')
    first = run_cli("batch", tmp_path, "-o", tmp_path, "--jobs", "2", "-q")
    assert first.code == 0, first.stderr
    written = {p.name for p in tmp_path.iterdir()}
    assert {"a.transcript.txt", "a.chapters.json", "b.txt", "b.chapters.json"} <= written
    again = run_cli("batch", tmp_path, "-o", tmp_path, "--jobs", "2")
    assert again.code == 0, again.stderr
    assert "Built 2 briefings" in again.stderr
    assert {p.name for p in tmp_path.iterdir()} == written
