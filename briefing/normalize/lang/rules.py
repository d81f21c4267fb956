"""The rules for a language with conventions of its own (German, French, Spanish), built from
its `Conventions`: one rule engine, three tables of what differs.

Order, most specific first, as in the English rules: abbreviations that carry a number's scale
("Mio.", "Mrd."), money, percentages and units, dates, times, ordinals, the remaining
abbreviations, numbers, symbols. Each rule consumes what it reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from babel.numbers import get_currency_name

from briefing.normalize.lang import common
from briefing.normalize.lang.common import Rule, Spelling


@dataclass(frozen=True)
class Currency:
    """How a currency is said: its unit and minor unit, singular and plural."""

    one: str
    """The unit, singular ("Euro", "dólar")."""
    many: str
    """The unit, plural ("Euro", "dólares")."""
    minor_one: str | None = None
    """The minor unit, singular ("Cent"); None when it is not named (yen)."""
    minor_many: str | None = None
    """The minor unit, plural."""
    feminine: bool = False
    """Whether "one" agrees in the feminine ("una libra", "une livre")."""


@dataclass(frozen=True)
class Conventions:
    """What a language does its own way; everything else comes from num2words and the CLDR."""

    spelling: Spelling
    """Number words and separators."""
    symbols: Mapping[str, Currency]
    """Currency symbols ("€", "$", "£") -> how that language's newsreaders name them: the
    generic unit ("Dollar"), where the CLDR's names are of a country's currency ("US-Dollar"),
    which is what an ISO code ("USD") is read as."""
    scales: Mapping[str, str]
    """Scale words and their abbreviations after an amount ("Mio." -> "Millionen")."""
    currency_joiner: Callable[[str], str] = lambda currency: " "
    """What joins a scale word to the currency's name: " " in German, " de " in Spanish
    ("dos millones de euros"), " d'" before a vowel or " de " in French."""
    date: Callable[[int, int, str | None, str], str] | None = None
    """(day, month, year or None, what precedes) -> the spoken date."""
    month_year: Callable[[int, str], str] | None = None
    """(month, year) -> "März zweitausenddrei"."""
    time: Callable[[int, int, int | None, str], str] | None = None
    """(hour, minute, second or None, suffix as written) -> the spoken time."""
    time_pattern: str = ""
    """A regex with groups hour, minute (optional), second (optional), suffix: a time."""
    ordinal_pattern: str = ""
    """A regex with group num (and optional groups before, mark): a written ordinal."""
    ordinal: Callable[[re.Match[str]], str] | None = None
    """Reads a match of `ordinal_pattern`."""
    abbreviations: Mapping[str, str] = field(default_factory=dict)
    """Written abbreviation (with its periods) -> spoken words; matched as whole words."""
    symbol_words: Mapping[str, str] = field(default_factory=dict)
    """"&", "+", "=" ... -> words."""
    per_word: str = "/"
    """The word for "/" between an amount and a unit ("pro", "par", "por")."""
    one_before_noun: Callable[[str, bool], str] = lambda words, feminine: words
    """Turns a number's words into the form used before a noun ("eins" -> "ein")."""
    year_after: str = ""
    """A regex of the words after which a four-digit number is a year."""
    scale_feminine: bool = False
    """Whether the scale words are feminine ("eine Million")."""
    feminine_noun: Callable[[str], bool] = lambda name: False
    """Whether a unit's or currency's CLDR name is feminine (Spanish: "una hora")."""
    noun_pattern: str = ""
    """A regex for a word that a whole number before it counts, so that the number takes the
    form it has before a noun ("1 Prozent" -> "ein Prozent", "1 libra" -> "una libra")."""


def _currency_alt(conventions: Conventions) -> str:
    return common.alternation(list(conventions.symbols))


def _iso_currency(code: str, conventions: Conventions) -> Currency:
    """An ISO 4217 code's names in the language, from the CLDR."""
    loc = common.locale(conventions.spelling.code)
    code = code.upper()
    one = get_currency_name(code, 1, loc) if loc else code
    many = get_currency_name(code, 2, loc) if loc else code
    return Currency(one, many, feminine=conventions.feminine_noun(one))


def build(conventions: Conventions) -> tuple[Rule, ...]:
    """The language's rules, in order."""
    spelling = conventions.spelling
    language = spelling.code
    number = common.number_pattern(language)
    symbols = _currency_alt(conventions)
    codes = common.alternation(list(common.currency_codes()))
    scale_alt = common.alternation(list(conventions.scales))
    units = common.unit_alternation()
    months = common.month_names(language)
    month_alt = common.alternation(list(months))

    def say_number(token: str, negative: bool = False) -> str:
        return common.number_words(token, spelling, negative)

    def counted(token: str, feminine: bool) -> str:
        """A whole amount before its noun ("ein Euro", "una libra")."""
        return conventions.one_before_noun(say_number(token), feminine)

    # ---------------------------------------------------------------- money
    # ISO codes in capitals ("CHF 10", "5 USD"); in lower case only glued to the amount
    # ("13hkd"), since "dem", "sur" or "all" before or after a number are words, not codes.
    money_before = re.compile(
        rf"(?<![\w.,])(?P<cur>{symbols}|(?:{codes})(?=\s?\d)|(?i:{codes})(?=\d))\s?"
        rf"(?P<minus>-)?(?P<num>{number})"
        rf"(?:\s(?P<scale>{scale_alt})(?![\w]))?(?![\w])")
    money_after = re.compile(
        rf"(?<![\w.,])(?P<minus>-)?(?P<num>{number})(?:\s(?P<scale>{scale_alt}))?"
        rf"(?:\s?(?P<cur>{symbols}|(?:{codes})(?![\w]))|(?P<glued>(?i:{codes}))(?![\w]))")

    def currency_of(written: str) -> Currency:
        return (conventions.symbols[written] if written in conventions.symbols
                else _iso_currency(written, conventions))

    def money(match: re.Match[str]) -> str:
        currency = currency_of(match.groupdict().get("glued") or match["cur"])
        token, scale = match["num"], match["scale"]
        negative = bool(match["minus"])
        sign = common.minus_word(language) + " " if negative else ""
        parsed = common.parse_number(token, language)
        if parsed is None:
            return match.group(0)
        whole, fraction = parsed
        if scale:
            scale_word = conventions.scales[scale]
            amount = say_number(token)
            if not fraction:  # "eine Million", but "zwei Komma null eins Millionen"
                amount = conventions.one_before_noun(amount, conventions.scale_feminine)
            return (f"{sign}{amount} {scale_word}"
                    f"{conventions.currency_joiner(currency.many)}{currency.many}")
        fraction = fraction.rstrip("0") if len(fraction) > 2 else fraction
        if len(fraction) > 2 or (fraction and currency.minor_one is None):
            amount = (f"{common.cardinal(whole, language)} {spelling.decimal_word} "
                      f"{common.fraction_words(fraction, spelling)}")
            return f"{sign}{amount} {currency.many}"
        cents = int(fraction.ljust(2, "0")) if fraction else 0
        parts = []
        if whole or not cents:
            unit = currency.one if whole == 1 else currency.many
            parts.append(f"{counted(str(whole), currency.feminine)} {unit}")
        if cents:
            minor = currency.minor_one if cents == 1 else currency.minor_many
            parts.append(f"{counted(str(cents), False)} {minor}")
        return sign + " ".join(parts)

    def expand_money(text: str) -> str:
        text = money_before.sub(money, text)
        return money_after.sub(money, text)

    # ---------------------------------------------------------------- scales
    scale_words = re.compile(
        rf"(?<![\w.,])(?P<minus>[-−])?(?P<num>{number})\s(?P<scale>{scale_alt})(?![\w])")

    def scaled(match: re.Match[str]) -> str:
        spoken = say_number(match["num"], bool(match["minus"]))
        parsed = common.parse_number(match["num"], language)
        if parsed is not None and not parsed[1]:  # "un millón", "tres mil un millones"
            spoken = conventions.one_before_noun(spoken, conventions.scale_feminine)
        return f"{spoken} {conventions.scales[match['scale']]}"

    def expand_scales(text: str) -> str:
        return scale_words.sub(scaled, text)

    # ---------------------------------------------------------------- percent, units
    measure = re.compile(
        rf"(?<![\w.,])(?P<minus>[-−])?(?P<num>{number})\s?(?P<per>/\s?)?"
        rf"(?P<unit>{units}|%)(?![\w/²³])")
    scaled_unit = re.compile(
        rf"(?<=\s)(?P<scale>{common.alternation(set(conventions.scales.values()))})\s"
        rf"(?P<unit>{units})(?![\w/²³])")
    per_unit = re.compile(rf"(?<=\s)/\s?(?P<unit>{units})(?![\w/²³])")

    def read_measure(match: re.Match[str]) -> str:
        spoken = say_number(match["num"], bool(match["minus"]))
        unit = match["unit"]
        if unit == "%":
            return f"{spoken} {spelling.percent_word}"
        one = common.parse_number(match["num"], language) == (1, "")
        if match["per"]:
            name = common.unit_name(unit, 1, language) or unit
            return f"{spoken} {conventions.per_word} {name}"
        name = common.unit_name(unit, 1 if one else 2, language) or unit
        if one:
            spoken = conventions.one_before_noun(spoken, conventions.feminine_noun(name))
        return f"{spoken} {name}"

    def expand_measures(text: str) -> str:
        text = measure.sub(read_measure, text)
        text = scaled_unit.sub(
            lambda m: f"{m['scale']} {common.unit_name(m['unit'], 2, language) or m['unit']}",
            text)
        return per_unit.sub(lambda m: f"{conventions.per_word} "
                                      f"{common.unit_name(m['unit'], 1, language) or m['unit']}",
                            text)

    # ---------------------------------------------------------------- dates
    lead = r"(?P<lead>\b\w+\s)?"
    numeric_date = re.compile(
        lead + r"(?<![\w.,/-])(?P<day>[0-3]?\d)(?P<sep>[./-])(?P<month>[01]?\d)(?P=sep)"
        r"(?P<year>\d{4}|\d{2})(?![\w.,/-]|\.\d)")
    short_numeric_date = re.compile(
        lead + r"(?<![\w.,/-])(?P<day>[0-3]?\d)\.(?P<month>[01]?\d)\.(?!\d)")
    iso_date = re.compile(
        r"(?<![\w.,/-])(?P<year>1\d{3}|20\d{2})-(?P<month>[01]?\d)(?:-(?P<day>[0-3]?\d))?"
        r"(?![\w.,/-])")
    named_date = re.compile(
        lead + rf"(?<![\w.,])(?P<day>[0-3]?\d)(?:\.|er|ᵉʳ|º|°)?\s(?:de\s)?"
        rf"(?P<month>{month_alt})\.?(?![\w])"
        rf"(?:,?\s(?:de\s|del\s)?(?P<year>\d{{4}})(?![\w]))?",
        re.IGNORECASE)
    month_first = re.compile(
        rf"(?<![\w.])(?P<month>{month_alt})\.?\s(?P<day>[0-3]?\d)(?:,?\s(?P<year>\d{{4}}))?"
        rf"(?![\w.,])", re.IGNORECASE)
    month_year = re.compile(
        rf"(?<![\w.])(?P<month>{month_alt})\.?\s(?:(?:de|del)\s)?(?P<year>\d{{4}})(?![\w])",
        re.IGNORECASE)

    def say_date(day: int, month: int, year: str | None, before: str) -> str | None:
        if not (1 <= month <= 12 and 1 <= day <= 31) or conventions.date is None:
            return None
        if year is not None and len(year) == 2:
            year = ("20" if int(year) < 50 else "19") + year
        return conventions.date(day, month, year, before)

    def dated(match: re.Match[str]) -> str:
        before = match.groupdict().get("lead") or ""
        month_text = match["month"]
        month = (int(month_text) if month_text.isdigit()
                 else months.get(month_text.lower().rstrip("."), 0))
        spoken = say_date(int(match["day"]), month, match["year"], before.strip().lower())
        if spoken is None:
            return match.group(0)
        return before + spoken

    def iso(match: re.Match[str]) -> str:
        month = int(match["month"])
        if match["day"] is None:
            if conventions.month_year is None or not 1 <= month <= 12:
                return match.group(0)
            return conventions.month_year(month, match["year"])
        return say_date(int(match["day"]), month, match["year"], "") or match.group(0)

    def said_month_year(match: re.Match[str]) -> str:
        month = months.get(match["month"].lower().rstrip("."), 0)
        if conventions.month_year is None or not month:
            return match.group(0)
        return conventions.month_year(month, match["year"])

    def expand_dates(text: str) -> str:
        text = iso_date.sub(iso, text)
        text = numeric_date.sub(dated, text)
        text = named_date.sub(dated, text)
        text = month_first.sub(dated, text)
        text = month_year.sub(said_month_year, text)
        return short_numeric_date.sub(dated, text)

    # ---------------------------------------------------------------- times
    time_re = re.compile(conventions.time_pattern) if conventions.time_pattern else None

    def timed(match: re.Match[str]) -> str:
        assert conventions.time is not None
        hour = int(match["hour"])
        minute = int(match["minute"]) if match["minute"] else 0
        second = int(match["second"]) if match.groupdict().get("second") else None
        if hour > 24 or minute > 59 or (second or 0) > 59:
            return match.group(0)
        return conventions.time(hour, minute, second, match["suffix"] or "")

    def expand_times(text: str) -> str:
        return time_re.sub(timed, text) if time_re else text

    # ---------------------------------------------------------------- ordinals
    ordinal_re = re.compile(conventions.ordinal_pattern) if conventions.ordinal_pattern else None
    read_ordinal = conventions.ordinal

    def expand_ordinals(text: str) -> str:
        if ordinal_re is None or read_ordinal is None:
            return text
        return ordinal_re.sub(read_ordinal, text)

    # ---------------------------------------------------------------- abbreviations
    abbreviation_re = (re.compile(
        rf"(?<![\w.])(?:{common.alternation(list(conventions.abbreviations))})(?![\w])")
        if conventions.abbreviations else None)

    def expand_abbreviations(text: str) -> str:
        if abbreviation_re is None:
            return text
        return abbreviation_re.sub(lambda m: conventions.abbreviations[m.group(0)], text)

    # ---------------------------------------------------------------- numbers
    year_re = (re.compile(rf"(?P<lead>\b{conventions.year_after}\s)(?P<year>1[1-9]\d\d|20\d\d)"
                          r"(?![\w.,]\d|\w)", re.IGNORECASE)
               if conventions.year_after else None)
    plain = re.compile(rf"(?<![\w.,])(?P<minus>[-−](?=\d))?(?P<num>{number})(?![\w])")
    counting = (re.compile(rf"(?<![\w.,])(?<!\d )(?P<num>{number}) "
                           rf"(?=(?P<noun>{conventions.noun_pattern}))")
                if conventions.noun_pattern else None)

    def counted_noun(match: re.Match[str]) -> str:
        words = say_number(match["num"])
        return conventions.one_before_noun(words, conventions.feminine_noun(match["noun"])) + " "

    def expand_numbers(text: str) -> str:
        if year_re is not None:
            text = year_re.sub(
                lambda m: m["lead"] + common.year(int(m["year"]), language), text)
        if counting is not None:
            text = counting.sub(counted_noun, text)
        return plain.sub(lambda m: say_number(m["num"], bool(m["minus"])), text)

    # ---------------------------------------------------------------- symbols
    symbol_re = (re.compile(rf"\s*(?:{common.alternation(list(conventions.symbol_words))})\s*")
                 if conventions.symbol_words else None)

    def expand_symbols(text: str) -> str:
        if symbol_re is None:
            return text
        return symbol_re.sub(lambda m: f" {conventions.symbol_words[m.group(0).strip()]} ",
                             text)

    return (expand_money, expand_scales, expand_measures, expand_dates, expand_times,
            expand_ordinals, expand_abbreviations, expand_numbers, expand_symbols)
