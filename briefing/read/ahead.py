"""Read the articles in a child process while the caller loads what comes after reading.

Extracting a web page costs little (a few milliseconds a page), but importing the extractor
costs ~0.15 s of CPU, and the command line spends as long importing the speech and audio
stages before its first segment. Both are CPU-bound Python, so threads cannot overlap them;
a child forked before those imports reads the articles on the other core instead, and a
page then adds to a build's time only what its reading takes beyond the caller's own start
(the README measures it). On a machine with no idle core it saves nothing.

Text, Markdown and JSON files are read in the caller: they need no extractor, and a fork
would cost more than it saves.

The `briefing` program forks its reader earlier still, before it parses its command line
(`start_early`, from a guess on the words; `start_reading` then hands it the articles):
the extractor's import, the longest part of the child's work, starts ~0.1 s sooner, and
ends before the caller's own imports and preparations do.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import BinaryIO

from briefing.errors import BriefingError
from briefing.model import Document  # the caller needs it next in any case: loaded once
from briefing.read.sources import (
    FEED_SUFFIXES,
    HTML_SUFFIXES,
    TEXT_SUFFIXES,
    ReadOptions,
    is_url,
)
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
    feed (a URL, a saved page, a feed file, standard input), else in place, at once. The
    reader `start_early` forked is given the articles if there is one (`stdin` must then be
    this process's own).

    Call it before importing anything heavy: the child starts as small as the caller is then.
    """
    early = _take_early()
    if not CAN_FORK or all(_is_plain_file(source) for source in sources):
        if early is not None:
            early.discard()
        from briefing.read.document import read_documents

        return Reading(read_documents(sources, title, warn, stdin, options))
    if early is not None:
        own_stdin = stdin is None or stdin is sys.stdin.buffer
        child = early.give(sources, title, stdin is not None, options) if own_stdin else None
        if child is not None:
            return Reading(child=child, warn=warn)
    return Reading(child=Child(_read, sources, title, stdin, options), warn=warn)


class _EarlyReader:
    """A reader forked before the command line is parsed: it imports the readers and the
    extractor at once, then waits on a pipe for the articles to read."""

    # A larger job could fill the pipe while the child still imports, and block the caller.
    _MAX_JOB = 60_000

    def __init__(self) -> None:
        job_in, job_out = os.pipe()
        self._child: Child | None = Child(_read_when_told, job_in, job_out)
        os.close(job_in)
        self._job_out = job_out

    def give(self, sources: list[str], title: str | None, from_stdin: bool,
             options: ReadOptions | None) -> Child | None:
        """Send the child its articles; the child now reading them, or None (discarded) if
        the job is too large to send without waiting."""
        job = pickle.dumps((sources, title, from_stdin, options))
        child = self._child
        if child is None or len(job) > self._MAX_JOB:
            self.discard()
            return None
        self._child = None
        try:
            view = memoryview(job)
            while view:
                view = view[os.write(self._job_out, view):]
        except OSError:  # the child died: its result says how
            pass
        finally:
            os.close(self._job_out)
        return child

    def discard(self) -> None:
        """Stop the child: its articles will not come."""
        if self._child is not None:
            os.close(self._job_out)
            with contextlib.suppress(OSError):
                self._child.kill("not needed")
            self._child = None


_early: _EarlyReader | None = None


def start_early(arguments: Sequence[str]) -> None:
    """Fork the reader now if `arguments` (a command line, the command first) will build or
    script a web page, a feed or standard input, so that importing the extractor starts
    before the command line's own imports and parsing (~0.1 s sooner). Only a first guess,
    from the words alone: `start_reading` gives it the articles the parsed command names,
    or stops it; `discard_early` stops it if nothing did. A wrong guess costs only CPU."""
    global _early
    if not CAN_FORK or _early is not None or not arguments:
        return
    if arguments[0] in ("build", "script") and any(map(_may_be_web, arguments[1:])):
        _early = _EarlyReader()


def discard_early() -> None:
    """Stop the early reader if no command took it."""
    early = _take_early()
    if early is not None:
        early.discard()


def _take_early() -> _EarlyReader | None:
    global _early
    early, _early = _early, None
    return early


def _may_be_web(argument: str) -> bool:
    suffix = PurePosixPath(argument).suffix.lower()
    return argument == "-" or is_url(argument) or suffix in HTML_SUFFIXES + FEED_SUFFIXES


def _is_plain_file(source: str) -> bool:
    # Neither standard input ("-") nor a URL, whose content type decides what it is.
    return (source != "-" and not is_url(source)
            and PurePosixPath(source).suffix.lower() in TEXT_SUFFIXES)


def _read_when_told(job_in: int, job_out: int) -> _Read | None:
    """In the early child: load what reading a page needs, then read what the parent sends
    (None if it closes the pipe without sending)."""
    os.close(job_out)  # else the parent's closing it would never reach us as an end of file
    with contextlib.suppress(Exception):  # a failure is met again, and reported, by reading
        import trafilatura  # noqa: F401

        import briefing.read.document  # noqa: F401
    with os.fdopen(job_in, "rb") as pipe:
        job = pipe.read()
    if not job:
        return None
    sources, title, from_stdin, options = pickle.loads(job)
    return _read(sources, title, sys.stdin.buffer if from_stdin else None, options)


def _read(sources: list[str], title: str | None, stdin: BinaryIO | None,
          options: ReadOptions | None) -> _Read:
    """In the child: read, keeping the warnings and the error as values for the parent."""
    from briefing.read.document import read_documents

    warnings: list[str] = []
    try:
        return _Read(read_documents(sources, title, warnings.append, stdin, options), warnings)
    except BriefingError as error:
        return _Read(error, warnings)
