"""A cache of synthesized segments on disk, so a rebuild only speaks what changed.

An entry is keyed by a hash of everything that changes a segment's audio (the engine's
`cache_key()` plus the spoken text) and stored under `ab/abcdef….seg` in the user cache
directory. Each file carries a small header with a checksum of its samples, so a corrupt or
truncated entry is caught on read, deleted and reported as a miss (and so re-synthesized).

Any number of builds may share one cache at once: an entry is written to a temp file in its
own folder and renamed over the final name, so a reader sees the old file, the new one, or
none, never a partial one. A cache that cannot be written (full disk, read-only folder) never
fails a build: the write is counted as failed and the build goes on without it.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import re
import struct
import time
import zlib
from dataclasses import dataclass
from io import BufferedReader
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import platformdirs

from briefing.atomic import create_part, is_leftover, is_part
from briefing.errors import OutputError

if TYPE_CHECKING:
    from briefing.model import Clip

ENV_VAR = "BRIEFING_CACHE_DIR"
"""When set (and not empty), the folder `SegmentCache.default()` uses."""

MAGIC = b"BSEG"
FORMAT_VERSION = 1
# magic, format version, 2 zero bytes, sample rate, sample count; then the checksum.
_PREFIX = struct.Struct("<4sHxxIQ")
_CHECKSUM = struct.Struct("<I")
HEADER_SIZE = _PREFIX.size + _CHECKSUM.size
SUFFIX = ".seg"
DATA_SUFFIX = ".dat"
"""Beside an entry: what a build derived from its clip (its loudness measurements)."""
DATA_MAGIC = b"BDAT"
STALE_AFTER_S = 3600.0
"""A temp file this old belongs to a writer that was killed (one of another machine sharing
the cache: a dead process of this host is known at once); younger ones may be in use."""
SWEEP_EVERY_S = 24 * 3600.0
"""How often (at most) a writer looks through the whole cache for stale temp files."""
SWEEP_MARKER = ".last-sweep"

_KEY_SIZE = 16  # bytes of blake2b: 128 bits, so two segments sharing a key never happens
_KEY = re.compile(rf"[0-9a-f]{{{2 * _KEY_SIZE}}}")
_ENTRY = re.compile(rf"[0-9a-f]{{{2 * _KEY_SIZE}}}\{SUFFIX}")
_DATA = re.compile(rf"[0-9a-f]{{{2 * _KEY_SIZE}}}\{DATA_SUFFIX}")
_FANOUT = re.compile(r"[0-9a-f]{2}")


@dataclass(frozen=True)
class CacheStats:
    """What one `SegmentCache` instance has done so far."""

    hits: int
    """Lookups that returned a clip."""
    misses: int
    """Lookups that returned None, corrupt entries included."""
    stored: int
    """Clips written to the cache."""
    discarded: int
    """Corrupt or unreadable-format entries found on lookup (and deleted)."""
    failed: int
    """Writes that could not be made (full disk, read-only folder); the build went on."""


@dataclass(frozen=True)
class CacheInfo:
    """The size of a cache on disk, for `briefing cache --info`."""

    directory: Path
    """The cache's folder."""
    entries: int
    """Number of cached segments."""
    total_bytes: int
    """Bytes those segments take up."""


class SegmentCache:
    """Segment audio (16-bit mono samples and their rate) on disk, by content key."""

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._hits = self._misses = self._stored = self._discarded = self._failed = 0
        self._swept = False

    @classmethod
    def default(cls) -> SegmentCache:
        """The cache in $BRIEFING_CACHE_DIR, or else in the platform's user cache folder."""
        override = os.environ.get(ENV_VAR)
        if override:
            return cls(Path(override).expanduser())
        return cls(Path(platformdirs.user_cache_dir("briefing", appauthor=False)))

    def key(self, engine_key: str, text: str) -> str:
        """The key (hex) for `text` spoken by an engine whose `cache_key()` is `engine_key`."""
        digest = hashlib.blake2b(digest_size=_KEY_SIZE, person=b"briefing-seg")
        # The format is part of the key, so builds of two versions never fight over a file.
        for part in (str(FORMAT_VERSION), engine_key, text):
            # Length-prefixed, so no split of one string into two can collide with another.
            data = part.encode("utf-8", "surrogatepass")
            digest.update(len(data).to_bytes(8, "little"))
            digest.update(data)
        return digest.hexdigest()

    def get(self, key: str, *, counted: bool = True) -> Clip | None:
        """The cached clip, or None if there is none or it was corrupt (then it is deleted).

        Not `counted` in the stats when a build reads back a clip it has already looked up.
        """
        path = self._path(key)
        count = 1 if counted else 0
        try:
            with open(path, "rb") as file:
                identity = os.fstat(file.fileno())
                clip = _read(key, file, identity.st_size)
        except OSError:  # absent, or unreadable: either way the segment must be spoken
            self._misses += count
            return None
        if clip is None:
            self._discard(path, identity)
            self._misses += count
            return None
        self._hits += count
        return clip

    def put(self, key: str, clip: Clip) -> bool:
        """Store `clip` under `key`; False (and counted) if the disk would not take it.

        Raises ValueError only for a bad key or a clip that is not 16-bit mono audio.
        """
        path = self._path(key)
        samples = _validated(clip)
        prefix = _PREFIX.pack(MAGIC, FORMAT_VERSION, clip.sample_rate, len(samples))
        header = prefix + _checksum(key, prefix, samples.data)
        if not self._write(path, header, samples.data):
            return False
        self._stored += 1
        self._sweep_now_and_then()
        return True

    def get_data(self, key: str, kind: str) -> bytes | None:
        """What was stored with `put_data` beside the entry `key` as data of this `kind`; None
        if nothing sound is (a corrupt file, or one of another kind, say made by another
        version, is deleted). Not counted in the stats: the clip's lookup is."""
        path = self._data_path(key)
        try:
            with open(path, "rb") as file:
                identity = os.fstat(file.fileno())
                data = _read_data(key + kind, file, identity.st_size)
        except OSError:
            return None
        if data is None:
            self._discard(path, identity)
        return data

    def put_data(self, key: str, kind: str, data: bytes) -> bool:
        """Store `data` of this `kind` beside the entry `key` (written like an entry:
        atomically, with a checksum that covers the kind); False if the disk would not take
        it."""
        prefix = _PREFIX.pack(DATA_MAGIC, FORMAT_VERSION, 0, len(data))
        body = memoryview(data)
        return self._write(self._data_path(key),
                           prefix + _checksum(key + kind, prefix, body), body)

    def _data_path(self, key: str) -> Path:
        return self._path(key).with_suffix(DATA_SUFFIX)

    def _write(self, path: Path, header: bytes, body: memoryview) -> bool:
        temp: Path | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # No fsync: after a power cut a renamed file may come back empty or short, and
            # the checksum turns that into an ordinary miss, so the cost buys nothing.
            temp = create_part(path.parent, path.name)
            with temp.open("wb") as file:
                file.write(header)
                file.write(body)
            os.replace(temp, path)
        except OSError:
            self._failed += 1
            if temp is not None:
                _remove(temp)
            return False
        return True

    @property
    def stats(self) -> CacheStats:
        """Counts of what this instance has done (not of other processes sharing the cache)."""
        return CacheStats(self._hits, self._misses, self._stored, self._discarded, self._failed)

    def info(self) -> CacheInfo:
        """How many entries the cache holds and how many bytes they take."""
        entries = total = 0
        try:
            for folder in _fanout_folders(self.directory):
                for entry in _scan(folder):
                    if _is_entry(entry) or _is_data(entry):
                        try:
                            total += entry.stat().st_size
                        except FileNotFoundError:  # removed by another process meanwhile
                            continue
                        entries += int(_is_entry(entry))
        except OSError as error:
            raise OutputError(f"cannot read the cache at {self.directory}: "
                              f"{error.strerror or error}") from None
        return CacheInfo(self.directory, entries, total)

    def clear(self) -> int:
        """Remove every entry (and stale temp files); returns how many entries were removed."""
        removed = 0
        now = time.time()
        try:
            for folder in _fanout_folders(self.directory):
                for entry in _scan(folder):
                    if _is_entry(entry):
                        try:
                            os.unlink(entry.path)
                        except FileNotFoundError:
                            continue
                        removed += 1
                    elif _is_data(entry):
                        with contextlib.suppress(FileNotFoundError):
                            os.unlink(entry.path)
                    elif _is_stale_temp(entry, now):
                        _remove(Path(entry.path))
                # Left in place when not empty: a foreign file, or a running build's temp file.
                with contextlib.suppress(OSError):
                    folder.rmdir()
        except OSError as error:
            raise OutputError(f"cannot clear the cache at {self.directory}: "
                              f"{error.strerror or error}") from None
        return removed

    def _remove_stale_temps(self) -> int:
        """Delete temp files left by killed writers (older than an hour); returns how many."""
        removed = 0
        now = time.time()
        for folder in _fanout_folders(self.directory):
            for entry in _scan(folder):
                if _is_stale_temp(entry, now):
                    removed += _remove(Path(entry.path))
        return removed

    def _path(self, key: str) -> Path:
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            # Also keeps a caller's string from naming a path outside the cache.
            raise ValueError(f"not a cache key: {key!r}")
        return self.directory / key[:2] / (key + SUFFIX)

    def _discard(self, path: Path, identity: os.stat_result) -> None:
        self._discarded += 1
        try:
            current = os.stat(path)
            # Another build may have just replaced the bad entry with a good one: keep that.
            if (current.st_dev, current.st_ino) == (identity.st_dev, identity.st_ino):
                path.unlink()
        except OSError:
            pass  # gone already, or a read-only cache: it stays a miss either way

    def _sweep_now_and_then(self) -> None:
        """Once per instance, and at most once a day per cache, remove stale temp files."""
        if self._swept:
            return
        self._swept = True
        marker = self.directory / SWEEP_MARKER
        try:
            age = time.time() - marker.stat().st_mtime
        except OSError:
            age = math.inf
        if age < SWEEP_EVERY_S:
            return
        with contextlib.suppress(OSError):  # housekeeping must never fail the write
            marker.touch()
            self._remove_stale_temps()


def _read(key: str, file: BufferedReader, size: int) -> Clip | None:
    """The clip in an entry file of `size` bytes, or None if it is not a sound entry."""
    # speech will import this module to use the cache, so Clip is imported at call time.
    from briefing.model import Clip

    header = file.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE:
        return None
    magic, version, sample_rate, count = _PREFIX.unpack_from(header)
    if magic != MAGIC or version != FORMAT_VERSION or sample_rate == 0:
        return None
    # Checked before reading, so a garbage header cannot make us allocate a huge buffer.
    if size != HEADER_SIZE + 2 * count:
        return None
    body = bytearray(2 * count)  # a bytearray, so the samples come back writable uncopied
    if file.readinto(body) != len(body):
        return None
    if _checksum(key, header[: _PREFIX.size], body) != header[_PREFIX.size :]:
        return None
    return Clip(np.frombuffer(body, dtype="<i2").astype(np.int16, copy=False), sample_rate)


def _read_data(key: str, file: BufferedReader, size: int) -> bytes | None:
    """The data in a data file of `size` bytes, or None if it is not sound."""
    header = file.read(HEADER_SIZE)
    if len(header) < HEADER_SIZE:
        return None
    magic, version, _, count = _PREFIX.unpack_from(header)
    if magic != DATA_MAGIC or version != FORMAT_VERSION or size != HEADER_SIZE + count:
        return None
    body = bytearray(count)
    if file.readinto(body) != count:
        return None
    if _checksum(key, header[: _PREFIX.size], body) != header[_PREFIX.size :]:
        return None
    return bytes(body)


def _checksum(key: str, prefix: bytes, samples: memoryview | bytearray) -> bytes:
    # CRC-32, not a cryptographic hash: it guards against truncation and bit rot, not an
    # attacker (who could write the cache anyway), runs ~5x faster than blake2b (~0.07 ms
    # for 5 s of audio), and catches every burst error up to 32 bits. Truncation is caught
    # by the length check before it. The key is included, so an entry found under another
    # entry's name is not returned.
    crc = zlib.crc32(key.encode("ascii"))
    crc = zlib.crc32(prefix, crc)
    return _CHECKSUM.pack(zlib.crc32(samples, crc))


def _validated(clip: Clip) -> np.ndarray:
    """The clip's samples as contiguous little-endian int16; ValueError if it is not audio."""
    samples = clip.samples
    if not isinstance(samples, np.ndarray) or samples.ndim != 1 or samples.dtype != np.int16:
        raise ValueError("a cached clip must hold a 1-D int16 numpy array of samples")
    rate = clip.sample_rate
    if isinstance(rate, bool) or not isinstance(rate, int | np.integer) or not 0 < rate < 2**32:
        raise ValueError(f"not a sample rate: {rate!r}")
    return np.ascontiguousarray(samples, dtype="<i2")


def _is_entry(entry: os.DirEntry[str]) -> bool:
    """A cache entry: a regular file named like one. A folder or link that happens to bear
    such a name is someone else's, and left alone."""
    return bool(_ENTRY.fullmatch(entry.name)) and entry.is_file(follow_symlinks=False)


def _is_data(entry: os.DirEntry[str]) -> bool:
    """Data beside an entry (`put_data`): a regular file named like it."""
    return bool(_DATA.fullmatch(entry.name)) and entry.is_file(follow_symlinks=False)


def _fanout_folders(directory: Path) -> list[Path]:
    return [Path(entry.path) for entry in _scan(directory)
            if _FANOUT.fullmatch(entry.name) and entry.is_dir(follow_symlinks=False)]


def _scan(folder: Path) -> list[os.DirEntry[str]]:
    """The folder's entries; none if it does not exist (yet, or any more)."""
    try:
        with os.scandir(folder) as entries:
            return list(entries)
    except FileNotFoundError:
        return []


def _is_stale_temp(entry: os.DirEntry[str], now: float) -> bool:
    if not is_part(entry.name):
        return False
    if is_leftover(entry.name):
        return True
    try:
        return now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_S
    except FileNotFoundError:  # its writer finished and renamed it meanwhile
        return False


def _remove(path: Path) -> int:
    """Delete a file if possible; 1 if it was deleted, else 0."""
    try:
        path.unlink()
    except OSError:
        return 0
    return 1
