"""User pronunciation lexicon: words or phrases and how the voice should say them.

The file is TOML. Entries may sit at the top level or in a ``[words]`` table (or both)::

    Kharkiv = "Kharkeev"
    [words]
    "Volodymyr Zelensky" = "Voloddymir Zelensky"
    nato = "nay toe"

Rules:

* Case: a key written all in lower case matches any capitalisation ("nato" matches "NATO",
  "Nato"); a key containing an upper-case letter matches only exactly ("US" matches "US" but
  not "us"). When an exact key and a lower-case key both match, the exact one wins.
* Whole words: a key matches only where it is not part of a longer word ("Kyiv" does not
  match inside "Kyivan"). Phrases are allowed; any run of white space in the text matches the
  single spaces of a phrase key.
* Longest first: where keys overlap ("New York", "New York Times"), the longest one wins.
* The lexicon is applied before the built-in rules, and its replacements are not rewritten by
  them, so it can override any built-in reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from briefing.errors import InputError
from briefing.read.limits import MAX_LEXICON_BYTES, read_bounded

MAX_ENTRIES = 20_000
"""The most entries a lexicon may hold; more would slow every sentence's matching."""
MAX_KEY_CHARS = 100
"""The longest word or phrase a lexicon replaces."""
MAX_SPOKEN_CHARS = 200
"""The longest spoken form: a pronunciation, not a paragraph (one 100 kB value would turn a
word into hours of audio)."""

# Values end up in text for the speech engine; control characters there are never intended.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _key_pattern(key: str) -> str:
    """A regex for one key: words escaped, white space flexible, case by the module's rule."""
    body = r"\s+".join(re.escape(word) for word in key.split())
    if key == key.lower():
        return f"(?i:{body})"
    return body


@dataclass(frozen=True)
class Lexicon:
    """Pronunciation overrides. Build one with `load_lexicon` or directly from a mapping."""

    entries: Mapping[str, str] = field(default_factory=dict)
    _exact: dict[str, str] = field(init=False, repr=False, compare=False)
    _folded: dict[str, str] = field(init=False, repr=False, compare=False)
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A private read-only copy: the caller's dict can change later, a frozen lexicon can't.
        object.__setattr__(self, "entries", MappingProxyType(dict(self.entries)))
        exact: dict[str, str] = {}
        folded: dict[str, str] = {}
        for raw_key, value in self.entries.items():
            key = " ".join(raw_key.split())
            if not key:
                continue
            if key == key.lower():
                folded[key] = value
            else:
                exact[key] = value
        keys = sorted({*exact, *folded}, key=len, reverse=True)
        pattern = None
        if keys:
            alternation = "|".join(_key_pattern(key) for key in keys)
            # Lookarounds rather than \b, so keys that start or end with punctuation ("Dr.",
            # "C++") still need a non-word neighbour on that side.
            pattern = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
        # Frozen dataclass: derived state is set once here.
        object.__setattr__(self, "_exact", exact)
        object.__setattr__(self, "_folded", folded)
        object.__setattr__(self, "_pattern", pattern)

    def __hash__(self) -> int:
        return hash(frozenset(self.entries.items()))

    def __bool__(self) -> bool:
        return self._pattern is not None

    def lookup(self, matched: str) -> str | None:
        """The spoken form for text the lexicon matched (white space already arbitrary)."""
        key = " ".join(matched.split())
        if key in self._exact:
            return self._exact[key]
        return self._folded.get(key.lower())

    def substitute(self, text: str, wrap: Callable[[str], str]) -> str:
        """Replace every match by `wrap(spoken form)`; `normalize` uses this to shield them."""
        if self._pattern is None:
            return text

        def replace(match: re.Match[str]) -> str:
            spoken = self.lookup(match.group(0))
            return match.group(0) if spoken is None else wrap(spoken)

        return self._pattern.sub(replace, text)

    def apply(self, text: str) -> str:
        """Return `text` with every lexicon word or phrase replaced by its spoken form."""
        return self.substitute(text, lambda spoken: spoken)


def load_lexicon(path: Path) -> Lexicon:
    """Read a TOML lexicon file; raise `InputError` with a one-line message if it is unusable."""
    import tomllib  # here, not at start-up: most builds have no lexicon file

    try:
        with path.open("rb") as handle:
            raw = read_bounded(handle, MAX_LEXICON_BYTES, f"lexicon file {path}")
        data = tomllib.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        raise InputError(f"lexicon file not found: {path}") from None
    except IsADirectoryError:
        raise InputError(f"lexicon path is a directory, not a file: {path}") from None
    except OSError as error:
        raise InputError(f"cannot read lexicon file {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise InputError(f"lexicon file {path} is not valid UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"lexicon file {path} is not valid TOML: {error}") from None
    except RecursionError:
        # tomllib descends once per level of nested arrays or inline tables.
        raise InputError(f"lexicon file {path} is nested too deeply to be a lexicon: give "
                         "word = \"spoken form\" entries") from None

    entries: dict[str, str] = {}
    for key, value in data.items():
        if key == "words" and isinstance(value, dict):
            for word, spoken in value.items():
                entries[_checked_key(path, word)] = _checked_value(path, word, spoken)
        else:
            entries[_checked_key(path, key)] = _checked_value(path, key, value)
        if len(entries) > MAX_ENTRIES:
            raise InputError(f"lexicon file {path} has more than {MAX_ENTRIES} entries, the "
                             "most a lexicon may hold")
    return Lexicon(entries)


def _checked_key(path: Path, key: str) -> str:
    if not key.strip():
        raise InputError(f"lexicon file {path}: empty word in an entry")
    if _CONTROL.search(key):
        raise InputError(f"lexicon file {path}: word {key!r} contains control characters")
    if len(key) > MAX_KEY_CHARS:
        raise InputError(f"lexicon file {path}: word {key[:20]!r}… is longer than "
                         f"{MAX_KEY_CHARS} characters, the most an entry may have")
    return key


def _checked_value(path: Path, key: str, value: object) -> str:
    if isinstance(value, dict):
        raise InputError(
            f"lexicon file {path}: unexpected table [{key}]; use top-level entries or [words]"
        )
    if not isinstance(value, str):
        raise InputError(
            f"lexicon file {path}: the spoken form of {key!r} must be a string, "
            f"not {type(value).__name__}"
        )
    if _CONTROL.search(value):
        raise InputError(f"lexicon file {path}: spoken form of {key!r} has control characters")
    if len(value) > MAX_SPOKEN_CHARS:
        raise InputError(f"lexicon file {path}: the spoken form of {key!r} is longer than "
                         f"{MAX_SPOKEN_CHARS} characters, the most an entry may have")
    return value
