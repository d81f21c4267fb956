"""Briefings in German, French and Spanish end to end: the examples' scripts read as a
newsreader of each language would, with no English word; a real build carries its language
in its tags, subtitles and feed; other languages get a frame without words and a warning."""

from __future__ import annotations

import re
from pathlib import Path

import feedparser
import pytest
from mutagen.id3 import ID3

from briefing.publish.feed import write_feed
from tests.conftest import run_cli

pytestmark = pytest.mark.slow  # end to end: the real command line, engines, encoder

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

# English words a German, French or Spanish script must never contain: the English frame's
# words and the English normalizer's (none of them is a word of those languages).
ENGLISH = frozenset("""
    the and of here is your briefing key points first second third fourth fifth next finally
    full story that was thanks for listening percent dollars cents thousand hundred
    degrees o'clock billion number stories
    """.split())

# (example, language, spoken forms the script must contain)
EXPECTED = [
    ("haushalt-berlin.md", "de", [
        "vier Komma fünf Milliarden Euro",
        "am Mittwoch, dem fünfundzwanzigsten November zweitausendsechsundzwanzig",
        "um neun Uhr dreißig",
        "vier Komma sieben fünf Prozent gegenüber zweitausendfünfundzwanzig",
        "seit neunzehnhundertneunzig",
        "einhundertzwanzig Millionen Euro",
        "siebzehn Komma vier Milliarden Euro",
        "Doktor Maria Lopez",
        "vierzigtausend Menschen",
        "minus vier Grad Celsius",
        "ab dem ersten Januar zweitausendsiebenundzwanzig",
        "neunundvierzig Euro fünfzig Cent",
        "am dritten Dezember um vierzehn Uhr",
        "Das war Ihr Überblick.",
    ]),
    ("budget-lyon.md", "fr", [
        "quatre virgule cinq milliards d'euros",
        "mercredi vingt-cinq novembre deux mille vingt-six",
        "à neuf heures trente",
        "quatre virgule soixante-quinze pour cent",
        "depuis mille neuf cent quatre-vingt-dix",
        "cent vingt millions d'euros",
        "Madame Maria Lopez",
        "douze mille habitants",
        "moins quatre degrés Celsius",
        "quarante-neuf euros cinquante centimes à partir du premier janvier deux mille vingt-sept",
        "le trois décembre à quatorze heures",
        "C'était votre point d'actualité.",
    ]),
    ("presupuesto-sevilla.md", "es", [
        "cuatro coma cinco millones de euros",
        "el miércoles veinticinco de noviembre de dos mil veintiséis",
        "a las nueve y media",
        "un cuatro coma setenta y cinco por ciento",
        "desde mil novecientos noventa",
        "ciento veinte millones de euros",
        "la doctora Maria Lopez",
        "doce mil vecinos",
        "menos cuatro grados Celsius",
        "cuarenta y nueve euros cincuenta céntimos a partir del primero de enero de dos mil "
        "veintisiete",
        "un euro veinte céntimos",
        "el tres de diciembre a las catorce",
        "Este fue su resumen.",
    ]),
]


@pytest.mark.parametrize(("example", "language", "expected"), EXPECTED)
def test_example_script_reads_like_a_newsreader_of_its_language(
        example: str, language: str, expected: list[str]) -> None:
    result = run_cli("script", EXAMPLES / example)
    assert result.code == 0, result.stderr
    script = result.stdout
    for spoken in expected:
        assert spoken in script
    words = set(re.findall(r"[\w']+", script.lower()))
    assert not words & ENGLISH, sorted(words & ENGLISH)
    assert not re.search(r"\d", script)  # every number read out
    assert f"as '{language}' (detected" in result.stderr  # found without being told


def test_language_setting_overrides_detection() -> None:
    result = run_cli("script", "--language", "de", EXAMPLES / "budget-lyon.md")
    assert result.code == 0
    assert "Hier ist Ihr Überblick" in result.stdout and "detected" not in result.stderr


def test_other_languages_get_a_wordless_frame_and_a_warning(tmp_path: Path) -> None:
    article = tmp_path / "notizia.txt"
    article.write_text("Il governo ha approvato 12.000 aiuti, il 3,5 % in più.\n"
                       "I prezzi sono saliti di nuovo a marzo.\n", encoding="utf-8")
    result = run_cli("script", "--language", "it", article)
    assert result.code == 0
    assert "dodicimila" in result.stdout and "tre virgola cinque percento" in result.stdout
    words = set(re.findall(r"[\w']+", result.stdout.lower()))
    assert not words & ENGLISH
    assert "warning: language 'it' is not localised in full" in result.stderr
    assert "phrases" in result.stderr and "dates" in result.stderr


def test_a_bad_language_code_is_one_line_exit_2(tmp_path: Path) -> None:
    result = run_cli("script", "--language", "not a code", EXAMPLES / "budget-lyon.md")
    assert result.code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "ISO 639" in result.stderr


def test_a_language_espeak_does_not_speak_fails_before_synthesis(tmp_path: Path) -> None:
    result = run_cli("build", "--language", "xh", EXAMPLES / "budget-lyon.md",
                     "-o", tmp_path / "x.mp3")
    assert result.code == 2
    assert "no voice for the language 'xh'" in result.stderr
    assert not list(tmp_path.iterdir())


def test_german_build_carries_its_language(tmp_path: Path) -> None:
    site = tmp_path / "site"
    site.mkdir()
    result = run_cli("build", EXAMPLES / "haushalt-berlin.md", "-o", site / "haushalt.mp3",
                     "--no-cache")
    assert result.code == 0, result.stderr
    tags = ID3(site / "haushalt.mp3")
    assert str(tags["TLAN"]) == "deu"
    assert str(tags["TIT2"]) == "Stadtrat beschließt Haushalt über 4,5 Milliarden Euro"
    chapters = [str(chap.sub_frames["TIT2"]) for chap in tags.getall("CHAP")]
    assert chapters == ["Einleitung", "Das Wichtigste", "Die ganze Meldung", "Abschluss"]
    assert (site / "haushalt.vtt").read_text().startswith("WEBVTT\nLanguage: de\n")
    assert "## Das Wichtigste" in (site / "haushalt.txt").read_text()
    feed = feedparser.parse(write_feed(site, "http://127.0.0.1:8000/").path.read_bytes())
    assert feed.feed.language == "de"
    xml = (site / "feed.xml").read_text()
    assert xml.count('language="de"') == 3  # each transcript: VTT, SRT, text
