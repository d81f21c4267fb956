"""The programme as a stream: each clip measured once, where it is made, then levelled and
written out in order, so that no build ever holds its programme whole.

A clip's facts (where its sound starts and ends, and its loudness measurements) are made by
`ANALYSIS` in the synthesis workers, in parallel, and cached beside the clip; the programme's
loudness is then a sum over them (`loudness.programme_levelling`), and `samples` levels each
clip as it goes out (the limiter runs only on clips whose scaled peak would exceed the
ceiling). Memory is one clip and the facts' few bytes per 100 ms, whatever the length.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from briefing.audio.assembly import Layout, render, sound_bounds
from briefing.audio.loudness import (
    LOSS_STEP_DB,
    LOSS_STEPS,
    TICK,
    ClipLoudness,
    Levelling,
    level_clip,
    measure_clip,
)
from briefing.model import Clip
from briefing.speech.synthesis import Analysis

_BOUNDS = struct.Struct("<QQ")


@dataclass(frozen=True)
class ClipFacts:
    """What a build needs to know of a clip before its samples: where its sound is, and how
    loud it is."""

    start: int
    """The first sample of the clip that goes into the programme (its silence trimmed)."""
    end: int
    """One past the last."""
    loudness: ClipLoudness
    """The measurements of `samples[start:end]`."""

    @property
    def length(self) -> int:
        return self.end - self.start

    def lean(self) -> ClipFacts:
        """These facts without the energies and chunk peaks, which the programme's levelling
        and the clip's limiting read: a few bytes whatever the clip's length, to keep for
        every clip while the programme is written."""
        return ClipFacts(self.start, self.end, self.loudness.lean())

    def to_bytes(self) -> bytes:
        return _BOUNDS.pack(self.start, self.end) + self.loudness.to_bytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> ClipFacts:
        """The inverse of `to_bytes`; ValueError if `data` is not one."""
        if len(data) < _BOUNDS.size:
            raise ValueError("clip facts: too short")
        start, end = _BOUNDS.unpack_from(data)
        return cls(start, end, ClipLoudness.from_bytes(data[_BOUNDS.size :]))


def facts(clip: Clip) -> ClipFacts:
    """Trim and measure one clip."""
    start, end = sound_bounds(clip.samples, clip.sample_rate)
    return ClipFacts(start, end, measure_clip(clip.samples[start:end], clip.sample_rate))


def _analyse(clip: Clip) -> bytes:
    return facts(clip).to_bytes()


ANALYSIS = Analysis(f"clip-facts/3 tick={TICK} loss={LOSS_STEP_DB}x{LOSS_STEPS}", _analyse)
"""`facts` as bytes, to be made in a synthesis worker and cached beside the clip; its kind
changes with the format, so facts cached by another version are made again."""


def samples(
    plan: Layout,
    clips: Callable[[int], Clip],
    clip_facts: Callable[[int], ClipFacts],
    levelling: Levelling | None,
    tone: np.ndarray | None = None,
) -> Iterator[np.ndarray]:
    """The programme's samples in order, in blocks: clip i and its facts read by `clips(i)`
    and `clip_facts(i)` only when its turn comes, trimmed and levelled (unchanged with no
    `levelling`). Facts with their chunk peaks spare the limiter measuring them again."""
    rate = plan.timeline.sample_rate

    def levelled(samples: np.ndarray, loudness: ClipLoudness) -> np.ndarray:
        return samples if levelling is None else level_clip(samples, rate, loudness, levelling)

    def clip(index: int) -> np.ndarray:
        found, fact = clips(index), clip_facts(index)
        return levelled(found.samples[fact.start : fact.end], fact.loudness)

    chime = None if tone is None else levelled(tone, measure_clip(tone, rate))
    return render(plan, clip, chime)
