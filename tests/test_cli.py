"""The command line end to end: real engine, real encoder, real files, real exit codes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from briefing import pipeline
from briefing.audio.assembly import trim
from briefing.cli import worded
from briefing.errors import InputError
from briefing.model import VoiceSettings
from briefing.read.document import read_document
from briefing.speech import synthesis as speech
from briefing.speech.engines.pyttsx3_engine import Pyttsx3Engine
from tests.conftest import EXAMPLE, decode, run_cli

pytestmark = pytest.mark.slow  # end to end: real engines, encoder, processes

TWO = "Prices rose again in March. Wages did not keep up."


def test_example_builds_to_a_tagged_mp3_of_two_to_three_minutes(example_build: Path) -> None:
    audio = MP3(example_build)
    assert audio.info.sample_rate == 22050 and audio.info.channels == 1
    assert audio.info.bitrate == 64000
    seconds = len(decode(example_build)) / 22050
    assert 120 <= seconds <= 180
    tags = ID3(example_build)
    assert str(tags["TIT2"]) == "Your briefing"
    assert str(tags["TPE1"]) == "briefing" and str(tags["TALB"]) == "briefing"
    assert str(tags["TDRC"])[:2] == "20"
    assert str(tags.getall("COMM")[0]).startswith("The use of North Korean troops")
    assert str(tags["TSSE"]).startswith("briefing ")


def test_duration_matches_segments_plus_pauses(example_build: Path) -> None:
    # Independently of the assembly: synthesize every segment, trim, add up with the pauses.
    options = pipeline.BuildOptions()
    script = pipeline.make_script([read_document(str(EXAMPLE))], options)
    engine = Pyttsx3Engine(VoiceSettings())
    engine.prepare()
    clips = speech.synthesize([speech.Request(s.spoken, engine, "s") for s in script.segments],
                              jobs=2)
    expected = sum(len(trim(c.samples, c.sample_rate)) / c.sample_rate for c in clips)
    expected += sum(s.pause_after_ms for s in script.segments) / 1000
    decoded = len(decode(example_build)) / 22050
    assert abs(decoded - expected) / expected < 0.05


def test_audio_is_speech_throughout(example_build: Path) -> None:
    samples = decode(example_build).astype(np.float32)
    seconds = samples[: len(samples) // 22050 * 22050].reshape(-1, 22050)
    loud = np.sqrt((seconds**2).mean(axis=1)) > 300
    assert loud.mean() > 0.8  # pauses are short: no long silence anywhere


def test_transcript_covers_every_point_and_sentence(example_build: Path) -> None:
    transcript = example_build.with_suffix(".txt").read_text()
    document = read_document(str(EXAMPLE))
    for point in document.points:
        assert point in transcript
    for paragraph in document.paragraphs:
        for sentence in paragraph.split(". "):
            assert sentence.rstrip(".") in transcript


def test_stdout_stays_clean_and_script_prints_spoken_text(tmp_path: Path) -> None:
    build = run_cli("build", EXAMPLE, "-o", tmp_path / "a.mp3")
    assert build.code == 0 and build.stdout == ""
    assert "Wrote" in build.stderr
    script = run_cli("script", EXAMPLE)
    assert script.code == 0
    lines = script.stdout.splitlines()
    assert lines[0] == "Here is your briefing."
    assert "Audio saved" not in script.stdout and script.stderr == ""


def test_default_output_is_stem_in_current_folder(tmp_path: Path) -> None:
    article = tmp_path / "in" / "story.txt"
    article.parent.mkdir()
    article.write_text(TWO)
    result = run_cli("build", article, "-q", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".story.briefing.json", "in", "story.chapters.json", "story.mp3", "story.srt",
        "story.txt", "story.vtt"]


def test_never_overwrites_the_article_it_reads(tmp_path: Path) -> None:
    article = tmp_path / "story.txt"
    article.write_text(TWO)
    result = run_cli("build", "story.txt", "-q", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert article.read_text() == TWO
    assert (tmp_path / "story.transcript.txt").exists()


def test_existing_files_are_protected_unless_forced(tmp_path: Path) -> None:
    target = tmp_path / "song.mp3"
    target.write_bytes(b"precious")
    refused = run_cli("build", EXAMPLE, "-o", target)
    assert refused.code == 2 and "--force" in refused.stderr
    assert target.read_bytes() == b"precious"
    assert run_cli("build", EXAMPLE, "-o", target, "-f").code == 0
    # The tool's own output may be rebuilt without --force.
    again = run_cli("build", EXAMPLE, "-o", target)
    assert again.code == 0, again.stderr


def test_stdin_points_only_and_crlf(tmp_path: Path) -> None:
    article = b"First point here.\r\nSecond point here.\r\n"
    result = run_cli("build", "-", "-o", tmp_path / "p.mp3", "--title", "Points", stdin=article)
    assert result.code == 0, result.stderr
    transcript = (tmp_path / "p.txt").read_text()
    assert "First point here." in transcript and "The full story" not in transcript
    assert str(ID3(tmp_path / "p.mp3")["TIT2"]) == "Points"


def test_markup_is_read_as_words_never_interpreted(tmp_path: Path) -> None:
    # With SSML on, eSpeak would pause 9 s at the break and say nothing for the tags.
    markup = tmp_path / "markup.txt"
    markup.write_text('Markup test. Before <break time="9s"/> after <speak>inside</speak>.\n')
    plain = tmp_path / "plain.txt"
    plain.write_text("Markup test. Before break time 9s after speak inside speak.\n")
    seconds = {}
    for article in (markup, plain):
        target = tmp_path / f"{article.stem}.mp3"
        result = run_cli("build", article, "-o", target, "--no-transcript")
        assert result.code == 0, result.stderr
        seconds[article.stem] = len(decode(target)) / 22050
    assert abs(seconds["markup"] - seconds["plain"]) < 3
    spoken = run_cli("script", markup).stdout
    assert "inside" in spoken and "<" not in spoken


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.txt", "does not exist"),
        (lambda d: d, "is a directory"),
        (lambda d: _write(d / "empty.txt", b""), "is empty"),
        (lambda d: _write(d / "blank.txt", b" \n\n\t \r\n"), "is empty"),
        (lambda d: _write(d / "bin.txt", os.urandom(4096)), "binary data"),
        (lambda d: _write(d / "sym.txt", b"--- *** ...\n!!!"), "no sentences"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_file(tmp_path: Path, make, message: str) -> None:
    article = make(tmp_path)
    out = tmp_path / "out"
    result = run_cli("build", article, "-o", out / "x.mp3")
    assert result.code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert not out.exists()


def test_bad_options_exit_2(tmp_path: Path) -> None:
    for args in (["--voice", "no-such-voice"], ["--rate", "5"], ["--bitrate", "fast"]):
        result = run_cli("build", EXAMPLE, "-o", tmp_path / "x.mp3", *args)
        assert result.code == 2, args
        assert len(result.stderr.strip().splitlines()) == 1
    assert not list(tmp_path.iterdir())


def test_encoder_failure_exits_1_and_leaves_nothing(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'Unknown encoder aac' >&2\nexit 1\n")
    fake.chmod(0o755)
    out = tmp_path / "out"
    # M4A: ffmpeg encodes it (an MP3 is encoded and checked in process, by LAME and mpg123).
    result = run_cli("build", EXAMPLE, "-o", out / "x.m4a", "--no-cache",
                     env={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert result.code == 1
    assert "ffmpeg could not" in result.stderr and "Unknown encoder aac" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert list(out.iterdir()) == []


def test_a_200k_character_line_builds(tmp_path: Path) -> None:
    words = "The council met again and talked at length about the new budget plan; "
    article = tmp_path / "long.txt"
    article.write_text((words * (200_000 // len(words) + 1))[:200_000] + ".")
    result = run_cli("build", article, "-o", tmp_path / "long.mp3", "--rate", "450",
                     "--bitrate", "32k", timeout=600)
    assert result.code == 0, result.stderr
    assert MP3(tmp_path / "long.mp3").info.length > 60 * 60


def test_help_explains() -> None:
    result = run_cli("--help")
    assert result.code == 0
    for command in ("build", "script", "voices"):
        assert command in result.stdout
    assert "--voice" in run_cli("build", "--help").stdout


def test_voices_lists_english(tmp_path: Path) -> None:
    result = run_cli("voices")
    assert result.code == 0
    assert any(line.startswith("en-us ") for line in result.stdout.splitlines())


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_a_sentence_with_nothing_speakable_is_silence_not_an_error(tmp_path: Path) -> None:
    article = tmp_path / "emoji.txt"
    article.write_text("😀😀 🎉.\nA real point.\nBody one. Body two.\n")
    result = run_cli("build", article, "-o", tmp_path / "e.mp3")
    assert result.code == 0, result.stderr
    assert "A real point." in (tmp_path / "e.txt").read_text()


@pytest.mark.parametrize(("error", "said"), [
    (InputError("a rate of 9 is out of range", setting="rate"), "--rate: a rate of 9 is out"),
    (InputError("x.mp3 already exists", setting="force"),
     "x.mp3 already exists: pass --force to replace it, or choose another name with -o"),
    (InputError("plain", setting=None), "plain"),
    (InputError("unmapped", setting="something-new"), "unmapped"),
])
def test_errors_are_worded_with_the_flag_they_are_about(error: InputError, said: str) -> None:
    assert worded(error).startswith(said)


def test_an_error_keeps_its_setting_across_processes() -> None:
    import pickle

    copy = pickle.loads(pickle.dumps(InputError("bad rate", setting="rate")))
    assert (str(copy), copy.setting) == ("bad rate", "rate")


class _Rerun(Exception):
    pass


def test_only_a_piper_command_run_as_a_program_runs_again_asking_for_huge_pages(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import sys

    from briefing import cli

    reruns: list[tuple[str, list[str], dict[str, str]]] = []

    def execve(path: str, argv: list[str], environ: dict[str, str]) -> None:
        reruns.append((path, argv, environ))
        raise _Rerun  # a real exec would not return either

    monkeypatch.setattr(os, "execve", execve)
    monkeypatch.delenv("GLIBC_TUNABLES", raising=False)
    missing = str(tmp_path / "missing.txt")
    monkeypatch.setattr(sys, "argv", ["briefing", "build", missing, "--engine", "piper"])
    with pytest.raises(_Rerun):
        cli.main()
    (path, argv, environ), = reruns
    assert path == sys.executable and argv == [sys.executable, *sys.orig_argv[1:]]
    assert environ["GLIBC_TUNABLES"] == "glibc.malloc.hugetlb=1"
    # eSpeak's builds, and calls with their own arguments (a program using the CLI), do not.
    monkeypatch.setattr(sys, "argv", ["briefing", "build", missing])
    assert cli.main() == 2
    assert cli.main(["build", missing, "--engine", "piper"]) == 2
    assert len(reruns) == 1
