"""Money: "$4.5 billion" -> "four point five billion dollars", "£1.20" -> "one pound and twenty
pence"."""

from __future__ import annotations

import re

from briefing.normalize import tables
from briefing.normalize.numbers import NUMBER_PATTERN, cardinal_words, number_words

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
    (?P<amount>{NUMBER_PATTERN})
    (?:\s?[-{tables.EN_DASH}]\s?(?:[{_CURRENCY_CHARS}]\s?)?(?P<amount2>{NUMBER_PATTERN}))?
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


_ARTICLE = re.compile(r"(?<!\w)[Aa]n?\Z")


def _after_article(text: str, position: int) -> bool:
    """True if the word "a" or "an" and white space come just before `position`.

    Walks back over the white space rather than searching `text[:position]` for a pattern
    anchored at its end: that search starts over at every amount, so a long line with many
    amounts took time quadratic in its length."""
    start = position
    while start and text[start - 1].isspace():
        start -= 1
    return start < position and _ARTICLE.search(text, max(0, start - 2), start) is not None


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
            attributive = _after_article(match.string, match.start())
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

