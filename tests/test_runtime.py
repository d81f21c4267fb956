"""Finding ffmpeg: the wheel's binary, without running it first."""

from __future__ import annotations

import subprocess

import pytest

from briefing import runtime


def test_the_wheels_ffmpeg_is_found_without_importing_its_package() -> None:
    found = runtime._bundled_ffmpeg()
    assert found is not None, "imageio-ffmpeg's binary is missing: the install is broken"
    version = subprocess.run([found, "-version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("ffmpeg version")


def test_imageios_own_setting_is_left_to_imageio(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/opt/some/ffmpeg")
    assert runtime._bundled_ffmpeg() is None
