"""Tests for `briefing.normalize.money`: amounts in currencies, ranges, scales and rates."""

from __future__ import annotations

import pytest

from briefing.normalize.money import expand_money
from briefing.normalize.normalizer import Rule, normalize
from tests.normalize.cases import spoken_forms

# Through the whole normalizer: (written, spoken).
CASES: dict[str, list[tuple[str, str]]] = {
    "money": [
        ("$1.0842", "one point zero eight four two dollars"),
        ("\u20ac1", "one euro"),
        ("\u00a31,240", "one thousand two hundred forty pounds"),
        ("\u00a317.4bn", "seventeen point four billion pounds"),
        ("1.6m people", "one point six million people"),
        ("$4.5 billion", "four point five billion dollars"),
        ("passes a $4.5 billion budget", "passes a four point five billion dollar budget"),
        ("$200 million", "two hundred million dollars"),
        ("$20.50", "twenty dollars and fifty cents"),
        ("$0.02", "two cents"),
        ("$1", "one dollar"),
        ("\u00a32.01", "two pounds and one penny"),
        ("\u00a31.20", "one pound and twenty pence"),
        ("$5\u201310 million", "five to ten million dollars"),
        ("$50-$100", "fifty dollars to one hundred dollars"),
        ("$20/mo", "twenty dollars per month"),
        ("US$76.3 trillion", "seventy-six point three trillion U S dollars"),
        ("\u00a530b", "thirty billion yen"),
        ("-$5", "minus five dollars"),
        ("1.436 billion yuan", "one point four three six billion yuan"),
    ],
}


@spoken_forms(CASES)
def test_spoken_form(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("rule", "written", "spoken"),
    [
        (expand_money, "$3", "three dollars"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_rule_alone(rule: Rule, written: str, spoken: str) -> None:
    assert rule(written) == spoken
