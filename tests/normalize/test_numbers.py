"""Tests for `briefing.normalize.numbers`: cardinals, decimals, ordinals, years, decades,
fractions, ranges."""

from __future__ import annotations

import pytest

from briefing.normalize.normalizer import Rule, normalize
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
from tests.normalize.cases import spoken_forms

# Through the whole normalizer: (written, spoken).
CASES: dict[str, list[tuple[str, str]]] = {
    "cardinals": [
        ("exceeding 1,200.", "exceeding one thousand two hundred."),
        ("around 40,000 soldiers", "around forty thousand soldiers"),
        ("8,214 votes", "eight thousand two hundred fourteen votes"),
        ("up to 12,000 troops", "up to twelve thousand troops"),
        ("29 others", "twenty-nine others"),
        ("an 11-year-old boy", "an eleven-year-old boy"),
        ("123", "one hundred twenty-three"),
        ("1,000,000", "one million"),
        ("agent 007", "agent zero zero seven"),
        ("ID 1234567890123124", "ID one two three four five six seven eight nine zero one two "
         "three one two four"),
        ("MiG29 jets", "MiG twenty-nine jets"),
    ],
    "decimals and negatives": [
        ("0.25", "zero point two five"),
        ("1.0842", "one point zero eight four two"),
        (".5 of it", "point five of it"),
        ("-3 and -0.1", "minus three and minus zero point one"),
        ("\u22124 overnight", "minus four overnight"),
        ("2.050", "two point zero five zero"),
    ],
    "ranges and scores": [
        ("2020\u20132024", "twenty twenty to twenty twenty-four"),
        ("pp. 12\u201319", "pages twelve to nineteen"),
        ("won 7\u20132", "won seven to two"),
        ("a 3-2 win", "a three to two win"),
        ("1960-80", "nineteen sixty to eighty"),
    ],
    "ordinals": [
        ("21st", "twenty-first"),
        ("the 2nd round", "the second round"),
        ("118th Congress", "one hundred eighteenth Congress"),
        ("1,000th", "one thousandth"),
        ("3RD", "third"),
    ],
    "years and decades": [
        ("in 2024", "in twenty twenty-four"),
        ("up 5% from 2025, the most", "up five percent from twenty twenty-five, the most"),
        ("in 2008", "in two thousand eight"),
        ("in 2000", "in two thousand"),
        ("in 1506", "in fifteen oh-six"),
        ("the 1990s", "the nineteen nineties"),
        ("the 1900s", "the nineteen hundreds"),
        ("in the '80s", "in the eighties"),
        ("in his 40s", "in his forties"),
        ("1234 kg", "one thousand two hundred thirty-four kilograms"),
        ("1000", "one thousand"),
    ],
    "fractions": [
        ("2/3 of voters", "two thirds of voters"),
        ("1/4", "one quarter"),
        ("24/7", "twenty-four seven"),
        ("and/or", "and or"),
    ],
}


@spoken_forms(CASES)
def test_spoken_form(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("rule", "written", "spoken"),
    [
        (expand_decades, "1980s", "nineteen eighties"),
        (expand_fractions, "3/4", "three quarters"),
        (expand_ranges, "1-5", "one to five"),
        (expand_ordinals, "3rd", "third"),
        (expand_years, "1999", "nineteen ninety-nine"),
        (expand_numbers, "42", "forty-two"),
        (expand_slash_idioms, "24/7", "twenty-four seven"),
        (expand_dotted_groups, "3.11.7", "three dot eleven dot seven"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_rule_alone(rule: Rule, written: str, spoken: str) -> None:
    assert rule(written) == spoken
