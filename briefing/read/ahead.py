"""Read the articles in a child process while the caller loads what comes after reading.

Extracting a web page costs little (a few milliseconds a page), but importing the extractor
costs ~0.15 s of CPU, and the command line spends as long importing the speech and audio
stages before its first segment. Both are CPU-bound Python, so threads cannot overlap them;
a child forked before those imports reads the articles on the other core instead, and a
page then adds to a build's time only what its reading takes beyond the caller's own start
(the README measures it). On a machine with no idle core it saves nothing.

Text, Markdown and JSON files are read in the caller: they need no extractor, and a fork
would cost more than it saves.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from briefing.errors import BriefingError
from briefing.model import Document  # the caller needs it next in any case: loaded once
from briefing.read.sources import TEXT_SUFFIXES, ReadOptions, is_url
from briefing.speech.isolation import CAN_FORK, Child, ready

Warn = Callable[[str], None]


@dataclass(frozen=True)
class _Read:
    """What the child sends back."""

    result: list[Document] | BriefingError
    """The articles, or why they could not be read."""
    warnings: list[str]
    """Each warning the reader gave, in order, for the parent to pass on."""


class Reading:
    """Articles being read: `documents()` waits for them, passes on the reader's warnings and
    raises its error, as reading in place would."""

    def __init__(self, documents: list[Document] | None = None, child: Child | None = None,
                 warn: Warn | None = None) -> None:
        self._documents = documents
        self._child = child
        self._warn = warn

    def documents(self, meanwhile: Sequence[Callable[[], object]] = ()) -> list[Document]:
        """The articles; raises the reader's BriefingError if they could not be read.

        While a child reads, the steps of `meanwhile` are taken in order, each only if it
        still reads: work the caller does next whatever the articles hold (see
        `pipeline.preparations`). A step's BriefingError is left for the caller to meet
        again where it belongs, after the articles' own errors.
        """
        if self._documents is not None:
            return self._documents
        if self._child is None:
            raise RuntimeError("the reading was cancelled")
        for step in meanwhile:
            if ready([self._child], 0):
                break
            with contextlib.suppress(BriefingError):
                step()
        ready([self._child], None)
        outcome = self._child.result()
        self._child = None
        if outcome.error is not None:  # killed, crashed (a parser, on hostile markup?), a bug
            why = outcome.error.removeprefix("the engine process ")
            raise BriefingError(f"the article could not be read: the reader stopped ({why})")
        read: _Read = outcome.value
        for message in read.warnings:
            if self._warn is not None:
                self._warn(message)
        if isinstance(read.result, BriefingError):
            raise read.result
        self._documents = read.result
        return read.result

    def cancel(self) -> None:
        """Stop the reader if it still runs (the caller stopped before it needed the
        articles)."""
        if self._child is not None:
            # Interrupted in `documents` after the child was reaped: nothing left to stop.
            with contextlib.suppress(OSError):
                self._child.kill("stopped")
            self._child = None


def start_reading(sources: list[str], title: str | None = None, warn: Warn | None = None,
                  stdin: BinaryIO | None = None, options: ReadOptions | None = None
                  ) -> Reading:
    """Begin `read_documents(...)`: in a forked child when a source may be a web page or a
    feed (a URL, a saved page, a feed file, standard input), else in place, at once.

    Call it before importing anything heavy: the child starts as small as the caller is then.
    """
    if not CAN_FORK or all(_is_plain_file(source) for source in sources):
        from briefing.read.document import read_documents

        return Reading(read_documents(sources, title, warn, stdin, options))
    return Reading(child=Child(_read, sources, title, stdin, options), warn=warn)


def _is_plain_file(source: str) -> bool:
    # Neither standard input ("-") nor a URL, whose content type decides what it is.
    return (source != "-" and not is_url(source)
            and PurePosixPath(source).suffix.lower() in TEXT_SUFFIXES)


def _read(sources: list[str], title: str | None, stdin: BinaryIO | None,
          options: ReadOptions | None) -> _Read:
    """In the child: read, keeping the warnings and the error as values for the parent."""
    from briefing.read.document import read_documents

    warnings: list[str] = []
    try:
        return _Read(read_documents(sources, title, warnings.append, stdin, options), warnings)
    except BriefingError as error:
        return _Read(error, warnings)
