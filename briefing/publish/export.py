"""Write the programme to files: the encoded audio with its tags, and the transcripts beside it.

Every file is written to a temporary name in the target's folder and renamed into place only
when complete, so a failed or interrupted build never leaves a partial file at the target and
never touches a file that was already there.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import subprocess
import tempfile
import threading
import wave
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

import numpy as np

from briefing.atomic import replacing, scratch_folder
from briefing.audio.loudness import TRUE_PEAK_PHASES
from briefing.errors import EncoderError
from briefing.model import Tags, Timeline
from briefing.publish import tagging, transcripts
from briefing.publish.decoding import screened_true_peak, start_decoder
from briefing.publish.formats import EncodingOptions
from briefing.runtime import encoder_deadline, ffmpeg_executable, run_encoder

if TYPE_CHECKING:
    from briefing.audio.stream import Sectioned
    from briefing.publish.cover import Cover
    from briefing.publish.sections import EncodeHook
    from briefing.speech.cache import SegmentCache

TRUE_PEAK_TAPS = TRUE_PEAK_PHASES.shape[1]


Samples = Callable[[float], Iterable[np.ndarray]]
"""`samples(quieter_db)`: the programme's samples in order, as consecutive int16 blocks, made
`quieter_db` dB quieter than planned (0.0: as planned). Asked for again when the encoding has
to be made again, so a programme never needs to be in memory whole."""


def export(timeline: Timeline, samples: Samples, target: Path, tags: Tags,
           options: EncodingOptions, cover: Cover | None = None,
           true_peak: float | None = None) -> None:
    """Encode the programme at `target`, with tags, chapters and cover; atomically."""
    with replacing(target) as part:
        write_audio(part, timeline, samples, tags, options, cover, true_peak)


def write_audio(path: Path, timeline: Timeline, samples: Samples, tags: Tags,
                options: EncodingOptions, cover: Cover | None = None,
                true_peak: float | None = None, sections: Sectioned | None = None,
                store: SegmentCache | None = None, encoded: EncodeHook | None = None) -> None:
    """Encode the programme into `path` (a temporary file: see `export` and `fileset`).

    With `true_peak` (dBTP), a lossy encoding whose decoded peaks exceed it (a codec smears
    sharp transients into overs) is made again from slightly quieter samples. A programme
    laid out in `sections` (MP3: see `publish.sections`) is encoded section by section, each
    kept in `store` and reused from it; `encoded` counts the sections encoded.
    """
    check = true_peak if options.format.codec is not None else None
    seconds = timeline.duration_ms / 1000
    if sections is not None and sections.plan.sections and store is not None:
        from briefing.publish.sections import write_sections

        write_sections(path, sections, store, options, check, encoded)
    else:
        peak = _encode(samples(0.0), timeline.sample_rate, path, options, seconds, check)
        if check is not None and peak is not None and peak > check:
            _encode(samples(peak - check + 0.1), timeline.sample_rate, path, options, seconds)
    if options.format.name == "m4a":
        _add_mp4_chapters(path, tags, timeline)
    tagging.write_tags(path, options.format.name, tags, timeline.chapters,
                       timeline.duration_ms, cover)


def sidecars(programme: Timeline, title: str, language: str = "en",
             sources: Sequence[str] = ()) -> dict[str, str]:
    """The text files written beside the audio, by suffix. `sources` (author, site, date,
    address of each article) head the readable transcript."""
    return {
        ".txt": transcript_text(programme, title, sources),
        ".srt": transcripts.srt(programme.cues),
        ".vtt": transcripts.vtt(programme.cues, language),
        ".chapters.json": transcripts.chapters_json(programme.chapters, title),
    }


def write_text(target: Path, text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with replacing(target) as part:
        part.write_text(text, encoding="utf-8")


def transcript_text(programme: Timeline, title: str, sources: Sequence[str] = ()) -> str:
    """The readable transcript: original wording, one paragraph per section, with headings;
    under the title, where the articles came from."""
    lines = [title, *sources, ""]
    for index, chapter in enumerate(programme.chapters):
        sentences = [cue.text for cue in programme.cues
                     if cue.section == index and not cue.role.is_frame]
        if sentences:
            lines += [f"## {chapter.title}", "", *sentences, ""]
    return "\n".join(lines)


def _encode(blocks: Iterable[np.ndarray], sample_rate: int, path: Path,
            options: EncodingOptions, audio_seconds: float = 0.0,
            check_above: float | None = None) -> float | None:
    """Encode the blocks into `path` as they come: ffmpeg reads them from a pipe (a lossy
    format), or they are written as WAV; no staging file, no whole-programme buffer. An
    ffmpeg that has not finished `audio_seconds` of audio within its deadline is killed.

    With `check_above` (dBTP), a lossy encoding is also decoded, as a player would, and its
    true peak returned (see `decoded_true_peak`, whose `above` it is). Where the format can
    stream (`Format.stream_muxer`), ffmpeg writes its packets to the file and to a decoder
    at once, so the check runs alongside the encoding instead of after it.
    """
    audio_format = options.format
    if audio_format.codec is None:
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(sample_rate)
            for block in blocks:
                out.writeframesraw(np.ascontiguousarray(block, dtype="<i2").tobytes())
        return None
    alongside = check_above is not None and audio_format.stream_muxer is not None
    command = [ffmpeg_executable(), "-v", "error", "-nostdin", "-y",
               "-f", "s16le", "-ar", str(sample_rate), "-ac", "1", "-i", "pipe:0",
               "-acodec", audio_format.codec,
               "-b:a", options.bitrate or audio_format.default_bitrate or "64k",
               *audio_format.parameters]
    if alongside:
        # The tee muxer writes the same packets to both: the file (seekable, so it gets its
        # header as ever) and a stream on stdout for the decoder.
        command += ["-map", "0:a", "-f", "tee",
                    f"[f={audio_format.ffmpeg_format}]{_tee_escape(str(path))}"
                    f"|[f={audio_format.stream_muxer}]pipe:1"]
    else:
        command += ["-f", audio_format.ffmpeg_format, str(path)]
    deadline = encoder_deadline(audio_seconds)
    with tempfile.TemporaryFile() as errors:
        try:
            encoder = subprocess.Popen(command, stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE if alongside else
                                       subprocess.DEVNULL, stderr=errors)
        except OSError as error:
            raise EncoderError(f"ffmpeg could not be started: {error.strerror}") from None
        check = _Check(encoder, sample_rate, cast(float, check_above), deadline,
                       path.name) if alongside else None
        stdin = cast(IO[bytes], encoder.stdin)  # a pipe: stdin=PIPE above
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            encoder.kill()

        watchdog = threading.Timer(deadline, stop)
        watchdog.start()
        try:
            with contextlib.suppress(BrokenPipeError):  # ffmpeg stopped: its message says why
                for block in blocks:
                    stdin.write(np.ascontiguousarray(block, dtype="<i2").data)
                stdin.close()
        finally:
            if encoder.poll() is None and not stdin.closed:
                encoder.kill()  # interrupted while feeding it
                if check is not None:
                    check.decoder.kill()
            encoder.wait()
            watchdog.cancel()
            if check is not None:
                check.join()
        if timed_out.is_set():
            raise EncoderError(f"ffmpeg did not finish encoding within {deadline:.0f} s and "
                               "was stopped")
        if encoder.returncode != 0:
            errors.seek(0)
            lines = errors.read().decode(errors="replace").strip().splitlines()
            raise EncoderError(f"ffmpeg could not encode the {audio_format.name.upper()}: "
                               f"{lines[-1] if lines else encoder.returncode}")
    if check is not None:
        return check.result()
    if check_above is not None:
        return decoded_true_peak(path, sample_rate, above=check_above)
    return None


def _tee_escape(name: str) -> str:
    """`name` as one output of ffmpeg's tee muxer, which reads `|`, `[`, `:` and quotes as
    syntax: every character but the plainest escaped."""
    return "".join(char if char.isascii() and (char.isalnum() or char in "/._-") else "\\" + char
                   for char in name)


class _Check:
    """A decoder reading an encoder's stdout, and a thread measuring what it decodes."""

    def __init__(self, encoder: subprocess.Popen[bytes], sample_rate: int, above: float,
                 deadline: float, name: str) -> None:
        self.decoder = _start_decoder(sample_rate, source=encoder.stdout)
        cast(IO[bytes], encoder.stdout).close()  # the decoder's now: it sees the end
        self._peak = -math.inf
        self._error: BaseException | None = None

        def run() -> None:
            try:
                self._peak = _screen(self.decoder, sample_rate, above, deadline, name)
            except BaseException as error:  # raised in the caller's thread, by `result`
                self._error = error

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()

    def join(self) -> None:
        """Wait for the decoder to end (as it does once the encoder's output ends)."""
        self._thread.join()

    def result(self) -> float:
        """The decoded true peak, once the decoder has read all (raises what it raised)."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._peak


def _start_decoder(sample_rate: int, source: IO[bytes] | None = None
                   ) -> subprocess.Popen[bytes]:
    """The checking decoder, with the ffmpeg this module encodes with."""
    return start_decoder(sample_rate, source, ffmpeg_executable())


def decoded_true_peak(path: Path, sample_rate: int, above: float = -math.inf) -> float:
    """True peak (dBTP) of an encoded file as a player decodes it, read block by block so
    that a long programme is never in memory twice.

    Only where it can matter: a stretch whose samples, times the interpolator's largest gain,
    stay at or below `above` dBTP cannot have a true peak above it, and is not interpolated
    (most of a speech programme: pauses and all but its loudest syllables). The result is
    exact when it exceeds `above`, and otherwise at most `above`.
    """
    deadline = encoder_deadline(path.stat().st_size / 2000)  # >= 16 kbps: an upper bound
    with _start_decoder(sample_rate) as decoder:
        # Fed from a thread: ffmpeg reads its input while we read its output.
        feeder = threading.Thread(target=_feed, args=(path, decoder.stdin), daemon=True)
        feeder.start()
        try:
            return _screen(decoder, sample_rate, above, deadline, path.name)
        finally:
            feeder.join()


def _screen(decoder: subprocess.Popen[bytes], sample_rate: int, above: float, deadline: float,
            name: str) -> float:
    """The true peak of what `decoder` decodes (see `decoded_true_peak`); it is waited for,
    and killed if it has not finished within `deadline` seconds."""
    block = 1 << 20  # samples
    tail = np.zeros(0, dtype="<i2")  # the interpolation filter looks a few samples back
    peak = -math.inf
    # A decoder that stops sending without ending is killed, as a hung engine is.
    timed_out = threading.Event()

    def stop() -> None:
        timed_out.set()
        decoder.kill()

    watchdog = threading.Timer(deadline, stop)
    watchdog.start()
    try:
        stdout = cast(IO[bytes], decoder.stdout)  # a pipe: stdout=PIPE
        while data := stdout.read(2 * block):
            samples = np.concatenate([tail, np.frombuffer(data[: len(data) // 2 * 2],
                                                          dtype="<i2")])
            peak = max(peak, screened_true_peak(samples, sample_rate, above))
            tail = samples[-TRUE_PEAK_TAPS:]
        errors = decoder.stderr.read() if decoder.stderr else b""
        decoder.wait()
    finally:
        watchdog.cancel()
    if timed_out.is_set():
        raise EncoderError(f"ffmpeg did not finish decoding {name} within "
                           f"{deadline:.0f} s and was stopped")
    if decoder.returncode != 0:
        lines = errors.decode(errors="replace").strip().splitlines()
        raise EncoderError(f"ffmpeg could not decode {name}: "
                           f"{lines[-1] if lines else decoder.returncode}")
    return peak


def _feed(path: Path, pipe: IO[bytes] | None) -> None:
    """Copy the file into the pipe and close it (a decoder that stops early just ends it)."""
    if pipe is None:
        return
    with contextlib.suppress(BrokenPipeError), pipe, open(path, "rb") as source:
        shutil.copyfileobj(source, pipe, 1 << 16)


def _add_mp4_chapters(path: Path, tags: Tags, timeline: Timeline) -> None:
    """MP4 chapters are beyond mutagen; ffmpeg remuxes them in (no re-encoding)."""
    with scratch_folder() as folder:
        metadata = Path(folder) / "chapters.txt"
        metadata.write_text(tagging.ffmetadata(tags, timeline.chapters), encoding="utf-8")
        remuxed = Path(folder) / "with-chapters.m4a"
        command = [ffmpeg_executable(), "-v", "error", "-nostdin", "-y", "-i", str(path),
                   "-i", str(metadata), "-map", "0:a", "-map_metadata", "1",
                   "-map_chapters", "1", "-c", "copy", "-movflags", "+faststart",
                   "-f", "ipod", str(remuxed)]
        run_encoder(command, encoder_deadline(timeline.duration_ms / 1000),
                    "adding the M4A chapters")
        shutil.copyfile(remuxed, path)


def written_by_briefing(path: Path) -> bool:
    """True if `path` is an audio file this tool wrote (its software tag names the tool)."""
    return tagging.written_by_briefing(path)
