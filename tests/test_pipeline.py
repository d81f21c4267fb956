"""The whole chain in process: cache reuse, reproducible bytes, options that shape the audio."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from briefing import pipeline
from briefing.errors import InputError
from briefing.model import Role, VoiceSettings
from briefing.read.document import parse_text, read_document
from tests.conftest import EXAMPLE, decode

pytestmark = pytest.mark.slow  # end to end: real engines, encoder, processes


@pytest.fixture
def options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> pipeline.BuildOptions:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    return pipeline.BuildOptions(cache_dir=tmp_path / "cache", jobs=2)


def test_rebuild_after_editing_one_sentence_speaks_only_that_sentence(
        tmp_path: Path, options: pipeline.BuildOptions) -> None:
    article = read_document(str(EXAMPLE))
    first = pipeline.build([article], tmp_path / "a.mp3", options)
    assert first.cache is not None and first.cache.hits == 0
    distinct = first.cache.misses
    again = pipeline.build([article], tmp_path / "a.mp3", options)
    assert again.cache is not None and (again.cache.hits, again.cache.misses) == (distinct, 0)
    edited = article.paragraphs[0].replace("particularly brutal", "very brutal")
    assert edited != article.paragraphs[0]
    changed = parse_text("\n".join([*article.points, edited, article.paragraphs[1]]))
    third = pipeline.build([changed], tmp_path / "a.mp3", options)
    assert third.cache is not None and (third.cache.hits, third.cache.misses) == (distinct - 1, 1)


def test_output_is_byte_identical_whatever_the_jobs(tmp_path: Path,
                                                    options: pipeline.BuildOptions) -> None:
    article = [read_document(str(EXAMPLE))]
    files = []
    for jobs in (1, 2):
        target = tmp_path / f"jobs{jobs}.mp3"
        pipeline.build(article, target, pipeline.BuildOptions(cache=False, jobs=jobs))
        files.append(target.read_bytes())
    assert files[0] == files[1]
    cached = tmp_path / "cached.mp3"
    pipeline.build(article, cached, options)
    pipeline.build(article, cached, options)  # every segment from the cache this time
    assert cached.read_bytes() == files[0]


def test_an_edit_rebuild_encodes_one_section_and_writes_a_cold_builds_bytes(
        tmp_path: Path, options: pipeline.BuildOptions) -> None:
    article = read_document(str(EXAMPLE))
    first = pipeline.build([article], tmp_path / "a.mp3", options)
    edited = article.paragraphs[0].replace("particularly brutal", "very brutal")
    changed = parse_text("\n".join([*article.points, edited, article.paragraphs[1]]))
    encodes: list[tuple[int, int]] = []

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "encode" and total:
            encodes.append((done, total))

    warm = pipeline.build([changed], tmp_path / "a.mp3", options, progress)
    assert encodes == [(1, 1)]  # the edited sentence's section; every other one reused
    assert warm.programme.length != first.programme.length  # the sections after it moved
    cold = pipeline.build([changed], tmp_path / "cold" / "a.mp3",
                          replace(options, cache_dir=tmp_path / "fresh"))
    assert warm.audio.read_bytes() == cold.audio.read_bytes()
    assert len(decode(warm.audio)) == warm.programme.length


def test_an_mp3_with_chimes_has_them_and_its_exact_length(
        tmp_path: Path, options: pipeline.BuildOptions) -> None:
    document = parse_text("A point here.\nThe story. Goes on.")
    result = pipeline.build([document], tmp_path / "tone.mp3", replace(options, tone=True))
    samples = decode(result.audio).astype(np.float64)
    assert len(samples) == result.programme.length
    chapter = result.programme.chapters[2]
    end_of_previous = max(c.end_ms for c in result.programme.cues if c.section == 1)
    gap = samples[int(end_of_previous * 22.05) + 200:int(chapter.start_ms * 22.05) - 200]
    assert np.sqrt(np.mean(gap**2)) > 300


def test_frame_voice_differs_from_content_voice(tmp_path: Path,
                                                options: pipeline.BuildOptions) -> None:
    document = parse_text("Key findings are below.\nThe rest. Of the story.")
    options = pipeline.BuildOptions(voice=VoiceSettings("en-us", 175))
    script = pipeline.make_script([document], options)
    voices = pipeline.make_voices(options)
    heading = next(s for s in script.segments if s.role is Role.HEADING)
    point = next(s for s in script.segments if s.role is Role.POINT)
    assert voices.for_segment(heading).settings == pipeline.frame_settings(options)
    assert pipeline.frame_settings(options).voice != "en-us"
    assert voices.for_segment(point).settings == VoiceSettings("en-us", 175)
    same = pipeline.make_voices(pipeline.BuildOptions(voice=VoiceSettings("en-us"),
                                                      frame_voice=VoiceSettings("en-us")))
    assert same.frame is same.content


def test_tone_sounds_between_sections(tmp_path: Path, options: pipeline.BuildOptions) -> None:
    document = parse_text("A point here.\nThe story. Goes on.")
    plain = pipeline.build([document], tmp_path / "plain.wav", options)
    toned = pipeline.build([document], tmp_path / "tone.wav",
                           pipeline.BuildOptions(tone=True, cache_dir=options.cache_dir))
    # Between sections the plain briefing is silent; the toned one has its chime there.
    for result, expect_tone in ((plain, False), (toned, True)):
        samples = decode(result.audio).astype(np.float64)
        chapter = result.programme.chapters[2]  # "The full story"
        end_of_previous = max(c.end_ms for c in result.programme.cues if c.section == 1)
        gap = samples[int(end_of_previous * 22.05) + 200:int(chapter.start_ms * 22.05) - 200]
        assert (np.sqrt(np.mean(gap**2)) > 300) == expect_tone


def test_a_point_with_nothing_speakable_is_left_out() -> None:
    document = parse_text("😀😀 🎉.\nA real point.\nBody one. Body two.")
    script = pipeline.make_script([document], pipeline.BuildOptions())
    transitions = [s.text for s in script.segments if s.role is Role.TRANSITION]
    assert transitions == ["First."]
    assert [s.text for s in script.segments if s.role is Role.POINT] == ["A real point."]


@pytest.mark.parametrize(("settings", "setting"), [
    ({"loudness": -3.0}, "loudness"),
    ({"loudness": -41.0}, "loudness"),
    ({"true_peak": 0.5}, "true_peak"),
    ({"jobs": 0}, "jobs"),
])
def test_build_options_refuse_what_no_build_can_use(settings: dict[str, Any], setting: str) -> None:
    with pytest.raises(InputError) as refused:
        pipeline.BuildOptions(**settings)
    assert refused.value.setting == setting
    assert "--" not in str(refused.value)  # the library's words, not one front end's


def test_preparations_load_what_a_build_loads_next() -> None:
    """Each step runs on its own, and together they leave the number tables, the engine's
    library, the publishing modules and MP3's tagging loaded (a script's steps: the number
    tables only)."""
    probe = textwrap.dedent("""
        import sys
        from briefing import pipeline
        names = ("num2words", "pyttsx3.drivers._espeak", "briefing.publish.fileset",
                 "mutagen.mp3")
        for engine in (None, "pyttsx3"):
            for step in pipeline.preparations(engine):
                step()
            print(*(name in sys.modules for name in names))
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["True False False False", "True True True True"]
