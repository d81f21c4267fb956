"""Measure `briefing.normalize.normalizer` against NeMo's text-normalization test cases.

The cases live outside the repository (``../shared/peer-tests/nemo-LANG-tn/`` relative to the
repo root, or a directory given as the first argument) and are read at run time, never copied.
Each line is ``written~spoken`` (more spoken forms may follow, each one accepted); the German
files are written ``spoken~written``, so each line's direction is taken from where its digits
are. Both sides are compared after the light canonicalization the cases' README asks for:
lower case, punctuation and hyphens to spaces, the word "and" dropped (English), spaces
collapsed; German also with all white space removed (its cases split compounds into words).

Usage: ``python scripts/normalization_report.py [CASES_DIR] [--language en|de|es|fr]
[--failures]``

Prints a markdown table of agreement per category, the overall figure, the figure on the seven
core categories, and the cases we deliberately read differently (with the reason).
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from briefing.normalize.normalizer import (  # noqa: E402 - needs the path set above
    NormalizeOptions,
    normalize,
)

PEER_TESTS = REPO_ROOT.parent / "shared" / "peer-tests"
DEFAULT_CASES = PEER_TESTS / "nemo-en-tn"
CORE_CATEGORIES = ("cardinal", "decimal", "money", "measure", "ordinal", "date", "time")

# Cases where NeMo's expectation is a quirk of that system, or a reading a newsreader would not
# use, or a spelling eSpeak would misread. We keep our reading on purpose.
DELIBERATE: dict[str, str] = {
    "13000": "a quantity, not a code: 'thirteen thousand', not digit by digit",
    "123000": "a quantity, not a code: 'one hundred twenty-three thousand'",
    "978-0": "digit-dash-digit is read as a range or score ('to'), as in '7-2'",
    "1th": "a typo for '1st': read 'first', not 'one th'",
    "2th": "a typo for '2nd': read 'second'",
    "3th": "a typo for '3rd': read 'third'",
    "4rd": "a typo for '4th': read 'fourth'",
    "11st": "a typo for '11th': read 'eleventh'",
    "12nd": "a typo for '12th': read 'twelfth'",
    "13rd": "a typo for '13th': read 'thirteenth'",
    "21th": "a typo for '21st': read 'twenty-first'",
    "111st": "a typo for '111th': read 'one hundred eleventh'",
    "US $76.3 trillion": "'US' is spelled 'U S': eSpeak may read 'US' as the word 'us'",
    "US$76.3 trillion": "'US' is spelled 'U S': eSpeak may read 'US' as the word 'us'",
    "4.4x": "a multiple: 'four point four times'",
    "3 cc/s": "'cc' is a unit: 'three cubic centimeters per second'",
    "45º&C": "'º' typed for a degree sign: 'forty-five degrees and C'",
    "11/17/05": "a clipped year is said 'oh five', not 'zero five'",
    "We have seen YoY growth in 2Q22": (
        "'the second quarter of twenty twenty-two': a quarter's clipped year is this century"
    ),
    "23:00": "24-hour clock: 'twenty-three hundred', not 'twenty-three o'clock'",
    "10:00:00 p.m. e.s.t": "a clock time with a.m./p.m.: 'ten PM EST', not a duration",
    "1234-123kg": "a four-digit number in 1100-2099 is read as a year, as in '1428 Elm St.'",
    "2-5": "a numeric range is read 'two to five'",
    "from 2-10": "a numeric range is read 'from two to ten'",
    "170 - 45190": "a numeric range is read 'to'; a five-digit number is a quantity",
    "1980-1970 kg": "four-digit numbers in 1100-2099 are read as years",
    "340 A.D": "'AD' is written 'A-D' so eSpeak spells it (it reads 'AD' as 'ad')",
}
# Whole categories read differently on purpose.
DELIBERATE_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"(?<![a-z])a\.?m\b", re.IGNORECASE),
        "a.m. is written 'A-M': eSpeak reads 'AM' as the word 'am' (NeMo expects 'AM')",
    ),
    (
        re.compile(r"^(https?|file)://|^www\.", re.IGNORECASE),
        "URLs are read compactly: no 'h t t p colon slash slash', no 'www'",
    ),
    (
        re.compile(r"^[\[<]"),
        "markup and phoneme strings are read as words, never passed to the engine",
    ),
)

# The other languages' deliberate disagreements, by language: the written form -> why.
_LONG = "more than 15 digits without separators is an identifier: read digit by digit"
_DECIMAL_NOT_DATE = ("'D.M' without a year is a decimal number ('2,3' is written with a "
                     "comma, but '2.3' stays a number): dates need a year or a final period")
DELIBERATE_BY_LANGUAGE: dict[str, dict[str, str]] = {
    "de": {
        "97808264772792005": _LONG,
        "10010000010100010": _LONG,
        "1264301000000000": _LONG,
        "2.3": _DECIMAL_NOT_DATE,
        "02.03": _DECIMAL_NOT_DATE,
        "1,2,3": "a list of numbers without spaces is not read as decimals",
        "1,2,3,4": "a list of numbers without spaces is not read as decimals",
        "1,2,3,4,5": "a list of numbers without spaces is not read as decimals",
        "1 million mv": "'eine Million' (the feminine noun), not 'eins million'",
        "€1 million": "'eine Million Euro', not 'eins million euro'",
        "1/2 ft": "fractions are a known gap (as in English)",
        "1 1/2 ft": "fractions are a known gap (as in English)",
        "-1 1/2 ft": "fractions are a known gap (as in English)",
        "100. Geburtstag": (
            "'hundertste Geburtstag': without an article the ending is a guess; NeMo always "
            "says '-ster'"),
    },
    "es": {
        "100 000 000 000 000 000 000 000": _LONG,
        "100 000 000 000 000 000 000 002": _LONG,
        "30 julio del 2020": "'de dos mil veinte': the date is read whole, 'del' not kept",
        "siglo xix": "roman numerals are a known gap (as in English)",
        "año mcmlxxxix": "roman numerals are a known gap (as in English)",
        "siglo x ec": "roman numerals are a known gap (as in English)",
        "vier. 10 de mayo": "'vier.' is not the CLDR's abbreviation of viernes ('vie.')",
        "10.000 a. c.": "'a. c.' in lower case is not taken for 'a. C.' (antes de Cristo)",
        "3 3/5 m": "fractions are a known gap (as in English)",
        "1 1/2 mph": "fractions are a known gap (as in English)",
        "1 1/2 m": "fractions are a known gap (as in English)",
        "1 3/5 mph": "fractions are a known gap (as in English)",
        "3/5 mph": "fractions are a known gap (as in English)",
        "1/2 mm": "fractions are a known gap (as in English)",
        "180 psi": "'psi' is read as written (not in the CLDR's units)",
        "2 + 2 - 1 = 3": "a formula: '-' between spaced numbers is not read 'menos'",
        "1.00": "'1.00' without 'h' or ':' is a number (es-MX writes decimals with a point)",
        "12.15": "'12.15' without 'h' or ':' is a number (es-MX writes decimals with a point)",
        "13.30": "'13.30' without 'h' or ':' is a number (es-MX writes decimals with a point)",
        "14.05": "'14.05' without 'h' or ':' is a number (es-MX writes decimals with a point)",
        "01 h": "'01 h' is a duration ('una hora'), as '1 h' is in NeMo's measure cases",
        "2 h 30 min": "a duration is read as one ('dos horas treinta minutos')",
        "12:00:00 gmt": "seconds are read when written ('cero minutos y cero segundos')",
        "12h02m00s": "a compact duration is a known gap",
        "¥12,05": "the yen has no minor unit in use: 'doce coma cero cinco yenes'",
        "¥ 0,01": "the yen has no minor unit in use: 'cero coma cero uno yenes'",
        "0,0101 s": "decimal digits are read as numbers: the last pair ends in 'uno'",
        "q50,10": "'q' is not an ISO code (the quetzal's is GTQ)",
        "11.ᵉʳ": "'undécimo' is the RAE's 11th; it has no shortened form ('decimoprimer')",
        "maría vii": "roman numerals are a known gap (as in English)",
        "V": "a capital letter alone is a letter, not a roman numeral",
        "Matías fue el XI apóstol.": "roman numerals are a known gap (as in English)",
    },
    "fr": {
        "17.06": _DECIMAL_NOT_DATE.replace("'2,3'", "'17,06'").replace("'2.3'", "'17.06'"),
        "les 80s": "'80s' is read as eighty seconds; decades in English are a known gap",
        "6°": "'°' after a number is a degree, not the ordinal sign",
        "10°": "'°' after a number is a degree, not the ordinal sign",
    },
}
_SENTENCE_FINAL = ("a number ending a sentence keeps its full stop ('Es waren 25.'); an "
                   "ordinal is read where a word follows ('die 3. Liga', 'am 3. Oktober')")
_LOWER_CODES = ("an ISO code is read in capitals ('5 USD', 'CHF 10') or glued to the "
                "amount ('13hkd'): in lower case and apart, 'dem', 'sur', 'all' are words")
_TIME_ZONES = "time zones are read as written, not spelled letter by letter"
DELIBERATE_PATTERNS_BY_LANGUAGE: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "de": ((re.compile(r"^(?:dem )?\d+\.$"), _SENTENCE_FINAL),),
    "es": (
        (re.compile(r"^(?:[a-z]{2,3}\s?\d|\d+(?:,\d+)? [a-z]{2,4}$)"), _LOWER_CODES),
        (re.compile(r"[₡₩₧]|r\$|us\$|mex\$|ptas"), "currency signs other than € $ £ ¥ "
         "are a known gap"),
        (re.compile(r"\b(?:est|pst|gmt|utc|pyt)\b"), _TIME_ZONES),
        (re.compile(r"^\d+ ?[a-z]{1,3}(?: |$)|mph|° ?[ck]"), (
            "agreement with a feminine unit ('doscientas millas'), 'grados' with a loose "
            "degree sign: known gaps")),
        (re.compile(r"^1,\d+ millones$|^101,010101"), (
            "a decimal before 'millones' ends in 'uno', not 'un'")),
    ),
}

_PUNCTUATION = re.compile(r"[^\w\s]|_")
_AND = re.compile(r"\band\b")
_SPACES = re.compile(r"\s+")


def canonical(text: str, language: str = "en") -> str:
    """The README's canonicalization: lower case, punctuation and hyphens to spaces, "and"
    dropped (English), spaces collapsed."""
    text = _PUNCTUATION.sub(" ", text.lower())
    if language == "en":
        text = _AND.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


@dataclass
class Case:
    category: str
    written: str
    expected: str
    got: str
    language: str = "en"
    alternatives: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        got = canonical(self.got, self.language)
        for expected in (self.expected, *self.alternatives):
            wanted = canonical(expected, self.language)
            if wanted == got:
                return True
            # German: the cases split compounds ("vier und zwanzig"), written German joins them.
            if self.language == "de" and wanted.replace(" ", "") == got.replace(" ", ""):
                return True
        return False

    @property
    def deliberate_reason(self) -> str | None:
        reasons = DELIBERATE if self.language == "en" else DELIBERATE_BY_LANGUAGE.get(
            self.language, {})
        patterns = DELIBERATE_PATTERNS if self.language == "en" else (
            DELIBERATE_PATTERNS_BY_LANGUAGE.get(self.language, ()))
        if self.written in reasons:
            return reasons[self.written]
        for pattern, reason in patterns:
            if pattern.search(self.written):
                return reason
        return None


_DIGIT = re.compile(r"\d")


def load_cases(directory: Path, language: str = "en") -> list[Case]:
    options = NormalizeOptions(language=language)
    cases: list[Case] = []
    for path in sorted(directory.glob("test_cases_*.txt")):
        category = path.stem.removeprefix("test_cases_")
        for line in path.read_text(encoding="utf-8").splitlines():
            if "~" not in line:
                continue
            fields = line.split("~")
            written, spoken = fields[0], fields[1:]
            if len(fields) == 2 and _DIGIT.search(fields[1]) and not _DIGIT.search(fields[0]):
                written, spoken = fields[1], [fields[0]]  # spoken-first (German)
            cases.append(Case(category, written, spoken[0], normalize(written, options),
                              language, tuple(spoken[1:])))
    return cases


def _percent(agree: int, total: int) -> str:
    return f"{100 * agree / total:.1f}%" if total else "n/a"


def report(cases: list[Case], show_failures: bool) -> str:
    lines = ["| Category | Agree | Cases | Agreement |", "|---|---:|---:|---:|"]
    categories = sorted({case.category for case in cases})
    for category in categories:
        chosen = [case for case in cases if case.category == category]
        agree = sum(case.agrees for case in chosen)
        core = " (core)" if category in CORE_CATEGORIES else ""
        lines.append(
            f"| {category}{core} | {agree} | {len(chosen)} | {_percent(agree, len(chosen))} |"
        )
    core_cases = [case for case in cases if case.category in CORE_CATEGORIES]
    core_agree = sum(case.agrees for case in core_cases)
    all_agree = sum(case.agrees for case in cases)
    lines.append(
        f"| **core seven** | **{core_agree}** | **{len(core_cases)}** | "
        f"**{_percent(core_agree, len(core_cases))}** |"
    )
    lines.append(
        f"| **all** | **{all_agree}** | **{len(cases)}** | **{_percent(all_agree, len(cases))}** |"
    )
    lines += [
        "",
        f"Overall: {all_agree}/{len(cases)} = {_percent(all_agree, len(cases))}",
        "Overall on the seven core categories (cardinal, decimal, money, measure, ordinal, "
        f"date, time): {core_agree}/{len(core_cases)} = {_percent(core_agree, len(core_cases))}",
        "",
        "## Deliberate disagreements",
        "",
    ]
    disagreements = [case for case in cases if not case.agrees and case.deliberate_reason]
    for case in disagreements:
        lines.append(
            f"- [{case.category}] `{case.written}`: NeMo `{case.expected}`; "
            f"we say `{case.got}` ({case.deliberate_reason})"
        )
    other = [case for case in cases if not case.agrees and not case.deliberate_reason]
    lines += [
        "",
        f"{len(disagreements)} deliberate disagreements; {len(other)} other misses "
        "(not covered by a rule here: see --failures).",
    ]
    if show_failures:
        lines += ["", "## Other misses", ""]
        lines += [
            f"- [{case.category}] `{case.written}`: NeMo `{case.expected}`; we say `{case.got}`"
            for case in other
        ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    show_failures = "--failures" in argv
    language = "en"
    if "--language" in argv:
        at = argv.index("--language")
        if at + 1 >= len(argv):
            print("error: --language needs a code (en, de, es, fr)", file=sys.stderr)
            return 2
        language = argv[at + 1]
        argv = argv[:at] + argv[at + 2:]
    paths = [arg for arg in argv if not arg.startswith("--")]
    directory = Path(paths[0]) if paths else PEER_TESTS / f"nemo-{language}-tn"
    if not directory.is_dir():
        print(f"error: no test-case directory at {directory}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    cases = load_cases(directory, language)
    if not cases:
        print(f"error: no test_cases_*.txt files in {directory}", file=sys.stderr)
        return 2
    elapsed = time.perf_counter() - started
    print(report(cases, show_failures))
    print(f"\n({len(cases)} cases normalized in {elapsed * 1000:.0f} ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
