"""Percentages, temperatures and units of measure: "4.75%" -> "4.75 percent", "−4°C" -> "−4
degrees Celsius", "12kg" -> "12 kilograms". The numbers themselves are read by a later rule."""

from __future__ import annotations

import re

from briefing.normalize import tables
from briefing.normalize.numbers import DIGIT, NUMBER_PATTERN, is_one

_PERCENT = re.compile(r"(?<=\d)\s?%")
_TEMPERATURE = re.compile(
    rf"(?<![\w.])(?P<num>{NUMBER_PATTERN})\s?°(?:\s?(?P<scale>[CFK])(?![\w]))?"
)
_UNIT_ALT = "|".join(re.escape(unit) for unit in sorted(tables.UNITS, key=len, reverse=True))
_UNIT_OR_PER_ALT = "|".join(
    re.escape(unit) for unit in sorted({*tables.UNITS, *tables.PER_UNITS}, key=len, reverse=True)
)
_MEASURE = re.compile(
    rf"""
    (?<![\w.])
    (?P<num>{NUMBER_PATTERN}(?:\s\d+/\d+)?)
    (?P<scale>\s(?:thousand|million|billion))?
    (?P<joint>-|\s?)
    (?P<unit>{_UNIT_ALT})(?!\w)
    (?:/(?P<per>{_UNIT_OR_PER_ALT})(?!\w))?
    """,
    re.VERBOSE,
)
_PER_MEASURE = re.compile(
    rf"(?<![\w.])(?P<num>{NUMBER_PATTERN})/(?P<unit>{_UNIT_OR_PER_ALT})(?![\w/])"
)
_STANDALONE_ALT = "|".join(
    re.escape(unit) for unit in sorted(tables.STANDALONE_UNITS, key=len, reverse=True)
)
_PER_STANDALONE = re.compile(rf"(?<=\bper )(?:{_STANDALONE_ALT})(?![\w/])")
_STANDALONE = re.compile(rf"(?<![\w/.-])(?:{_STANDALONE_ALT})(?![\w/])")
_STANDALONE_HINT = re.compile(rf"(?:{_STANDALONE_ALT})(?![\w/])")
_TIMES = re.compile(rf"(?<![\w.])(?P<num>{NUMBER_PATTERN})x(?!\w)")
_BARE_SCALE_ALT = "|".join(sorted(tables.BARE_NUMBER_SCALES, key=len, reverse=True))
# "1.6m" glued, or "2 bn" spaced (never "5 m", which may be meters).
_BARE_SCALE = re.compile(
    rf"(?<![\w.])(?P<num>{NUMBER_PATTERN})(?P<scale>{_BARE_SCALE_ALT}|\s(?:bn|mn|tn))(?!\w)"
)


def _unit_name(unit: str, singular: bool) -> str:
    if unit in tables.UNITS:
        return tables.UNITS[unit][0 if singular else 1]
    return tables.PER_UNITS[unit]


def expand_percent(text: str) -> str:
    """ "4.75%" -> "4.75 percent" (the number is read by a later rule)."""
    return _PERCENT.sub(" percent", text)


def expand_temperatures(text: str) -> str:
    """ "−4°C" -> "−4 degrees Celsius"; "45°" -> "45 degrees"."""

    def replace(match: re.Match[str]) -> str:
        degrees = "degree" if is_one(match["num"]) else "degrees"
        scale = tables.TEMPERATURE_SCALES.get(match["scale"] or "", "")
        return f"{match['num']} {degrees} {scale}".rstrip()

    return _TEMPERATURE.sub(replace, text)


def expand_units(text: str) -> str:
    """ "12kg" -> "12 kilograms", "40-km front" -> "40-kilometer front", "km/h" -> words."""

    def measure(match: re.Match[str]) -> str:
        adjectival = match["joint"] == "-"  # "a 40-km drive": singular, keeps its hyphen
        singular = adjectival or (is_one(match["num"]) and not match["scale"])
        spoken = _unit_name(match["unit"], singular)
        if match["per"]:
            spoken += " per " + _unit_name(match["per"], singular=True)
        joint = "-" if adjectival else " "
        return f"{match['num']}{match['scale'] or ''}{joint}{spoken}"

    def per_measure(match: re.Match[str]) -> str:
        return f"{match['num']} per {_unit_name(match['unit'], singular=True)}"

    # See numbers.DIGIT: each pattern runs only if what it needs is there. (Unit words never
    # bring digits in, so one test for digits serves all four patterns that need them.)
    has_digit = DIGIT.search(text) is not None
    if has_digit:
        text = _MEASURE.sub(measure, text)
        text = _PER_MEASURE.sub(per_measure, text)
    if "per " in text:
        text = _PER_STANDALONE.sub(lambda m: _unit_name(m.group(0), singular=True), text)
    if _STANDALONE_HINT.search(text):
        text = _STANDALONE.sub(lambda m: _unit_name(m.group(0), singular=False), text)
    if has_digit:
        text = _TIMES.sub(lambda m: f"{m['num']} times", text)
        text = _BARE_SCALE.sub(lambda m: f"{m['num']} {tables.SCALES[m['scale'].strip()]}", text)
    return text

