"""Write the programme to files: the encoded audio with its tags, and the transcript beside it.

Every file is written to a temporary name in the target's folder and renamed into place only
when complete, so a failed or interrupted build never leaves a partial file at the target and
never touches a file that was already there.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing import __version__
from briefing.audio import Programme
from briefing.errors import EncoderError, OutputError
from briefing.runtime import pydub_audio_segment
from briefing.tempfiles import create_part, scratch_folder

TOOL_NAME = "briefing"

# LAME's quality knob (0 best … 9 fastest) changes encoding time more than anything else and,
# at 64 kbps mono speech, nothing audible: see the README's measurements.
MP3_QUALITY = "7"


@dataclass(frozen=True)
class Tags:
    """What players show about the briefing."""

    title: str
    """The briefing's title."""
    date: str
    """When it was made, ISO 8601 ("2026-11-25T14:30:00")."""
    comment: str
    """A description: the summary points, one per line."""
    artist: str = TOOL_NAME
    """Shown as the artist; the tool's name by default."""
    album: str = TOOL_NAME
    """Shown as the album (the "show"); the tool's name by default."""


@dataclass(frozen=True)
class ExportOptions:
    """How to encode."""

    bitrate: str = "64k"
    """Audio bitrate for lossy formats, as ffmpeg takes it."""


def export(programme: Programme, target: Path, tags: Tags, options: ExportOptions) -> None:
    """Encode `programme` as MP3 at `target`, tagged; atomically."""
    with atomic_path(target) as part:
        _encode_mp3(programme, part, options)
        _tag_mp3(part, tags)


def write_text(target: Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_path(target) as part:
        part.write_text(text, encoding="utf-8")


def transcript_text(programme: Programme, title: str) -> str:
    """The readable transcript: original wording, one paragraph per section, with headings."""
    lines = [title, ""]
    for index, chapter in enumerate(programme.chapters):
        sentences = [cue.text for cue in programme.cues
                     if cue.section == index and not cue.role.is_frame]
        if sentences:
            lines += [f"## {chapter.title}", "", *sentences, ""]
    return "\n".join(lines)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it only if the block completes."""
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        part = create_part(folder, target.name)
    except OSError as error:
        raise OutputError(f"cannot write to {folder}: {error.strerror}") from None
    try:
        yield part
        os.replace(part, target)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror}") from None
    finally:
        part.unlink(missing_ok=True)


def _encode_mp3(programme: Programme, path: Path, options: ExportOptions) -> None:
    audio_segment = pydub_audio_segment()
    # A byte view of the samples, not a copy: a long programme is hundreds of megabytes.
    data = memoryview(np.ascontiguousarray(programme.samples, dtype="<i2")).cast("B")
    audio = audio_segment(data=data, sample_width=2, frame_rate=programme.sample_rate,
                          channels=1)
    # pydub stages its own temporary files; keep them beside ours, so none outlive the build.
    with _pydub_scratch(), open(path, "wb") as out:
        try:
            audio.export(out, format="mp3", bitrate=options.bitrate,
                         parameters=["-compression_level", MP3_QUALITY])
        except Exception as error:  # pydub raises its own errors and OSErrors alike
            raise EncoderError(f"ffmpeg could not encode the MP3: {_last_line(error)}") from None


@contextlib.contextmanager
def _pydub_scratch() -> Iterator[None]:
    """pydub stages temporary files and leaves them behind when ffmpeg fails: give it a
    folder of its own that is removed whatever happens."""
    saved = tempfile.tempdir
    with scratch_folder() as folder:
        tempfile.tempdir = folder
        try:
            yield
        finally:
            tempfile.tempdir = saved


def _tag_mp3(path: Path, tags: Tags) -> None:
    from mutagen.id3 import COMM, ID3, TALB, TDRC, TIT2, TPE1, TSSE

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TDRC(encoding=3, text=tags.date))
    id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    id3.add(TSSE(encoding=3, text=f"{TOOL_NAME} {__version__}"))
    try:
        id3.save(path, v2_version=4)
    except Exception as error:  # mutagen wraps I/O errors in its own types
        raise OutputError(f"cannot write the tags of {path.name}: {error}") from None


def written_by_briefing(path: Path) -> bool:
    """True if `path` is an audio file this tool wrote (its encoder tag names the tool)."""
    from mutagen import MutagenError
    from mutagen.id3 import ID3

    try:
        return any(str(text).startswith(TOOL_NAME)
                   for frame in ID3(path).getall("TSSE") for text in frame.text)
    except (MutagenError, OSError):
        return False


def _last_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
