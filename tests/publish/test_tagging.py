"""Tags, cover and chapters in real MP3, M4A, Ogg Opus and WAV files, read back by ffmpeg
and mutagen."""

from __future__ import annotations

import base64
import struct
import subprocess
import zlib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from mutagen.flac import Picture
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.wave import WAVE

from briefing import __version__
from briefing.errors import OutputError
from briefing.model import Chapter, Tags
from briefing.publish.formats import FORMATS
from briefing.publish.tagging import ffmetadata, write_tags, written_by_briefing
from briefing.publish.transcripts import whole_ms
from briefing.runtime import ffmpeg_executable
from tests.conftest import decode

RATE = 22050
SECONDS = 3
DURATION_MS = 1000.0 * SECONDS

# The encoder arguments export.py is to use (see the report): the container is named with
# -f because the atomic temporary file ends in ".part", which names no format.
ENCODE_ARGUMENTS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3"],
    "m4a": ["-c:a", "aac", "-b:a", "64k", "-movflags", "+faststart", "-f", "ipod"],
    "ogg": ["-c:a", "libopus", "-b:a", "64k", "-ar", "48000", "-f", "ogg"],
    "wav": ["-c:a", "pcm_s16le", "-fflags", "+bitexact", "-f", "wav"],
}


@dataclass(frozen=True)
class StandInCover:
    """The fields of briefing.publish.cover.Cover, which write_tags reads."""

    data: bytes
    mime: str
    width: int
    height: int


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid RGB PNG, built by hand so the test needs no image library."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body)))

    rows = b"".join(b"\x00" + bytes([200, 40, 40]) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


COVER = StandInCover(tiny_png(), "image/png", 3, 2)
TAGS = Tags(title="Kyiv & Pyongyang: a = b; #1 \\ über",
            date="2026-11-25T14:30:00",
            comment="First point.\nSecond point; with = and #.")


def sample_chapters(count: int = 12) -> tuple[Chapter, ...]:
    """`count` chapters at sample-derived (non-whole) millisecond times, like assembly's."""
    starts = [0.0] + [1000 * (k * 5513 + 7) / RATE for k in range(1, count)]
    ends = [*starts[1:], DURATION_MS]
    titles = [f"Chapter {k}" for k in range(count)]
    titles[1] = "Key points = #1; a\\b — ünïcode"
    return tuple(Chapter(t, s, e) for t, s, e in zip(titles, starts, ends, strict=True))


CHAPTERS = sample_chapters()


def expected_marks(chapters: tuple[Chapter, ...] = CHAPTERS) -> list[tuple[str, int, int]]:
    return [(c.title, whole_ms(c.start_ms),
             whole_ms(DURATION_MS if i == len(chapters) - 1 else c.end_ms))
            for i, c in enumerate(chapters)]


def encode(folder: Path, audio_format: str, chapters: tuple[Chapter, ...] = CHAPTERS,
           with_metadata: bool = True) -> Path:
    """Encode SECONDS of sine from raw samples on stdin, as export does, to a .part file."""
    target = folder / f".briefing.{audio_format}.0000.part"
    samples = (8000 * np.sin(2 * np.pi * 440 * np.arange(RATE * SECONDS) / RATE))
    command = [ffmpeg_executable(), "-v", "error", "-nostdin", "-y",
               "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0"]
    if with_metadata:
        metadata = folder / "meta.txt"
        metadata.write_text(ffmetadata(TAGS, chapters), encoding="utf-8")
        command += ["-i", str(metadata), "-map", "0:a", "-map_metadata", "1",
                    "-map_chapters", "1"]
    command += [*ENCODE_ARGUMENTS[audio_format], str(target)]
    subprocess.run(command, input=samples.astype("<i2").tobytes(), check=True,
                   capture_output=True)
    return target


@dataclass(frozen=True)
class FFChapter:
    title: str
    start_ms: Fraction
    end_ms: Fraction


def ffmpeg_metadata(path: Path, *, as_stored: bool = True,
                    ) -> tuple[dict[str, str], list[FFChapter]]:
    """What ffmpeg's demuxer reads: the file's tags (lower-cased keys) and chapters.

    `as_stored` keeps the chapter times as the file has them: without it, ffmpeg moves them
    by the stream's start time (an MP3's encoder delay) as it copies them to its output.
    ffmpeg files Ogg comments under the audio stream rather than the file, so they are
    taken from there.
    """
    ogg = path.read_bytes()[:4] == b"OggS"
    output = subprocess.run(
        [ffmpeg_executable(), "-v", "error", *(["-copyts"] if as_stored else []),
         "-i", str(path), *(["-map_metadata", "0:s:a:0"] if ogg else []),
         "-f", "ffmetadata", "-"],
        capture_output=True, check=True).stdout.decode("utf-8")
    sections: list[dict[str, str]] = [{}]
    for line in _logical_lines(output):
        text = "".join(char for char, _ in line)
        if not line or (text[0] in ";#" and not line[0][1]):
            continue  # blank, or a comment
        if text == "[CHAPTER]":
            sections.append({})
            continue
        split = next(i for i, (char, escaped) in enumerate(line)
                     if char == "=" and not escaped)
        sections[-1][text[:split].lower()] = text[split + 1:]
    chapters = []
    for section in sections[1:]:
        num, den = map(int, section["timebase"].split("/"))
        unit = Fraction(1000 * num, den)
        chapters.append(FFChapter(section.get("title", ""), int(section["start"]) * unit,
                                  int(section["end"]) * unit))
    return sections[0], chapters


def _logical_lines(text: str) -> list[list[tuple[str, bool]]]:
    """ffmetadata lines as (character, was escaped) pairs; an escaped newline continues."""
    lines: list[list[tuple[str, bool]]] = [[]]
    chars = iter(text)
    for char in chars:
        if char == "\\":
            lines[-1].append((next(chars), True))
        elif char == "\n":
            lines.append([])
        else:
            lines[-1].append((char, False))
    return lines


def attached_picture(path: Path) -> bytes:
    """The cover as ffmpeg sees it (an attached-picture stream), copied out untouched."""
    return subprocess.run(
        [ffmpeg_executable(), "-v", "error", "-i", str(path), "-map", "0:v:0", "-c", "copy",
         "-f", "image2pipe", "-"], capture_output=True, check=True).stdout


@pytest.mark.parametrize("audio_format", FORMATS)
def test_tags_cover_and_chapters_reach_both_readers(tmp_path: Path, audio_format: str) -> None:
    path = encode(tmp_path, audio_format)
    audio_before = decode(path)
    assert not written_by_briefing(path)  # ffmpeg's own encoder tag is not ours

    write_tags(path, audio_format, TAGS, CHAPTERS, DURATION_MS, COVER)

    assert written_by_briefing(path)
    assert np.array_equal(decode(path), audio_before)  # tagging never touches the audio
    tags, chapters = ffmpeg_metadata(path)
    assert tags["title"] == TAGS.title
    assert (tags["artist"], tags["album"], tags["date"]) == (TAGS.artist, TAGS.album, TAGS.date)
    assert tags["genre"] == "Podcast"
    assert tags.get("comment", tags.get("description")) == TAGS.comment
    assert attached_picture(path) == COVER.data

    marks = expected_marks()
    assert [c.title for c in chapters] == [title for title, _, _ in marks]
    if audio_format in ("mp3", "wav", "ogg"):
        # Stored in milliseconds (ID3 CHAP, Vorbis CHAPTERnnn): exact.
        assert [c.start_ms for c in chapters] == [start for _, start, _ in marks]
    else:
        # The MP4 chapter track counts in the audio's own 1/22050 s: within half a sample.
        assert [round(c.start_ms) for c in chapters] == [start for _, start, _ in marks]
    if audio_format in ("mp3", "wav"):
        assert [c.end_ms for c in chapters] == [end for _, _, end in marks]
    else:
        assert [round(c.end_ms) for c in chapters[:-1]] == [end for _, _, end in marks[:-1]]
        # Vorbis chapters have no ends: ffmpeg ends the last at the stream's end.
        assert abs(chapters[-1].end_ms - marks[-1][2]) < 20


def test_ffmpeg_shifts_mp3_chapters_by_the_encoder_delay(tmp_path: Path) -> None:
    """Documents a reader's interpretation: ffmpeg counts ID3 chapter times from before the
    MP3's encoder delay (1105 samples, 50.1 ms at 22,050 Hz), which gapless players trim."""
    path = encode(tmp_path, "mp3")
    write_tags(path, "mp3", TAGS, CHAPTERS, DURATION_MS, None)
    _, shifted = ffmpeg_metadata(path, as_stored=False)
    delay_ms = Fraction(1105 * 1000, RATE)
    assert [c.title for c in shifted] == [title for title, _, _ in expected_marks()]
    for chapter, (_, start, _) in zip(shifted[1:], expected_marks()[1:], strict=True):
        assert abs(chapter.start_ms - (start - delay_ms)) <= 1


@pytest.mark.parametrize("audio_format", ["mp3", "wav"])
def test_id3_frames(tmp_path: Path, audio_format: str) -> None:
    path = encode(tmp_path, audio_format)
    write_tags(path, audio_format, TAGS, CHAPTERS, DURATION_MS, COVER)

    id3 = ID3(path) if audio_format == "mp3" else WAVE(path).tags
    assert id3.version == (2, 4, 0)
    assert id3["TIT2"].text == [TAGS.title]
    assert id3["TPE1"].text == [TAGS.artist]
    assert id3["TALB"].text == [TAGS.album]
    # mutagen shows ID3 timestamps with a space for the "T" that the file holds.
    assert str(id3["TDRC"].text[0]).replace(" ", "T") == TAGS.date
    assert id3["COMM::eng"].text == [TAGS.comment]
    assert id3["TCON"].text == ["Podcast"]
    assert id3["TSSE"].text == [f"briefing {__version__}"]
    (apic,) = id3.getall("APIC")
    assert (apic.type, apic.mime, apic.data) == (3, "image/png", COVER.data)

    chaps = sorted(id3.getall("CHAP"), key=lambda chap: chap.start_time)
    assert [(c.sub_frames["TIT2"].text[0], c.start_time, c.end_time) for c in chaps] == (
        expected_marks())
    assert [c.element_id for c in chaps] == [f"chp{i}" for i in range(len(CHAPTERS))]
    assert all(c.start_offset == c.end_offset == 0xFFFFFFFF for c in chaps)
    (toc,) = id3.getall("CTOC")
    assert toc.element_id == "toc"
    assert toc.flags == CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
    assert toc.child_element_ids == [c.element_id for c in chaps]
    assert toc.sub_frames["TIT2"].text == [TAGS.title]


def test_m4a_atoms_keep_the_encoded_chapters(tmp_path: Path) -> None:
    path = encode(tmp_path, "m4a")
    # The encoder wrote the tags and chapters of the ffmetadata (escapes undone).
    before, _ = ffmpeg_metadata(path)
    assert (before["title"], before["comment"]) == (TAGS.title, TAGS.comment)

    write_tags(path, "m4a", TAGS, CHAPTERS, DURATION_MS, COVER)

    mp4 = MP4(path)
    assert mp4.tags["©nam"] == [TAGS.title]
    assert mp4.tags["©ART"] == [TAGS.artist]
    assert mp4.tags["©alb"] == [TAGS.album]
    assert mp4.tags["©day"] == [TAGS.date]
    assert mp4.tags["©cmt"] == [TAGS.comment]
    assert mp4.tags["©gen"] == ["Podcast"]
    assert mp4.tags["©too"] == [f"briefing {__version__}"]
    (cover,) = mp4.tags["covr"]
    assert bytes(cover) == COVER.data
    assert cover.imageformat == MP4Cover.FORMAT_PNG
    # The Nero chapter list, in 100 ns units: exact to the millisecond.
    assert [(c.title, round(c.start * 1000)) for c in mp4.chapters] == [
        (title, start) for title, start, _ in expected_marks()]


def test_m4a_jpeg_cover_and_unsupported_images(tmp_path: Path) -> None:
    path = encode(tmp_path, "m4a", with_metadata=False)
    jpeg = StandInCover(b"\xff\xd8\xff\xe0 not really decoded \xff\xd9", "image/jpeg", 1, 1)
    write_tags(path, "m4a", TAGS, (), DURATION_MS, jpeg)
    (cover,) = MP4(path).tags["covr"]
    assert (bytes(cover), cover.imageformat) == (jpeg.data, MP4Cover.FORMAT_JPEG)
    with pytest.raises(ValueError, match="image/webp"):
        write_tags(path, "m4a", TAGS, (), DURATION_MS, StandInCover(b"RIFF", "image/webp", 1, 1))


def test_m4a_without_encoded_chapters_is_refused(tmp_path: Path) -> None:
    path = encode(tmp_path, "m4a", with_metadata=False)
    with pytest.raises(ValueError, match="ffmetadata"):
        write_tags(path, "m4a", TAGS, CHAPTERS, DURATION_MS, None)
    # …but a file without chapters, tagged without chapters, is fine.
    write_tags(path, "m4a", TAGS, (), DURATION_MS, None)
    assert MP4(path).tags["©nam"] == [TAGS.title]


def test_ogg_comments(tmp_path: Path) -> None:
    path = encode(tmp_path, "ogg")
    write_tags(path, "ogg", TAGS, CHAPTERS, DURATION_MS, COVER)

    comments = OggOpus(path).tags
    assert comments["TITLE"] == [TAGS.title]
    assert comments["ARTIST"] == [TAGS.artist]
    assert comments["ALBUM"] == [TAGS.album]
    assert comments["DATE"] == [TAGS.date]
    assert comments["DESCRIPTION"] == [TAGS.comment]
    assert comments["GENRE"] == ["Podcast"]
    assert comments["ENCODER"] == [f"briefing {__version__}"]
    assert comments["CHAPTER001"] == ["00:00:00.250"]  # 5520 samples = 250.34 ms
    assert comments["CHAPTER001NAME"] == [CHAPTERS[1].title]
    (block,) = comments["METADATA_BLOCK_PICTURE"]
    picture = Picture(base64.b64decode(block))
    assert (picture.type, picture.mime, picture.width, picture.height, picture.data) == (
        3, "image/png", 3, 2, COVER.data)


@pytest.mark.parametrize("audio_format", ["mp3", "ogg", "wav"])
def test_retagging_replaces_everything(tmp_path: Path, audio_format: str) -> None:
    path = encode(tmp_path, audio_format, with_metadata=False)
    write_tags(path, audio_format, TAGS, CHAPTERS, DURATION_MS, COVER)
    fewer = sample_chapters(2)
    retitled = Tags(title="Second build", date="2026-11-26", comment="Only point.")
    write_tags(path, audio_format, retitled, fewer, DURATION_MS, None)

    tags, chapters = ffmpeg_metadata(path)
    assert tags["title"] == "Second build"
    assert [(c.title, c.start_ms) for c in chapters] == [
        (title, start) for title, start, _ in expected_marks(fewer)]
    assert attached_picture_count(path) == 0
    assert written_by_briefing(path)


def attached_picture_count(path: Path) -> int:
    probe = subprocess.run([ffmpeg_executable(), "-hide_banner", "-i", str(path)],
                           capture_output=True, text=True).stderr
    return probe.count("(attached pic)")


def test_chapters_must_be_in_order(tmp_path: Path) -> None:
    path = encode(tmp_path, "mp3", with_metadata=False)
    swapped = (CHAPTERS[1], CHAPTERS[0])
    with pytest.raises(ValueError, match="chapter 1"):
        write_tags(path, "mp3", TAGS, swapped, DURATION_MS, None)
    with pytest.raises(ValueError, match="chapter"):
        write_tags(path, "mp3", TAGS, CHAPTERS, CHAPTERS[-1].start_ms - 1, None)


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="flac"):
        write_tags(tmp_path / "x.flac", "flac", TAGS, CHAPTERS, DURATION_MS, None)


@pytest.mark.parametrize("audio_format", FORMATS)
def test_unwritable_files_are_output_errors(tmp_path: Path, audio_format: str) -> None:
    with pytest.raises(OutputError, match="missing"):
        write_tags(tmp_path / f"missing.{audio_format}", audio_format, TAGS, CHAPTERS,
                   DURATION_MS, COVER)


def test_written_by_briefing_is_false_for_other_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp3"
    text.write_text("not audio at all\n")
    assert not written_by_briefing(text)
    assert not written_by_briefing(tmp_path / "missing.m4a")
    assert not written_by_briefing(tmp_path)  # a folder
    # Someone else's file that merely mentions the tool is not ours either.
    path = encode(tmp_path, "mp3", with_metadata=False)
    write_tags(path, "mp3", TAGS, (), DURATION_MS, None)
    id3 = ID3(path)
    id3["TSSE"].text = ["briefingtool 2.0"]
    id3.save()
    assert not written_by_briefing(path)


def test_ffmetadata_escapes_and_times() -> None:
    chapters = (Chapter("One", 0.0, 1234.5), Chapter("Two = 2", 1234.5, 2999.6))
    text = ffmetadata(Tags(title="a=b;c#d\\e", date="2026", comment="x\r\ny\rz"), chapters)
    lines = text.splitlines()
    assert lines[0] == ";FFMETADATA1"
    assert "title=a\\=b\\;c\\#d\\\\e" in lines
    assert "comment=x\\\ny\\\nz" in text
    assert text.count("[CHAPTER]") == 2
    assert text.endswith("[CHAPTER]\nTIMEBASE=1/1000\nSTART=1235\nEND=3000\ntitle=Two \\= 2\n")


def test_more_chapters_than_one_id3_table_holds_are_listed_in_nested_tables(
        tmp_path: Path) -> None:
    from mutagen.id3 import ID3, CTOCFlags

    count = 600  # a digest of about 600 articles: three tables of up to 255
    chapters = tuple(Chapter(f"Chapter {k}", DURATION_MS * k / count,
                             DURATION_MS * (k + 1) / count) for k in range(count))
    path = encode(tmp_path, "mp3", chapters=(), with_metadata=False)
    write_tags(path, "mp3", TAGS, chapters, DURATION_MS, None)
    id3 = ID3(path)
    tables = {frame.element_id: frame for frame in id3.getall("CTOC")}
    top = [table for table in tables.values() if table.flags & CTOCFlags.TOP_LEVEL]
    assert len(top) == 1 and top[0].child_element_ids == ["toc1", "toc2", "toc3"]
    listed = [child for name in top[0].child_element_ids
              for child in tables[name].child_element_ids]
    assert all(len(tables[name].child_element_ids) <= 255 for name in top[0].child_element_ids)
    titles = {frame.element_id: frame.sub_frames["TIT2"].text[0] for frame in id3.getall("CHAP")}
    assert [titles[name] for name in listed] == [c.title for c in chapters]
    _, read_back = ffmpeg_metadata(path)
    assert len(read_back) == count


def test_the_languages_tagged_without_babel_are_the_cldrs() -> None:
    from babel.core import get_global

    from briefing.publish.tagging import _ISO639_2

    aliases = get_global("language_aliases")
    for code, three in _ISO639_2.items():
        assert three == min(alias for alias, target in aliases.items()
                            if target == code and len(alias) == 3 and alias.isalpha())
