"""A briefing's files replaced as a set, under a lock, with signals held; "ours" per file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from briefing.errors import OutputError
from briefing.publish import fileset
from tests.conftest import EXAMPLE, ROOT, run_cli


def test_signals_wait_for_the_end_of_the_block() -> None:
    received: list[int] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: received.append(signum))
    try:
        with fileset.held_signals():
            os.kill(os.getpid(), signal.SIGTERM)  # a real signal, delivered at once
            time.sleep(0)  # Python runs handlers between bytecodes: it would have run here
            assert received == []
        assert received == [signal.SIGTERM]
    finally:
        signal.signal(signal.SIGTERM, previous)


def test_a_set_is_renamed_together_and_recorded(tmp_path: Path) -> None:
    audio = tmp_path / "x.mp3"
    (tmp_path / "x.txt").write_text("old")
    with fileset.staged(audio) as staged:
        staged.write(tmp_path / "x.txt", b"new transcript")
        staged.write(tmp_path / "x.srt", b"new captions")
        assert (tmp_path / "x.txt").read_text() == "old"  # nothing in place before commit
        with fileset.folder_locked(tmp_path):
            staged.commit()
    assert (tmp_path / "x.txt").read_text() == "new transcript"
    assert fileset.is_ours(tmp_path / "x.txt", audio)
    (tmp_path / "x.txt").write_text("edited by hand")
    assert not fileset.is_ours(tmp_path / "x.txt", audio)  # no longer what briefing wrote
    assert fileset.ours_in(tmp_path) == {tmp_path / "x.srt"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".x.briefing.json", "x.srt", "x.txt"]


def test_a_set_that_is_not_committed_leaves_nothing(tmp_path: Path) -> None:
    audio = tmp_path / "x.mp3"
    with pytest.raises(OutputError), fileset.staged(audio) as staged:
        staged.write(tmp_path / "x.txt", b"new")
        raise OutputError("the disk filled up")
    assert list(tmp_path.iterdir()) == []


def test_the_folder_lock_makes_others_wait(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, pathlib\n"
         "from briefing.publish.fileset import folder_locked\n"
         f"with folder_locked(pathlib.Path({str(tmp_path)!r})):\n"
         "    print('locked', flush=True); sys.stdin.read()"],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert holder.stdout is not None and holder.stdin is not None
    assert holder.stdout.readline() == b"locked\n"
    waiter = subprocess.Popen(
        [sys.executable, "-c", "import pathlib\n"
         "from briefing.publish.fileset import folder_locked\n"
         f"with folder_locked(pathlib.Path({str(tmp_path)!r})):\n    print('got it')"],
        cwd=ROOT, stdout=subprocess.PIPE)
    with pytest.raises(subprocess.TimeoutExpired):
        waiter.wait(timeout=1)
    holder.stdin.close()
    holder.wait(timeout=30)
    assert waiter.communicate(timeout=30)[0] == b"got it\n"


def test_a_users_file_beside_a_briefing_is_never_replaced(tmp_path: Path) -> None:
    target = tmp_path / "story.mp3"
    assert run_cli("build", EXAMPLE, "-o", target, "--no-transcript", "-q").code == 0
    mine = tmp_path / "story.txt"
    mine.write_text("my own notes")
    again = run_cli("build", EXAMPLE, "-o", target, "-q")
    assert again.code == 2
    assert again.stderr == (f"briefing: error: {mine} already exists and was not made by "
                            "briefing: pass --force to replace it, or choose another name "
                            "with -o\n")
    assert mine.read_text() == "my own notes"
    assert run_cli("build", EXAMPLE, "-o", target, "-q", "--force").code == 0
    assert mine.read_text() != "my own notes"


def test_a_users_file_beside_a_briefing_in_another_format_is_never_replaced(
        tmp_path: Path) -> None:
    assert run_cli("build", EXAMPLE, "-o", tmp_path / "story.wav", "--no-transcript",
                   "-q").code == 0
    mine = tmp_path / "story.txt"
    mine.write_text("my own notes")
    again = run_cli("build", EXAMPLE, "-o", tmp_path / "story.mp3", "-q")
    assert again.code == 2 and "story.txt already exists" in again.stderr
    assert mine.read_text() == "my own notes"


def test_two_builds_to_one_target_at_once_each_leave_a_whole_set(tmp_path: Path) -> None:
    from mutagen.mp3 import MP3

    target = tmp_path / "story.mp3"
    articles = []
    for name in ("first", "second"):
        article = tmp_path / f"{name}.txt"
        article.write_text(f"The {name} story is short.\nIt has one paragraph. It ends.\n")
        articles.append(article)
    builds = [subprocess.Popen([sys.executable, "-m", "briefing", "build", str(article),
                                "--title", article.stem.title(), "-o", str(target), "-q",
                                "--no-cache"], cwd=ROOT, stderr=subprocess.PIPE)
              for article in articles]
    for build in builds:
        _, stderr = build.communicate(timeout=300)
        assert build.returncode == 0, stderr.decode()
    title = str(MP3(target).tags["TIT2"].text[0])
    assert tmp_path.joinpath("story.txt").read_text().splitlines()[0] == title
    assert title in tmp_path.joinpath("story.chapters.json").read_text()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
