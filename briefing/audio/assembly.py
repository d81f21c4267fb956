"""Assemble clips and pauses into one programme, knowing where every segment lands.

Assembly is one pass into one preallocated buffer (no repeated concatenation), and every
cue and chapter time is computed from sample counts, so the transcript and the chapters are
exact by construction rather than re-estimated afterwards.
"""

from __future__ import annotations

import numpy as np

from briefing.model import Chapter, Clip, Cue, Programme, Script
from briefing.runtime import release_free_memory

# eSpeak pads every clip with its own silence; trimmed, the script's pauses are the real gaps.
SILENCE_THRESHOLD = 200  # |sample| below this (about -44 dBFS) counts as silence
KEEP_BEFORE_MS = 10  # left before the first sound, so no consonant onset is cut
KEEP_AFTER_MS = 40  # left after the last sound, for decaying endings
RELEASE_EVERY = 4_000_000  # samples of copied clips between handing freed memory back


def trim(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """The clip without its leading and trailing silence (a view, not a copy)."""
    start, end = _sound_bounds(samples, sample_rate)
    return samples[start:end]


def _sound_bounds(samples: np.ndarray, sample_rate: int) -> tuple[int, int]:
    loud = np.flatnonzero(np.abs(samples.astype(np.int32)) > SILENCE_THRESHOLD)
    if loud.size == 0:
        return 0, 0
    start = max(0, loud[0] - KEEP_BEFORE_MS * sample_rate // 1000)
    end = min(len(samples), loud[-1] + 1 + KEEP_AFTER_MS * sample_rate // 1000)
    return int(start), int(end)


def section_tone(sample_rate: int) -> np.ndarray:
    """A soft two-note chime (generated, no audio asset) to mark a new section."""
    notes = []
    for frequency in (660.0, 880.0):
        t = np.arange(int(0.12 * sample_rate)) / sample_rate
        envelope = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.01)  # 10 ms fades: no clicks
        notes.append(6000 * envelope * np.sin(2 * np.pi * frequency * t))
    return np.concatenate(notes).astype(np.int16)


def assemble(
    script: Script, clips: list[Clip | None], sample_rate: int, tone: np.ndarray | None = None
) -> Programme:
    """Lay the clips of `script`'s segments end to end with the script's pauses.

    With `tone`, it sounds in the middle of the pause between two sections. `clips` is
    emptied (each entry set to None once copied), so that a long programme never needs its
    clips and itself in memory at once.
    """
    segments = script.segments
    if len(clips) != len(segments):
        raise ValueError(f"{len(clips)} clips for {len(segments)} segments")
    if any(clip is None or clip.sample_rate != sample_rate for clip in clips):
        raise ValueError("all clips must share the programme's sample rate")
    bounds = [_sound_bounds(clip.samples, sample_rate) for clip in clips if clip is not None]
    pauses = [segment.pause_after_ms * sample_rate // 1000 for segment in segments]
    section_of = [i for i, section in enumerate(script.sections) for _ in section.segments]
    tone_after = set()
    if tone is not None and len(tone):
        tone_after = {i for i in range(len(segments) - 1) if section_of[i] != section_of[i + 1]}
        for i in tone_after:
            pauses[i] = max(pauses[i], len(tone) + sample_rate // 5)
    samples = np.zeros(sum(end - start for start, end in bounds) + sum(pauses), dtype=np.int16)

    cues: list[Cue] = []
    section_starts: dict[int, float] = {}
    position = 0
    released = 0
    sentence: list[str] = []  # the parts of a long sentence that was split into segments
    sentence_start = 0.0
    for index, (segment, (start, end), pause, section) in enumerate(
            zip(segments, bounds, pauses, section_of, strict=True)):
        clip, clips[index] = clips[index], None
        length = end - start
        if clip is not None:  # always; the check only narrows the type
            samples[position:position + length] = clip.samples[start:end]
            released += len(clip.samples)
        del clip
        if released > RELEASE_EVERY:
            release_free_memory()
            released = 0
        if index in tone_after and tone is not None:
            at = position + length + (pause - len(tone)) // 2
            samples[at:at + len(tone)] = tone
        start_ms = 1000 * position / sample_rate
        section_starts.setdefault(section, start_ms)
        if not sentence:
            sentence_start = start_ms
        sentence.append(segment.text)
        if not segment.continues:
            end_ms = 1000 * (position + length) / sample_rate
            cues.append(Cue(sentence_start, end_ms, " ".join(sentence), segment.role, section))
            sentence = []
        position += length + pause

    duration_ms = 1000 * len(samples) / sample_rate
    starts = [section_starts[i] for i in range(len(script.sections))]
    starts[0] = 0.0  # the first chapter covers the programme from its very start
    ends = [*starts[1:], duration_ms]
    chapters = tuple(Chapter(section.title, start, end)
                     for section, start, end in zip(script.sections, starts, ends, strict=True))
    return Programme(samples, sample_rate, tuple(cues), chapters)
