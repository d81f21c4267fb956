"""Spanish: how a Spanish newsreader reads numbers, money, dates and times.

"1 de enero" -> "primero de enero", "10 mayo 1990" -> "diez de mayo de mil novecientos
noventa", "13:30" -> "trece y media", "5,50 €" -> "cinco euros cincuenta céntimos", "$2" ->
"dos dólares", "3,5 %" -> "tres coma cinco por ciento", "12.000" -> "doce mil", "2.º" ->
"segundo". Number words come from num2words, month names, separators and unit names from the
CLDR (Babel).
"""

from __future__ import annotations

import re

from briefing.normalize.lang import common
from briefing.normalize.lang.common import Spelling
from briefing.normalize.lang.rules import Conventions, Currency, build

SPELLING = Spelling("es", "coma", fraction_in_pairs=True, percent_word="por ciento")

_ONE = re.compile(r"(?:^|(?<=\s))(?P<word>uno|veintiuno)$")


def _one_before_noun(words: str, feminine: bool) -> str:
    """ "uno" -> "un" / "una", "veintiuno" -> "veintiún" / "veintiuna"."""
    def shorten(match: re.Match[str]) -> str:
        word = match["word"]
        if feminine:
            return word[:-1] + "a"
        return "veintiún" if word == "veintiuno" else "un"
    return _ONE.sub(shorten, words)


def _date(day: int, month: int, year: str | None, before: str) -> str:
    day_words = "primero" if day == 1 else common.cardinal(day, "es")
    spoken = f"{day_words} de {common.month_name(month, 'es')}"
    if year:
        spoken += f" de {common.cardinal(int(year), 'es')}"
    return spoken


def _month_year(month: int, year: str) -> str:
    return f"{common.month_name(month, 'es')} de {common.cardinal(int(year), 'es')}"


def _joiner(currency: str) -> str:
    return " de "


_TIME = re.compile(
    r"(?<![\w.,:])(?P<hour>[012]?\d)(?::(?P<minute>[0-5]\d)(?::(?P<second>[0-5]\d))?"
    r"|\.(?P<minute2>[0-5]\d)(?=\s?(?:h\b|a\.\s?m\b|p\.\s?m\b)))"
    r"(?:\s?(?P<suffix>h\b|a\.\s?m\.?|p\.\s?m\.?))?(?![\w:])")


def _hour_words(hour: int) -> str:
    return _one_before_noun(common.cardinal(hour, "es"), True)


def _timed(match: re.Match[str]) -> str:
    hour = int(match["hour"])
    minute = int(match["minute"] or match["minute2"] or 0)
    second = int(match["second"]) if match["second"] else None
    if hour > 24:
        return match.group(0)
    if second is not None:
        return (f"{_hour_words(hour)} {'hora' if hour == 1 else 'horas'} "
                f"{_one_before_noun(common.cardinal(minute, 'es'), False)} "
                f"{'minuto' if minute == 1 else 'minutos'} y "
                f"{_one_before_noun(common.cardinal(second, 'es'), False)} "
                f"{'segundo' if second == 1 else 'segundos'}")
    spoken = _hour_words(hour)
    if minute == 15:
        spoken += " y cuarto"
    elif minute == 30:
        spoken += " y media"
    elif minute:
        spoken += " y " + common.cardinal(minute, "es")
    suffix = (match["suffix"] or "").replace(" ", "").rstrip(".")
    if suffix == "a.m":
        spoken += " de la noche" if hour == 12 else " de la mañana"
    elif suffix == "p.m":
        spoken += (" del mediodía" if hour == 12 else " de la tarde" if hour < 8
                   else " de la noche")
    return spoken


def expand_times(text: str) -> str:
    """ "13:30" -> "trece y media", "5:02 p. m." -> "cinco y dos de la tarde"."""
    return _TIME.sub(_timed, text)


_ORDINAL = (r"(?<![\w.,])(?P<num>\d{1,3}(?:[ .]\d{3})*|\d+)"
            r"(?:\.?(?P<mark>ᵉʳ|er|º|ª|°|o|a)|(?P<word>ro|ra))(?!\w)")


# num2words' Spanish ordinals, corrected to the RAE's spelling: the misspelt hundreds, the
# names of 11th and 12th, and 13th-19th and 21st-29th written as one word, the first part
# losing its accent ("decimotercero", "vigesimoprimero", "vigesimoctavo").
_MISSPELT = (("quadra", "cuadra"), ("cuadrigent", "cuadringent"), ("septigent", "septingent"),
             ("octigent", "octingent"), ("décimoprimero", "undécimo"),
             ("décimosegundo", "duodécimo"))
_JOINED = re.compile(r"\b(décimo|vigésimo) (\w+)")


def _join(match: re.Match[str]) -> str:
    first = match[1].replace("é", "e")
    second = match[2]
    if second.startswith("o"):  # "vigesimo" + "octavo" -> "vigesimoctavo"
        first = first[:-1]
    return first + second


def _fixed(words: str) -> str:
    for wrong, right in _MISSPELT:
        words = words.replace(wrong, right)
    return _JOINED.sub(_join, words)


def _ordinal(match: re.Match[str]) -> str:
    value = int(match["num"].replace(" ", "").replace(".", ""))
    mark = match["mark"] or match["word"]
    words = _fixed(common.ordinal(value, "es"))
    if mark in ("ª", "a", "ra"):
        words = " ".join(word[:-1] + "a" if word.endswith("o") else word
                         for word in words.split())
    elif mark in ("ᵉʳ", "er"):
        words = re.sub(r"(primer|tercer)o$", r"\1", words)
    return words


def _feminine(name: str) -> bool:
    """Spanish nouns in -a are feminine, with few exceptions among units and currencies."""
    word = name.split()[0].removesuffix("s")
    return word.endswith("a") and word not in ("lempira", "kwanza", "coma")


CONVENTIONS = Conventions(
    spelling=SPELLING,
    symbols={
        "€": Currency("euro", "euros", "céntimo", "céntimos"),
        "$": Currency("dólar", "dólares", "centavo", "centavos"),
        "US$": Currency("dólar estadounidense", "dólares estadounidenses", "centavo",
                        "centavos"),
        "£": Currency("libra", "libras", "penique", "peniques", feminine=True),
        "¥": Currency("yen", "yenes"),
    },
    scales={
        "millón": "millón", "millones": "millones", "mil millones": "mil millones",
        "billón": "billón", "billones": "billones", "trillones": "trillones",
        "mill.": "millones", "M": "millones", "mdd": "millones de dólares",
    },
    currency_joiner=_joiner,
    date=_date,
    month_year=_month_year,
    ordinal_pattern=_ORDINAL,
    ordinal=_ordinal,
    abbreviations={
        "Sr.": "señor", "Sra.": "señora", "Srta.": "señorita", "Dr.": "doctor",
        "Dra.": "doctora", "EE. UU.": "Estados Unidos", "EE.UU.": "Estados Unidos",
        "EEUU": "Estados Unidos", "etc.": "etcétera", "núm.": "número", "n.º": "número",
        "aprox.": "aproximadamente", "p. ej.": "por ejemplo", "a. C.": "antes de Cristo",
        "d. C.": "después de Cristo", "Avda.": "avenida", "UE": "U E", "PIB": "P I B",
        "PP": "P P", "PSOE": "P S O E",
    },
    symbol_words={"&": "y", "+": "más", "=": "igual a"},
    per_word="por",
    one_before_noun=_one_before_noun,
    feminine_noun=_feminine,
    # A word that a "1" before it counts: not one a pronoun "uno" goes with ("uno de ellos").
    noun_pattern=r"(?!(?:de|del|y|o|u|que|por|a|en|con|más|menos|es|fue)\b)[a-záéíóúñ]{2,}",
)



def _rules() -> tuple[common.Rule, ...]:
    built = build(CONVENTIONS)
    # Times go before units ("9 h 30" is a time, not nine hours and a number) and plain
    # numbers.
    return (*built[:2], expand_times, *built[2:])


RULES = _rules()
