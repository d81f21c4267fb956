"""The audio formats: the one table of what briefing writes, and what it recognises.

Export, tagging, the feed, the server and the command line all read this table, so adding a
format is one row here (and its tagger in `tagging`). Kept free of heavy imports: the command
line lists the formats in `--help`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from briefing.errors import InputError

# LAME's quality knob (0 best … 9 fastest) changes encoding time more than anything else,
# and at 64 kbps mono speech nothing audible: see the README's measurements.
MP3_QUALITY = "7"


@dataclass(frozen=True)
class Format:
    """One output format: its name, its MIME type, and how ffmpeg encodes it."""

    name: str
    """As the format setting takes it, and the usual file extension."""
    mime: str
    """The MIME type, for feeds and HTTP."""
    ffmpeg_format: str
    """ffmpeg's muxer name."""
    codec: str | None
    """ffmpeg's encoder (None: written as plain WAV by the `wave` module)."""
    default_bitrate: str | None
    """Bitrate when the user gives none; None for lossless."""
    parameters: tuple[str, ...] = ()
    """Further encoder arguments."""
    stream_muxer: str | None = None
    """ffmpeg's muxer for the same packets as a stream through a pipe, which the export's
    peak check decodes while the file is written; None: the check decodes the finished
    file (an MP4 cannot be streamed unfragmented)."""

    @property
    def suffix(self) -> str:
        return "." + self.name


FORMATS: dict[str, Format] = {
    "mp3": Format("mp3", "audio/mpeg", "mp3", "libmp3lame", "64k",
                  ("-compression_level", MP3_QUALITY), stream_muxer="mp3"),
    "m4a": Format("m4a", "audio/mp4", "ipod", "aac", "64k", ("-movflags", "+faststart")),
    # Opus runs at 48 kHz inside; speech at 48 kbps mono is transparent.
    "ogg": Format("ogg", "audio/ogg", "ogg", "libopus", "48k", ("-ar", "48000"),
                  stream_muxer="ogg"),
    "wav": Format("wav", "audio/wav", "wav", None, None),
}
"""What briefing writes, by name; the first is the default."""

DEFAULT_FORMAT = FORMATS["mp3"]

MAX_TOC_ENTRIES = 255
"""The most entries one ID3 CTOC frame can list (its count is a single byte)."""
MAX_CHAPTERS = MAX_TOC_ENTRIES * MAX_TOC_ENTRIES
"""The most chapters a briefing may have: a table of 255 tables of 255 chapters."""


@dataclass(frozen=True)
class EncodingOptions:
    """How to encode."""

    format: Format = DEFAULT_FORMAT
    """The container and codec."""
    bitrate: str | None = None
    """Bitrate for lossy formats, as ffmpeg takes it; None for the format's default."""

AUDIO_TYPES: dict[str, str] = {
    **{audio_format.suffix: audio_format.mime for audio_format in FORMATS.values()},
    # Audio of other tools that a feed folder may hold too.
    ".opus": "audio/ogg",
    ".flac": "audio/flac",
}
"""MIME type by file suffix of every audio file the feed and the server recognise."""


def format_for(path: Path, requested: str | None = None) -> Format:
    """The format named by `requested`, else by `path`'s extension (default MP3)."""
    suffix = path.suffix.lstrip(".").lower()
    name = (requested or suffix or DEFAULT_FORMAT.name).lower()
    if requested and suffix in FORMATS and suffix != name:
        raise InputError(f"the format {requested} does not match the output name {path.name}: "
                         f"name it .{name}, or leave the format out", setting="format")
    if name not in FORMATS:
        raise InputError(f"cannot write {name!r} audio: use one of {', '.join(FORMATS)} "
                         "(by the format, or the output's extension)", setting="format")
    return FORMATS[name]
