"""Which rules normalize a language other than English, and what it leaves unlocalised.

German, French and Spanish have rules of their own (`de`, `fr`, `es`: one table of
conventions each over one rule engine, `rules`); every other language gets the generic rules
(`common.generic_rules`): numbers, decimals, percentages and units read by num2words and the
CLDR where they know the language. `gaps` names what is not localised, for the warning.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from briefing.normalize.lang import common

FULL = ("de", "es", "fr")
"""Languages with rules, phrases and a voice of their own (English has the main rules)."""


def base(language: str) -> str:
    """ "pt-BR" -> "pt": the rules and phrases go by the language, not the region."""
    return language.replace("_", "-").split("-")[0].lower()


@cache
def rules_for(language: str) -> tuple[common.Rule, ...]:
    """The ordered rules for `language` (not English)."""
    code = base(language)
    if code == "de":
        from briefing.normalize.lang import de

        return de.RULES
    if code == "fr":
        from briefing.normalize.lang import fr

        return fr.RULES
    if code == "es":
        from briefing.normalize.lang import es

        return es.RULES
    from briefing.normalize.lang import common  # Babel and num2words: only when needed

    return common.generic_rules(code, common.generic_spelling(code))


def gaps(language: str) -> tuple[str, ...]:
    """What a briefing in `language` does not localise (empty for English and the three)."""
    code = base(language)
    if code == "en" or code in FULL:
        return ()
    from briefing.normalize.lang import common

    missing = ["the frame's phrases (a neutral frame is used: title and pauses, no words)",
               "dates, times, money, ordinals and abbreviations"]
    if not common.speaks_numbers(code):
        missing.append("numbers (num2words does not read this language: the voice reads "
                       "the digits)")
    if common.locale(code) is None:
        missing.append("unit names and separators (not in the CLDR)")
    return tuple(missing)
