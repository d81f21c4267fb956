"""Programme loudness: BS.1770-4 / EBU R128 measurement, normalisation, true-peak limiting.

The whole programme is normalised as one (one gain, one limiter), never sentence by sentence, so
the balance between sentences that the engine produced is kept. Everything here is vectorised
numpy: the recursive K-weighting filter is evaluated block-wise as matrix products (see
`_filter_segment`), so the package needs no scipy and a two-minute programme is measured and
limited in well under a second. Each pass goes through the programme in segments of samples
(`_SEGMENT`), carrying filter and limiter state from one to the next, so that memory beyond the
input and the output stays a few MB however long the programme is.
"""

from __future__ import annotations

import functools
import math
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "LoudnessReport",
    "integrated_loudness",
    "normalize_loudness",
    "true_peak_dbtp",
]

_INT16_FULL_SCALE = 32768.0

# BS.1770-4: 400 ms gating blocks, 75 % overlap (a new block every 100 ms).
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_LOUDNESS_OFFSET_DB = -0.691

# BS.1770-4 Annex 2 interpolation filter (48 taps, 4 phases of 12). The prototype is symmetric,
# so phases 2 and 3 are phases 1 and 0 reversed.
_TP_PHASE0 = (
    0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000,
    -0.0594482421875, 0.1373291015625, 0.9721679687500, -0.1022949218750,
    0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500,
)  # fmt: skip
_TP_PHASE1 = (
    -0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250,
    -0.1665039062500, 0.4650878906250, 0.7797851562500, -0.2003173828125,
    0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375,
)  # fmt: skip
TRUE_PEAK_PHASES = np.array(
    [_TP_PHASE0, _TP_PHASE1, _TP_PHASE1[::-1], _TP_PHASE0[::-1]], dtype=np.float32
)
"""Annex 2 polyphase interpolator, shape (4 phases, 12 taps)."""
INTERPOLATION_GAIN = float(np.abs(TRUE_PEAK_PHASES).sum(axis=1).max())
"""The most any interpolated point can exceed the largest sample it is made from (about
2.0, +6 dB): where samples stay this far below a limit, so does the true peak."""

# The limiter aims this far below the requested ceiling: MP3 encoding adds inter-sample overs of
# its own (at 64 kbit/s about 0.3 dB on eSpeak speech at -16 LUFS, more on its sharp plosive
# transients at louder targets), and a 4x interpolator reads a few tenths of a dB low on content
# near Nyquist where ffmpeg's meter interpolates to 192 kHz.
_LIMITER_MARGIN_DB = 1.0
_LOOKAHEAD_S = 0.005  # attack: long enough to be click-free, short enough to keep transients
_HOLD_S = 0.010  # bridges the gaps between glottal pulses so the gain does not buzz at pitch rate
_RELEASE_DB_PER_S = 400.0  # a 6 dB reduction recovers in 15 ms: shaves peaks, keeps loudness
_GAIN_ITERATIONS = 8
_LOUDNESS_TOLERANCE_LU = 0.02
# Past this much extra gain the limiter would be squashing, not peak limiting: the target is
# then missed (and reported) rather than chased.
_MAX_LIMITER_MAKEUP_DB = 8.0


@dataclass(frozen=True)
class LoudnessReport:
    """What `normalize_loudness` measured and did. Loudness of silence is -inf."""

    input_lufs: float
    """Integrated loudness of the input (LUFS, BS.1770-4 gated)."""
    input_true_peak_dbtp: float
    """True peak of the input (dBTP, 4x oversampled per BS.1770-4 Annex 2)."""
    gain_db: float
    """Static gain applied before the limiter (dB); 0.0 when the input was left unchanged."""
    output_lufs: float
    """Integrated loudness of the returned samples (LUFS); predicted, not measured, when
    `normalize_loudness` was told not to measure its output."""
    output_true_peak_dbtp: float
    """True peak of the returned samples (dBTP); at most the limiter's ceiling when not
    measured."""


def _check_samples(samples: np.ndarray, sample_rate: int) -> None:
    if not isinstance(samples, np.ndarray) or samples.dtype != np.int16 or samples.ndim != 1:
        raise ValueError("samples must be a one-dimensional int16 numpy array (mono)")
    if sample_rate < 8000:
        raise ValueError(f"sample rate {sample_rate} Hz is too low for BS.1770 measurement")


# Everything runs over the programme in segments of this many samples, carrying filter state and
# overlap from one to the next, so that memory beyond the input and the output stays a few MB
# whatever the programme's length (a whole-programme float64 copy of 75 minutes is 800 MB).
# A multiple of the K-weighting filter's block (32) and of _CHUNK (16). 1.4 s at 24 kHz: a
# clip is measured in a freshly forked child, where every page of new memory is a page fault
# (5-8 us here); 2^17 made a 6-second clip touch ~4 MB more (2,550 faults against 1,420) for
# no speed-up (28,000 fewer faults in a cold build of the example).
_SEGMENT = 1 << 15


def _segments(n: int) -> list[tuple[int, int]]:
    """(start, stop) of the consecutive segments of _SEGMENT samples covering n samples."""
    return [(start, min(start + _SEGMENT, n)) for start in range(0, n, _SEGMENT)]


def _float_segment(samples: np.ndarray, start: int, stop: int) -> np.ndarray:
    """samples[start:stop] as float64 in [-1, 1): a per-segment temporary, never the programme."""
    x = samples[start:stop].astype(np.float64)
    x /= _INT16_FULL_SCALE
    return x


# --- K-weighting -----------------------------------------------------------------------------


def _k_weighting(sample_rate: int) -> np.ndarray:
    """The two K-weighting stages as biquads, one row (b0, b1, b2, a0, a1, a2) per stage.

    BS.1770 tabulates coefficients only for 48 kHz; these analogue parameters (as libebur128
    derives them) reproduce that table and give the same curve at any other rate.
    """
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    shelf = [
        (vh + vb * k / q + k * k) / a0,
        2.0 * (k * k - vh) / a0,
        (vh - vb * k / q + k * k) / a0,
        1.0,
        2.0 * (k * k - 1.0) / a0,
        (1.0 - k / q + k * k) / a0,
    ]
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1.0 + k / q + k * k
    highpass = [1.0, -2.0, 1.0, 1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    return np.array([shelf, highpass])


def _vector_recurrence(z: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Solve s[k] = s[k-1] @ f + z[k] with s[-1] = 0, for z of shape (m, p).

    Blocks of `chunk` steps are solved independently by one matrix product, then the carries
    between blocks form the same kind of recurrence (with f**chunk), solved recursively; the
    Python-level loop only ever runs over a few hundred steps.
    """
    m, p = z.shape
    if m <= 256:
        out = np.empty_like(z)
        state = np.zeros(p)
        for i in range(m):
            state = state @ f + z[i]
            out[i] = state
        return out
    chunk = 16
    blocks = -(-m // chunk)
    zp = np.zeros((blocks * chunk, p))
    zp[:m] = z
    powers = [np.eye(p)]
    for _ in range(chunk):
        powers.append(powers[-1] @ f)
    # Block-Toeplitz matrix: input step j reaches output step i (i >= j) through f**(i-j).
    toeplitz = np.zeros((chunk * p, chunk * p))
    for j in range(chunk):
        for i in range(j, chunk):
            toeplitz[j * p : (j + 1) * p, i * p : (i + 1) * p] = powers[i - j]
    local = (zp.reshape(blocks, chunk * p) @ toeplitz).reshape(blocks, chunk, p)
    ends = _vector_recurrence(local[:, -1, :], powers[chunk])
    carry_in = np.vstack([np.zeros((1, p)), ends[:-1]])
    spread = np.hstack(powers[1:])  # state at block start reaches step i through f**(i+1)
    local += (carry_in @ spread).reshape(blocks, chunk, p)
    return local.reshape(-1, p)[:m]


def _block_matrices(sos: np.ndarray, block: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What one block of the biquad cascade does, as matrices, found by running the cascade.

    The state between blocks is each stage's last two outputs (a stage's last two inputs are
    the previous stage's outputs, or the signal itself). This is the state sosfilt keeps too;
    the single high-order direct form would be ill-conditioned with the high-pass's double
    pole near z = 1, and its rounding errors grow through the block recursion.

    Returns (transfer, from_state, next_state): the window of 2 previous + `block` input samples
    times `transfer` gives the block's output (first `block` columns) and the state at its end
    (the rest) when the state at its start is zero; the start state times `from_state` and
    `next_state` gives what it adds to the output and to the end state.
    """
    stages = len(sos)
    p = 2 * stages
    width = block + 2
    # One run per unit input sample, then one per unit start-state component, all at once.
    runs = width + p
    signal = np.zeros((runs, width))
    signal[np.arange(width), np.arange(width)] = 1.0
    ends = []
    for stage, (b0, b1, b2, a0, a1, a2) in enumerate(sos):
        b0, b1, b2, a1, a2 = b0 / a0, b1 / a0, b2 / a0, a1 / a0, a2 / a0
        out = np.zeros((runs, width))
        out[width + 2 * stage, 1] = 1.0  # y[-1]
        out[width + 2 * stage + 1, 0] = 1.0  # y[-2]
        for i in range(2, width):
            out[:, i] = (
                b0 * signal[:, i]
                + b1 * signal[:, i - 1]
                + b2 * signal[:, i - 2]
                - a1 * out[:, i - 1]
                - a2 * out[:, i - 2]
            )
        ends.append(out[:, [width - 1, width - 2]])
        signal = out
    end_state = np.hstack(ends)
    transfer = np.hstack([signal[:width, 2:], end_state[:width]])
    return transfer, signal[width:, 2:], end_state[width:]


_FilterState = tuple[np.ndarray, np.ndarray]
"""Where a segment of the K-weighting filter's input leaves off: its last two input samples
(oldest first) and the biquad state after them (each stage's last two outputs)."""


def _filter_segment(
    matrices: tuple[np.ndarray, np.ndarray, np.ndarray], x: np.ndarray, start: _FilterState
) -> tuple[np.ndarray, _FilterState]:
    """Run the cascade whose `_block_matrices` are given over x, from the state `start`; return
    the output and the state at the end of x (meaningful only if len(x) is a whole number of
    blocks, as every segment but the last is).

    A per-sample Python loop would take seconds on a programme. Instead the signal is cut into
    blocks: each block's response from rest is one matrix product over all blocks at once, and
    the state carried from block to block is a small linear recurrence over the blocks.
    """
    transfer, from_state, next_state = matrices
    block = transfer.shape[0] - 2
    n = len(x)
    blocks = max(1, -(-n // block))
    padded = np.zeros(2 + blocks * block)
    padded[:2] = start[0]
    padded[2 : 2 + n] = x
    windows = np.lib.stride_tricks.as_strided(
        padded, shape=(blocks, block + 2), strides=(block * padded.strides[0], padded.strides[0])
    )
    ends = windows @ transfer[:, block:]
    ends[0] += start[1] @ next_state
    states = _vector_recurrence(ends, next_state)
    # One product for the output: each block's input window next to its start state.
    p = states.shape[1]
    inputs = np.empty((blocks, block + 2 + p))
    inputs[:, : block + 2] = windows
    inputs[0, block + 2 :] = start[1]
    inputs[1:, block + 2 :] = states[:-1]
    out = (inputs @ np.vstack([transfer[:, :block], from_state])).reshape(-1)[:n]
    return out, (padded[-2:].copy(), states[-1].copy())


def _rest(sos: np.ndarray) -> _FilterState:
    return np.zeros(2), np.zeros(2 * len(sos))


def _sos_filter(sos: np.ndarray, x: np.ndarray, block: int = 32) -> np.ndarray:
    """Run a biquad cascade over x from rest; the same result as scipy.signal.sosfilt."""
    return _filter_segment(_block_matrices(sos, block), x, _rest(sos))[0]


def _step_energies(weighted: np.ndarray, step: int) -> np.ndarray:
    """Sum of squares of the K-weighted signal per complete 100 ms step."""
    steps = len(weighted) // step
    per_step = weighted[: steps * step].reshape(steps, step)
    energies: np.ndarray = np.einsum("ij,ij->i", per_step, per_step)
    return energies


def _gated_loudness(step_energies: np.ndarray, step: int) -> float:
    """BS.1770-4 gated loudness from 100 ms step energies (four steps make one 400 ms block)."""
    if len(step_energies) < 4:
        return -math.inf
    e = step_energies
    powers = (e[:-3] + e[1:-2] + e[2:-1] + e[3:]) / (4 * step)
    with np.errstate(divide="ignore"):
        block_lufs = _LOUDNESS_OFFSET_DB + 10.0 * np.log10(powers)
    above_absolute = powers[block_lufs > _ABSOLUTE_GATE_LUFS]
    if above_absolute.size == 0:
        return -math.inf
    relative_gate = _LOUDNESS_OFFSET_DB + 10.0 * math.log10(above_absolute.mean())
    gated = powers[block_lufs > max(_ABSOLUTE_GATE_LUFS, relative_gate + _RELATIVE_GATE_LU)]
    return _LOUDNESS_OFFSET_DB + 10.0 * math.log10(gated.mean())


def _step(sample_rate: int) -> int:
    return round(sample_rate / 10)


@functools.lru_cache(maxsize=4)
def _k_weighting_matrices(sample_rate: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The K-weighting filter's block matrices, made once per rate: every clip has a meter."""
    return _block_matrices(_k_weighting(sample_rate), 32)


class _Meter:
    """Integrated loudness of a signal fed to it segment by segment, in order.

    The K-weighting filter's state and the samples of an unfinished 100 ms step carry over from
    one segment to the next, so the result is that of the whole signal at once; what is kept
    is one energy per step.
    """

    def __init__(self, sample_rate: int) -> None:
        sos = _k_weighting(sample_rate)
        self._matrices = _k_weighting_matrices(sample_rate)
        self._state = _rest(sos)
        self._step = _step(sample_rate)
        self._tail = np.zeros(0)
        self._energies: list[np.ndarray] = []

    def feed(self, x: np.ndarray) -> np.ndarray:
        """Take the next float segment (a whole number of 32-sample filter blocks unless it is
        the last); return its K-weighted signal."""
        weighted, self._state = _filter_segment(self._matrices, x, self._state)
        joined = np.concatenate([self._tail, weighted]) if self._tail.size else weighted
        energies = _step_energies(joined, self._step)
        self._energies.append(energies)
        self._tail = joined[len(energies) * self._step :].copy()
        return weighted

    def loudness(self) -> float:
        energies = np.concatenate(self._energies) if self._energies else np.zeros(0)
        return _gated_loudness(energies, self._step)


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Gated integrated loudness of int16 mono samples in LUFS (-inf if nothing passes the gates).

    BS.1770-4: K-weighting, 400 ms blocks every 100 ms, absolute gate at -70 LUFS, relative gate
    10 LU below the loudness of the blocks above the absolute gate. Input shorter than one block
    has no complete block and so measures -inf.
    """
    _check_samples(samples, sample_rate)
    meter = _Meter(sample_rate)
    for start, stop in _segments(len(samples)):
        meter.feed(_float_segment(samples, start, stop))
    return meter.loudness()


# --- true peak -------------------------------------------------------------------------------

# The limiter's gain curve is computed on a grid of one point per _CHUNK samples: it is smooth
# over milliseconds, and the coarse grid makes every pass over it _CHUNK times cheaper.
_CHUNK = 16
_TAPS = TRUE_PEAK_PHASES.shape[1]


@functools.cache
def _chunk_matrix() -> np.ndarray:
    """Maps the _CHUNK + 11 samples around a chunk to its 4 x _CHUNK interpolated points and its
    _CHUNK samples themselves (a sample can exceed the interpolated points beside it).

    Laid out as (points, window) so the product is (points, chunks) and the per-chunk maximum
    runs along the first axis: numpy is several times slower at reducing short rows.
    """
    matrix = np.zeros((5 * _CHUNK, _CHUNK + _TAPS - 1), dtype=np.float32)
    for j in range(_CHUNK):
        for phase in range(4):
            matrix[phase * _CHUNK + j, j : j + _TAPS] = TRUE_PEAK_PHASES[phase, ::-1]
        matrix[4 * _CHUNK + j, j + _TAPS // 2 - 1] = 1.0
    return matrix


def _chunk_peaks(samples: np.ndarray, start: int, stop: int) -> np.ndarray:
    """Largest absolute value per chunk of _CHUNK samples in samples[start:stop] (start a
    multiple of _CHUNK), over the samples and the 4 points interpolated (BS.1770-4 Annex 2)
    between each sample and the next.

    Chunk k's window is x[kC - 5 .. kC + C + 5]: the 12-tap phases are centred between taps 5
    and 6, so the window x[i-5 .. i+6] gives the points between x[i] and x[i+1]. Windows reach
    past the segment into its neighbours, and past the signal's ends into zeros.
    """
    chunks = -(-(stop - start) // _CHUNK)
    padded = np.zeros(chunks * _CHUNK + _TAPS, dtype=np.float32)
    # padded[j] is sample origin + j: padded[_TAPS // 2] is samples[start].
    origin = start - _TAPS // 2
    lo, hi = max(origin, 0), min(origin + len(padded), len(samples))
    padded[lo - origin : hi - origin] = samples[lo:hi]
    padded *= np.float32(1.0 / _INT16_FULL_SCALE)  # exact: a power of two
    width = _CHUNK + _TAPS - 1
    windows = np.lib.stride_tricks.as_strided(
        padded[1:], shape=(chunks, width), strides=(_CHUNK * padded.strides[0], padded.strides[0])
    )
    peaks = np.empty(chunks, dtype=np.float32)
    batch = 4096  # chunks per product: big enough for BLAS, small enough to stay in cache
    for first in range(0, chunks, batch):
        points = _chunk_matrix() @ windows[first : first + batch].T
        np.abs(points, out=points)
        points.max(axis=0, out=peaks[first : first + batch])
    return peaks


def _amplitude_db(value: float) -> float:
    return 20.0 * math.log10(value) if value > 0.0 else -math.inf


def _max_db(peaks: np.ndarray) -> float:
    return _amplitude_db(float(peaks.max())) if peaks.size else -math.inf


def true_peak_dbtp(samples: np.ndarray, sample_rate: int) -> float:
    """True peak of int16 mono samples in dBTP, 4x oversampled per BS.1770-4 Annex 2.

    -inf for silence. The interpolation filter is defined on normalised frequency, so the
    sample rate only matters for validation.
    """
    _check_samples(samples, sample_rate)
    peak = max(
        (
            float(_chunk_peaks(samples, start, stop).max())
            for start, stop in _segments(len(samples))
        ),
        default=0.0,
    )
    return _amplitude_db(peak)


def _measure(samples: np.ndarray, sample_rate: int) -> tuple[float, float]:
    """(integrated loudness, true peak) in one pass."""
    meter = _Meter(sample_rate)
    peak = 0.0
    for start, stop in _segments(len(samples)):
        meter.feed(_float_segment(samples, start, stop))
        peak = max(peak, float(_chunk_peaks(samples, start, stop).max()))
    return meter.loudness(), _amplitude_db(peak)


# --- limiter ---------------------------------------------------------------------------------


def _running_min(x: np.ndarray, width: int) -> np.ndarray:
    """out[i] = min(x[i : i + width]), with 0 past the end; O(n) (van Herk / Gil-Werman)."""
    n = len(x)
    blocks = -(-(n + width) // width)
    padded = np.zeros(blocks * width, dtype=x.dtype)
    padded[:n] = x
    grid = padded.reshape(blocks, width)
    prefix = np.minimum.accumulate(grid, axis=1).reshape(-1)
    suffix = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    return np.minimum(suffix[:n], prefix[width - 1 : width - 1 + n])


def _moving_average(x: np.ndarray, width: int, totals: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """out[i] = mean(x[i - width + 1 : i + 1]) for one segment of a longer signal, with 0 before
    the start. `totals` holds the running totals of the `width` values before the segment
    (zeros at the start); returns the means and the totals to pass with the next segment."""
    running = np.empty(width + len(x))
    running[:width] = totals
    # Continue the running sum from the last total: the same additions, in the same order, as
    # one cumulative sum over the whole signal.
    running[width - 1 :] = np.cumsum(np.concatenate([totals[-1:], x]))
    return (running[width:] - running[:-width]) / width, running[-width:].copy()


def _limiter_reach(sample_rate: int) -> tuple[int, int, int]:
    """(half, before, after): the width of each of the two moving averages, and how many chunks
    before and after a chunk its need reaches (the lookahead is 2 * half - 1 chunks, plus a
    one-chunk guard either side)."""
    chunk_rate = sample_rate / _CHUNK
    half = max(1, round(_LOOKAHEAD_S * chunk_rate / 2))
    lookahead = 2 * half - 1
    hold = round(_HOLD_S * chunk_rate)
    guard = 1
    return half, hold + guard, lookahead + guard - 1


def _limiter_gain_db(
    peaks: np.ndarray, offset_db: float, sample_rate: int, size: int
) -> Iterator[tuple[int, np.ndarray]]:
    """Smooth gain in dB per chunk, yielded as (first chunk, gains) for consecutive segments of
    `size` chunks, that is nowhere above the need (the per-chunk reduction that brings its peak,
    `peaks` in amplitude, to `offset_db` dBFS; 0 where none is needed) of it or its neighbours.

    The need is spread to the `lookahead` chunks before it and `hold` after (running minimum),
    released at a constant dB/s rate (running minimum of a ramp), then smoothed by two moving
    averages spanning the lookahead. Every value averaged at a chunk already covers that chunk's
    need, so the smoothing cannot let a peak through; the one-chunk guard either side keeps the
    linear interpolation to single samples safe, and covers the interpolation filter's reach.
    A segment reads the peaks of its neighbours as far as the spreading reaches, and carries the
    release and averaging state to the next, so the gains are those of one pass over the whole.
    """
    half, before, after = _limiter_reach(sample_rate)
    # reduction[k] = min(need[k - before .. k + after]), 0 past either end.
    width = before + 1 + after
    release_per_chunk = _RELEASE_DB_PER_S / (sample_rate / _CHUNK)
    n = len(peaks)
    floor = math.inf  # running minimum of reduction - ramp so far
    first_totals = second_totals = np.zeros(half)
    for start in range(0, n, size):
        stop = min(start + size, n)
        lo, hi = max(start - before, 0), min(stop + after, n)
        need = np.zeros(stop - start + width - 1)
        with np.errstate(divide="ignore"):
            peaks_db = 20.0 * np.log10(peaks[lo:hi].astype(np.float64))
        need[lo - start + before : hi - start + before] = np.minimum(offset_db - peaks_db, 0.0)
        reduction = _running_min(need, width)[: stop - start]
        ramp = np.arange(start, stop) * release_per_chunk
        reduction -= ramp
        np.minimum.accumulate(reduction, out=reduction)
        np.minimum(reduction, floor, out=reduction)
        floor = float(reduction[-1])
        reduction += ramp
        smoothed, first_totals = _moving_average(reduction, half, first_totals)
        smoothed, second_totals = _moving_average(smoothed, half, second_totals)
        yield start, smoothed


def _apply(samples: np.ndarray, out: np.ndarray, first: int, points: np.ndarray) -> None:
    """Write to `out` the samples of chunks first .. first + len(points) - 2 times the gain
    curve through `points` (gain times full scale at those chunks' starts, and the next's),
    rounded to int16.

    The chunk gains sit at chunk starts and are interpolated linearly in between; a sample in
    chunk k lies between the points of chunks k and k + 1, and both of those cover chunk k's
    need, so the interpolated gain does too.
    """
    start = first * _CHUNK
    stop = min(start + (len(points) - 1) * _CHUNK, len(samples))
    fraction = np.arange(_CHUNK) / _CHUNK
    curve = points[:-1, None] + (points[1:] - points[:-1])[:, None] * fraction
    scaled = curve.reshape(-1)[: stop - start]
    scaled *= _float_segment(samples, start, stop)
    np.round(scaled, out=scaled)
    np.clip(scaled, -32768, 32767, out=scaled)
    out[start:stop] = scaled


def _scratch(
    out: np.ndarray, chunks: int, sample_rate: int, size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Room for the K-weighted energy (float64) and the peak (float32) of each chunk, in the
    memory of the output array while it is not yet written, so that normalising takes no more
    memory than the output and a few segments' temporaries.

    The energies sit at the front of the output's bytes and are not needed once it is written.
    The peaks sit at its end, from byte `peaks_at`, and are still read while the output is
    written from the front, segment by segment of `size` chunks; the writing stays behind the
    reading. When segment k is written (chunks up to g - 1, g being where segment k + 1 starts:
    bytes below 32 g - 32, at 2 bytes a sample), the limiter has already made segment k + 1's
    gains, so the earliest peak still to be read is chunk g + size - before, where segment
    k + 2 starts reading if it exists (then g + size + 1 <= chunks). That peak is at byte
    peaks_at + 4 (g + size - before), and peaks_at >= 2 n - 4 chunks - 7 >= 28 chunks - 37,
    so it lies at or above byte 32 g + 32 size - 9 - 4 before: past the writing whenever
    4 before <= 32 size.
    """
    raw = out.view(np.uint8)
    peaks_at = (raw.size - 4 * chunks) // 8 * 8
    before = _limiter_reach(sample_rate)[1]
    if 8 * chunks <= peaks_at and 4 * before <= 32 * size:
        energy = raw[: 8 * chunks].view(np.float64)
        return energy, raw[peaks_at : peaks_at + 4 * chunks].view(np.float32)
    return np.empty(chunks), np.empty(chunks, dtype=np.float32)  # too short to share


def normalize_loudness(
    samples: np.ndarray,
    sample_rate: int,
    target_lufs: float = -16.0,
    true_peak_dbtp: float = -1.0,
    measure_output: bool = True,
    in_place: bool = False,
) -> tuple[np.ndarray, LoudnessReport]:
    """Bring a whole programme to `target_lufs` with its true peak at most `true_peak_dbtp`.

    Without `measure_output` the report's output fields are the predicted loudness and the
    limiter's ceiling, not measurements: that saves a second pass over the programme. With
    `in_place`, `samples` itself is overwritten and returned, so that a long programme is
    never in memory twice (each sample is read for the last time just before it is written).

    `samples` is the complete programme as int16 mono; the result has the same length and type.
    Three steps: measure (loudness, and per chunk the K-weighted energy and the true peak),
    find the gain (a static gain sets the loudness; limiting takes some away, so the gain is
    found by a secant search on a prediction of the limited loudness: the energy per chunk
    times the limiter's gain squared), then limit (a true-peak limiter with lookahead and a
    smooth gain, 4x oversampled detection). Input with no block above the absolute gate
    (silence, or shorter than 400 ms) is returned unchanged.

    The work runs segment by segment: memory beyond the input and the output is a few MB,
    whatever the programme's length. (A build does not call this: it measures each clip
    once, with `measure_clip`, and limits clip by clip as the programme streams out.)
    """
    _check_samples(samples, sample_rate)
    chunks = -(-len(samples) // _CHUNK)
    size = _SEGMENT // _CHUNK  # the limiter's segment, in chunks
    if in_place:
        out = samples
        chunk_energy, peaks = np.empty(chunks), np.empty(chunks, dtype=np.float32)
    else:
        out = np.empty_like(samples)
        chunk_energy, peaks = _scratch(out, chunks, sample_rate, size)
    input_lufs = _measure_chunks(samples, sample_rate, chunk_energy, peaks)
    input_peak_db = _max_db(peaks)
    if not math.isfinite(input_lufs):
        if out is not samples:
            out[:] = samples
        return out, LoudnessReport(input_lufs, input_peak_db, 0.0, input_lufs, input_peak_db)

    ceiling_db = true_peak_dbtp - _LIMITER_MARGIN_DB
    gain_db, predicted = _search_gain(
        target_lufs, input_lufs,
        lambda gain_db: _limited_loudness(chunk_energy, peaks, len(samples), sample_rate,
                                          ceiling_db, gain_db))
    _limit(samples, out, peaks, gain_db, ceiling_db, sample_rate, size)
    if measure_output:
        output_lufs, output_peak_db = _measure(out, sample_rate)
    else:
        output_lufs, output_peak_db = predicted, min(ceiling_db, input_peak_db + gain_db)
    return out, LoudnessReport(
        input_lufs=input_lufs,
        input_true_peak_dbtp=input_peak_db,
        gain_db=gain_db,
        output_lufs=output_lufs,
        output_true_peak_dbtp=output_peak_db,
    )


def _measure_chunks(
    samples: np.ndarray, sample_rate: int, chunk_energy: np.ndarray, peaks: np.ndarray
) -> float:
    """Fill in the K-weighted energy and the true peak of every chunk of `samples`; return
    the integrated loudness. One pass, segment by segment."""
    meter = _Meter(sample_rate)
    for start, stop in _segments(len(samples)):
        weighted = meter.feed(_float_segment(samples, start, stop))
        first, last = start // _CHUNK, -(-stop // _CHUNK)
        if len(weighted) % _CHUNK:
            weighted = np.concatenate([weighted, np.zeros(-len(weighted) % _CHUNK)])
        weighted *= weighted
        chunk_energy[first:last] = weighted.reshape(-1, _CHUNK).sum(axis=1)
        peaks[first:last] = _chunk_peaks(samples, start, stop)
    return meter.loudness()


def _search_gain(
    target_lufs: float, input_lufs: float, limited: Callable[[float], float],
    tolerance: float = _LOUDNESS_TOLERANCE_LU,
) -> tuple[float, float]:
    """The static gain that brings the limited loudness to the target, and the loudness
    predicted for it. `limited(gain_db)` predicts the loudness after that gain and the
    limiter: it grows with the gain, but by less than 1 dB per dB, so a secant search from
    the unlimited answer settles in a few steps. Past `_MAX_LIMITER_MAKEUP_DB` of extra gain
    the limiter would be squashing, not limiting: the target is then missed, not chased."""
    gain_db = target_lufs - input_lufs
    max_gain_db = gain_db + _MAX_LIMITER_MAKEUP_DB
    predicted = limited(gain_db)
    slope = 1.0
    for _ in range(_GAIN_ITERATIONS):
        if abs(target_lufs - predicted) < tolerance:
            break
        next_gain_db = min(gain_db + (target_lufs - predicted) / slope, max_gain_db)
        if next_gain_db == gain_db:  # already at the makeup limit
            break
        next_predicted = limited(next_gain_db)
        slope = max((next_predicted - predicted) / (next_gain_db - gain_db), 0.1)
        gain_db, predicted = next_gain_db, next_predicted
    return gain_db, predicted


def _limited_loudness(chunk_energy: np.ndarray, peaks: np.ndarray, n: int, sample_rate: int,
                      ceiling_db: float, gain_db: float) -> float:
    """The loudness of n samples, whose chunks have these K-weighted energies and peaks, once
    scaled by `gain_db` and limited to `ceiling_db`: each chunk's energy times its gain
    squared, summed into the meter's 100 ms steps."""
    step = _step(sample_rate)
    steps = n // step
    chunks = len(chunk_energy)
    size = _SEGMENT // _CHUNK
    energies = np.zeros(max(steps, (chunks - 1) * _CHUNK // step + 1))
    for first, chunk_gain_db in _limiter_gain_db(peaks, ceiling_db - gain_db, sample_rate, size):
        last = first + len(chunk_gain_db)
        weights = chunk_energy[first:last] * 10.0 ** ((chunk_gain_db + gain_db) / 10.0)
        chunk_step = np.arange(first, last) * _CHUNK // step
        per_step = np.bincount(chunk_step - chunk_step[0], weights=weights)
        energies[chunk_step[0] : chunk_step[0] + len(per_step)] += per_step
    return _gated_loudness(energies[:steps], step)


def _limit(samples: np.ndarray, out: np.ndarray, peaks: np.ndarray, gain_db: float,
           ceiling_db: float, sample_rate: int, size: int) -> None:
    """Write `samples` times `gain_db` and the limiter's gain (for these chunk peaks and
    ceiling) to `out`, which may be `samples` itself.

    The limiter's gain is made segment by segment of `size` chunks and applied as it comes,
    one segment behind (see `_scratch`: the next segment's gains are made before this one is
    written over the peaks). A chunk's samples need the gain at the next chunk's start too,
    so each segment's last chunk waits for the next segment; the very last holds its gain to
    the end.
    """
    segments = _limiter_gain_db(peaks, ceiling_db - gain_db, sample_rate, size)
    pending = next(segments, None)
    carried = np.zeros(0)
    while pending is not None:
        first, chunk_gain_db = pending
        pending = next(segments, None)
        points = np.concatenate(
            [carried, 10.0 ** ((chunk_gain_db + gain_db) / 20.0) * _INT16_FULL_SCALE]
        )
        if pending is None:
            points = np.append(points, points[-1])
        _apply(samples, out, first - len(carried), points)
        carried = points[-1:]


# --- clip by clip ----------------------------------------------------------------------------
#
# A build measures each clip on its own (as each arrives from synthesis, and caches the result
# beside the clip), so the programme's loudness is a sum of the clips' energies and the
# programme itself never has to exist whole: each clip is levelled as the programme streams
# out. Clips are separated by pauses far longer than the limiter's reach (a few ms) and the
# K-weighting filter's memory, so measuring and limiting them one by one is what one pass over
# the whole programme would do, up to the rounding of each clip's place to a tick (below).

TICK = 512
"""Samples per stored energy of a clip (32 chunks, 23 ms at 22,050 Hz): where a clip lands in
the programme's 100 ms measuring steps is known to this precision, and the measurements of an
hour of speech take 1.2 MB."""
LOSS_STEP_DB = 3.0
"""The limiter's loss of loudness is tabulated per clip at these steps of peak reduction."""
LOSS_STEPS = 8
"""... up to this many steps: 24 dB, more than speech at the loudest target needs (eSpeak's
peaks stand up to 13 dB above the ceiling at -14 LUFS; deeper, the last step is used)."""
_TICK_CHUNKS = TICK // _CHUNK


@dataclass(frozen=True)
class ClipLoudness:
    """What the programme's loudness needs to know of one clip, measured on its own."""

    peak_db: float
    """The clip's true peak (dBTP, 4x oversampled); -inf for silence."""
    energies: np.ndarray
    """K-weighted energy (sum of squares, full scale 1.0) per TICK samples, float64."""
    kept: np.ndarray
    """The fraction of the clip's K-weighted energy the limiter keeps when it must take the
    peak down by (i + 1) * LOSS_STEP_DB, for i in range(LOSS_STEPS)."""
    peaks: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    """The true peak of each chunk of _CHUNK samples (float32, full scale 1.0), which the
    limiter reads: measured once, with the rest, where the clip is made, instead of again
    as the programme is written; empty when let go (`level_clip` then measures them)."""

    def kept_at(self, depth_db: float) -> float:
        """The fraction of energy kept when the peak is taken down by `depth_db` (linear
        between the tabulated steps; none taken below 0 dB)."""
        if depth_db <= 0.0:
            return 1.0
        # Linear in dB: the loss grows about in proportion to the depth, so that is where
        # interpolating between the tabulated steps errs least.
        steps = np.arange(0, LOSS_STEPS + 1) * LOSS_STEP_DB
        with np.errstate(divide="ignore"):
            kept_db = np.log10(np.maximum(np.concatenate([[1.0], self.kept]), 1e-12))
        return float(10.0 ** np.interp(depth_db, steps, kept_db))

    def to_bytes(self) -> bytes:
        head = struct.pack("<dIII", self.peak_db, len(self.energies), len(self.kept),
                           len(self.peaks))
        return (head + self.energies.astype("<f8").tobytes()
                + self.kept.astype("<f8").tobytes() + self.peaks.astype("<f4").tobytes())

    @classmethod
    def from_bytes(cls, data: bytes) -> ClipLoudness:
        """The inverse of `to_bytes`; ValueError if `data` is not one."""
        head = struct.calcsize("<dIII")
        if len(data) < head:
            raise ValueError("clip loudness: too short")
        peak_db, count, kept, peaks = struct.unpack_from("<dIII", data)
        if len(data) != head + 8 * (count + kept) + 4 * peaks or kept != LOSS_STEPS:
            raise ValueError("clip loudness: wrong size")
        values = np.frombuffer(data, dtype="<f8", count=count + kept,
                               offset=head).astype(np.float64)
        chunk_peaks = np.frombuffer(data, dtype="<f4", count=peaks,
                                    offset=head + 8 * (count + kept)).astype(np.float32)
        return cls(peak_db, values[:count], values[count:], chunk_peaks)

    def lean(self) -> ClipLoudness:
        """These measurements without the per-tick and per-chunk arrays: what deciding
        whether to limit the clip needs, a few bytes whatever its length."""
        return ClipLoudness(self.peak_db, np.zeros(0), self.kept)


def measure_clip(samples: np.ndarray, sample_rate: int) -> ClipLoudness:
    """Measure one clip (int16 mono) as it will sit in a programme: silence either side."""
    _check_samples(samples, sample_rate)
    chunks = -(-len(samples) // _CHUNK)
    chunk_energy, peaks = np.zeros(chunks), np.zeros(chunks, dtype=np.float32)
    _measure_chunks(samples, sample_rate, chunk_energy, peaks)
    ticks = -(-chunks // _TICK_CHUNKS)
    padded = np.zeros(ticks * _TICK_CHUNKS)
    padded[:chunks] = chunk_energy
    energies = padded.reshape(ticks, _TICK_CHUNKS).sum(axis=1)
    peak_db = _max_db(peaks)
    return ClipLoudness(peak_db, energies, _kept_fractions(peaks, chunk_energy, peak_db,
                                                           sample_rate), peaks)


def _kept_fractions(peaks: np.ndarray, chunk_energy: np.ndarray, peak_db: float,
                    sample_rate: int) -> np.ndarray:
    """`ClipLoudness.kept`: the share of the clip's energy the limiter (`_limiter_gain_db`)
    keeps at each of the LOSS_STEPS depths, worked out together.

    Before its smoothing, the limiter's reduction at a depth d below the clip's peak is
    min(G - d, 0), where G is the same for every depth (a running minimum and the release
    commute with subtracting d, and x - d <= 0 wherever a chunk needs limiting): G is made
    once, and only the two moving averages are made per depth.
    """
    total = float(chunk_energy.sum())
    if total <= 0.0:
        return np.ones(LOSS_STEPS)
    half, before, after = _limiter_reach(sample_rate)
    width = before + 1 + after
    n = len(peaks)
    # How far each chunk's peak lies below the clip's; none beyond the ends.
    below = np.full(n + width - 1, math.inf)
    with np.errstate(divide="ignore"):
        below[before : before + n] = peak_db - 20.0 * np.log10(peaks.astype(np.float64))
    spread = _running_min(below, width)[:n]
    ramp = np.arange(n) * (_RELEASE_DB_PER_S / (sample_rate / _CHUNK))
    spread -= ramp
    np.minimum.accumulate(spread, out=spread)
    spread += ramp
    kept = np.empty(LOSS_STEPS)
    for i in range(LOSS_STEPS):
        reduction = np.minimum(spread - (i + 1) * LOSS_STEP_DB, 0.0)
        smoothed, _ = _moving_average(reduction, half, np.zeros(half))
        smoothed, _ = _moving_average(smoothed, half, np.zeros(half))
        kept[i] = float(chunk_energy @ 10.0 ** (smoothed / 10.0)) / total
    return kept


@dataclass(frozen=True)
class Levelling:
    """How a programme's clips are brought to the target loudness."""

    gain_db: float
    """The static gain applied to every clip (dB, quantised to GAIN_STEP_DB)."""
    ceiling_db: float
    """The limiter's ceiling (dBTP): a clip whose peak would exceed it is limited."""
    input_lufs: float
    """The programme's integrated loudness as spoken (LUFS)."""
    predicted_lufs: float
    """Its loudness once levelled, as predicted from the clips' measurements (LUFS)."""

    def quieter(self, db: float) -> Levelling:
        """The same levelling, `db` quieter after the limiter (which acts just the same)."""
        return Levelling(self.gain_db - db, self.ceiling_db - db, self.input_lufs,
                         self.predicted_lufs - db)


GAIN_STEP_DB = 0.25
"""The programme gain is rounded to this step (at most 0.125 dB off, well inside the 0.5 LU
the loudness may miss its target by): a small edit of a long programme moves its loudness by
a few hundredths of a dB, so the gain, and with it every sentence's samples but the edited
one's, usually stays as it was, and an MP3 rebuild reuses the sections encoded before
(`publish.sections`). It also keeps the result from hanging on the last bits of a float sum."""
_GAIN_SEARCH_TOLERANCE_LU = 0.001
"""The programme's gain is searched to this before it is rounded, so that it follows the
programme's loudness smoothly, not the path the search took."""


def programme_levelling(
    placed: list[tuple[int, ClipLoudness]],
    length: int,
    sample_rate: int,
    target_lufs: float = -16.0,
    true_peak_dbtp: float = -1.0,
) -> Levelling | None:
    """The gain that brings a programme of `length` samples, made of clips measured by
    `measure_clip` and placed at the given samples, to `target_lufs` with its true peak at
    most `true_peak_dbtp`; None if the programme has nothing to measure (silence, or shorter
    than one 400 ms block), which is then left as it is.

    The programme's 100 ms steps are the sums of its clips' energies, each clip's scaled by
    the gain and by the fraction the limiter keeps of it; the search is `normalize_loudness`'s.
    """
    step = _step(sample_rate)
    steps = length // step
    ceiling_db = true_peak_dbtp - _LIMITER_MARGIN_DB
    binned: list[tuple[int, np.ndarray, ClipLoudness]] = []
    for position, clip in placed:
        if not clip.energies.size:
            continue
        # A tick that straddles two steps gives each the share of it that lies there.
        starts = position + np.arange(len(clip.energies)) * TICK
        index = starts // step
        inside = np.minimum((index + 1) * step - starts, TICK) / TICK
        first = int(index[0])
        per_step = np.bincount(index - first, weights=clip.energies * inside,
                               minlength=int(index[-1]) - first + 2)
        per_step[1:] += np.bincount(index - first, weights=clip.energies * (1.0 - inside),
                                    minlength=int(index[-1]) - first + 1)[: len(per_step) - 1]
        binned.append((first, per_step, clip))

    def loudness(gain_db: float | None) -> float:
        energies = np.zeros(steps + 2 + max((len(b) for _, b, _ in binned), default=0))
        for first, per_step, clip in binned:
            factor = 1.0
            if gain_db is not None:
                factor = 10.0 ** (gain_db / 10.0) * clip.kept_at(clip.peak_db + gain_db
                                                                 - ceiling_db)
            energies[first : first + len(per_step)] += factor * per_step
        return _gated_loudness(energies[:steps], step)

    input_lufs = loudness(None)
    if not math.isfinite(input_lufs):
        return None
    gain_db, _ = _search_gain(target_lufs, input_lufs, loudness, _GAIN_SEARCH_TOLERANCE_LU)
    gain_db = round(round(gain_db / GAIN_STEP_DB) * GAIN_STEP_DB, 6)
    return Levelling(gain_db, ceiling_db, input_lufs, loudness(gain_db))


def level_clip(samples: np.ndarray, sample_rate: int, clip: ClipLoudness,
               levelling: Levelling) -> np.ndarray:
    """The clip (int16 mono, as measured into `clip`) scaled by the levelling's gain, and
    limited if, and only if, its peak would then exceed the ceiling."""
    _check_samples(samples, sample_rate)
    out = np.empty_like(samples)
    chunks = -(-len(samples) // _CHUNK)
    if clip.peak_db + levelling.gain_db <= levelling.ceiling_db:
        peaks = np.zeros(chunks, dtype=np.float32)  # nothing to limit
    elif len(clip.peaks) == chunks:
        peaks = clip.peaks
    else:
        peaks = np.concatenate([_chunk_peaks(samples, start, stop)
                                for start, stop in _segments(len(samples))])
    _limit(samples, out, peaks, levelling.gain_db, levelling.ceiling_db, sample_rate,
           _SEGMENT // _CHUNK)
    return out
