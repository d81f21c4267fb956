"""A stand-in engine for unit tests of the logic around synthesis (never for real output).

It "speaks" a tone whose length follows the text, so assembly, timing and caching can be
tested exactly and fast; and it can be told to fail in the ways real engines do.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing.errors import EngineError
from briefing.model import VoiceInfo
from briefing.speech.engines.base import write_wav


@dataclass
class FakeEngine:
    """Writes `ms_per_char` milliseconds of a 440 Hz tone per character of text."""

    ms_per_char: float = 20.0
    sample_rate: int = 22050
    name: str = "fake"
    forkable: bool = True
    fail_with: str | None = None
    """None: behave. "error": raise. "empty": write an empty WAV. "short": write a tenth of
    the audio. "hang": never return. "crash": kill the process. "garbage": write bytes that
    are not a WAV."""

    @property
    def words_per_minute(self) -> int:
        # About six characters a word (with its space) at `ms_per_char`.
        return round(60_000 / (6 * self.ms_per_char))

    def prepare(self) -> None:
        pass

    def synthesize(self, text: str, wav_path: Path) -> None:
        if self.fail_with == "error":
            raise EngineError("fake failure")
        if self.fail_with == "hang":
            time.sleep(3600)
        if self.fail_with == "crash":
            os.abort()
        if self.fail_with == "garbage":
            wav_path.write_bytes(b"this is not a wav file")
            return
        frames = {"empty": 0, "short": self.frames_for(text) // 10}.get(
            self.fail_with or "", self.frames_for(text))
        tone = (8000 * np.sin(2 * np.pi * 440 * np.arange(frames) / self.sample_rate))
        write_wav(wav_path, tone, self.sample_rate)

    def frames_for(self, text: str) -> int:
        return round(len(text) * self.ms_per_char * self.sample_rate / 1000)

    def cache_key(self) -> str:
        return f"fake|{self.ms_per_char}|{self.sample_rate}|{self.fail_with}"

    def voices(self) -> list[VoiceInfo]:
        return [VoiceInfo("fake", "Fake tone", ("en",), None)]
