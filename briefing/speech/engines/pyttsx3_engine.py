"""The product's engine: pyttsx3, driving eSpeak NG on Linux (SAPI5 / system voices elsewhere).

On Linux, segments are spoken through pyttsx3's own eSpeak NG bindings (`_espeak`) in
eSpeak's synchronous mode, not through its driver's event loop. The loop runs eSpeak
asynchronously and polls for the end every 10 ms, and its eSpeak thread hands each buffer to
a Python callback that re-copies the whole WAV so far: it took 0.76 s to speak the example's
25 segments one after the other, where synchronous calls to the same library take 0.40 s,
and give the same samples, byte for byte (README, "Measurements").
The driver's other defects this wrapper makes impossible to hit, on every platform:
- texts over ~12k characters crash it (it under-sizes eSpeak's buffer): longer texts are
  spoken in pieces of at most `MAX_CALL_CHARS`;
- only the last of several queued `save_to_file()` calls is spoken: one call per process;
- it hangs when writing the WAV fails: we write into a folder we created, under a timeout;
- NUL cuts the text, lone surrogates raise, "" asserts: `clean_text` removes all three;
- a bad voice only fires an event: `prepare()` checks the voice before any synthesis;
- it prints "Audio saved to …" on stdout: the child process's stdout goes to /dev/null.
The speech stage validates every WAV it reads, whichever path wrote it.
"""

from __future__ import annotations

import functools
import sys
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from briefing.errors import EngineError, InputError
from briefing.model import VoiceInfo, VoiceSettings
from briefing.read.sentences import split_long
from briefing.runtime import load_espeak
from briefing.speech.engines.base import clean_text, write_wav
from briefing.speech.isolation import run_isolated

# Well under the ~12k characters that crash pyttsx3's driver, and short enough that its
# quadratic buffer growth costs nothing.
MAX_CALL_CHARS = 2000
MIN_RATE, MAX_RATE = 80, 450  # eSpeak NG's accepted range, words per minute
ESPEAK_SAMPLE_RATE = 22050  # pyttsx3 writes 16-bit mono 22,050 Hz WAV on Linux

@dataclass
class Pyttsx3Engine:
    """pyttsx3 with one voice and rate. `prepare()` runs in the parent, `synthesize()` in a
    child forked from it: each child initialises eSpeak afresh, so the same text always
    gives the same samples."""

    settings: VoiceSettings = field(default_factory=VoiceSettings)
    name: str = "pyttsx3"
    sample_rate: int = ESPEAK_SAMPLE_RATE
    # eSpeak NG (Linux) is safe to fork; the macOS and Windows voice APIs are not.
    forkable: bool = sys.platform.startswith("linux")
    _library_version: str = ""

    @property
    def words_per_minute(self) -> int:
        return self.settings.rate

    def prepare(self) -> None:
        if not MIN_RATE <= self.settings.rate <= MAX_RATE:
            raise InputError(f"a rate of {self.settings.rate} is out of range: use "
                             f"{MIN_RATE} to {MAX_RATE} words per minute", setting="rate")
        if self._library_version:
            return
        load_library()
        outcome = run_isolated(_probe, self.settings.voice, timeout=20, isolated=self.forkable)
        if not outcome.ok:
            raise EngineError(f"the pyttsx3 engine does not start: {outcome.error}")
        version, voice_ok = outcome.value
        if not voice_ok:
            raise InputError(f"unknown voice {self.settings.voice!r}: "
                             "`briefing voices` lists the voices installed")
        self._library_version = version

    def synthesize(self, text: str, wav_path: Path) -> None:
        text = clean_text(text)
        if not text:
            raise EngineError("nothing to say: the segment is empty")
        if not wav_path.parent.is_dir():  # pyttsx3 would hang, not fail, writing there
            raise EngineError(f"the folder {wav_path.parent} does not exist")
        pieces = split_long(text, MAX_CALL_CHARS)
        if sys.platform.startswith("linux"):
            samples = _speak_synchronously(pieces, self.settings)
            write_wav(wav_path, np.frombuffer(samples, dtype="<i2"), self.sample_rate)
            return
        engine = _new_engine(self.settings.voice, self.settings.rate, self.settings.pitch)
        if len(pieces) == 1:
            _say_to_file(engine, text, wav_path)
            return
        # Too long for one pyttsx3 call: speak it piece by piece and join the pieces.
        joined = []
        for index, piece in enumerate(pieces):
            piece_path = wav_path.with_name(f"{wav_path.stem}.{index}.wav")
            _say_to_file(engine, piece, piece_path)
            with wave.open(str(piece_path), "rb") as reader:
                joined.append(np.frombuffer(reader.readframes(reader.getnframes()), "<i2"))
            piece_path.unlink()
        write_wav(wav_path, np.concatenate(joined), self.sample_rate)

    def cache_key(self) -> str:
        pitch = f"|pitch={self.settings.pitch}" if self.settings.pitch is not None else ""
        return (f"pyttsx3|espeak-ng {self._library_version}|voice={self.settings.voice}"
                f"|rate={self.settings.rate}{pitch}")

    def voices(self) -> list[VoiceInfo]:
        load_espeak()
        _import_driver()
        outcome = run_isolated(_list_voices, timeout=20, isolated=self.forkable)
        if not outcome.ok:
            raise EngineError(f"cannot list the pyttsx3 voices: {outcome.error}")
        voices: list[VoiceInfo] = outcome.value
        return voices


def load_library() -> None:
    """Load eSpeak NG and pyttsx3's driver into this process and initialise eSpeak (once;
    nothing is spoken): the part of `prepare` that no voice or setting changes."""
    load_espeak()
    _import_driver()
    if sys.platform.startswith("linux"):
        _initialise_espeak()


def _say_to_file(engine: Any, text: str, wav_path: Path) -> None:
    """Through pyttsx3's driver: the platforms other than Linux."""
    engine.save_to_file(text, str(wav_path))
    engine.runAndWait()


def _speak_synchronously(pieces: list[str], settings: VoiceSettings) -> bytes:
    """The pieces spoken one after the other by eSpeak NG, as 16-bit samples, by this
    process's eSpeak (a child's: initialised by its parent, which never speaks), which calls
    back with each buffer before `Synth` returns."""
    import ctypes

    from pyttsx3.drivers import _espeak

    _initialise_espeak()
    buffers: list[bytes] = []

    def collect(wav: Any, count: int, events: Any) -> int:
        if count > 0:
            buffers.append(ctypes.string_at(wav, 2 * count))
        return 0

    _espeak.SetSynthCallback(collect)
    _set_voice(settings.voice, settings.rate, settings.pitch)
    for piece in pieces:
        status = _espeak.Synth(piece, flags=_espeak.ENDPAUSE | _espeak.CHARS_UTF8)
        if status != _espeak.EE_OK:
            raise EngineError(f"eSpeak NG could not speak the text (error {status})")
    return b"".join(buffers)


@functools.cache
def _initialise_espeak() -> None:
    """Start this process's eSpeak NG in synchronous mode and have it list its voices, once
    per process: in the parent, by `prepare`, so that every child forked from it starts
    from the same state with this done.

    Listing the voices reads every voice file (8,000 system calls): done in each child, it
    took more system time than the speech. Neither step depends on what was said before,
    and the parent never speaks, so each child still speaks from the same state. Called
    before children are forked, by the one thread that builds (a process builds one
    briefing at a time: the CLI, a batch worker, the page's worker, a cluster task).
    """
    from pyttsx3.drivers import _espeak

    if _espeak.Initialize(_espeak.AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0) <= 0:
        raise EngineError("eSpeak NG did not initialise")
    _espeak.ListVoices(None)  # kept by eSpeak, and found there by SetVoiceByName


def _set_voice(voice: str | None, rate: int | None, pitch: int | None) -> None:
    """Set eSpeak NG's voice, rate and pitch directly (pyttsx3's setProperty only fires an
    error event on a bad voice name, and its command queue once lost the rate in a race)."""
    from pyttsx3.drivers import _espeak

    if voice and _espeak.SetVoiceByName(voice.encode("utf-8")) != 0:
        raise InputError(f"unknown voice {voice!r}")
    if rate:
        _espeak.SetParameter(_espeak.RATE, rate, 0)
    if pitch is not None:
        _espeak.SetParameter(_espeak.PITCH, pitch, 0)


def _import_driver() -> None:
    """Import pyttsx3 and its driver in the parent (once), but initialise nothing there."""
    try:
        import pyttsx3  # noqa: F401

        if sys.platform.startswith("linux"):
            from pyttsx3.drivers import espeak  # noqa: F401
    except (ImportError, OSError, RuntimeError) as error:
        raise EngineError(f"pyttsx3 cannot load its speech library: {error}") from None


def _new_engine(voice: str | None, rate: int | None = None, pitch: int | None = None) -> Any:
    import pyttsx3

    if not sys.platform.startswith("linux"):
        engine = pyttsx3.init()
        if voice:
            engine.setProperty("voice", voice)
        if rate:
            engine.setProperty("rate", rate)
        return engine
    from pyttsx3.drivers import _espeak

    engine = pyttsx3.init("espeak")
    _set_voice(voice, rate, pitch)
    # Lets eSpeak's queued parameter changes land before anything is spoken.
    _espeak.Synchronize()
    return engine


def _probe(voice: str | None) -> tuple[str, bool]:
    try:
        if sys.platform.startswith("linux"):
            _initialise_espeak()  # as `_speak_synchronously` will
            _set_voice(voice, None, None)
        else:
            _new_engine(voice)
    except InputError:
        return _library_version(), False
    return _library_version(), True


def _library_version() -> str:
    if not sys.platform.startswith("linux"):
        return sys.platform
    from pyttsx3.drivers import _espeak

    return (_espeak.Info(None) or b"unknown").decode("utf-8", "replace")


def _list_voices() -> list[VoiceInfo]:
    engine = _new_engine(None)
    voices = []
    for voice in engine.getProperty("voices"):
        languages = tuple(str(lang) for lang in (getattr(voice, "languages", None) or ()))
        voice_id = voice.id.split("/", 1)[-1] if "/" in voice.id else voice.id
        voices.append(VoiceInfo(voice_id, voice.name, languages, voice.gender))
    return sorted(voices, key=lambda v: v.id)
