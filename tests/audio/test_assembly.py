"""Assembly: one buffer, exact cue and chapter times (logic tested with a fake tone engine)."""

from __future__ import annotations

import numpy as np
import pytest

from briefing.audio.assembly import KEEP_AFTER_MS, KEEP_BEFORE_MS, assemble, trim
from briefing.compose.script import compose
from briefing.model import Clip, Document

RATE = 22050


def tone(ms: float, pad_ms: float = 0) -> Clip:
    """`ms` of tone between `pad_ms` of silence on both sides."""
    sound = (8000 * np.sin(np.arange(int(ms * RATE / 1000)) / 3)).astype(np.int16)
    pad = np.zeros(int(pad_ms * RATE / 1000), dtype=np.int16)
    return Clip(np.concatenate([pad, sound, pad]), RATE)


def test_trim_keeps_margins() -> None:
    clip = tone(500, pad_ms=300)
    trimmed = trim(clip.samples, RATE)
    expected_ms = 500 + KEEP_BEFORE_MS + KEEP_AFTER_MS
    assert abs(1000 * len(trimmed) / RATE - expected_ms) < 2
    assert len(trim(np.zeros(1000, dtype=np.int16), RATE)) == 0


def test_cues_and_chapters_follow_the_samples() -> None:
    script = compose([Document(None, ("A point.",), ("One. Two.",), "t")])
    clips = [tone(100 * (i + 1), pad_ms=50) for i in range(len(script.segments))]
    programme = assemble(script, list(clips), RATE)

    position = 0.0
    for cue, clip, segment in zip(programme.cues, clips, script.segments, strict=True):
        assert cue.start_ms == pytest.approx(position, abs=0.1)
        length = 1000 * len(trim(clip.samples, RATE)) / RATE
        assert cue.end_ms - cue.start_ms == pytest.approx(length, abs=0.1)
        assert cue.text == segment.text
        position = cue.end_ms + segment.pause_after_ms
    assert programme.duration_ms == pytest.approx(position, abs=0.1)
    assert [c.title for c in programme.chapters] == ["Intro", "Key points", "The full story",
                                                     "Outro"]
    starts = {cue.section: cue.start_ms for cue in reversed(programme.cues)}
    for index, chapter in enumerate(programme.chapters[1:], start=1):
        assert chapter.start_ms == starts[index]
    assert programme.chapters[0].start_ms == 0
    assert programme.chapters[-1].end_ms == programme.duration_ms
    ends = [c.end_ms for c in programme.chapters[:-1]]
    assert ends == [c.start_ms for c in programme.chapters[1:]]


def test_split_sentence_is_one_cue() -> None:
    sentence = "word " * 200 + "end."
    script = compose([Document(None, (), (sentence,), "t")])
    clips = [tone(200) for _ in script.segments]
    programme = assemble(script, list(clips), RATE)
    body = [cue for cue in programme.cues if cue.text.startswith("word")]
    assert len(body) == 1
    assert body[0].text.split() == sentence.split()


def test_assembly_lets_go_of_each_clip() -> None:
    script = compose([Document(None, ("A point.",), ("One. Two.",), "t")])
    clips: list[Clip | None] = [tone(100) for _ in script.segments]
    assemble(script, clips, RATE)
    assert clips == [None] * len(script.segments)


def test_clip_count_must_match() -> None:
    script = compose([Document(None, ("A point.",), (), "t")])
    with pytest.raises(ValueError, match="clips"):
        assemble(script, [], RATE)
