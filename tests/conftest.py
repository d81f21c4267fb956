"""Shared helpers: run the real CLI, decode real output with ffmpeg."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from briefing.runtime import ffmpeg_executable
from tests.web_server import WebServer, serve

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ukraine-north-korea.txt"


@dataclass(frozen=True)
class Run:
    """A finished `briefing` command."""

    code: int
    stdout: str
    stderr: str


def run_cli(*args: str | Path, stdin: bytes | None = None, cwd: Path | None = None,
            env: dict[str, str] | None = None, timeout: float = 300) -> Run:
    """Run `python -m briefing ARGS` in a real subprocess, as a user would."""
    process = subprocess.run(
        [sys.executable, "-m", "briefing", *map(str, args)],
        input=stdin if stdin is not None else b"", capture_output=True, cwd=cwd,
        env={**os.environ, **(env or {})}, timeout=timeout,
    )
    return Run(process.returncode, process.stdout.decode(), process.stderr.decode())


def decode(path: Path, rate: int = 22050) -> np.ndarray:
    """Decode any audio file to mono int16 samples at `rate` with ffmpeg."""
    process = subprocess.run(
        [ffmpeg_executable(), "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
         "-ar", str(rate), "-"], capture_output=True, check=True,
    )
    return np.frombuffer(process.stdout, dtype="<i2")


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example article built once, for real, with the CLI: returns the MP3's path."""
    target = tmp_path_factory.mktemp("example") / "ukraine-north-korea.mp3"
    result = run_cli("build", EXAMPLE, "-o", target)
    if result.code != 0:
        raise RuntimeError(f"building the example failed: {result.stderr}")
    return target


@pytest.fixture
def web() -> Iterator[WebServer]:
    """A real HTTP server on 127.0.0.1 serving the web fixtures and failure routes."""
    yield from serve()
