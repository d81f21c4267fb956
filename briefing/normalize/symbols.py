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
WHITESPACE = re.compile(r"\s+")


def normalize_characters(text: str) -> str:
    """Curly quotes, exotic spaces and dashes to plain ones; control characters dropped."""
    text = _CONTROL.sub("", text)
    return WHITESPACE.sub(" ", text.translate(_CHARACTER_TABLE))


# --------------------------------------------------------------------------- markup

_LESS_THAN = re.compile(r"(?<=[\w)])\s*<\s*(?=[-−\d(])|(?<=\s)<(?=\s)")
_GREATER_THAN = re.compile(r"(?<=[\w)])\s*>\s*(?=[-−\d(])|(?<=\s)>(?=\s)")
_MARKUP_CHARS = re.compile(r"[<>\[\]{}\\|^`]+")


def read_markup_literally(text: str) -> str:
    """ "<speak>" -> "speak", "[[a b]]" -> "a b"; "x < 5" -> "x less than 5".

    The speech engine must never see something it could take as markup or phonemes, so the
    brackets go; the words inside them stay.
    """
    text = _LESS_THAN.sub(" less than ", text)
    text = _GREATER_THAN.sub(" greater than ", text)
    return _MARKUP_CHARS.sub(" ", text)


# --------------------------------------------------------------------------- symbols

_WORD_SLASH = re.compile(r"(?<=\w)\s?/\s?(?=\w)")
_HASHTAG = re.compile(r"(?<!\w)#(?=[^\W\d_])")
_APPROXIMATELY = re.compile(r"~\s?(?=\d|minus |[a-z]+ )")
_SYMBOL_ALT = "|".join(re.escape(symbol) for symbol in tables.SYMBOL_WORDS)
_SYMBOL = re.compile(rf"\s*(?:{_SYMBOL_ALT})\s*")
_PAUSE_DASH = re.compile(
    rf"\s*[{tables.EM_DASH}{tables.EN_DASH}]\s*|\s+-+\s+|--+|(?<=\w)-\s|\s-(?=\w)"
)
_ELLIPSIS = re.compile(r"\.{2,}")


def expand_symbols(text: str) -> str:
    """ "&" -> "and", "+" -> "plus", "a/b" -> "a slash b", "#tag" -> "hashtag tag", dashes
    used as punctuation -> commas (a pause), "…" -> "...". Unknown symbols are left to the
    final clean-up, which drops them."""
    text = _HASHTAG.sub("hashtag ", text)
    text = _APPROXIMATELY.sub("about ", text)
    text = _WORD_SLASH.sub(" slash ", text)
    text = _SYMBOL.sub(lambda m: f" {tables.SYMBOL_WORDS[m.group(0).strip()]} ", text)
    text = _PAUSE_DASH.sub(", ", text)
    return _ELLIPSIS.sub("...", text)


# --------------------------------------------------------------------------- finishing

# Whatever is not a letter, digit, combining mark, white space or plain punctuation has no
# spoken form (emoji, dingbats, box drawing, stray "<", "*", "_").
_UNREADABLE = re.compile(r"[^\w\s\u0300-\u036f.,;:!?'\"()-]|_")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+(?=[.,;:!?)])")
_REPEATED_COMMAS = re.compile(r"(?:,\s*){2,}")
_COMMA_BEFORE_STOP = re.compile(r",\s*(?=[.!?;:])")
_LEADING_PUNCTUATION = re.compile(r"^[\s,;:]+")
_EMPTY_PARENTHESES = re.compile(r"\(\s*\)")


def drop_unreadable(text: str) -> str:
    """Emoji and other symbols with no spoken form become spaces (so words don't merge)."""
    return _UNREADABLE.sub(" ", text)


def tidy_spacing(text: str) -> str:
    """One space between words, none before punctuation, no doubled or leading commas."""
    text = _EMPTY_PARENTHESES.sub(" ", text)
    text = WHITESPACE.sub(" ", text)
    text = _SPACE_BEFORE_PUNCTUATION.sub("", text)
    text = _REPEATED_COMMAS.sub(", ", text)
    text = _COMMA_BEFORE_STOP.sub("", text)
    return _LEADING_PUNCTUATION.sub("", text).strip()

