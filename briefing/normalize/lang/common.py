"""What every language's rules share: numbers in words, the locale's separators, month and
currency names, units, all from maintained data.

Number words come from num2words; month and day names, number separators and unit names come
from the CLDR through Babel. A language module (`de`, `fr`, `es`) adds only what no library
holds: the word for the decimal separator, how a newsreader of that language reads a date, a
time or an amount of money, and its common abbreviations. Any other language gets the generic
rules built here (`generic_rules`), with the numbers read by num2words when it knows the
language.

Every rule is a precompiled regex substitution anchored by look-behinds, as in the English
rules, so that it runs in linear time and never restarts inside a run of digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from types import MappingProxyType
from typing import Final

from babel import Locale, UnknownLocaleError
from babel.dates import get_day_names, get_month_names
from babel.numbers import get_decimal_symbol, get_group_symbol
from babel.units import format_unit
from num2words import CONVERTER_CLASSES, num2words

Rule = Callable[[str], str]

# Longer digit strings are identifiers, not quantities: read digit by digit (as in English).
MAX_CARDINAL_DIGITS = 15
MAX_GROUPED_DIGITS = 30

# Written unit symbols -> CLDR unit ids, whose names Babel gives in every language (with the
# language's plural). The symbols are international (SI and common news units).
UNIT_IDS: Final = MappingProxyType(
    {
        "km/h": "speed-kilometer-per-hour",
        "kph": "speed-kilometer-per-hour",
        "mph": "speed-mile-per-hour",
        "m/s": "speed-meter-per-second",
        "km²": "area-square-kilometer",
        "km2": "area-square-kilometer",
        "m²": "area-square-meter",
        "m2": "area-square-meter",
        "cm²": "area-square-centimeter",
        "m³": "volume-cubic-meter",
        "m3": "volume-cubic-meter",
        "cm³": "volume-cubic-centimeter",
        "km": "length-kilometer",
        "cm": "length-centimeter",
        "mm": "length-millimeter",
        "μm": "length-micrometer",
        "µm": "length-micrometer",
        "nm": "length-nanometer",
        "m": "length-meter",
        "mi": "length-mile",
        "ft": "length-foot",
        "kg": "mass-kilogram",
        "mg": "mass-milligram",
        "g": "mass-gram",
        "t": "mass-tonne",
        "lb": "mass-pound",
        "l": "volume-liter",
        "L": "volume-liter",
        "ml": "volume-milliliter",
        "hl": "volume-hectoliter",
        "kWh": "energy-kilowatt-hour",
        "kwh": "energy-kilowatt-hour",
        "MW": "power-megawatt",
        "GW": "power-gigawatt",
        "kW": "power-kilowatt",
        "W": "power-watt",
        "mV": "electric-volt",  # see _UNIT_PREFIX: milli + volt
        "mv": "electric-volt",
        "V": "electric-volt",
        "h": "duration-hour",
        "min": "duration-minute",
        "s": "duration-second",
        "ms": "duration-millisecond",
        "°C": "temperature-celsius",
        "° C": "temperature-celsius",
        "°F": "temperature-fahrenheit",
        "GB": "digital-gigabyte",
        "MB": "digital-megabyte",
        "ha": "area-hectare",
    }
)
# Units CLDR names only without the prefix: the prefix word is added in front.
_UNIT_PREFIX: Final = MappingProxyType({"mV": "milli", "mv": "milli"})


@dataclass(frozen=True)
class Spelling:
    """How numbers are written and read in one language."""

    code: str
    """ISO 639-1 code ("de")."""
    decimal_word: str
    """The word for the decimal separator ("Komma", "virgule", "coma")."""
    fraction_in_pairs: bool
    """Read long decimal parts two digits at a time ("vingt-quatre virgule treize treize"),
    as French and Spanish newsreaders do; else digit by digit, as German ones do."""
    percent_word: str
    """The word for "%"."""


@cache
def speaks_numbers(language: str) -> bool:
    """Whether num2words reads numbers in `language`."""
    return language in CONVERTER_CLASSES


@cache
def locale(language: str) -> Locale | None:
    """The CLDR locale of `language`, or None when the CLDR does not know it."""
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


@cache
def separators(language: str) -> tuple[str, str]:
    """(decimal, group) separators of `language` per the CLDR; a space-like group separator
    is returned as " " (the character preparation has turned every such space into one)."""
    found = locale(language)
    if found is None:
        return ".", ","
    decimal = get_decimal_symbol(found)
    group = get_group_symbol(found)
    return decimal, " " if group.isspace() else group


def number_pattern(language: str) -> str:
    """A regex for a written number in `language`: digits grouped by the locale's group
    separator (or a space, which every one of these locales also uses) with an optional
    decimal part; or plain digits with one. Used behind look-behinds only."""
    decimal, group = separators(language)
    group_chars = {group, " "}
    point = ""
    if decimal == ",":
        # "12.000" is twelve thousand wherever the comma is the decimal separator, and
        # "5.50" (not three digits after the point) is an amount written the English way.
        group_chars.add(".")
        point = r"|\d+\.\d{1,2}(?!\d)"
    groups = "".join(re.escape(char) for char in sorted(group_chars))
    return (rf"(?:\d{{1,3}}(?:[{groups}]\d{{3}})+(?:{re.escape(decimal)}\d+)?"
            rf"{point}|\d+(?:{re.escape(decimal)}\d+)?)")


@lru_cache(maxsize=4096)
def cardinal(value: int, language: str) -> str:
    """42 in words; too long a number is read digit by digit."""
    if len(str(abs(value))) > MAX_CARDINAL_DIGITS:
        sign = cardinal(-1, language).split()[0] + " " if value < 0 else ""
        return sign + digits(str(abs(value)), language)
    return str(num2words(value, lang=language))


@lru_cache(maxsize=4096)
def ordinal(value: int, language: str) -> str:
    """21 -> "twenty-first" in the language (num2words' form: masculine, nominative)."""
    return str(num2words(value, lang=language, to="ordinal"))


@lru_cache(maxsize=256)
def year(value: int, language: str) -> str:
    """A year as the language says it (German "neunzehnhundertneunzig"; French and Spanish
    read years as cardinals)."""
    try:
        return str(num2words(value, lang=language, to="year"))
    except (NotImplementedError, TypeError):
        return cardinal(value, language)


def digits(text: str, language: str) -> str:
    """ "007" -> each digit's word."""
    return " ".join(cardinal(int(ch), language) for ch in text if ch.isdigit())


def _pairs(fraction: str, language: str) -> str:
    words = []
    for start in range(0, len(fraction), 2):
        pair = fraction[start:start + 2]
        if pair.startswith("0") or len(pair) == 1:
            words.append(digits(pair, language))
        else:
            words.append(cardinal(int(pair), language))
    return " ".join(words)


def fraction_words(fraction: str, spelling: Spelling) -> str:
    """The part after the decimal separator, as the language's newsreaders read it."""
    language = spelling.code
    if not spelling.fraction_in_pairs:
        return digits(fraction, language)
    zeros = len(fraction) - len(fraction.lstrip("0"))
    rest = fraction[zeros:]
    if not rest:
        return digits(fraction, language)
    if len(fraction) <= 3:
        return " ".join(filter(None, (digits("0" * zeros, language),
                                      cardinal(int(rest), language))))
    return _pairs(fraction, language)


def parse_number(token: str, language: str) -> tuple[int, str] | None:
    """ "12.000" -> (12000, ""), "3,5" -> (3, "5") in a comma-decimal language; None when
    the token is not a number written that way."""
    decimal, group = separators(language)
    if decimal == "," and "," not in token and re.fullmatch(r"\d+\.\d{1,2}", token):
        decimal = "."  # "5.50", written the English way (see number_pattern)
    whole, _, fraction = token.partition(decimal)
    whole = whole.replace(group, "").replace(" ", "").replace(".", "")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        return None
    return int(whole), fraction


def number_words(token: str, spelling: Spelling, negative: bool = False) -> str:
    """Read one written number ("12.000", "3,5", "-0,25", "007") in the language."""
    language = spelling.code
    parsed = parse_number(token, language)
    if parsed is None:
        return token
    whole, fraction = parsed
    written_whole = re.split(r"[,.](?=\d{1,2}$)|,", token)[0] if fraction else token
    if len(written_whole) > 1 and written_whole.startswith("0"):
        spoken = digits(written_whole, language)
    else:
        grouped = not written_whole.isdigit()
        limit = MAX_GROUPED_DIGITS if grouped else MAX_CARDINAL_DIGITS
        spoken = (cardinal(whole, language) if len(str(whole)) <= limit
                  else digits(str(whole), language))
    if fraction:
        spoken = f"{spoken} {spelling.decimal_word} {fraction_words(fraction, spelling)}"
    if negative:
        spoken = f"{minus_word(language)} {spoken}"
    return spoken


@cache
def minus_word(language: str) -> str:
    """The language's "minus", as num2words writes it."""
    return str(num2words(-1, lang=language)).rsplit(" ", 1)[0]


# --------------------------------------------------------------------------- CLDR names

@cache
def month_names(language: str) -> dict[str, int]:
    """Every spelling of a month the CLDR gives (wide, abbreviated, with or without the
    period; and the first three or four letters of the wide name, which newspapers use),
    lower-cased, to its number."""
    found = locale(language)
    if found is None:
        return {}
    names: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for context in ("format", "stand-alone"):
            for number, name in get_month_names(width, context, found).items():
                name = name.lower().rstrip(".")
                names.setdefault(name, number)
                if width == "wide":
                    for size in (3, 4):
                        if len(name) > size:
                            names.setdefault(name[:size], number)
    return names


@cache
def month_name(number: int, language: str) -> str:
    """The month's full name, in the case the language writes it in a date."""
    found = locale(language)
    return get_month_names("wide", "format", found)[number] if found else str(number)


@cache
def weekday_names(language: str) -> dict[str, str]:
    """Abbreviated weekday (lower case, no period) -> full name."""
    found = locale(language)
    if found is None:
        return {}
    wide = get_day_names("wide", "format", found)
    names = {}
    for width in ("abbreviated", "short"):
        for number, name in get_day_names(width, "format", found).items():
            names[name.lower().rstrip(".")] = wide[number]
    return names


@cache
def currency_codes() -> frozenset[str]:
    """Every ISO 4217 code the CLDR names."""
    from babel.numbers import list_currencies

    return frozenset(list_currencies())


def alternation(words: list[str] | set[str] | dict[str, object]) -> str:
    """A regex alternation of `words`, longest first, escaped."""
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


@lru_cache(maxsize=1024)
def unit_name(unit: str, count: float, language: str) -> str | None:
    """The CLDR's long name of a unit symbol for `count` of it ("km", 2, "de" ->
    "Kilometer"), or None when the CLDR has no name for it in that language."""
    unit_id = UNIT_IDS.get(unit)
    found = locale(language)
    if unit_id is None or found is None:
        return None
    try:
        formatted = format_unit(count, unit_id, length="long", locale=found)
    except Exception:  # Babel raises UnknownUnitError and others for units a locale lacks
        return None
    name = re.sub(r"[\d\s.,\u202f\u00a0-]*\d[\d\s.,\u202f\u00a0]*", " ", formatted).strip()
    prefix = _UNIT_PREFIX.get(unit, "")
    return f"{prefix}{name.lower() if prefix else name}" if name else None


def unit_alternation() -> str:
    return alternation(list(UNIT_IDS))


# --------------------------------------------------------------------------- generic rules

def generic_rules(language: str, spelling: Spelling | None) -> tuple[Rule, ...]:
    """Rules for a language without rules of its own: percentages and units by the CLDR,
    numbers by num2words (when it knows the language; otherwise digits are left for the
    engine, which reads them in the voice's language)."""
    if spelling is None or not speaks_numbers(language):
        return ()
    number = number_pattern(language)
    units = unit_alternation()
    measure = re.compile(
        rf"(?<![\w.,])(?P<minus>[-−])?(?P<num>{number})\s?(?P<unit>{units}|%)(?![\w/])")
    plain = re.compile(rf"(?<![\w.,])(?P<minus>[-−](?=\d))?(?P<num>{number})(?![\w])")

    def read_measure(match: re.Match[str]) -> str:
        spoken = number_words(match["num"], spelling, bool(match["minus"]))
        if match["unit"] == "%":
            return f"{spoken} {spelling.percent_word}"
        parsed = parse_number(match["num"], language)
        count = 1 if parsed == (1, "") else 2
        name = unit_name(match["unit"], count, language)
        return f"{spoken} {name}" if name else f"{spoken} {match['unit']}"

    def read_measures(text: str) -> str:
        return measure.sub(read_measure, text)

    def read_numbers(text: str) -> str:
        return plain.sub(lambda m: number_words(m["num"], spelling, bool(m["minus"])), text)

    return (read_measures, read_numbers)


@cache
def generic_spelling(language: str) -> Spelling | None:
    """The spelling of numbers for a language without rules of its own: num2words' own word
    for the decimal point, the CLDR's percent unit name."""
    if not speaks_numbers(language):
        return None
    decimal_word = str(num2words(1.5, lang=language)).split()
    middle = decimal_word[1] if len(decimal_word) == 3 else "."
    percent = unit_name_percent(language)
    return Spelling(language, middle, True, percent or "%")


@cache
def unit_name_percent(language: str) -> str | None:
    found = locale(language)
    if found is None:
        return None
    try:
        formatted = format_unit(2, "concentr-percent", length="long", locale=found)
    except Exception:
        return None
    return re.sub(r"[\d\s.,\u202f\u00a0]+", " ", formatted).strip() or None
