"""The shared machinery: separators and names from the CLDR, numbers from num2words, and the
generic rules for languages without rules of their own."""

from __future__ import annotations

import pytest

from briefing.normalize.lang import common
from briefing.normalize.lang.registry import gaps, rules_for
from briefing.normalize.normalizer import NormalizeOptions, normalize


@pytest.mark.parametrize(("language", "decimal", "group"),
                         [("de", ",", "."), ("fr", ",", " "), ("es", ",", "."), ("en", ".", ",")])
def test_separators_come_from_the_cldr(language: str, decimal: str, group: str) -> None:
    assert common.separators(language) == (decimal, group)


def test_month_names_come_from_the_cldr() -> None:
    assert common.month_names("de")["juli"] == 7
    assert common.month_names("fr")["mars"] == 3
    assert common.month_names("es")["ene"] == 1


@pytest.mark.parametrize(("written", "language", "spoken"), [
    ("Il 3,5 % di 12.000 persone, 200 km.", "it",
     "Il tre virgola cinque percento di dodicimila persone, duecento chilometri."),
    ("O preço subiu 3,5 %.", "pt", "O preço subiu três vírgula cinco por cento."),
])
def test_other_languages_read_numbers_with_num2words(written: str, language: str,
                                                     spoken: str) -> None:
    assert normalize(written, NormalizeOptions(language=language)) == spoken


def test_a_language_num2words_does_not_know_keeps_its_digits() -> None:
    assert rules_for("xh") == ()
    assert normalize("Kukho 12 abantu.", NormalizeOptions(language="xh")) == "Kukho 12 abantu."
    assert any("numbers" in gap for gap in gaps("xh"))


@pytest.mark.parametrize("language", ["en", "de", "fr", "es", "de-AT"])
def test_the_full_languages_have_no_gaps(language: str) -> None:
    assert gaps(language) == ()


def test_other_languages_name_what_is_not_localised() -> None:
    found = gaps("it")
    assert any("phrases" in gap for gap in found)
    assert any("dates" in gap for gap in found)
