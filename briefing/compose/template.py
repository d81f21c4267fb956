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

    def point_transition(self, index: int, count: int) -> str:
        """The transition before point `index` (0-based) of `count`."""
        if count >= 4 and index == count - 1:
            return self.point_transition_last
        if index < len(self.point_transitions):
            return self.point_transitions[index]
        return self.point_transition_more

    def ordinal(self, index: int) -> str:
        """"First", "Second"… for story `index` (0-based)."""
        return self.ordinals[index] if index < len(self.ordinals) else f"Number {index + 1}"


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
DEFAULT_PAUSES = Pauses()
