"""Batches on a Dask cluster: one task per article, built on a worker, written here.

A back end beside the local pool of `batch`, sharing its planning and its build of one
article (`batch.build_article`); Dask distributed (the `dask` extra) schedules the tasks,
reschedules those of a lost worker, and scales from a local cluster to many machines. Why
each piece is as it is:

- A task carries the article itself (`model.Article`: its bytes and its name), never a path:
  workers do not share the client's disk. The worker builds in a scratch folder of its own,
  with its own segment cache (`cache_dir` on the worker's machine, else the worker's user
  cache folder), and hands back the files' names and bytes; the client writes them under
  the names it planned, with the same atomic writes as a local build.
- Engines are prepared once per worker process and kept (`_prepared_voices`): Piper's
  model is loaded once per worker, not once per article. Synthesis forks a child per segment
  from the worker process as in a local build: plain `os.fork`, which Dask's daemonic
  worker processes allow (a `multiprocessing` child would not be).
- One build at a time per worker process (`_ONE_BUILD`): the encoder's scratch folder is
  process-wide. Run workers with one thread each and one process per core.
- A worker's allocator is given back glibc's usual thresholds, which Dask's nanny switches
  off (`_restore_malloc_thresholds`): without them a build on a worker cost about a fifth
  more CPU than in the local pool, in the kernel, mapping and zeroing fresh memory.
- At most a window of tasks, twice the cluster's threads, is in flight, and results are
  fetched as they complete, written and released: the client's memory stays bounded however
  long the batch, and so does the scheduler's.
- The client fixes the build time once (`BuildOptions.made_at`) and sends the cover's bytes:
  a task that runs twice (after a worker loss) gives the same bytes wherever it runs.
- A task never raises for a bad article: its error comes back as a result, so Dask does not
  retry it. A task whose worker dies is run elsewhere, up to Dask's `allowed-failures`
  (3 by default); then the article fails.
- Distributed logs to the terminal by default; its messages are silenced here, and what
  matters comes back as results and `ClusterError`s for the front end to word.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import logging
import os
import signal
import socket
import sys
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import CancelledError
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from briefing import __version__, atomic, batch, pipeline
from briefing.batch import ArticleResult
from briefing.errors import BriefingError, ClusterError, OutputError
from briefing.model import Article, Document
from briefing.publish import fileset
from briefing.publish.cover import load_cover

INSTALL_HINT = "pip install 'briefing[dask]'"
DEFAULT_PORT = 8786  # Dask's, for an address given without one
WINDOW_PER_THREAD = 2  # tasks in flight per worker thread: one running, one ready to go
WINDOW_REFRESH_S = 2.0  # how often the window follows workers joining or leaving
TCP_SCHEMES = ("tcp", "tls", "ws", "wss")  # the address schemes whose port can be probed
QUIET_LOGGERS = ("distributed", "tornado", "bokeh")
KEPT_VOICES = 4  # prepared engine sets kept per worker process (Piper's: ~100 MB each)


@dataclass(frozen=True)
class ClusterOptions:
    """Which cluster runs the batch, and how long to wait for it."""

    scheduler: str | None = None
    """A running scheduler's address, e.g. "tcp://scheduler-host:8786"; None starts a local
    cluster on this machine."""
    local_workers: int = 2
    """With no scheduler: the local cluster's workers (one process and one thread each)."""
    connect_timeout: float = 10.0
    """Seconds to wait for the scheduler to answer."""
    worker_timeout: float = 60.0
    """Seconds to wait for a first worker, when the scheduler has none."""


@dataclass(frozen=True)
class ClusterInfo:
    """The cluster a batch runs on, once connected."""

    scheduler: str
    """The scheduler's address."""
    dashboard: str | None
    """The address of Dask's dashboard (a web page of the cluster's work), if it runs one."""
    workers: int
    """Workers connected when the batch started."""
    threads: int
    """Their threads: how many articles are built at once."""


@dataclass(frozen=True)
class BuiltFile:
    """One file of a briefing built on a worker."""

    name: str
    """Its name in the worker's folder, e.g. "story.mp3"; its suffix tells what it is."""
    data: bytes
    """Its bytes."""


@dataclass(frozen=True)
class RemoteBuild:
    """What a worker hands back for one article."""

    files: tuple[BuiltFile, ...]
    """Every file of the briefing, the audio first; empty when the build failed."""
    error: str | None
    """Why it failed, in one line; None when it was built."""
    seconds: float
    """How long the build took on the worker."""


OnResult = Callable[[ArticleResult], None]
OnReady = Callable[[ClusterInfo], None]


def run_batch(
    articles: list[Path | Document],
    targets: list[Path],
    options: pipeline.BuildOptions,
    cluster: ClusterOptions,
    on_result: OnResult | None = None,
    on_ready: OnReady | None = None,
    force: bool = False,
) -> list[ArticleResult]:
    """Build every article into its target on a Dask cluster; results in article order.

    Call `batch.plan` first. Raises ClusterError when the cluster is missing, unreachable or
    lost; articles finished by then are written whole, no file is left half-written.
    """
    distributed = import_distributed()
    cover = options.cover
    if isinstance(cover, Path):
        cover = load_cover(cover)  # its bytes travel: workers cannot read the client's disk
    options = replace(options, jobs=1, made_at=options.made_at or pipeline.build_time(),
                      cover=cover)
    with _client(distributed, cluster) as client:
        info = _check_workers(client, cluster)
        if on_ready is not None:
            on_ready(info)
        return _Batch(distributed, client, articles, targets, options, on_result, force).run()


def import_distributed() -> Any:
    """The `distributed` package, quiet; ClusterError naming the install if it is missing."""
    try:
        import distributed
    except ImportError as error:
        raise ClusterError(f"Dask is not installed ({error}): {INSTALL_HINT}") from None
    # Distributed, and the tornado and bokeh beneath it, log to stderr through handlers of
    # their own, set up on import: what matters comes back as results and ClusterErrors.
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.split(".")[0] in QUIET_LOGGERS and isinstance(logger, logging.Logger):
            logger.setLevel(logging.CRITICAL + 1)
    return distributed


class _Batch:
    """The client's side of one batch: submit, collect, write."""

    def __init__(self, distributed: Any, client: Any, articles: list[Path | Document],
                 targets: list[Path], options: pipeline.BuildOptions,
                 on_result: OnResult | None, force: bool) -> None:
        self.distributed = distributed
        self.force = force
        self.client = client
        self.articles = articles
        self.targets = targets
        self.options = options
        self.on_result = on_result
        self.results: list[ArticleResult | None] = [None] * len(articles)
        self.waiting = iter(range(len(articles)))
        self.running: dict[Any, int] = {}  # future -> article index
        self.completed = distributed.as_completed(loop=client.loop)
        self.name = f"briefing-{uuid.uuid4().hex[:8]}"  # keys unique on a shared scheduler
        self.window = 0
        self.window_checked = -WINDOW_REFRESH_S

    def run(self) -> list[ArticleResult]:
        for folder in {target.parent for target in self.targets}:
            atomic.sweep(folder)  # what clients killed with SIGKILL left behind
        try:
            self._submit()
            for future in self.completed:
                index = self.running.pop(future)
                self._finish(index, self._collect(future, index))
                self._submit()
        except (OSError, TimeoutError, CancelledError):  # CommClosedError is an OSError
            raise ClusterError(f"lost the connection to the Dask scheduler at "
                               f"{self.client.scheduler.address}: the briefings reported "
                               "done are written, the others are not") from None
        except BaseException:
            # Ctrl-C, SIGTERM: nothing more is built for this batch.
            with contextlib.suppress(Exception):
                self.client.cancel(list(self.running), force=True)
            raise
        return [result for result in self.results if result is not None]

    def _submit(self) -> None:
        """Keep the window full, reading each article as it goes out."""
        while len(self.running) < self._window():
            index = next(self.waiting, None)
            if index is None:
                return
            try:
                article = batch.read_article(self.articles[index])
            except BriefingError as error:
                self._finish(index, ArticleResult(batch.article_name(self.articles[index]),
                                                  self.targets[index],
                                                  str(error), 0.0))
                continue
            future = self.client.submit(build_remote, article, self.targets[index].name,
                                        self.options, key=f"{self.name}-{index}")
            self.running[future] = index
            self.completed.add(future)

    def _window(self) -> int:
        now = time.monotonic()
        if now - self.window_checked >= WINDOW_REFRESH_S:
            threads = sum(self.client.nthreads().values())
            self.window = WINDOW_PER_THREAD * max(1, threads)
            self.window_checked = now
        return self.window

    def _collect(self, future: Any, index: int) -> ArticleResult:
        article, target = batch.article_name(self.articles[index]), self.targets[index]
        try:
            remote = future.result()
        except self.distributed.KilledWorker:
            return ArticleResult(article, target, "the workers building it died, "
                                 "each time it was tried", 0.0)
        except Exception as error:  # a task that could not run at all: this article's
            if isinstance(error, (OSError, TimeoutError, CancelledError)):
                raise  # the scheduler is gone: the batch's failure, not this article's
            return ArticleResult(article, target, _one_line(error), 0.0)
        finally:
            future.release()
        if remote.error is None:
            try:
                write_files(remote.files, target, pipeline.planned_files(
                    target, self.options, [str(article)]), [str(article)], self.force)
            except BriefingError as error:
                return ArticleResult(article, target, str(error), remote.seconds)
        return ArticleResult(article, target, remote.error, remote.seconds)

    def _finish(self, index: int, result: ArticleResult) -> None:
        self.results[index] = result
        if self.on_result is not None:
            self.on_result(result)


def write_files(files: tuple[BuiltFile, ...], target: Path, planned: list[Path],
                sources: list[str] | None = None, force: bool = False) -> None:
    """Write a briefing's files, built elsewhere, at the paths planned for `target`, as a
    local build does: staged under temporary names, then checked and renamed into place
    together (`fileset`), so that old and new files are never mixed."""
    by_role = {pipeline.file_role(Path(file.name), target): file for file in files}
    with fileset.staged(target) as staged:
        for path in planned:
            role = pipeline.file_role(path, target)
            if role not in by_role:
                raise ClusterError(f"the worker sent no {role} file: is it running another "
                                   f"version of briefing than {__version__}?")
            if path == target:  # as a local build stages it: the manifest lists the others
                _write_part(staged.part(path), by_role[role].data, path)
            else:
                staged.write(path, by_role[role].data)
        with fileset.folder_locked(target.parent):
            pipeline.check_targets(planned, sources or [], force)
            staged.commit()


def _write_part(part: Path, data: bytes, target: Path) -> None:
    try:
        part.write_bytes(data)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None


# --- on the worker ------------------------------------------------------------------------

_ONE_BUILD = threading.Lock()
_VOICES: OrderedDict[tuple[Any, ...], pipeline.Voices] = OrderedDict()
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
GLIBC_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024  # the ceiling of its dynamic mmap threshold


def build_remote(article: Article, target_name: str,
                 options: pipeline.BuildOptions) -> RemoteBuild:
    """Build `article` in a scratch folder as `target_name`; hand back the files (a task)."""
    with _ONE_BUILD, atomic.scratch_folder() as folder:
        _restore_malloc_thresholds()
        try:
            voices = _prepared_voices(options)
        except BriefingError as error:
            return RemoteBuild((), str(error), 0.0)
        attempt = batch.build_article(article, Path(folder) / target_name, options, voices)
        try:
            files = tuple(BuiltFile(path.name, path.read_bytes()) for path in attempt.files)
        except OSError as error:  # never raised: the client takes an OSError for lost comms
            return RemoteBuild((), f"cannot read what was built: {error}", attempt.seconds)
        return RemoteBuild(files, attempt.error, attempt.seconds)


def _prepared_voices(options: pipeline.BuildOptions) -> pipeline.Voices:
    """The engines for `options`, prepared on first use in this process and kept."""
    key = (options.engine, options.voice_model, options.voice, options.frame_voice)
    if key in _VOICES:
        _VOICES.move_to_end(key)
    else:
        _VOICES[key] = pipeline.make_voices(options)
        while len(_VOICES) > KEPT_VOICES:
            _VOICES.popitem(last=False)
    return _VOICES[key]


@functools.cache  # once a process
def _restore_malloc_thresholds() -> None:
    """Give glibc's allocator back the thresholds it has in a local build.

    Dask's nanny starts its workers with MALLOC_TRIM_THRESHOLD_=65536 (to hand freed memory
    back to the system). Setting any threshold also switches off glibc's dynamic mmap
    threshold, which otherwise rises to the size of the blocks a program frees: in a worker,
    every block of 128 KiB or more (audio buffers, numpy arrays) became a fresh mmap, zeroed
    by the kernel and unmapped when freed, in the worker and in every child forked from it.
    Measured on a batch of 20 on two workers: about 0.45 CPU-s an article, in system time.
    The values are the ceiling of glibc's dynamic scheme on 64-bit systems (mmap at 32 MiB,
    trim at twice that); a worker whose environment sets no threshold keeps glibc's own
    behaviour.
    """
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc: the variable meant nothing there
        return
    mallopt(M_MMAP_THRESHOLD, GLIBC_MMAP_THRESHOLD_MAX)
    mallopt(M_TRIM_THRESHOLD, 2 * GLIBC_MMAP_THRESHOLD_MAX)


def worker_version() -> str:
    """briefing's version on a worker (a different one could build different bytes)."""
    return __version__


# --- connecting -----------------------------------------------------------------------------

@contextlib.contextmanager
def _client(distributed: Any, cluster: ClusterOptions) -> Iterator[Any]:
    """A client of the scheduler named, or of a local cluster started for the batch."""
    local = None
    if cluster.scheduler is None:
        local = _start_local_cluster(distributed, cluster.local_workers)
        address = local.scheduler_address
    else:
        address = cluster.scheduler
        _probe(distributed, address, cluster.connect_timeout)
    try:
        try:
            client = distributed.Client(address, timeout=cluster.connect_timeout,
                                        set_as_default=False)
        except (OSError, TimeoutError, ValueError) as error:
            raise ClusterError(f"cannot connect to the Dask scheduler at {address}: "
                               f"{_one_line(error)}") from None
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=cluster.connect_timeout)
    finally:
        if local is not None:
            with contextlib.suppress(Exception):
                local.close(timeout=cluster.connect_timeout)


def _start_local_cluster(distributed: Any, workers: int) -> Any:
    # Ctrl-C at a terminal reaches the whole process group: the workers (which inherit an
    # ignored SIGINT) leave it to this process, which cancels their tasks and stops them
    # cleanly, rather than dying mid-message with a screenful of tracebacks.
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN) if main_thread else None
    import dask

    try:
        # Dask's statistical profiler samples each worker's stack every 10 ms: measured at
        # about a core-second per article on a loaded 2-core machine, for a dashboard page.
        with dask.config.set({"distributed.worker.profile.enabled": False}):
            return distributed.LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
    except Exception as error:
        raise ClusterError(f"cannot start a local Dask cluster: {_one_line(error)}") from None
    finally:
        if main_thread:
            signal.signal(signal.SIGINT, previous)


def _probe(distributed: Any, address: str, timeout: float) -> None:
    """Fail fast, in one line, when nothing listens at the address (a Client would retry
    until its timeout, then complain again while being garbage-collected)."""
    from distributed.comm.addressing import parse_host_port
    from distributed.comm.registry import backends

    try:
        scheme, location = distributed.comm.parse_address(address)
        if scheme not in backends:
            raise ValueError(f"unknown scheme {scheme!r}")
        host, port = parse_host_port(location, DEFAULT_PORT)
    except ValueError as error:
        raise ClusterError(f"{address!r} is not a Dask scheduler address ({error}): give "
                           "one like tcp://scheduler-host:8786") from None
    if scheme not in TCP_SCHEMES:
        return
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as error:
        reason = "timed out" if isinstance(error, TimeoutError) else error.strerror or error
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def _check_workers(client: Any, cluster: ClusterOptions) -> ClusterInfo:
    """Wait for a first worker; make sure every worker runs this version of briefing."""
    try:
        client.wait_for_workers(1, timeout=cluster.worker_timeout)
    except TimeoutError:
        raise ClusterError(f"no worker joined the Dask scheduler at {client.scheduler.address} "
                           f"within {cluster.worker_timeout:g} s: start some with "
                           f"`dask worker {client.scheduler.address}`") from None
    try:
        versions = client.run(worker_version)
    except Exception as error:
        raise ClusterError(f"the Dask workers cannot run briefing ({_one_line(error)}): "
                           f"install it on every worker, {INSTALL_HINT}") from None
    others = {address: version for address, version in versions.items()
              if version != __version__}
    if others:
        address, version = next(iter(others.items()))
        raise ClusterError(f"the Dask worker at {address} runs briefing {version}, this is "
                           f"{__version__}: install the same version everywhere")
    info = client.scheduler_info()
    nthreads = client.nthreads()
    dashboard = client.dashboard_link if "dashboard" in info.get("services", {}) else None
    return ClusterInfo(client.scheduler.address, dashboard, len(nthreads),
                       sum(nthreads.values()))


def _one_line(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__
