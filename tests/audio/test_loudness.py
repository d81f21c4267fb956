"""Loudness normalisation, checked against ffmpeg's own EBU R128 meter on real eSpeak speech."""

from __future__ import annotations

import math
import os
import re
import subprocess
import sys
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np
import pytest

from briefing.audio import loudness
from briefing.audio.loudness import (
    TRUE_PEAK_PHASES,
    LoudnessReport,
    _block_matrices,
    _filter_segment,
    _k_weighting,
    _rest,
    _sos_filter,
    integrated_loudness,
    normalize_loudness,
    true_peak_dbtp,
)

RATE = 22050
TEXT = (
    "Good morning. Here is your briefing for today. Parliament approved the new budget late "
    "last night, after a debate that lasted almost fourteen hours. Critics say the plan cuts "
    "spending on schools and hospitals too deeply, while supporters point to a smaller deficit. "
    "In sport, the national team qualified for the final with a two to one win on Saturday. "
    "Weather: sunny spells this afternoon, with showers spreading from the west by evening. "
    "Stocks, bonds and currencies were quiet. That's all for now; thanks for listening."
)

# Synthesised in a child process so the engine's global state never touches the test process.
_SYNTH = """
import ctypes, os, sys, espeakng_loader
ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
import pyttsx3
engine = pyttsx3.init("espeak")
engine.save_to_file(sys.argv[1], sys.argv[2])
engine.runAndWait()
from pyttsx3.drivers import _espeak
_espeak.Synchronize()
"""


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16), wav.getframerate()


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())


def ffmpeg_r128(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) from ffmpeg's ebur128 filter, to three decimals."""
    result = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-af",
            "ebur128=peak=true:metadata=1,ametadata=print:file=-",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    integrated = float(re.findall(r"lavfi\.r128\.I=(-?[\d.]+)", result.stdout)[-1])
    peak = float(re.findall(r"lavfi\.r128\.true_peak=([\d.]+)", result.stdout)[-1])
    return integrated, 20.0 * math.log10(peak)


def encode_mp3(wav_path: Path, mp3_path: Path) -> None:
    subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-y",
            "-loglevel",
            "error",
            "-i",
            str(wav_path),
            "-codec:a",
            "libmp3lame",
            "-b:a",
            "64k",
            str(mp3_path),
        ],
        check=True,
    )


@pytest.fixture(scope="module")
def speech(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    path = tmp_path_factory.mktemp("speech") / "speech.wav"
    subprocess.run([sys.executable, "-c", _SYNTH, TEXT, str(path)], check=True, capture_output=True)
    samples, rate = read_wav(path)
    assert rate == RATE
    assert len(samples) > 20 * RATE  # a real programme, not a stub
    return samples


def test_k_weighting_reproduces_the_bs1770_table_at_48k() -> None:
    shelf, highpass = _k_weighting(48000)
    np.testing.assert_allclose(
        shelf, [1.53512485958697, -2.69169618940638, 1.19839281085285, 1, -1.69065929318241,
                0.73248077421585], atol=1e-9,
    )  # fmt: skip
    np.testing.assert_allclose(
        highpass, [1, -2, 1, 1, -1.99004745483398, 0.99007225036621], atol=1e-9
    )


@pytest.mark.parametrize("length", [1, 2, 31, 32, 33, 1000, 9000, 100_003])
def test_block_filter_matches_a_per_sample_biquad_cascade(length: int) -> None:
    sos = _k_weighting(RATE)
    x = np.random.default_rng(length).standard_normal(length) * 0.2
    expected = x.copy()
    for b0, b1, b2, _, a1, a2 in sos:
        # Plain direct form I recursion, the definition the fast version must reproduce.
        x1 = x2 = y1 = y2 = 0.0
        out = np.empty_like(expected)
        for i, v in enumerate(expected):
            y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2, x1, y2, y1 = x1, v, y1, y
            out[i] = y
        expected = out
    np.testing.assert_allclose(_sos_filter(sos, x), expected, rtol=0, atol=1e-9)


def test_filter_state_carries_across_segments() -> None:
    sos = _k_weighting(RATE)
    x = np.random.default_rng(7).standard_normal(100_003) * 0.2
    matrices = _block_matrices(sos, 32)
    state = _rest(sos)
    pieces = []
    for start, stop in [(0, 32), (32, 4128), (4128, 4160), (4160, 70_016), (70_016, 100_003)]:
        out, state = _filter_segment(matrices, x[start:stop], state)
        pieces.append(out)
    np.testing.assert_allclose(np.concatenate(pieces), _sos_filter(sos, x), rtol=0, atol=1e-9)


@pytest.mark.parametrize("segment", [4096, 1 << 17])
def test_segmented_results_equal_whole_signal_results(
    speech: np.ndarray, monkeypatch: pytest.MonkeyPatch, segment: int
) -> None:
    # Several segments, an odd length, and a loud stretch so that the limiter works across
    # segment boundaries.
    signal = np.concatenate([speech, (speech // 4).astype(np.int16), speech, speech[:12_345]])
    assert len(signal) > 5 * (1 << 17)

    def run() -> tuple[float, float, np.ndarray, LoudnessReport]:
        out, report = normalize_loudness(signal, RATE, target_lufs=-14.0)
        return integrated_loudness(signal, RATE), true_peak_dbtp(signal, RATE), out, report

    monkeypatch.setattr(loudness, "_SEGMENT", 1 << 40)  # one segment: the whole signal at once
    whole = run()
    monkeypatch.setattr(loudness, "_SEGMENT", segment)
    segmented = run()
    assert segmented[0] == pytest.approx(whole[0], abs=1e-9)
    assert segmented[1] == pytest.approx(whole[1], abs=1e-9)
    # The measurements of the input are float64 sums in another order: they agree to ~1e-12.
    # The output's are taken on int16 samples, and a one-step rounding flip of a few samples
    # (allowed below) moves them by up to ~1e-8 LU, depending on the CPU's summation; 1e-6
    # LU still proves the segmented path right, 5 orders below an audible 0.1 LU.
    for field, value in vars(whole[3]).items():
        tolerance = 1e-6 if field.startswith("output") else 1e-9
        assert getattr(segmented[3], field) == pytest.approx(value, abs=tolerance), field
    # The gains agree to ~1e-9, so rounding can flip a sample by one step where its scaled
    # value lies that close to a half step: about 1 in 100,000 samples (36 of 1.7 million
    # seen on one CPU). Allow 1 in 10,000: still a one-step (-90 dBFS) difference, inaudible.
    difference = np.abs(segmented[2].astype(np.int32) - whole[2])
    assert difference.max() <= 1
    assert np.count_nonzero(difference) <= len(signal) // 10_000


_MEMORY_PROBE = """
import resource, sys
import numpy as np
from briefing.audio.loudness import normalize_loudness
rate = 22050
t = np.arange(rate) / rate
syllables = np.clip(np.sin(2 * np.pi * 4.3 * t), 0, None) * np.sin(2 * np.pi * 150 * t)
second = np.round(30000 * syllables).astype(np.int16)
samples = np.empty(int(sys.argv[1]) * rate, np.int16)
for start in range(0, len(samples), rate):
    samples[start : start + rate] = second
normalize_loudness(samples[: rate // 2].copy(), rate)  # libraries' own buffers
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
normalize_loudness(samples, rate)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * (1 if sys.platform == "darwin" else 1024), samples.nbytes)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="resource is POSIX-only")
def test_normalizing_takes_about_one_more_programme_of_memory() -> None:
    # Ten minutes: the output (one more int16 programme) and some MB of segment temporaries;
    # whole-programme float64 copies would take several times the programme's size.
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, "600"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "OPENBLAS_NUM_THREADS": "1"},
    )
    added, programme = map(int, result.stdout.split())
    assert added < 1.5 * programme + 24 * 2**20, f"{added / 2**20:.0f} MiB"


def test_true_peak_filter_is_the_symmetric_annex_2_prototype() -> None:
    assert TRUE_PEAK_PHASES.shape == (4, 12)
    np.testing.assert_array_equal(TRUE_PEAK_PHASES[3], TRUE_PEAK_PHASES[0][::-1])
    np.testing.assert_array_equal(TRUE_PEAK_PHASES[2], TRUE_PEAK_PHASES[1][::-1])
    # The table's phases pass DC at 1.0016 and 0.9730: a transcription slip would show here.
    np.testing.assert_allclose(
        TRUE_PEAK_PHASES.sum(axis=1), [1.00159, 0.97302, 0.97302, 1.00159], atol=1e-4
    )


def test_true_peak_finds_the_peak_between_samples() -> None:
    # A full-scale sine at fs/4 sampled 45 degrees off its crests: samples reach only 0.707.
    n = np.arange(RATE)
    samples = np.round(32767 * np.sin(np.pi / 2 * n + np.pi / 4)).astype(np.int16)
    sample_peak_db = 20 * math.log10(np.abs(samples).max() / 32768)
    assert sample_peak_db == pytest.approx(-3.01, abs=0.01)
    assert true_peak_dbtp(samples, RATE) == pytest.approx(0.0, abs=0.3)


def test_integrated_loudness_of_a_reference_sine() -> None:
    # BS.1770: a 0 dBFS 997 Hz sine in one channel reads -3.01 LKFS.
    t = np.arange(10 * 48000) / 48000
    sine = np.round(32767 * np.sin(2 * np.pi * 997 * t)).astype(np.int16)
    assert integrated_loudness(sine, 48000) == pytest.approx(-3.01, abs=0.02)


def test_integrated_loudness_agrees_with_ffmpeg_on_speech(
    speech: np.ndarray, tmp_path: Path
) -> None:
    path = tmp_path / "speech.wav"
    write_wav(path, speech)
    ffmpeg_lufs, _ = ffmpeg_r128(path)
    assert integrated_loudness(speech, RATE) == pytest.approx(ffmpeg_lufs, abs=0.3)


def test_gating_ignores_silence(speech: np.ndarray) -> None:
    padded = np.concatenate([np.zeros(20 * RATE, np.int16), speech, np.zeros(20 * RATE, np.int16)])
    assert integrated_loudness(padded, RATE) == pytest.approx(
        integrated_loudness(speech, RATE), abs=0.05
    )


@pytest.mark.parametrize("target", [-16.0, -14.0])
def test_normalized_wav_meets_target_per_ffmpeg(
    speech: np.ndarray, tmp_path: Path, target: float
) -> None:
    out, report = normalize_loudness(speech, RATE, target_lufs=target)
    assert out.dtype == np.int16
    assert out.shape == speech.shape
    assert report.output_lufs == pytest.approx(target, abs=0.5)
    assert report.output_true_peak_dbtp <= -1.0
    path = tmp_path / "out.wav"
    write_wav(path, out)
    lufs, peak = ffmpeg_r128(path)
    assert lufs == pytest.approx(target, abs=0.5)
    assert peak <= -1.0


@pytest.mark.parametrize(
    "target",
    [
        -16.0,
        pytest.param(
            -14.0,
            marks=pytest.mark.xfail(
                strict=True,
                reason="known limit: at -14 LUFS, libmp3lame at 64k adds up to ~2 dB of overs "
                "at eSpeak's plosive transients whatever the limiter ceiling (measured -1.0 "
                "dBTP in the MP3 even with a -3.3 dBTP ceiling). The limiter alone cannot fix it; "
                "export's check after encoding does (tests/publish/test_podcast.py, loudness)",
            ),
        ),
    ],
)
def test_normalized_mp3_meets_target_per_ffmpeg(
    speech: np.ndarray, tmp_path: Path, target: float
) -> None:
    out, _ = normalize_loudness(speech, RATE, target_lufs=target)
    wav_path = tmp_path / "out.wav"
    mp3_path = tmp_path / "out.mp3"
    write_wav(wav_path, out)
    encode_mp3(wav_path, mp3_path)
    lufs, peak = ffmpeg_r128(mp3_path)
    assert lufs == pytest.approx(target, abs=1.0)
    assert peak <= -1.0


def test_mp3_loudness_at_minus_14_is_on_target(speech: np.ndarray, tmp_path: Path) -> None:
    out, _ = normalize_loudness(speech, RATE, target_lufs=-14.0)
    wav_path = tmp_path / "out.wav"
    mp3_path = tmp_path / "out.mp3"
    write_wav(wav_path, out)
    encode_mp3(wav_path, mp3_path)
    lufs, peak = ffmpeg_r128(mp3_path)
    assert lufs == pytest.approx(-14.0, abs=1.0)
    assert peak <= 0.0  # the overs stay small: no audible clipping


def test_report_describes_the_input_and_the_output(speech: np.ndarray) -> None:
    out, report = normalize_loudness(speech, RATE)
    assert isinstance(report, LoudnessReport)
    assert report.input_lufs == pytest.approx(integrated_loudness(speech, RATE))
    assert report.input_true_peak_dbtp == pytest.approx(true_peak_dbtp(speech, RATE), abs=1e-6)
    assert report.output_lufs == pytest.approx(integrated_loudness(out, RATE))
    assert report.output_true_peak_dbtp == pytest.approx(true_peak_dbtp(out, RATE), abs=1e-6)
    # eSpeak peaks near full scale, so reaching -16 LUFS takes more gain than the loudness gap.
    assert report.gain_db >= -16.0 - report.input_lufs


def test_quiet_programme_is_only_amplified(speech: np.ndarray) -> None:
    quiet = (speech // 16).astype(np.int16)  # about -24 dB: gain alone cannot clip it
    out, report = normalize_loudness(quiet, RATE, target_lufs=-30.0)
    assert report.output_lufs == pytest.approx(-30.0, abs=0.05)
    ratio = out.astype(float)[np.abs(quiet) > 100] / quiet.astype(float)[np.abs(quiet) > 100]
    assert np.ptp(ratio) < 0.01  # one static gain, no limiting


def test_louder_target_and_lower_ceiling_are_honoured(speech: np.ndarray) -> None:
    _, at_16 = normalize_loudness(speech, RATE, target_lufs=-16.0)
    _, at_14 = normalize_loudness(speech, RATE, target_lufs=-14.0)
    assert at_14.output_lufs == pytest.approx(at_16.output_lufs + 2.0, abs=0.1)
    _, low_ceiling = normalize_loudness(speech, RATE, target_lufs=-16.0, true_peak_dbtp=-3.0)
    assert low_ceiling.output_lufs == pytest.approx(-16.0, abs=0.1)
    assert low_ceiling.output_true_peak_dbtp <= -3.0


@pytest.mark.parametrize(
    "samples",
    [
        np.zeros(0, np.int16),
        np.zeros(100, np.int16),
        np.zeros(10 * RATE, np.int16),
        np.full(RATE // 10, 5000, np.int16),  # shorter than one 400 ms block
    ],
    ids=["empty", "short-silence", "long-silence", "too-short"],
)
def test_unmeasurable_input_is_returned_unchanged(samples: np.ndarray) -> None:
    out, report = normalize_loudness(samples, RATE)
    np.testing.assert_array_equal(out, samples)
    assert report.input_lufs == -math.inf
    assert report.output_lufs == -math.inf
    assert report.gain_db == 0.0


@pytest.mark.parametrize(
    ("samples", "rate"),
    [
        (np.zeros(10, np.float32), RATE),
        (np.zeros((10, 2), np.int16), RATE),
        (np.zeros(10, np.int16), 0),
    ],
)
def test_bad_arguments_are_rejected(samples: np.ndarray, rate: int) -> None:
    with pytest.raises(ValueError):
        normalize_loudness(samples, rate)


def test_skipping_the_output_measurement_changes_nothing_but_the_report() -> None:
    rng = np.random.default_rng(7)
    speechlike = (rng.standard_normal(22050 * 6) * 3000 * np.repeat(
        rng.random(60) > 0.3, 22050 // 10)).astype(np.int16)
    measured, report = normalize_loudness(speechlike, 22050)
    quick, predicted = normalize_loudness(speechlike, 22050, measure_output=False)
    assert np.array_equal(measured, quick)
    assert abs(predicted.output_lufs - report.output_lufs) < 0.5
    assert predicted.output_true_peak_dbtp >= report.output_true_peak_dbtp - 0.5


def test_in_place_gives_the_same_samples_in_the_same_array() -> None:
    rng = np.random.default_rng(11)
    gate = np.repeat(rng.random(400) > 0.3, 22050 // 10)
    speechlike = (rng.standard_normal(len(gate)) * 3000 * gate).astype(np.int16)
    expected, _ = normalize_loudness(speechlike, 22050)
    programme = speechlike.copy()
    result, _ = normalize_loudness(programme, 22050, in_place=True)
    assert result is programme
    assert np.array_equal(result, expected)
