"""Tests for `briefing.normalize.web`: web and e-mail addresses, phone numbers."""

from __future__ import annotations

import pytest

from briefing.normalize.normalizer import NormalizeOptions, Rule, normalize
from briefing.normalize.web import drop_urls, expand_phone_numbers, read_urls
from tests.normalize.cases import spoken_forms

# Through the whole normalizer: (written, spoken).
CASES: dict[str, list[tuple[str, str]]] = {
    "urls and e-mail": [
        ("see example.gov/budget", "see example dot gov slash budget"),
        ("see https://www.example.gov/budget.", "see example dot gov slash budget."),
        ("http://example.com/a?b=1#c", "example dot com slash a"),
        ("write to press@example.org", "write to press at example dot org"),
        ("(www.bbc.co.uk)", "(bbc dot co dot uk)"),
        ("report2024.example.com", "report two zero two four dot example dot com"),
    ],
    "phone numbers": [
        ("call 555-123-4567", "call five five five, one two three, four five six seven"),
        ("+1 (555) 123-4567", "plus one, five five five, one two three, four five six seven"),
    ],
}


@spoken_forms(CASES)
def test_spoken_form(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("rule", "written", "spoken"),
    [
        (read_urls, "at example.gov/budget.", "at example dot gov slash budget."),
        (drop_urls, "at (www.example.gov) now", "at () now"),
        (expand_phone_numbers, "555-123-4567",
         "five five five, one two three, four five six seven"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_rule_alone(rule: Rule, written: str, spoken: str) -> None:
    assert rule(written) == spoken


def test_drop_urls_removes_addresses_but_keeps_words() -> None:
    text = "Details at https://example.gov/budget and press@example.org today."
    assert normalize(text, NormalizeOptions(drop_urls=True)) == "Details at and today."


def test_urls_read_by_default() -> None:
    assert "example dot gov" in normalize("Details at example.gov today.")
