"""Faults injected for real: signals to a running build, SIGKILL leftovers, a full disk, an
unwritable folder, a missing encoder, and a long run that must not leak."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from briefing import atomic, pipeline
from briefing.read.document import parse_text
from tests.conftest import EXAMPLE, ROOT, run_cli

pytestmark = pytest.mark.slow  # end to end: real engines, encoder, processes


def long_article(path: Path, sentences: int = 400) -> Path:
    body = " ".join(f"Report number {i} says the council met and talked about the budget."
                    for i in range(sentences))
    path.write_text(f"A long day of meetings.\n{body}\n")
    return path


def started(scratch: Path) -> bool:
    """Whether a build's own scratch folder exists in `scratch`. (Not just any entry: Python's
    first `tempfile.gettempdir()` probes the folder with a short-lived file of its own, and a
    signal landing then leaves that probe behind, which is Python's doing, not ours.)"""
    return any(path.name.startswith(atomic.SCRATCH_PREFIX) for path in scratch.iterdir())


def start_build(tmp_path: Path, target: Path,
                sentences: int = 400) -> tuple[subprocess.Popen[bytes], Path]:
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    article = long_article(tmp_path / "long.txt", sentences)
    process = subprocess.Popen(
        [sys.executable, "-m", "briefing", "build", str(article), "-o", str(target), "-j", "2",
         "--no-cache"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch)},
    )
    # Wait (bounded) until synthesis is under way: its scratch folder exists.
    deadline = time.monotonic() + 30
    while not started(scratch):
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the build never started: {process.communicate()}")
        time.sleep(0.01)
    return process, scratch


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_stops_the_build_cleanly(tmp_path: Path, signum: int, code: int) -> None:
    target = tmp_path / "out" / "x.mp3"
    target.parent.mkdir()
    assert run_cli("build", EXAMPLE, "-o", target, "--no-transcript").code == 0
    before = target.read_bytes()
    process, scratch = start_build(tmp_path, target)
    sent = time.monotonic()
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=10)
    assert time.monotonic() - sent < 2  # about 50 ms on an idle machine
    assert process.returncode == code
    assert "Traceback" not in stderr.decode()
    assert target.read_bytes() == before  # the existing file is untouched
    assert list(scratch.iterdir()) == []  # no temporary files left
    assert sorted(p.name for p in target.parent.iterdir()) == [
        ".x.briefing.json", "x.chapters.json", "x.mp3"]


def test_after_sigkill_the_target_is_intact_and_the_next_build_sweeps_up(
        tmp_path: Path) -> None:
    target = tmp_path / "out" / "x.mp3"
    target.parent.mkdir()
    process, scratch = start_build(tmp_path, target, sentences=60)
    # Let it get as far as writing its output, then kill it outright.
    deadline = time.monotonic() + 120
    while not any(p.name.endswith(".part") for p in target.parent.iterdir()):
        assert process.poll() is None and time.monotonic() < deadline, "never wrote"
        time.sleep(0.005)
    process.kill()
    process.wait()
    assert not target.exists()
    leftovers = [*target.parent.iterdir(), *scratch.iterdir()]
    assert leftovers  # SIGKILL leaves its temporary files behind...
    result = run_cli("build", EXAMPLE, "-o", target, "--no-transcript",
                     env={"TMPDIR": str(scratch)})
    assert result.code == 0, result.stderr
    assert not any(p.exists() for p in leftovers)  # ...and the next build removes them
    assert sorted(p.name for p in target.parent.iterdir()) == [
        ".x.briefing.json", "x.chapters.json", "x.mp3"]


def test_sweep_spares_what_running_processes_and_other_hosts_own(tmp_path: Path) -> None:
    dead = _dead_pid()
    host = atomic._HOST
    mine = tmp_path / f".a.mp3.{host}.{os.getpid()}-0123abcd.part"
    theirs = tmp_path / f".a.mp3.{host}.{dead}-0123abcd.part"
    their_folder = tmp_path / f"briefing-{host}.{dead}-xyz"
    # Same pid, another machine sharing the folder: its process may well be running there.
    other_host = tmp_path / f".a.mp3.elsewhere.{dead}-0123abcd.part"
    other_host_folder = tmp_path / f"briefing-elsewhere.{dead}-xyz"
    unrelated = tmp_path / "notes.part"
    for path in (mine, theirs, other_host, unrelated):
        path.write_bytes(b"x")
    for folder in (their_folder, other_host_folder):
        folder.mkdir()
        (folder / "a.wav").write_bytes(b"x")
    assert atomic.sweep(tmp_path) == 2
    assert mine.exists() and unrelated.exists()
    assert other_host.exists() and other_host_folder.exists()
    assert not theirs.exists() and not their_folder.exists()


def test_temporary_names_carry_host_and_pid(tmp_path: Path) -> None:
    part = atomic.create_part(tmp_path, "story.mp3")
    assert part.name.startswith(f".story.mp3.{atomic._HOST}.{os.getpid()}-")
    assert atomic.is_part(part.name) and not atomic.is_leftover(part.name)
    with atomic.scratch_folder() as folder:
        assert Path(folder).name.startswith(f"briefing-{atomic._HOST}.{os.getpid()}-")


def test_a_full_disk_is_a_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    limit = 300_000  # bytes per file: the WAV handed to the encoder is far larger

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    process = subprocess.run(
        [sys.executable, "-m", "briefing", "build", str(EXAMPLE), "-o", str(out / "x.mp3"),
         "--no-cache"], capture_output=True, text=True, preexec_fn=small_files, cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert process.returncode == 1, process.stderr
    assert len(process.stderr.strip().splitlines()) == 1, process.stderr
    assert "Traceback" not in process.stderr
    assert list(out.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_an_unwritable_folder_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/briefing-test/x.mp3")  # root may write anywhere but here
    else:
        locked = tmp_path / "locked"
        locked.mkdir()
        locked.chmod(0o555)
        target = locked / "x.mp3"
    result = run_cli("build", EXAMPLE, "-o", target)
    assert result.code == 1
    assert "cannot write" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def _build_without_ffmpeg(target: Path) -> subprocess.CompletedProcess[str]:
    code = ("import sys; sys.modules['imageio_ffmpeg'] = None; "
            "from briefing.cli import main; sys.exit(main(sys.argv[1:]))")
    return subprocess.run(
        [sys.executable, "-c", code, "build", str(EXAMPLE), "-o", str(target), "--no-cache"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "PATH": "/nonexistent"},
    )


def test_a_missing_encoder_names_the_fix(tmp_path: Path) -> None:
    process = _build_without_ffmpeg(tmp_path / "x.m4a")
    assert process.returncode == 1
    assert "ffmpeg not found" in process.stderr and "pip install imageio-ffmpeg" in process.stderr
    assert len(process.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_missing_mp3_decoder_names_the_fix(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['soundfile'] = None; "
            "from briefing.cli import main; sys.exit(main(sys.argv[1:]))")
    process = subprocess.run(
        [sys.executable, "-c", code, "build", str(EXAMPLE), "-o", str(tmp_path / "x.mp3"),
         "--no-cache"], capture_output=True, text=True, cwd=ROOT)
    assert process.returncode == 1
    assert "soundfile not found" in process.stderr and "pip install soundfile" in process.stderr
    assert len(process.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_an_mp3_needs_no_ffmpeg(tmp_path: Path) -> None:
    # LAME encodes it and libmpg123 checks it, both in process.
    process = _build_without_ffmpeg(tmp_path / "x.mp3")
    assert process.returncode == 0, process.stderr
    assert (tmp_path / "x.mp3").stat().st_size > 100_000


def test_fifty_builds_leak_no_descriptors_processes_or_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr("tempfile.tempdir", None)
    options = pipeline.BuildOptions(cache_dir=tmp_path / "cache", transcript=False)
    voices = pipeline.make_voices(options)
    out = tmp_path / "out"

    def build(i: int) -> None:
        document = parse_text(f"Item {i} is short.\nIt is a test. Number {i}.")
        pipeline.build([document], out / "x.mp3", options, voices=voices)

    build(0)  # warm up: imports, caches, the first cover read
    fds = len(os.listdir("/proc/self/fd"))
    children = _children()
    for i in range(1, 50):
        build(i)
    assert len(os.listdir("/proc/self/fd")) <= fds
    assert _children() == children  # none left behind, running or unreaped
    assert list(scratch.iterdir()) == []
    assert sorted(p.name for p in out.iterdir()) == [
        ".x.briefing.json", "x.chapters.json", "x.mp3"]


def _children() -> set[str]:
    return {pid for task in Path("/proc/self/task").iterdir()
            for pid in (task / "children").read_text().split()}


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_full_disk_during_a_rebuild_leaves_the_old_set_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert run_cli("build", EXAMPLE, "-o", out / "x.mp3", "-q").code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    article = long_article(tmp_path / "long.txt", sentences=60)

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))

    process = subprocess.run(
        [sys.executable, "-m", "briefing", "build", str(article), "-o", str(out / "x.mp3"),
         "--no-cache"], capture_output=True, text=True, preexec_fn=small_files, cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path)},
    )
    assert process.returncode == 1, process.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_an_interrupted_batch_removes_its_leftovers_before_it_exits(tmp_path: Path) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    articles = tmp_path / "in"
    articles.mkdir()
    for name in ("a", "b", "c"):
        long_article(articles / f"{name}.txt", sentences=300)
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "briefing", "batch", str(articles), "-o", str(out), "-j", "2",
         "--no-cache"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "TMPDIR": str(scratch)})
    deadline = time.monotonic() + 60
    while not started(scratch):  # synthesis under way in the builds
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr.decode()
    assert "Traceback" not in stderr.decode()
    assert list(scratch.iterdir()) == []
    assert not out.exists() or [p for p in out.iterdir() if atomic.is_part(p.name)] == []


def test_a_hung_encoder_is_killed_at_its_deadline(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing import runtime
    from briefing.errors import EncoderError
    from briefing.publish import export

    hung = tmp_path / "bin" / "ffmpeg"
    hung.parent.mkdir()
    hung.write_text("#!/bin/sh\nexec sleep 600\n")  # a real process that never finishes
    hung.chmod(0o755)
    # ffmpeg's location is looked up once per process: point export at the hung one.
    monkeypatch.setattr(export, "ffmpeg_executable", lambda: str(hung))
    monkeypatch.setattr(runtime, "ENCODER_BASE_SECONDS", 1.0)
    runtime.ffmpeg_executable.cache_clear()  # found on PATH once: the hung one, here only
    audio = tmp_path / "x.mp3"
    audio.write_bytes(b"\xff\xfb" * 100)
    started = time.monotonic()
    try:
        with pytest.raises(EncoderError, match=r"did not finish decoding x.mp3 within 1 s"):
            export.decoded_true_peak(audio, 22050)
        with pytest.raises(EncoderError, match=r"did not finish encoding within 1 s"):
            export._encode([np.zeros(100, dtype=np.int16)], 22050, tmp_path / "y.mp3",
                           export.EncodingOptions(), 0.0)
    finally:
        runtime.ffmpeg_executable.cache_clear()  # the tests after this one: the real ffmpeg
    with pytest.raises(EncoderError, match=r"did not finish adding the M4A chapters"):
        runtime.run_encoder([str(hung)], runtime.encoder_deadline(0), "adding the M4A chapters")
    assert time.monotonic() - started < 10
