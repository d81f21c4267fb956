"""The programme as a stream: each clip measured once, as it arrives, then levelled and
written out in order, so that no build ever holds its programme whole.

A clip's facts (where its sound starts and ends, and its loudness measurements) are made by
`ANALYSIS` as each clip comes back from synthesis, while the next are spoken, and cached
beside the clip; the programme's loudness is then a sum over them
(`loudness.programme_levelling`), and `samples` levels each clip as it goes out (the limiter
runs only on clips whose scaled peak would exceed the ceiling). Memory is one clip and the
facts' few bytes per 100 ms, whatever the length.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from briefing.audio.assembly import Layout, Section, render, sound_bounds
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

    def for_levelling(self) -> ClipFacts:
        """These facts without the chunk peaks, which only the clip's own limiting reads
        (they are read back with the clip when it is written): what the programme's
        levelling needs of every clip at once. Kept with the peaks, a 2-hour programme's
        facts took 43 MB."""
        return ClipFacts(self.start, self.end,
                         replace(self.loudness, peaks=np.zeros(0, dtype=np.float32)))

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


def _for_levelling(analysis: bytes) -> bytes:
    return ClipFacts.from_bytes(analysis).for_levelling().to_bytes()


ANALYSIS = Analysis(f"clip-facts/3 tick={TICK} loss={LOSS_STEP_DB}x{LOSS_STEPS}", _analyse,
                    _for_levelling)
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


SECTION_FORMAT = "section/1"
"""Names how `Sectioned.identity` describes a section: changed when what goes into a
section's samples changes, so that sections encoded before are not taken for new ones."""


@dataclass(frozen=True)
class Sectioned:
    """The programme as the sections its layout cuts it into (`assembly.Cuts`), each
    described by what makes its samples and rendered on its own, so that an encoder can
    reuse a section it encoded before without rendering, levelling or decoding it again."""

    plan: Layout
    """The layout, with its sections."""
    identity: Callable[[int], bytes]
    """Section k's description: its clips (by content), their places in it, its length,
    the levelling and the chime; equal descriptions give equal samples."""
    render: Callable[[int, float], np.ndarray]
    """Section k's samples (int16), `quieter_db` dB quieter than planned (0.0: as planned)."""


def sectioned(
    plan: Layout,
    clips: Callable[[int], Clip],
    clip_facts: Callable[[int], ClipFacts],
    clip_keys: Callable[[int], str | None],
    levelling: Levelling | None,
    tone: np.ndarray | None = None,
) -> Sectioned:
    """The sections of `plan`: clip i read by `clips(i)` and `clip_facts(i)` only when a
    section that holds it is rendered; `clip_keys(i)` names its content (its cache key;
    None: the clip is hashed)."""
    rate = plan.timeline.sample_rate
    bounds = [(section.start, section.start + section.length) for section in plan.sections]

    def members(index: int) -> tuple[range, list[int]]:
        """The segments whose clips lie in section `index`, and its chimes (positions are
        in order: a section's are found by bisection, whatever the programme's length)."""
        start, stop = bounds[index]
        first = bisect.bisect_left(plan.positions, start)
        inside = range(first, bisect.bisect_left(plan.positions, stop, lo=first))
        chimes = plan.tones[bisect.bisect_left(plan.tones, start):
                            bisect.bisect_left(plan.tones, stop)]
        return inside, list(chimes)

    def identity(index: int) -> bytes:
        section = plan.sections[index]
        inside, chimes = members(index)
        parts = [SECTION_FORMAT, ANALYSIS.kind, str(rate), str(section.length),
                 str(section.frames), _levelling_identity(levelling)]
        for i in inside:
            key = clip_keys(i)
            if key is None:
                key = hashlib.blake2b(clips(i).samples.tobytes(), digest_size=16).hexdigest()
            parts.append(f"clip {plan.positions[i] - section.start} {plan.lengths[i]} {key}")
        if chimes:
            parts.append(f"chime {_tone_identity(tone)} "
                         + " ".join(str(at - section.start) for at in chimes))
        return "\n".join(parts).encode()

    @functools.cache
    def chime(quieter_db: float) -> np.ndarray | None:
        if tone is None:
            return None
        chosen = levelling.quieter(quieter_db) if levelling is not None else None
        return tone if chosen is None else level_clip(tone, rate, measure_clip(tone, rate),
                                                      chosen)

    def render_section(index: int, quieter_db: float) -> np.ndarray:
        section: Section = plan.sections[index]
        chosen = levelling.quieter(quieter_db) if levelling is not None else None
        out = np.zeros(section.length, dtype=np.int16)
        inside, chimes = members(index)
        for i in inside:
            found, fact = clips(i), clip_facts(i)
            samples = found.samples[fact.start : fact.end]
            if len(samples) != plan.lengths[i]:
                raise ValueError(f"clip {i} is not the length the layout gave it")
            if chosen is not None:
                samples = level_clip(samples, rate, fact.loudness, chosen)
            at = plan.positions[i] - section.start
            out[at : at + len(samples)] = samples
        levelled_tone = chime(quieter_db)
        for at in chimes:
            if levelled_tone is None:
                raise ValueError("the layout has a chime but none was given")
            out[at - section.start : at - section.start + len(levelled_tone)] = levelled_tone
        return out

    return Sectioned(plan, identity, render_section)


def _levelling_identity(levelling: Levelling | None) -> str:
    if levelling is None:
        return "as spoken"
    return f"gain {levelling.gain_db!r} ceiling {levelling.ceiling_db!r}"


def _tone_identity(tone: np.ndarray | None) -> str:
    if tone is None:
        return "none"
    return hashlib.blake2b(np.ascontiguousarray(tone).tobytes(), digest_size=16).hexdigest()
