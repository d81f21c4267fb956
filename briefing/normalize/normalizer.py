"""Text normalization: turn one sentence of written news text into words a voice can read.

The design follows gTTS's pre-processors: an ordered tuple of small, named ``str -> str``
rules, each testable alone, with the word tables in `briefing.normalize.tables`. Order matters
and is part of the design:

1. ``PREPARE`` maps typography to plain characters and drops control characters.
2. The user lexicon (if any) replaces its words; the replacements are shielded from the
   built-in rules by one-character placeholders, so the lexicon always wins.
3. ``RULES`` run from the most specific pattern to the most general one: URLs and e-mail
   addresses, markup, phone numbers, money, percentages, units, dates, times, abbreviations,
   numbers and finally symbols. A rule consumes what it reads (a "$" or a "km" becomes words),
   so later, more general rules cannot misread it.
4. ``FINISH`` drops what cannot be read (emoji, stray symbols, ``<``, ``>``, brackets) and
   tidies spaces and punctuation.

Documented drops (the only places an input word may disappear): URLs and e-mail addresses
when ``drop_urls`` is set, and emoji or other symbols that have no spoken form.

Every rule is a precompiled regex substitution whose pattern is anchored by look-behinds so
that it cannot restart inside a run of digits or letters; all run in linear time, so a
200,000-character line is normalized in a fraction of a second. `normalize` never raises.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from num2words import num2words

from briefing.normalize import tables
from briefing.normalize.lexicon import Lexicon
from briefing.read.sentences import SENTENCE_STARTERS

Rule = Callable[[str], str]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class NormalizeOptions:
    """How to normalize. The defaults suit reading a news article aloud."""

    lexicon: Lexicon | None = None  # user pronunciation lexicon, applied first, whole words
    drop_urls: bool = False  # read URLs/e-mails compactly by default, drop with this


# --------------------------------------------------------------------------- number words

# Longer digit strings are identifiers (accounts, serials), not quantities: read digit by digit.
_MAX_CARDINAL_DIGITS = 15
# With thousands separators the writer says it is a quantity, however long (num2words reads up
# to the nonillions).
_MAX_GROUPED_DIGITS = 30
_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_AND = re.compile(r",| and(?= )")


def _american(words: str) -> str:
    # num2words writes British "one hundred and five" and commas between groups; American
    # newsreaders say "one hundred five", and the commas would make eSpeak pause mid-number.
    return _AND.sub("", words)


def digits_words(digits: str) -> str:
    """ "1203" -> "one two zero three" (anything that is not a digit is skipped)."""
    return " ".join(_DIGIT_NAMES[int(ch)] for ch in digits if ch.isdigit())


@lru_cache(maxsize=4096)
def cardinal_words(value: int, max_digits: int = _MAX_CARDINAL_DIGITS) -> str:
    """42 -> "forty-two"; numbers too long to be quantities are read digit by digit."""
    if len(str(abs(value))) > max_digits:
        sign = "minus " if value < 0 else ""
        return sign + digits_words(str(abs(value)))
    return _american(num2words(value))


@lru_cache(maxsize=4096)
def ordinal_words(value: int) -> str:
    """21 -> "twenty-first"."""
    if len(str(value)) > _MAX_CARDINAL_DIGITS:
        return digits_words(str(value))
    return _american(num2words(value, to="ordinal"))


@lru_cache(maxsize=1024)
def year_words(value: int) -> str:
    """2024 -> "twenty twenty-four", 2008 -> "two thousand eight", 1506 -> "fifteen oh-six"."""
    return _american(num2words(value, to="year"))


def decade_words(year: int) -> str:
    """1990 -> "nineteen nineties", 2000 -> "two thousands"."""
    words = year_words(year)
    return words[:-1] + "ies" if words.endswith("y") else words + "s"


def two_digit_year_words(digits: str) -> str:
    """ "98" -> "ninety-eight", "05" -> "oh five": how a newsreader says a clipped year."""
    if digits.startswith("0"):
        return "oh " + _DIGIT_NAMES[int(digits[1])]
    return cardinal_words(int(digits))


def number_words(token: str) -> str:
    """Read one written number: "1,200", "-0.25", ".5", "004", "−3"."""
    sign = ""
    if token[:1] in ("-", tables.MINUS_SIGN):
        sign, token = "minus ", token[1:]
    whole, _, fraction = token.replace(",", "").partition(".")
    if not whole:
        spoken = ""
    elif len(whole) > 1 and whole.startswith("0"):
        spoken = digits_words(whole)  # "004", "007": a code, not a quantity
    else:
        limit = _MAX_GROUPED_DIGITS if "," in token else _MAX_CARDINAL_DIGITS
        spoken = cardinal_words(int(whole), limit)
    if fraction:
        spoken = f"{spoken} point {digits_words(fraction)}".strip()
    return sign + spoken


def number_or_year_words(token: str) -> str:
    """Like `number_words`, but a plain four-digit number in 1100-2099 is read as a year."""
    if _YEAR_TOKEN.fullmatch(token):
        return year_words(int(token))
    return number_words(token)


def _is_one(token: str) -> bool:
    return token.lstrip("-" + tables.MINUS_SIGN) in ("1", "1.0") and "." not in token


# A written number: digits with correct thousands separators, an optional decimal part; or a
# bare decimal part (".25"). Used inside larger patterns, always behind a look-behind.
_NUM = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
_YEAR_TOKEN = re.compile(r"1[1-9]\d\d|20\d\d")


def _keep_period_at_end(match: re.Match[str]) -> str:
    # An abbreviation's period also ends the sentence when nothing follows it.
    rest = match.string[match.end() :]
    return "." if match.group(0).endswith(".") and not rest.strip() else ""


# --------------------------------------------------------------------------- preparation

_CHARACTER_TABLE = str.maketrans(dict(tables.CHARACTER_MAP))
# C0/C1 controls other than white space, lone surrogates, private-use characters (reserved for
# lexicon placeholders) and non-characters.
_CONTROL = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ue000-\uf8ff\ufffe\uffff]"
)
_WHITESPACE = re.compile(r"\s+")


def normalize_characters(text: str) -> str:
    """Curly quotes, exotic spaces and dashes to plain ones; control characters dropped."""
    text = _CONTROL.sub("", text)
    return _WHITESPACE.sub(" ", text.translate(_CHARACTER_TABLE))


# --------------------------------------------------------------------------- URLs, e-mail

_TLDS = (
    "com|org|net|gov|edu|mil|int|info|biz|news|io|ai|co|uk|us|eu|de|fr|ua|ru|ca|au|jp|cn|kr"
    "|in|nz|ie|ch|nl|se|no|pl|es|be|tv|ly|gg|dev|app|online|site"
)
_TOKEN = re.compile(r"\S+")
_TOKEN_EDGES = re.compile(r"^([(\[{<\"']*)(.*?)([)\]}>\"'.,;:!?]*)$", re.DOTALL)
_EMAIL = re.compile(r"(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?:/\S*)?", re.IGNORECASE)
_URL = re.compile(
    rf"(?:(?:https?|ftp|file)://\S+|www\.\S+|(?:[\w-]+\.)+(?:{_TLDS})(?::\d+)?(?:/\S*)?)",
    re.IGNORECASE,
)
_URL_PREFIX = re.compile(r"^(?:(?:https?|ftp)://)?(?:www\.)?", re.IGNORECASE)
_URL_QUERY = re.compile(r"[?#].*$")
_URL_PIECE = re.compile(r"\d+|[^\W\d_]+|.", re.DOTALL)
_URL_SYMBOLS = {
    ".": "dot",
    "/": "slash",
    "@": "at",
    "-": "dash",
    "_": "underscore",
    ":": "colon",
    "~": "tilde",
    "+": "plus",
    "=": "equals",
    "&": "and",
    "%": "percent",
}


def _spell_address(address: str) -> str:
    # Compact reading: no scheme, no "www", no query string; digits one by one, as people
    # read them from an address.
    is_email = "@" in address and "://" not in address
    if not is_email:
        address = _URL_QUERY.sub("", _URL_PREFIX.sub("", address)).rstrip("/")
    address = address.removeprefix("mailto:")
    words: list[str] = []
    for piece in _URL_PIECE.findall(address):
        if piece.isdigit():
            words.append(digits_words(piece))
        elif piece.isalpha():
            words.append(piece)
        elif piece in _URL_SYMBOLS:
            words.append(_URL_SYMBOLS[piece])
    return " ".join(words)


def _address_rule(drop: bool) -> Rule:
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if "." not in token and "@" not in token:
            return token  # the cheap test keeps long ordinary text fast
        edges = _TOKEN_EDGES.match(token)
        if edges is None:
            return token
        lead, core, trail = edges.groups()
        if not (_EMAIL.fullmatch(core) or _URL.fullmatch(core)):
            return token
        if drop:
            return f"{lead}{trail}"
        return f"{lead}{_spell_address(core)}{trail}"

    def rule(text: str) -> str:
        return _TOKEN.sub(replace, text)

    return rule


read_urls: Rule = _address_rule(drop=False)
read_urls.__name__ = read_urls.__qualname__ = "read_urls"
read_urls.__doc__ = '"example.gov/budget" -> "example dot gov slash budget"; e-mail likewise.'
drop_urls: Rule = _address_rule(drop=True)
drop_urls.__name__ = drop_urls.__qualname__ = "drop_urls"
drop_urls.__doc__ = "URLs and e-mail addresses removed (the `drop_urls` option)."


# --------------------------------------------------------------------------- markup

_LESS_THAN = re.compile(r"(?<=[\w)])\s*<\s*(?=[-−\d(])|(?<=\s)<(?=\s)")
_GREATER_THAN = re.compile(r"(?<=[\w)])\s*>\s*(?=[-−\d(])|(?<=\s)>(?=\s)")
_MARKUP_CHARS = re.compile(r"[<>\[\]{}\\|^`]+")


def read_markup_literally(text: str) -> str:
    """ "<speak>" -> "speak", "[[a b]]" -> "a b"; "x < 5" -> "x less than 5".

    The speech engine must never see something it could take as markup or phonemes, so the
    brackets go; the words inside them stay.
    """
    text = _LESS_THAN.sub(" less than ", text)
    text = _GREATER_THAN.sub(" greater than ", text)
    return _MARKUP_CHARS.sub(" ", text)


# --------------------------------------------------------------------------- phone numbers

_PHONE = re.compile(
    r"(?<![\w+.-])(?:(\+?1)[\s.-]?)?(?:\((\d{3})\)|(\d{3}))[\s.-]?(\d{3})[.-](\d{4})(?![\w-]|\.\d)"
)


def expand_phone_numbers(text: str) -> str:
    """ "+1 (555) 123-4567" -> "plus one, five five five, one two three, four five six seven"."""

    def replace(match: re.Match[str]) -> str:
        country, area_paren, area, exchange, line = match.groups()
        groups = [digits_words(area_paren or area), digits_words(exchange), digits_words(line)]
        if country:
            prefix = "plus " if country.startswith("+") else ""
            groups.insert(0, prefix + digits_words(country))
        return ", ".join(groups)

    return _PHONE.sub(replace, text)


# --------------------------------------------------------------------------- money

_CURRENCY_CHARS = "".join(re.escape(symbol) for symbol in tables.CURRENCY_SYMBOLS)
_SCALE_ALT = "|".join(sorted(tables.SCALES, key=len, reverse=True))
_PER_ALT = "|".join(sorted(tables.PER_UNITS, key=len, reverse=True))
_PREFIX_ALT = "|".join(sorted(tables.DOLLAR_PREFIXES, key=len, reverse=True))
_MONEY = re.compile(
    rf"""
    (?<![\w.])
    (?P<sign>[-{tables.MINUS_SIGN}])?
    (?:(?P<prefix>{_PREFIX_ALT})(?=\$))?
    (?P<symbol>[{_CURRENCY_CHARS}])\s?
    (?P<amount>{_NUM})
    (?:\s?[-{tables.EN_DASH}]\s?(?:[{_CURRENCY_CHARS}]\s?)?(?P<amount2>{_NUM}))?
    (?:\s?(?P<scale>{_SCALE_ALT})(?![\w-]))?
    (?:\s?/\s?(?P<per>{_PER_ALT})(?!\w))?
    """,
    re.VERBOSE,
)


def _currency_names(symbol: str, prefix: str | None) -> tuple[str, str, str | None, str | None]:
    singular, plural, minor, minor_plural = tables.CURRENCY_SYMBOLS[symbol]
    if prefix and symbol == "$":
        country = tables.DOLLAR_PREFIXES[prefix]
        singular, plural = f"{country} {singular}", f"{country} {plural}"
    return singular, plural, minor, minor_plural


def money_words(amount: str, symbol: str, prefix: str | None = None) -> str:
    """ "20.5", "$" -> "twenty dollars and fifty cents"; "1.0842" -> "one point ... dollars"."""
    singular, plural, minor, minor_plural = _currency_names(symbol, prefix)
    whole, _, fraction = amount.replace(",", "").partition(".")
    fraction = fraction.rstrip("0")
    if minor is None or minor_plural is None or len(fraction) > 2:
        # Exchange rates and prices to three or more places are read as decimals.
        return f"{number_words(amount)} {plural}"
    units = int(whole) if whole else 0
    cents = int(fraction.ljust(2, "0")) if fraction else 0
    parts = []
    if units or not cents:
        parts.append(f"{cardinal_words(units)} {singular if units == 1 else plural}")
    if cents:
        parts.append(f"{cardinal_words(cents)} {minor if cents == 1 else minor_plural}")
    return " and ".join(parts)


_ARTICLE_BEFORE = re.compile(r"(?<![\w])(?:[Aa]n?)\s+$")


def expand_money(text: str) -> str:
    """ "$4.5 billion" -> "four point five billion dollars"; "£1,240" -> "one thousand ... pounds".

    Amount first, then the currency, as it is spoken; ranges ("$5-10 million") and rates
    ("$20/mo") included.
    """

    def replace(match: re.Match[str]) -> str:
        symbol, prefix = match["symbol"], match["prefix"]
        amount, amount2, scale = match["amount"], match["amount2"], match["scale"]
        if scale:
            # "a $4.5 billion budget": an amount used as an adjective takes the singular.
            attributive = _ARTICLE_BEFORE.search(match.string, 0, match.start()) is not None
            plural = _currency_names(symbol, prefix)[0 if attributive else 1]
            scale_word = tables.SCALES[scale]
            low = number_words(amount)
            spoken = f"{low} {scale_word} {plural}"
            if amount2:
                spoken = f"{low} to {number_words(amount2)} {scale_word} {plural}"
        else:
            spoken = money_words(amount, symbol, prefix)
            if amount2:
                spoken = f"{spoken} to {money_words(amount2, symbol, prefix)}"
        if match["sign"]:
            spoken = "minus " + spoken
        if match["per"]:
            spoken = f"{spoken} per {tables.PER_UNITS[match['per']]}"
        return spoken

    return _MONEY.sub(replace, text)


# --------------------------------------------------------------------------- percent, units

_PERCENT = re.compile(r"(?<=\d)\s?%")
_TEMPERATURE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUM})\s?°(?:\s?(?P<scale>[CFK])(?![\w]))?"
)
_UNIT_ALT = "|".join(re.escape(unit) for unit in sorted(tables.UNITS, key=len, reverse=True))
_UNIT_OR_PER_ALT = "|".join(
    re.escape(unit) for unit in sorted({*tables.UNITS, *tables.PER_UNITS}, key=len, reverse=True)
)
_MEASURE = re.compile(
    rf"""
    (?<![\w.])
    (?P<num>{_NUM}(?:\s\d+/\d+)?)
    (?P<scale>\s(?:thousand|million|billion))?
    (?P<joint>-|\s?)
    (?P<unit>{_UNIT_ALT})(?!\w)
    (?:/(?P<per>{_UNIT_OR_PER_ALT})(?!\w))?
    """,
    re.VERBOSE,
)
_PER_MEASURE = re.compile(rf"(?<![\w.])(?P<num>{_NUM})/(?P<unit>{_UNIT_OR_PER_ALT})(?![\w/])")
_STANDALONE_ALT = "|".join(
    re.escape(unit) for unit in sorted(tables.STANDALONE_UNITS, key=len, reverse=True)
)
_PER_STANDALONE = re.compile(rf"(?<=\bper )(?:{_STANDALONE_ALT})(?![\w/])")
_STANDALONE = re.compile(rf"(?<![\w/.-])(?:{_STANDALONE_ALT})(?![\w/])")
_TIMES = re.compile(rf"(?<![\w.])(?P<num>{_NUM})x(?!\w)")
_BARE_SCALE_ALT = "|".join(sorted(tables.BARE_NUMBER_SCALES, key=len, reverse=True))
# "1.6m" glued, or "2 bn" spaced (never "5 m", which may be meters).
_BARE_SCALE = re.compile(
    rf"(?<![\w.])(?P<num>{_NUM})(?P<scale>{_BARE_SCALE_ALT}|\s(?:bn|mn|tn))(?!\w)"
)


def _unit_name(unit: str, singular: bool) -> str:
    if unit in tables.UNITS:
        return tables.UNITS[unit][0 if singular else 1]
    return tables.PER_UNITS[unit]


def expand_percent(text: str) -> str:
    """ "4.75%" -> "4.75 percent" (the number is read by a later rule)."""
    return _PERCENT.sub(" percent", text)


def expand_temperatures(text: str) -> str:
    """ "−4°C" -> "−4 degrees Celsius"; "45°" -> "45 degrees"."""

    def replace(match: re.Match[str]) -> str:
        degrees = "degree" if _is_one(match["num"]) else "degrees"
        scale = tables.TEMPERATURE_SCALES.get(match["scale"] or "", "")
        return f"{match['num']} {degrees} {scale}".rstrip()

    return _TEMPERATURE.sub(replace, text)


def expand_units(text: str) -> str:
    """ "12kg" -> "12 kilograms", "40-km front" -> "40-kilometer front", "km/h" -> words."""

    def measure(match: re.Match[str]) -> str:
        adjectival = match["joint"] == "-"  # "a 40-km drive": singular, keeps its hyphen
        singular = adjectival or (_is_one(match["num"]) and not match["scale"])
        spoken = _unit_name(match["unit"], singular)
        if match["per"]:
            spoken += " per " + _unit_name(match["per"], singular=True)
        joint = "-" if adjectival else " "
        return f"{match['num']}{match['scale'] or ''}{joint}{spoken}"

    def per_measure(match: re.Match[str]) -> str:
        return f"{match['num']} per {_unit_name(match['unit'], singular=True)}"

    text = _MEASURE.sub(measure, text)
    text = _PER_MEASURE.sub(per_measure, text)
    text = _PER_STANDALONE.sub(lambda m: _unit_name(m.group(0), singular=True), text)
    text = _STANDALONE.sub(lambda m: _unit_name(m.group(0), singular=False), text)
    text = _TIMES.sub(lambda m: f"{m['num']} times", text)
    return _BARE_SCALE.sub(lambda m: f"{m['num']} {tables.SCALES[m['scale'].strip()]}", text)


# --------------------------------------------------------------------------- dates

_MONTH_ALT = (
    r"(?:(?i:january|february|march|april|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)|May|MAY)"
)
_ISO_DATE = re.compile(
    r"(?<![\w./-])(?P<year>\d{4})(?P<sep>[-/])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?![\w/-]|\.\d)"
)
_NUMERIC_DATE = re.compile(
    r"(?<![\w./-])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)"
    r"(?P<year>\d{4}|(?<=/)\d{2})(?![\w/-]|\.\d)"
)
_MONTH_DAY = re.compile(
    rf"""
    (?<![\w.])(?P<month>{_MONTH_ALT})\.?(?:\s+|-)
    (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\w:]|[.,]\d)
    (?:(?P<sep>,?\s+|-)(?P<year>\d{{4}})(?![\w]|[.,]\d))?
    """,
    re.VERBOSE,
)
_DAY_MONTH = re.compile(
    rf"""
    (?<![\w.,])(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?
    (?P<month>{_MONTH_ALT}|may)(?:\.|(?!\w))
    (?:,?\s+(?P<year>\d{{4}})(?![\w]|[.,]\d))?
    """,
    re.VERBOSE,
)
_MONTH_ABBREVIATION = re.compile(r"(?<![\w.])(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.")
_WEEKDAY_ALT = "|".join(sorted(tables.WEEKDAYS, key=len, reverse=True))
_WEEKDAY = re.compile(rf"(?<![\w.])({_WEEKDAY_ALT})\.(?=,|\s+(?:{_MONTH_ALT}|\d))")
_DECADE = re.compile(r"(?<![\w.,])(?P<year>\d{3}0)\s?'?s(?!\w)")
_SHORT_DECADE = re.compile(r"(?<![\w.,])(?:'(?P<clipped>\d0)|(?P<plain>[2-9]0))s(?!\w)")
_QUARTER = re.compile(
    r"(?<![\w.])(?:Q(?P<q>[1-4])|(?P<q2>[1-4])Q(?=\d)|H(?P<h>[12]))"
    r"(?:\s?(?P<year>\d{4}|(?<=Q\d)'?\d{2}|(?<=\dQ)\d{2}|(?<=\dQ)\d{4}))?(?!\w)"
)
_FISCAL_YEAR = re.compile(r"(?<![\w.])FY\s?'?(?P<year>\d{4}|\d{2})(?!\w)")


def _month_name(token: str) -> str | None:
    number = tables.MONTH_NAMES.get(token.lower().rstrip("."))
    return None if number is None else tables.MONTHS[number - 1]


def _year_text(year: str) -> str:
    return two_digit_year_words(year) if len(year) == 2 else year_words(int(year))


def _month_first(month: int, day: int, year: str | None) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    spoken = f"{tables.MONTHS[month - 1]} {ordinal_words(day)}"
    return f"{spoken}, {_year_text(year)}" if year else spoken


def _day_first(day: int, month: int, year: str | None, article: bool = True) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    spoken = f"{'the ' if article else ''}{ordinal_words(day)} of {tables.MONTHS[month - 1]}"
    return f"{spoken}, {_year_text(year)}" if year else spoken


def _after_the(match: re.Match[str]) -> bool:
    return match.string[max(0, match.start() - 4) : match.start()].lower() == "the "


def expand_dates(text: str) -> str:
    """ "Nov. 25, 2026" -> "November twenty-fifth, twenty twenty-six"; "25 July" -> "the
    twenty-fifth of July"; "2024-11-25" and "11/25/2024" likewise (US order unless the first
    number cannot be a month)."""

    def iso(match: re.Match[str]) -> str:
        spoken = _month_first(int(match["month"]), int(match["day"]), match["year"])
        return spoken or match.group(0)

    def numeric(match: re.Match[str]) -> str:
        a, b, year = int(match["a"]), int(match["b"]), match["year"]
        if a > 12:
            spoken = _day_first(a, b, year, article=not _after_the(match))
        else:
            spoken = _month_first(a, b, year)
        return spoken or match.group(0)

    def month_day(match: re.Match[str]) -> str:
        month = tables.MONTH_NAMES[match["month"].lower()]
        spoken = _month_first(month, int(match["day"]), match["year"])
        return spoken or match.group(0)

    def day_month(match: re.Match[str]) -> str:
        month = tables.MONTH_NAMES[match["month"].lower()]
        spoken = _day_first(int(match["day"]), month, match["year"], not _after_the(match))
        return spoken or match.group(0)

    text = _ISO_DATE.sub(iso, text)
    text = _NUMERIC_DATE.sub(numeric, text)
    text = _MONTH_DAY.sub(month_day, text)
    text = _DAY_MONTH.sub(day_month, text)
    text = _MONTH_ABBREVIATION.sub(lambda m: _month_name(m.group(1)) or m.group(0), text)
    return _WEEKDAY.sub(lambda m: tables.WEEKDAYS[m.group(1)], text)


def expand_decades(text: str) -> str:
    """ "the 1990s" -> "the nineteen nineties"; "'80s" and "80s" -> "eighties"."""

    def short(match: re.Match[str]) -> str:
        tens = match["clipped"] or match["plain"]
        return decade_words(int(tens)) if tens != "00" else "noughties"

    text = _DECADE.sub(lambda m: decade_words(int(m["year"])), text)
    return _SHORT_DECADE.sub(short, text)


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

    text = _QUARTER.sub(replace, text)

    def fiscal(match: re.Match[str]) -> str:
        year = match["year"]
        return "fiscal year " + year_words(int(year) + 2000 if len(year) == 2 else int(year))

    return _FISCAL_YEAR.sub(fiscal, text)


# --------------------------------------------------------------------------- times

_AMPM = r"(?P<ampm{n}>(?i:[ap]\.?\s?m\b\.?))"
_ZONE_ALT = "|".join(
    r"\.?".join(letter for letter in zone) + r"\.?"
    for zone in sorted(tables.TIME_ZONES, key=len, reverse=True)
)
_CLOCK = r"(?P<h{n}>\d{{1,2}})(?:(?P<sep{n}>[:.])(?P<m{n}>\d{{2}}))?(?::(?P<s{n}>\d{{2}}))?"
_TIME_RANGE = re.compile(
    rf"(?<![\w.:,])(?:{_CLOCK.format(n=1)})\s?(?:{_AMPM.format(n=1)}\s?)?[-{tables.EN_DASH}]\s?"
    rf"{_CLOCK.format(n=2)}\s?{_AMPM.format(n=2)}(?:\s?(?P<zone>(?i:{_ZONE_ALT}))(?!\w))?"
)
_TIME_AMPM = re.compile(
    rf"(?<![\w.:,])(?:{_CLOCK.format(n=1)})\s?{_AMPM.format(n=1)}"
    rf"(?:\s?(?P<zone>(?i:{_ZONE_ALT}))(?!\w))?"
)
_TIME_24H = re.compile(
    r"(?<![\w.:,])(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?![\w:]|[.,]\d)"
    rf"(?:\s?(?P<zone>{'|'.join(sorted(tables.TIME_ZONES))})(?!\w))?"
)


def _ampm_word(written: str) -> str:
    # eSpeak reads "AM" as the verb "am" and a lone "A" as the article; "A-M" it spells.
    return "A-M" if written.lower().startswith("a") else "PM"


def _clock_words(hour: int, minute: int) -> str:
    if minute == 0:
        return cardinal_words(hour)
    if minute < 10:
        return f"{cardinal_words(hour)} oh {cardinal_words(minute)}"
    return f"{cardinal_words(hour)} {cardinal_words(minute)}"


def _zone_words(zone: str | None) -> str:
    return " " + zone.replace(".", "").upper() if zone else ""


def _time_part(match: re.Match[str], n: int, ampm: str | None) -> str | None:
    hour, minute = int(match[f"h{n}"]), int(match[f"m{n}"] or 0)
    if match[f"sep{n}"] == "." and ampm is None:
        return None  # "5.30" without a.m./p.m. is a decimal, not a time
    if not (1 <= hour <= 12 and minute < 60) if ampm else not (hour <= 23 and minute < 60):
        return None
    spoken = _clock_words(hour, minute)
    return f"{spoken} {_ampm_word(ampm)}" if ampm else spoken


def _duration_words(hours: int, minutes: int, seconds: int) -> str:
    parts = [
        f"{cardinal_words(value)} {name if value == 1 else name + 's'}"
        for value, name in ((hours, "hour"), (minutes, "minute"), (seconds, "second"))
        if value
    ]
    if not parts:
        return "zero seconds"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def expand_times(text: str) -> str:
    """ "9:30 a.m." -> "nine thirty A-M"; "3 p.m. EST" -> "three PM EST"; "2-5 p.m." ->
    "two to five PM"; "14:30" -> "fourteen thirty"; "1:02:03" -> a duration."""

    def time_range(match: re.Match[str]) -> str:
        second = _time_part(match, 2, match["ampm2"])
        first = _time_part(match, 1, match["ampm1"] or match["ampm2"])
        if first is None or second is None:
            return match.group(0)
        if not match["ampm1"]:
            first = first.rsplit(" ", 1)[0]  # "two to five PM", not "two PM to five PM"
        return f"{first} to {second}{_zone_words(match['zone'])}{_keep_period_at_end(match)}"

    def with_ampm(match: re.Match[str]) -> str:
        spoken = _time_part(match, 1, match["ampm1"])
        if spoken is None:
            return match.group(0)
        return f"{spoken}{_zone_words(match['zone'])}{_keep_period_at_end(match)}"

    def clock(match: re.Match[str]) -> str:
        hour, minute = int(match["h"]), int(match["m"])
        if match["s"] is not None:
            if minute > 59 or int(match["s"]) > 59:
                return match.group(0)
            return _duration_words(hour, minute, int(match["s"])) + _zone_words(match["zone"])
        if hour > 23 or minute > 59:
            return match.group(0)
        if minute == 0:
            # "09:00" is "nine o'clock"; "23:00" is said the 24-hour way, "twenty-three hundred".
            spoken = f"{cardinal_words(hour)} o'clock" if 1 <= hour <= 12 else (
                f"{cardinal_words(hour)} hundred"
            )
        else:
            spoken = _clock_words(hour, minute)
        return spoken + _zone_words(match["zone"])

    text = _TIME_RANGE.sub(time_range, text)
    text = _TIME_AMPM.sub(with_ampm, text)
    return _TIME_24H.sub(clock, text)


# --------------------------------------------------------------------------- abbreviations

def _spell_letters(letters: str) -> str:
    spelled = " ".join(letters)
    # eSpeak reads a lone capital "A" as the article; joined to the next letter it spells it.
    return re.sub(r"\bA (?=\w)", "A-", spelled)


_DOTTED_ACRONYM = re.compile(r"(?<![\w.])[A-Z](?:\.[A-Z])+\.?(?![\w])")
_DOTTED_ALT = "|".join(
    re.escape(key) for key in sorted(tables.DOTTED_ABBREVIATIONS, key=len, reverse=True)
)
_DOTTED = re.compile(rf"(?<![\w.])(?:{_DOTTED_ALT})(?!\w)")
_NUMBER_ABBREVIATION_ALT = "|".join(
    re.escape(key) for key in sorted(tables.NUMBER_ABBREVIATIONS, key=len, reverse=True)
)
_NUMBER_ABBREVIATION = re.compile(rf"(?<![\w.])(?:{_NUMBER_ABBREVIATION_ALT})\s?(?=\d)")
_TITLE_ALT = "|".join(sorted(tables.TITLES, key=len, reverse=True))
_TITLE = re.compile(rf"(?<![\w.])(?:(?P<dotted>{_TITLE_ALT})\.|(?P<bare>Mr|Mrs|Ms|Dr)(?=\s+[A-Z]))")
_SAINT_OR_STREET = re.compile(r"(?<![\w.])St(?:\.|(?=,|\s*$)|(?=\s+[A-Z]))")
_PREVIOUS_WORD = re.compile(r"([\w'-]+)[\s,]*$")
_NEXT_WORD = re.compile(r"\s*([\w'-]+)")
_VERSUS = re.compile(r"(?<=\w )v\.(?= [A-Z])")
_AMPM_ALONE = re.compile(r"(?<![\w.])(?:(?P<a>a\.m\.)|(?P<p>p\.m\.))")
_SPELLED_ALT = "|".join(sorted(tables.SPELLED_ACRONYMS, key=len, reverse=True))
_SPELLED = re.compile(rf"(?<![\w.$])(?:{_SPELLED_ALT})(?![\w$])")


def expand_abbreviations(text: str) -> str:
    """ "Dr." -> "Doctor", "e.g." -> "for example", "No. 5" -> "number 5", "Elm St." ->
    "Elm Street" but "St. Louis" -> "Saint Louis", "vs." -> "versus"."""

    def dotted(match: re.Match[str]) -> str:
        return tables.DOTTED_ABBREVIATIONS[match.group(0)] + _keep_period_at_end(match)

    def title(match: re.Match[str]) -> str:
        return tables.TITLES[match["dotted"] or match["bare"]]

    def saint_or_street(match: re.Match[str]) -> str:
        previous = _PREVIOUS_WORD.search(match.string, 0, match.start())
        following = _NEXT_WORD.match(match.string, match.end())
        previous_word = previous.group(1) if previous else ""
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

    text = _DOTTED.sub(dotted, text)
    text = _NUMBER_ABBREVIATION.sub(
        lambda m: tables.NUMBER_ABBREVIATIONS[m.group(0).strip()] + " ", text
    )
    text = _SAINT_OR_STREET.sub(saint_or_street, text)
    text = _TITLE.sub(title, text)
    text = _VERSUS.sub("versus", text)
    return _AMPM_ALONE.sub(lambda m: "A-M" if m["a"] else "PM", text)


def spell_acronyms(text: str) -> str:
    """ "U.S." and "US" -> "U S", "UAE" -> "U A-E": letters eSpeak will spell, not read."""

    def dotted(match: re.Match[str]) -> str:
        letters = match.group(0).replace(".", "")
        return _spell_letters(letters) + _keep_period_at_end(match)

    text = _DOTTED_ACRONYM.sub(dotted, text)
    return _SPELLED.sub(lambda m: tables.SPELLED_ACRONYMS[m.group(0)], text)


# --------------------------------------------------------------------------- numbers

_SIGNED_NUM = rf"(?:(?<![\w)\]])-|{tables.MINUS_SIGN})?{_NUM}"
_RANGE = re.compile(
    rf"(?<![\w.,/-])(?P<a>{_SIGNED_NUM})\s?[-{tables.EN_DASH}]\s?(?P<b>{_NUM})(?![\w/-]|[.,]\d)"
)
_SLASH_IDIOM_ALT = "|".join(re.escape(key) for key in tables.SLASH_IDIOMS)
_SLASH_IDIOM = re.compile(rf"(?<![\w/])(?i:{_SLASH_IDIOM_ALT})(?![\w/])")
_MIXED_FRACTION = re.compile(r"(?<![\w./])(?P<whole>\d+)\s(?P<num>\d+)/(?P<den>\d+)(?![\w/]|\.\d)")
_FRACTION = re.compile(r"(?<![\w./])(?P<num>\d+)/(?P<den>\d+)(?![\w/]|\.\d)")
_ORDINAL = re.compile(r"(?<![\w.])(?P<num>\d{1,3}(?:,\d{3})+|\d+)(?i:st|nd|rd|th)(?!\w)")
_YEAR_FOLLOWERS = "|".join(
    sorted({word for forms in tables.UNITS.values() for form in forms for word in form.split()[:1]}
           | {"percent", "degree", "degrees", "times", "thousand", "million", "billion"})
)
_YEAR = re.compile(
    rf"(?<![\w.,:/$-])(1[1-9]\d\d|20\d\d)(?![\w:/]|[.,]\d|\s+(?:{_YEAR_FOLLOWERS})\b)"
)
_NUMBER = re.compile(rf"(?P<num>{_SIGNED_NUM})")
_DOTTED_GROUPS = re.compile(r"(?<![\w.])\d+(?:\.\d+){2,}(?![\w]|\.\d)")
_ERA = re.compile(r"(?<![\w.,])(?P<year>\d{1,4})\s?(?P<era>A\.?D|B\.?C|B\.?C\.?E|C\.?E)\b\.?")


def _fraction_words(numerator: int, denominator: int, after_whole: bool = False) -> str | None:
    if denominator < 2 or denominator > 100 or (denominator > 10 and numerator >= denominator):
        return None
    singular, plural = tables.FRACTION_WORDS.get(
        denominator, (ordinal_words(denominator), ordinal_words(denominator) + "s")
    )
    if numerator == 1:
        return f"{'a' if after_whole else 'one'} {singular}"
    return f"{cardinal_words(numerator)} {plural}"


def expand_slash_idioms(text: str) -> str:
    """ "24/7" -> "twenty-four seven", "and/or" -> "and or"."""
    return _SLASH_IDIOM.sub(lambda m: tables.SLASH_IDIOMS[m.group(0).lower()], text)


def expand_fractions(text: str) -> str:
    """ "4 1/2" -> "4 and a half", "2/3" -> "two thirds"; other "a/b" -> "a slash b"."""

    def mixed(match: re.Match[str]) -> str:
        spoken = _fraction_words(int(match["num"]), int(match["den"]), after_whole=True)
        return f"{match['whole']} and {spoken}" if spoken else match.group(0)

    def simple(match: re.Match[str]) -> str:
        spoken = _fraction_words(int(match["num"]), int(match["den"]))
        return spoken or f"{match['num']} slash {match['den']}"

    return _FRACTION.sub(simple, _MIXED_FRACTION.sub(mixed, text))


def expand_ranges(text: str) -> str:
    """ "2020–2024" -> "twenty twenty to twenty twenty-four", "7–2" -> "seven to two".

    Ranges and scores are both read with "to", as American newsreaders do.
    """

    def replace(match: re.Match[str]) -> str:
        return f"{number_or_year_words(match['a'])} to {number_or_year_words(match['b'])}"

    return _RANGE.sub(replace, text)


def expand_ordinals(text: str) -> str:
    """ "21st" -> "twenty-first". A mismatched suffix ("1th") is read as the ordinal meant."""
    return _ORDINAL.sub(lambda m: ordinal_words(int(m["num"].replace(",", ""))), text)


def expand_years(text: str) -> str:
    """ "2024" -> "twenty twenty-four": four-digit numbers from 1100 to 2099 without a
    thousands comma, unless a unit or "percent" follows."""
    return _YEAR.sub(lambda m: year_words(int(m.group(1))), text)


def expand_dotted_groups(text: str) -> str:
    """ "192.168.0.1", "3.11.7": three or more dotted groups are read "X dot Y dot Z"."""
    return _DOTTED_GROUPS.sub(
        lambda m: " dot ".join(number_words(group) for group in m.group(0).split(".")), text
    )


def expand_eras(text: str) -> str:
    """ "340 AD" -> "three forty A-D", "44 BC" -> "forty-four B C": the number as a year."""

    def replace(match: re.Match[str]) -> str:
        era = _spell_letters(match["era"].replace(".", ""))
        return f"{year_words(int(match['year']))} {era}{_keep_period_at_end(match)}"

    return _ERA.sub(replace, text)


def expand_numbers(text: str) -> str:
    """Every remaining number: "1,200" -> "one thousand two hundred", "−0.25" -> "minus zero
    point two five"; digits glued to letters are set apart ("C24" -> "C twenty-four")."""

    def replace(match: re.Match[str]) -> str:
        spoken = number_words(match["num"])
        string, start, end = match.string, match.start(), match.end()
        if start and string[start - 1].isalnum():
            spoken = " " + spoken
        if end < len(string) and string[end].isalpha():
            spoken += " "
        return spoken

    return _NUMBER.sub(replace, text)


# --------------------------------------------------------------------------- symbols

_WORD_SLASH = re.compile(r"(?<=\w)\s?/\s?(?=\w)")
_HASHTAG = re.compile(r"(?<!\w)#(?=[^\W\d_])")
_APPROXIMATELY = re.compile(r"~\s?(?=\d|minus |[a-z]+ )")
_SYMBOL_ALT = "|".join(re.escape(symbol) for symbol in tables.SYMBOL_WORDS)
_SYMBOL = re.compile(rf"\s*(?:{_SYMBOL_ALT})\s*")
_PAUSE_DASH = re.compile(
    rf"\s*[{tables.EM_DASH}{tables.EN_DASH}]\s*|\s+-+\s+|--+|(?<=\w)-\s|\s-(?=\w)"
)
_ELLIPSIS = re.compile(r"\.{2,}")


def expand_symbols(text: str) -> str:
    """ "&" -> "and", "+" -> "plus", "a/b" -> "a slash b", "#tag" -> "hashtag tag", dashes
    used as punctuation -> commas (a pause), "…" -> "...". Unknown symbols are left to the
    final clean-up, which drops them."""
    text = _HASHTAG.sub("hashtag ", text)
    text = _APPROXIMATELY.sub("about ", text)
    text = _WORD_SLASH.sub(" slash ", text)
    text = _SYMBOL.sub(lambda m: f" {tables.SYMBOL_WORDS[m.group(0).strip()]} ", text)
    text = _PAUSE_DASH.sub(", ", text)
    return _ELLIPSIS.sub("...", text)


# --------------------------------------------------------------------------- finishing

# Whatever is not a letter, digit, combining mark, white space or plain punctuation has no
# spoken form (emoji, dingbats, box drawing, stray "<", "*", "_").
_UNREADABLE = re.compile(r"[^\w\s\u0300-\u036f.,;:!?'\"()-]|_")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+(?=[.,;:!?)])")
_REPEATED_COMMAS = re.compile(r"(?:,\s*){2,}")
_COMMA_BEFORE_STOP = re.compile(r",\s*(?=[.!?;:])")
_LEADING_PUNCTUATION = re.compile(r"^[\s,;:]+")
_EMPTY_PARENTHESES = re.compile(r"\(\s*\)")


def drop_unreadable(text: str) -> str:
    """Emoji and other symbols with no spoken form become spaces (so words don't merge)."""
    return _UNREADABLE.sub(" ", text)


def tidy_spacing(text: str) -> str:
    """One space between words, none before punctuation, no doubled or leading commas."""
    text = _EMPTY_PARENTHESES.sub(" ", text)
    text = _WHITESPACE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCTUATION.sub("", text)
    text = _REPEATED_COMMAS.sub(", ", text)
    text = _COMMA_BEFORE_STOP.sub("", text)
    return _LEADING_PUNCTUATION.sub("", text).strip()


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
    for rule in RULES_DROPPING_URLS if options.drop_urls else RULES:
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


def _run_safely(rule: Rule, text: str) -> str:
    # One sentence read less well is better than a briefing that stops: if a rule fails on
    # some input nobody foresaw, keep the text as it was before that rule. The rules are
    # tested one by one without this net, so such failures still show up in the tests.
    try:
        return rule(text)
    except Exception:
        logger.debug("normalization rule %s failed", rule.__name__, exc_info=True)
        return text
