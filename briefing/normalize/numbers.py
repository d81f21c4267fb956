"""Numbers read as words: cardinals, decimals, ordinals, years, decades, fractions, ranges.

The word functions here (`cardinal_words`, `year_words`, `number_words`...) are how every other
rule module says a number; the rules at the end read the numbers that are left once money,
units, dates and times have taken theirs.
"""

from __future__ import annotations

import re
from functools import lru_cache

from briefing.normalize import tables

# --------------------------------------------------------------------------- number words

# Longer digit strings are identifiers (accounts, serials), not quantities: read digit by digit.
_MAX_CARDINAL_DIGITS = 15
# With thousands separators the writer says it is a quantity, however long (num2words reads up
# to the nonillions).
_MAX_GROUPED_DIGITS = 30
_DIGIT_NAMES = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
_AND = re.compile(r",| and(?= )")


def _num2words(value: int, to: str) -> str:
    # Imported at the first number, not with the module: num2words loads the tables of every
    # language it knows (about 35 ms), which `import briefing.normalize` need not pay.
    from num2words import num2words

    return str(num2words(value, to=to))


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
    return _american(_num2words(value, to="cardinal"))


@lru_cache(maxsize=4096)
def ordinal_words(value: int) -> str:
    """21 -> "twenty-first"."""
    if len(str(value)) > _MAX_CARDINAL_DIGITS:
        return digits_words(str(value))
    return _american(_num2words(value, to="ordinal"))


@lru_cache(maxsize=1024)
def year_words(value: int) -> str:
    """2024 -> "twenty twenty-four", 2008 -> "two thousand eight", 1506 -> "fifteen oh-six"."""
    return _american(_num2words(value, to="year"))


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


def is_one(token: str) -> bool:
    """ "1", "-1", "1.0": the number takes a singular unit ("1 kg" -> "one kilogram")."""
    return token.lstrip("-" + tables.MINUS_SIGN) in ("1", "1.0") and "." not in token


# A written number: digits with correct thousands separators, an optional decimal part; or a
# bare decimal part (".25"). Used inside larger patterns, always behind a look-behind.
NUMBER_PATTERN = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)"
_YEAR_TOKEN = re.compile(r"1[1-9]\d\d|20\d\d")
# Most patterns here start with a look-behind, which makes the regex engine try them at every
# position of the text; a rule first looks for what every match needs (a digit, a word, a
# character) with a pattern the engine scans quickly, and skips the costly one when absent.
DIGIT = re.compile(r"\d")


# --------------------------------------------------------------------------- rules

_DECADE = re.compile(r"(?<![\w.,])(?P<year>\d{3}0)\s?'?s(?!\w)")
_SHORT_DECADE = re.compile(r"(?<![\w.,])(?:'(?P<clipped>\d0)|(?P<plain>[2-9]0))s(?!\w)")
_SIGNED_NUM = rf"(?:(?<![\w)\]])-|{tables.MINUS_SIGN})?{NUMBER_PATTERN}"
_RANGE = re.compile(
    rf"(?<![\w.,/-])(?P<a>{_SIGNED_NUM})\s?[-{tables.EN_DASH}]\s?(?P<b>{NUMBER_PATTERN})(?![\w/-]|[.,]\d)"
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


def _fraction_words(numerator: int, denominator: int, after_whole: bool = False) -> str | None:
    if denominator < 2 or denominator > 100 or (denominator > 10 and numerator >= denominator):
        return None
    singular, plural = tables.FRACTION_WORDS.get(
        denominator, (ordinal_words(denominator), ordinal_words(denominator) + "s")
    )
    if numerator == 1:
        return f"{'a' if after_whole else 'one'} {singular}"
    return f"{cardinal_words(numerator)} {plural}"


def expand_decades(text: str) -> str:
    """ "the 1990s" -> "the nineteen nineties"; "'80s" and "80s" -> "eighties"."""

    def short(match: re.Match[str]) -> str:
        tens = match["clipped"] or match["plain"]
        return decade_words(int(tens)) if tens != "00" else "noughties"

    text = _DECADE.sub(lambda m: decade_words(int(m["year"])), text)
    return _SHORT_DECADE.sub(short, text)


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

