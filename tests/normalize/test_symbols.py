"""Tests for `briefing.normalize.symbols`: characters, markup, symbols and spacing."""

from __future__ import annotations

import re

import pytest

from briefing.normalize.normalizer import Rule, normalize
from briefing.normalize.symbols import (
    drop_unreadable,
    expand_symbols,
    normalize_characters,
    read_markup_literally,
    tidy_spacing,
)
from tests.normalize.cases import spoken_forms

# Through the whole normalizer: (written, spoken).
CASES: dict[str, list[tuple[str, str]]] = {
    "symbols": [
        ("AT&T", "AT and T"),
        ("R&D", "R and D"),
        ("2 + 2", "two plus two"),
        ("x = 5", "x equals five"),
        ("Kyiv/Moscow", "Kyiv slash Moscow"),
        ("#MeToo", "hashtag MeToo"),
        ("grew ~5%", "grew about five percent"),
        ("the war\u2014and the peace", "the war, and the peace"),
        ("Kyiv \u2013 and Moscow", "Kyiv, and Moscow"),
        ("wait... what", "wait... what"),
        ("wait\u2026 what", "wait... what"),
        ("\u201cquoted\u201d and \u2018single\u2019", "\"quoted\" and 'single'"),
        ("Ukraine\u2019s army", "Ukraine's army"),
    ],
    "emoji and unreadable symbols": [
        ("great \U0001f600 news", "great news"),
        ("great\U0001f600news", "great news"),
        ("\u2605 Top story \u2605", "Top story"),
        ("a*b", "a b"),
        ("under_score", "under score"),
    ],
}


@spoken_forms(CASES)
def test_spoken_form(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("rule", "written", "spoken"),
    [
        (normalize_characters, "a\u00a0b\u2014c\x00d\x07e", "a b\u2014cde"),
        (read_markup_literally, "<b>bold</b>", " b bold /b "),
        (expand_symbols, "a & b", "a and b"),
        (drop_unreadable, "a\u2665b", "a b"),
        (tidy_spacing, "  a ,  b  .", "a, b."),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_rule_alone(rule: Rule, written: str, spoken: str) -> None:
    assert rule(written) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("<speak>Hello</speak>", "speak Hello slash speak"),
        ('<break time="1s"/> pause', 'break time equals "one s" pause'),
        ("say [[h@l'oU]] now", "say h at l'oU now"),
        ("[[a b]]", "a b"),
        ("x < 5 and y > 3", "x less than five and y greater than three"),
        ("<<<>>>", ""),
        ("{curly} and \\back", "curly and back"),
    ],
)
def test_markup_is_read_literally(written: str, spoken: str) -> None:
    result = normalize(written)
    assert result == spoken
    assert not re.search(r"[<>\[\]]", result)


def test_control_characters_dropped() -> None:
    assert normalize("a\x00b\x1bc\x7fd\u200be") == "abcde"
    assert normalize("line\none\ttab\r\nend") == "line one tab end"
