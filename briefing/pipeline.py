"""The whole chain: read → compose → normalize → synthesize → assemble → export.

Stages report progress through a callback and never touch the terminal; `cli` is the only
module that does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from briefing import atomic
from briefing.audio import stream
from briefing.audio.assembly import layout, section_tone
from briefing.audio.loudness import measure_clip, programme_levelling
from briefing.compose.script import compose
from briefing.compose.template import DEFAULT_PAUSES, Pauses
from briefing.errors import InputError
from briefing.model import Document, Script, Segment, Tags, Timeline, VoiceSettings
from briefing.normalize.normalizer import NormalizeOptions, normalize
from briefing.publish.formats import MAX_CHAPTERS, EncodingOptions
from briefing.read.language import article_language, canonical_code
from briefing.read.limits import MAX_BRIEFING_SECONDS, check_length
from briefing.speech import synthesis as speech
from briefing.speech.cache import CacheStats, SegmentCache
from briefing.speech.engines import LIBRARY_LOADERS, Engine, is_speakable, make_engine

if TYPE_CHECKING:
    from briefing.publish.cover import Cover


@dataclass(frozen=True)
class BuildOptions:
    """Everything that shapes a briefing besides its articles and its target path."""

    engine: str = "pyttsx3"
    """The speech engine: "pyttsx3" (the default), or "piper" (the `neural` extra)."""
    voice_model: Path | None = None
    """For Piper: the `.onnx` voice to use; None for the bundled voice."""
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    """Voice and rate for the article's words (voice None: the language's eSpeak NG voice,
    or Piper's model)."""
    language: str | None = None
    """The language to speak (ISO 639 code, "de"); None for the article's own: declared,
    else detected, else English (`read.language.article_language`)."""
    frame_voice: VoiceSettings | None = None
    """Voice for the briefing's own words (intro, headings, transitions, outro); None picks
    a contrasting variant of `voice` where the engine has one."""
    tone: bool = False
    """Sound a short generated chime between sections."""
    pauses: Pauses = DEFAULT_PAUSES
    """Silence at each kind of boundary."""
    normalize: NormalizeOptions = field(default_factory=NormalizeOptions)
    """How text is turned into spoken words."""
    encoding: EncodingOptions = field(default_factory=EncodingOptions)
    """How the audio is encoded: format and bitrate."""
    transcript: bool = True
    """Write the transcripts (`<name>.txt`, `.srt`, `.vtt`) beside the audio."""
    loudness: float | None = -16.0
    """Target integrated loudness of the whole programme in LUFS; None leaves it as spoken."""
    true_peak: float = -1.0
    """Highest true peak allowed after loudness normalization, in dBTP."""
    cover: Path | Cover | None = None
    """A square JPEG or PNG to embed (its path, or the picture itself: a cluster worker
    cannot read the client's files); None embeds the tool's default cover."""
    cache: bool = True
    """Reuse segments synthesized before, and keep new ones for next time."""
    cache_dir: Path | None = None
    """Where the segment cache lives; None for the user's cache folder."""
    jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    """How many segments to synthesize at once."""
    made_at: dt.datetime | None = None
    """When the briefing was made, for its date tag; None: when it is built (`build_time`).
    Fixed by a batch on a cluster, so that a task run twice gives the same bytes."""
    max_seconds: int = MAX_BRIEFING_SECONDS
    """The longest briefing to build; longer input is refused before any synthesis."""

    def __post_init__(self) -> None:
        """Refuse settings no build can use, whichever front end made them."""
        if self.loudness is not None and not -40 <= self.loudness <= -5:
            raise InputError(f"a loudness of {self.loudness:g} LUFS is out of range: use -40 "
                             "to -5 LUFS", setting="loudness")
        if not -9 <= self.true_peak <= 0:
            raise InputError(f"a true peak of {self.true_peak:g} dBTP is out of range: use -9 "
                             "to 0 dBTP", setting="true_peak")
        if self.jobs < 1:
            raise InputError(f"{self.jobs} jobs at once cannot work: use 1 or more",
                             setting="jobs")


@dataclass(frozen=True)
class BuildResult:
    """What a build wrote."""

    audio: Path
    """The audio file."""
    files: tuple[Path, ...]
    """Every file written, the audio first."""
    programme: Timeline
    """The programme's timeline: its cues, chapters and length (its samples streamed to the
    encoder and were never held whole)."""
    script: Script
    """The script it was built from."""
    cache: CacheStats | None
    """Segment cache hits and misses; None when the cache was off."""


BuildProgress = Callable[[str, int, int], None]
"""Called as `progress(stage, done, total)`: "synthesize" with segment counts, then
"loudness" and "encode" (0, 0) as each starts, then "encode" with the counts of the MP3's
sections encoded (none when every section came from the cache)."""


def resolve_language(documents: list[Document], options: BuildOptions) -> tuple[str, str]:
    """The language the briefing is spoken in, and how it was chosen: "set" (the option),
    "declared" (by the article), "detected" (from its text) or "default" (English)."""
    if options.language is not None:
        code = canonical_code(options.language)
        if code is None:
            raise InputError(f"language {options.language!r} is not a language code: use an "
                             "ISO 639 code such as de, fr or es", setting="language")
        return code, "set"
    return article_language(documents)


def untranslated(language: str) -> tuple[str, ...]:
    """What a briefing in `language` reads without localisation (empty when nothing)."""
    from briefing.normalize.lang.registry import gaps

    return gaps(language)


def make_script(documents: list[Document], options: BuildOptions) -> Script:
    """Compose the script in the briefing's language and fill in every segment's spoken form.

    A point with nothing speakable left once normalized (emoji only, say) is left out, so
    that no "First." announces silence. Input too long to speak within `max_seconds` is
    refused first, from its word count, before anything is normalized or spoken.
    """
    words = sum(len(text.split()) for document in documents
                for text in (document.title or "", *document.points, *document.paragraphs))
    name = documents[0].source if len(documents) == 1 else f"these {len(documents)} articles"
    check_length(words, options.voice.rate, name, options.max_seconds)
    language, _ = resolve_language(documents, options)
    rules = replace(options.normalize, language=language)

    def speakable(text: str) -> bool:
        return is_speakable(normalize(text, rules))

    documents = [replace(document, points=tuple(filter(speakable, document.points)))
                 for document in documents]
    script = compose(documents, pauses=options.pauses, language=language)
    if len(script.sections) > MAX_CHAPTERS:
        raise InputError(f"{name} would make {len(script.sections)} chapters; a briefing "
                         f"holds at most {MAX_CHAPTERS}: split it into several briefings")
    return script.map_spoken(lambda segment: normalize(segment.text, rules))



@dataclass(frozen=True)
class Voices:
    """The engines that speak a briefing: one for the article, one for its frame."""

    content: Engine
    """Speaks the points and the body."""
    frame: Engine
    """Speaks the intro, headings, transitions and outro."""

    def for_segment(self, segment: Segment) -> Engine:
        return self.frame if segment.role.is_frame else self.content


DEFAULT_VOICE = "en-us"  # eSpeak NG's American English voice


def language_voice(language: str) -> str:
    """The eSpeak NG voice for `language`: American English for English, else the voice
    named by the language's code, which is how eSpeak NG names its voices ("de", "fr",
    "es")."""
    return DEFAULT_VOICE if language == "en" else language

# An eSpeak NG voice variant for the frame, and how much slower it speaks, chosen by
# measurement (README, "Intelligibility"): of the variants with an audible contrast, the
# recognizer hears m8's short phrases best (about 3 semitones lower than the default voice,
# and brighter), and best of all 25 words a minute slower than the article. "+Annie", the
# female variant used before, turned "briefing" into "breathing" and "Key points" into
# "Keep on".
FRAME_VARIANT = "+m8"
FRAME_SLOWER_WPM = 25


def frame_settings(options: BuildOptions, language: str = "en") -> VoiceSettings:
    """The frame's voice: as given, else the content voice in a contrasting variant."""
    if options.frame_voice is not None:
        return options.frame_voice
    voice = options.voice.voice or language_voice(language)
    if "+" in voice:  # the user chose a variant already: keep theirs for everything
        return options.voice
    from briefing.speech.engines.pyttsx3_engine import MIN_RATE

    rate = max(MIN_RATE, options.voice.rate - FRAME_SLOWER_WPM)
    return VoiceSettings(voice + FRAME_VARIANT, rate)


def make_voices(options: BuildOptions, language: str = "en") -> Voices:
    """Prepare the engines for a briefing in `language` (raises InputError for a bad engine,
    voice or rate, or a language with no voice)."""
    voice = options.voice
    if options.engine == "piper" and options.voice_model is None and language != "en":
        raise InputError(f"the bundled Piper voice speaks English, not {language!r}: give a "
                         "Piper voice for that language", setting="voice_model")
    if options.engine == "pyttsx3":
        voice = replace(voice, voice=voice.voice or language_voice(language))
    content = make_engine(options.engine, voice, options.voice_model)
    try:
        content.prepare()
    except InputError:
        if options.engine == "pyttsx3" and options.voice.voice is None:
            # The language's own voice is what is missing.
            raise InputError(f"the speech engine has no voice for the language {language!r}: "
                             "choose a voice (`briefing voices` lists them)",
                             setting="voice") from None
        raise
    # A contrasting variant needs an engine with variants (eSpeak NG's, forked on Linux);
    # Piper has one voice per model.
    frame_voice = frame_settings(options, language) if options.engine == "pyttsx3" else voice
    if not content.forkable or frame_voice == voice:
        return Voices(content, content)
    frame = make_engine(options.engine, frame_voice, options.voice_model)
    frame.prepare()
    return Voices(content, frame)


def preparations(engine: str | None) -> tuple[Callable[[], object], ...]:
    """What every build with `engine` (None: a script, not spoken) does before its first
    segment whatever its articles say, in small steps (each some tens of milliseconds): a
    front end waiting for its articles (a page read in a child: `read.ahead`) takes them
    meanwhile, and the build finds them done. A step may raise what the build would raise
    later, where it is reported."""
    steps: list[Callable[[], object]] = [lambda: normalize("1")]  # loads num2words' tables
    if engine is None:
        return tuple(steps)
    if engine in LIBRARY_LOADERS:
        steps.append(LIBRARY_LOADERS[engine])
    steps += [_load_publishing, _load_tagging]
    return tuple(steps)


def _load_publishing() -> None:
    from briefing.publish import export, fileset, sections  # noqa: F401
    from briefing.publish.cover import load_cover  # noqa: F401


def _load_tagging() -> None:
    # What tags the default format (MP3): ~35 ms of mutagen, met after the synthesis else.
    import mutagen.id3
    import mutagen.mp3  # noqa: F401


def build(
    documents: list[Document],
    target: Path,
    options: BuildOptions = BuildOptions(),
    progress: BuildProgress | None = None,
    voices: Voices | None = None,
    force: bool = False,
) -> BuildResult:
    """Build the briefing of `documents` into `target`; see `_build`. However the build ends
    (an error, Ctrl-C, SIGTERM), what its killed helpers left is swept before it returns."""
    try:
        return _build(documents, target, options, progress, voices, force)
    except BaseException:
        for folder in (target.parent, Path(tempfile.gettempdir())):
            atomic.sweep(folder)
        raise


def _build(
    documents: list[Document],
    target: Path,
    options: BuildOptions,
    progress: BuildProgress | None,
    voices: Voices | None,
    force: bool,
) -> BuildResult:
    """Build the briefing of `documents` into `target` (and the transcript beside it).

    Call `check_targets` first to refuse at once what would be refused at the end: the
    files at the planned paths are checked again just before they are replaced, and, unless
    `force`, a file that is not briefing's own is never replaced.
    """
    def report(stage: str, done: int = 0, total: int = 0) -> None:
        if progress is not None:
            progress(stage, done, total)

    for folder in (target.parent, Path(tempfile.gettempdir())):
        atomic.sweep(folder)  # what builds killed with SIGKILL left behind
    script = make_script(documents, options)
    voices = voices or make_voices(options, script.language)
    requests = [speech.Request(segment.spoken, voices.for_segment(segment), _label(i, segment))
                for i, segment in enumerate(script.segments)]
    cache = open_cache(options)
    with contextlib.ExitStack() as stack:
        # Clips go to the cache as they are made, never all into memory; without a cache,
        # to a private one that goes when the build does.
        store = cache or SegmentCache(stack.enter_context(atomic.scratch_folder()))
        spoken = speech.speak(requests, store, stream.ANALYSIS, options.jobs,
                              progress=lambda done, total: report("synthesize", done, total))
        rate = voices.content.sample_rate
        # What levelling needs of every clip (the chunk peaks are read back with each clip).
        facts = [stream.ClipFacts.from_bytes(clip.analysis).for_levelling() for clip in spoken]
        tone = section_tone(rate) if options.tone else None
        from briefing.publish.sections import cuts_for

        plan = layout(script, [fact.length for fact in facts], rate,
                      len(tone) if tone is not None else 0, cuts_for(options.encoding, rate))
        levelling = None
        if options.loudness is not None:
            report("loudness")
            placed = [(at, fact.loudness) for at, fact in zip(plan.positions, facts, strict=True)]
            if tone is not None:
                chime = measure_clip(tone, rate)
                placed += [(at, chime) for at in plan.tones]
            levelling = programme_levelling(placed, plan.timeline.length, rate,
                                            options.loudness, options.true_peak)
            del placed
        # Memory stays flat with length: what is kept per clip from here on is a few bytes.
        facts = [fact.lean() for fact in facts]

        def programme(quieter_db: float) -> Iterator[np.ndarray]:
            chosen = levelling.quieter(quieter_db) if levelling is not None else None
            return stream.samples(plan, lambda i: spoken[i].load(store), whole_facts, chosen,
                                  tone)

        def whole_facts(index: int) -> stream.ClipFacts:
            return stream.ClipFacts.from_bytes(
                spoken[index].load_analysis(store, stream.ANALYSIS.kind))

        # Imported once the segments are spoken: start-up is the time to the first segment.
        from briefing.publish import export, fileset
        from briefing.publish.cover import Cover, load_cover

        authors = sorted({document.author for document in documents if document.author})
        tags = Tags(
            title=script.title,
            date=(options.made_at or build_time()).isoformat(),
            comment=description(script),
            language=script.language,
            # The byline goes into the tags (never into the speech); the tool's name otherwise.
            **({"artist": ", ".join(authors)} if authors else {}),
        )
        sources = [document.source for document in documents]
        files = planned_files(target, options, sources)
        report("encode")
        # The whole set is written before any of it is renamed into place, then renamed
        # together (see `fileset`): an interruption or a full disk never leaves old and new
        # files mixed.
        cover = options.cover if isinstance(options.cover, Cover) else load_cover(options.cover)
        with fileset.staged(target) as staged:
            sections = stream.sectioned(plan, lambda i: spoken[i].load(store), whole_facts,
                                        lambda i: spoken[i].key, levelling, tone)
            export.write_audio(staged.part(target), plan.timeline, programme, tags,
                               options.encoding, cover,
                               true_peak=options.true_peak if levelling is not None else None,
                               sections=sections, store=store,
                               encoded=lambda done, total: report("encode", done, total))
            texts = export.sidecars(plan.timeline, script.title, script.language,
                                   source_lines(documents))
            for path in files[1:]:
                staged.write(path, texts[file_role(path, target)].encode("utf-8"))
            with fileset.folder_locked(target.parent):
                # Again, under the lock: the folder may have changed during the build.
                check_targets(files, sources, force)
                staged.commit()
    return BuildResult(target, tuple(files), plan.timeline, script,
                       cache.stats if cache is not None else None)


def build_time() -> dt.datetime:
    """Now, local time, to the second; or SOURCE_DATE_EPOCH, the reproducible-builds
    convention, so that the same input can give byte-identical files."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), dt.UTC).replace(tzinfo=None)
    return dt.datetime.now().replace(microsecond=0)


def open_cache(options: BuildOptions) -> SegmentCache | None:
    if not options.cache:
        return None
    return SegmentCache(options.cache_dir) if options.cache_dir else SegmentCache.default()


def planned_files(target: Path, options: BuildOptions, sources: list[str]) -> list[Path]:
    """Every file a build of `target` writes, the audio first.

    The transcript is `<name>.txt`, unless that is the article being read (`briefing build
    story.txt` in its own folder): then it is `<name>.transcript.txt`.
    """
    files = [target, target.with_suffix(".chapters.json")]
    if options.transcript:
        transcript = target.with_suffix(".txt")
        if transcript.resolve() in _input_paths(sources):
            transcript = target.with_suffix(".transcript.txt")
        files += [transcript, target.with_suffix(".srt"), target.with_suffix(".vtt")]
    return files


def file_role(path: Path, target: Path) -> str:
    """What a file of the build of `target` is, by its suffix: the audio's (".mp3"),
    ".chapters.json", ".txt" (the transcript, whatever `planned_files` named it), ".srt"..."""
    suffix = path.name.removeprefix(target.stem)
    return ".txt" if suffix == ".transcript.txt" else suffix


def _input_paths(sources: list[str]) -> set[Path]:
    return {Path(source).resolve() for source in sources if source != "-"}


def check_targets(files: list[Path], sources: list[str], force: bool) -> None:
    """Refuse to overwrite an input, or a file briefing did not write (unless `force`).

    A briefing's own files may be rebuilt freely; which are its own is decided file by file
    (see `fileset.is_ours`): a user's `story.txt` beside a briefing stays theirs.
    """
    from briefing.publish import fileset

    inputs = _input_paths(sources)
    for path in files:
        if path.resolve() in inputs:
            raise InputError(f"writing {path} would overwrite the article being read: "
                             "choose another output name", setting="output")
        if path.is_dir():
            raise InputError(f"{path} is a directory: give a file name", setting="output")
    if force:
        return
    for path in files:
        if path.exists() and not fileset.is_ours(path, files[0]):
            raise InputError(f"{path} already exists and was not made by briefing",
                             setting="force")


def source_lines(documents: list[Document]) -> list[str]:
    """Where each article came from, for the transcript's header: author, publication, date,
    address (only what the source said)."""
    lines = []
    for document in documents:
        parts = [f"By {document.author}" if document.author else None, document.site,
                 document.date, document.url]
        said = [part for part in parts if part]
        if said:
            lines.append(" · ".join(said))
    return lines


def description(script: Script) -> str:
    """A short description of the briefing: its summary points, else its first sentences."""
    lines = [point for document in script.documents for point in document.points]
    if not lines:
        lines = [document.paragraphs[0] for document in script.documents if document.paragraphs]
    return "\n".join(lines)


def _label(index: int, segment: Segment) -> str:
    text = segment.text if len(segment.text) <= 50 else segment.text[:49] + "…"
    return f'segment {index + 1} ("{text}")'
