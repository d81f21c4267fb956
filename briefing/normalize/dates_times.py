"""Dates and times: "Nov. 25, 2026" -> "November twenty-fifth, twenty twenty-six", "9:30 a.m."
-> "nine thirty A-M"."""

from __future__ import annotations

import re

from briefing.normalize import tables
from briefing.normalize.abbreviations import keep_period_at_end
from briefing.normalize.numbers import (
    DIGIT,
    cardinal_words,
    ordinal_words,
    two_digit_year_words,
    year_words,
)

# --------------------------------------------------------------------------- dates

_MONTH_ALT = (
    r"(?:(?i:january|february|march|april|june|july|august|september|october|november"
    r"|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)|May|MAY)"
)
_ISO_DATE = re.compile(
    r"(?<![\w./-])(?P<year>\d{4})(?P<sep>[-/])(?P<month>\d{1,2})(?P=sep)(?P<day>\d{1,2})(?![\w/-]|\.\d)"
)
_NUMERIC_DATE = re.compile(
    r"(?<![\w./-])(?P<a>\d{1,2})(?P<sep>[./-])(?P<b>\d{1,2})(?P=sep)"
    r"(?P<year>\d{4}|(?<=/)\d{2})(?![\w/-]|\.\d)"
)
_MONTH_DAY = re.compile(
    rf"""
    (?<![\w.])(?P<month>{_MONTH_ALT})\.?(?:\s+|-)
    (?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\w:]|[.,]\d)
    (?:(?P<sep>,?\s+|-)(?P<year>\d{{4}})(?![\w]|[.,]\d))?
    """,
    re.VERBOSE,
)
_DAY_MONTH = re.compile(
    rf"""
    (?<![\w.,])(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?
    (?P<month>{_MONTH_ALT}|may)(?:\.|(?!\w))
    (?:,?\s+(?P<year>\d{{4}})(?![\w]|[.,]\d))?
    """,
    re.VERBOSE,
)
_MONTH_ABBREVIATION = re.compile(r"(?<![\w.])(Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.")
_MONTH_ABBREVIATION_HINT = re.compile(r"(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.")
_WEEKDAY_ALT = "|".join(sorted(tables.WEEKDAYS, key=len, reverse=True))
_WEEKDAY = re.compile(rf"(?<![\w.])({_WEEKDAY_ALT})\.(?=,|\s+(?:{_MONTH_ALT}|\d))")
_WEEKDAY_HINT = re.compile(rf"(?:{_WEEKDAY_ALT})\.")


def _month_name(token: str) -> str | None:
    number = tables.MONTH_NAMES.get(token.lower().rstrip("."))
    return None if number is None else tables.MONTHS[number - 1]


def _year_text(year: str) -> str:
    return two_digit_year_words(year) if len(year) == 2 else year_words(int(year))


def _month_first(month: int, day: int, year: str | None) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    spoken = f"{tables.MONTHS[month - 1]} {ordinal_words(day)}"
    return f"{spoken}, {_year_text(year)}" if year else spoken


def _day_first(day: int, month: int, year: str | None, article: bool = True) -> str | None:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    spoken = f"{'the ' if article else ''}{ordinal_words(day)} of {tables.MONTHS[month - 1]}"
    return f"{spoken}, {_year_text(year)}" if year else spoken


def _after_the(match: re.Match[str]) -> bool:
    return match.string[max(0, match.start() - 4) : match.start()].lower() == "the "


def expand_dates(text: str) -> str:
    """ "Nov. 25, 2026" -> "November twenty-fifth, twenty twenty-six"; "25 July" -> "the
    twenty-fifth of July"; "2024-11-25" and "11/25/2024" likewise (US order unless the first
    number cannot be a month)."""

    def iso(match: re.Match[str]) -> str:
        spoken = _month_first(int(match["month"]), int(match["day"]), match["year"])
        return spoken or match.group(0)

    def numeric(match: re.Match[str]) -> str:
        a, b, year = int(match["a"]), int(match["b"]), match["year"]
        if a > 12:
            spoken = _day_first(a, b, year, article=not _after_the(match))
        else:
            spoken = _month_first(a, b, year)
        return spoken or match.group(0)

    def month_day(match: re.Match[str]) -> str:
        month = tables.MONTH_NAMES[match["month"].lower()]
        spoken = _month_first(month, int(match["day"]), match["year"])
        return spoken or match.group(0)

    def day_month(match: re.Match[str]) -> str:
        month = tables.MONTH_NAMES[match["month"].lower()]
        spoken = _day_first(int(match["day"]), month, match["year"], not _after_the(match))
        return spoken or match.group(0)

    if DIGIT.search(text):  # see numbers.DIGIT: skip patterns that cannot match
        text = _ISO_DATE.sub(iso, text)
        text = _NUMERIC_DATE.sub(numeric, text)
        text = _MONTH_DAY.sub(month_day, text)
        text = _DAY_MONTH.sub(day_month, text)
    if _MONTH_ABBREVIATION_HINT.search(text):
        text = _MONTH_ABBREVIATION.sub(lambda m: _month_name(m.group(1)) or m.group(0), text)
    if _WEEKDAY_HINT.search(text):
        text = _WEEKDAY.sub(lambda m: tables.WEEKDAYS[m.group(1)], text)
    return text


# --------------------------------------------------------------------------- times

_AMPM = r"(?P<ampm{n}>(?i:[ap]\.?\s?m\b\.?))"
_ZONE_ALT = "|".join(
    r"\.?".join(letter for letter in zone) + r"\.?"
    for zone in sorted(tables.TIME_ZONES, key=len, reverse=True)
)
_CLOCK = r"(?P<h{n}>\d{{1,2}})(?:(?P<sep{n}>[:.])(?P<m{n}>\d{{2}}))?(?::(?P<s{n}>\d{{2}}))?"
_TIME_RANGE = re.compile(
    rf"(?<![\w.:,])(?:{_CLOCK.format(n=1)})\s?(?:{_AMPM.format(n=1)}\s?)?[-{tables.EN_DASH}]\s?"
    rf"{_CLOCK.format(n=2)}\s?{_AMPM.format(n=2)}(?:\s?(?P<zone>(?i:{_ZONE_ALT}))(?!\w))?"
)
_TIME_AMPM = re.compile(
    rf"(?<![\w.:,])(?:{_CLOCK.format(n=1)})\s?{_AMPM.format(n=1)}"
    rf"(?:\s?(?P<zone>(?i:{_ZONE_ALT}))(?!\w))?"
)
_TIME_24H = re.compile(
    r"(?<![\w.:,])(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2}))?(?![\w:]|[.,]\d)"
    rf"(?:\s?(?P<zone>{'|'.join(sorted(tables.TIME_ZONES))})(?!\w))?"
)


def _ampm_word(written: str) -> str:
    # eSpeak reads "AM" as the verb "am" and a lone "A" as the article; "A-M" it spells.
    return "A-M" if written.lower().startswith("a") else "PM"


def _clock_words(hour: int, minute: int) -> str:
    if minute == 0:
        return cardinal_words(hour)
    if minute < 10:
        return f"{cardinal_words(hour)} oh {cardinal_words(minute)}"
    return f"{cardinal_words(hour)} {cardinal_words(minute)}"


def _zone_words(zone: str | None) -> str:
    return " " + zone.replace(".", "").upper() if zone else ""


def _time_part(match: re.Match[str], n: int, ampm: str | None) -> str | None:
    hour, minute = int(match[f"h{n}"]), int(match[f"m{n}"] or 0)
    if match[f"sep{n}"] == "." and ampm is None:
        return None  # "5.30" without a.m./p.m. is a decimal, not a time
    if not (1 <= hour <= 12 and minute < 60) if ampm else not (hour <= 23 and minute < 60):
        return None
    spoken = _clock_words(hour, minute)
    return f"{spoken} {_ampm_word(ampm)}" if ampm else spoken


def _duration_words(hours: int, minutes: int, seconds: int) -> str:
    parts = [
        f"{cardinal_words(value)} {name if value == 1 else name + 's'}"
        for value, name in ((hours, "hour"), (minutes, "minute"), (seconds, "second"))
        if value
    ]
    if not parts:
        return "zero seconds"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def expand_times(text: str) -> str:
    """ "9:30 a.m." -> "nine thirty A-M"; "3 p.m. EST" -> "three PM EST"; "2-5 p.m." ->
    "two to five PM"; "14:30" -> "fourteen thirty"; "1:02:03" -> a duration."""

    def time_range(match: re.Match[str]) -> str:
        second = _time_part(match, 2, match["ampm2"])
        first = _time_part(match, 1, match["ampm1"] or match["ampm2"])
        if first is None or second is None:
            return match.group(0)
        if not match["ampm1"]:
            first = first.rsplit(" ", 1)[0]  # "two to five PM", not "two PM to five PM"
        return f"{first} to {second}{_zone_words(match['zone'])}{keep_period_at_end(match)}"

    def with_ampm(match: re.Match[str]) -> str:
        spoken = _time_part(match, 1, match["ampm1"])
        if spoken is None:
            return match.group(0)
        return f"{spoken}{_zone_words(match['zone'])}{keep_period_at_end(match)}"

    def clock(match: re.Match[str]) -> str:
        hour, minute = int(match["h"]), int(match["m"])
        if match["s"] is not None:
            if minute > 59 or int(match["s"]) > 59:
                return match.group(0)
            return _duration_words(hour, minute, int(match["s"])) + _zone_words(match["zone"])
        if hour > 23 or minute > 59:
            return match.group(0)
        if minute == 0:
            # "09:00" is "nine o'clock"; "23:00" is said the 24-hour way, "twenty-three hundred".
            spoken = f"{cardinal_words(hour)} o'clock" if 1 <= hour <= 12 else (
                f"{cardinal_words(hour)} hundred"
            )
        else:
            spoken = _clock_words(hour, minute)
        return spoken + _zone_words(match["zone"])

    text = _TIME_RANGE.sub(time_range, text)
    text = _TIME_AMPM.sub(with_ampm, text)
    return _TIME_24H.sub(clock, text)

