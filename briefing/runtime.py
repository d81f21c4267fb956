"""Find the native parts the pipeline needs: the eSpeak NG library and an ffmpeg binary.

A system install is preferred when present; otherwise the wheels that `pip install` brought
(espeakng-loader ships libespeak-ng and its data, imageio-ffmpeg ships ffmpeg), so a fresh
Linux machine needs nothing but pip.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from briefing.errors import EncoderError, EngineError

ESPEAK_SONAME = "libespeak-ng.so.1"


@functools.cache
def load_espeak() -> str:
    """Make libespeak-ng loadable by pyttsx3 (which opens it by soname); return its origin.

    Called once per process before pyttsx3's eSpeak driver is imported.
    """
    if not sys.platform.startswith("linux"):
        return "system"
    try:
        ctypes.CDLL(ESPEAK_SONAME, mode=ctypes.RTLD_GLOBAL)
        return "system"
    except OSError:
        pass
    try:
        import espeakng_loader
    except ImportError:
        raise EngineError(
            "eSpeak NG is not installed: `pip install espeakng-loader` (or install the "
            "espeak-ng package of your system)") from None
    library = espeakng_loader.get_library_path()
    try:
        # Loaded globally under its soname, the wheel's library is the one that pyttsx3's
        # own dlopen("libespeak-ng.so.1") then finds.
        ctypes.CDLL(library, mode=ctypes.RTLD_GLOBAL)
        data = espeakng_loader.get_data_path()
    except (OSError, RuntimeError) as error:
        raise EngineError(f"cannot load eSpeak NG from {library}: {error}") from None
    os.environ["ESPEAK_DATA_PATH"] = data
    return "wheel"


@functools.cache
def ffmpeg_executable() -> str:
    """The ffmpeg to encode with: the system's if on PATH, else the imageio-ffmpeg wheel's."""
    found = shutil.which("ffmpeg") or _bundled_ffmpeg()
    if found:
        return found
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError):
        raise EncoderError(
            "ffmpeg not found: `pip install imageio-ffmpeg` or install ffmpeg "
            "(e.g. `apt install ffmpeg`)") from None


def _bundled_ffmpeg() -> str | None:
    """The imageio-ffmpeg wheel's binary, found where the wheel keeps it (`binaries/ffmpeg-*`)
    without importing the package: its `get_ffmpeg_exe` imports 50 ms of modules and runs
    the binary to check it, 0.1 s or more of every build. An ffmpeg that does not run is
    reported when the encoding starts. None if the wheel is not there, or is laid out
    otherwise (then `get_ffmpeg_exe` finds it), or IMAGEIO_FFMPEG_EXE chooses another."""
    import importlib.util

    if os.environ.get("IMAGEIO_FFMPEG_EXE"):
        return None
    try:
        spec = importlib.util.find_spec("imageio_ffmpeg")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        for candidate in sorted(Path(folder, "binaries").glob("ffmpeg-*")):
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return str(candidate)
    return None


ENCODER_BASE_SECONDS = 30.0
"""Every ffmpeg run may take this long, whatever its length (start-up on a loaded machine)."""
ENCODER_SECONDS_PER_AUDIO_SECOND = 0.1
"""…plus this much per second of audio: ffmpeg encodes and decodes speech at several hundred
times real time here (the 169 s example in about 0.3 s), so this is over 50 times slack."""


def encoder_deadline(audio_seconds: float) -> float:
    """How long an ffmpeg run over `audio_seconds` of audio may take before it is killed."""
    return ENCODER_BASE_SECONDS + audio_seconds * ENCODER_SECONDS_PER_AUDIO_SECOND


def run_encoder(command: list[str], deadline: float, doing: str) -> bytes:
    """Run ffmpeg; its stderr on success. A run past `deadline` seconds is killed, like a hung
    engine, and any failure is an EncoderError naming what it was `doing`."""
    try:
        result = subprocess.run(command, capture_output=True, check=False, timeout=deadline)
    except subprocess.TimeoutExpired:
        raise EncoderError(f"ffmpeg did not finish {doing} within {deadline:.0f} s and was "
                           "stopped") from None
    if result.returncode != 0:
        lines = result.stderr.decode(errors="replace").strip().splitlines()
        raise EncoderError(f"ffmpeg could not finish {doing}: "
                           f"{lines[-1] if lines else result.returncode}")
    return result.stderr


@functools.cache
def _libc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


def release_free_memory() -> None:
    """Hand memory freed by this process back to the system, where the C library can.

    glibc keeps freed blocks of a few hundred kilobytes (a clip) in its heap for reuse; a long
    programme is assembled from thousands of them, and without this the freed clips and the
    growing programme would both count against the build's memory.
    """
    trim = _libc_trim()
    if trim is not None:
        trim(0)


HUGE_PAGES_TUNABLE = "glibc.malloc.hugetlb=1"
"""glibc (2.35 and later) then asks the kernel for transparent huge pages for its heap and
its large allocations, where the system leaves them to `madvise` (Debian's default). A
forked Piper child touches ~220 MB of fresh memory for its inference, 4 KiB at a time:
measured on the example, a Piper build took 850,000 page faults without it and 160,000 with
it, a second less system time and ~6% less wall time. Older glibc and other C libraries ignore
it; an eSpeak build is unchanged (its children touch little)."""


def huge_pages_environment(environ: Mapping[str, str]) -> dict[str, str] | None:
    """`environ` with glibc's malloc asking for huge pages, to run a Piper build's process
    with (the C library reads it only when a process starts); None where it already does,
    or on a system other than Linux."""
    if not sys.platform.startswith("linux"):
        return None
    tunables = environ.get("GLIBC_TUNABLES", "")
    if any(part.startswith("glibc.malloc.hugetlb=") for part in tunables.split(":")):
        return None  # asked for already, or chosen otherwise by the user: theirs stands
    return {**environ,
            "GLIBC_TUNABLES": f"{tunables}:{HUGE_PAGES_TUNABLE}" if tunables
            else HUGE_PAGES_TUNABLE}
