"""Tests for `briefing.normalize.units`: percentages, temperatures and units of measure."""

from __future__ import annotations

import pytest

from briefing.normalize.normalizer import Rule, normalize
from briefing.normalize.units import expand_percent, expand_temperatures, expand_units
from tests.normalize.cases import spoken_forms

# Through the whole normalizer: (written, spoken).
CASES: dict[str, list[tuple[str, str]]] = {
    "percentages": [
        ("4.75%", "four point seven five percent"),
        ("rose 0.25 percentage points", "rose zero point two five percentage points"),
        ("between 1.5\u20132%", "between one point five to two percent"),
        ("12 %", "twelve percent"),
    ],
    "units and temperatures": [
        ("\u22124\u00b0C", "minus four degrees Celsius"),
        ("1\u00b0C", "one degree Celsius"),
        ("75\u00b0F", "seventy-five degrees Fahrenheit"),
        ("a 45\u00b0 angle", "a forty-five degrees angle"),
        ("40 km", "forty kilometers"),
        ("12kg", "twelve kilograms"),
        ("1 kg", "one kilogram"),
        ("a 40-km front", "a forty-kilometer front"),
        ("100 km/h", "one hundred kilometers per hour"),
        ("12/kg", "twelve per kilogram"),
        ("100 million kg", "one hundred million kilograms"),
        ("4 1/2 lbs", "four and a half pounds"),
        ("4.4x", "four point four times"),
        ("per km", "per kilometer"),
        ("km of front line", "kilometers of front line"),
    ],
}


@spoken_forms(CASES)
def test_spoken_form(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("rule", "written", "spoken"),
    [
        (expand_percent, "5%", "5 percent"),
        (expand_temperatures, "1\u00b0F", "1 degree Fahrenheit"),
        (expand_units, "5 mph", "5 miles per hour"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_rule_alone(rule: Rule, written: str, spoken: str) -> None:
    assert rule(written) == spoken
