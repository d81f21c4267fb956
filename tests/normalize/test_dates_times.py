"""Tests for `briefing.normalize.dates_times`: dates and clock times."""

from __future__ import annotations

import pytest

from briefing.normalize.dates_times import expand_dates, expand_times
from briefing.normalize.normalizer import Rule, normalize
from tests.normalize.cases import spoken_forms

# Through the whole normalizer: (written, spoken).
CASES: dict[str, list[tuple[str, str]]] = {
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
}


@spoken_forms(CASES)
def test_spoken_form(written: str, spoken: str) -> None:
    assert normalize(written) == spoken


@pytest.mark.parametrize(
    ("rule", "written", "spoken"),
    [
        (expand_dates, "Jan. 15", "January fifteenth"),
        (expand_times, "3 p.m", "three PM"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_rule_alone(rule: Rule, written: str, spoken: str) -> None:
    assert rule(written) == spoken
