"""German readings: what a German newsreader says for numbers, money, dates and times."""

from __future__ import annotations

import pytest

from briefing.normalize.normalizer import NormalizeOptions, normalize

GERMAN = NormalizeOptions(language="de")

CASES = [
    ("Am 24. Juli 2013", "Am vierundzwanzigsten Juli zweitausenddreizehn"),
    ("24. Juli 2013 war", "vierundzwanzigster Juli zweitausenddreizehn war"),
    ("02.03.2003", "zweiter März zweitausenddrei"),
    ("2003-03-02", "zweiter März zweitausenddrei"),
    ("um 08:00 Uhr", "um acht Uhr"),
    ("um 9 Uhr", "um neun Uhr"),
    ("um 11:30", "um elf Uhr dreißig"),
    ("2.30 Uhr", "zwei Uhr dreißig"),
    ("00:00:00 Uhr", "null Uhr null Minuten null Sekunden"),
    ("3,5 %", "drei Komma fünf Prozent"),
    ("12.000 Menschen", "zwölftausend Menschen"),
    ("12 000 Menschen", "zwölftausend Menschen"),
    ("5,50 €", "fünf Euro fünfzig Cent"),
    ("€5.50", "fünf Euro fünfzig Cent"),
    ("$2", "zwei Dollar"),
    ("€0,01", "ein Cent"),
    ("4,5 Mrd. €", "vier Komma fünf Milliarden Euro"),
    ("1 Million", "eine Million"),
    ("im 20. Jahrhundert", "im zwanzigsten Jahrhundert"),
    ("die 3. Liga", "die dritte Liga"),
    ("z. B. im Jahr 1990", "zum Beispiel im Jahr neunzehnhundertneunzig"),
    ("200 km/h", "zweihundert Kilometer pro Stunde"),
    ("-4 °C", "minus vier Grad Celsius"),
    ("1 Prozent", "ein Prozent"),
    ("CHF 10", "zehn Schweizer Franken"),
    ("Es waren 25.", "Es waren fünfundzwanzig."),
    ("Mittwoch, dem 25. November", "Mittwoch, dem fünfundzwanzigsten November"),
]


@pytest.mark.parametrize(("written", "spoken"), CASES)
def test_german_reading(written: str, spoken: str) -> None:
    assert normalize(written, GERMAN) == spoken
