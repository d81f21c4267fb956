"""Web addresses, e-mail addresses and phone numbers, read compactly ("example dot gov slash
budget") or, for addresses, dropped on request."""

from __future__ import annotations

import re
from collections.abc import Callable

from briefing.normalize.numbers import digits_words

_TLDS = (
    "com|org|net|gov|edu|mil|int|info|biz|news|io|ai|co|uk|us|eu|de|fr|ua|ru|ca|au|jp|cn|kr"
    "|in|nz|ie|ch|nl|se|no|pl|es|be|tv|ly|gg|dev|app|online|site"
)
# A whole white-space-delimited token that has a "." or "@" in it (no address lacks both): the
# rule's Python callback then runs for those tokens only, not for every word.
_TOKEN = re.compile(r"(?<!\S)[^\s.@]*[.@]\S*")
_TOKEN_EDGES = re.compile(r"^([(\[{<\"']*)(.*?)([)\]}>\"'.,;:!?]*)$", re.DOTALL)
_EMAIL = re.compile(r"(?:mailto:)?[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?:/\S*)?", re.IGNORECASE)
_URL = re.compile(
    rf"(?:(?:https?|ftp|file)://\S+|www\.\S+|(?:[\w-]+\.)+(?:{_TLDS})(?::\d+)?(?:/\S*)?)",
    re.IGNORECASE,
)
_URL_PREFIX = re.compile(r"^(?:(?:https?|ftp)://)?(?:www\.)?", re.IGNORECASE)
_URL_QUERY = re.compile(r"[?#].*$")
_URL_PIECE = re.compile(r"\d+|[^\W\d_]+|.", re.DOTALL)
_URL_SYMBOLS = {
    ".": "dot",
    "/": "slash",
    "@": "at",
    "-": "dash",
    "_": "underscore",
    ":": "colon",
    "~": "tilde",
    "+": "plus",
    "=": "equals",
    "&": "and",
    "%": "percent",
}


def _spell_address(address: str) -> str:
    # Compact reading: no scheme, no "www", no query string; digits one by one, as people
    # read them from an address.
    is_email = "@" in address and "://" not in address
    if not is_email:
        address = _URL_QUERY.sub("", _URL_PREFIX.sub("", address)).rstrip("/")
    address = address.removeprefix("mailto:")
    words: list[str] = []
    for piece in _URL_PIECE.findall(address):
        if piece.isdigit():
            words.append(digits_words(piece))
        elif piece.isalpha():
            words.append(piece)
        elif piece in _URL_SYMBOLS:
            words.append(_URL_SYMBOLS[piece])
    return " ".join(words)


def _address_rule(drop: bool) -> Callable[[str], str]:
    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        edges = _TOKEN_EDGES.match(token)
        if edges is None:
            return token
        lead, core, trail = edges.groups()
        if not (_EMAIL.fullmatch(core) or _URL.fullmatch(core)):
            return token
        if drop:
            return f"{lead}{trail}"
        return f"{lead}{_spell_address(core)}{trail}"

    def rule(text: str) -> str:
        return _TOKEN.sub(replace, text)

    return rule


read_urls: Callable[[str], str] = _address_rule(drop=False)
read_urls.__name__ = read_urls.__qualname__ = "read_urls"
read_urls.__doc__ = '"example.gov/budget" -> "example dot gov slash budget"; e-mail likewise.'
drop_urls: Callable[[str], str] = _address_rule(drop=True)
drop_urls.__name__ = drop_urls.__qualname__ = "drop_urls"
drop_urls.__doc__ = "URLs and e-mail addresses removed (the `drop_urls` option)."


# --------------------------------------------------------------------------- phone numbers

_PHONE = re.compile(
    r"(?<![\w+.-])(?:(\+?1)[\s.-]?)?(?:\((\d{3})\)|(\d{3}))[\s.-]?(\d{3})[.-](\d{4})(?![\w-]|\.\d)"
)


def expand_phone_numbers(text: str) -> str:
    """ "+1 (555) 123-4567" -> "plus one, five five five, one two three, four five six seven"."""

    def replace(match: re.Match[str]) -> str:
        country, area_paren, area, exchange, line = match.groups()
        groups = [digits_words(area_paren or area), digits_words(exchange), digits_words(line)]
        if country:
            prefix = "plus " if country.startswith("+") else ""
            groups.insert(0, prefix + digits_words(country))
        return ", ".join(groups)

    return _PHONE.sub(replace, text)

