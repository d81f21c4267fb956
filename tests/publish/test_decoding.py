"""Decoding as a player would: MP3 sections in process, against ffmpeg."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from briefing.audio.loudness import true_peak_dbtp
from briefing.errors import EncoderError
from briefing.publish import sections
from briefing.publish.decoding import decode_mp3, mp3_true_peak
from briefing.runtime import ffmpeg_executable

pytestmark = pytest.mark.slow  # the real encoder and decoders

RATE = 22050


def _speechlike(seconds: float = 3.0) -> np.ndarray:
    """Noise in syllable-long bursts, loud enough that a codec can put peaks over -1 dBTP."""
    rng = np.random.default_rng(7)
    samples = rng.standard_normal(int(seconds * RATE)) * 6000
    envelope = (np.sin(np.arange(len(samples)) * 2 * np.pi * 4 / RATE) > 0).astype(float)
    return np.clip(np.round(samples * envelope), -32768, 32767).astype(np.int16)


def _ffmpeg_decoding(frames: bytes) -> np.ndarray:
    result = subprocess.run([ffmpeg_executable(), "-v", "error", "-f", "mp3", "-i", "pipe:0",
                             "-f", "s16le", "-ac", "1", "-"], input=frames,
                            capture_output=True, check=True)
    return np.frombuffer(result.stdout, dtype="<i2")


def test_mp3_frames_decode_as_ffmpeg_decodes_them() -> None:
    frames = sections._lame(_speechlike(), RATE, 64)
    ours, ffmpegs = decode_mp3(frames), _ffmpeg_decoding(frames)
    assert len(ours) == len(ffmpegs) == sections.FRAME * sections._count_frames(frames)
    assert np.abs(ours.astype(np.int32) - ffmpegs).max() <= 1  # rounding: one LSB at most
    assert np.abs(ours).max() > 10_000  # not silence, which would agree trivially
    exact = true_peak_dbtp(ffmpegs, RATE)
    assert mp3_true_peak(frames, RATE, above=exact - 3.0) == pytest.approx(exact, abs=0.01)


def test_what_is_not_mp3_is_one_clear_error() -> None:
    with pytest.raises(EncoderError, match="could not decode the MP3 to check its peaks"):
        decode_mp3(b"\x00not an mp3 at all" * 100)
