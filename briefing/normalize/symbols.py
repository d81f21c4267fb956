"""Characters, markup, symbols and spacing: typography made plain before the other rules, then
symbols said as words ("&" -> "and") and, last, whatever has no spoken form dropped and the
spacing tidied."""

from __future__ import annotations

import re

from briefing.normalize import tables

# --------------------------------------------------------------------------- preparation

_CHARACTER_TABLE = str.maketrans(dict(tables.CHARACTER_MAP))
# C0/C1 controls other than white space, lone surrogates, private-use characters (reserved for
# lexicon placeholders) and non-characters.
_CONTROL = re.compile(
    r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ue000-\uf8ff\ufffe\uffff]"
)


def collapse_spaces(text: str) -> str:
    r"""Every run of white space becomes one space (the same as ``re.sub(r"\s+", " ", text)``:
    `str.split` and the regex agree on what white space is, and split-and-join is several
    times faster than the substitution)."""
    words = text.split()
    if not words:
        return " " if text else ""
    joined = " ".join(words)
    if text[0].isspace():
        joined = " " + joined
    if text[-1].isspace():
        joined += " "
    return joined


def normalize_characters(text: str) -> str:
    """Curly quotes, exotic spaces and dashes to plain ones; control characters dropped."""
    text = _CONTROL.sub("", text)
    return collapse_spaces(text.translate(_CHARACTER_TABLE))


# --------------------------------------------------------------------------- markup

_LESS_THAN = re.compile(r"(?<=[\w)])\s*<\s*(?=[-−\d(])|(?<=\s)<(?=\s)")
_GREATER_THAN = re.compile(r"(?<=[\w)])\s*>\s*(?=[-−\d(])|(?<=\s)>(?=\s)")
_MARKUP_CHARS = re.compile(r"[<>\[\]{}\\|^`]+")


def read_markup_literally(text: str) -> str:
    """ "<speak>" -> "speak", "[[a b]]" -> "a b"; "x < 5" -> "x less than 5".

    The speech engine must never see something it could take as markup or phonemes, so the
    brackets go; the words inside them stay.
    """
    # The look-behinds that start these patterns make the regex engine try every position:
    # most text has no "<" or ">" at all, and a test for that is nearly free.
    if "<" in text:
        text = _LESS_THAN.sub(" less than ", text)
    if ">" in text:
        text = _GREATER_THAN.sub(" greater than ", text)
    return _MARKUP_CHARS.sub(" ", text)


# --------------------------------------------------------------------------- symbols

_WORD_SLASH = re.compile(r"(?<=\w)\s?/\s?(?=\w)")
_HASHTAG = re.compile(r"(?<!\w)#(?=[^\W\d_])")
_APPROXIMATELY = re.compile(r"~\s?(?=\d|minus |[a-z]+ )")
_SYMBOL_ALT = "|".join(re.escape(symbol) for symbol in tables.SYMBOL_WORDS)
_SYMBOL_CHARACTER = re.compile(f"[{re.escape(''.join(tables.SYMBOL_WORDS))}]")
# A match that starts with white space starts where the white space does: "(?<!\s)" stops the
# engine from trying again at every position inside a run of spaces, which made a long run
# quadratic. "(?<=\s)" still lets a symbol start a match right after the spaces that the
# previous match took (the trailing \s*), so the matches are the same as without the guards.
_SYMBOL = re.compile(rf"(?:(?<!\s)\s*|(?<=\s))(?:{_SYMBOL_ALT})\s*")
_DASH = re.compile(f"[-{tables.EM_DASH}{tables.EN_DASH}]")
# The same guards; a match may also start inside a run of spaces right after "(?<=\w)-\s",
# the one alternative that can end there.
_PAUSE_DASH = re.compile(
    rf"(?:(?<!\s)|(?<=\w-\s))(?:\s*[{tables.EM_DASH}{tables.EN_DASH}]\s*|\s+-+\s+)"
    rf"|(?<=\s)[{tables.EM_DASH}{tables.EN_DASH}]\s*|--+|(?<=\w)-\s|\s-(?=\w)"
)
_ELLIPSIS = re.compile(r"\.\.+")


def expand_symbols(text: str) -> str:
    """ "&" -> "and", "+" -> "plus", "a/b" -> "a slash b", "#tag" -> "hashtag tag", dashes
    used as punctuation -> commas (a pause), "…" -> "...". Unknown symbols are left to the
    final clean-up, which drops them."""
    # Each pattern runs only if the text has the character every match needs: most sentences
    # have none of them, and looking for one character is far cheaper than trying a pattern
    # that starts with a look-behind at every position.
    if "#" in text:
        text = _HASHTAG.sub("hashtag ", text)
    if "~" in text:
        text = _APPROXIMATELY.sub("about ", text)
    if "/" in text:
        text = _WORD_SLASH.sub(" slash ", text)
    if _SYMBOL_CHARACTER.search(text):
        text = _SYMBOL.sub(lambda m: f" {tables.SYMBOL_WORDS[m.group(0).strip()]} ", text)
    if _DASH.search(text):
        text = _PAUSE_DASH.sub(", ", text)
    return _ELLIPSIS.sub("...", text)


# --------------------------------------------------------------------------- finishing

# Whatever is not a letter, digit, combining mark, white space or plain punctuation has no
# spoken form (emoji, dingbats, box drawing, stray "<", "*", "_").
_UNREADABLE = re.compile(r"[^\w\s\u0300-\u036f.,;:!?'\"()-]")
# After `collapse_spaces` every run of white space is one space.
_SPACE_BEFORE_PUNCTUATION = re.compile(r" (?=[.,;:!?)])")
_REPEATED_COMMAS = re.compile(r"(?:,\s*){2,}")
_COMMA_BEFORE_STOP = re.compile(r",\s*(?=[.!?;:])")
_LEADING_PUNCTUATION = re.compile(r"^[\s,;:]+")
_EMPTY_PARENTHESES = re.compile(r"\(\s*\)")


def drop_unreadable(text: str) -> str:
    """Emoji and other symbols with no spoken form become spaces (so words don't merge)."""
    # "_" is a word character to the regex; replacing it apart keeps the pattern one character
    # class, which the regex engine scans several times faster than an alternation.
    return _UNREADABLE.sub(" ", text).replace("_", " ")


def tidy_spacing(text: str) -> str:
    """One space between words, none before punctuation, no doubled or leading commas."""
    text = _EMPTY_PARENTHESES.sub(" ", text)
    text = collapse_spaces(text)
    text = _SPACE_BEFORE_PUNCTUATION.sub("", text)
    text = _REPEATED_COMMAS.sub(", ", text)
    text = _COMMA_BEFORE_STOP.sub("", text)
    return _LEADING_PUNCTUATION.sub("", text).strip()

