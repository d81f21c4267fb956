"""Assemble clips and pauses into one programme, knowing where every segment lands.

Assembly is one pass into one preallocated buffer (no repeated concatenation), and every
cue and chapter time is computed from sample counts, so the transcript and the chapters are
exact by construction rather than re-estimated afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from briefing.model import Chapter, Clip, Cue, Programme, Script, Timeline
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


@dataclass(frozen=True)
class Cuts:
    """Where a programme may be cut into sections that an encoder with fixed-size frames
    (MP3) encodes one by one and joins gaplessly (`publish.sections`).

    A section encoded alone starts with the encoder's priming and ends with its padding,
    whole frames in all; joined, they fill part of a pause, so a section's input stops short
    of the next section's start by exactly that much. Frames are fixed in time, so a section
    can only start on a frame boundary of the programme: the pause at each cut is rounded to
    the nearest length that puts the next clip there (at most half a frame, 13 ms at
    22,050 Hz, either way). Every section's samples then depend on its own clips alone, never
    on where an earlier edit moved it, which is what lets a rebuild reuse it.
    """

    frame: int
    """Samples per encoded frame (576 for MPEG-2 Layer III)."""
    overhead: int
    """The least silence a section's encoding adds beyond its input (the encoder's priming
    and its shortest end padding): a section of L samples takes ceil((L + overhead) / frame)
    frames."""
    tail: int
    """Silence kept at the end of a section's input after its last sound, so that the
    decoder's filter state is back at rest when the next section starts."""

    @property
    def least_pause(self) -> int:
        """The shortest pause (samples) cut: rounded by up to half a frame, it still holds
        the tail and the overhead."""
        return self.tail + self.overhead + self.frame // 2

    def frames(self, length: int) -> int:
        """Frames a section of `length` input samples encodes to."""
        return -(-(length + self.overhead) // self.frame)


@dataclass(frozen=True)
class Section:
    """A stretch of the programme encoded on its own (see `Cuts`)."""

    start: int
    """Its first sample (on the frame grid)."""
    length: int
    """Samples fed to the encoder: the stretch's clips and pauses, up to the padding."""
    frames: int
    """Frames it encodes to; the next section starts `frames` frames after this one."""


@dataclass(frozen=True)
class Layout:
    """Where every clip and chime lands in a programme, worked out from lengths alone, so
    that a programme can be written out piece by piece without ever being whole in memory."""

    timeline: Timeline
    """The cues and chapters, and the programme's length."""
    positions: tuple[int, ...]
    """The sample at which each segment's trimmed clip starts, in script order."""
    lengths: tuple[int, ...]
    """Each segment's trimmed clip's length in samples."""
    tones: tuple[int, ...]
    """The samples at which the section chime starts (none without a chime)."""
    sections: tuple[Section, ...] = ()
    """The programme cut into sections to encode one by one, in order (none: not cut)."""


def layout(script: Script, lengths: list[int], sample_rate: int, tone_length: int = 0,
           cuts: Cuts | None = None) -> Layout:
    """Lay clips of these (trimmed) lengths end to end with the script's pauses.

    With a `tone_length`, a chime of that many samples sounds in the middle of the pause
    between two sections (the pause is lengthened to fit it if need be). With `cuts`, the
    programme is cut into sections at every pause long enough (but those with a chime), each
    such pause rounded to put the next section on the frame grid. Cue and chapter times come
    from the sample counts, so they are exact by construction.
    """
    segments = script.segments
    if len(lengths) != len(segments):
        raise ValueError(f"{len(lengths)} clips for {len(segments)} segments")
    pauses = [segment.pause_after_ms * sample_rate // 1000 for segment in segments]
    section_of = [i for i, section in enumerate(script.sections) for _ in section.segments]
    tone_after = set()
    if tone_length:
        tone_after = {i for i in range(len(segments) - 1) if section_of[i] != section_of[i + 1]}
        for i in tone_after:
            pauses[i] = max(pauses[i], tone_length + sample_rate // 5)

    cues: list[Cue] = []
    section_starts: dict[int, float] = {}
    positions: list[int] = []
    tones: list[int] = []
    sections: list[Section] = []
    section_start = 0
    position = 0
    sentence: list[str] = []  # the parts of a long sentence that was split into segments
    sentence_start = 0.0
    for index, (segment, length, pause, section) in enumerate(
            zip(segments, lengths, pauses, section_of, strict=True)):
        positions.append(position)
        if index in tone_after:
            tones.append(position + length + (pause - tone_length) // 2)
        start_ms = 1000 * position / sample_rate
        section_starts.setdefault(section, start_ms)
        if not sentence:
            sentence_start = start_ms
        sentence.append(segment.text)
        if not segment.continues:
            end_ms = 1000 * (position + length) / sample_rate
            cues.append(Cue(sentence_start, end_ms, " ".join(sentence), segment.role, section))
            sentence = []
        if (cuts is not None and index < len(segments) - 1 and index not in tone_after
                and pause >= cuts.least_pause):
            end = position + length - section_start
            frames = round((end + pause) / cuts.frame)
            while frames * cuts.frame - cuts.overhead < end + cuts.tail:
                frames += 1  # never: least_pause leaves room; kept for clarity of the bound
            sections.append(Section(section_start, frames * cuts.frame - cuts.overhead,
                                    frames))
            section_start += frames * cuts.frame
            pause = section_start - position - length
        position += length + pause

    duration_ms = 1000 * position / sample_rate
    starts = [section_starts[i] for i in range(len(script.sections))]
    starts[0] = 0.0  # the first chapter covers the programme from its very start
    ends = [*starts[1:], duration_ms]
    chapters = tuple(Chapter(section.title, start, end)
                     for section, start, end in zip(script.sections, starts, ends, strict=True))
    timeline = Timeline(sample_rate, position, tuple(cues), chapters)
    if cuts is not None:
        last = position - section_start
        sections.append(Section(section_start, last, cuts.frames(last)))
    return Layout(timeline, tuple(positions), tuple(lengths), tuple(tones), tuple(sections))


def render(
    plan: Layout, clip: Callable[[int], np.ndarray], tone: np.ndarray | None = None
) -> Iterator[np.ndarray]:
    """The programme's samples in order, as consecutive blocks: `clip(i)` (segment i's
    trimmed clip, asked for in order, each once) and `tone` where the plan puts them, silence
    in between. Only one clip is held at a time, whatever the programme's length."""
    pieces: list[tuple[int, int]] = [(at, i) for i, at in enumerate(plan.positions)]
    pieces += [(at, -1) for at in plan.tones]  # a chime lies inside a pause: no overlap
    position = 0
    for at, index in sorted(pieces):
        if at > position:
            yield np.zeros(at - position, dtype=np.int16)
        if index >= 0:
            samples = clip(index)
            if len(samples) != plan.lengths[index]:
                raise ValueError(f"clip {index} is not the length the layout gave it")
        elif tone is not None:
            samples = tone
        else:
            raise ValueError("the layout has a chime but none was given")
        if len(samples):
            yield samples
        position = at + len(samples)
    if plan.timeline.length > position:
        yield np.zeros(plan.timeline.length - position, dtype=np.int16)


def sound_bounds(samples: np.ndarray, sample_rate: int) -> tuple[int, int]:
    """Where the clip's sound starts and ends, with a little of its silence kept either side:
    `samples[start:end]` is what goes into the programme."""
    return _sound_bounds(samples, sample_rate)


def assemble(
    script: Script, clips: list[Clip | None], sample_rate: int, tone: np.ndarray | None = None
) -> Programme:
    """Lay the clips of `script`'s segments end to end with the script's pauses, in memory.

    With `tone`, it sounds in the middle of the pause between two sections. `clips` is
    emptied (each entry set to None once copied), so that a long programme never needs its
    clips and itself in memory at once. (A build streams instead: `layout` and `render`.)
    """
    if len(clips) != len(script.segments):
        raise ValueError(f"{len(clips)} clips for {len(script.segments)} segments")
    if any(clip is None or clip.sample_rate != sample_rate for clip in clips):
        raise ValueError("all clips must share the programme's sample rate")
    bounds = [_sound_bounds(clip.samples, sample_rate) for clip in clips if clip is not None]
    plan = layout(script, [end - start for start, end in bounds], sample_rate,
                  len(tone) if tone is not None else 0)
    released = 0

    def take(index: int) -> np.ndarray:
        nonlocal released
        taken, clips[index] = clips[index], None
        if taken is None:  # never: checked above; narrows the type
            raise ValueError(f"clip {index} was taken already")
        released += len(taken.samples)
        if released > RELEASE_EVERY:
            release_free_memory()
            released = 0
        start, end = bounds[index]
        return taken.samples[start:end]

    samples = np.empty(plan.timeline.length, dtype=np.int16)
    position = 0
    for block in render(plan, take, tone):
        samples[position:position + len(block)] = block
        position += len(block)
    timeline = plan.timeline
    return Programme(samples, sample_rate, timeline.cues, timeline.chapters)
