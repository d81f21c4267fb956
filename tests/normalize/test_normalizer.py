"""Tests for `briefing.normalize.normalizer`: the order of the rules, the options, and the
robustness of the whole pipeline. Each rule module has its own tests (test_numbers.py...)."""

from __future__ import annotations

import re
import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.normalize import normalizer as n
from briefing.normalize.abbreviations import (
    expand_abbreviations,
    expand_eras,
    expand_quarters,
    spell_acronyms,
)
from briefing.normalize.dates_times import expand_dates, expand_times
from briefing.normalize.lexicon import Lexicon
from briefing.normalize.money import expand_money
from briefing.normalize.normalizer import NormalizeOptions, normalize
from briefing.normalize.symbols import (
    expand_symbols,
    normalize_characters,
    read_markup_literally,
    tidy_spacing,
)
from briefing.normalize.units import expand_units
from briefing.normalize.web import drop_urls, read_urls


def test_rules_are_named_functions_in_order() -> None:
    names = [rule.__name__ for rule in n.RULES]
    assert names[0] == "read_urls"
    assert names.index("expand_money") < names.index("expand_numbers")
    assert names.index("expand_dates") < names.index("expand_years")
    assert len(set(names)) == len(names)


# --------------------------------------------------------------------------- options

def test_lexicon_applied_before_rules_and_shielded() -> None:
    lexicon = Lexicon({"Dr.": "Drive", "US": "oose", "Kharkiv": "Kharkeev"})
    options = NormalizeOptions(lexicon=lexicon)
    assert normalize("Elm Dr. in Kharkiv's US office", options) == (
        "Elm Drive in Kharkeev's oose office"
    )


def test_lexicon_output_is_still_made_safe() -> None:
    options = NormalizeOptions(lexicon=Lexicon({"foo": "<bar> [[x]]"}))
    assert normalize("a foo b", options) == "a bar x b"


# --------------------------------------------------------------------------- properties

_FORBIDDEN = re.compile(r"[<>\[\]{}\x00-\x1f\x7f-\x9f]")


def _check_output(result: str) -> None:
    assert isinstance(result, str)
    assert not _FORBIDDEN.search(result), result
    assert not any(unicodedata.category(ch) in ("Cc", "Cs", "Co") for ch in result)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_and_output_is_clean(text: str) -> None:
    _check_output(normalize(text))
    _check_output(normalize(text, NormalizeOptions(drop_urls=True)))


_NEWSY = st.lists(
    st.sampled_from(
        [*"0123456789 ,.-:/$€£%°CFkmgQstndrh", "\u2013", "\u2212", "a.m.", "U.S.", "Nov."]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(_NEWSY)
def test_newsy_fragments_never_raise(text: str) -> None:
    _check_output(normalize(text))


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(), _NEWSY))
def test_each_rule_alone_never_raises(text: str) -> None:
    # `normalize` shields rules from each other's failures; here no such net is in place.
    for rule in (*n.PREPARE, *n.RULES, drop_urls, *n.FINISH):
        assert isinstance(rule(text), str)


_SEPARATORS = st.sampled_from([" ", ", ", ". ", "; ", " - ", "! ", "? ", " / ", " & ", " (", ") "])
_PLAIN_WORD = st.from_regex(r"[a-z]{5,10}", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_PLAIN_WORD, _SEPARATORS), min_size=1, max_size=20))
def test_no_ordinary_word_is_lost(pieces: list[tuple[str, str]]) -> None:
    text = "".join(word + separator for word, separator in pieces)
    spoken_words = set(re.findall(r"[a-z]+", normalize(text).lower()))
    assert {word for word, _ in pieces} <= spoken_words


@pytest.mark.parametrize(
    "huge",
    [
        "1" * 200_000,
        "1," * 100_000,
        "1." * 100_000,
        "a." * 100_000,
        "$" * 200_000,
        "<" * 200_000,
        "[[" * 100_000,
        "-1" * 100_000,
        "Q1 " * 66_000,
        "9:30 a.m. " * 20_000,
        "U.S. " * 40_000,
        "x@y." * 50_000,
        "http://" + "a/" * 100_000,
        "\U0001f600" * 200_000,
        ("The U.S. paid $4.5 billion on Nov. 25, 2026, at 9:30 a.m.; 40,000 troops (1.5\u20132%). "
         * 2_500),
    ],
    ids=lambda text: repr(text[:12]),
)
def test_huge_line_never_hangs(huge: str) -> None:
    # A hang guard, not a speed test (speed is scripts/bench.py's N rows): linear rules take
    # at most 1.0 s of CPU here (measured on a 2-core AMD EPYC); quadratic or catastrophic
    # backtracking takes minutes. CPU time of this process, not wall time: the normalizer's
    # work is all CPU, and on a shared machine the wall clock also counts everyone else's
    # (5x more at a load average of 30 on 2 cores).
    started = time.process_time()
    result = normalize(huge)
    elapsed = time.process_time() - started
    _check_output(result)
    assert elapsed < 15, f"{elapsed:.2f}s"


# A rule alone on a 200,000-character line made of a piece that once made a rule quadratic (or
# might: text before or after every match rescanned, a pattern retried at every position of a
# run of spaces). Hang guards, not speed tests: each takes at most 0.3 s of CPU (2-core AMD
# EPYC); the quadratic versions took minutes ("St " alone: 61 s at 60 KB). CPU time, for the
# reason given above.
@pytest.mark.parametrize(
    ("rule", "piece"),
    [
        (expand_money, "a $5 billion "),
        (expand_abbreviations, "St "),
        (expand_abbreviations, "Elm St. "),
        (expand_abbreviations, "-St. "),
        (expand_abbreviations, "etc. "),
        (spell_acronyms, "U.S. "),
        (expand_times, "9:30 a.m. "),
        (expand_eras, "44 BC. "),
        (expand_quarters, "the Q1 "),
        (expand_dates, "Nov. 25 "),
        (expand_units, "per km "),
        (read_markup_literally, " < "),
        (expand_symbols, " "),
        (expand_symbols, "+ "),
        (expand_symbols, " - "),
        (expand_symbols, "a- \u2014 "),
        (tidy_spacing, " "),
        (tidy_spacing, " ,"),
        (normalize_characters, "\t "),
        (read_urls, "x@y. "),
        (drop_urls, "www.a.com "),
    ],
    ids=lambda value: getattr(value, "__name__", repr(value)),
)
def test_each_rule_is_linear_in_the_length_of_a_line(rule: n.Rule, piece: str) -> None:
    text = piece * (200_000 // len(piece))
    started = time.process_time()
    assert isinstance(rule(text), str)
    elapsed = time.process_time() - started
    assert elapsed < 10, f"{elapsed:.2f}s"
