"""Composing the spoken script: sections, segments, pauses, the frame phrases."""

from __future__ import annotations

import pytest

from briefing.compose.script import compose
from briefing.compose.template import DEFAULT_PAUSES as P
from briefing.compose.template import DEFAULT_PHRASES
from briefing.model import Document, Role
from briefing.read.sentences import MAX_SEGMENT_CHARS, split_long

ONE = "Prices rose again in March."
TWO = "Prices rose again in March. Wages did not keep up."


def doc(points: tuple[str, ...] = (), paragraphs: tuple[str, ...] = (),
        title: str | None = None) -> Document:
    return Document(title, points, paragraphs, "test")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (doc((ONE,), (TWO,)), [
            ("Intro", [("Here is your briefing.", Role.INTRO, P.section)]),
            ("Key points", [("Key points.", Role.HEADING, P.heading),
                            ("First.", Role.TRANSITION, P.transition),
                            (ONE, Role.POINT, P.section)]),
            ("The full story", [("The full story.", Role.HEADING, P.heading),
                                (ONE, Role.BODY, P.sentence),
                                ("Wages did not keep up.", Role.BODY, P.section)]),
            ("Outro", [(DEFAULT_PHRASES.outro, Role.OUTRO, P.end)]),
        ]),
        (doc((ONE,), title="Spring prices."), [
            ("Intro", [("Here is your briefing: Spring prices.", Role.INTRO, P.section)]),
            ("Key points", [("Key points.", Role.HEADING, P.heading),
                            ("First.", Role.TRANSITION, P.transition),
                            (ONE, Role.POINT, P.section)]),
            ("Outro", [(DEFAULT_PHRASES.outro, Role.OUTRO, P.end)]),
        ]),
        (doc((), (TWO, ONE)), [
            ("Intro", [("Here is your briefing.", Role.INTRO, P.section)]),
            ("The full story", [("The full story.", Role.HEADING, P.heading),
                                (ONE, Role.BODY, P.sentence),
                                ("Wages did not keep up.", Role.BODY, P.paragraph),
                                (ONE, Role.BODY, P.section)]),
            ("Outro", [(DEFAULT_PHRASES.outro, Role.OUTRO, P.end)]),
        ]),
    ],
)
def test_single_article(document: Document, expected: list) -> None:
    script = compose([document])
    got = [(section.title, [(s.text, s.role, s.pause_after_ms) for s in section.segments])
           for section in script.sections]
    assert got == expected


@pytest.mark.parametrize(
    ("count", "transitions"),
    [
        (1, ["First."]),
        (3, ["First.", "Second.", "Third."]),
        (4, ["First.", "Second.", "Third.", "And finally."]),
        (7, ["First.", "Second.", "Third.", "Fourth.", "Fifth.", "Next.", "And finally."]),
    ],
)
def test_point_transitions(count: int, transitions: list[str]) -> None:
    script = compose([doc(tuple(f"Point {i}." for i in range(count)))])
    spoken = [s.text for s in script.segments if s.role is Role.TRANSITION]
    assert spoken == transitions


def test_pauses_grow_with_the_boundary() -> None:
    assert P.transition < P.sentence < P.heading <= P.point < P.paragraph < P.section


def test_digest_has_a_section_per_story() -> None:
    script = compose([doc((ONE,), (TWO,), title="Spring prices"), doc(("Rents climbed.",))])
    assert [s.title for s in script.sections] == ["Intro", "Spring prices", "Rents climbed",
                                                  "Outro"]
    intro = [s.text for s in script.sections[0].segments]
    assert intro == ["Here is your briefing, with 2 stories.", "First: Spring prices",
                     "Second: Rents climbed"]
    assert script.sections[2].segments[0].text == "Second story: Rents climbed"


def test_every_word_of_the_article_is_in_the_script() -> None:
    document = doc((ONE, "Rents climbed too."), (TWO, "A third paragraph. It ends here."))
    script_text = " ".join(s.text for s in compose([document]).segments)
    for part in [*document.points, *document.paragraphs]:
        for word in part.split():
            assert word in script_text


@pytest.mark.parametrize("length", [MAX_SEGMENT_CHARS + 1, 5_000, 200_000])
def test_long_sentences_are_split_without_losing_words(length: int) -> None:
    words = ("alpha, beta gamma; delta " * (length // 25 + 1))[:length].strip()
    pieces = split_long(words)
    assert all(len(piece) <= MAX_SEGMENT_CHARS for piece in pieces)
    assert " ".join(pieces).split() == words.split()


def test_split_long_cuts_a_giant_word() -> None:
    pieces = split_long("x" * 1000, 400)
    assert [len(p) for p in pieces] == [400, 400, 200]


def test_long_sentence_segments_are_marked_as_continuing() -> None:
    sentence = "word " * 200 + "end."
    segments = [s for s in compose([doc((), (sentence,))]).segments if s.role is Role.BODY]
    assert len(segments) > 1
    assert [s.continues for s in segments] == [True] * (len(segments) - 1) + [False]


@pytest.mark.parametrize(("language", "intro", "chapters"), [
    ("de", "Hier ist Ihr Überblick.", ["Einleitung", "Das Wichtigste", "Die ganze Meldung",
                                       "Abschluss"]),
    ("fr", "Voici votre point d'actualité.", ["Introduction", "L'essentiel",
                                              "L'article complet", "Conclusion"]),
    ("es", "Este es su resumen.", ["Introducción", "Lo más importante", "La noticia completa",
                                   "Cierre"]),
])
def test_the_frame_is_in_the_briefing_language(language: str, intro: str,
                                               chapters: list[str]) -> None:
    document = Document(None, ("Eins.", "Zwei."), ("Drei.",), "t")
    script = compose([document], language=language)
    assert script.language == language
    assert script.segments[0].text == intro
    assert [section.title for section in script.sections] == chapters


def test_a_language_without_phrases_gets_a_frame_without_words() -> None:
    document = Document("Titolo", ("Uno.", "Due."), ("Tre.",), "t")
    script = compose([document], language="it")
    frame = [segment.text for segment in script.segments if segment.role.is_frame]
    assert frame == ["Titolo."]  # the title alone: no headings, transitions or outro
    assert script.segments[-1].pause_after_ms == P.end


def test_german_ordinals_do_not_end_a_sentence() -> None:
    document = Document(None, (), ("Am 3. Oktober 2020 feierte die Stadt. Danach war Ruhe.",),
                        "t")
    body = [s.text for s in compose([document], language="de").segments
            if s.role is Role.BODY]
    assert body == ["Am 3. Oktober 2020 feierte die Stadt.", "Danach war Ruhe."]
