"""Batches on a real Dask cluster: a `dask scheduler` and two `dask worker` processes on
127.0.0.1, started by these tests, with the real engine and encoder."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from briefing import batch, cluster, pipeline
from briefing.errors import ClusterError

from .conftest import ROOT, run_cli

# End to end: real engines, encoder and Dask processes (`-m "not slow"` leaves them out).
pytestmark = pytest.mark.slow

DASK = Path(sys.executable).with_name("dask")  # installed by the `dask` extra
START_TIMEOUT = 120  # seconds; a scheduler and two workers start in ~5 s on a loaded 2-core box
EPOCH = "1767225600"  # SOURCE_DATE_EPOCH: 2026-01-01, so that both runs tag the same date


def article(number: int) -> str:
    """A short article of its own: distinct words, so no two share their audio."""
    return (f"Prices rose {number + 2} percent in district {number + 1}.\n"
            f"Rents climbed for the {number + 3}th month.\n\n"
            f"The council met on day {number + 10}. It agreed on {number + 4} measures.\n")


def write_articles(folder: Path, count: int = 8) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for number in range(count):
        path = folder / f"story-{number}.{'md' if number % 3 == 0 else 'txt'}"
        path.write_text(article(number))
        paths.append(path)
    return paths


@dataclass
class DaskCluster:
    """A real scheduler and workers, each a subprocess; `address` is the scheduler's."""

    address: str
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def worker_pids(self) -> dict[str, int]:
        """Worker address -> the pid of the worker process (the nanny's child)."""
        distributed = cluster.import_distributed()
        with distributed.Client(self.address, timeout=30, set_as_default=False) as client:
            return dict(client.run(os.getpid))

    def busy_workers(self) -> list[str]:
        distributed = cluster.import_distributed()
        with distributed.Client(self.address, timeout=30, set_as_default=False) as client:
            return [worker for worker, keys in client.processing().items() if keys]


def start_scheduler(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`dask scheduler` on a free loopback port; returns it with its address once it listens."""
    process = subprocess.Popen(
        [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0",
         "--dashboard-address", "127.0.0.1:0"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=folder)
    found = threading.Event()
    address: list[str] = []

    def read() -> None:  # drains its log for good, so that it never blocks on a full pipe
        assert process.stderr is not None
        for line in process.stderr:
            text = line.decode(errors="replace")
            if "Scheduler at:" in text and not address:
                address.append(text.split("Scheduler at:")[1].strip())
                found.set()

    threading.Thread(target=read, daemon=True).start()
    if not found.wait(START_TIMEOUT):
        process.kill()
        raise RuntimeError("dask scheduler did not start")
    return process, address[0]


def start_worker(address: str, folder: Path, name: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(DASK), "worker", address, "--nthreads", "1", "--host", "127.0.0.1",
         "--no-dashboard", "--local-directory", str(folder), "--name", name],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder)


def wait_for_workers(address: str, count: int) -> None:
    distributed = cluster.import_distributed()
    with distributed.Client(address, timeout=30, set_as_default=False) as client:
        client.wait_for_workers(count, timeout=START_TIMEOUT)


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in reversed(processes):
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def dask_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DaskCluster]:
    assert DASK.exists(), "the dask extra is not installed: scripts/test installs it"
    folder = tmp_path_factory.mktemp("dask")
    scheduler, address = start_scheduler(folder)
    running = DaskCluster(address, [scheduler])
    try:
        running.processes += [start_worker(address, folder, f"worker-{i}") for i in range(2)]
        wait_for_workers(address, 2)
        yield running
    finally:
        stop(running.processes)


@pytest.fixture
def fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def options(cache: Path) -> pipeline.BuildOptions:
    return pipeline.BuildOptions(cache_dir=cache)


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def local_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Path], Path]:
    """Eight articles, and a folder with their briefings from a local `briefing batch`."""
    folder = tmp_path_factory.mktemp("reference")
    articles = write_articles(folder / "in")
    result = run_cli("batch", folder / "in", "-o", folder / "out", "--jobs", "2",
                     "--cache-dir", folder / "cache", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.code == 0, result.stderr
    return articles, folder / "out"


def test_a_batch_on_the_cluster_is_byte_identical_to_a_local_batch(
    dask_cluster: DaskCluster, local_reference: tuple[list[Path], Path], tmp_path: Path,
    fixed_date: None,
) -> None:
    articles, reference = local_reference
    output = tmp_path / "out"
    targets = batch.plan(articles, output, options(tmp_path / "cache"), force=False)
    seen: list[cluster.ClusterInfo] = []
    finished: list[batch.ArticleResult] = []
    results = cluster.run_batch(articles, targets, options(tmp_path / "cache"),
                                cluster.ClusterOptions(dask_cluster.address),
                                on_result=finished.append, on_ready=seen.append)
    assert [result.error for result in results] == [None] * 8
    assert [result.article for result in results] == articles  # in article order
    assert len(finished) == 8  # and each reported as it came
    assert seen[0].workers == 2 and seen[0].dashboard and "127.0.0.1" in seen[0].dashboard
    assert len(contents(reference)) == 8 * 6  # five files and a manifest each
    assert contents(output) == contents(reference)


def test_a_worker_killed_mid_batch_loses_nothing(
    dask_cluster: DaskCluster, local_reference: tuple[list[Path], Path], tmp_path: Path,
    fixed_date: None,
) -> None:
    articles, reference = local_reference
    output = tmp_path / "out"
    targets = batch.plan(articles, output, options(tmp_path / "cache"), force=False)
    killed: list[int] = []

    def kill_a_busy_worker(result: batch.ArticleResult) -> None:
        if killed:
            return
        pids = dask_cluster.worker_pids()
        busy = dask_cluster.busy_workers()
        assert busy, "no worker was building when the first result came"
        killed.append(pids[busy[0]])
        os.kill(pids[busy[0]], signal.SIGKILL)

    results = cluster.run_batch(articles, targets, options(tmp_path / "cache"),
                                cluster.ClusterOptions(dask_cluster.address),
                                on_result=kill_a_busy_worker)
    assert killed
    assert [result.error for result in results] == [None] * 8
    assert contents(output) == contents(reference)
    wait_for_workers(dask_cluster.address, 2)  # the nanny restarts it, for the next tests


def test_a_bad_article_fails_once_and_the_rest_are_written(
    dask_cluster: DaskCluster, tmp_path: Path,
) -> None:
    articles = write_articles(tmp_path / "in", 3)
    (tmp_path / "in" / "bad.txt").write_bytes(b"\x00\x01\x02binary\xff" * 10)
    result = run_cli("batch", tmp_path / "in", "-o", tmp_path / "out",
                     env={"BRIEFING_SCHEDULER": dask_cluster.address})
    assert result.code == 1
    failures = [line for line in result.stderr.splitlines() if "failed:" in line]
    assert len(failures) == 1 and "bad.txt: failed:" in failures[0]
    assert "looks like binary data" in failures[0]
    assert "1 of 4 articles failed" in result.stderr
    assert "dashboard: http://127.0.0.1:" in result.stderr
    assert "Traceback" not in result.stderr
    assert sorted(path.name for path in (tmp_path / "out").iterdir()) == sorted(
        name for path in articles for name in (
            f".{path.stem}.briefing.json",
            *(f"{path.stem}{suffix}" for suffix in (".mp3", ".txt", ".srt", ".vtt",
                                                    ".chapters.json"))))


def test_ctrl_c_cancels_the_batch_and_leaves_no_partial_file(
    dask_cluster: DaskCluster, tmp_path: Path,
) -> None:
    write_articles(tmp_path / "in", 8)
    output = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "briefing", "batch", str(tmp_path / "in"), "-o", str(output),
         "--scheduler", dask_cluster.address], cwd=ROOT, stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stderr is not None
    lines = []
    for line in process.stderr:  # the first article written: the batch is in full swing
        lines.append(line.decode())
        if line.startswith(b"[1/8]"):
            break
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    stderr = "".join(lines) + rest.decode()
    assert process.returncode == 130, stderr
    assert "interrupted; no partial file was left" in stderr
    assert "Traceback" not in stderr
    written = sorted(path.name for path in output.iterdir())
    assert not [name for name in written if name.endswith(".part")]  # no temporary file
    assert len(written) < 8 * 6 and len(written) % 6 == 0, written  # whole briefings only
    wait_for_workers(dask_cluster.address, 2)


def test_an_unreachable_scheduler_is_one_line_and_nothing_written(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    write_articles(tmp_path / "in", 2)
    result = run_cli("batch", tmp_path / "in", "-o", tmp_path / "out", "--scheduler",
                     f"tcp://127.0.0.1:{port}", timeout=60)
    assert result.code == 1
    assert result.stderr.strip().splitlines() == [
        f"briefing: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port}: "
        "Connection refused"]
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("address", "message"), [
    ("tcp://127.0.0.1:port", "is not a Dask scheduler address"),
    ("carrier-pigeon://loft", "is not a Dask scheduler address"),
])
def test_a_malformed_scheduler_address_is_one_line(address: str, message: str,
                                                    tmp_path: Path) -> None:
    write_articles(tmp_path / "in", 1)
    result = run_cli("batch", tmp_path / "in", "-o", tmp_path / "out", "--scheduler", address)
    assert result.code == 1 and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()


def test_a_scheduler_lost_mid_batch_is_one_line_and_no_partial_file(tmp_path: Path) -> None:
    scheduler, address = start_scheduler(tmp_path)
    processes = [scheduler, start_worker(address, tmp_path, "lonely")]
    try:
        wait_for_workers(address, 1)
        articles = write_articles(tmp_path / "in", 4)
        output = tmp_path / "out"
        targets = batch.plan(articles, output, options(tmp_path / "cache"), force=False)

        def lose_the_scheduler(result: batch.ArticleResult) -> None:
            scheduler.kill()

        with pytest.raises(ClusterError, match="lost the connection to the Dask scheduler"):
            cluster.run_batch(articles, targets, options(tmp_path / "cache"),
                              cluster.ClusterOptions(address), on_result=lose_the_scheduler)
        written = sorted(path.name for path in output.iterdir())
        assert len(written) == 6 and not [name for name in written if name.endswith(".part")]
    finally:
        stop(processes)


def test_without_dask_the_cluster_names_the_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    from briefing.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    write_articles(tmp_path / "in", 1)
    assert main(["batch", str(tmp_path / "in"), "-o", str(tmp_path / "out"),
                 "--cluster", "local"]) == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "briefing: error: Dask is not installed (import of distributed halted; None in "
        "sys.modules): pip install 'briefing[dask]'"]


def test_a_local_cluster_builds_the_batch(tmp_path: Path) -> None:
    articles = write_articles(tmp_path / "in", 2)
    result = run_cli("batch", tmp_path / "in", "-o", tmp_path / "out", "--cluster", "local",
                     "--jobs", "2", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.code == 0, result.stderr
    assert "on a local Dask cluster (2 workers, 2 at a time); dashboard: http://127.0.0.1:" \
        in result.stderr
    assert "Traceback" not in result.stderr
    assert len(list((tmp_path / "out").iterdir())) == 2 * 6
    for path in articles:
        assert (tmp_path / "out" / f"{path.stem}.mp3").stat().st_size > 10_000


@pytest.mark.parametrize(("planned", "built", "written"), [
    # The transcript's name may differ (beside its own article it is NAME.transcript.txt):
    # files are matched by what they are, not by name.
    ("story.transcript.txt", "story.txt", b"transcript"),
    ("story.txt", "story.txt", b"transcript"),
    ("story.srt", "story.srt", b"subtitles"),
])
def test_files_built_elsewhere_are_written_under_the_planned_names(
    planned: str, built: str, written: bytes, tmp_path: Path,
) -> None:
    target = tmp_path / "story.mp3"
    files = (cluster.BuiltFile("story.mp3", b"audio"), cluster.BuiltFile(built, written))
    cluster.write_files(files, target, [target, tmp_path / planned])
    assert (tmp_path / planned).read_bytes() == written
    assert target.read_bytes() == b"audio"


def test_a_file_missing_from_a_worker_is_this_articles_error(tmp_path: Path) -> None:
    target = tmp_path / "story.mp3"
    with pytest.raises(ClusterError, match=r"sent no \.srt file"):
        cluster.write_files((cluster.BuiltFile("story.mp3", b"audio"),), target,
                            [target, tmp_path / "story.srt"])


def test_engines_are_prepared_once_per_worker_process() -> None:
    first = cluster._prepared_voices(pipeline.BuildOptions())
    assert cluster._prepared_voices(pipeline.BuildOptions(jobs=3)) is first
    other = cluster._prepared_voices(replace(pipeline.BuildOptions(), frame_voice=None,
                                             voice=replace(pipeline.BuildOptions().voice,
                                                           rate=200)))
    assert other is not first


def test_a_worker_gets_glibc_thresholds_back() -> None:
    """Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_, which makes every block of
    128 KiB or more a fresh mmap (kernel time in every build); a worker undoes it: such a
    block comes from the heap again, as in a local build."""
    code = textwrap.dedent("""
        import ctypes
        from briefing import cluster
        libc = ctypes.CDLL(None)
        libc.malloc.restype = ctypes.c_void_p
        libc.malloc.argtypes = [ctypes.c_size_t]

        def on_heap():
            address = libc.malloc(1 << 20)
            with open("/proc/self/maps") as maps:
                heap = next(line for line in maps if line.rstrip().endswith("[heap]"))
            low, high = (int(bound, 16) for bound in heap.split()[0].split("-"))
            return low <= address < high

        before = on_heap()
        cluster._restore_malloc_thresholds()
        print(before, on_heap())
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}, check=True)
    assert result.stdout.split() == ["False", "True"]
