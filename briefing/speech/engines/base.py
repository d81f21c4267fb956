"""What every engine shares: the interface, and the text and WAV helpers.

An engine turns one short text into one WAV file. The speech stage calls `prepare()` once in
the parent process, then `synthesize()` in a fresh child process per segment, so an engine
may keep process-wide state (as eSpeak NG does) without it leaking between segments.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from briefing.errors import EngineError
from briefing.model import VoiceInfo

if TYPE_CHECKING:  # `briefing --help` lists the engines without paying for numpy
    import numpy as np


class Engine(Protocol):
    """A speech engine configured with one voice."""

    name: str
    """Short engine name, as the engine setting takes it."""
    sample_rate: int
    """Sample rate of every WAV the engine writes (16-bit mono)."""
    forkable: bool
    """True when `synthesize` may run in a child forked after `prepare`; else in-process."""

    @property
    def words_per_minute(self) -> int:
        """About how fast it speaks, to tell plausible audio from cut-off or runaway output."""

    def prepare(self) -> None:
        """Load libraries and validate settings, in the parent; raise EngineError/InputError."""

    def synthesize(self, text: str, wav_path: Path) -> None:
        """Write `text` as speech to a 16-bit mono WAV at `wav_path` (in a child process)."""

    def cache_key(self) -> str:
        """A string that changes whenever the audio for the same text would change."""

    def voices(self) -> list[VoiceInfo]:
        """The voices this engine can use."""


# What an engine must never be handed: NUL and other control characters (NUL cuts eSpeak's
# text short), and lone surrogates (they raise in every encoder).
_UNSPEAKABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_SPEAKABLE = re.compile(r"[^\W_]")


def clean_text(text: str) -> str:
    """Text an engine reads whole: no NUL/control characters, no lone surrogates, one line."""
    return " ".join(_UNSPEAKABLE.sub(" ", text).split())


def is_speakable(text: str) -> bool:
    """Whether `text` has anything an engine can say: a letter or a digit."""
    return _SPEAKABLE.search(text) is not None


def write_wav(path: Path, samples: np.ndarray, sample_rate: int) -> None:
    """Write 16-bit mono `samples` as a WAV file; EngineError if it cannot be written."""
    import numpy as np

    try:
        with wave.open(str(path), "wb") as writer:
            writer.setnchannels(1)
            writer.setsampwidth(2)
            writer.setframerate(sample_rate)
            writer.writeframes(np.asarray(samples).astype("<i2").tobytes())
    except OSError as error:
        raise EngineError(f"cannot write {path}: {error.strerror or error}") from None
