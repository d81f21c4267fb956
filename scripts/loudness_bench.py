"""Time `normalize_loudness` on 144 s of eSpeak speech next to ffmpeg's two-pass loudnorm.

Run: .venv/bin/python scripts/loudness_bench.py [--target -16]
Speech is synthesised from examples/ and repeated to 144 s (the length the budget is set for).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import imageio_ffmpeg
import numpy as np

from briefing.audio.loudness import normalize_loudness

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 144


def synthesise(text: str, path: Path) -> None:
    import espeakng_loader

    # The wheel's library must be loaded globally before pyttsx3 looks for eSpeak.
    ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
    import pyttsx3
    from pyttsx3.drivers import _espeak

    engine = pyttsx3.init("espeak")
    engine.save_to_file(text, str(path))
    with contextlib.redirect_stdout(io.StringIO()):  # pyttsx3 announces every saved file
        engine.runAndWait()
        _espeak.Synchronize()


def speech(seconds: int) -> tuple[np.ndarray, int]:
    text = " ".join(
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").glob("*.txt"))
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speech.wav"
        synthesise(text, path)
        with wave.open(str(path), "rb") as wav:
            rate = wav.getframerate()
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype=np.int16)
    repeats = -(-seconds * rate // len(samples))
    return np.tile(samples, repeats)[: seconds * rate], rate


def ffmpeg_two_pass(samples: np.ndarray, rate: int, target: float) -> float:
    """Seconds for ffmpeg loudnorm: a measuring pass, then the pass with measured values."""
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.wav"
        with wave.open(str(src), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(samples.tobytes())
        base = f"loudnorm=I={target}:TP=-1.0:LRA=11"
        start = time.perf_counter()
        first = subprocess.run(
            [ffmpeg, "-hide_banner", "-nostats", "-i", str(src), "-af",
             base + ":print_format=json", "-f", "null", "-"],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        stats = json.loads(re.findall(r"\{[^{}]*\}", first.stderr)[-1])
        second = (
            f"{base}:measured_I={stats['input_i']}:measured_TP={stats['input_tp']}"
            f":measured_LRA={stats['input_lra']}:measured_thresh={stats['input_thresh']}"
            f":offset={stats['target_offset']}:linear=true"
        )
        subprocess.run(
            [ffmpeg, "-hide_banner", "-nostats", "-y", "-i", str(src), "-af", second,
             "-ar", str(rate), str(Path(tmp) / "out.wav")],
            capture_output=True, check=True,
        )  # fmt: skip
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", type=float, default=-16.0)
    args = parser.parse_args()
    samples, rate = speech(SECONDS)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        _, report = normalize_loudness(samples, rate, target_lufs=args.target)
        times.append(time.perf_counter() - start)
    print(f"audio: {len(samples) / rate:.0f} s at {rate} Hz, target {args.target} LUFS")
    print(f"normalize_loudness: {statistics.median(times):.3f} s (median of 5;"
          f" runs {', '.join(f'{t:.3f}' for t in times)})")  # fmt: skip
    print(f"  {report}")
    print(
        f"ffmpeg loudnorm, two passes:          {ffmpeg_two_pass(samples, rate, args.target):.3f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
