"""Draw the default cover art, briefing/publish/data/cover.png, from nothing but numpy and zlib.

Run: .venv/bin/python scripts/make_cover.py [output.png]
The picture is computed, not drawn from assets: a calm diagonal gradient, a row of rounded
waveform bars, and the word "briefing" built from strokes and arcs (no font files), so it can
be redistributed with the project. The output is byte-for-byte deterministic.
"""

from __future__ import annotations

import math
import struct
import sys
import zlib
from pathlib import Path

import numpy as np

SIZE = 1400
OUTPUT = Path(__file__).resolve().parent.parent / "briefing" / "publish" / "data" / "cover.png"

TOP_LEFT = np.array([16, 37, 61], dtype=np.float64)  # deep ink blue
BOTTOM_RIGHT = np.array([18, 84, 96], dtype=np.float64)  # muted teal
BAR_COLOUR = np.array([236, 244, 246], dtype=np.float64)
ACCENT = np.array([242, 182, 112], dtype=np.float64)  # warm amber for the loudest bars
TEXT_COLOUR = np.array([247, 250, 251], dtype=np.float64)

Y, X = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64) + 0.5


def background() -> np.ndarray:
    t = (X + Y) / (2 * SIZE)
    image = TOP_LEFT + (BOTTOM_RIGHT - TOP_LEFT) * t[..., None]
    # A soft light behind the waveform keeps the flat gradient from looking empty.
    glow = np.exp(-(((X - SIZE / 2) / 520) ** 2 + ((Y - 580) / 380) ** 2))
    return image + 14.0 * glow[..., None]


def blend(image: np.ndarray, coverage: np.ndarray, colour: np.ndarray) -> None:
    a = np.clip(coverage, 0.0, 1.0)[..., None]
    image *= 1.0 - a
    image += a * colour


def segment_distance(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    dx, dy = x1 - x0, y1 - y0
    t = np.clip(((X - x0) * dx + (Y - y0) * dy) / (dx * dx + dy * dy or 1.0), 0.0, 1.0)
    return np.hypot(X - (x0 + t * dx), Y - (y0 + t * dy))


def arc_distance(cx: float, cy: float, r: float, start: float, end: float) -> np.ndarray:
    """Distance to a circular arc from `start` to `end` degrees (counter-clockwise, y up)."""
    angle = np.degrees(np.arctan2(-(Y - cy), X - cx)) % 360.0
    span = (end - start) % 360.0 or 360.0
    inside = (angle - start) % 360.0 <= span
    ring = np.abs(np.hypot(X - cx, Y - cy) - r)
    ends = []
    for a in (start, end):
        ex = cx + r * math.cos(math.radians(a))
        ey = cy - r * math.sin(math.radians(a))
        ends.append(np.hypot(X - ex, Y - ey))
    return np.where(inside, ring, np.minimum(*ends))


def waveform(image: np.ndarray) -> None:
    bars, width, gap = 29, 22.0, 15.0
    total = bars * width + (bars - 1) * gap
    left = (SIZE - total) / 2
    centre_y = 580.0
    for i in range(bars):
        u = i / (bars - 1)
        # A speech-like envelope: two syllable swells under an overall arch.
        level = math.sin(math.pi * u) ** 0.8 * (
            0.55 + 0.45 * abs(math.sin(3.1 * math.pi * u + 0.4))
        ) + 0.06 * math.sin(11.0 * u)
        half = 24.0 + 250.0 * max(level, 0.0)
        x = left + i * (width + gap) + width / 2
        d = segment_distance(x, centre_y - half + width / 2, x, centre_y + half - width / 2)
        colour = BAR_COLOUR + (ACCENT - BAR_COLOUR) * max(0.0, (half - 190.0) / 90.0)
        blend(image, width / 2 - d + 0.5, colour)


# The wordmark's metrics, in pixels: x-height, stroke width, baseline.
H, W, BASE = 124.0, 22.0, 1060.0
R = H / 2
TOP = BASE - H
ADVANCE = {"b": H, "r": 0.62 * H, "i": 0.0, "e": H, "f": 0.58 * H, "n": H, "g": H}
SPACING = 0.4 * H


def glyph(letter: str, x0: float) -> list[np.ndarray]:
    """Distance fields of one letter's strokes, drawn from pen position x0 (its left stroke)."""
    bowl = arc_distance(x0 + R, BASE - R, R, 0, 360)
    stem = segment_distance(x0, BASE, x0, TOP)
    if letter == "b":
        return [segment_distance(x0, BASE, x0, BASE - 1.55 * H), bowl]
    if letter == "r":
        return [stem, arc_distance(x0 + R, BASE - R, R, 55, 180)]
    if letter == "i":
        return [stem, segment_distance(x0, TOP - 0.4 * H, x0, TOP - 0.38 * H)]
    if letter == "e":
        return [
            arc_distance(x0 + R, BASE - R, R, 0, 320),
            segment_distance(x0, BASE - R, x0 + H, BASE - R),
        ]
    if letter == "f":
        return [
            segment_distance(x0, BASE, x0, BASE - 1.2 * H),
            arc_distance(x0 + 0.32 * H, BASE - 1.2 * H, 0.32 * H, 35, 180),
            segment_distance(x0 - 0.26 * H, TOP, x0 + 0.36 * H, TOP),
        ]
    if letter == "n":
        return [
            stem,
            segment_distance(x0 + H, BASE, x0 + H, BASE - R),
            arc_distance(x0 + R, BASE - R, R, 0, 180),
        ]
    if letter == "g":
        return [
            bowl,
            segment_distance(x0 + H, TOP, x0 + H, BASE + 0.15 * H),
            arc_distance(x0 + R, BASE + 0.15 * H, R, 200, 360),
        ]
    raise ValueError(f"no glyph for {letter!r}")


def wordmark(image: np.ndarray, word: str = "briefing") -> None:
    """The word in a geometric lowercase built from round-capped strokes and arcs."""
    width = sum(ADVANCE[c] for c in word) + SPACING * (len(word) - 1)
    pen = (SIZE - width) / 2
    coverage = np.zeros((SIZE, SIZE))
    for letter in word:
        for distance in glyph(letter, pen):
            np.maximum(coverage, W / 2 - distance + 0.5, out=coverage)
        pen += ADVANCE[letter] + SPACING
    blend(image, coverage, TEXT_COLOUR)


def png_bytes(rgb: np.ndarray) -> bytes:
    """Encode an 8-bit RGB array as PNG; every row uses the 'Up' filter, which suits gradients."""
    height, width, _ = rgb.shape
    rows = rgb.reshape(height, width * 3)
    filtered = np.empty_like(rows)
    filtered[0] = rows[0]
    filtered[1:] = rows[1:] - rows[:-1]  # uint8 wraps around, as the PNG filter defines
    raw = np.hstack([np.full((height, 1), 2, dtype=np.uint8), filtered]).tobytes()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> int:
    output = Path(sys.argv[1]) if len(sys.argv) > 1 else OUTPUT
    image = background()
    waveform(image)
    wordmark(image)
    rgb = np.clip(np.round(image), 0, 255).astype(np.uint8)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(png_bytes(rgb))
    print(f"wrote {output} ({output.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
