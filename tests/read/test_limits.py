"""The bounded read every input goes through, and the longest briefing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from briefing.errors import InputError
from briefing.read.limits import (
    MAX_BRIEFING_SECONDS,
    check_length,
    format_size,
    read_bounded,
)


class Endless(io.RawIOBase):
    """A stream that never ends (like /dev/zero) and counts what was asked of it."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        buffer[:] = b"a" * len(buffer)
        self.given += len(buffer)
        return len(buffer)


@pytest.mark.parametrize("size", [0, 1, 99, 100])
def test_reads_up_to_the_limit(size: int) -> None:
    assert read_bounded(io.BytesIO(b"x" * size), 100, "x") == b"x" * size


def test_refuses_one_byte_more_naming_the_limit_and_the_setting() -> None:
    with pytest.raises(InputError, match=r"^page is larger than 100 bytes, the most briefing "
                                         r"reads; raise the setting max_page to read it$"):
        read_bounded(io.BytesIO(b"x" * 101), 100, "page", "max_page")


def test_an_endless_stream_is_cut_at_the_limit() -> None:
    stream = Endless()
    with pytest.raises(InputError, match="larger than 1 MB"):
        read_bounded(stream, 1 << 20, "/dev/zero")  # type: ignore[arg-type]
    assert stream.given <= (1 << 20) + (1 << 16)


def test_dev_zero_and_urandom_are_refused() -> None:
    for device in ("/dev/zero", "/dev/urandom"):
        with Path(device).open("rb") as handle, pytest.raises(InputError, match=device):
            read_bounded(handle, 1 << 20, device)


@pytest.mark.parametrize(("size", "text"), [(100, "100 bytes"), (2048, "2 kB"),
                                            (1536, "1.5 kB"), (16 << 20, "16 MB")])
def test_format_size(size: int, text: str) -> None:
    assert format_size(size) == text


def test_length_is_estimated_from_words_and_rate() -> None:
    words_in_12_hours = 175 * 60 * 12
    check_length(words_in_12_hours, 175, "a.txt")
    with pytest.raises(InputError, match=r"a.txt would make about 13 hours of speech; the "
                                         r"longest briefing is 12 hours"):
        check_length(words_in_12_hours * 13 // 12, 175, "a.txt")
    assert MAX_BRIEFING_SECONDS == 12 * 3600
