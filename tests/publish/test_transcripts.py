"""SRT, WebVTT and JSON chapters from the programme's timeline, read back by small parsers."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from briefing.audio.assembly import assemble
from briefing.compose.script import compose
from briefing.model import Chapter, Clip, Cue, Document, Role
from briefing.publish.transcripts import (
    chapter_marks,
    chapters_json,
    clock,
    srt,
    timed_lines,
    vtt,
    whole_ms,
)

RATE = 22050
TIMING = re.compile(r"^(\d{2,}):(\d{2}):(\d{2})([,.])(\d{3}) --> "
                    r"(\d{2,}):(\d{2}):(\d{2})([,.])(\d{3})$")


@dataclass(frozen=True)
class Parsed:
    number: int
    start_ms: int
    end_ms: int
    text: str


def _timing(line: str, separator: str) -> tuple[int, int]:
    match = TIMING.match(line)
    assert match, f"not a timing line: {line!r}"
    h1, m1, s1, sep1, ms1, h2, m2, s2, sep2, ms2 = match.groups()
    assert sep1 == sep2 == separator
    return ((int(h1) * 3600 + int(m1) * 60 + int(s1)) * 1000 + int(ms1),
            (int(h2) * 3600 + int(m2) * 60 + int(s2)) * 1000 + int(ms2))


def parse_srt(text: str) -> list[Parsed]:
    """Strict SubRip: number, timing, exactly one text line, blank line between cues."""
    assert text.endswith("\n") or not text
    cues = []
    for block in text.split("\n\n") if text else []:
        lines = block.rstrip("\n").split("\n")
        assert len(lines) == 3, f"number, timing and one text line expected: {block!r}"
        number, timing, line = lines
        cues.append(Parsed(int(number), *_timing(timing, ","), line))
    return cues


def parse_vtt(text: str) -> list[Parsed]:
    """WebVTT as its parsing rules go: a line with "-->" is a timing line wherever it is,
    so text containing one would split the cue. Entities are decoded."""
    header, *blocks = text.rstrip("\n").split("\n\n")
    assert header == "WEBVTT"
    cues = []
    for block in blocks:
        lines = block.rstrip("\n").split("\n")
        timings = [i for i, line in enumerate(lines) if "-->" in line]
        assert timings == [1], f"cue id, one timing line, payload expected: {block!r}"
        assert len(lines) == 3, f"one payload line expected: {block!r}"
        assert "<" not in lines[2]  # no markup: every "<" of the text is escaped
        cues.append(Parsed(int(lines[0]), *_timing(lines[1], "."), html.unescape(lines[2])))
    return cues


def cue(start_samples: int, end_samples: int, text: str, role: Role = Role.BODY) -> Cue:
    """A cue at sample-derived times, as assembly makes them."""
    return Cue(1000 * start_samples / RATE, 1000 * end_samples / RATE, text, role, 0)


CUES = (
    cue(0, 30_000, "Here is your briefing.", Role.INTRO),
    cue(41_025, 60_000, "Key points.", Role.HEADING),
    cue(60_001, 99_999, "Tom & Jerry <b>won</b> 3 > 2 --> final."),
    cue(110_250, 200_000, "A sentence\nthat was   wrapped\tin the source."),
)


def expected(cues: tuple[Cue, ...]) -> list[tuple[int, int, str]]:
    return [(whole_ms(c.start_ms), whole_ms(c.end_ms), " ".join(c.text.split())) for c in cues]


def test_srt_round_trip_to_the_millisecond() -> None:
    parsed = parse_srt(srt(CUES))
    assert [p.number for p in parsed] == [1, 2, 3, 4]
    assert [(p.start_ms, p.end_ms, p.text) for p in parsed] == [
        (start, end, text.replace("-->", "→")) for start, end, text in expected(CUES)]


def test_vtt_round_trip_to_the_millisecond() -> None:
    parsed = parse_vtt(vtt(CUES))
    assert [p.number for p in parsed] == [1, 2, 3, 4]
    assert [(p.start_ms, p.end_ms, p.text) for p in parsed] == expected(CUES)


def test_vtt_escapes_markup_and_arrows() -> None:
    text = vtt(CUES)
    assert "Tom &amp; Jerry &lt;b&gt;won&lt;/b&gt; 3 &gt; 2 --&gt; final." in text
    assert text.startswith("WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.361\n")


def test_times_are_formatted_with_hours() -> None:
    assert clock(3_723_004, ",") == "01:02:03,004"
    assert clock(100 * 3_600_000 + 59_999) == "100:00:59.999"
    long = (Cue(3_600_000.4, 3_723_004.6, "Late.", Role.BODY, 0),)
    assert "01:00:00,000 --> 01:02:03,005" in srt(long)
    assert "01:00:00.000 --> 01:02:03.005" in vtt(long)


def test_whole_ms_rounds_halves_up_and_refuses_nonsense() -> None:
    assert [whole_ms(x) for x in (0.0, 0.5, 1.4999, 2.5, 1000 * 5520 / RATE)] == [
        0, 1, 1, 3, 250]
    for bad in (-0.1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            whole_ms(bad)


def test_silent_or_empty_cues_are_left_out_and_numbering_stays_sequential() -> None:
    cues = (cue(0, 1000, "One."), cue(1000, 1000, "Not heard."), cue(2000, 3000, "  \n"),
            cue(4000, 5000, "Two."))
    parsed = parse_srt(srt(cues))
    assert [(p.number, p.text) for p in parsed] == [(1, "One."), (2, "Two.")]
    assert [p.number for p in parse_vtt(vtt(cues))] == [1, 2]


def test_overlapping_cues_are_refused() -> None:
    with pytest.raises(ValueError, match="before the previous one ends"):
        srt((cue(0, 2000, "One."), cue(1000, 3000, "Two.")))
    # Touching is not overlapping.
    assert len(timed_lines((cue(0, 2000, "One."), cue(2000, 3000, "Two.")))) == 2


def test_frame_cues_of_a_real_programme_are_subtitled() -> None:
    script = compose([Document("A title", ("A point.",), ("One. Two.",), "t")])
    tone = (8000 * np.sin(np.arange(2205) / 3)).astype(np.int16)
    programme = assemble(script, [Clip(tone, RATE) for _ in script.segments], RATE)
    assert any(c.role.is_frame for c in programme.cues)

    parsed = parse_vtt(vtt(programme.cues))
    assert [(p.start_ms, p.end_ms, p.text) for p in parsed] == expected(programme.cues)
    assert len(parse_srt(srt(programme.cues))) == len(programme.cues)


@st.composite
def cue_lists(draw: st.DrawFn) -> tuple[Cue, ...]:
    """Cues laid end to end from sample counts, with any text at all."""
    cues, position = [], 0
    for _ in range(draw(st.integers(0, 8))):
        position += draw(st.integers(0, 50_000))
        length = draw(st.integers(1, 200_000))
        text = draw(st.text(min_size=1, max_size=40))
        cues.append(cue(position, position + length, text))
        position += length
    return tuple(cues)


@given(cue_lists())
def test_any_text_round_trips(cues: tuple[Cue, ...]) -> None:
    kept = [(start, end, text) for start, end, text in expected(cues) if text and end > start]
    assert [(p.start_ms, p.end_ms, p.text) for p in parse_vtt(vtt(cues))] == kept
    assert [(p.start_ms, p.end_ms, p.text) for p in parse_srt(srt(cues))] == [
        (start, end, text.replace("-->", "→")) for start, end, text in kept]


def test_chapters_json() -> None:
    chapters = (Chapter("Introduction", 0.0, 1000 * 5520 / RATE),
                Chapter("Key points — «résumé»", 1000 * 5520 / RATE, 1000 * 66_151 / RATE),
                Chapter("Outro", 1000 * 66_151 / RATE, 1000 * 88_200 / RATE))
    text = chapters_json(chapters, "Kyiv & Pyongyang")
    document = json.loads(text)
    assert document["version"] == "1.2.0"
    assert document["title"] == "Kyiv & Pyongyang"
    assert document["chapters"] == [
        {"startTime": 0.0, "endTime": 0.25, "title": "Introduction"},
        {"startTime": 0.25, "endTime": 3.0, "title": "Key points — «résumé»"},
        {"startTime": 3.0, "endTime": 4.0, "title": "Outro"},
    ]
    assert '"startTime": 0.25' in text  # seconds to the millisecond, no float noise
    assert "«résumé»" in text  # readable UTF-8, not \u escapes
    assert json.loads(chapters_json((), "Empty"))["chapters"] == []


def test_chapter_marks_are_checked() -> None:
    good = (Chapter("A", 0.0, 1000.4), Chapter("B", 1000.4, 2000.0))
    assert [(m.start_ms, m.end_ms) for m in chapter_marks(good, 2100.0)] == [
        (0, 1000), (1000, 2100)]
    with pytest.raises(ValueError, match="chapter 1"):
        chapter_marks((good[1], good[0]), 2000.0)
    with pytest.raises(ValueError, match="chapter 1"):  # starts before the previous ends
        chapter_marks((Chapter("A", 0.0, 3000.0), good[1]), 3000.0)
    with pytest.raises(ValueError, match="chapter 0"):  # ends after the programme
        chapter_marks((Chapter("A", 0.0, 3000.0), Chapter("B", 3000.0, 4000.0)), 2500.0)
