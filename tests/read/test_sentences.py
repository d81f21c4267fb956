"""Tests for the sentence splitter: abbreviations, initials and decimals do not end sentences."""

from __future__ import annotations

import pytest

from briefing.read.sentences import split_sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One. Two! Three? Four", ["One.", "Two!", "Three?", "Four"]),
        ("Dr. Smith arrived. He spoke.", ["Dr. Smith arrived.", "He spoke."]),
        ("Mr. and Mrs. Jones left.", ["Mr. and Mrs. Jones left."]),
        ("The U.S. Senate voted. Then it rested.", ["The U.S. Senate voted.", "Then it rested."]),
        ("Made in the U.S. The talks failed.", ["Made in the U.S.", "The talks failed."]),
        ("We met at 9:30 a.m. Eastern time.", ["We met at 9:30 a.m. Eastern time."]),
        ("We met at 9:30 a.m. He was late.", ["We met at 9:30 a.m.", "He was late."]),
        ("She lives in St. Louis. It is big.", ["She lives in St. Louis.", "It is big."]),
        ("Nancy lived on Elm St. It was strange.", ["Nancy lived on Elm St.", "It was strange."]),
        ("Prices rose 1.5 percent. Then fell.", ["Prices rose 1.5 percent.", "Then fell."]),
        ("J. R. R. Tolkien wrote it.", ["J. R. R. Tolkien wrote it."]),
        ("Tanks, e.g. the T-90, rolled. More.", ["Tanks, e.g. the T-90, rolled.", "More."]),
        ("On Nov. 25, 2026 it snowed.", ["On Nov. 25, 2026 it snowed."]),
        ("See No. 5 and pp. 12-19.", ["See No. 5 and pp. 12-19."]),
        ("Russia vs. Ukraine. Next item.", ["Russia vs. Ukraine.", "Next item."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ("Apple Inc. The company grew.", ["Apple Inc.", "The company grew."]),
        ("Wait... What happened?", ["Wait...", "What happened?"]),
        ("   ", []),
        ("No terminator", ["No terminator"]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected
