"""Synthesize segments into clips: one child process per segment, several at once.

Each distinct (engine, text) pair is synthesized once, in a child forked from this process
(see `isolation`), with a deadline and one retry; every WAV is validated before it is used,
so a truncated or empty file can never be stitched in silently.
"""

from __future__ import annotations

import os
import wave
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing.atomic import scratch_folder
from briefing.errors import EngineError, OutputError
from briefing.model import Clip
from briefing.speech.cache import SegmentCache
from briefing.speech.engines import Engine, is_speakable
from briefing.speech.isolation import CAN_FORK, Outcome, Task, run_concurrently, run_isolated

ATTEMPTS = 2  # the first try and one retry in a fresh process
@dataclass(frozen=True)
class Request:
    """One piece of text to speak with one engine."""

    text: str
    """The spoken form to synthesize."""
    engine: Engine
    """The engine (with its voice) to speak it."""
    label: str
    """How to name the segment in an error message, e.g. 'segment 12 ("The term…")'."""


SynthesisProgress = Callable[[int, int], None]
"""Called as `progress(done, total)` while clips are synthesized."""


@dataclass(frozen=True)
class Limits:
    """How long a segment may take, and how long its audio may plausibly be."""

    timeout_base: float = 10.0
    """Seconds every segment may take, however short (engine start-up, a loaded machine)."""
    timeout_per_char: float = 1 / 15
    """Seconds more per character: about real time, where eSpeak runs ~50× faster."""
    min_ratio: float = 0.2
    """Audio shorter than this fraction of the expected duration is rejected as cut off."""
    max_ratio: float = 5.0
    """Audio longer than this multiple of the expected duration (+3 s) is rejected."""

    def timeout(self, text: str) -> float:
        return self.timeout_base + len(text) * self.timeout_per_char

    def check_duration(self, clip: Clip, text: str, words_per_minute: int) -> None:
        """Raise EngineError if `clip` cannot be `text` spoken at about that rate."""
        expected = len(text.split()) * 60 / words_per_minute
        seconds = clip.duration_ms / 1000
        if seconds < self.min_ratio * expected:
            raise EngineError(f"the engine returned {seconds:.2f} s of audio for about "
                              f"{expected:.1f} s of speech: cut short")
        if seconds > self.max_ratio * expected + 3:
            raise EngineError(f"the engine returned {seconds:.1f} s of audio for about "
                              f"{expected:.1f} s of speech")


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Analysis:
    """What a caller wants to know of every clip, computed as the clip arrives and stored
    beside it in the cache.

    In this process, not in the child that spoke the clip: a freshly forked child runs
    numpy's first calls cold and touches every page of its arrays afresh (a fault each), so
    the example's clips took 0.45 s of the children's CPU to analyse against 0.2 s here,
    where the work waits on the children anyway (README, "Speed, round two")."""

    kind: str
    """Names the analysis and its format: data stored under another kind is made again."""
    run: Callable[[Clip], bytes]
    """Makes it."""
    keep: Callable[[bytes], bytes] = lambda analysis: analysis
    """What of it stays in memory for a clip in the store, for every clip of a programme at
    once (the whole is read back with `Spoken.load_analysis` when the clip's turn comes):
    the analysis may hold per-chunk detail that a 2-hour programme could not keep for all
    its clips."""

Deliver = Callable[[int, Clip], None]
"""Called as `deliver(index, clip)` as each of the work's clips is accepted."""


def synthesize(
    requests: Sequence[Request],
    jobs: int = 1,
    progress: SynthesisProgress | None = None,
    limits: Limits = DEFAULT_LIMITS,
    cache: SegmentCache | None = None,
) -> list[Clip]:
    """Synthesize every request, `jobs` at a time; clips come back in request order.

    With a `cache`, segments spoken before (same engine, voice, rate and text) are read from
    it, and new ones are stored in it.
    """
    keys, distinct, found = _distinct(requests)
    cache_keys: dict[tuple[int, str], str] = {}
    if cache is not None:
        for key, request in distinct.items():
            cache_keys[key] = cache.key(request.engine.cache_key(), request.text)
            clip = cache.get(cache_keys[key])
            if clip is not None:
                found[key] = clip
    missing = [key for key in distinct if key not in found]

    def deliver(index: int, clip: Clip) -> None:
        found[missing[index]] = clip
        if cache is not None:
            cache.put(cache_keys[missing[index]], clip)

    _synthesize_missing([distinct[key] for key in missing], jobs, progress, limits, deliver)
    return [found[key] for key in keys]


@dataclass(frozen=True)
class Spoken:
    """A request's audio once spoken, kept in the store rather than in memory (so that a
    long programme's clips are never all in memory at once), with what `analyse` made of it."""

    key: str | None
    """Its entry in the store; None if the store would not take it (then `clip` holds it)."""
    clip: Clip | None
    """The clip itself, only when it is not in the store: silence, or a full disk."""
    analysis: bytes
    """`analyse` of the clip: all of it for a clip not in the store, else what
    `Analysis.keep` keeps of it."""

    def load_analysis(self, store: SegmentCache, kind: str) -> bytes:
        """The whole analysis, read back from the store (see `load`), or from memory for a
        clip that is not in it."""
        if self.key is None:
            return self.analysis
        data = store.get_data(self.key, kind)
        if data is None:
            raise _lost(store)
        return data

    def load(self, store: SegmentCache) -> Clip:
        """The clip, read back (and checked) from the store."""
        if self.clip is not None:
            return self.clip
        clip = store.get(self.key, counted=False) if self.key is not None else None
        if clip is None:
            raise _lost(store)
        return clip


def _lost(store: SegmentCache) -> OutputError:
    return OutputError(f"the segment cache at {store.directory} lost an entry during the "
                       "build (cleared by another process?): build again")


def speak(
    requests: Sequence[Request],
    store: SegmentCache,
    analyse: Analysis,
    jobs: int = 1,
    progress: SynthesisProgress | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Spoken]:
    """Like `synthesize`, but each clip goes into `store` as soon as it is accepted, with its
    analysis beside it, and is let go: memory holds one clip per job, whatever the number of
    requests. A clip found in the store is read once, to check it (and to analyse it if
    no analysis is stored with it)."""
    keys, distinct, silent = _distinct(requests)
    spoken: dict[tuple[int, str], Spoken] = {
        key: Spoken(None, clip, analyse.run(clip)) for key, clip in silent.items()}
    store_keys = {key: store.key(request.engine.cache_key(), request.text)
                  for key, request in distinct.items()}
    for key in distinct:
        clip = store.get(store_keys[key])
        if clip is None:
            continue
        analysis = store.get_data(store_keys[key], analyse.kind)
        if analysis is None:
            analysis = analyse.run(clip)
            store.put_data(store_keys[key], analyse.kind, analysis)
        spoken[key] = Spoken(store_keys[key], None, analyse.keep(analysis))
    missing = [key for key in distinct if key not in spoken]

    def deliver(index: int, clip: Clip) -> None:
        key = missing[index]
        analysis = analyse.run(clip)
        if store.put(store_keys[key], clip):
            store.put_data(store_keys[key], analyse.kind, analysis)
            spoken[key] = Spoken(store_keys[key], None, analyse.keep(analysis))
        else:
            spoken[key] = Spoken(None, clip, analysis)

    _synthesize_missing([distinct[key] for key in missing], jobs, progress, limits, deliver)
    return [spoken[key] for key in keys]


def _distinct(requests: Sequence[Request]) -> tuple[
        list[tuple[int, str]], dict[tuple[int, str], Request], dict[tuple[int, str], Clip]]:
    """Each request's key (engine, text); the distinct requests to speak, by key ("Key
    points." is said once, however often); and silence for those with nothing to say."""
    keys = [(id(request.engine), request.text) for request in requests]
    distinct: dict[tuple[int, str], Request] = {}
    silent: dict[tuple[int, str], Clip] = {}
    for key, request in zip(keys, requests, strict=True):
        if not is_speakable(request.text):
            # Nothing left to say once emoji and symbols are dropped: silence, not an error.
            silent[key] = Clip(np.zeros(0, dtype=np.int16), request.engine.sample_rate)
        else:
            distinct.setdefault(key, request)
    return keys, distinct, silent


def _synthesize_missing(work: list[Request], jobs: int, progress: SynthesisProgress | None,
                        limits: Limits, deliver: Deliver) -> None:
    if not work:
        return
    with scratch_folder() as folder:
        run = _run_forked if CAN_FORK and all(r.engine.forkable for r in work) else _run_here
        run(work, Path(folder), max(1, jobs), progress or _ignore, limits, deliver)


def _run_here(work: list[Request], folder: Path, jobs: int, progress: SynthesisProgress,
              limits: Limits, deliver: Deliver) -> None:
    """In this process, one at a time: for engines whose native libraries cannot be forked."""
    for index, request in enumerate(work):
        attempt = 0
        clip = None
        while clip is None:  # _accept raises once the retries are spent
            attempt += 1
            path = folder / f"{index}-{attempt}.wav"
            outcome = run_isolated(request.engine.synthesize, request.text, path,
                                   isolated=False)
            clip = _accept(request, path, outcome, attempt, limits)
        deliver(index, clip)
        progress(index + 1, len(work))


def _run_forked(work: list[Request], folder: Path, jobs: int, progress: SynthesisProgress,
                limits: Limits, deliver: Deliver) -> None:
    """A child process per request, `jobs` at a time, each under its own deadline."""
    attempts = [0] * len(work)

    def task(index: int) -> Task:
        attempts[index] += 1
        path = folder / f"{index}-{attempts[index]}.wav"
        return Task(work[index].engine.synthesize, (work[index].text, path),
                    limits.timeout(work[index].text), key=(index, path))

    queue = deque(task(index) for index in longest_first(work))
    done = 0
    for finished, outcome in run_concurrently(queue, jobs):
        index, path = finished.key
        clip = _accept(work[index], path, outcome, attempts[index], limits)
        if clip is None:
            queue.append(task(index))  # retried in a fresh process
        else:
            deliver(index, clip)
            done += 1
            progress(done, len(work))


def longest_first(work: Sequence[Request]) -> list[int]:
    """The order to start the work in: the longest texts first (ties in request order).

    The time a segment takes grows with its text, and the build waits for the last one: a
    long segment started last runs alone on one core while the others idle (with Piper, a
    200-character segment is 1.5 s of one core). Started first, the long ones overlap each
    other and the short ones fill the gaps at the end. Each clip is the same whatever the
    order (every child starts from the same state), so only the time changes."""
    return sorted(range(len(work)), key=lambda index: -len(work[index].text))


def _accept(
    request: Request, path: Path, outcome: Outcome, attempt: int, limits: Limits
) -> Clip | None:
    """The clip, or None to retry; raises once the retries are spent."""
    try:
        if not outcome.ok:
            raise EngineError(outcome.error or "failed")
        clip = read_wav(path, request.engine.sample_rate)
        limits.check_duration(clip, request.text, request.engine.words_per_minute)
        return clip
    except EngineError as error:
        if attempt < ATTEMPTS:
            return None
        raise EngineError(f"could not synthesize {request.label}: {error}") from None
    finally:
        path.unlink(missing_ok=True)


def read_wav(path: Path, sample_rate: int) -> Clip:
    """Read and validate an engine's WAV: 16-bit mono at `sample_rate`, complete, not empty."""
    try:
        size = os.path.getsize(path)
        with wave.open(str(path), "rb") as reader:
            channels, width, rate, frames = (reader.getnchannels(), reader.getsampwidth(),
                                             reader.getframerate(), reader.getnframes())
            data = reader.readframes(frames)
    except FileNotFoundError:
        raise EngineError("the engine wrote no audio file") from None
    except (wave.Error, EOFError, OSError) as error:
        raise EngineError(f"the engine wrote a malformed WAV ({error})") from None
    if (channels, width, rate) != (1, 2, sample_rate):
        raise EngineError(f"the engine wrote {channels}-channel {8 * width}-bit {rate} Hz "
                          f"audio; expected mono 16-bit {sample_rate} Hz")
    if frames == 0 or len(data) < frames * width or size < 44 + frames * width:
        raise EngineError(f"the engine wrote an incomplete WAV ({len(data) // width} of "
                          f"{frames} samples)")
    return Clip(np.frombuffer(data, dtype="<i2").astype(np.int16), sample_rate)


def _ignore(done: int, total: int) -> None:
    pass
