"""Tag an encoded briefing in its container's own way: text tags, cover art and chapters.

Per format (`write_tags` runs after encoding, on the finished file):

* mp3: an ID3v2.4 tag with text frames, APIC, and CHAP/CTOC chapter frames.
* wav: the same ID3v2.4 tag, in the RIFF `id3 ` chunk (ffmpeg and mutagen read it there).
* ogg (Opus): Vorbis comments, with the cover as METADATA_BLOCK_PICTURE and chapters as
  CHAPTERnnn/CHAPTERnnnNAME, the convention ffmpeg reads and writes.
* m4a (AAC): iTunes atoms. MP4 chapters (a chapter text track plus a Nero `chpl` box) are
  beyond mutagen, so they are written by ffmpeg at encoding time from `ffmetadata(...)`;
  `write_tags` only checks that they are there, and mutagen keeps them when it saves.

Every tag set is written whole, replacing what the encoder wrote, so re-tagging a file
never accumulates stale frames or chapters.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from briefing import __version__
from briefing.errors import OutputError
from briefing.model import TOOL_NAME, Chapter
from briefing.publish.formats import MAX_TOC_ENTRIES
from briefing.publish.transcripts import ChapterMark, chapter_marks, clock

if TYPE_CHECKING:
    from mutagen.id3 import ID3

    from briefing.model import Tags
    from briefing.publish.cover import Cover

SOFTWARE = f"{TOOL_NAME} {__version__}"  # the encoder/software tag that marks our own files
GENRE = "Podcast"

# ID3 CHAP frames may point at byte offsets too; all ones means "use the times".
NO_OFFSET = 0xFFFFFFFF
TOC_ID = "toc"
FRONT_COVER = 3  # picture type shared by ID3 APIC and FLAC/Vorbis pictures
PICTURE_DEPTH = 24  # bits per pixel, as FLAC pictures declare it; informative only
UTF8 = 3  # ID3v2.4 text encoding


def write_tags(path: Path, audio_format: str, tags: Tags, chapters: Sequence[Chapter],
               duration_ms: float, cover: Cover | None) -> None:
    """Replace the tags of the encoded file at `path` with `tags`, `chapters` and `cover`.

    The last chapter ends at `duration_ms`. For "m4a" the chapters must already be in the
    file (encode with `ffmetadata`); ValueError if they are not, or if `audio_format` is
    unknown or the chapters are out of order. OutputError if the file cannot be tagged.
    """
    from mutagen import MutagenError

    writer = _WRITERS.get(audio_format)
    if writer is None:
        raise ValueError(f"no tagging for {audio_format!r}: expected one of {tuple(_WRITERS)}")
    marks = chapter_marks(chapters, duration_ms)
    try:
        writer(path, tags, marks, cover)
    except (MutagenError, OSError) as error:  # mutagen wraps most I/O errors in its own
        raise OutputError(f"cannot write the tags of {path.name}: {error}") from None


@dataclass(frozen=True)
class FileTags:
    """What an audio file says of itself, whoever wrote it: its tags and its length (read back
    for the feed and the library, and to tell whether a file is briefing's own)."""

    title: str | None = None
    """The title tag."""
    artist: str | None = None
    """The artist tag."""
    album: str | None = None
    """The album tag (a podcast's show)."""
    date: str | None = None
    """The recording date tag, as written (ISO 8601 when briefing wrote it)."""
    comment: str | None = None
    """The comment or description (briefing's: the summary points, one per line)."""
    software: tuple[str, ...] = ()
    """The encoder/software tags: briefing's own files name it first."""
    pictures: tuple[bytes, ...] = ()
    """Embedded pictures, front covers first."""
    duration: float = 0.0
    """The audio's length in seconds, from its stream headers (0 when they do not say)."""
    language: str | None = None
    """The language tag (ID3 TLAN, Vorbis LANGUAGE) as ISO 639-1 ("de"); None if none."""

    @property
    def by_briefing(self) -> bool:
        return any(name.split(" ")[0] == TOOL_NAME for name in self.software)


def read_tags(path: Path) -> FileTags | None:
    """The tags of the audio file at `path` (an empty FileTags when it has none), or None
    when it is not audio mutagen can read. The kind is sniffed from the content, so a renamed
    or mis-suffixed file is still recognised."""
    import mutagen

    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError):
        return None
    if audio is None or audio.info is None:
        return None
    duration = float(getattr(audio.info, "length", 0.0) or 0.0)
    try:
        return replace(_file_tags(audio), duration=duration)
    except (AttributeError, TypeError, ValueError, KeyError):  # a malformed third-party tag
        return FileTags(duration=duration)


def _file_tags(audio: Any) -> FileTags:
    from mutagen.id3 import ID3
    from mutagen.mp4 import MP4Tags

    tags = audio.tags
    if tags is None:
        return FileTags(pictures=_pictures(audio, tags))
    if isinstance(tags, ID3):  # MP3, and WAV with an id3 chunk
        comments = [frame for frame in tags.getall("COMM") if frame.desc == ""]
        comments.sort(key=lambda frame: frame.lang != "eng")  # other COMMs are not for us
        return FileTags(
            title=_id3_text(tags, "TIT2"), artist=_id3_text(tags, "TPE1"),
            album=_id3_text(tags, "TALB"), date=_id3_text(tags, "TDRC"),
            comment=_joined(comments[0].text) if comments else None,
            software=tuple(str(text) for frame in tags.getall("TSSE") for text in frame.text),
            pictures=_pictures(audio, tags),
            language=_language(_id3_text(tags, "TLAN")))
    if isinstance(tags, MP4Tags):
        return FileTags(
            title=_first(tags.get("\xa9nam")), artist=_first(tags.get("\xa9ART")),
            album=_first(tags.get("\xa9alb")), date=_first(tags.get("\xa9day")),
            comment=_joined(tags.get("\xa9cmt")),
            software=tuple(str(text) for text in tags.get("\xa9too", [])),
            pictures=_pictures(audio, tags))
    # Vorbis comments (Ogg, Opus, FLAC) behave like a case-insensitive dict of lists.
    return FileTags(
        title=_first(tags.get("title")), artist=_first(tags.get("artist")),
        album=_first(tags.get("album")), date=_first(tags.get("date")),
        comment=_joined(tags.get("comment") or tags.get("description")),
        software=tuple(str(text) for text in tags.get("encoder", [])),
        language=_language(_first(tags.get("language"))),
        pictures=_pictures(audio, tags))


def written_by_briefing(path: Path) -> bool:
    """True if `path` is an audio file whose encoder tag names this tool."""
    tags = read_tags(path)
    return tags is not None and tags.by_briefing


def _language(value: str | None) -> str | None:
    return iso639_1(value) if value else None


def _id3_text(tags: Any, frame_id: str) -> str | None:
    frame = tags.get(frame_id)
    return None if frame is None else _first([str(text) for text in frame.text])


def _first(values: Iterable[object] | None) -> str | None:
    for value in values or ():
        text = str(value).strip()
        if text:
            return text
    return None


def _joined(values: Iterable[object] | None) -> str | None:
    text = "\n".join(str(value) for value in values or ()).strip()
    return text or None


def _pictures(audio: Any, tags: Any) -> tuple[bytes, ...]:
    """Embedded pictures, front covers first."""
    from mutagen import MutagenError
    from mutagen.flac import Picture
    from mutagen.id3 import ID3
    from mutagen.mp4 import MP4Tags

    found: list[tuple[bool, bytes]] = []
    if isinstance(tags, ID3):
        found = [(frame.type != FRONT_COVER, frame.data) for frame in tags.getall("APIC")]
    elif isinstance(tags, MP4Tags):
        found = [(False, bytes(cover)) for cover in tags.get("covr", [])]
    else:
        for picture in getattr(audio, "pictures", []):  # FLAC
            found.append((picture.type != FRONT_COVER, picture.data))
        for encoded in tags.get("metadata_block_picture", []) if tags is not None else []:
            try:
                picture = Picture(base64.b64decode(encoded))
            except (ValueError, MutagenError):
                continue
            found.append((picture.type != FRONT_COVER, picture.data))
    found.sort(key=lambda pair: pair[0])
    return tuple(data for _, data in found)


def ffmetadata(tags: Tags, chapters: Sequence[Chapter]) -> str:
    """An FFMETADATA1 file with `tags` and `chapters`, for ffmpeg to write at encoding time.

    Pass it as a second input: `-i META -map 0:a -map_metadata 1 -map_chapters 1`. The last
    chapter ends where it says (assembly makes that the programme's end).
    """
    lines = [";FFMETADATA1"]
    for key, value in _text_tags(tags):
        lines.append(f"{key}={_ffmetadata_escape(value)}")
    marks = chapter_marks(chapters, chapters[-1].end_ms) if chapters else ()
    for mark in marks:
        lines += ["", "[CHAPTER]", "TIMEBASE=1/1000", f"START={mark.start_ms}",
                  f"END={mark.end_ms}", f"title={_ffmetadata_escape(mark.title)}"]
    return "\n".join(lines) + "\n"


def _text_tags(tags: Tags) -> list[tuple[str, str]]:
    """The tags under ffmpeg's generic names (which its muxers map to each container's)."""
    return [("title", tags.title), ("artist", tags.artist), ("album", tags.album),
            ("date", tags.date), ("comment", tags.comment), ("genre", GENRE),
            ("language", iso639_2(tags.language))]


_ISO639_2 = {"en": "eng", "de": "deu", "fr": "fra", "es": "spa"}
"""The languages briefing speaks in its own words, as the CLDR gives them (tested): an
English build need not load Babel (about 30 ms) to tag its file."""


def iso639_2(language: str) -> str:
    """ "de" -> "deu": the three-letter code ID3 TLAN (and MP4) expect, from the CLDR's
    language aliases (Babel); "und" (undetermined) when the CLDR has none."""
    code = language.replace("_", "-").split("-")[0].lower()
    if len(code) == 3:
        return code
    if code in _ISO639_2:
        return _ISO639_2[code]
    from babel.core import get_global

    aliases = get_global("language_aliases")
    matches = sorted(alias for alias, target in aliases.items()
                     if target == code and len(alias) == 3 and alias.isalpha())
    return matches[0] if matches else "und"


def iso639_1(code: str) -> str:
    """ "deu" -> "de": back from a TLAN value to the code feeds and transcripts use."""
    from babel.core import get_global

    code = code.strip().lower()
    if len(code) != 3:
        return code
    target = get_global("language_aliases").get(code)
    return target if isinstance(target, str) and len(target) == 2 else code


def _ffmetadata_escape(value: str) -> str:
    # ffmpeg strips a trailing CR from each line, so CRs become plain newlines first.
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    for special in ("\\", "=", ";", "#", "\n"):
        value = value.replace(special, "\\" + special)
    return value


def _fill_id3(id3: ID3, tags: Tags, marks: Sequence[ChapterMark], cover: Cover | None) -> None:
    from mutagen.id3 import (
        APIC,
        CHAP,
        COMM,
        CTOC,
        TALB,
        TCON,
        TDRC,
        TIT2,
        TLAN,
        TPE1,
        TSSE,
        CTOCFlags,
    )

    id3.add(TIT2(encoding=UTF8, text=tags.title))
    id3.add(TPE1(encoding=UTF8, text=tags.artist))
    id3.add(TALB(encoding=UTF8, text=tags.album))
    id3.add(TDRC(encoding=UTF8, text=tags.date))
    id3.add(COMM(encoding=UTF8, lang="eng", desc="", text=tags.comment))
    id3.add(TCON(encoding=UTF8, text=GENRE))
    id3.add(TLAN(encoding=UTF8, text=iso639_2(tags.language)))
    id3.add(TSSE(encoding=UTF8, text=SOFTWARE))
    if cover is not None:
        id3.add(APIC(encoding=UTF8, mime=cover.mime, type=FRONT_COVER, desc="",
                     data=cover.data))
    if not marks:
        return
    ids = [f"chp{index}" for index in range(len(marks))]
    for element_id, mark in zip(ids, marks, strict=True):
        id3.add(CHAP(element_id=element_id, start_time=mark.start_ms, end_time=mark.end_ms,
                     start_offset=NO_OFFSET, end_offset=NO_OFFSET,
                     sub_frames=[TIT2(encoding=UTF8, text=mark.title)]))
    # A CTOC counts its entries in one byte: past 255 chapters (a digest of 254 articles),
    # the top-level table lists tables of up to 255 chapters each, as ID3's chapter
    # addendum allows (players that read no CTOC still list every CHAP, in order).
    if len(ids) > MAX_TOC_ENTRIES:
        tables = []
        for number, first in enumerate(range(0, len(ids), MAX_TOC_ENTRIES), 1):
            span = marks[first:first + MAX_TOC_ENTRIES]
            tables.append(f"{TOC_ID}{number}")
            id3.add(CTOC(element_id=tables[-1], flags=CTOCFlags.ORDERED,
                         child_element_ids=ids[first:first + MAX_TOC_ENTRIES],
                         sub_frames=[TIT2(encoding=UTF8,
                                          text=f"{span[0].title} – {span[-1].title}")]))
        ids = tables
    id3.add(CTOC(element_id=TOC_ID, flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                 child_element_ids=ids, sub_frames=[TIT2(encoding=UTF8, text=tags.title)]))


def _tag_mp3(path: Path, tags: Tags, marks: Sequence[ChapterMark],
             cover: Cover | None) -> None:
    from mutagen.id3 import ID3
    from mutagen.mp3 import MP3

    MP3(path)  # an MP3 it must be: ID3 alone would tag (even create) any file
    id3 = _chapters_in_order(ID3)()  # a new tag replaces the encoder's when saved
    _fill_id3(id3, tags, marks, cover)
    id3.save(path, v2_version=4)


def _tag_wav(path: Path, tags: Tags, marks: Sequence[ChapterMark],
             cover: Cover | None) -> None:
    from mutagen.wave import WAVE, _WaveID3

    wave = WAVE(path)  # checks that it is a WAV file before anything is written
    id3 = _chapters_in_order(_WaveID3)()
    id3.filename = wave.filename
    # Replaces any ID3 chunk there was (mutagen's stub types the attribute as None).
    wave.tags = id3  # type: ignore[assignment]
    _fill_id3(id3, tags, marks, cover)
    wave.save(v2_version=4)


@functools.cache
def _chapters_in_order(base: type[ID3]) -> type[ID3]:
    """`base` (an ID3 tag class of mutagen's) saving its CHAP frames in timeline order.

    mutagen orders frames by size when it saves; ffmpeg, and the players built on it, take
    the CHAP frames in file order (CTOC ignored), so a long title would move its chapter
    out of place. The override uses mutagen's private `_write` (there is no public hook);
    the tests read the order back with ffmpeg, so a change in mutagen cannot go unnoticed.
    """
    from mutagen.id3 import ID3Tags

    class ChaptersInOrder(base):  # type: ignore[misc, valid-type]
        def _write(self, config: object) -> bytearray:
            chapters = sorted(self.getall("CHAP"), key=lambda chapter: chapter.start_time)
            self.delall("CHAP")
            try:
                data: bytearray = super()._write(config)
                for chapter in chapters:
                    alone = ID3Tags()
                    alone.add(chapter)
                    data += alone._write(config)
            finally:
                for chapter in chapters:
                    self.add(chapter)
            return data

    return ChaptersInOrder


def _tag_m4a(path: Path, tags: Tags, marks: Sequence[ChapterMark],
             cover: Cover | None) -> None:
    from mutagen.mp4 import MP4, MP4Cover

    mp4 = MP4(path)
    found = [round(chapter.start * 1000) for chapter in mp4.chapters or ()]
    if found != [mark.start_ms for mark in marks]:
        raise ValueError(f"{path.name} has chapters at {found} ms, not at "
                         f"{[mark.start_ms for mark in marks]}: encode it with ffmetadata()")
    if mp4.tags is None:
        mp4.add_tags()
    items: Any = mp4.tags  # mutagen types it as possibly None; it exists from here on
    items.clear()
    items.update({"©nam": [tags.title], "©ART": [tags.artist], "©alb": [tags.album],
                     "©day": [tags.date], "©cmt": [tags.comment], "©gen": [GENRE],
                     "©too": [SOFTWARE]})
    if cover is not None:
        formats = {"image/png": MP4Cover.FORMAT_PNG, "image/jpeg": MP4Cover.FORMAT_JPEG}
        if cover.mime not in formats:
            raise ValueError(f"MP4 cover art must be PNG or JPEG, not {cover.mime}")
        items["covr"] = [MP4Cover(cover.data, imageformat=formats[cover.mime])]
    # Only the iTunes item list changes; mutagen moves the chunk offsets of every track,
    # the chapter text track included, when the movie header grows.
    mp4.save()


def _tag_ogg(path: Path, tags: Tags, marks: Sequence[ChapterMark],
             cover: Cover | None) -> None:
    from mutagen.flac import Picture
    from mutagen.oggopus import OggOpus

    opus = OggOpus(path)
    comments: Any = opus.tags  # always present in an Ogg Opus file
    comments.clear()
    comments.update({"TITLE": tags.title, "ARTIST": tags.artist, "ALBUM": tags.album,
                     "DATE": tags.date, "DESCRIPTION": tags.comment, "GENRE": GENRE,
                     "ENCODER": SOFTWARE, "LANGUAGE": tags.language})
    for index, mark in enumerate(marks):
        # Vorbis chapters carry starts only; a reader ends each at the next (the last at
        # the end of the stream).
        comments[f"CHAPTER{index:03d}"] = clock(mark.start_ms)
        comments[f"CHAPTER{index:03d}NAME"] = mark.title
    if cover is not None:
        picture = Picture()
        picture.type = FRONT_COVER
        picture.mime = cover.mime
        picture.desc = ""
        picture.width, picture.height = cover.width, cover.height
        picture.depth = PICTURE_DEPTH
        picture.data = cover.data
        comments["METADATA_BLOCK_PICTURE"] = base64.b64encode(picture.write()).decode("ascii")
    # Without padding after the comments: ffmpeg reports any as "bytes of comment header
    # remain", and the file is rewritten whole anyway when a build replaces it.
    opus.save(padding=lambda info: 0)


_WRITERS: dict[str, Callable[[Path, Tags, Sequence[ChapterMark], Cover | None], None]] = {
    "mp3": _tag_mp3,
    "m4a": _tag_m4a,
    "ogg": _tag_ogg,
    "wav": _tag_wav,
}
