"""Text normalization: turn one sentence of written news text into words a voice can read.

The design follows gTTS's pre-processors: an ordered tuple of small, named ``str -> str``
rules, each testable alone. The rules live in modules by kind (`numbers`, `money`, `units`,
`dates_times`, `abbreviations`, `web`, `symbols`), the word tables in `tables`, the user
lexicon in `lexicon`; this module holds the order they run in. Order matters and is part of
the design:

1. ``PREPARE`` maps typography to plain characters and drops control characters.
2. The user lexicon (if any) replaces its words; the replacements are shielded from the
   built-in rules by one-character placeholders, so the lexicon always wins.
3. ``RULES`` run from the most specific pattern to the most general one: URLs and e-mail
   addresses, markup, phone numbers, money, percentages, units, dates, times, abbreviations,
   numbers and finally symbols. A rule consumes what it reads (a "$" or a "km" becomes words),
   so later, more general rules cannot misread it.
   In another language (``NormalizeOptions.language``), markup is read first and then that
   language's rules (`briefing.normalize.lang`: German, French and Spanish in full, numbers
   and units for the others) take the place of the English ones.
4. ``FINISH`` drops what cannot be read (emoji, stray symbols, ``<``, ``>``, brackets) and
   tidies spaces and punctuation.

Documented drops (the only places an input word may disappear): URLs and e-mail addresses
when ``drop_urls`` is set, and emoji or other symbols that have no spoken form.

Every rule is a precompiled regex substitution whose pattern is anchored by look-behinds so
that it cannot restart inside a run of digits or letters. All run in time linear in the length
of the text: a rule that looks at a match's neighbourhood looks only there, never at the whole
text before or after it, so one long line costs what the same text in lines does (the tests
hold every rule to that on 200,000-character lines). A pattern that starts with a look-behind
makes the regex engine try it at every position, so the rules run such a pattern only when a
quick test finds what every match needs (a digit, a character, a word). `normalize` never
raises.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from briefing.normalize.abbreviations import (
    expand_abbreviations,
    expand_eras,
    expand_quarters,
    spell_acronyms,
)
from briefing.normalize.dates_times import expand_dates, expand_times
from briefing.normalize.lexicon import Lexicon
from briefing.normalize.money import expand_money
from briefing.normalize.numbers import (
    expand_decades,
    expand_dotted_groups,
    expand_fractions,
    expand_numbers,
    expand_ordinals,
    expand_ranges,
    expand_slash_idioms,
    expand_years,
)
from briefing.normalize.symbols import (
    drop_unreadable,
    expand_symbols,
    normalize_characters,
    read_markup_literally,
    tidy_spacing,
)
from briefing.normalize.units import expand_percent, expand_temperatures, expand_units
from briefing.normalize.web import drop_urls, expand_phone_numbers, read_urls

Rule = Callable[[str], str]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NormalizeOptions:
    """How to normalize. The defaults suit reading a news article aloud."""

    lexicon: Lexicon | None = None  # user pronunciation lexicon, applied first, whole words
    drop_urls: bool = False  # read URLs/e-mails compactly by default, drop with this
    language: str = "en"  # ISO 639 code; other languages use `normalize.lang`'s rules


# --------------------------------------------------------------------------- pipeline

PREPARE: tuple[Rule, ...] = (normalize_characters,)

# Everything after the URL rule, in order. See the module docstring for why the order matters.
_CORE_RULES: tuple[Rule, ...] = (
    read_markup_literally,
    expand_phone_numbers,
    expand_money,
    expand_percent,
    expand_temperatures,
    expand_units,
    expand_dates,
    expand_decades,
    expand_quarters,
    expand_times,
    expand_eras,
    expand_abbreviations,
    spell_acronyms,
    expand_slash_idioms,
    expand_fractions,
    expand_ranges,
    expand_ordinals,
    expand_dotted_groups,
    expand_years,
    expand_numbers,
    expand_symbols,
)
RULES: tuple[Rule, ...] = (read_urls, *_CORE_RULES)
RULES_DROPPING_URLS: tuple[Rule, ...] = (drop_urls, *_CORE_RULES)
FINISH: tuple[Rule, ...] = (drop_unreadable, tidy_spacing)

# Rules that change nothing unless the text has a digit in it.
_DIGIT_RULES: frozenset[Rule] = frozenset(
    {
        expand_phone_numbers,
        expand_money,
        expand_percent,
        expand_temperatures,
        expand_decades,
        expand_times,
        expand_eras,
        expand_fractions,
        expand_ranges,
        expand_ordinals,
        expand_dotted_groups,
        expand_years,
        expand_numbers,
    }
)
_DIGIT = re.compile(r"\d")

_DEFAULT_OPTIONS = NormalizeOptions()
_PLACEHOLDER_BASE = 0xE000
_PLACEHOLDER_COUNT = 0xF8FF - 0xE000
_PLACEHOLDER = re.compile("[\ue000-\uf8ff]")


def _apply_lexicon(text: str, lexicon: Lexicon) -> tuple[str, list[str]]:
    spoken_forms: list[str] = []

    def shield(spoken: str) -> str:
        if len(spoken_forms) >= _PLACEHOLDER_COUNT:
            return spoken  # absurdly many hits: substitute in place, unshielded
        spoken_forms.append(spoken)
        return chr(_PLACEHOLDER_BASE + len(spoken_forms) - 1)

    return lexicon.substitute(text, shield), spoken_forms


def normalize(text: str, options: NormalizeOptions = _DEFAULT_OPTIONS) -> str:
    """Return the spoken form of one sentence/segment of text (plain words for the TTS engine)."""
    if not isinstance(text, str):
        text = str(text)
    for rule in PREPARE:
        text = rule(text)
    spoken_forms: list[str] = []
    if options.lexicon:
        text, spoken_forms = _apply_lexicon(text, options.lexicon)
    for rule in _rules_for(options):
        if rule in _DIGIT_RULES and not _DIGIT.search(text):
            continue  # most text has few numbers: skip the number rules' scans outright
        text = _run_safely(rule, text)
    if spoken_forms:
        text = _PLACEHOLDER.sub(
            lambda m: spoken_forms[ord(m.group(0)) - _PLACEHOLDER_BASE], text
        )
    for rule in FINISH:
        text = _run_safely(rule, text)
    return text


def _rules_for(options: NormalizeOptions) -> tuple[Rule, ...]:
    if options.language.split("-")[0].lower() != "en":
        from briefing.normalize.lang.registry import rules_for  # loads Babel when needed

        urls = (drop_urls,) if options.drop_urls else ()
        return (*urls, read_markup_literally, *rules_for(options.language))
    return RULES_DROPPING_URLS if options.drop_urls else RULES


def _run_safely(rule: Rule, text: str) -> str:
    # One sentence read less well is better than a briefing that stops: if a rule fails on
    # some input nobody foresaw, keep the text as it was before that rule. The rules are
    # tested one by one without this net, so such failures still show up in the tests.
    try:
        return rule(text)
    except Exception:
        logger.debug("normalization rule %s failed", rule.__name__, exc_info=True)
        return text
