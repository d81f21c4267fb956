"""Write the programme to files: the encoded audio with its tags, and the transcripts beside it.

Every file is written to a temporary name in the target's folder and renamed into place only
when complete, so a failed or interrupted build never leaves a partial file at the target and
never touches a file that was already there.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

import numpy as np

from briefing.atomic import replacing, scratch_folder
from briefing.audio.loudness import TRUE_PEAK_PHASES, true_peak_dbtp
from briefing.errors import EncoderError
from briefing.model import Programme, Tags
from briefing.publish import tagging, transcripts
from briefing.publish.formats import DEFAULT_FORMAT, Format
from briefing.runtime import (
    encoder_deadline,
    ffmpeg_executable,
    pydub_audio_segment,
    run_encoder,
)

if TYPE_CHECKING:
    from briefing.publish.cover import Cover

TRUE_PEAK_TAPS = TRUE_PEAK_PHASES.shape[1]


@dataclass(frozen=True)
class EncodingOptions:
    """How to encode."""

    format: Format = DEFAULT_FORMAT
    """The container and codec."""
    bitrate: str | None = None
    """Bitrate for lossy formats, as ffmpeg takes it; None for the format's default."""


def export(programme: Programme, target: Path, tags: Tags, options: EncodingOptions,
           cover: Cover | None = None, true_peak: float | None = None) -> None:
    """Encode `programme` at `target`, with tags, chapters and cover; atomically.

    With `true_peak` (dBTP), a lossy encoding whose decoded peaks exceed it (a codec smears
    sharp transients into overs) is made again from slightly quieter samples.
    """
    with replacing(target) as part:
        write_audio(part, programme, tags, options, cover, true_peak)


def write_audio(path: Path, programme: Programme, tags: Tags, options: EncodingOptions,
                cover: Cover | None = None, true_peak: float | None = None) -> None:
    """Encode `programme` into `path` (a temporary file: see `export` and `fileset`)."""
    _encode(programme, path, options)
    if true_peak is not None and options.format.codec is not None:
        over = decoded_true_peak(path, programme.sample_rate) - true_peak
        if over > 0:
            gain = 10 ** (-(over + 0.1) / 20)
            quieter = np.round(programme.samples * gain).astype(np.int16)
            _encode(replace(programme, samples=quieter), path, options)
    if options.format.name == "m4a":
        _add_mp4_chapters(path, tags, programme)
    tagging.write_tags(path, options.format.name, tags, programme.chapters,
                       programme.duration_ms, cover)


def sidecars(programme: Programme, title: str,
             sources: Sequence[str] = ()) -> dict[str, str]:
    """The text files written beside the audio, by suffix. `sources` (author, site, date,
    address of each article) head the readable transcript."""
    return {
        ".txt": transcript_text(programme, title, sources),
        ".srt": transcripts.srt(programme.cues),
        ".vtt": transcripts.vtt(programme.cues),
        ".chapters.json": transcripts.chapters_json(programme.chapters, title),
    }


def write_text(target: Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with replacing(target) as part:
        part.write_text(text, encoding="utf-8")


def transcript_text(programme: Programme, title: str, sources: Sequence[str] = ()) -> str:
    """The readable transcript: original wording, one paragraph per section, with headings;
    under the title, where the articles came from."""
    lines = [title, *sources, ""]
    for index, chapter in enumerate(programme.chapters):
        sentences = [cue.text for cue in programme.cues
                     if cue.section == index and not cue.role.is_frame]
        if sentences:
            lines += [f"## {chapter.title}", "", *sentences, ""]
    return "\n".join(lines)


def _encode(programme: Programme, path: Path, options: EncodingOptions) -> None:
    audio_format = options.format
    audio_segment = pydub_audio_segment()
    # A byte view of the samples, not a copy: a long programme is hundreds of megabytes.
    data = np.ascontiguousarray(programme.samples, dtype="<i2").data.cast("B")
    audio = audio_segment(data=data, sample_width=2, frame_rate=programme.sample_rate,
                          channels=1)
    lossy = {}
    if audio_format.codec is not None:
        lossy = {"codec": audio_format.codec, "parameters": list(audio_format.parameters),
                 "bitrate": options.bitrate or audio_format.default_bitrate}
    with _pydub_scratch(), open(path, "wb") as out:
        try:
            audio.export(out, format=audio_format.ffmpeg_format, **lossy)
        except Exception as error:  # pydub raises its own errors and OSErrors alike
            raise EncoderError(f"ffmpeg could not encode the {audio_format.name.upper()}: "
                               f"{_last_line(error)}") from None


def decoded_true_peak(path: Path, sample_rate: int) -> float:
    """True peak (dBTP) of an encoded file as a player decodes it, read block by block so
    that a long programme is never in memory twice."""
    block = 1 << 20  # samples
    overlap = np.zeros(0, dtype="<i2")  # the interpolation filter looks a few samples back
    peak = -np.inf
    deadline = encoder_deadline(path.stat().st_size / 2000)  # >= 16 kbps: an upper bound
    with subprocess.Popen(
        [ffmpeg_executable(), "-v", "error", "-nostdin", "-i", str(path), "-f", "s16le",
         "-ac", "1", "-ar", str(sample_rate), "-"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as decoder:
        # A decoder that stops sending without ending is killed, as a hung engine is.
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            decoder.kill()

        watchdog = threading.Timer(deadline, stop)
        watchdog.start()
        try:
            stdout = cast(IO[bytes], decoder.stdout)  # a pipe: stdout=PIPE above
            while data := stdout.read(2 * block):
                samples = np.concatenate([overlap, np.frombuffer(data[: len(data) // 2 * 2],
                                                                 dtype="<i2")])
                peak = max(peak, true_peak_dbtp(samples, sample_rate))
                overlap = samples[-TRUE_PEAK_TAPS:]
            errors = decoder.stderr.read() if decoder.stderr else b""
        finally:
            watchdog.cancel()
    if timed_out.is_set():
        raise EncoderError(f"ffmpeg did not finish decoding {path.name} within "
                           f"{deadline:.0f} s and was stopped")
    if decoder.returncode != 0:
        lines = errors.decode(errors="replace").strip().splitlines()
        raise EncoderError(f"ffmpeg could not decode {path.name}: "
                           f"{lines[-1] if lines else decoder.returncode}")
    return peak


def _add_mp4_chapters(path: Path, tags: Tags, programme: Programme) -> None:
    """MP4 chapters are beyond mutagen; ffmpeg remuxes them in (no re-encoding)."""
    with scratch_folder() as folder:
        metadata = Path(folder) / "chapters.txt"
        metadata.write_text(tagging.ffmetadata(tags, programme.chapters), encoding="utf-8")
        remuxed = Path(folder) / "with-chapters.m4a"
        command = [ffmpeg_executable(), "-v", "error", "-nostdin", "-y", "-i", str(path),
                   "-i", str(metadata), "-map", "0:a", "-map_metadata", "1",
                   "-map_chapters", "1", "-c", "copy", "-movflags", "+faststart",
                   "-f", "ipod", str(remuxed)]
        run_encoder(command, encoder_deadline(programme.duration_ms / 1000),
                    "adding the M4A chapters")
        shutil.copyfile(remuxed, path)


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


def written_by_briefing(path: Path) -> bool:
    """True if `path` is an audio file this tool wrote (its software tag names the tool)."""
    return tagging.written_by_briefing(path)


def _last_line(error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[-1] if lines else type(error).__name__
