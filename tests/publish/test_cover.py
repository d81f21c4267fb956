"""Cover art: the packaged default and users' own JPEG and PNG files."""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import imageio_ffmpeg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.errors import InputError
from briefing.publish.cover import MAX_SIDE, Cover, advice, load_cover, parse_cover
from tests.conftest import ROOT

DEFAULT = ROOT / "briefing" / "publish" / "data" / "cover.png"


def ffmpeg_convert(source: Path, target: Path, *options: str) -> None:
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-loglevel", "error", "-i", str(source),
         *options, str(target)],
        check=True,
    )  # fmt: skip


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The chunks of a PNG, checking each CRC on the way."""
    chunks = []
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack(">I", data[position + 8 + length : position + 12 + length])
        assert zlib.crc32(kind + body) == crc, kind
        chunks.append((kind, body))
        position += 12 + length
    return chunks


def test_default_cover_is_a_square_podcast_sized_png() -> None:
    cover = load_cover(None)
    assert isinstance(cover, Cover)
    assert cover.mime == "image/png"
    assert (cover.width, cover.height) == (1400, 1400)
    assert cover.square
    assert len(cover.data) < 150_000
    assert cover.data == DEFAULT.read_bytes()


def test_default_cover_is_well_formed() -> None:
    chunks = png_chunks(load_cover(None).data)
    assert [kind for kind, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, *_ = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (width, height, depth, colour) == (1400, 1400, 8, 2)
    raw = zlib.decompress(chunks[1][1])
    assert len(raw) == height * (1 + 3 * width)
    # And a real decoder agrees.
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-i", str(DEFAULT), "-f", "null",
         "-"],
        check=True,
    )  # fmt: skip


@pytest.mark.slow  # draws the whole cover again with the script: seconds
def test_default_cover_is_what_the_script_makes(tmp_path: Path) -> None:
    target = tmp_path / "cover.png"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make_cover.py"), str(target)],
        check=True,
        capture_output=True,
    )
    assert target.read_bytes() == DEFAULT.read_bytes()


def test_user_png_is_read_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "art.png"
    ffmpeg_convert(DEFAULT, path, "-vf", "scale=640:360")
    cover = load_cover(path)
    assert (cover.mime, cover.width, cover.height) == ("image/png", 640, 360)
    assert not cover.square
    assert cover.data == path.read_bytes()


def test_user_jpeg_is_read_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "art.jpg"
    ffmpeg_convert(DEFAULT, path, "-vf", "scale=3000:3000")
    cover = load_cover(path)
    assert (cover.mime, cover.width, cover.height) == ("image/jpeg", 3000, 3000)
    assert cover.square


def test_format_is_detected_by_content_not_name(tmp_path: Path) -> None:
    path = tmp_path / "art.png"  # really a JPEG
    ffmpeg_convert(DEFAULT, path, "-vf", "scale=500:500", "-f", "mjpeg")
    assert load_cover(path).mime == "image/jpeg"


def jpeg(*segments: bytes) -> bytes:
    return b"\xff\xd8" + b"".join(segments) + b"\xff\xd9"


def segment(marker: int, body: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(body) + 2) + body


def frame(height: int, width: int) -> bytes:
    return struct.pack(">BHHB", 8, height, width, 3) + b"\x01\x22\x00" * 3


def test_jpeg_size_comes_from_the_frame_after_other_segments(tmp_path: Path) -> None:
    exif = segment(0xE1, b"Exif\x00\x00" + bytes(200))
    huffman = segment(0xC4, bytes(30))  # C4 is in the SOF range but is a Huffman table
    path = tmp_path / "progressive.jpg"
    path.write_bytes(jpeg(exif, huffman, b"\xff", segment(0xC2, frame(720, 1280))))
    cover = load_cover(path)
    assert (cover.width, cover.height) == (1280, 720)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"GIF89a" + bytes(100), "not a JPEG or PNG"),
        (b"", "not a JPEG or PNG"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a JPEG or PNG"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "damaged PNG"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "damaged JPEG"),
        (jpeg(segment(0xDA, bytes(10))), "damaged JPEG"),
        (jpeg(segment(0xC0, frame(0, 640))), "no pixels"),
    ],
    ids=["gif", "empty", "svg", "short-png", "short-jpeg", "jpeg-without-frame", "zero-height"],
)
def test_unusable_images_are_input_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "art"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as caught:
        load_cover(path)
    assert caught.value.exit_code == 2
    assert "\n" not in str(caught.value)


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read cover image"):
        load_cover(tmp_path / "nowhere.png")


def test_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read cover image"):
        load_cover(tmp_path)


def png_header(width: int, height: int) -> bytes:
    """The signature and IHDR of a PNG declaring `width` x `height` (no pixels follow)."""
    body = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(body)) + b"IHDR" + body
            + struct.pack(">I", zlib.crc32(b"IHDR" + body)))


@pytest.mark.parametrize("content", [png_header(20000, 20000), png_header(4294967295, 1),
                                     jpeg(segment(0xC0, frame(65500, 65500)))],
                         ids=["png-20000", "png-4294967295", "jpeg-65500"])
def test_decompression_bombs_are_refused_by_their_declared_size(
        tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bomb"
    path.write_bytes(content)
    with pytest.raises(InputError, match=r"declares \d+x\d+ pixels, more than the 8192x8192"):
        load_cover(path)


def test_an_oversized_cover_file_is_refused_while_reading() -> None:
    with pytest.raises(InputError, match=r"cover image /dev/zero is larger than 10 MB"):
        load_cover(Path("/dev/zero"))


@pytest.mark.parametrize(
    ("width", "height", "size", "expected"),
    [(1400, 1400, 100_000, []), (3000, 3000, 900_000, []),
     (1000, 1000, 1000, ["is 1000x1000: Apple Podcasts asks for 1400 to 3000 pixels square"]),
     (4000, 4000, 1000, ["is 4000x4000: Apple Podcasts asks for 1400 to 3000 pixels square"]),
     (1600, 900, 1000, ["is 1600x900: podcast apps expect a square cover"]),
     (1400, 1400, 3_000_000, ["is 3.0 MB and is copied into every audio file: a JPEG under "
                              "1 MB serves as well"])],
)
def test_advice_on_covers_podcast_apps_would_object_to(
        width: int, height: int, size: int, expected: list[str]) -> None:
    assert advice(Cover(bytes(size), "image/png", width, height)) == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.binary(max_size=64),
       st.booleans())
def test_any_declared_size_is_refused_or_safe(width: int, height: int, tail: bytes,
                                              as_jpeg: bool) -> None:
    data = (jpeg(segment(0xC0, frame(height % 65536, width % 65536))) if as_jpeg
            else png_header(width, height)) + tail
    try:
        cover = parse_cover(data, "x")
    except InputError as error:
        assert "\n" not in str(error)
        return
    assert 0 < cover.width <= MAX_SIDE and 0 < cover.height <= MAX_SIDE
