"""The speech engines by name: adding an engine is one module here and one row in `ENGINES`.

An engine's own module is imported only when the engine is chosen, so an optional engine's
dependencies (Piper's are GPL) are never loaded unless asked for. The interface every engine
meets, and the helpers they share, are in `base`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from briefing.errors import InputError
from briefing.model import VoiceSettings
from briefing.speech.engines.base import Engine, clean_text, is_speakable, write_wav

__all__ = ["DEFAULT_ENGINE", "ENGINES", "LIBRARY_LOADERS", "Engine", "EngineFactory",
           "clean_text", "is_speakable", "make_engine", "write_wav"]


EngineFactory = Callable[[VoiceSettings, Path | None], Engine]
"""Makes an engine from its voice settings and an optional voice model file."""


def _pyttsx3(settings: VoiceSettings, model: Path | None) -> Engine:
    if model is not None:
        raise InputError("a voice model file is for the piper engine only",
                         setting="voice_model")
    from briefing.speech.engines.pyttsx3_engine import Pyttsx3Engine

    return Pyttsx3Engine(settings)


def _piper(settings: VoiceSettings, model: Path | None) -> Engine:
    from briefing.speech.engines.piper_engine import PiperEngine

    return PiperEngine(settings, model=model)


ENGINES: dict[str, EngineFactory] = {"pyttsx3": _pyttsx3, "piper": _piper}
"""Every engine by the name the engine setting takes; the first is the default."""

DEFAULT_ENGINE = next(iter(ENGINES))


def _load_pyttsx3() -> None:
    from briefing.speech.engines.pyttsx3_engine import load_library

    load_library()


LIBRARY_LOADERS: dict[str, Callable[[], None]] = {"pyttsx3": _load_pyttsx3}
"""For an engine whose library takes a while to load, whatever its voice: loads it into
this process ahead of `prepare` (which then finds it loaded). Piper's voice model is the
voice itself, so it has none."""


def make_engine(name: str, settings: VoiceSettings, model: Path | None = None) -> Engine:
    """The engine called `name`, with these settings (not prepared yet)."""
    factory = ENGINES.get(name)
    if factory is None:
        raise InputError(f"unknown engine {name!r}: use {' or '.join(ENGINES)}",
                         setting="engine")
    return factory(settings, model)


