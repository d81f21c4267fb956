"""Decoding an encoded programme as a player would, for the codec-overs check: shared by the
one-pass export (ffmpeg) and the MP3 in sections (libmpg123, in process)."""

from __future__ import annotations

import io
import math
import subprocess
from typing import IO

import numpy as np

from briefing.audio.loudness import INTERPOLATION_GAIN, true_peak_dbtp
from briefing.errors import EncoderError
from briefing.runtime import ffmpeg_executable

SCREEN_WINDOW = 1024
"""Samples screened at a time for a sample loud enough to matter."""


def start_decoder(sample_rate: int, source: IO[bytes] | None = None,
                  executable: str | None = None) -> subprocess.Popen[bytes]:
    """ffmpeg (`executable`, else the one `runtime` finds), ready to decode what `source`
    (else what is written to its stdin) holds to s16le mono on its stdout."""
    return subprocess.Popen(
        [executable or ffmpeg_executable(), "-v", "error", "-threads", "1", "-i", "pipe:0",
         "-f", "s16le", "-ac", "1", "-ar", str(sample_rate), "-"],
        stdin=source if source is not None else subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def loud_stretches(samples: np.ndarray, window: int,
                   threshold: float) -> list[tuple[int, int]]:
    """(start, stop) of the runs of `window`-sample windows of `samples` with a sample whose
    magnitude exceeds `threshold`, widened by the interpolation filter's reach."""
    windows = -(-len(samples) // window)
    padded = np.zeros(windows * window, dtype=np.int32)
    padded[: len(samples)] = samples
    loud = np.abs(padded).reshape(windows, window).max(axis=1) > threshold
    # A window's interpolated points reach half the interpolation filter (6 samples) into
    # its neighbours.
    near = loud.copy()
    near[1:] |= loud[:-1]
    near[:-1] |= loud[1:]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], near.astype(np.int8), [0]])))
    return [(int(start) * window, min(int(stop) * window, len(samples)))
            for start, stop in zip(edges[::2], edges[1::2], strict=True)]


def screened_true_peak(samples: np.ndarray, rate: int, above: float) -> float:
    """The true peak (dBTP) of decoded int16 `samples`, interpolated only where it can
    matter: a stretch whose samples, times the interpolator's largest gain, stay at or below
    `above` dBTP cannot peak above it. Exact when over `above`, else at most `above`
    (-inf when nothing is loud enough to look at)."""
    threshold = 10 ** (above / 20) * 32768 / INTERPOLATION_GAIN
    peak = -math.inf
    for start, stop in loud_stretches(samples, SCREEN_WINDOW, threshold):
        peak = max(peak, true_peak_dbtp(samples[start:stop], rate))
    return peak


def decode_mp3(frames: bytes) -> np.ndarray:
    """MP3 `frames` decoded to int16 mono samples, in process, as they are (no Info tag: the
    encoder's priming and padding are kept), by libmpg123, the decoder of many players,
    through libsndfile (`soundfile`'s wheels carry both).

    In process rather than by ffmpeg: ffmpeg 7 hands every packet between its threads, and
    its start and those hand-overs cost about three times the decoding itself (0.35–0.45 s of
    CPU for the example, against 0.13 s here). Within one least significant bit of ffmpeg's
    decoding, and of the same length. libsndfile lets go of the GIL while it decodes, so
    sections are checked in parallel on threads.
    """
    try:
        import soundfile  # only where MP3 sections are checked
    except ImportError:  # a broken install: the package depends on it
        raise EncoderError("soundfile not found (it decodes the MP3 to check its peaks): "
                           "`pip install soundfile`") from None
    try:
        samples, _ = soundfile.read(io.BytesIO(frames), dtype="int16", always_2d=True)
    except soundfile.SoundFileError as error:  # one built without MP3: "not recognised"
        raise EncoderError("could not decode the MP3 to check its peaks (libsndfile "
                           f"{soundfile.__libsndfile_version__}: {error}); reinstall "
                           "soundfile (`pip install --force-reinstall soundfile`), whose "
                           "wheels carry a libsndfile that decodes MP3") from None
    return np.ascontiguousarray(samples[:, 0])


def mp3_true_peak(frames: bytes, rate: int, above: float) -> float:
    """The decoded true peak (dBTP) of MP3 `frames`, as `screened_true_peak` measures it."""
    return screened_true_peak(decode_mp3(frames), rate, above)
