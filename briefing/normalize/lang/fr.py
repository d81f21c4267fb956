"""French: how a French newsreader reads numbers, money, dates and times.

"2 mars 2003" -> "deux mars deux mille trois", "1er mai" -> "premier mai", "9 h 30" ->
"neuf heures trente", "5,50 €" -> "cinq euros cinquante centimes", "3,5 %" -> "trois virgule
cinq pour cent", "12 000" -> "douze mille", "21e" -> "vingt et unième". Number words come from
num2words, month names, separators and unit names from the CLDR (Babel).
"""

from __future__ import annotations

import re

from briefing.normalize.lang import common
from briefing.normalize.lang.common import Spelling
from briefing.normalize.lang.rules import Conventions, Currency, build

SPELLING = Spelling("fr", "virgule", fraction_in_pairs=True, percent_word="pour cent")


def _one_before_noun(words: str, feminine: bool) -> str:
    if feminine and (words == "un" or words.endswith(" un") or words.endswith("-un")):
        return words + "e"  # "une livre", "vingt et une heures"
    return words


def _date(day: int, month: int, year: str | None, before: str) -> str:
    day_words = "premier" if day == 1 else common.cardinal(day, "fr")
    spoken = f"{day_words} {common.month_name(month, 'fr')}"
    if year:
        spoken += " " + common.cardinal(int(year), "fr")
    return spoken


def _month_year(month: int, year: str) -> str:
    return f"{common.month_name(month, 'fr')} {common.cardinal(int(year), 'fr')}"


def _joiner(currency: str) -> str:
    return " d'" if currency[:1].lower() in "aeiouyéèh" else " de "


# "9 h 30", "9h30", "14 h", "08:00", "8 heures" is already words.
_TIME = re.compile(
    r"(?<![\w.,:])(?P<hour>[012]?\d)(?:\s?h\s?(?P<minute>[0-5]\d)?|:(?P<minute2>[0-5]\d))"
    r"(?![\w:])")


def _timed(match: re.Match[str]) -> str:
    hour = int(match["hour"])
    minute = int(match["minute"] or match["minute2"] or 0)
    if hour > 24:
        return match.group(0)
    hours = "heure" if hour in (0, 1) else "heures"
    spoken = f"{_one_before_noun(common.cardinal(hour, 'fr'), True)} {hours}"
    if minute:
        spoken += " " + common.cardinal(minute, "fr")
    return spoken


def expand_times(text: str) -> str:
    """ "9 h 30" -> "neuf heures trente", "14h" -> "quatorze heures"."""
    return _TIME.sub(_timed, text)


_ORDINAL = r"(?<![\w.,])(?P<num>\d{1,3}(?: \d{3})+|\d+)(?P<mark>ères?|res?|ers?|èmes?|es?)(?!\w)"


def _ordinal(match: re.Match[str]) -> str:
    value = int(match["num"].replace(" ", ""))
    mark = match["mark"]
    plural = "s" if (mark.endswith("s") and mark not in ("es",)) or mark in ("èmes", "ères") \
        else ""
    if value == 1:
        return ("premier" if mark.startswith("er") else "première") + plural
    return common.ordinal(value, "fr") + plural


CONVENTIONS = Conventions(
    spelling=SPELLING,
    symbols={
        "€": Currency("euro", "euros", "centime", "centimes"),
        "$": Currency("dollar", "dollars", "cent", "cents"),
        "US$": Currency("dollar américain", "dollars américains", "cent", "cents"),
        "£": Currency("livre", "livres", "penny", "pence", feminine=True),
        "¥": Currency("yen", "yens"),
    },
    scales={
        "million": "million", "millions": "millions", "milliard": "milliard",
        "milliards": "milliards", "Md": "milliards", "Mds": "milliards", "Mrd": "milliards",
        "billion": "billion", "billions": "billions", "M": "millions",
    },
    currency_joiner=_joiner,
    date=_date,
    month_year=_month_year,
    ordinal_pattern=_ORDINAL,
    ordinal=_ordinal,
    abbreviations={
        "M.": "Monsieur", "MM.": "Messieurs", "Mme": "Madame", "Mmes": "Mesdames",
        "Mlle": "Mademoiselle", "Dr": "docteur", "Pr": "professeur", "n°": "numéro",
        "N°": "numéro", "etc.": "et cetera", "env.": "environ", "av.": "avenue",
        "bd": "boulevard", "St": "Saint", "Ste": "Sainte", "av. J.-C.": "avant Jésus-Christ",
        "apr. J.-C.": "après Jésus-Christ", "UE": "U E", "PIB": "P I B", "SNCF": "S N C F",
        "USA": "U S A", "PS": "P S", "RN": "R N",
    },
    symbol_words={"&": "et", "+": "plus", "=": "égale"},
    per_word="par",
    one_before_noun=_one_before_noun,
)


def _rules() -> tuple[common.Rule, ...]:
    built = build(CONVENTIONS)
    # Times go before units ("9 h 30" is a time, not nine hours and a number) and plain
    # numbers.
    return (*built[:2], expand_times, *built[2:])


RULES = _rules()
