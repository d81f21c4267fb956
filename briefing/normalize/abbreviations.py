"""Abbreviations, acronyms, quarters and eras: "Dr." -> "Doctor", "U.S." -> "U S", "Q2" -> "the
second quarter", "340 AD" -> "three forty A-D"."""

from __future__ import annotations

import re

from briefing.normalize import tables
from briefing.normalize.numbers import DIGIT, year_words
from briefing.read.sentences import SENTENCE_STARTERS

_ONLY_SPACE_LEFT = re.compile(r"\s*\Z")


def keep_period_at_end(match: re.Match[str]) -> str:
    """ "." if the match ends with a period and nothing but white space follows it, else "".

    An abbreviation's period also ends the sentence when nothing follows it: the rule that
    replaces "a.m." or "etc." adds this, so the sentence keeps its full stop. (A match at the
    end's position, not a copy of the rest of the text: that copy made a long line of
    abbreviations quadratic.)"""
    ends = match.group(0).endswith(".") and _ONLY_SPACE_LEFT.match(match.string, match.end())
    return "." if ends else ""


def _word_before(text: str, position: int) -> str:
    """The word (letters, digits, "'" and "-") that ends `text[:position]`, past any spaces and
    commas; "" if there is none.

    Walks back from `position`: a regex anchored at the end of `text[:position]` would be
    searched from the start of the text at every match, quadratic in the line's length."""
    end = position
    while end and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    start = end
    while start and (text[start - 1].isalnum() or text[start - 1] in "_'-"):
        start -= 1
    return text[start:end]


def spell_letters(letters: str) -> str:
    """ "USA" -> "U S A", "UAE" -> "U A-E": letters eSpeak spells one by one."""
    spelled = " ".join(letters)
    # eSpeak reads a lone capital "A" as the article; joined to the next letter it spells it.
    return re.sub(r"\bA (?=\w)", "A-", spelled)


_DOTTED_ACRONYM = re.compile(r"(?<![\w.])[A-Z](?:\.[A-Z])+\.?(?![\w])")
_DOTTED_ALT = "|".join(
    re.escape(key) for key in sorted(tables.DOTTED_ABBREVIATIONS, key=len, reverse=True)
)
_DOTTED = re.compile(rf"(?<![\w.])(?:{_DOTTED_ALT})(?!\w)")
_DOTTED_HINT = re.compile(rf"(?:{_DOTTED_ALT})(?!\w)")
_DOTTED_ACRONYM_HINT = re.compile(r"[A-Z]\.[A-Z]")
_NUMBER_ABBREVIATION_ALT = "|".join(
    re.escape(key) for key in sorted(tables.NUMBER_ABBREVIATIONS, key=len, reverse=True)
)
_NUMBER_ABBREVIATION = re.compile(rf"(?<![\w.])(?:{_NUMBER_ABBREVIATION_ALT})\s?(?=\d)")
_TITLE_ALT = "|".join(sorted(tables.TITLES, key=len, reverse=True))
_TITLE = re.compile(rf"(?<![\w.])(?:(?P<dotted>{_TITLE_ALT})\.|(?P<bare>Mr|Mrs|Ms|Dr)(?=\s+[A-Z]))")
_TITLE_HINT = re.compile(rf"(?:{_TITLE_ALT})\.|(?:Mr|Mrs|Ms|Dr)(?=\s+[A-Z])")
_SAINT_OR_STREET = re.compile(r"(?<![\w.])St(?:\.|(?=,|\s*$)|(?=\s+[A-Z]))")
_NEXT_WORD = re.compile(r"\s*([\w'-]+)")
_VERSUS = re.compile(r"(?<=\w )v\.(?= [A-Z])")
_AMPM_ALONE = re.compile(r"(?<![\w.])(?:(?P<a>a\.m\.)|(?P<p>p\.m\.))")
_SPELLED_ALT = "|".join(sorted(tables.SPELLED_ACRONYMS, key=len, reverse=True))
_SPELLED = re.compile(rf"(?<![\w.$])(?:{_SPELLED_ALT})(?![\w$])")
_SPELLED_HINT = re.compile(rf"(?:{_SPELLED_ALT})(?![\w$])")


def expand_abbreviations(text: str) -> str:
    """ "Dr." -> "Doctor", "e.g." -> "for example", "No. 5" -> "number 5", "Elm St." ->
    "Elm Street" but "St. Louis" -> "Saint Louis", "vs." -> "versus"."""

    def dotted(match: re.Match[str]) -> str:
        return tables.DOTTED_ABBREVIATIONS[match.group(0)] + keep_period_at_end(match)

    def title(match: re.Match[str]) -> str:
        return tables.TITLES[match["dotted"] or match["bare"]]

    def saint_or_street(match: re.Match[str]) -> str:
        previous_word = _word_before(match.string, match.start())
        following = _NEXT_WORD.match(match.string, match.end())
        next_word = following.group(1) if following else ""
        named_street = previous_word[:1].isupper() and previous_word not in (
            tables.NOT_STREET_NAMES
        )
        next_is_name = next_word[:1].isupper() and next_word not in SENTENCE_STARTERS
        # The period of "Elm St. It was" also ends the sentence; keep it as a full stop.
        stop = "." if match.group(0).endswith(".") and (
            not next_word or next_word in SENTENCE_STARTERS
        ) else ""
        if (named_street and not next_is_name) or previous_word[:1].isdigit():
            return "Street" + stop
        return "Saint" if next_word[:1].isupper() and not stop else "Street" + stop

    # See numbers.DIGIT: each pattern runs only if what every match needs is in the text.
    if _DOTTED_HINT.search(text):
        text = _DOTTED.sub(dotted, text)
    if DIGIT.search(text):
        text = _NUMBER_ABBREVIATION.sub(
            lambda m: tables.NUMBER_ABBREVIATIONS[m.group(0).strip()] + " ", text
        )
    if "St" in text:
        text = _SAINT_OR_STREET.sub(saint_or_street, text)
    if _TITLE_HINT.search(text):
        text = _TITLE.sub(title, text)
    if "v." in text:
        text = _VERSUS.sub("versus", text)
    if ".m." in text:
        text = _AMPM_ALONE.sub(lambda m: "A-M" if m["a"] else "PM", text)
    return text


def spell_acronyms(text: str) -> str:
    """ "U.S." and "US" -> "U S", "UAE" -> "U A-E": letters eSpeak will spell, not read."""

    def dotted(match: re.Match[str]) -> str:
        letters = match.group(0).replace(".", "")
        return spell_letters(letters) + keep_period_at_end(match)

    if _DOTTED_ACRONYM_HINT.search(text):
        text = _DOTTED_ACRONYM.sub(dotted, text)
    if _SPELLED_HINT.search(text):
        text = _SPELLED.sub(lambda m: tables.SPELLED_ACRONYMS[m.group(0)], text)
    return text


# --------------------------------------------------------------------------- quarters

_QUARTER = re.compile(
    r"(?<![\w.])(?:Q(?P<q>[1-4])|(?P<q2>[1-4])Q(?=\d)|H(?P<h>[12]))"
    r"(?:\s?(?P<year>\d{4}|(?<=Q\d)'?\d{2}|(?<=\dQ)\d{2}|(?<=\dQ)\d{4}))?(?!\w)"
)
_QUARTER_HINT = re.compile(r"Q[1-4]|[1-4]Q\d|H[12]")
_FISCAL_YEAR = re.compile(r"(?<![\w.])FY\s?'?(?P<year>\d{4}|\d{2})(?!\w)")


def expand_quarters(text: str) -> str:
    """ "Q2" -> "the second quarter"; "Q3 2024" and "3Q24" add "of twenty twenty-four";
    "H1" -> "the first half"; "FY2025" -> "fiscal year twenty twenty-five"."""

    def replace(match: re.Match[str]) -> str:
        if match["h"]:
            spoken = f"{tables.PERIOD_ORDINALS[match['h']]} half"
        else:
            spoken = f"{tables.PERIOD_ORDINALS[match['q'] or match['q2']]} quarter"
        before = match.string[max(0, match.start() - 12) : match.start()].split()
        previous = before[-1].lower() if before else ""
        if previous not in tables.DETERMINERS and not previous.endswith("'s"):
            spoken = "the " + spoken
        year = (match["year"] or "").lstrip("'")
        if year:
            # A clipped year in a quarter label is this century's: "3Q24" is 2024.
            spoken += " of " + year_words(int(year) + 2000 if len(year) == 2 else int(year))
        return spoken

    if _QUARTER_HINT.search(text):
        text = _QUARTER.sub(replace, text)

    def fiscal(match: re.Match[str]) -> str:
        year = match["year"]
        return "fiscal year " + year_words(int(year) + 2000 if len(year) == 2 else int(year))

    return _FISCAL_YEAR.sub(fiscal, text) if "FY" in text else text


# --------------------------------------------------------------------------- eras

_ERA = re.compile(r"(?<![\w.,])(?P<year>\d{1,4})\s?(?P<era>A\.?D|B\.?C|B\.?C\.?E|C\.?E)\b\.?")


def expand_eras(text: str) -> str:
    """ "340 AD" -> "three forty A-D", "44 BC" -> "forty-four B C": the number as a year."""

    def replace(match: re.Match[str]) -> str:
        era = spell_letters(match["era"].replace(".", ""))
        return f"{year_words(int(match['year']))} {era}{keep_period_at_end(match)}"

    return _ERA.sub(replace, text)

