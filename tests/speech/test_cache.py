"""The segment cache: real files in a temp folder, corrupt entries, failing disks, and two
processes sharing one cache."""

from __future__ import annotations

import errno
import multiprocessing
import os
import time
from collections.abc import Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

import numpy as np
import platformdirs
import pytest

from briefing.errors import OutputError
from briefing.model import Clip
from briefing.speech import cache as cache_module
from briefing.speech.cache import DATA_SUFFIX, HEADER_SIZE, CacheInfo, CacheStats, SegmentCache
from briefing.speech.engines.fake import FakeEngine

RATE = 22050
HOUR = 3600.0


def noise(seconds: float, seed: int, rate: int = RATE) -> Clip:
    """A clip of random samples over the whole int16 range (so any changed byte shows)."""
    rng = np.random.default_rng(seed)
    return Clip(rng.integers(-32768, 32768, round(seconds * rate), dtype=np.int16), rate)


def entry_path(cache: SegmentCache, key: str) -> Path:
    return cache.directory / key[:2] / f"{key}.seg"


def same(a: Clip | None, b: Clip) -> bool:
    return (a is not None and a.sample_rate == b.sample_rate and a.samples.dtype == np.int16
            and np.array_equal(a.samples, b.samples))


@pytest.fixture
def cache(tmp_path: Path) -> SegmentCache:
    return SegmentCache(tmp_path / "cache")


# Round trip and keys


@pytest.mark.parametrize("clip", [noise(1.5, 1), noise(0.01, 2, rate=48000),
                                  Clip(np.zeros(0, dtype=np.int16), 16000)],
                         ids=["1.5s", "48kHz", "empty"])
def test_round_trip(cache: SegmentCache, clip: Clip) -> None:
    key = cache.key("fake|20", "Hello there.")
    assert cache.get(key) is None
    assert cache.put(key, clip) is True
    back = cache.get(key)
    assert same(back, clip)
    assert back is not None and back.samples.flags.writeable  # callers may process in place
    assert entry_path(cache, key).stat().st_size == HEADER_SIZE + 2 * len(clip.samples)
    assert cache.stats == CacheStats(hits=1, misses=1, stored=1, discarded=0, failed=0)
    # Another instance (another build) on the same folder finds it too.
    assert same(SegmentCache(cache.directory).get(key), clip)


def test_a_second_put_replaces_the_entry(cache: SegmentCache) -> None:
    key = cache.key("fake", "text")
    cache.put(key, noise(0.2, 1))
    cache.put(key, noise(0.3, 2))
    assert same(cache.get(key), noise(0.3, 2))
    assert list((cache.directory / key[:2]).iterdir()) == [entry_path(cache, key)]


def test_key_changes_with_every_input(cache: SegmentCache) -> None:
    engines = [FakeEngine(), FakeEngine(ms_per_char=30), FakeEngine(sample_rate=16000)]
    texts = ["Key points.", "Key points", "key points.", "Key  points.", "Kéy points."]
    keys = {cache.key(engine.cache_key(), text) for engine in engines for text in texts}
    assert len(keys) == len(engines) * len(texts)
    # The boundary between engine key and text is part of the key.
    assert cache.key("ab", "c") != cache.key("a", "bc")
    assert cache.key("", "x") != cache.key("x", "")


def test_key_is_stable_hex_and_independent_of_the_folder(tmp_path: Path) -> None:
    key = SegmentCache(tmp_path / "a").key("fake|20", "Hello.")
    assert key == SegmentCache(tmp_path / "b").key("fake|20", "Hello.")
    assert len(key) == 32 and set(key) <= set("0123456789abcdef")
    # Text a reader may pass through unchanged (a lone surrogate) still gets a key.
    assert len(SegmentCache(tmp_path).key("fake", "bad \ud800 text")) == 32


@pytest.mark.parametrize("key", ["", "../../etc/passwd", "A" * 32, "0" * 31, "0" * 33,
                                 "0" * 30 + "/x"])
def test_a_malformed_key_is_refused(cache: SegmentCache, key: str) -> None:
    with pytest.raises(ValueError, match="not a cache key"):
        cache.get(key)
    with pytest.raises(ValueError, match="not a cache key"):
        cache.put(key, noise(0.1, 1))
    assert not cache.directory.exists()


@pytest.mark.parametrize("clip", [
    Clip(np.zeros(10, dtype=np.float32), RATE),
    Clip(np.zeros((10, 2), dtype=np.int16), RATE),
    Clip(np.zeros(10, dtype=np.int32), RATE),
    Clip(np.zeros(10, dtype=np.int16), 0),
    Clip(np.zeros(10, dtype=np.int16), 2**32),
], ids=["float", "stereo", "int32", "rate 0", "rate too big"])
def test_a_clip_that_is_not_16_bit_mono_is_refused(cache: SegmentCache, clip: Clip) -> None:
    with pytest.raises(ValueError):
        cache.put(cache.key("fake", "x"), clip)


def test_a_non_contiguous_clip_is_stored_as_its_samples(cache: SegmentCache) -> None:
    clip = noise(0.5, 3)
    strided = Clip(clip.samples[::2], RATE)
    key = cache.key("fake", "every other")
    assert cache.put(key, strided)
    assert same(cache.get(key), Clip(clip.samples[::2].copy(), RATE))


# Corrupt entries


def flip(offset: int) -> Callable[[bytes], bytes]:
    def damage(data: bytes) -> bytes:
        position = offset % len(data)
        return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1:]
    return damage


DAMAGE: dict[str, Callable[[bytes], bytes]] = {
    "magic": flip(0),
    "version": flip(4),
    "padding": flip(6),
    "rate": flip(8),
    "count": flip(12),
    "checksum": flip(HEADER_SIZE - 1),
    "first sample": flip(HEADER_SIZE),
    "middle sample": flip(HEADER_SIZE + 1001),
    "last byte": flip(-1),
    "truncated by a byte": lambda data: data[:-1],
    "truncated to the header": lambda data: data[:HEADER_SIZE],
    "truncated inside the header": lambda data: data[:HEADER_SIZE // 2],
    "one byte too long": lambda data: data + b"\0",
    "garbage": lambda data: os.urandom(len(data)),
    "text": lambda data: b"this is not a cache entry",
    "zero-length": lambda data: b"",
}


@pytest.mark.parametrize("damage", DAMAGE.values(), ids=DAMAGE.keys())
def test_a_corrupt_entry_is_a_miss_and_deleted(
    cache: SegmentCache, damage: Callable[[bytes], bytes]
) -> None:
    key = cache.key("fake", "Something said.")
    clip = noise(0.5, 4)
    cache.put(key, clip)
    path = entry_path(cache, key)
    damaged = damage(path.read_bytes())
    assert damaged != path.read_bytes()
    path.write_bytes(damaged)

    assert cache.get(key) is None
    assert not path.exists()
    assert cache.stats == CacheStats(hits=0, misses=1, stored=1, discarded=1, failed=0)
    # Re-synthesized and stored again, it is found again.
    assert cache.put(key, clip)
    assert same(cache.get(key), clip)


def test_an_entry_under_another_entrys_name_is_a_miss(cache: SegmentCache) -> None:
    first, second = cache.key("fake", "one"), cache.key("fake", "two")
    cache.put(first, noise(0.2, 5))
    entry_path(cache, second).parent.mkdir(parents=True, exist_ok=True)
    entry_path(cache, second).write_bytes(entry_path(cache, first).read_bytes())
    assert cache.get(second) is None
    assert cache.stats.discarded == 1
    assert same(cache.get(first), noise(0.2, 5))


def test_a_corrupt_entry_that_cannot_be_deleted_is_still_a_miss(
    cache: SegmentCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = cache.key("fake", "x")
    cache.put(key, noise(0.1, 1))
    entry_path(cache, key).write_bytes(b"garbage")

    def refuse(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(Path, "unlink", refuse)
    assert cache.get(key) is None
    assert cache.stats.discarded == 1


def test_a_good_entry_written_while_a_bad_one_was_read_is_kept(
    cache: SegmentCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = cache.key("fake", "x")
    cache.put(key, noise(0.1, 1))
    entry_path(cache, key).write_bytes(b"garbage")
    read = cache_module._read

    def read_then_another_build_writes(*args: object) -> object:
        found = read(*args)
        SegmentCache(cache.directory).put(key, noise(0.1, 2))
        return found

    monkeypatch.setattr(cache_module, "_read", read_then_another_build_writes)
    assert cache.get(key) is None
    monkeypatch.undo()
    assert same(cache.get(key), noise(0.1, 2))


def test_an_entry_that_is_a_folder_is_a_miss(cache: SegmentCache) -> None:
    key = cache.key("fake", "odd")
    entry_path(cache, key).mkdir(parents=True)
    assert cache.get(key) is None
    assert cache.stats.misses == 1


# Disks that will not take a write


def test_put_into_a_path_that_is_a_file_fails_quietly(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    cache = SegmentCache(blocker)
    key = cache.key("fake", "x")
    assert cache.put(key, noise(0.1, 1)) is False
    assert cache.get(key) is None
    assert cache.stats == CacheStats(hits=0, misses=1, stored=0, discarded=0, failed=1)


def test_a_full_disk_fails_quietly_and_leaves_no_temp_file(
    cache: SegmentCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(cache_module.os, "replace", full)
    key = cache.key("fake", "x")
    assert cache.put(key, noise(0.1, 1)) is False
    assert cache.stats.failed == 1
    assert not entry_path(cache, key).exists()
    assert not list(cache.directory.rglob("*.part"))


def test_a_read_only_cache_fails_quietly(cache: SegmentCache) -> None:
    if os.geteuid() == 0:  # root ignores folder permissions, but not a read-only file system
        cache = SegmentCache(Path("/proc/briefing-cache-test"))
    else:
        cache.directory.mkdir()
        cache.directory.chmod(0o500)
    key = cache.key("fake", "x")
    try:
        assert cache.put(key, noise(0.1, 1)) is False
        assert cache.get(key) is None
    finally:
        if cache.directory.exists():
            cache.directory.chmod(0o700)
    assert cache.stats.failed == 1


# Two builds sharing one cache

KEYS = 6
ROUNDS = 150


def variant(key_index: int, writer: int) -> Clip:
    """What writer `writer` stores under key `key_index`: lengths differ, so a mix shows."""
    return noise(0.4 + 0.05 * writer + 0.01 * key_index, seed=1000 * writer + key_index)


def share(directory: str, writer: int, barrier: Barrier, results: Queue) -> None:
    """Put and get the same keys as the other writer, many times; report what was seen."""
    cache = SegmentCache(Path(directory))
    keys = [cache.key("fake", f"segment {i}") for i in range(KEYS)]
    expected = [[variant(i, w) for w in range(2)] for i in range(KEYS)]
    bad = 0
    barrier.wait()
    for round_ in range(ROUNDS):
        for i, key in enumerate(keys):
            if (round_ + i + writer) % 2 == 0:
                cache.put(key, expected[i][writer])
            got = cache.get(key)
            if got is not None and not any(same(got, clip) for clip in expected[i]):
                bad += 1
    results.put((writer, bad, cache.stats))


def test_two_processes_sharing_a_cache_never_see_a_partial_entry(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(2)
    results = context.Queue()
    processes = [context.Process(target=share, args=(str(tmp_path), w, barrier, results))
                 for w in range(2)]
    for process in processes:
        process.start()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0

    for _writer, bad, stats in reports:
        assert bad == 0  # every hit was exactly one writer's clip
        # With atomic renames no reader ever meets a half-written file: nothing discarded.
        assert stats.discarded == 0
        assert stats.failed == 0
        assert stats.hits > 0
    assert sum(stats.stored for _, _, stats in reports) == KEYS * ROUNDS  # half each
    assert SegmentCache(tmp_path).info().entries == KEYS
    assert not list(tmp_path.rglob("*.part"))


# Housekeeping


def test_info_and_clear(cache: SegmentCache) -> None:
    assert cache.info() == CacheInfo(cache.directory, 0, 0)  # the folder does not exist yet
    assert cache.clear() == 0
    clips = [noise(0.1 * (i + 1), i) for i in range(3)]
    keys = [cache.key("fake", f"text {i}") for i in range(3)]
    for key, clip in zip(keys, clips, strict=True):
        cache.put(key, clip)
    # Files the cache did not make are never counted or removed.
    foreign = [cache.directory / "notes.txt", cache.directory / keys[0][:2] / "keep.me"]
    for path in foreign:
        path.write_text("mine")

    info = cache.info()
    assert info.directory == cache.directory
    assert info.entries == 3
    assert info.total_bytes == sum(HEADER_SIZE + 2 * len(clip.samples) for clip in clips)

    assert cache.clear() == 3
    assert cache.info() == CacheInfo(cache.directory, 0, 0)
    assert all(cache.get(key) is None for key in keys)
    assert all(path.read_text() == "mine" for path in foreign)
    assert [p.name for p in cache.directory.iterdir() if p.is_dir()] == [keys[0][:2]]


def test_clear_of_an_unwritable_cache_says_so(
    cache: SegmentCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache.put(cache.key("fake", "x"), noise(0.1, 1))

    def refuse(path: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(cache_module.os, "unlink", refuse)
    with pytest.raises(OutputError, match="cannot clear the cache"):
        cache.clear()


def make_temp(cache: SegmentCache, key: str, age_s: float) -> Path:
    """A temp file as a writer on another machine, killed mid-write, would leave it, `age_s`
    seconds old (whether its process lives cannot be known from here: only age tells)."""
    temp = cache.directory / key[:2] / f".{key}.seg.elsewhere.{int(age_s)}-0123abcd.part"
    temp.parent.mkdir(parents=True, exist_ok=True)
    temp.write_bytes(b"BSEG half a wr")
    stamp = time.time() - age_s
    os.utime(temp, (stamp, stamp))
    return temp


def test_a_stale_temp_file_is_ignored_and_cleared(cache: SegmentCache) -> None:
    key = cache.key("fake", "killed while writing")
    stale, fresh = make_temp(cache, key, 2 * HOUR), make_temp(cache, key, 60)

    assert cache.get(key) is None
    assert cache.stats.discarded == 0  # a temp file is not an entry
    assert cache.info().entries == 0
    assert cache.clear() == 0
    assert not stale.exists()
    assert fresh.exists()  # it may belong to a build writing right now


def test_a_write_now_and_then_sweeps_stale_temp_files(tmp_path: Path) -> None:
    directory = tmp_path / "cache"
    cache = SegmentCache(directory)
    stale = make_temp(cache, cache.key("fake", "old"), 2 * HOUR)
    fresh = make_temp(cache, cache.key("fake", "new"), 60)
    assert cache.put(cache.key("fake", "x"), noise(0.1, 1))
    assert not stale.exists() and fresh.exists()

    # Swept less than a day ago: another build does not look through the cache again...
    again = make_temp(cache, cache.key("fake", "old again"), 2 * HOUR)
    assert SegmentCache(directory).put(cache.key("fake", "y"), noise(0.1, 2))
    assert again.exists()
    # ...until a day has passed.
    marker = directory / cache_module.SWEEP_MARKER
    stamp = time.time() - 25 * HOUR
    os.utime(marker, (stamp, stamp))
    assert SegmentCache(directory).put(cache.key("fake", "z"), noise(0.1, 3))
    assert not again.exists()


def test_default_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("BRIEFING_CACHE_DIR", str(tmp_path / "mine"))
    assert SegmentCache.default().directory == tmp_path / "mine"
    for unset in ("", None):
        if unset is None:
            monkeypatch.delenv("BRIEFING_CACHE_DIR")
        else:
            monkeypatch.setenv("BRIEFING_CACHE_DIR", unset)
        expected = Path(platformdirs.user_cache_dir("briefing", appauthor=False))
        assert SegmentCache.default().directory == expected


def test_a_folder_named_like_an_entry_is_left_alone(cache: SegmentCache) -> None:
    key = cache.key("fake", "text")
    folder = cache.directory / key[:2] / f"{key}{cache_module.SUFFIX}"
    folder.mkdir(parents=True)
    (folder / "inside").write_text("mine")
    assert cache.get(key) is None
    assert cache.put(key, noise(0.1, 1)) is False  # cannot store over it: a miss, no error
    assert cache.info().entries == 0
    assert cache.clear() == 0
    assert (folder / "inside").read_text() == "mine"


def test_data_beside_an_entry_round_trips_and_is_checked(cache: SegmentCache) -> None:
    key = cache.key("engine", "text")
    assert cache.get_data(key, "kind") is None
    assert cache.put_data(key, "kind", b"measurements")
    assert cache.get_data(key, "kind") == b"measurements"
    path = entry_path(cache, key).with_suffix(DATA_SUFFIX)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1  # one flipped bit
    path.write_bytes(bytes(data))
    assert cache.get_data(key, "kind") is None
    assert not path.exists()  # a corrupt file is removed
    cache.put_data(key, "kind", b"measurements")
    assert cache.get_data(key, "another kind") is None  # another version's: made again


def test_clear_removes_the_data_too(cache: SegmentCache) -> None:
    key = cache.key("engine", "text")
    cache.put(key, Clip(np.zeros(10, dtype=np.int16), RATE))
    cache.put_data(key, "kind", b"x")
    assert cache.clear() == 1
    assert cache.get_data(key, "kind") is None and cache.get(key) is None


def test_reading_back_uncounted_leaves_the_stats_alone(cache: SegmentCache) -> None:
    key = cache.key("engine", "text")
    cache.put(key, Clip(np.zeros(10, dtype=np.int16), RATE))
    assert cache.get(key, counted=False) is not None
    assert (cache.stats.hits, cache.stats.misses) == (0, 0)
