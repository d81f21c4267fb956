"""Timed text from the programme's own timeline: SRT and WebVTT subtitles, JSON chapters.

Every time here comes from the cues and chapters that assembly computed from sample counts;
nothing is re-estimated. Times are rounded once, to whole milliseconds, by `whole_ms`, the
same rounding the audio tags use, so subtitles, chapter files and embedded chapters agree.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from briefing.model import Chapter, Cue

CHAPTERS_JSON_VERSION = "1.2.0"  # Podcasting 2.0 JSON chapters format


@dataclass(frozen=True)
class TimedLine:
    """One subtitle: a span of whole milliseconds and one line of text."""

    start_ms: int
    """When it appears."""
    end_ms: int
    """When it goes (never after the next one appears)."""
    text: str
    """What it says: the sentence's original wording."""


@dataclass(frozen=True)
class ChapterMark:
    """A chapter on the whole-millisecond timeline that every output format shares."""

    title: str
    """The chapter's title."""
    start_ms: int
    """Where it starts."""
    end_ms: int
    """Where it ends: the next chapter's start, or the programme's end."""


def whole_ms(ms: float) -> int:
    """`ms` rounded to the nearest millisecond, halves up (not to even: no parity surprises)."""
    if not math.isfinite(ms) or ms < 0:
        raise ValueError(f"not a time in the programme: {ms!r} ms")
    return math.floor(ms + 0.5)


def timed_lines(cues: Sequence[Cue]) -> tuple[TimedLine, ...]:
    """The cues as subtitles: one line each, in order, never overlapping.

    Frame cues (intro, headings…) are kept: they are spoken, and subtitles follow the audio.
    A cue with no text or no duration is left out: nothing can be shown for it.
    """
    lines: list[TimedLine] = []
    for cue in cues:
        text = " ".join(cue.text.split())  # one line, whatever whitespace the source had
        start, end = whole_ms(cue.start_ms), whole_ms(cue.end_ms)
        if not text or end <= start:
            continue
        if lines and start < lines[-1].end_ms:
            # Assembly lays cues end to end; an overlap means the timeline itself is wrong.
            raise ValueError(f"cue at {cue.start_ms} ms starts before the previous one ends")
        lines.append(TimedLine(start, end, text))
    return tuple(lines)


def srt(cues: Sequence[Cue]) -> str:
    """SubRip subtitles: numbered cues, `HH:MM:SS,mmm --> HH:MM:SS,mmm`, one text line."""
    blocks = []
    for number, line in enumerate(timed_lines(cues), start=1):
        # SubRip has no escaping; an arrow in the text could be taken for a timing line by
        # lenient parsers, so it is shown as the arrow it stands for.
        text = line.text.replace("-->", "→")
        blocks.append(f"{number}\n{clock(line.start_ms, ',')} --> "
                      f"{clock(line.end_ms, ',')}\n{text}\n")
    return "\n".join(blocks)


def vtt(cues: Sequence[Cue], language: str | None = None) -> str:
    """WebVTT subtitles: header (with a `Language:` line, as players read it), numbered cues,
    `HH:MM:SS.mmm --> HH:MM:SS.mmm`, one line."""
    blocks = [f"WEBVTT\nLanguage: {language}\n" if language else "WEBVTT\n"]
    for number, line in enumerate(timed_lines(cues), start=1):
        blocks.append(f"{number}\n{clock(line.start_ms, '.')} --> "
                      f"{clock(line.end_ms, '.')}\n{_vtt_escape(line.text)}\n")
    return "\n".join(blocks)


def chapter_marks(chapters: Sequence[Chapter], duration_ms: float) -> tuple[ChapterMark, ...]:
    """The chapters in whole milliseconds; the last one ends at `duration_ms`.

    Raises ValueError when the chapters are out of order, overlap, or run past the end.
    """
    duration = whole_ms(duration_ms)
    marks: list[ChapterMark] = []
    for index, chapter in enumerate(chapters):
        start = whole_ms(chapter.start_ms)
        end = duration if index == len(chapters) - 1 else whole_ms(chapter.end_ms)
        previous_end = marks[-1].end_ms if marks else 0
        if start < previous_end or end < start or end > duration:
            raise ValueError(f"chapter {index} ({chapter.title!r}) is not within "
                             f"{previous_end}…{duration} ms in order")
        marks.append(ChapterMark(chapter.title, start, end))
    return tuple(marks)


def chapters_json(chapters: Sequence[Chapter], title: str) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0): times in seconds, to the millisecond."""
    end = chapters[-1].end_ms if chapters else 0.0
    document = {
        "version": CHAPTERS_JSON_VERSION,
        "title": title,
        "chapters": [
            # ms / 1000 is the nearest float to the decimal, so JSON shows e.g. 12.345.
            {"startTime": mark.start_ms / 1000, "endTime": mark.end_ms / 1000,
             "title": mark.title}
            for mark in chapter_marks(chapters, end)
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def clock(ms: int, separator: str = ".") -> str:
    """`HH:MM:SS.mmm` (or with `separator` before the milliseconds); hours can exceed 99."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def _vtt_escape(text: str) -> str:
    # With ">" escaped, no "-->" can remain to end the cue payload early.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
