"""Compose the spoken script of a briefing: sections of short segments, pauses included.

Every summary point and every body sentence is a segment of its own, so each can be
synthesized, cached, timed and shown as a cue on its own. The frame around the article
(intro, headings, transitions, outro) comes from `template.Phrases`.
"""

from __future__ import annotations

from dataclasses import replace

from briefing.compose.template import DEFAULT_PAUSES, Pauses, Phrases, phrases_for
from briefing.model import Document, Role, Script, Section, Segment
from briefing.read.sentences import split_long, split_sentences


def compose(
    documents: list[Document] | tuple[Document, ...],
    phrases: Phrases | None = None,
    pauses: Pauses = DEFAULT_PAUSES,
    language: str = "en",
) -> Script:
    """Build the script for one article, or a digest of several, in `language` (an ISO 639
    code): its frame comes from that language's phrases unless `phrases` are given."""
    documents = tuple(documents)
    if phrases is None:
        phrases = phrases_for(language)
    builder = _Builder(phrases, pauses, language)
    if len(documents) == 1:
        document = documents[0]
        if document.title and document.site:
            intro = phrases.intro_titled_site.format(site=_sentence_text(document.site),
                                                     title=_sentence_text(document.title))
        elif document.title:
            intro = phrases.intro_titled.format(title=_sentence_text(document.title))
        else:
            intro = phrases.intro_untitled
        builder.section(phrases.chapter_intro, [(intro, Role.INTRO)])
        builder.story(document, story_heading=None)
        title = document.title or phrases.generic_title
    else:
        names = [(phrases.intro_digest.format(count=len(documents)), Role.INTRO)]
        names += [
            (phrases.digest_story_name.format(ordinal=phrases.ordinal(i),
                                              name=_sentence_text(doc.name)), Role.INTRO)
            for i, doc in enumerate(documents)
        ]
        builder.section(phrases.chapter_intro, names)
        for i, document in enumerate(documents):
            heading = phrases.story_heading.format(ordinal=phrases.ordinal(i),
                                                   name=_sentence_text(document.name))
            builder.story(document, story_heading=(heading, _chapter_title(document.name)))
        title = phrases.digest_title.format(count=len(documents))
    builder.section(phrases.chapter_outro, [(phrases.outro, Role.OUTRO)], last=True)
    return Script(title=title, sections=tuple(builder.sections), documents=documents,
                  language=language)


class _Builder:
    """Accumulates sections, giving each segment the pause its boundary calls for."""

    def __init__(self, phrases: Phrases, pauses: Pauses, language: str = "en") -> None:
        self.phrases = phrases
        self.pauses = pauses
        self.language = language
        self.sections: list[Section] = []

    def section(self, title: str, parts: list[tuple[str, Role]], last: bool = False) -> None:
        segments = [self._segment(text, role) for text, role in parts if text]
        if segments:  # a language's frame may leave a phrase out (template.NEUTRAL)
            self._close(title, segments, last)
        elif last and self.sections:
            self._end_last_section()

    def story(self, document: Document, story_heading: tuple[str, str] | None) -> None:
        phrases, pauses = self.phrases, self.pauses
        points: list[Segment] = []
        for i, point in enumerate(document.points):
            transition = phrases.point_transition(i, len(document.points))
            if transition:
                points.append(Segment(transition, transition, Role.TRANSITION,
                                      pauses.transition))
            points.extend(self._sentence(point, Role.POINT, pauses.point))
        body: list[Segment] = []
        for paragraph in document.paragraphs:
            sentences = split_sentences(paragraph, self.language)
            for j, sentence in enumerate(sentences):
                pause = pauses.paragraph if j == len(sentences) - 1 else pauses.sentence
                body.extend(self._sentence(sentence, Role.BODY, pause))
        points_part = [*self._heading(phrases.points_heading), *points]
        body_part = [*self._heading(phrases.body_heading), *body]
        if story_heading is None:
            if points:
                self._close(phrases.chapter_points, points_part)
            if body:
                self._close(phrases.chapter_body, body_part)
        else:
            spoken_heading, chapter = story_heading
            segments = [self._segment(spoken_heading, Role.HEADING)]
            if points:
                segments += points_part
            if body:
                segments += body_part
            self._close(chapter, segments)

    def _heading(self, text: str) -> list[Segment]:
        return [self._segment(text, Role.HEADING)] if text else []

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

    def _end_last_section(self) -> None:
        """Give the last section the closing pause, when no outro follows it."""
        last = self.sections[-1]
        segments = (*last.segments[:-1],
                    replace(last.segments[-1], pause_after_ms=self.pauses.end))
        self.sections[-1] = replace(last, segments=segments)


def _sentence_text(text: str) -> str:
    """A title or point as it reads inside a sentence: no final period of its own."""
    return text.rstrip(" .")


def _chapter_title(name: str, limit: int = 80) -> str:
    name = _sentence_text(name)
    return name if len(name) <= limit else name[: limit - 1].rsplit(" ", 1)[0] + "…"
