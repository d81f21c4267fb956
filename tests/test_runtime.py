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


@pytest.mark.parametrize(("tunables", "expected"), [
    (None, "glibc.malloc.hugetlb=1"),
    ("", "glibc.malloc.hugetlb=1"),
    ("glibc.malloc.arena_max=2", "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1"),
    ("glibc.malloc.hugetlb=1", None),  # asked for already: no second run
    ("glibc.malloc.hugetlb=0", None),  # the user's own choice stands
    ("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2", None),
])
def test_huge_pages_are_asked_of_glibc_unless_the_environment_says_otherwise(
        tunables: str | None, expected: str | None) -> None:
    environ = {"PATH": "/bin"} | ({} if tunables is None else {"GLIBC_TUNABLES": tunables})
    rerun = runtime.huge_pages_environment(environ)
    if expected is None:
        assert rerun is None
    else:
        assert rerun == {"PATH": "/bin", "GLIBC_TUNABLES": expected}
