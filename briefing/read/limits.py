"""How much input briefing accepts, and reading with that limit enforced as the bytes arrive.

Every input (an article file, stdin, a cover, a lexicon, a web page or feed fetched over
HTTP) goes through `read_bounded`, so `/dev/zero`, `/dev/urandom` or an endless response stop
at the limit instead of filling memory: the size is never trusted from `stat` or a header.

The limits follow from the longest briefing made (`MAX_BRIEFING_SECONDS`): 12 hours of speech
is about 126,000 words, under 1 MB of text, so an article of more than `MAX_ARTICLE_BYTES`
could never be spoken whole anyway.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from briefing.errors import InputError

MAX_BRIEFING_SECONDS = 12 * 3600
"""The longest briefing built: 12 hours of speech. Longer input is refused before any
synthesis (see `check_length`). Sized so that memory and disk stay bounded."""

MAX_ARTICLE_BYTES = 4 * 1024 * 1024
"""The largest article file (or stdin) read: twice the text of a 12-hour briefing at the
fastest rate (450 words a minute), so only a wrong file (a disk image, /dev/zero) reaches it."""

MAX_COVER_BYTES = 10 * 1024 * 1024
"""The largest cover image read. It is copied into every audio file; see `cover` for the
smaller size podcast apps are comfortable with."""

MAX_PAGE_BYTES = 10 * 1024 * 1024
"""The largest web page, feed or saved page read (`FetchLimits.max_bytes`, the setting
"max_page_bytes"): pages are mostly markup, so they may be larger than an article."""

MAX_LEXICON_BYTES = 1024 * 1024
"""The largest lexicon file read: about 30,000 entries."""

_CHUNK = 1 << 16


def read_bounded(stream: BinaryIO, limit: int, name: str, setting: str | None = None) -> bytes:
    """All bytes of `stream`, refusing with InputError as soon as there are more than `limit`.

    `name` is what the message calls the input ("story.txt", "<stdin>", a URL); `setting`,
    when raising the limit makes sense, is the setting that does it. Reads at most
    `limit + 1` bytes, in chunks, whatever the stream claims about its size.
    """
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(_CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise InputError(too_large(name, limit, setting))


def too_large(name: str, limit: int, setting: str | None = None) -> str:
    """The one-line message for an input over `limit` bytes."""
    how = f"; raise the setting {setting} to read it" if setting else ""
    return f"{name} is larger than {format_size(limit)}, the most briefing reads{how}"


def format_size(size: int) -> str:
    """A byte count as people write it: "16 MB", "512 kB", "100 bytes" (binary units)."""
    for unit, scale in (("MB", 1 << 20), ("kB", 1 << 10)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"


def check_length(words: int, words_per_minute: int, name: str,
                 limit_seconds: int = MAX_BRIEFING_SECONDS) -> None:
    """Refuse text whose reading at `words_per_minute` would last longer than `limit_seconds`.

    An estimate from the word count, made before any synthesis so that an over-long input
    is refused at once; it can only err low (numbers read aloud take more words).
    """
    seconds = words * 60 / max(1, words_per_minute)
    if seconds > limit_seconds:
        raise InputError(
            f"{name} would make about {seconds / 3600:.0f} hours of speech; the longest "
            f"briefing is {limit_seconds / 3600:g} hours: split it into several briefings")


def read_file(source: str, limit: int) -> bytes:
    """A file's bytes, refused as soon as they pass `limit`; one line for every failure."""
    path = Path(source)
    if path.is_dir():
        raise InputError(f"{source} is a directory: give a feed or page file")
    try:
        with path.open("rb") as stream:
            return read_bounded(stream, limit, source, "max_page_bytes")
    except FileNotFoundError:
        raise InputError(f"{source} does not exist: check the path") from None
    except OSError as error:
        raise InputError(f"cannot read {source}: {error.strerror}") from None
