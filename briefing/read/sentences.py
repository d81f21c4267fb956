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

# Capitalised words that usually open a sentence. After an abbreviation that may also end one
# ("U.S.", "St.", "a.m."), a following word from this set means the sentence did end there.
SENTENCE_STARTERS = frozenset(
    """
    A An The This That These Those It Its He She They We I You His Her Their Our My There Here
    But And Or So Yet Then Now However Meanwhile Still Also In On At For From By With After
    Before When While If As Although Though Since Because Despite During Until Some Many Most
    Officials Experts Analysts Critics Last Next One Two Three Both Each Every No Not Nor What
    Why How Who Where Which Such Other Another Earlier Later Today Yesterday Tomorrow
    """.split()
)

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

# The same for other languages (lower-cased, without the final period); "z. B." is seen
# word by word ("z", "b": single letters never end a sentence).
NON_TERMINAL_BY_LANGUAGE: dict[str, frozenset[str]] = {
    "de": frozenset("""
        dr prof hr fr nr ca bzw vgl evtl inkl str tsd mio mrd bio jh chr st abs bd ggf
        jan feb mär apr jun jul aug sep sept okt nov dez
        """.split()),
    "fr": frozenset("""
        m mm mme dr pr env av bd st ste apr
        janv févr avr juil sept oct nov déc
        """.split()),
    "es": frozenset("""
        sr sra srta dr dra núm aprox avda pág ee uu ej
        ene feb mar abr jun jul ago sept oct nov dic
        """.split()),
}
# In German an ordinal is written with a period ("am 3. Oktober", "die 2. Liga"): after a
# number of up to three digits a period does not end the sentence.
_ORDINAL_PERIOD_LANGUAGES = frozenset({"de"})
_SHORT_NUMBER = re.compile(r"\d{1,3}")

# These run over user text: a candidate starts only at the start of a run of marks, so a
# long run without a space after it is tried once, not once per mark.
_CANDIDATE = re.compile(r"""(?<![.!?…])[.!?…]+["'”’)\]]*(?=\s)""")
_NEXT_START = re.compile(r"""\s+["'“‘(\[]*(\S)""")
_NEXT_WORD = re.compile(r"""\s+["'“‘(\[]*([\w'’-]+)""")


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Split one paragraph into sentences; white space inside sentences is kept as it was.
    `language` (ISO 639 code) adds that language's abbreviations and ordinals."""
    text = text.strip()
    sentences: list[str] = []
    start = 0
    for match in _CANDIDATE.finditer(text):
        end = match.end()
        if _ends_sentence(text, match.start(), end, language):
            sentence = text[start:end].strip()
            if sentence:
                sentences.append(sentence)
            start = end
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


def _ends_sentence(text: str, mark: int, end: int, language: str = "en") -> bool:
    following = _NEXT_START.match(text, end)
    if following is None:
        return True
    next_char = following.group(1)
    if text[mark] != ".":
        return True  # "!", "?" and "…" always end a sentence when followed by space.
    if next_char.islower():
        return False  # "e.g. the", "approx. ten": a lower-case word continues the sentence.
    word = _word_before(text, mark).lstrip("\"'“‘([").lower()
    if re.fullmatch(r"[^\W\d_]", word):
        return False  # an initial: "J. R. Smith"
    if language != "en":
        if word in NON_TERMINAL_BY_LANGUAGE.get(language, frozenset()):
            return False
        if language in _ORDINAL_PERIOD_LANGUAGES and _SHORT_NUMBER.fullmatch(word):
            return False
    if word in AMBIGUOUS_ABBREVIATIONS:
        next_word = _NEXT_WORD.match(text, end)
        return next_word is not None and next_word.group(1) in SENTENCE_STARTERS
    return word not in NON_TERMINAL_ABBREVIATIONS


def _word_before(text: str, end: int) -> str:
    """The run of non-space characters ending at `end`, found by walking back from it.

    A regex search for `\\S+$` within text[:end] would try every start position from the
    beginning: quadratic over a paragraph of "A. A. A. …".
    """
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return text[start:end]


# pyttsx3's eSpeak driver crashes above ~12k characters and slows quadratically with length;
# a segment this short is synthesized in a few milliseconds and never near either limit.
MAX_SEGMENT_CHARS = 400

_CLAUSE_BREAK = re.compile(r"(?<=[,;:—–)])\s+|\s+(?=[—–(])")


def split_long(sentence: str, limit: int = MAX_SEGMENT_CHARS) -> list[str]:
    """Split a sentence longer than `limit` at clause boundaries, else between words."""
    if len(sentence) <= limit:
        return [sentence]
    pieces: list[str] = []
    for clause in _CLAUSE_BREAK.split(sentence):
        if pieces and len(pieces[-1]) + 1 + len(clause) <= limit:
            pieces[-1] += " " + clause
        else:
            pieces.extend(_split_words(clause, limit))
    return [piece for piece in pieces if piece.strip()]


def _split_words(text: str, limit: int) -> list[str]:
    pieces: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > limit:  # one "word" longer than the limit: cut it
            if current:
                pieces.append(current)
                current = ""
            pieces.append(word[:limit])
            word = word[limit:]
        if current and len(current) + 1 + len(word) > limit:
            pieces.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        pieces.append(current)
    return pieces
