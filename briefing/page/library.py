"""What the page lists and serves: the briefings in DIR and their own files, nothing else.

No request path reaches the filesystem except through the names listed here: each
briefing's audio (read by the feed's reader, from the file's own tags), its transcripts and
chapters, and the folder's cover. Hidden names, temporary files, folders, symbolic links,
FIFOs and anything that is not a briefing's are never listed, so never served.
"""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from briefing.publish.cover import IMAGE_SUFFIXES, Cover
from briefing.publish.feed import COVER_NAMES, Briefing, embedded_cover, read_briefings


@dataclass(frozen=True)
class Library:
    """One reading of the folder."""

    briefings: tuple[Briefing, ...]
    """Every briefing, newest first."""
    files: dict[str, Path]
    """Every servable file by its name in the URL: audio, transcripts, chapters, cover."""
    cover: Path | None
    """The folder's own cover file, when it has one."""

    def briefing(self, name: str) -> Briefing | None:
        """The briefing whose audio is called `name`."""
        return next((item for item in self.briefings if item.audio.name == name), None)


class LibraryReader:
    """Reads the folder again only when its entries changed (names, sizes, times)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._key: tuple[object, ...] | None = None
        self._library = Library((), {}, None)
        self._covers: dict[tuple[str, float], Cover | None] = {}

    def read(self, hidden: Collection[str] = ()) -> Library:
        """The library now, leaving out `hidden` names (builds still being written)."""
        key = (_signature(self.directory), tuple(sorted(hidden)))
        with self._lock:
            if key != self._key:
                self._library = read_library(self.directory, hidden)
                self._key = key
            return self._library

    def feed_cover(self, library: Library) -> tuple[str, Cover | None] | None:
        """The feed's artwork, as `briefing feed` picks it: the folder's cover file, else
        the newest briefing's embedded picture (served as cover.png or cover.jpg, never
        written into the folder). (its name, and its bytes when not a file); None if none."""
        if library.cover is not None:
            return library.cover.name, None
        for item in library.briefings:
            cover = self.cover_of(item)
            if cover is not None:
                return f"cover{IMAGE_SUFFIXES[cover.mime]}", cover
        return None

    def cover_of(self, briefing: Briefing) -> Cover | None:
        """The picture embedded in a briefing (kept while the file is unchanged)."""
        key = (briefing.audio.name, briefing.mtime)
        with self._lock:
            if key in self._covers:
                return self._covers[key]
        cover = embedded_cover(briefing.audio)
        with self._lock:
            self._covers[key] = cover
        return cover


def read_library(directory: Path, hidden: Collection[str] = ()) -> Library:
    """Read the briefings in `directory` and the names that may be served."""
    plain = {entry.name for entry in _entries(directory)
             if stat.S_ISREG(entry.stat(follow_symlinks=False).st_mode)
             and not entry.name.startswith(".") and entry.name not in hidden}
    try:
        found, _ = read_briefings(directory)
    except OSError:
        found = []
    briefings = tuple(item for item in found if item.audio.name in plain)
    files: dict[str, Path] = {}
    for item in briefings:
        sides = [*item.transcripts, *([item.chapters] if item.chapters else [])]
        for path in [item.audio, *(side.path for side in sides)]:
            if path.name in plain:
                files[path.name] = path
    cover = next((directory / name for name in COVER_NAMES if name in plain), None)
    if cover is not None:
        files[cover.name] = cover
    return Library(briefings, files, cover)


def _entries(directory: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(directory) as entries:
            return list(entries)
    except OSError:
        return []


def _signature(directory: Path) -> tuple[object, ...]:
    signature: list[object] = []
    for entry in _entries(directory):
        if entry.name.startswith("."):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        signature.append((entry.name, info.st_mode, info.st_size, info.st_mtime_ns))
    return tuple(sorted(signature, key=lambda item: str(item)))
