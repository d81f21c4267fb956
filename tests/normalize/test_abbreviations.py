"""Tests for `briefing.normalize.abbreviations`: abbreviations, acronyms, quarters and eras."""

from __future__ import annotations

import pytest

from briefing.normalize.abbreviations import (
    expand_abbreviations,
    expand_eras,
    expand_quarters,
    spell_acronyms,
)
from briefing.normalize.normalizer import Rule, normalize
from tests.normalize.cases import spoken_forms

# Through the whole normalizer: (written, spoken).
CASES: dict[str, list[tuple[str, str]]] = {
    "eras": [
        ("340 AD", "three forty A-D"),
    ],
    "quarters": [
        ("Q2 results", "the second quarter results"),
        ("its Q3 2024 profit", "its third quarter of twenty twenty-four profit"),
        ("in 2Q22", "in the second quarter of twenty twenty-two"),
        ("H1 sales", "the first half sales"),
        ("FY2025", "fiscal year twenty twenty-five"),
    ],
    "abbreviations and acronyms": [
        ("the U.S. economy", "the U S economy"),
        ("US intelligence", "U S intelligence"),
        ("the UK and the EU", "the U K and the E U"),
        ("made in the U.S.", "made in the U S."),
        ("NATO and NASA", "NATO and NASA"),
        ("the UAE", "the U A-E"),
        ("Dr. Evil", "Doctor Evil"),
        ("Mr. Smith and Mrs. Jones", "Mister Smith and Misses Jones"),
        ("Mr Smith", "Mister Smith"),
        ("St. Louis", "Saint Louis"),
        ("in St. Petersburg", "in Saint Petersburg"),
        ("1428 Elm St.", "fourteen twenty-eight Elm Street."),
        ("Elm St. It was", "Elm Street. It was"),
        ("No. 5", "number five"),
        ("Russia vs. Ukraine", "Russia versus Ukraine"),
        ("Roe v. Wade", "Roe versus Wade"),
        ("tanks, e.g. T-90s", "tanks, for example T-nineties"),
        ("allies, i.e. Kyiv", "allies, that is Kyiv"),
        ("guns, tanks, etc.", "guns, tanks, et cetera."),
        ("Gen. Smith", "General Smith"),
        ("J.R.R. Tolkien", "J R R Tolkien"),
    ],
}


@spoken_forms(CASES)
def test_spoken_form(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("rule", "written", "spoken"),
    [
        (expand_quarters, "Q4", "the fourth quarter"),
        (expand_abbreviations, "Dr. No", "Doctor No"),
        (spell_acronyms, "U.N.", "U N."),
        (expand_eras, "44 BC", "forty-four B C"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_rule_alone(rule: Rule, written: str, spoken: str) -> None:
    assert rule(written) == spoken
