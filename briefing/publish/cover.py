"""Cover art for the briefing: the packaged default, or the user's own JPEG or PNG.

Only the header is read to learn the format and the size, so no imaging library is needed at
run time. Whether a non-square picture is acceptable is the caller's decision: `Cover.square`
tells it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from briefing.errors import InputError
from briefing.read.limits import MAX_COVER_BYTES, read_bounded

__all__ = ["IMAGE_SUFFIXES", "Cover", "advice", "load_cover", "parse_cover"]

IMAGE_SUFFIXES = {"image/png": ".png", "image/jpeg": ".jpg"}
"""The file suffix of each kind of picture a cover may be."""

MAX_SIDE = 8192
"""The widest or tallest cover accepted. Pictures are embedded undecoded, so the check is on
the size the header declares: a 20000x20000 PNG of a few kilobytes is a decompression bomb
for every player that shows it (gigabytes of pixels)."""
APPLE_SIDES = (1400, 3000)
"""The square sizes Apple Podcasts accepts (and other directories follow)."""
COMFORTABLE_BYTES = 1024 * 1024
"""Above this a cover is worth shrinking: it is copied into every episode's file."""

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SIGNATURE = b"\xff\xd8\xff"
# Start-of-frame markers carry the picture size; C4, C8 and CC share the range but are not frames.
_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, without a length field.
_JPEG_STANDALONE_MARKERS = frozenset(range(0xD0, 0xDA)) | {0x01}


@dataclass(frozen=True)
class Cover:
    """A cover picture, ready to embed in the audio file's tags."""

    data: bytes
    """The file's bytes, unchanged."""
    mime: str
    """"image/png" or "image/jpeg"."""
    width: int
    """Width in pixels, from the file's header."""
    height: int
    """Height in pixels, from the file's header."""

    @property
    def square(self) -> bool:
        """Whether width equals height; players and podcast directories expect square art."""
        return self.width == self.height


def load_cover(path: Path | None) -> Cover:
    """Read the cover at `path`, or the packaged default when `path` is None.

    Raises InputError if the file cannot be read or is not a well-formed JPEG or PNG header.
    """
    if path is None:
        data = resources.files("briefing.publish").joinpath("data", "cover.png").read_bytes()
        return parse_cover(data, "the default cover")
    try:
        with Path(path).open("rb") as handle:
            data = read_bounded(handle, MAX_COVER_BYTES, f"cover image {path}")
    except OSError as error:
        raise InputError(f"cannot read cover image {path}: {error.strerror or error}") from error
    return parse_cover(data, str(path))


def parse_cover(data: bytes, name: str) -> Cover:
    """The cover in `data` (named `name` in messages); InputError unless a sound PNG or JPEG
    of a size a player can safely show."""
    if data.startswith(_PNG_SIGNATURE):
        width, height = _png_size(data, name)
        mime = "image/png"
    elif data.startswith(_JPEG_SIGNATURE):
        width, height = _jpeg_size(data, name)
        mime = "image/jpeg"
    else:
        raise InputError(f"cover image {name} is not a JPEG or PNG file")
    if width == 0 or height == 0:
        raise InputError(f"cover image {name} has no pixels ({width}x{height})")
    if max(width, height) > MAX_SIDE:
        raise InputError(f"cover image {name} declares {width}x{height} pixels, more than "
                         f"the {MAX_SIDE}x{MAX_SIDE} a player can safely show: give a square "
                         f"picture of {APPLE_SIDES[0]} to {APPLE_SIDES[1]} pixels")
    return Cover(data=data, mime=mime, width=width, height=height)


def advice(cover: Cover) -> list[str]:
    """What podcast apps would object to in an accepted cover, one sentence each (the caller
    decides how to show them)."""
    low, high = APPLE_SIDES
    found = []
    if not cover.square:
        found.append(f"is {cover.width}x{cover.height}: podcast apps expect a square cover")
    elif not low <= cover.width <= high:
        found.append(f"is {cover.width}x{cover.height}: Apple Podcasts asks for {low} to "
                     f"{high} pixels square")
    if len(cover.data) > COMFORTABLE_BYTES:
        found.append(f"is {len(cover.data) / 1e6:.1f} MB and is copied into every audio file: "
                     "a JPEG under 1 MB serves as well")
    return found


def _png_size(data: bytes, name: str) -> tuple[int, int]:
    # The first chunk must be IHDR: length (4), type (4), then width and height.
    if len(data) < 24 or data[12:16] != b"IHDR":
        raise InputError(f"cover image {name} is a damaged PNG (no IHDR header)")
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def _jpeg_size(data: bytes, name: str) -> tuple[int, int]:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            break
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte before a marker
            position += 1
            continue
        if marker in _JPEG_STANDALONE_MARKERS:
            position += 2
            continue
        if marker == 0xDA:  # start of scan: the size should have come before the image data
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker in _JPEG_FRAME_MARKERS:
            if length < 7 or position + 9 > len(data):
                break
            height, width = struct.unpack(">HH", data[position + 5 : position + 9])
            return width, height
        position += 2 + length
    raise InputError(f"cover image {name} is a damaged JPEG (no frame header with its size)")
