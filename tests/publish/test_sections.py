"""MP3 in sections: joined gaplessly (every sample where the layout put it), the same bytes
whatever the cache held and however many threads encoded, and a reused section never encoded
again."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import mutagen.mp3
import numpy as np
import pytest

from briefing.audio import stream
from briefing.audio.assembly import layout
from briefing.audio.loudness import programme_levelling, true_peak_dbtp
from briefing.compose.script import compose
from briefing.model import Clip, Document
from briefing.publish import sections
from briefing.publish.formats import EncodingOptions
from briefing.runtime import ffmpeg_executable
from briefing.speech.cache import SegmentCache
from tests.conftest import decode

pytestmark = pytest.mark.slow  # real encoder and decoder

RATE = 22050
POINTS = ("Prices rose by four percent in March.", "Stocks fell sharply on Tuesday!")
BODY = ("The central bank said it would keep rates unchanged for now. Analysts expect a cut "
        "before the summer, though few would say when.",
        "Exports grew for the third month in a row.")
SCRIPT = compose([Document("Markets", POINTS, BODY, "test")]).map_spoken(lambda s: s.text)


def _voice(index: int, variant: int = 0) -> Clip:
    """A clip that sounds something like a voice: a buzz at a pitch of its own, its loudness
    moving like syllables, with a little silence either side (as an engine leaves)."""
    rng = np.random.default_rng(1000 * variant + index)
    seconds = 0.6 + 1.4 * rng.random()
    t = np.arange(int(seconds * RATE)) / RATE
    pitch = 100 + 80 * rng.random()
    buzz = sum(np.sin(2 * np.pi * pitch * k * t + rng.random()) / k for k in range(1, 12))
    syllables = np.abs(np.sin(np.pi * t * (3 + 2 * rng.random()))) ** 0.5
    edge = np.minimum(1.0, np.minimum(t, t[-1] - t) / 0.02)
    sound = (6000 * buzz * syllables * edge).astype(np.int16)
    silence = np.zeros(RATE // 10, dtype=np.int16)
    return Clip(np.concatenate([silence, sound, silence]), RATE)


class Programme:
    """A programme laid out in sections, levelled to -16 LUFS: what a build hands over."""

    def __init__(self, changed: int | None = None, variant: int = 1) -> None:
        self.clips = [_voice(i, variant if i == changed else 0)
                      for i in range(len(SCRIPT.segments))]
        self.facts = [stream.facts(clip) for clip in self.clips]
        self.plan = layout(SCRIPT, [fact.length for fact in self.facts], RATE, 0,
                           sections.CUTS)
        levelling = programme_levelling(
            [(at, fact.loudness) for at, fact in zip(self.plan.positions, self.facts,
                                                     strict=True)],
            self.plan.timeline.length, RATE)
        assert levelling is not None
        self.levelling = levelling
        self.sectioned = stream.sectioned(self.plan, self.clips.__getitem__,
                                          self.facts.__getitem__, lambda i: None, levelling)

    def samples(self) -> np.ndarray:
        """The whole programme, levelled, as one pass renders it."""
        return np.concatenate(list(stream.samples(self.plan, self.clips.__getitem__,
                                                  self.facts.__getitem__, self.levelling)))

    def write(self, path: Path, store: SegmentCache, workers: int = 2,
              check: float | None = -1.0, bitrate: str | None = None) -> int:
        """Write the MP3; returns how many sections were encoded."""
        count = 0

        def encoded(done: int, total: int) -> None:
            nonlocal count
            count += 1

        sections.write_sections(path, self.sectioned, store, EncodingOptions(bitrate=bitrate),
                                check, encoded, workers)
        return count


@pytest.fixture(scope="module")
def programme() -> Programme:
    return Programme()


@pytest.fixture(scope="module")
def written(programme: Programme, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sections")
    path = folder / "p.mp3"
    assert programme.write(path, SegmentCache(folder / "cache")) == len(programme.plan.sections)
    return path


def _frames(path: Path) -> tuple[bytes, bytes]:
    """The file's Info frame and its audio frames."""
    data = path.read_bytes()
    size = sections._frame_size(int.from_bytes(data[:4], "big"))
    return data[:size], data[size:]


def _decode_raw(frames: bytes) -> np.ndarray:
    """MP3 frames decoded as they are: no Info tag, so nothing trimmed."""
    result = subprocess.run([ffmpeg_executable(), "-v", "error", "-f", "mp3", "-i", "pipe:0",
                             "-f", "s16le", "-ac", "1", "-"], input=frames,
                            capture_output=True, check=True)
    return np.frombuffer(result.stdout, dtype="<i2")


def test_the_layout_puts_every_section_on_the_frame_grid(programme: Programme) -> None:
    plan, cuts = programme.plan, sections.CUTS
    plain = layout(SCRIPT, list(plan.lengths), RATE)
    assert len(plan.sections) > 5  # cut at every pause long enough
    assert plan.sections[0].start == 0
    for section, after in zip(plan.sections, plan.sections[1:], strict=False):
        assert after.start == section.start + section.frames * cuts.frame
        assert section.length == section.frames * cuts.frame - cuts.overhead
    last = plan.sections[-1]
    assert last.start + last.length == plan.timeline.length
    assert last.frames == cuts.frames(last.length)
    for start, length in zip(plan.positions, plan.lengths, strict=True):
        holder = [s for s in plan.sections if s.start <= start < s.start + s.length]
        assert len(holder) == 1
        assert start + length + cuts.tail <= holder[0].start + holder[0].length or (
            holder[0] is last)
    # Each cut's pause moves by at most half a frame: the gaps stay the script's.
    gaps = np.diff(plan.positions) - np.diff(plain.positions)
    assert np.abs(gaps).max() <= cuts.frame // 2


def test_sections_render_the_programme(programme: Programme) -> None:
    whole = programme.samples()
    assert len(whole) == programme.plan.timeline.length
    for index, section in enumerate(programme.plan.sections):
        rendered = programme.sectioned.render(index, 0.0)
        assert np.array_equal(rendered, whole[section.start : section.start + section.length])
        # What the encoder's priming and padding stand in for is silence.
        assert not whole[section.start + section.length :
                         section.start + section.frames * sections.FRAME].any()


def test_decoded_file_has_every_sample_where_the_layout_put_it(
        programme: Programme, written: Path) -> None:
    decoded = decode(written)
    source = programme.samples()
    assert len(decoded) == len(source) == programme.plan.timeline.length
    assert mutagen.mp3.MP3(written).info.length == pytest.approx(len(source) / RATE, abs=1e-6)
    # Each clip lines up with itself, not a sample early or late.
    reach = 20
    padded = np.concatenate([np.zeros(reach), decoded, np.zeros(reach)])
    for start, length in zip(programme.plan.positions, programme.plan.lengths, strict=True):
        clip = source[start : start + length].astype(np.float64)
        scores = [float(np.dot(clip, padded[start + lag : start + lag + length]))
                  for lag in range(2 * reach + 1)]
        assert int(np.argmax(scores)) == reach
    error = decoded.astype(np.float64) - source
    snr = 10 * np.log10(np.sum(source.astype(np.float64) ** 2) / np.sum(error**2))
    assert snr > 15


def test_the_joined_stream_decodes_as_its_sections_alone(
        programme: Programme, written: Path) -> None:
    _, audio = _frames(written)
    alone = []
    offset = 0
    for section in programme.plan.sections:
        size = 0
        for _ in range(section.frames):
            size += sections._frame_size(int.from_bytes(audio[offset + size :
                                                              offset + size + 4], "big"))
        alone.append(_decode_raw(audio[offset : offset + size]))
        assert len(alone[-1]) == section.frames * sections.FRAME
        offset += size
    assert offset == len(audio)
    joined = np.concatenate(alone)
    delay = sections.ENCODER_DELAY + sections.DECODER_DELAY
    assert np.array_equal(_decode_raw(audio), joined)
    assert np.array_equal(decode(written), joined[delay : delay + programme.plan.timeline.length])


def test_the_info_frame_counts_the_whole_file(programme: Programme, written: Path) -> None:
    info, audio = _frames(written)
    at = info.index(b"Info")
    flags, frames, size = (int.from_bytes(info[at + 4 * i : at + 4 * i + 4], "big")
                           for i in (1, 2, 3))
    assert flags == 0x0F
    assert frames == sum(section.frames for section in programme.plan.sections)
    assert size == len(info) + len(audio)
    lame = at + 120
    assert info[lame : lame + 4] == b"LAME"
    delays = int.from_bytes(info[lame + 21 : lame + 24], "big")
    assert delays >> 12 == sections.ENCODER_DELAY
    assert frames * sections.FRAME - (delays >> 12) - (delays & 0xFFF) == len(
        programme.samples())
    assert int.from_bytes(info[lame + 32 : lame + 34], "big") == sections.crc16(audio)
    assert int.from_bytes(info[lame + 34 : lame + 36], "big") == sections.crc16(
        info[: lame + 34])


def test_a_warm_write_encodes_nothing_and_gives_the_same_bytes(
        programme: Programme, written: Path, tmp_path: Path) -> None:
    store = SegmentCache(tmp_path / "cache")
    first, again = tmp_path / "first.mp3", tmp_path / "again.mp3"
    assert programme.write(first, store, workers=1) == len(programme.plan.sections)
    assert programme.write(again, store) == 0
    assert first.read_bytes() == again.read_bytes() == written.read_bytes()


def test_an_edit_encodes_only_its_section_and_gives_a_cold_builds_bytes(
        programme: Programme, written: Path, tmp_path: Path) -> None:
    store = SegmentCache(tmp_path / "cache")
    programme.write(tmp_path / "before.mp3", store)
    changed = len(SCRIPT.segments) // 2
    # A clip of another length (every later section moves, whole frames at a time) that
    # leaves the programme's gain as it was (in a programme this short, not every one does).
    edited = next(candidate for variant in range(1, 50)
                  if (candidate := Programme(changed, variant)).levelling.gain_db
                  == programme.levelling.gain_db)
    assert edited.plan.lengths[changed] != programme.plan.lengths[changed]
    warm, cold = tmp_path / "warm.mp3", tmp_path / "cold.mp3"
    assert edited.write(warm, store) == 1
    assert edited.write(cold, SegmentCache(tmp_path / "fresh")) == len(edited.plan.sections)
    assert warm.read_bytes() == cold.read_bytes() != written.read_bytes()
    assert len(decode(warm)) == edited.plan.timeline.length


def test_a_section_over_the_peak_limit_is_made_again_quieter(
        programme: Programme, tmp_path: Path) -> None:
    limit = -6.0  # below what the levelled clips reach: every section with speech is over
    path = tmp_path / "quieter.mp3"
    made = programme.write(path, SegmentCache(tmp_path / "cache"), check=limit)
    assert made > len(programme.plan.sections)
    assert true_peak_dbtp(decode(path), RATE) <= limit + 0.1
    assert len(decode(path)) == programme.plan.timeline.length


@pytest.mark.parametrize("bitrate", ["8k", "32k", "160k"])
def test_every_bitrate_has_its_info_frame_and_its_length(
        programme: Programme, tmp_path: Path, bitrate: str) -> None:
    # Below 56k a frame at 22,050 Hz is too small for the tag: the Info frame has its own.
    path = tmp_path / "p.mp3"
    programme.write(path, SegmentCache(tmp_path / "cache"), bitrate=bitrate)
    assert len(decode(path)) == programme.plan.timeline.length
    assert mutagen.mp3.MP3(path).info.length == pytest.approx(
        programme.plan.timeline.length / RATE, abs=1e-6)


def test_crc16_joins_and_matches_a_byte_at_a_time() -> None:
    def reference(data: bytes) -> int:
        crc = 0
        for byte in data:
            crc ^= byte
            for _ in range(8):
                crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        return crc

    first, second = os.urandom(70_001), os.urandom(12_345)
    assert sections.crc16(b"123456789") == 0xBB3D
    assert sections.crc16(first) == reference(first)
    assert sections.crc16(first + second) == sections.crc16_join(
        sections.crc16(first), sections.crc16(second), len(second))


@pytest.mark.parametrize("rate", sorted(sections.RATES))
def test_lame_takes_the_frames_the_cuts_count_on(rate: int) -> None:
    for length in (0, 1, 575, 576, 577, 5000, 22050):
        frames = sections._lame(np.zeros(length, dtype=np.int16), rate, 64)
        assert sections._count_frames(frames) == sections.CUTS.frames(length)
