"""A briefing is a set of files (audio, transcripts, chapters): replaced as a set, and only
where each file is briefing's own.

Every file of the set is written completely under a temporary name first; then, holding a
lock on the folder (so that two builds to one target take turns) and with SIGINT and SIGTERM
held off, all of them are renamed into place together. A build that fails or is
interrupted before that moment leaves the old set untouched; after it, the new set is whole.

Which existing files are briefing's own is decided per file: the audio by its tags, every
other file by the manifest written with the set (a hidden `.NAME.briefing.json` beside it,
listing each file and the SHA-256 of what was written). A file a user wrote or edited beside
a briefing is not in it, or no longer matches, so it is never replaced without being asked.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from briefing.atomic import create_part
from briefing.errors import OutputError
from briefing.publish.formats import FORMATS
from briefing.publish.tagging import written_by_briefing

MANIFEST_SUFFIX = ".briefing.json"
_HELD_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def manifest_path(audio: Path) -> Path:
    """The manifest of the set whose audio is `audio` (shared by every format of one name)."""
    return audio.with_name(f".{audio.stem}{MANIFEST_SUFFIX}")


def read_manifest(audio: Path) -> dict[str, str]:
    """File name -> SHA-256 of what briefing wrote there; empty if there is no manifest or it
    cannot be read (then nothing beside the audio counts as briefing's own)."""
    return _read_manifest(manifest_path(audio))


def _read_manifest(path: Path) -> dict[str, str]:
    try:
        with path.open("rb") as handle:
            data = json.loads(handle.read(1 << 20))
        files = data["files"]
        return {str(name): str(digest) for name, digest in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return {}


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_digest(path: Path) -> str | None:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def is_ours(path: Path, audio: Path) -> bool:
    """Whether the existing file `path`, of the set whose audio is `audio`, is briefing's.

    Audio files carry the tool's name in their tags. Any other file must be listed in the
    set's manifest with the digest it has now. Sets written before manifests existed have
    none: there, as before, a file counts as ours when briefing's audio sits beside it.
    """
    if path.suffix.lower() in {kind.suffix for kind in FORMATS.values()}:
        return written_by_briefing(path)
    if manifest_path(audio).exists():
        return read_manifest(audio).get(path.name) == file_digest(path)
    siblings = [audio.with_suffix(kind.suffix) for kind in FORMATS.values()]
    return any(written_by_briefing(sibling) for sibling in siblings if sibling.exists())


def ours_in(folder: Path) -> set[Path]:
    """Every file in `folder` that a briefing's manifest lists with its current content."""
    found: set[Path] = set()
    with contextlib.suppress(OSError):
        for manifest in folder.glob(f".*{MANIFEST_SUFFIX}"):
            for name, expected in _read_manifest(manifest).items():
                if file_digest(folder / name) == expected:
                    found.add(folder / name)
    return found


class Staged:
    """The files of one set, written under temporary names, not yet in place."""

    def __init__(self, audio: Path) -> None:
        self.audio = audio
        self.folder = audio.parent
        self.parts: dict[Path, Path] = {}  # target -> its temporary file
        self.digests: dict[str, str] = {}

    def part(self, target: Path) -> Path:
        """A new temporary file for `target`, to be filled by the caller."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            part = create_part(self.folder, target.name)
        except OSError as error:
            raise OutputError(f"cannot write to {self.folder}: {error.strerror or error}"
                              ) from None
        self.parts[target] = part
        return part

    def write(self, target: Path, data: bytes) -> None:
        """Stage `data` for `target` (the digest goes into the manifest)."""
        part = self.part(target)
        try:
            part.write_bytes(data)
        except OSError as error:
            raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
        self.digests[target.name] = digest(data)

    def discard(self) -> None:
        for part in self.parts.values():
            with contextlib.suppress(OSError):
                part.unlink()

    def commit(self) -> None:
        """Rename every staged file into place together, the manifest last.

        Call it with the folder locked (`folder_locked`), after checking what it replaces.
        """
        kept = {name: value for name, value in read_manifest(self.audio).items()
                if name not in self.digests and file_digest(self.folder / name) == value}
        body = json.dumps({"generator": "briefing", "audio": self.audio.name,
                           "files": dict(sorted({**kept, **self.digests}.items()))},
                          indent=1).encode()
        self.write(manifest_path(self.audio), body)  # staged last, so renamed last
        target = self.audio
        with held_signals():
            try:
                for target, part in self.parts.items():
                    os.replace(part, target)
            except OSError as error:
                raise OutputError(f"cannot write {target}: {error.strerror or error}"
                                  ) from None
        self.parts.clear()


@contextlib.contextmanager
def staged(audio: Path) -> Iterator[Staged]:
    """A set of temporary files for the set at `audio`; whatever was not committed is
    removed when the block ends, however it ends."""
    files = Staged(audio)
    try:
        yield files
    finally:
        files.discard()


@contextlib.contextmanager
def folder_locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on `folder`, held by one process at a time (others wait).

    The lock is on the folder itself (flock on its descriptor), taken only for the moments
    a set is checked and renamed: no lock file is left, and builds of different names in
    one folder wait for each other only for those milliseconds.
    """
    try:
        descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise OutputError(f"cannot open {folder}: {error.strerror or error}") from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # releases the lock


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends, then take effect as usual.

    Only the main thread receives Python's signal handlers; elsewhere there is nothing to
    hold (an interrupt cannot land inside this block there).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {signum: signal.signal(signum, hold) for signum in _HELD_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for pending in dict.fromkeys(received):  # each kind once, in the order they came
            signal.raise_signal(pending)
