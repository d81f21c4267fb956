"""German: how a German newsreader reads numbers, money, dates and times.

"24. Juli 2013" -> "vierundzwanzigster Juli zweitausenddreizehn", "am 3. Oktober" -> "am
dritten Oktober", "08:00 Uhr" -> "acht Uhr", "5,50 €" -> "fünf Euro fünfzig Cent", "3,5 %" ->
"drei Komma fünf Prozent", "12.000" -> "zwölftausend". Number words come from num2words,
month names, separators and unit names from the CLDR (Babel).
"""

from __future__ import annotations

import re

from briefing.normalize.lang import common
from briefing.normalize.lang.common import Spelling
from briefing.normalize.lang.rules import Conventions, Currency, build

SPELLING = Spelling("de", "Komma", fraction_in_pairs=False, percent_word="Prozent")

# Words before a date or an ordinal that decline it (dative/accusative: "am dritten";
# after a definite article in the nominative: "der dritte").
_DATIVE = frozenset("am vom zum beim im seit dem den ab bis zum ihrem seinem einem".split())
_NOMINATIVE_ARTICLE = frozenset("der die das".split())


def _declined(stem: str, before: str) -> str:
    """num2words' ordinal ("dritte") declined after `before` (lower-case word or "")."""
    if before in _DATIVE:
        return stem + "n"
    if before in _NOMINATIVE_ARTICLE:
        return stem
    return stem + "r"  # on its own, as a date is read: "vierundzwanzigster Juli"


def _ordinal_stem(value: int) -> str:
    return common.ordinal(value, "de").lower()


def _one_before_noun(words: str, feminine: bool) -> str:
    if words.endswith("eins"):
        return words[:-1] + ("e" if feminine else "")  # "ein Euro", "einundzwanzig" stays
    return words


def _date(day: int, month: int, year: str | None, before: str) -> str:
    spoken = f"{_declined(_ordinal_stem(day), before)} {common.month_name(month, 'de')}"
    if year:
        spoken += " " + common.year(int(year), "de")
    return spoken


def _month_year(month: int, year: str) -> str:
    return f"{common.month_name(month, 'de')} {common.year(int(year), 'de')}"


def _time(hour: int, minute: int, second: int | None, suffix: str) -> str:
    hour_words = _one_before_noun(common.cardinal(hour, "de"), False)
    if second is not None:
        minutes = "Minute" if minute == 1 else "Minuten"
        seconds = "Sekunde" if second == 1 else "Sekunden"
        spoken = (f"{hour_words} Uhr {_one_before_noun(common.cardinal(minute, 'de'), True)} "
                  f"{minutes} {_one_before_noun(common.cardinal(second, 'de'), True)} {seconds}")
    else:
        spoken = f"{hour_words} Uhr"
        if minute:
            spoken += " " + common.cardinal(minute, "de")
    rest = suffix.replace("Uhr", "").strip()
    return f"{spoken} {rest}".strip() if rest else spoken


# "14:30", "14:30 Uhr", "14.30 Uhr", "8 Uhr", "00:00:00 Uhr"
_TIME = (r"(?<![\w.,:])(?P<hour>[012]?\d)(?:(?::(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?)"
         r"(?P<suffix>\s?Uhr\b)?|\.(?P<minute2>[0-5]\d)(?P<suffix2>\s?Uhr\b)|(?P<suffix3>\s?Uhr\b))")


def _timed(match: re.Match[str]) -> str:
    hour = int(match["hour"])
    minute = int(match["minute"] or match["minute2"] or 0)
    second = int(match["second"]) if match["second"] else None
    if hour > 24:
        return match.group(0)
    return _time(hour, minute, second, "")


# An ordinal: "3. Liga", "am 3. Oktober" (dates are read before), "im 20. Jahrhundert". A
# period after a number inside a sentence (the sentence splitter keeps "3. Liga" together)
# and before a word marks an ordinal; a number ending the sentence keeps its full stop.
_ORDINAL = (r"(?:(?P<before>\b[A-Za-zäöüÄÖÜß]+)\s)?(?<![\w.,])(?P<num>\d{1,4})"
            r"(?:\.(?=\s+[\wÄÖÜäöü])|(?P<ending>te[nmrs]?)\b)")


def _ordinal(match: re.Match[str]) -> str:
    before = match["before"] or ""
    stem = _ordinal_stem(int(match["num"]))
    if match["ending"]:  # "121tem": the ending written out says the case
        spoken = stem + match["ending"][2:]
        return f"{before} {spoken}" if before else spoken
    lower = before.lower()
    # "im zwanzigsten Jahrhundert"; else "die dritte Liga": the form that fits most nouns.
    spoken = stem + "n" if lower in _DATIVE else stem
    return f"{before} {spoken}" if before else spoken


CONVENTIONS = Conventions(
    spelling=SPELLING,
    symbols={
        "€": Currency("Euro", "Euro", "Cent", "Cent"),
        "$": Currency("Dollar", "Dollar", "Cent", "Cent"),
        "US$": Currency("US-Dollar", "US-Dollar", "Cent", "Cent"),
        "£": Currency("Pfund", "Pfund", "Penny", "Pence"),
        "¥": Currency("Yen", "Yen"),
    },
    scales={
        "Tsd.": "Tausend", "Mio.": "Millionen", "Mrd.": "Milliarden", "Bio.": "Billionen",
        "Million": "Million", "Millionen": "Millionen", "Milliarde": "Milliarde",
        "Milliarden": "Milliarden", "Billion": "Billion", "Billionen": "Billionen",
        "million": "Million", "millionen": "Millionen", "milliarden": "Milliarden",
    },
    date=_date,
    month_year=_month_year,
    time=None,
    ordinal_pattern=_ORDINAL,
    ordinal=_ordinal,
    abbreviations={
        "z. B.": "zum Beispiel", "z.B.": "zum Beispiel", "d. h.": "das heißt",
        "d.h.": "das heißt", "u. a.": "unter anderem", "u.a.": "unter anderem",
        "usw.": "und so weiter", "bzw.": "beziehungsweise", "ca.": "circa", "Nr.": "Nummer",
        "Dr.": "Doktor", "Prof.": "Professor", "Hr.": "Herr", "Fr.": "Frau", "St.": "Sankt",
        "Jh.": "Jahrhundert", "v. Chr.": "vor Christus", "n. Chr.": "nach Christus",
        "Str.": "Straße", "evtl.": "eventuell", "inkl.": "inklusive", "vgl.": "vergleiche",
        "EU": "E U", "USA": "U S A", "BRD": "B R D", "CDU": "C D U", "SPD": "S P D",
        "AfD": "A f D", "FDP": "F D P",
    },
    symbol_words={"&": "und", "+": "plus", "=": "gleich", "§": "Paragraf"},
    per_word="pro",
    one_before_noun=_one_before_noun,
    scale_feminine=True,
    noun_pattern=r"[A-ZÄÖÜ][a-zäöüß]+",  # German nouns are capitalised
    year_after=r"(?:Jahr|Jahre|Jahres|seit|bis|Ende|Anfang|Mitte|Sommer|Herbst|Winter|"
               r"Frühjahr|Frühling)",
)

_TIME_RE = re.compile(_TIME)


def expand_times(text: str) -> str:
    """ "08:00 Uhr" -> "acht Uhr", "11:30" -> "elf Uhr dreißig", "2.30 Uhr"."""
    return _TIME_RE.sub(_timed, text)



def _rules() -> tuple[common.Rule, ...]:
    built = build(CONVENTIONS)
    # Times go before units ("9 h 30" is a time, not nine hours and a number) and plain
    # numbers.
    return (*built[:2], expand_times, *built[2:])


RULES = _rules()
