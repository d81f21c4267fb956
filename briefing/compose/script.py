"""Compose the spoken script of a briefing: sections of short segments, pauses included.

Every summary point and every body sentence is a segment of its own, so each can be
synthesized, cached, timed and shown as a cue on its own. The frame around the article
(intro, headings, transitions, outro) comes from `template.Phrases`.
"""

from __future__ import annotations

from dataclasses import replace

from briefing.compose.template import DEFAULT_PAUSES, DEFAULT_PHRASES, Pauses, Phrases
from briefing.model import Document, Role, Script, Section, Segment
from briefing.read.sentences import split_long, split_sentences

GENERIC_TITLE = "Your briefing"


def compose(
    documents: list[Document] | tuple[Document, ...],
    phrases: Phrases = DEFAULT_PHRASES,
    pauses: Pauses = DEFAULT_PAUSES,
) -> Script:
    """Build the script for one article, or a digest of several."""
    documents = tuple(documents)
    builder = _Builder(phrases, pauses)
    if len(documents) == 1:
        document = documents[0]
        if document.title and document.site:
            intro = phrases.intro_titled_site.format(site=_sentence_text(document.site),
                                                     title=_sentence_text(document.title))
        elif document.title:
            intro = phrases.intro_titled.format(title=_sentence_text(document.title))
        else:
            intro = phrases.intro_untitled
        builder.section("Intro", [(intro, Role.INTRO)])
        builder.story(document, story_heading=None)
        title = document.title or GENERIC_TITLE
    else:
        names = [(phrases.intro_digest.format(count=len(documents)), Role.INTRO)]
        names += [
            (phrases.digest_story_name.format(ordinal=phrases.ordinal(i),
                                              name=_sentence_text(doc.name)), Role.INTRO)
            for i, doc in enumerate(documents)
        ]
        builder.section("Intro", names)
        for i, document in enumerate(documents):
            heading = phrases.story_heading.format(ordinal=phrases.ordinal(i),
                                                   name=_sentence_text(document.name))
            builder.story(document, story_heading=(heading, _chapter_title(document.name)))
        title = f"{GENERIC_TITLE}: {len(documents)} stories"
    builder.section("Outro", [(phrases.outro, Role.OUTRO)], last=True)
    return Script(title=title, sections=tuple(builder.sections), documents=documents)


class _Builder:
    """Accumulates sections, giving each segment the pause its boundary calls for."""

    def __init__(self, phrases: Phrases, pauses: Pauses) -> None:
        self.phrases = phrases
        self.pauses = pauses
        self.sections: list[Section] = []

    def section(self, title: str, parts: list[tuple[str, Role]], last: bool = False) -> None:
        segments = [self._segment(text, role) for text, role in parts]
        self._close(title, segments, last)

    def story(self, document: Document, story_heading: tuple[str, str] | None) -> None:
        phrases, pauses = self.phrases, self.pauses
        points: list[Segment] = []
        for i, point in enumerate(document.points):
            transition = phrases.point_transition(i, len(document.points))
            points.append(Segment(transition, transition, Role.TRANSITION, pauses.transition))
            points.extend(self._sentence(point, Role.POINT, pauses.point))
        body: list[Segment] = []
        for paragraph in document.paragraphs:
            sentences = split_sentences(paragraph)
            for j, sentence in enumerate(sentences):
                pause = pauses.paragraph if j == len(sentences) - 1 else pauses.sentence
                body.extend(self._sentence(sentence, Role.BODY, pause))
        points_part = [self._segment(phrases.points_heading, Role.HEADING), *points]
        body_part = [self._segment(phrases.body_heading, Role.HEADING), *body]
        if story_heading is None:
            if points:
                self._close("Key points", points_part)
            if body:
                self._close("The full story", body_part)
        else:
            spoken_heading, chapter = story_heading
            segments = [self._segment(spoken_heading, Role.HEADING)]
            if points:
                segments += points_part
            if body:
                segments += body_part
            self._close(chapter, segments)

    def _segment(self, text: str, role: Role) -> Segment:
        return Segment(text, text, role, self.pauses.heading)

    def _sentence(self, sentence: str, role: Role, pause_ms: int) -> list[Segment]:
        pieces = split_long(sentence)
        return [
            Segment(piece, piece, role,
                    pause_ms if i == len(pieces) - 1 else self.pauses.transition,
                    continues=i < len(pieces) - 1)
            for i, piece in enumerate(pieces)
        ]

    def _close(self, title: str, segments: list[Segment], last: bool = False) -> None:
        end_pause = self.pauses.end if last else self.pauses.section
        segments[-1] = replace(segments[-1], pause_after_ms=end_pause)
        self.sections.append(Section(title, tuple(segments)))


def _sentence_text(text: str) -> str:
    """A title or point as it reads inside a sentence: no final period of its own."""
    return text.rstrip(" .")


def _chapter_title(name: str, limit: int = 80) -> str:
    name = _sentence_text(name)
    return name if len(name) <= limit else name[: limit - 1].rsplit(" ", 1)[0] + "…"
