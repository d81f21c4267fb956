"""The data that flows between the stages: articles, scripts, voices, clips, programmes, tags.

A leaf module: it imports nothing of the package, so any stage can name these types without
pulling in (or cycling back to) another stage. Everything here is a frozen dataclass or enum.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # annotations only: naming a type must not cost numpy's import
    import numpy as np

TOOL_NAME = "briefing"
"""The name that marks briefing's own files (artist, album and software tags)."""


@dataclass(frozen=True)
class Dropped:
    """Something the reader left out of a web page, and the rule that left it out."""

    rule: str
    """The rule's name, as the README lists it (e.g. "caption", "read more")."""
    text: str
    """What it removed, whitespace collapsed."""


@dataclass(frozen=True)
class Document:
    """One article, as read: nothing normalized, nothing composed yet."""

    title: str | None
    """The article's title, from `--title`, a Markdown `# heading` or JSON; None when untitled."""
    points: tuple[str, ...]
    """Summary points, one sentence each, in reading order."""
    paragraphs: tuple[str, ...]
    """Body paragraphs in reading order; may be empty (a points-only briefing)."""
    source: str
    """Where it came from, for messages: a path as given, a URL, or "<stdin>"."""
    author: str | None = None
    """Who wrote it (a page's byline metadata), for the tags, the feed and the transcript
    header; never spoken in the story."""
    date: str | None = None
    """When it was published, as an ISO date (YYYY-MM-DD), when the source says."""
    url: str | None = None
    """The article's canonical address on the web, when it has one."""
    site: str | None = None
    """The publication's name (a page's og:site_name, a feed's title)."""
    language: str | None = None
    """The article's language as a BCP 47 tag ("en", "en-GB"), when the source says."""
    description: str | None = None
    """The source's own one-paragraph description of the article, when it has one."""
    dropped: tuple[Dropped, ...] = ()
    """What the reader left out of a web page and why (`briefing read --show-dropped`)."""

    @property
    def name(self) -> str:
        """What to call the article when naming it aloud: the title, else its first point."""
        return self.title or (self.points or self.paragraphs)[0]


@dataclass(frozen=True)
class Article:
    """An article to build: its file's bytes and its name, all that a build needs of it.

    What a batch task carries, so that a worker without the client's disk (a cluster
    worker) can build it; an item of a feed fits the same shape.
    """

    name: str
    """Its name as the user gave it (a path, say): for messages, and its suffix says how to
    read it (`.md`, `.json`, ...)."""
    data: bytes
    """The file's bytes, undecoded."""
    suffix: str | None = None
    """How to read the bytes when the name does not say: ".json" for a feed's item, read
    already and carried as briefing's JSON (its name is its web address)."""


class Role(Enum):
    """What a segment is for; the frame (intro, headings…) may be read in another voice."""

    INTRO = "intro"
    HEADING = "heading"
    TRANSITION = "transition"
    POINT = "point"
    BODY = "body"
    OUTRO = "outro"

    @property
    def is_frame(self) -> bool:
        """True for the briefing's own words, False for the article's."""
        return self not in (Role.POINT, Role.BODY)


@dataclass(frozen=True)
class Segment:
    """One stretch of speech, synthesized on its own, followed by a pause."""

    text: str
    """What is shown in the transcript: the original wording."""
    spoken: str
    """What the engine is asked to say (the normalized form of `text`)."""
    role: Role
    """What the segment is for."""
    pause_after_ms: int
    """Silence after this segment, in milliseconds."""
    continues: bool = False
    """True when the next segment is the rest of the same sentence (a long one, split)."""


@dataclass(frozen=True)
class Section:
    """A part of the briefing that becomes one chapter."""

    title: str
    """The chapter title ("Key points", or a story's name in a digest)."""
    segments: tuple[Segment, ...]
    """The section's segments in order; never empty."""


@dataclass(frozen=True)
class Script:
    """The whole briefing as words and pauses, ready to be synthesized."""

    title: str
    """The briefing's title (for tags): the article's title, or a generic one."""
    sections: tuple[Section, ...]
    """Intro, content sections, outro."""
    documents: tuple[Document, ...]
    """The articles the script was composed from."""
    language: str = "en"
    """The language it is spoken in (ISO 639 code): for the transcripts, tags and feed."""

    @property
    def segments(self) -> tuple[Segment, ...]:
        """All segments in reading order."""
        return tuple(segment for section in self.sections for segment in section.segments)

    def map_spoken(self, transform: Callable[[Segment], str]) -> Script:
        """A copy with every segment's spoken text replaced by `transform(segment)`."""
        sections = tuple(
            replace(section, segments=tuple(
                replace(segment, spoken=transform(segment)) for segment in section.segments))
            for section in self.sections
        )
        return replace(self, sections=sections)


@dataclass(frozen=True)
class VoiceSettings:
    """How a voice should sound; fixed for the engine's lifetime (per-call input is text)."""

    voice: str | None = None
    """The engine's voice name or id (eSpeak: "en-us", "en-us+f3"); None for the default."""
    rate: int = 175
    """Speaking rate in words per minute."""
    pitch: int | None = None
    """eSpeak NG's base pitch, 0-100 (50 is the voice's normal); None leaves the voice's
    own. The frame voice uses it to stand apart from the article's voice."""


@dataclass(frozen=True)
class VoiceInfo:
    """One voice an engine offers, for `briefing voices`."""

    id: str
    """What to pass to `--voice`."""
    name: str
    """A human-readable name."""
    languages: tuple[str, ...]
    """Language tags the voice speaks."""
    gender: str | None
    """"Male", "Female" or None when the engine does not say."""


@dataclass(frozen=True)
class Clip:
    """The audio of one request."""

    samples: np.ndarray
    """16-bit mono samples (int16)."""
    sample_rate: int
    """Samples per second."""

    @property
    def duration_ms(self) -> float:
        return 1000 * len(self.samples) / self.sample_rate


@dataclass(frozen=True)
class Cue:
    """One sentence as heard: where it starts and ends, and its original text."""

    start_ms: float
    """When the first sound of the sentence starts, from the programme's start."""
    end_ms: float
    """When its last sound ends."""
    text: str
    """The transcript text (original wording)."""
    role: Role
    """What the sentence is for (point, body, heading…)."""
    section: int
    """Index of the section (chapter) it belongs to."""


@dataclass(frozen=True)
class Chapter:
    """One section of the programme."""

    title: str
    """The chapter's title."""
    start_ms: float
    """Where its first segment starts."""
    end_ms: float
    """Where the next chapter starts (or the programme ends)."""


@dataclass(frozen=True)
class Timeline:
    """Where everything in a programme is, without its samples: what the transcripts, the
    chapters and the tags need, and all a build keeps of a programme that streamed out."""

    sample_rate: int
    """Samples per second."""
    length: int
    """The programme's length in samples."""
    cues: tuple[Cue, ...]
    """One per sentence, in order."""
    chapters: tuple[Chapter, ...]
    """One per section, in order, covering the programme end to end."""

    @property
    def duration_ms(self) -> float:
        return 1000 * self.length / self.sample_rate


@dataclass(frozen=True)
class Programme:
    """The whole briefing as audio in memory, with its timeline."""

    samples: np.ndarray
    """All of it: 16-bit mono samples (int16)."""
    sample_rate: int
    """Samples per second."""
    cues: tuple[Cue, ...]
    """One per sentence, in order."""
    chapters: tuple[Chapter, ...]
    """One per section, in order, covering the programme end to end."""

    @property
    def duration_ms(self) -> float:
        return 1000 * len(self.samples) / self.sample_rate

    @property
    def timeline(self) -> Timeline:
        return Timeline(self.sample_rate, len(self.samples), self.cues, self.chapters)


@dataclass(frozen=True)
class Tags:
    """What players show about the briefing."""

    title: str
    """The briefing's title."""
    date: str
    """When it was made, ISO 8601 ("2026-11-25T14:30:00")."""
    comment: str
    """A description: the summary points, one per line."""
    artist: str = TOOL_NAME
    """Shown as the artist; the tool's name by default."""
    album: str = TOOL_NAME
    """Shown as the album (the "show"); the tool's name by default."""
    language: str = "en"
    """The language spoken (ISO 639-1 code, "de"); ID3 TLAN holds its ISO 639-2 form."""
