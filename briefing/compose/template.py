"""Every phrase the briefing says around the article, and the pauses between its parts.

Kept in one place so the briefing's wording can be changed (or translated) without touching
the code that composes it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phrases:
    """The spoken frame of a briefing. `{…}` fields are filled in by the script composer."""

    intro_titled: str = "Here is your briefing: {title}."
    """Opens a single-article briefing that has a title."""
    intro_titled_site: str = "Here is your briefing, from {site}: {title}."
    """Opens a single-article briefing whose source names its publication (a web page)."""
    intro_untitled: str = "Here is your briefing."
    """Opens a single-article briefing without a title."""
    intro_digest: str = "Here is your briefing, with {count} stories."
    """Opens a briefing of several articles; each story is then named."""
    digest_story_name: str = "{ordinal}: {name}"
    """Names one story in a digest's intro."""
    story_heading: str = "{ordinal} story: {name}"
    """Announces a story within a digest."""
    points_heading: str = "Key points."
    """Announces the summary points."""
    point_transitions: tuple[str, ...] = ("First.", "Second.", "Third.", "Fourth.", "Fifth.")
    """Spoken before the first points, in order; later points use `point_transition_more`."""
    point_transition_more: str = "Next."
    """Spoken before each point past the listed transitions (but the last)."""
    point_transition_last: str = "And finally."
    """Spoken before the last of four or more points."""
    body_heading: str = "The full story."
    """Announces the body paragraphs."""
    outro: str = "That was your briefing. Thanks for listening."
    """Closes every briefing."""
    ordinals: tuple[str, ...] = (
        "First", "Second", "Third", "Fourth", "Fifth", "Sixth", "Seventh", "Eighth", "Ninth",
        "Tenth", "Eleventh", "Twelfth",
    )
    """Story ordinals for digests; stories past the list are named by number."""
    story_number: str = "Number {number}"
    """Names a digest's story past the `ordinals` list."""
    chapter_intro: str = "Intro"
    """Chapter title of the intro (tags, chapters JSON, transcript headings)."""
    chapter_points: str = "Key points"
    """Chapter title of the summary points."""
    chapter_body: str = "The full story"
    """Chapter title of the body."""
    chapter_outro: str = "Outro"
    """Chapter title of the outro."""
    generic_title: str = "Your briefing"
    """The briefing's title (tags, feed) when the article has none."""
    digest_title: str = "Your briefing: {count} stories"
    """The title of a digest of `count` stories."""

    def point_transition(self, index: int, count: int) -> str:
        """The transition before point `index` (0-based) of `count`."""
        if count >= 4 and index == count - 1:
            return self.point_transition_last
        if index < len(self.point_transitions):
            return self.point_transitions[index]
        return self.point_transition_more

    def ordinal(self, index: int) -> str:
        """"First", "Second"… for story `index` (0-based)."""
        if index < len(self.ordinals):
            return self.ordinals[index]
        return self.story_number.format(number=index + 1)


@dataclass(frozen=True)
class Pauses:
    """Silence after each kind of segment, in milliseconds. Longer boundaries, longer pauses."""

    sentence: int = 350
    """Between two sentences of one paragraph."""
    paragraph: int = 800
    """After the last sentence of a paragraph."""
    transition: int = 250
    """After a spoken transition ("First."), before its point."""
    point: int = 700
    """After each summary point."""
    heading: int = 600
    """After a section heading ("Key points."), before its content."""
    section: int = 1200
    """After the last segment of a section, before the next section starts."""
    end: int = 500
    """After the outro: a short tail so players don't clip the last word."""


DEFAULT_PHRASES = Phrases()

# The frame in German, French and Spanish, written for a newsreader of each language: the
# same structure as the English one, field by field (a table per language).
GERMAN = Phrases(
    intro_titled="Hier ist Ihr Überblick: {title}.",
    intro_titled_site="Hier ist Ihr Überblick, von {site}: {title}.",
    intro_untitled="Hier ist Ihr Überblick.",
    intro_digest="Hier ist Ihr Überblick, mit {count} Meldungen.",
    digest_story_name="{ordinal}: {name}",
    story_heading="{ordinal} Meldung: {name}",
    points_heading="Das Wichtigste.",
    point_transitions=("Erstens.", "Zweitens.", "Drittens.", "Viertens.", "Fünftens."),
    point_transition_more="Weiter.",
    point_transition_last="Und schließlich.",
    body_heading="Die ganze Meldung.",
    outro="Das war Ihr Überblick. Danke fürs Zuhören.",
    ordinals=("Erste", "Zweite", "Dritte", "Vierte", "Fünfte", "Sechste", "Siebte", "Achte",
              "Neunte", "Zehnte", "Elfte", "Zwölfte"),
    story_number="Nummer {number}",
    chapter_intro="Einleitung",
    chapter_points="Das Wichtigste",
    chapter_body="Die ganze Meldung",
    chapter_outro="Abschluss",
    generic_title="Ihr Überblick",
    digest_title="Ihr Überblick: {count} Meldungen",
)
FRENCH = Phrases(
    intro_titled="Voici votre point d'actualité : {title}.",
    intro_titled_site="Voici votre point d'actualité, de {site} : {title}.",
    intro_untitled="Voici votre point d'actualité.",
    intro_digest="Voici votre point d'actualité, avec {count} sujets.",
    digest_story_name="{ordinal} : {name}",
    story_heading="{ordinal} sujet : {name}",
    points_heading="L'essentiel.",
    point_transitions=("Premièrement.", "Deuxièmement.", "Troisièmement.", "Quatrièmement.",
                       "Cinquièmement."),
    point_transition_more="Ensuite.",
    point_transition_last="Et enfin.",
    body_heading="L'article complet.",
    outro="C'était votre point d'actualité. Merci de votre écoute.",
    ordinals=("Premier", "Deuxième", "Troisième", "Quatrième", "Cinquième", "Sixième",
              "Septième", "Huitième", "Neuvième", "Dixième", "Onzième", "Douzième"),
    story_number="Numéro {number}",
    chapter_intro="Introduction",
    chapter_points="L'essentiel",
    chapter_body="L'article complet",
    chapter_outro="Conclusion",
    generic_title="Votre point d'actualité",
    digest_title="Votre point d'actualité : {count} sujets",
)
SPANISH = Phrases(
    intro_titled="Este es su resumen: {title}.",
    intro_titled_site="Este es su resumen, de {site}: {title}.",
    intro_untitled="Este es su resumen.",
    intro_digest="Este es su resumen, con {count} noticias.",
    digest_story_name="{ordinal}: {name}",
    story_heading="{ordinal} noticia: {name}",
    points_heading="Lo más importante.",
    point_transitions=("Primero.", "Segundo.", "Tercero.", "Cuarto.", "Quinto."),
    point_transition_more="A continuación.",
    point_transition_last="Y por último.",
    body_heading="La noticia completa.",
    outro="Este fue su resumen. Gracias por escuchar.",
    ordinals=("Primera", "Segunda", "Tercera", "Cuarta", "Quinta", "Sexta", "Séptima",
              "Octava", "Novena", "Décima", "Undécima", "Duodécima"),
    story_number="Número {number}",
    chapter_intro="Introducción",
    chapter_points="Lo más importante",
    chapter_body="La noticia completa",
    chapter_outro="Cierre",
    generic_title="Su resumen",
    digest_title="Su resumen: {count} noticias",
)
# Languages without a table of their own get a frame with no words in any language: the
# title alone for an intro, no headings, transitions or outro (pauses mark the points); a
# digest's stories are numbered, and the normalizer reads the numbers in the briefing's
# language where num2words knows it. Chapter titles are numbers. An empty phrase is left out.
NEUTRAL = Phrases(
    intro_titled="{title}.",
    intro_titled_site="{site}: {title}.",
    intro_untitled="",
    intro_digest="",
    digest_story_name="{ordinal}: {name}",
    story_heading="{ordinal}: {name}",
    points_heading="",
    point_transitions=(),
    point_transition_more="",
    point_transition_last="",
    body_heading="",
    outro="",
    ordinals=(),
    story_number="{number}",
    chapter_intro="0",
    chapter_points="1",
    chapter_body="2",
    chapter_outro="3",
    generic_title="briefing",
    digest_title="briefing: {count}",
)
PHRASES: dict[str, Phrases] = {"en": DEFAULT_PHRASES, "de": GERMAN, "fr": FRENCH, "es": SPANISH}
"""The languages whose frame is written out, by ISO 639-1 code."""


def phrases_for(language: str) -> Phrases:
    """The frame for `language` (an ISO 639 code, region ignored); NEUTRAL when it has none."""
    return PHRASES.get(language.split("-")[0].lower(), NEUTRAL)
DEFAULT_PAUSES = Pauses()
