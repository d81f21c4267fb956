"""French readings: what a French newsreader says for numbers, money, dates and times."""

from __future__ import annotations

import pytest

from briefing.normalize.normalizer import NormalizeOptions, normalize

FRENCH = NormalizeOptions(language="fr")

CASES = [
    ("Le 2 mars 2003", "Le deux mars deux mille trois"),
    ("le 1er mai", "le premier mai"),
    ("à 9 h 30", "à neuf heures trente"),
    ("à 14h", "à quatorze heures"),
    ("à 08:00", "à huit heures"),
    ("3,5 %", "trois virgule cinq pour cent"),
    ("12 000 habitants", "douze mille habitants"),
    ("12.000 habitants", "douze mille habitants"),
    ("5,50 €", "cinq euros cinquante centimes"),
    ("€5.50", "cinq euros cinquante centimes"),
    ("$2", "deux dollars"),
    ("1 £", "une livre"),
    ("€2 millions", "deux millions d'euros"),
    ("3 milliards $", "trois milliards de dollars"),
    ("le 21e siècle", "le vingt et unième siècle"),
    ("la 1re fois", "la première fois"),
    ("M. Dupont et Mme Durand", "Monsieur Dupont et Madame Durand"),
    ("-4 °C", "moins quatre degrés Celsius"),
    ("1 000 000", "un million"),
    ("02/03/2003", "deux mars deux mille trois"),
    ("81 ans", "quatre-vingt-un ans"),
]


@pytest.mark.parametrize(("written", "spoken"), CASES)
def test_french_reading(written: str, spoken: str) -> None:
    assert normalize(written, FRENCH) == spoken
