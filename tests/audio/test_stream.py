"""The programme as a stream: clips measured one by one add up to the programme's loudness,
and levelling clip by clip meets the target and the ceiling (real eSpeak NG speech)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from briefing.audio import stream
from briefing.audio.assembly import assemble, layout, render, sound_bounds
from briefing.audio.loudness import (
    LOSS_STEP_DB,
    LOSS_STEPS,
    ClipLoudness,
    integrated_loudness,
    level_clip,
    measure_clip,
    programme_levelling,
    true_peak_dbtp,
)
from briefing.compose.script import compose
from briefing.model import Clip, Document
from briefing.speech.engines.pyttsx3_engine import Pyttsx3Engine
from briefing.speech.synthesis import Request, synthesize

pytestmark = pytest.mark.slow  # end to end: real engines, encoder, processes

RATE = 22050
POINTS = ("Prices rose by four percent in March.", "Stocks fell sharply on Tuesday!")
BODY = ("The central bank said it would keep rates unchanged for now. Analysts expect a cut "
        "before the summer, though few would say when.",
        "Exports grew for the third month in a row.")


@pytest.fixture(scope="module")
def spoken() -> tuple[object, list[Clip]]:
    """A real script and its real clips."""
    script = compose([Document("Markets", POINTS, BODY, "test")])
    script = script.map_spoken(lambda segment: segment.text)
    engine = Pyttsx3Engine()
    engine.prepare()
    clips = synthesize([Request(s.spoken, engine, str(i))
                        for i, s in enumerate(script.segments)], jobs=2)
    return script, clips


def _stream(script: object, clips: list[Clip], target: float, peak: float) -> np.ndarray:
    facts = [stream.facts(clip) for clip in clips]
    plan = layout(script, [fact.length for fact in facts], RATE)  # type: ignore[arg-type]
    levelling = programme_levelling([(at, fact.loudness) for at, fact in
                                     zip(plan.positions, facts, strict=True)],
                                    plan.timeline.length, RATE, target, peak)
    assert levelling is not None
    blocks = stream.samples(plan, lambda i: clips[i], facts.__getitem__, levelling)
    return np.concatenate(list(blocks))


# At -14 LUFS eSpeak's peaks are taken down by up to 14 dB, and the prediction (each chunk's
# energy times the limiter's gain squared) errs by about 0.2 LU, as the whole-programme
# normalizer's does; the promise is 0.5 LU.
@pytest.mark.parametrize(("target", "peak", "tolerance"),
                         [(-16.0, -1.0, 0.15), (-14.0, -1.0, 0.3), (-20.0, -3.0, 0.15)])
def test_levelled_stream_meets_the_target_and_the_ceiling(
    spoken: tuple[object, list[Clip]], target: float, peak: float, tolerance: float
) -> None:
    script, clips = spoken
    out = _stream(script, clips, target, peak)
    assert integrated_loudness(out, RATE) == pytest.approx(target, abs=tolerance)
    assert true_peak_dbtp(out, RATE) <= peak - 1.0 + 0.01  # the limiter's ceiling


def test_stream_without_levelling_is_the_assembled_programme(
    spoken: tuple[object, list[Clip]]
) -> None:
    script, clips = spoken
    facts = [stream.facts(clip) for clip in clips]
    plan = layout(script, [fact.length for fact in facts], RATE)  # type: ignore[arg-type]
    blocks = stream.samples(plan, lambda i: clips[i], facts.__getitem__, None)
    streamed = np.concatenate(list(blocks))
    assembled = assemble(script, list(clips), RATE)  # type: ignore[arg-type]
    assert np.array_equal(streamed, assembled.samples)
    assert plan.timeline == assembled.timeline


def test_clips_measured_alone_add_up_to_the_programme(
    spoken: tuple[object, list[Clip]]
) -> None:
    script, clips = spoken
    whole = assemble(script, list(clips), RATE)  # type: ignore[arg-type]
    facts = [stream.facts(clip) for clip in clips]
    plan = layout(script, [fact.length for fact in facts], RATE)  # type: ignore[arg-type]
    levelling = programme_levelling([(at, fact.loudness) for at, fact in
                                     zip(plan.positions, facts, strict=True)],
                                    plan.timeline.length, RATE)
    assert levelling is not None
    # A clip's place is rounded to 512 samples and the filter restarts at each clip: a few
    # thousandths of a LU.
    assert levelling.input_lufs == pytest.approx(integrated_loudness(whole.samples, RATE),
                                                 abs=0.02)


def test_a_clip_below_the_ceiling_is_only_scaled() -> None:
    t = np.arange(RATE) / RATE
    quiet = np.round(3000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16)
    loudness = measure_clip(quiet, RATE)
    levelling = programme_levelling([(0, loudness)], len(quiet), RATE, -20.0, -1.0)
    assert levelling is not None
    assert loudness.peak_db + levelling.gain_db < levelling.ceiling_db
    expected = np.round(quiet * 10 ** (levelling.gain_db / 20)).astype(np.int16)
    assert np.abs(level_clip(quiet, RATE, loudness, levelling).astype(int) - expected).max() <= 1


def test_silence_is_left_as_it_is() -> None:
    silence = np.zeros(RATE, dtype=np.int16)
    assert programme_levelling([(0, measure_clip(silence, RATE))], RATE, RATE) is None
    assert programme_levelling([], RATE, RATE) is None


def test_facts_round_trip_and_reject_garbage(spoken: tuple[object, list[Clip]]) -> None:
    _, clips = spoken
    facts = stream.facts(clips[0])
    back = stream.ClipFacts.from_bytes(facts.to_bytes())
    assert (back.start, back.end) == sound_bounds(clips[0].samples, RATE)
    assert back.loudness.peak_db == facts.loudness.peak_db
    assert np.array_equal(back.loudness.energies, facts.loudness.energies)
    assert np.array_equal(back.loudness.kept, facts.loudness.kept)
    data = facts.to_bytes()
    for bad in (b"", data[:10], data[:-8], data + b"\0" * 8):
        with pytest.raises(ValueError):
            stream.ClipFacts.from_bytes(bad)


@pytest.mark.parametrize(("depth", "expected"), [
    (-3.0, 1.0), (0.0, 1.0), (LOSS_STEP_DB, 0.9), (2 * LOSS_STEP_DB, 0.8),
    (1.5 * LOSS_STEP_DB, math.sqrt(0.9 * 0.8)),  # between steps: linear in dB
    (100.0, 0.2),  # past the table: its last step
])
def test_kept_energy_by_depth(depth: float, expected: float) -> None:
    loudness = ClipLoudness(-3.0, np.ones(4), np.linspace(0.9, 0.2, LOSS_STEPS))
    assert loudness.kept_at(depth) == pytest.approx(expected)


def test_render_refuses_a_clip_of_the_wrong_length(spoken: tuple[object, list[Clip]]) -> None:
    script, clips = spoken
    plan = layout(script, [10] * len(clips), RATE)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="length"):
        list(render(plan, lambda i: np.zeros(11, dtype=np.int16)))
