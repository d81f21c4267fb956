"""Export: the programme streamed to ffmpeg, and the codec-overs check only where it matters."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from briefing.audio.loudness import INTERPOLATION_GAIN, true_peak_dbtp
from briefing.model import Tags, Timeline
from briefing.publish import export
from briefing.publish.decoding import loud_stretches
from briefing.publish.export import decoded_true_peak

pytestmark = pytest.mark.slow  # end to end: real engines, encoder, processes

RATE = 22050


def _programme(seconds: float = 4.0) -> np.ndarray:
    """Quiet noise with two loud bursts: the check has something to skip and something not."""
    rng = np.random.default_rng(3)
    samples = rng.standard_normal(int(seconds * RATE)) * 300
    samples[RATE : RATE + 2000] *= 80
    samples[3 * RATE : 3 * RATE + 500] *= 90
    return np.clip(np.round(samples), -32768, 32767).astype(np.int16)


@pytest.fixture
def encoded(tmp_path: Path) -> tuple[Path, np.ndarray]:
    samples = _programme()
    target = tmp_path / "p.mp3"
    blocks = [samples[i : i + 10_000] for i in range(0, len(samples), 10_000)]
    export.export(Timeline(RATE, len(samples), (), ()), lambda quieter: blocks, target,
                  Tags("t", "2026-01-01T00:00:00", ""), export.EncodingOptions())
    return target, samples


def test_screened_check_finds_the_same_peak_where_it_matters(
        encoded: tuple[Path, np.ndarray]) -> None:
    path, _ = encoded
    exact = decoded_true_peak(path, RATE)
    # float32 products on another chunk grid: the same peak to a millionth of a dB.
    assert decoded_true_peak(path, RATE, above=exact - 3.0) == pytest.approx(exact, abs=1e-4)
    assert decoded_true_peak(path, RATE, above=exact + 3.0) <= exact + 3.0


@pytest.mark.parametrize("name", ["plain", "we|ird [x]:y'z \\ é"])
def test_the_check_alongside_the_encoding_is_the_check_of_the_file(
        tmp_path: Path, name: str) -> None:
    # The encoder writes the file and a stream for the decoder at once (ffmpeg's tee
    # muxer, whose syntax the file's name must not break): the same file as written
    # alone, and the same peak as decoding the file.
    samples = _programme()
    folder = tmp_path / name
    folder.mkdir()
    alongside, alone = folder / "a.mp3", tmp_path / "b.mp3"
    peak = export._encode([samples], RATE, alongside, export.EncodingOptions(), 4.0,
                          check_above=-20.0)
    assert export._encode([samples], RATE, alone, export.EncodingOptions(), 4.0) is None
    assert alongside.read_bytes() == alone.read_bytes()
    assert peak == pytest.approx(decoded_true_peak(alone, RATE, above=-20.0), abs=1e-9)
    assert peak is not None and peak > -20.0


def test_loud_stretches_cover_every_sample_that_could_exceed() -> None:
    samples = _programme()
    threshold = 10_000.0
    stretches = loud_stretches(samples, 1024, threshold)
    covered = np.zeros(len(samples), dtype=bool)
    for start, stop in stretches:
        covered[start:stop] = True
    assert covered[np.abs(samples.astype(np.int32)) > threshold].all()
    assert covered.mean() < 0.5  # the quiet stretches are skipped
    # Outside the stretches, no interpolated point can exceed the threshold's bound.
    quiet = np.where(covered, 0, samples).astype(np.int16)
    assert true_peak_dbtp(quiet, RATE) <= 20 * math.log10(threshold * INTERPOLATION_GAIN / 32768)


def test_a_failing_encoder_is_one_clear_error(tmp_path: Path) -> None:
    options = export.EncodingOptions(bitrate="not-a-rate")
    with pytest.raises(export.EncoderError, match="ffmpeg could not encode"):
        export.export(Timeline(RATE, 100, (), ()),
                      lambda quieter: [np.zeros(100, dtype=np.int16)], tmp_path / "x.mp3",
                      Tags("t", "2026-01-01T00:00:00", ""), options)
    assert not list(tmp_path.iterdir())  # no partial file
