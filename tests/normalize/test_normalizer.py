"""Tests for the normalization stage: each rule family, the pipeline, and its robustness."""

from __future__ import annotations

import re
import time
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefing.normalize import normalizer as n
from briefing.normalize.lexicon import Lexicon
from briefing.normalize.normalizer import NormalizeOptions, normalize

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
    "percentages": [
        ("4.75%", "four point seven five percent"),
        ("rose 0.25 percentage points", "rose zero point two five percentage points"),
        ("between 1.5\u20132%", "between one point five to two percent"),
        ("12 %", "twelve percent"),
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
        ("340 AD", "three forty A-D"),
    ],
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
    "dates": [
        ("Nov. 25, 2026", "November twenty-fifth, twenty twenty-six"),
        ("Wednesday, Nov. 25", "Wednesday, November twenty-fifth"),
        ("Wed., Nov. 25", "Wednesday, November twenty-fifth"),
        ("on 25 July 2012", "on the twenty-fifth of July, twenty twelve"),
        ("on the 26th May", "on the twenty-sixth of May"),
        ("Sept. 15", "September fifteenth"),
        ("2006-08-05", "August fifth, two thousand six"),
        ("10/06/2005", "October sixth, two thousand five"),
        ("15.01.2020", "the fifteenth of January, twenty twenty"),
        ("July 2024", "July twenty twenty-four"),
        ("in Jan. 2020", "in January twenty twenty"),
        ("May 5,000 people", "May five thousand people"),
        ("they may 2 times", "they may two times"),
    ],
    "quarters": [
        ("Q2 results", "the second quarter results"),
        ("its Q3 2024 profit", "its third quarter of twenty twenty-four profit"),
        ("in 2Q22", "in the second quarter of twenty twenty-two"),
        ("H1 sales", "the first half sales"),
        ("FY2025", "fiscal year twenty twenty-five"),
    ],
    "times": [
        ("9:30 a.m.", "nine thirty A-M."),
        ("at 3 p.m. today", "at three PM today"),
        ("5pm", "five PM"),
        ("9:05 AM EST", "nine oh five A-M EST"),
        ("1:59 p.m. e.s.t", "one fifty-nine PM EST"),
        ("2-5 p.m.", "two to five PM."),
        ("2pm-5pm", "two PM to five PM"),
        ("14:30", "fourteen thirty"),
        ("01:00", "one o'clock"),
        ("23:00", "twenty-three hundred"),
        ("1:01:01", "one hour, one minute and one second"),
        ("1.59 p.m.", "one fifty-nine PM."),
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
    "symbols and units": [
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
        ("2/3 of voters", "two thirds of voters"),
        ("1/4", "one quarter"),
        ("24/7", "twenty-four seven"),
        ("AT&T", "AT and T"),
        ("R&D", "R and D"),
        ("2 + 2", "two plus two"),
        ("x = 5", "x equals five"),
        ("4.4x", "four point four times"),
        ("Kyiv/Moscow", "Kyiv slash Moscow"),
        ("and/or", "and or"),
        ("#MeToo", "hashtag MeToo"),
        ("grew ~5%", "grew about five percent"),
        ("the war\u2014and the peace", "the war, and the peace"),
        ("Kyiv \u2013 and Moscow", "Kyiv, and Moscow"),
        ("wait... what", "wait... what"),
        ("wait\u2026 what", "wait... what"),
        ("\u201cquoted\u201d and \u2018single\u2019", "\"quoted\" and 'single'"),
        ("Ukraine\u2019s army", "Ukraine's army"),
        ("per km", "per kilometer"),
        ("km of front line", "kilometers of front line"),
    ],
    "urls and e-mail": [
        ("see example.gov/budget", "see example dot gov slash budget"),
        ("see https://www.example.gov/budget.", "see example dot gov slash budget."),
        ("http://example.com/a?b=1#c", "example dot com slash a"),
        ("write to press@example.org", "write to press at example dot org"),
        ("(www.bbc.co.uk)", "(bbc dot co dot uk)"),
        ("report2024.example.com", "report two zero two four dot example dot com"),
    ],
    "emoji and unreadable symbols": [
        ("great \U0001f600 news", "great news"),
        ("great\U0001f600news", "great news"),
        ("\u2605 Top story \u2605", "Top story"),
        ("a*b", "a b"),
        ("under_score", "under score"),
    ],
    "phone numbers": [
        ("call 555-123-4567", "call five five five, one two three, four five six seven"),
        ("+1 (555) 123-4567", "plus one, five five five, one two three, four five six seven"),
    ],
}

ALL_CASES = [
    pytest.param(written, spoken, id=f"{family}: {written}")
    for family, cases in CASES.items()
    for written, spoken in cases
]


def test_enough_cases() -> None:
    assert len(ALL_CASES) >= 80


@pytest.mark.parametrize(("written", "spoken"), ALL_CASES)
def test_spoken_form(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


# --------------------------------------------------------------------------- rules alone

@pytest.mark.parametrize(
    ("rule", "written", "spoken"),
    [
        (n.normalize_characters, "a\u00a0b\u2014c\x00d\x07e", "a b\u2014cde"),
        (n.read_markup_literally, "<b>bold</b>", " b bold /b "),
        (n.expand_money, "$3", "three dollars"),
        (n.expand_percent, "5%", "5 percent"),
        (n.expand_temperatures, "1\u00b0F", "1 degree Fahrenheit"),
        (n.expand_units, "5 mph", "5 miles per hour"),
        (n.expand_dates, "Jan. 15", "January fifteenth"),
        (n.expand_decades, "1980s", "nineteen eighties"),
        (n.expand_quarters, "Q4", "the fourth quarter"),
        (n.expand_times, "3 p.m", "three PM"),
        (n.expand_abbreviations, "Dr. No", "Doctor No"),
        (n.spell_acronyms, "U.N.", "U N."),
        (n.expand_fractions, "3/4", "three quarters"),
        (n.expand_ranges, "1-5", "one to five"),
        (n.expand_ordinals, "3rd", "third"),
        (n.expand_years, "1999", "nineteen ninety-nine"),
        (n.expand_numbers, "42", "forty-two"),
        (n.expand_symbols, "a & b", "a and b"),
        (n.drop_unreadable, "a\u2665b", "a b"),
        (n.tidy_spacing, "  a ,  b  .", "a, b."),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_rule_alone(rule: n.Rule, written: str, spoken: str) -> None:
    assert rule(written) == spoken


def test_rules_are_named_functions_in_order() -> None:
    names = [rule.__name__ for rule in n.RULES]
    assert names[0] == "read_urls"
    assert names.index("expand_money") < names.index("expand_numbers")
    assert names.index("expand_dates") < names.index("expand_years")
    assert len(set(names)) == len(names)


# --------------------------------------------------------------------------- options

def test_drop_urls_removes_addresses_but_keeps_words() -> None:
    text = "Details at https://example.gov/budget and press@example.org today."
    assert normalize(text, NormalizeOptions(drop_urls=True)) == "Details at and today."


def test_urls_read_by_default() -> None:
    assert "example dot gov" in normalize("Details at example.gov today.")


def test_lexicon_applied_before_rules_and_shielded() -> None:
    lexicon = Lexicon({"Dr.": "Drive", "US": "oose", "Kharkiv": "Kharkeev"})
    options = NormalizeOptions(lexicon=lexicon)
    assert normalize("Elm Dr. in Kharkiv's US office", options) == (
        "Elm Drive in Kharkeev's oose office"
    )


def test_lexicon_output_is_still_made_safe() -> None:
    options = NormalizeOptions(lexicon=Lexicon({"foo": "<bar> [[x]]"}))
    assert normalize("a foo b", options) == "a bar x b"


# --------------------------------------------------------------------------- markup

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
    for rule in (*n.PREPARE, *n.RULES, n.drop_urls, *n.FINISH):
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
    # A hang guard, not a speed test (speed is scripts/bench.py's job): linear rules take
    # well under a second here; catastrophic backtracking would take minutes.
    started = time.perf_counter()
    result = normalize(huge)
    elapsed = time.perf_counter() - started
    _check_output(result)
    assert elapsed < 15, f"{elapsed:.2f}s"
