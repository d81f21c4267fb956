"""Synthesis with the real engine (pyttsx3 driving eSpeak NG), and each pyttsx3 defect the
wrapper must make impossible to hit."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from briefing.errors import EngineError, InputError, OutputError
from briefing.model import Clip, VoiceSettings
from briefing.speech import synthesis as speech
from briefing.speech.cache import SegmentCache
from briefing.speech.engines import clean_text
from briefing.speech.engines.fake import FakeEngine
from briefing.speech.engines.pyttsx3_engine import Pyttsx3Engine
from briefing.speech.isolation import run_isolated

pytestmark = pytest.mark.slow  # end to end: real engines, encoder, processes


@pytest.fixture(scope="module")
def engine() -> Pyttsx3Engine:
    engine = Pyttsx3Engine(VoiceSettings("en-us", 175))
    engine.prepare()  # no skip: if the engine is missing, the install is broken
    return engine


def say(engine: Pyttsx3Engine, *texts: str, jobs: int = 2) -> list[speech.Clip]:
    requests = [speech.Request(text, engine, f"segment {i}") for i, text in enumerate(texts)]
    return speech.synthesize(requests, jobs=jobs)


def seconds(clip: speech.Clip) -> float:
    return len(clip.samples) / clip.sample_rate


def test_speaks_plausible_audio(engine: Pyttsx3Engine) -> None:
    (clip,) = say(engine, "The quick brown fox jumps over the lazy dog.")
    assert clip.sample_rate == 22050
    assert 1.5 < seconds(clip) < 6
    assert np.abs(clip.samples).max() > 3000  # speech, not silence


def test_back_to_back_segments_are_each_spoken(engine: Pyttsx3Engine) -> None:
    # pyttsx3 speaks only the last of several queued files: every segment must get its own.
    texts = ["Yes.", "This sentence is quite a lot longer than the first one was.", "No."]
    clips = say(engine, *texts, jobs=1)
    durations = [seconds(c) for c in clips]
    assert durations[1] > 2 * durations[0] and durations[1] > 2 * durations[2]


def test_same_text_same_samples_in_any_order_and_any_jobs(engine: Pyttsx3Engine) -> None:
    # In one process eSpeak drifts on repeated calls; a fresh child per segment does not.
    texts = ["Repeat after me.", "Something else first.", "Repeat after me."]
    one = say(engine, *texts, jobs=1)
    two = say(engine, *reversed(texts), jobs=2)
    assert np.array_equal(one[0].samples, two[0].samples)
    assert np.array_equal(one[0].samples, two[2].samples)


def test_very_long_text_does_not_crash(engine: Pyttsx3Engine, tmp_path: Path) -> None:
    # pyttsx3 2.99 crashes the process (SIGSEGV) above ~12-14k characters in one call.
    text = "This is a long sentence that keeps going, " * 715  # 30,030 characters
    path = tmp_path / "long.wav"
    outcome = run_isolated(engine.synthesize, text, path, timeout=120)
    assert outcome.ok, outcome.error
    clip = speech.read_wav(path, engine.sample_rate)
    words = len(text.split())
    assert words / 450 * 60 < seconds(clip) < words / 80 * 60


def test_wav_is_complete_when_synthesize_returns(engine: Pyttsx3Engine, tmp_path: Path) -> None:
    # runAndWait() can return before eSpeak's thread has written everything.
    text = "Completeness matters: the file must hold every sample when we read it."
    for attempt in range(3):
        path = tmp_path / f"{attempt}.wav"
        assert run_isolated(engine.synthesize, text, path).ok
        data = path.read_bytes()
        assert len(data) > 44
        clip = speech.read_wav(path, engine.sample_rate)
        assert len(data) == 44 + 2 * len(clip.samples)
        assert seconds(clip) > 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello\x00 world", "Hello world"),  # NUL would cut eSpeak's text short
        ("Hello \ud800world", "Hello world"),  # a lone surrogate would raise
        ("tab\tand\nnewline\r\x1b[0m", "tab and newline [0m"),
        ("   ", ""),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    assert clean_text(text) == expected


def test_nul_does_not_cut_the_text(engine: Pyttsx3Engine) -> None:
    short, with_nul = say(engine, "Hello.", "Hello.\x00 And the rest of this sentence too.")
    assert seconds(with_nul) > seconds(short) + 1


def test_lone_surrogate_is_spoken(engine: Pyttsx3Engine) -> None:
    (clip,) = say(engine, "Broken \ud83d text is still read.")
    assert seconds(clip) > 1


def test_empty_text_is_a_clear_error(engine: Pyttsx3Engine, tmp_path: Path) -> None:
    # pyttsx3's save_to_file("") fails with a bare AssertionError.
    outcome = run_isolated(engine.synthesize, " \x00 ", tmp_path / "x.wav")
    assert outcome.error == "nothing to say: the segment is empty"


def test_nothing_speakable_is_silence_without_asking_the_engine() -> None:
    engine = FakeEngine(fail_with="crash")  # would fail, were it asked
    clips = speech.synthesize([speech.Request(t, engine, t) for t in (" \x00 ", "…", "😀.")])
    assert [len(clip.samples) for clip in clips] == [0, 0, 0]


def test_bad_voice_is_refused_up_front() -> None:
    # pyttsx3 only fires an "error" event for a bad voice name; nothing is raised.
    with pytest.raises(InputError, match="unknown voice 'no-such-voice'"):
        Pyttsx3Engine(VoiceSettings("no-such-voice")).prepare()


def test_rate_out_of_range_is_refused() -> None:
    with pytest.raises(InputError, match="rate of 1000"):
        Pyttsx3Engine(VoiceSettings("en-us", 1000)).prepare()


def test_missing_folder_fails_fast_instead_of_hanging(engine: Pyttsx3Engine,
                                                      tmp_path: Path) -> None:
    # pyttsx3's runAndWait() never returns when writing the WAV fails inside its callback.
    started = time.monotonic()
    outcome = run_isolated(engine.synthesize, "Hello.", tmp_path / "missing" / "x.wav")
    assert not outcome.ok and "does not exist" in (outcome.error or "")
    assert time.monotonic() - started < 5


def test_voices_are_listed(engine: Pyttsx3Engine) -> None:
    ids = {voice.id for voice in engine.voices()}
    assert {"en-us", "en"} <= {i.lower() for i in ids}


@pytest.mark.parametrize(
    ("failure", "cause"),
    [
        ("error", "fake failure"),
        ("empty", "incomplete WAV"),
        ("short", "cut short"),
        ("garbage", "malformed WAV"),
        ("crash", "crashed (SIGABRT)"),
        ("hang", "timed out"),
    ],
)
def test_failures_are_retried_then_named(failure: str, cause: str) -> None:
    engine = FakeEngine(fail_with=failure)
    quick = speech.Limits(timeout_base=0.5, timeout_per_char=0)
    started = time.monotonic()
    text = "Some words that take a while to say."
    with pytest.raises(EngineError, match=rf"could not synthesize segment 0: .*{re.escape(cause)}"):
        speech.synthesize([speech.Request(text, engine, "segment 0")], jobs=2, limits=quick)
    assert time.monotonic() - started < 5  # bounded, even when the engine hangs


def test_a_failure_on_the_first_try_is_retried_in_a_fresh_process(tmp_path: Path) -> None:
    engine = FlakyEngine(tmp_path / "tried")
    (clip,) = speech.synthesize([speech.Request("Hello there.", engine, "s")])
    assert len(clip.samples) == engine.frames_for("Hello there.")


class FlakyEngine(FakeEngine):
    """Crashes the first time (as a segfaulting engine would), works the second."""

    def __init__(self, marker: Path) -> None:
        super().__init__()
        self.marker = marker

    def synthesize(self, text: str, wav_path: Path) -> None:
        if not self.marker.exists():
            self.marker.touch()
            os.kill(os.getpid(), signal.SIGSEGV)
        super().synthesize(text, wav_path)


def test_duplicate_texts_are_synthesized_once() -> None:
    engine = FakeEngine()
    requests = [speech.Request(t, engine, t) for t in ["a.", "bb.", "a."]]
    calls: list[tuple[int, int]] = []
    clips = speech.synthesize(requests, jobs=2, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (2, 2)
    assert np.array_equal(clips[0].samples, clips[2].samples)
    assert len(clips[1].samples) == engine.frames_for("bb.")


class LoggingEngine(FakeEngine):
    """Notes each text it is asked to speak, in the order the children start."""

    def __init__(self, log: Path) -> None:
        super().__init__()
        self.log = log

    def synthesize(self, text: str, wav_path: Path) -> None:
        with self.log.open("a", encoding="utf-8") as log:
            log.write(text + "\n")
        super().synthesize(text, wav_path)


def test_the_longest_texts_are_started_first(tmp_path: Path) -> None:
    # The build waits for the last segment: a long one started last would run alone.
    engine = LoggingEngine(tmp_path / "started")
    texts = ["Short.", "A much longer sentence than the others.", "Middling one.", "Tiny.",
             "Middling two."]
    clips = speech.synthesize([speech.Request(t, engine, t) for t in texts], jobs=1)
    started = (tmp_path / "started").read_text(encoding="utf-8").splitlines()
    assert started == ["A much longer sentence than the others.", "Middling one.",
                       "Middling two.", "Short.", "Tiny."]  # ties: in the order given
    # The clips still come back in the order of the requests.
    assert [len(clip.samples) for clip in clips] == [engine.frames_for(t) for t in texts]


def _pid_length_sum(clip: Clip) -> bytes:
    """Stands for the audio stage's analysis: anything derived from the samples."""
    return f"{os.getpid()}:{len(clip.samples)}:{int(clip.samples.sum())}".encode()


_analyse = speech.Analysis("test/1", _pid_length_sum)


@pytest.mark.parametrize("forkable", [True, False])
def test_speak_stores_each_clip_with_its_analysis(tmp_path: Path, forkable: bool) -> None:
    engine = FakeEngine(forkable=forkable)
    store = SegmentCache(tmp_path / "store")
    texts = ["aa bb.", "cc.", "aa bb.", "😀"]
    spoken = speech.speak([speech.Request(t, engine, t) for t in texts], store, _analyse, 2)
    clips = speech.synthesize([speech.Request(t, engine, t) for t in texts])
    for result, clip in zip(spoken, clips, strict=True):
        assert np.array_equal(result.load(store).samples, clip.samples)
        pid, length, total = result.analysis.decode().split(":")
        assert (int(length), int(total)) == (len(clip.samples), int(clip.samples.sum()))
        # Analysed here as it arrives, not in the child that spoke it (cold there: slower).
        assert int(pid) == os.getpid()
    assert spoken[0].key == spoken[2].key and spoken[3].clip is not None  # silence: in memory
    # Found in the store the next time, with the analysis stored beside it.
    again = speech.speak([speech.Request(t, engine, t) for t in texts], store, _analyse, 2)
    assert [s.analysis for s in again] == [s.analysis for s in spoken[:3]] + [
        again[3].analysis]
    assert store.stats.hits == 2


def test_a_lost_store_entry_is_one_clear_error(tmp_path: Path) -> None:
    store = SegmentCache(tmp_path / "store")
    spoken = speech.speak([speech.Request("aa.", FakeEngine(), "aa")], store, _analyse)
    store.clear()
    with pytest.raises(OutputError, match="lost an entry"):
        spoken[0].load(store)


def test_analysis_of_another_kind_is_made_again(tmp_path: Path) -> None:
    store = SegmentCache(tmp_path / "store")
    request = speech.Request("aa.", FakeEngine(), "aa")
    speech.speak([request], store, _analyse)
    other = speech.Analysis("test/2", lambda clip: b"new")
    assert speech.speak([request], store, other)[0].analysis == b"new"
    assert speech.speak([request], store, _analyse)[0].analysis != b"new"


def test_memory_keeps_what_the_analysis_keeps_and_the_store_the_whole(
        engine: Pyttsx3Engine, tmp_path: Path) -> None:
    """A clip in the store keeps only `Analysis.keep` of its analysis in memory (a long
    programme's per-chunk detail is read back clip by clip); the whole comes back from
    the store."""
    store = SegmentCache(tmp_path / "cache")
    analysis = speech.Analysis("test/keep", lambda clip: b"whole:%d" % len(clip.samples),
                               keep=lambda whole: whole[:5])
    spoken = speech.speak([speech.Request("Kept in part.", engine, "a")], store, analysis)
    assert spoken[0].key is not None and spoken[0].analysis == b"whole"
    assert spoken[0].load_analysis(store, analysis.kind).startswith(b"whole:")
