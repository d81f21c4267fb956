"""Sentence splitting that knows the abbreviations news text is full of.

A period ends a sentence unless it belongs to an abbreviation ("Dr.", "U.S.", "a.m."), an
initial ("J. R. Smith"), or a number ("1.5"). Splitting happens only where a sentence
terminator is followed by white space and then something that can start a sentence.

Some abbreviations also end sentences ("... in the U.S. The talks", "at 9 a.m. He said"). After
those, a capitalised word ends the sentence only if it is a usual sentence opener ("The",
"He", "But"...), so "the U.S. Senate" and "St. Louis" stay whole.
"""

from __future__ import annotations

import re

from briefing.normalize_tables import SENTENCE_STARTERS

# Abbreviations after which a period does not end a sentence, lower-cased, without the period.
# Titles and the like are always followed by a name; the others rarely end a sentence.
NON_TERMINAL_ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr prof sr jr st mt ft gen col lt sgt capt cmdr adm gov sen rep rev hon pres
    no nos vs v etc e.g i.e cf al approx dept est fig inc corp ltd co bros
    jan feb mar apr jun jul aug sep sept oct nov dec
    mon tue tues wed thu thur thurs fri sat sun
    pp p vol ch art sec
    """.split()
)

# Abbreviations that may end a sentence when the next word starts one ("... in the U.S. The").
# They end one only when followed by a word from SENTENCE_STARTERS.
AMBIGUOUS_ABBREVIATIONS = frozenset(
    {"u.s", "u.k", "u.n", "e.u", "a.m", "p.m", "d.c", "inc", "etc", "st", "co", "corp", "ltd",
     "jr", "sr", "bros", "al"}
)

_CANDIDATE = re.compile(r"""[.!?…]+["'”’)\]]*(?=\s+)""")
_WORD_BEFORE = re.compile(r"(\S+)$")
_NEXT_START = re.compile(r"""\s+["'“‘(\[]*(\S)""")
_NEXT_WORD = re.compile(r"""\s+["'“‘(\[]*([\w'’-]+)""")


def split_sentences(text: str) -> list[str]:
    """Split one paragraph into sentences; white space inside sentences is kept as it was."""
    text = text.strip()
    sentences: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        end = match.end()
        if _ends_sentence(text, match.start(), end):
            sentence = text[start:end].strip()
            if sentence:
                sentences.append(sentence)
            start = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _ends_sentence(text: str, mark: int, end: int) -> bool:
    following = _NEXT_START.match(text, end)
    if following is None:
        return True
    next_char = following.group(1)
    if text[mark] != ".":
        return True  # "!", "?" and "…" always end a sentence when followed by space.
    if next_char.islower():
        return False  # "e.g. the", "approx. ten": a lower-case word continues the sentence.
    word_match = _WORD_BEFORE.search(text, 0, mark)
    word = word_match.group(1) if word_match else ""
    word = word.lstrip("\"'“‘([").lower()
    if re.fullmatch(r"[a-z]", word):
        return False  # an initial: "J. R. Smith"
    if word in AMBIGUOUS_ABBREVIATIONS:
        next_word = _NEXT_WORD.match(text, end)
        return next_word is not None and next_word.group(1) in SENTENCE_STARTERS
    return word not in NON_TERMINAL_ABBREVIATIONS
