"""Speech engines behind one small interface.

An engine turns one short text into one WAV file. The speech stage calls `prepare()` once in
the parent process, then `synthesize()` in a fresh child process per segment, so an engine
may keep process-wide state (as eSpeak NG does) without it leaking between segments.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from briefing.model import VoiceInfo


class Engine(Protocol):
    """A speech engine configured with one voice."""

    name: str
    """Short engine name, as `--engine` takes it."""
    sample_rate: int
    """Sample rate of every WAV the engine writes (16-bit mono)."""
    words_per_minute: int
    """About how fast it speaks, to tell plausible audio from cut-off or runaway output."""
    forkable: bool
    """True when `synthesize` may run in a child forked after `prepare`; else in-process."""

    def prepare(self) -> None:
        """Load libraries and validate settings, in the parent; raise EngineError/InputError."""

    def synthesize(self, text: str, wav_path: Path) -> None:
        """Write `text` as speech to a 16-bit mono WAV at `wav_path` (in a child process)."""

    def cache_key(self) -> str:
        """A string that changes whenever the audio for the same text would change."""

    def voices(self) -> list[VoiceInfo]:
        """The voices this engine can use."""
