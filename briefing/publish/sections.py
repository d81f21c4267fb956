"""MP3 in sections: the programme encoded stretch by stretch, each stretch cached, so that a
rebuild encodes only what changed.

The layout cuts the programme in pauses (`assembly.Cuts`), each section starting on the
frame grid. A section is encoded alone, in process (LAME through `lameenc`): its first frame
refers to no earlier one (the bit reservoir starts empty), and it ends in silence, so the
decoder's state is at rest when the next one starts; the sections' frames joined are one
stream that decodes to each section's decoding in turn. Each encoding adds the encoder's
priming and its end padding, silence that lands inside the pause at the cut: the section's
input stops short of the next section's start by exactly that much (`Cuts.overhead`), so the
decoded programme keeps every sample where the layout put it. One Xing/LAME "Info" frame for
the whole file gives the frame and byte counts (seeking, duration) and the first section's
delay and the last one's padding (gapless players trim them).

A section is cached under what makes its samples (`stream.Sectioned.identity`: its clips by
content, their places, the levelling) and the encoder's settings, never under its rendered
samples, so a section found costs neither rendering, levelling, encoding nor decoding. What is
cached does not change what is written: a cold build encodes the very same sections.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import math
import operator
import re
import struct
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from briefing.atomic import replacing
from briefing.audio.assembly import Cuts
from briefing.errors import EncoderError, OutputError
from briefing.publish.decoding import mp3_true_peak
from briefing.publish.formats import MP3_QUALITY, EncodingOptions

if TYPE_CHECKING:
    from briefing.audio.stream import Sectioned
    from briefing.speech.cache import SegmentCache

FRAME = 576
"""Samples per frame of MPEG-2 Layer III, the MP3 of speech's rates (16 to 24 kHz)."""
ENCODER_DELAY = 576
"""LAME's priming: the silence before the first input sample in a section's frames."""
CUTS = Cuts(frame=FRAME, overhead=ENCODER_DELAY + FRAME, tail=2 * FRAME)
"""LAME pads the end with at least one frame beyond its priming (a section of L samples
takes ceil((L + 1152) / 576) frames: measured, and checked on every encoding); two frames of
silence before the padding put the decoder's overlap and filter bank at rest."""
RATES = frozenset({16000, 22050, 24000})
"""The sample rates encoded in sections: those of MPEG-2 (576-sample frames)."""
BITRATES = frozenset({8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160})
"""MPEG-2 Layer III's bitrates (kbit/s)."""
FORMAT = "mp3-section/2"
"""Names the cached sections' format and this module's way of encoding and checking them
(2: decoded by libmpg123, whose measured peaks decide how much quieter an over is made)."""
ENCODER = b"LAME4.0\x00\x00"
"""The Info tag's encoder field: the LAME that `lameenc` 1.9 carries."""
DECODER_DELAY = 529
"""What an MP3 decoder adds before the first sample (the Info tag's delay excludes it)."""

_ENTRY = struct.Struct("<dIdH")  # decoded true peak (dBTP), frames, dB made quieter, CRC


@dataclass(frozen=True)
class EncodedSection:
    """A section's frames, as cached."""

    frames: bytes
    """The MP3 frames."""
    count: int
    """How many frames."""
    peak_db: float
    """The decoded true peak of its first encoding (dBTP; -inf when silent, or not checked)."""
    quieter_db: float
    """How much quieter than planned it was encoded, after a codec over (0.0: as planned)."""
    crc: int
    """`crc16(frames)`: the file's checksum is joined from its sections' (`crc16_join`)."""

    def to_bytes(self) -> bytes:
        return _ENTRY.pack(self.peak_db, self.count, self.quieter_db, self.crc) + self.frames

    @classmethod
    def from_bytes(cls, data: bytes) -> EncodedSection:
        peak_db, count, quieter_db, crc = _ENTRY.unpack_from(data)
        return cls(data[_ENTRY.size :], count, peak_db, quieter_db, crc)


def cuts_for(options: EncodingOptions, sample_rate: int) -> Cuts | None:
    """The cuts for a programme encoded with `options` at `sample_rate`: MP3 at an MPEG-2
    rate and bitrate; None (one pass with ffmpeg) for anything else."""
    if options.format.name != "mp3" or sample_rate not in RATES:
        return None
    return CUTS if _kbps(options) is not None else None


def _kbps(options: EncodingOptions) -> int | None:
    found = re.fullmatch(r"(\d+)k", options.bitrate or options.format.default_bitrate or "")
    kbps = int(found.group(1)) if found else None
    return kbps if kbps in BITRATES else None


EncodeHook = Callable[[int, int], None]
"""Called as `encoded(done, total)` each time a section has been encoded (never for one
reused): `done` encodings of the `total` this build makes (which grows if a section has to
be made again quieter). Called in the caller's thread."""


def write_sections(path: Path, programme: Sectioned, store: SegmentCache,
                   options: EncodingOptions, check_above: float | None = None,
                   encoded: EncodeHook | None = None, workers: int = 2) -> None:
    """Write the programme's MP3 at `path` from its sections: each found in `store`, or
    encoded (`workers` at a time) and stored.

    With `check_above` (dBTP), each section encoded is decoded, as a player would (by
    libmpg123, on the same thread: `decoding.decode_mp3`), and one whose decoded peaks
    exceed it (a codec smears sharp transients into overs) is encoded again from slightly
    quieter samples. The sections go to the file as they come, in order,
    a few at a time, so memory stays flat with the programme's length; a section is stored
    only once it is final.
    """
    plan = programme.plan
    rate = plan.timeline.sample_rate
    kbps = _kbps(options)
    if kbps is None or rate not in RATES or not plan.sections:
        raise ValueError("these settings are not encoded in sections (see `cuts_for`)")
    # The encoder's version too: sections of another LAME must not join this one's, or the
    # bytes would depend on what the cache held.
    kind = f"{FORMAT} lameenc {_lameenc_version()} q{MP3_QUALITY} {kbps}k check {check_above!r}"
    keys = [_key(kind, programme.identity(k)) for k in range(len(plan.sections))]

    def cached(index: int) -> EncodedSection | None:
        data = store.get_data(keys[index], kind)
        if data is None or len(data) < _ENTRY.size:
            return None
        section = EncodedSection.from_bytes(data)
        return section if section.count == plan.sections[index].frames else None

    # Looked up first, to know what to encode, and read again when written.
    missing = [index for index in range(len(keys)) if cached(index) is None]

    def encode(index: int, quieter_db: float = 0.0) -> _Made:
        """Encode the section and, with a limit, decode it to measure its peak (on a pool
        thread: LAME, libmpg123 and most of numpy let go of the GIL). A section made again
        quieter is not checked again: its first peak is what is stored."""
        frames = _lame(programme.render(index, quieter_db), rate, kbps)
        made = _count_frames(frames)
        if made != plan.sections[index].frames:
            raise EncoderError(f"the MP3 encoder made {made} frames of section {index + 1}, "
                               f"not {plan.sections[index].frames}")
        # A section decodes alone as it does in the stream: it starts with an empty bit
        # reservoir after the silence that ends the one before.
        peak = (mp3_true_peak(frames, rate, check_above)
                if check_above is not None and not quieter_db else -math.inf)
        return _Made(frames, peak, crc16(frames))

    done = 0

    def count(total: int) -> None:
        nonlocal done
        done += 1
        if encoded is not None:
            encoded(done, total)

    info_header = _info_header(kbps, rate)
    placed: list[_Placed] = []  # where each section lies in the file, and its checksum
    peaks: dict[int, float] = {}  # the decoded true peak of each section encoded here
    position = _frame_size(info_header)
    new_set = set(missing)
    with ThreadPoolExecutor(max(1, min(workers, len(missing)))) as pool, \
            open(path, "w+b") as out:
        out.write(bytes(position))
        new = _ordered(pool, encode, missing, 2 * workers)
        for index in range(len(keys)):
            if index in new_set:
                made = next(new)
                count(len(missing))
                frames, crc = made.frames, made.crc
                peaks[index] = made.peak
            else:
                section = cached(index)
                if section is None:  # gone since the lookup: another process cleared it
                    raise _lost(store)
                frames, crc = section.frames, section.crc
            out.write(frames)
            placed.append(_Placed(position, len(frames), plan.sections[index].frames, crc))
            position += len(frames)
        over = {k: peak - check_above + 0.1 for k, peak in peaks.items()
                if check_above is not None and peak > check_above}

        def store_section(index: int, frames: bytes, crc: int) -> None:
            store.put_data(keys[index], kind, EncodedSection(
                frames, plan.sections[index].frames, peaks[index], over.get(index, 0.0),
                crc).to_bytes())

        for index in missing:
            if index not in over:  # final: read back from the file, a section at a time
                out.seek(placed[index].offset)
                store_section(index, out.read(placed[index].size), placed[index].crc)
        out.flush()
        if over:
            quieter = _ordered(pool, lambda index: encode(index, over[index]), list(over),
                               2 * workers)

            def replacement(index: int) -> _Made:
                made = next(quieter)
                count(len(missing) + len(over))
                store_section(index, made.frames, made.crc)
                return made

            placed = _rewrite(path, placed, set(over), replacement)
    with open(path, "r+b") as out:
        out.write(_info_frame(info_header, placed, plan.timeline.length))


@dataclass(frozen=True)
class _Made:
    """A section as encoded in this build."""

    frames: bytes
    """Its MP3 frames."""
    peak: float
    """Their decoded true peak (dBTP); -inf when silent, or not checked."""
    crc: int
    """`crc16(frames)`."""


@dataclass(frozen=True)
class _Placed:
    """A section as written into the file."""

    offset: int
    """Where its first frame starts."""
    size: int
    """Its bytes."""
    count: int
    """Its frames."""
    crc: int
    """`crc16` of its bytes."""


def _rewrite(path: Path, placed: list[_Placed], replaced: set[int],
             replacement: Callable[[int], _Made]) -> list[_Placed]:
    """Write the file again with the sections `replaced` by `replacement(index)` (asked for
    in order), section by section, never the whole in memory; returns where each now lies."""
    moved: list[_Placed] = []
    with replacing(path) as part, open(path, "rb") as source, open(part, "wb") as out:
        position = placed[0].offset
        out.write(source.read(position))
        for index, section in enumerate(placed):
            if index in replaced:
                made = replacement(index)
                frames, crc = made.frames, made.crc
            else:
                source.seek(section.offset)
                frames, crc = source.read(section.size), section.crc
            out.write(frames)
            moved.append(_Placed(position, len(frames), section.count, crc))
            position += len(frames)
    return moved


def _ordered(pool: ThreadPoolExecutor, work: Callable[[int], _Made], items: list[int],
             ahead: int) -> Iterator[_Made]:
    """`work(item)` for each item, done on the pool but returned in order, at most `ahead`
    of them done or under way before they are asked for (so memory stays bounded)."""
    pending: deque[Future[_Made]] = deque()
    upcoming = iter(items)
    try:
        for item in itertools.islice(upcoming, ahead):
            pending.append(pool.submit(work, item))
        while pending:
            result = pending.popleft().result()
            for item in itertools.islice(upcoming, 1):
                pending.append(pool.submit(work, item))
            yield result
    finally:
        for future in pending:
            future.cancel()


def _lost(store: SegmentCache) -> OutputError:
    return OutputError(f"the segment cache at {store.directory} lost an entry during the "
                       "build (cleared by another process?): build again")


@functools.cache
def _lameenc_version() -> str:
    """lameenc's version, from the name of its record beside it (`importlib.metadata` looks
    through every installed package: 50 ms, a tenth of an edit rebuild)."""
    import lameenc

    found = list(Path(lameenc.__file__).parent.glob("lameenc-*.dist-info"))
    if len(found) == 1:
        return found[0].name.removeprefix("lameenc-").removesuffix(".dist-info")
    from importlib import metadata

    return metadata.version("lameenc")


def _key(kind: str, identity: bytes) -> str:
    digest = hashlib.blake2b(digest_size=16, person=b"briefing-sec")
    for part in (kind.encode(), identity):
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def _lame(samples: np.ndarray, rate: int, kbps: int) -> bytes:
    """`samples` (int16 mono) as MP3 frames by LAME at `kbps` CBR, alone: its own priming,
    its own padding, an empty bit reservoir at the start. LAME lets go of the GIL while it
    encodes, so sections encode in parallel on threads."""
    import lameenc  # only where MP3 is encoded: it loads LAME

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(kbps)
    encoder.set_in_sample_rate(rate)
    encoder.set_out_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(int(MP3_QUALITY))
    data = np.ascontiguousarray(samples, dtype="<i2").tobytes()
    return bytes(encoder.encode(data) + encoder.flush())


# MPEG-2 Layer III bitrates by index (kbit/s).
_LSF_BITRATES = (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160)
_LSF_RATES = (22050, 24000, 16000)


def _frame_size(header: int) -> int:
    """The bytes of the MPEG-2 Layer III frame that starts with this 32-bit header; 0 if it
    is not one."""
    if (header >> 21) & 0x7FF != 0x7FF or (header >> 19) & 3 != 2 or (header >> 17) & 3 != 1:
        return 0
    bitrate, rate = (header >> 12) & 15, (header >> 10) & 3
    if not 0 < bitrate < 15 or rate == 3:
        return 0
    return 72000 * _LSF_BITRATES[bitrate] // _LSF_RATES[rate] + ((header >> 9) & 1)


def _count_frames(frames: bytes) -> int:
    """How many frames `frames` holds; EncoderError if it is not whole MPEG-2 Layer III
    frames."""
    count = offset = 0
    while offset < len(frames):
        size = _frame_size(int.from_bytes(frames[offset : offset + 4], "big"))
        if size == 0 or offset + size > len(frames):
            raise EncoderError("the MP3 encoder wrote something that is not whole MP3 frames")
        offset += size
        count += 1
    return count


def _info_header(kbps: int, rate: int) -> int:
    """The header of the Info frame: MPEG-2 Layer III, mono, no CRC, at the stream's rate
    and bitrate, or the least bitrate whose frame holds the tag (a decoder reads each frame's
    own bitrate)."""
    rate_index = _LSF_RATES.index(rate)
    for index, bitrate in enumerate(_LSF_BITRATES):
        if bitrate >= kbps and 72000 * bitrate // rate >= _INFO_BYTES:
            return (0xFFF30000 | index << 12 | rate_index << 10 | 0b11 << 6 | 0b100)
    raise ValueError(f"no MPEG-2 frame at {rate} Hz holds an Info tag")  # never: 160k does


_INFO_BYTES = 4 + 9 + 120 + 36
"""The Info frame's header, side information, Xing fields and LAME tag, in bytes."""


def _info_frame(header: int, placed: list[_Placed], length: int) -> bytes:
    """A Xing "Info" frame with a LAME tag, as LAME and ffmpeg write for a CBR stream: frame
    and byte counts, a seek table, the first section's delay and the end padding that leaves
    `length` samples, and the checksums."""
    size = _frame_size(header)
    frames = sum(section.count for section in placed)
    padding = FRAME * frames - ENCODER_DELAY - length
    if not 0 <= padding < 4096:
        raise EncoderError(f"the MP3 sections end {padding} samples after the programme")
    total = placed[-1].offset + placed[-1].size
    # The seek table: where each hundredth of the frames starts, in 256ths of the file, as
    # placed by each section's own size (its frames differ by at most a padding byte).
    firsts = np.cumsum([0] + [section.count for section in placed])
    toc = bytearray()
    for i in range(100):
        frame = i * frames // 100
        k = int(np.searchsorted(firsts, frame, side="right")) - 1
        within = (frame - int(firsts[k])) * placed[k].size // max(placed[k].count, 1)
        toc.append(min(255, 256 * (placed[k].offset + within) // total))
    checksum = 0
    for section in placed:
        checksum = crc16_join(checksum, section.crc, section.size)
    body = bytearray(b"\x00" * 9)  # the side information of an empty frame (MPEG-2 mono)
    body += b"Info" + struct.pack(">III", 0x0F, frames, total) + bytes(toc) + bytes(4)
    body += ENCODER + bytes([0x01, 0x00]) + bytes(4) + bytes(4)  # CBR; no replay gain
    body += bytes([0x00, min(_LSF_BITRATES[(header >> 12) & 15], 255)])
    body += ((ENCODER_DELAY << 12) | padding).to_bytes(3, "big")
    body += bytes(4) + struct.pack(">IH", total, checksum)
    tag = header.to_bytes(4, "big") + bytes(body)
    tag += struct.pack(">H", crc16(tag))
    return tag + bytes(size - len(tag))


def _crc_table() -> np.ndarray:
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ 0xA001, table >> 1)
    return table.astype(np.uint32)


_CRC_TABLE = _crc_table()
_CRC_LANES = 4096


def crc16(data: bytes) -> int:
    """CRC-16 (the LAME tag's: polynomial 0x8005 reflected, starting at 0) of `data`.

    A byte at a time in Python would take a third of a second for a programme's frames;
    instead the data is cut into lanes, each lane's CRC is run in step by numpy, and the
    lanes' CRCs are joined: with a zero start, leading zeros leave a CRC unchanged, and
    moving a CRC past n bytes is linear in its bits (two 256-entry tables).
    """
    table = _CRC_TABLE
    if len(data) < 2 * _CRC_LANES:
        crc = 0
        for byte in data:
            crc = (crc >> 8) ^ int(table[(crc ^ byte) & 0xFF])
        return crc
    width = -(-len(data) // _CRC_LANES)
    padded = np.zeros(_CRC_LANES * width, dtype=np.uint32)
    padded[len(padded) - len(data) :] = np.frombuffer(data, dtype=np.uint8)
    grid = padded.reshape(_CRC_LANES, width)
    states = np.zeros(_CRC_LANES, dtype=np.uint32)
    # What `width` zero bytes do to each low byte and to each high byte of a CRC.
    moved = np.concatenate([np.arange(256, dtype=np.uint32),
                            np.arange(256, dtype=np.uint32) << 8])
    for column in range(width):
        states = (states >> 8) ^ table[(states ^ grid[:, column]) & 0xFF]
        moved = (moved >> 8) ^ table[moved & 0xFF]
    low, high = moved[:256].tolist(), moved[256:].tolist()
    crc = 0
    for state in states.tolist():
        crc = low[crc & 0xFF] ^ high[crc >> 8] ^ state
    return crc


def _one_zero_byte(crc: int) -> int:
    return (crc >> 8) ^ int(_CRC_TABLE[crc & 0xFF])


@functools.cache
def _zeros() -> list[list[int]]:
    """What 2**j zero bytes do to each bit of a CRC, for j up to 40: moving a CRC past n
    bytes (zeros, or any bytes whose own CRC is then added in) applies these for the bits
    of n. Made on first use (a few milliseconds)."""
    powers = [[_one_zero_byte(1 << bit) for bit in range(16)]]
    for _ in range(40):
        half = powers[-1]
        powers.append([functools.reduce(operator.xor,
                                        (half[b] for b in range(16) if image >> b & 1), 0)
                       for image in half])
    return powers


def _past_zeros(crc: int, count: int) -> int:
    """The CRC `crc` continued over `count` zero bytes."""
    j = 0
    while count:
        if count & 1:
            images = _zeros()[j]
            crc = functools.reduce(operator.xor, (images[b] for b in range(16) if crc >> b & 1),
                                   0)
        count >>= 1
        j += 1
    return crc


def crc16_join(first: int, second: int, second_length: int) -> int:
    """`crc16(a + b)` from `crc16(a)`, `crc16(b)` and `len(b)` (the CRC is linear, with a
    zero start)."""
    return _past_zeros(first, second_length) ^ second
