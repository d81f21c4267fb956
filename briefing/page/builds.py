"""The page's builds: a queue of worker processes, one at a time by default.

A build already uses every core (segments are synthesized in parallel), so running two at
once would only make both slower. Each build runs in `python -m briefing.page.worker`, a
process of its own: builds fork, and forking a server with threads and an event loop is
unsafe. Its state is kept in a small JSON record under `DIR/.briefing/builds/`, so that a
reload finds a running build again, and a server that restarts marks what it left
unfinished as failed. The folder is hidden, and the page never serves a hidden name.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, Any

from briefing import atomic
from briefing.errors import InputError, OutputError
from briefing.publish.feed import CHAPTERS_SUFFIX
from briefing.publish.fileset import manifest_path

STATE_FOLDER = ".briefing"
"""The page's private folder inside DIR (hidden, so never served nor listed)."""

UPLOAD_LIMIT = 5 * 1024 * 1024
"""The largest article, pasted or uploaded, in bytes."""

SIDE_SUFFIXES = (CHAPTERS_SUFFIX, ".txt", ".srt", ".vtt")
"""The files a build writes beside its audio (`pipeline.planned_files` with transcripts)."""

STOPPED = "the server stopped before this build finished; start it again"
"""The message of a build that a server stop or restart left unfinished."""

# Stage names of the pipeline's progress callback, and the worker's own two, as the page
# shows them (the CLI's words for the same stages).
STAGE_LABELS = {
    "queued": "Waiting for the build before it",
    "start": "Starting",
    "read": "Reading the article",
    "synthesize": "Speaking",
    "loudness": "Normalizing loudness",
    "encode": "Encoding",
}

FINISHED = ("done", "failed", "cancelled")


@dataclass(frozen=True)
class BuildSpec:
    """What the person asked for on the form."""

    title: str
    """The briefing's title; empty for the article's own (or none)."""
    engine: str = "pyttsx3"
    """The speech engine, as `--engine` takes it."""
    voice: str = ""
    """The engine's voice id; empty for the default."""
    rate: int = 175
    """Speaking rate in words per minute."""


@dataclass(frozen=True)
class Build:
    """One build's state, as the page shows it and the record on disk keeps it."""

    id: str
    """Random, URL-safe; the build's address is /builds/ID."""
    spec: BuildSpec
    """What was asked for."""
    source: str
    """The article as the reader is given it: a file name in the build's folder, or a URL."""
    target: str
    """The audio's file name in DIR (free when the build was queued, reserved since)."""
    state: str = "queued"
    """queued, running, done, failed or cancelled."""
    stage: str = "queued"
    """The last progress stage (`STAGE_LABELS`)."""
    done: int = 0
    """Units of the stage finished (segments, while speaking)."""
    total: int = 0
    """Units of the stage in all; 0 when it is not counted."""
    message: str = ""
    """Why it failed, in the library's words; or a warning from the reader."""
    created: float = field(default_factory=time.time)
    """When it was asked for (seconds since the epoch)."""
    version: int = 0
    """Grows with every change, so a watcher knows what it has seen."""
    worker: int = 0
    """The worker's process id while it runs (0 before and after)."""

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def label(self) -> str:
        """The stage in words, with its counts when it has them."""
        words = STAGE_LABELS.get(self.stage, self.stage.capitalize())
        # Speaking counts segments; encoding, the MP3's sections it has to encode.
        unit = "sections" if self.stage == "encode" else "segments"
        return f"{words}: {self.done}/{self.total} {unit}" if self.total else words

    def event(self) -> dict[str, Any]:
        """What the page's progress stream sends for this state."""
        return {"state": self.state, "stage": self.stage, "label": self.label,
                "done": self.done, "total": self.total, "message": self.message,
                "target": self.target}


Changed = Callable[[str], None]
"""Called with a build's id after its state changed (from any thread)."""


class BuildQueue:
    """Builds of one library folder, run in worker processes, `at_once` at a time."""

    def __init__(self, directory: Path, at_once: int = 1, changed: Changed | None = None,
                 on_log: Callable[[str], None] | None = None) -> None:
        self.directory = directory
        self.at_once = max(1, at_once)
        self.changed = changed
        self.on_log = on_log
        self.folder = directory / STATE_FOLDER / "builds"
        self._lock = threading.Lock()
        self._builds: dict[str, Build] = {}
        self._workers: dict[str, subprocess.Popen[bytes]] = {}
        self._supervisors: list[threading.Thread] = []
        self._stopping = False
        self.unwritable = ""
        """Why nothing can be built here (the folder is not writable); empty when it can."""

    # -- start and stop ----------------------------------------------------------------------

    def recover(self) -> None:
        """Load the records of earlier runs; what a stopped server left unfinished failed.

        A folder that cannot be written is still served for listening; building there is
        refused with the reason (`unwritable`).
        """
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            self.unwritable = (f"cannot build into {self.directory}: {error.strerror}; "
                               "serve a folder you can write to")
            return
        for record in sorted(self.folder.glob("*.json")):
            try:
                build = _from_record(json.loads(record.read_text(encoding="utf-8")))
            except (OSError, ValueError, KeyError, TypeError):
                record.unlink(missing_ok=True)  # unreadable: nothing to show for it
                continue
            if not build.finished:
                build = replace(build, state="failed", message=STOPPED, worker=0)
                self._remove_outputs(build)
                self._save(build)
            shutil.rmtree(self.folder / build.id, ignore_errors=True)
            self._builds[build.id] = build
        atomic.sweep(self.directory)  # the .part files of workers that are gone

    def stop(self) -> None:
        """Stop every running build and fail the queued ones; return when all is clean."""
        with self._lock:
            self._stopping = True
            workers = list(self._workers.values())
            queued = [build for build in self._builds.values() if build.state == "queued"]
        for worker in workers:
            with contextlib.suppress(ProcessLookupError):
                worker.send_signal(signal.SIGTERM)
        for build in queued:
            self._finish(build.id, "failed", STOPPED)
        for thread in list(self._supervisors):
            thread.join()

    # -- what the page does ------------------------------------------------------------------

    def submit(self, spec: BuildSpec, *, upload: bytes | None = None, filename: str = "",
               url: str = "") -> Build:
        """Queue a build of an uploaded or pasted article (`upload`) or of `url`."""
        if upload is not None and len(upload) > UPLOAD_LIMIT:
            raise InputError(f"the article is {len(upload) / 1e6:.1f} MB: the page takes "
                             f"articles up to {UPLOAD_LIMIT // (1024 * 1024)} MB")
        if upload is None and not url:
            raise InputError("no article given: paste its text, drop a file or give a URL")
        build_id = secrets.token_urlsafe(9)
        with self._lock:
            if self._stopping:
                raise OutputError(STOPPED)
            if self.unwritable:
                raise OutputError(self.unwritable)
            target = self._free_name(_stem(spec.title or Path(filename).stem or url))
            source = url
            if upload is not None:
                source = _article_name(filename)
                folder = self.folder / build_id
                try:
                    folder.mkdir(parents=True)
                    (folder / source).write_bytes(upload)
                except OSError as error:
                    shutil.rmtree(folder, ignore_errors=True)
                    raise OutputError(f"cannot write in {self.directory}: "
                                      f"{error.strerror}") from None
            build = Build(build_id, spec, source, target)
            self._builds[build_id] = build
        self._save(build)
        self._start_next()
        return build

    def cancel(self, build_id: str) -> Build:
        """Stop a build; a queued one never starts. Its files are removed once it stops."""
        with self._lock:
            build = self._builds.get(build_id)
            if build is None:
                raise KeyError(build_id)
            worker = self._workers.get(build_id)
            if build.state == "queued":
                worker = None
        if build.state == "queued":
            self._finish(build_id, "cancelled", "")
        elif worker is not None:
            with contextlib.suppress(ProcessLookupError):
                worker.send_signal(signal.SIGTERM)
        return self.get(build_id)

    def get(self, build_id: str) -> Build:
        with self._lock:
            return self._builds[build_id]

    def builds(self) -> list[Build]:
        """Every build, newest first."""
        with self._lock:
            return sorted(self._builds.values(), key=lambda build: -build.created)

    def reserved(self) -> set[str]:
        """File names in DIR that unfinished builds are making: not in the library yet."""
        with self._lock:
            return {name for build in self._builds.values() if not build.finished
                    for name in _planned(build.target)}

    # -- the queue ---------------------------------------------------------------------------

    def _start_next(self) -> None:
        with self._lock:
            if self._stopping:
                return
            running = sum(1 for build in self._builds.values() if build.state == "running")
            waiting = sorted((build for build in self._builds.values()
                              if build.state == "queued"), key=lambda build: build.created)
            starting = waiting[: max(0, self.at_once - running)]
            for build in starting:
                self._builds[build.id] = replace(build, state="running", stage="start",
                                                 version=build.version + 1)
        for build in starting:
            thread = threading.Thread(target=self._run, args=(build.id,), daemon=True,
                                      name=f"build-{build.id}")
            self._supervisors.append(thread)
            thread.start()

    def _run(self, build_id: str) -> None:
        build = self.get(build_id)
        self._save(build)
        self._notify(build_id)
        folder = self.folder / build_id
        spec = {"source": build.source, "title": build.spec.title, "engine": build.spec.engine,
                "voice": build.spec.voice, "rate": build.spec.rate,
                "target": str((self.directory / build.target).resolve())}
        outcome, message = "failed", "the build stopped unexpectedly"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with _worker(folder) as (worker, events):
                with self._lock:
                    self._workers[build_id] = worker
                    stopping = self._stopping
                self._update(build_id, worker=worker.pid)
                if stopping:
                    worker.send_signal(signal.SIGTERM)
                assert worker.stdin is not None
                worker.stdin.write(json.dumps(spec).encode() + b"\n")
                worker.stdin.flush()
                for line in events:
                    event = _event(line)
                    kind = event.get("type")
                    if kind == "progress":
                        self._update(build_id, stage=str(event.get("stage", "")),
                                     done=int(event.get("done", 0)),
                                     total=int(event.get("total", 0)))
                    elif kind == "warning":
                        self._update(build_id, message=str(event.get("message", "")))
                    elif kind == "done":
                        outcome, message = "done", ""
                    elif kind == "error":
                        outcome, message = "failed", str(event.get("message", ""))
                    elif kind == "cancelled":
                        outcome, message = "cancelled", ""
                code = worker.wait()
            if outcome == "failed" and message == "the build stopped unexpectedly":
                message += f" (exit code {code})"
        except (OSError, ValueError) as error:
            outcome, message = "failed", f"cannot start a build: {error}"
        finally:
            with self._lock:
                self._workers.pop(build_id, None)
                if self._stopping and outcome != "done":
                    outcome, message = "failed", STOPPED
        self._finish(build_id, outcome, message)
        self._start_next()

    def _finish(self, build_id: str, state: str, message: str) -> None:
        build = self._update(build_id, state=state, message=message, worker=0)
        if state != "done":
            self._remove_outputs(build)
        shutil.rmtree(self.folder / build_id, ignore_errors=True)
        atomic.sweep(self.directory)
        self._notify(build_id)

    def _update(self, build_id: str, **changes: Any) -> Build:
        with self._lock:
            build = self._builds[build_id]
            build = replace(build, **changes, version=build.version + 1)
            self._builds[build_id] = build
        self._save(build)
        self._notify(build_id)
        return build

    def _remove_outputs(self, build: Build) -> None:
        """Remove what an unfinished build wrote: its name was free when it was queued."""
        for name in _planned(build.target):
            with contextlib.suppress(OSError):
                (self.directory / name).unlink()

    def _free_name(self, stem: str) -> str:
        taken = {name for build in self._builds.values() if not build.finished
                 for name in _planned(build.target)}
        for number in range(1, 10_000):
            name = f"{stem}.mp3" if number == 1 else f"{stem}-{number}.mp3"
            planned = _planned(name)
            if not any(item in taken or (self.directory / item).exists()
                       or (self.directory / item).is_symlink() for item in planned):
                return name
        raise OutputError(f"no free name for {stem!r} in {self.directory}")

    def _save(self, build: Build) -> None:
        record = self.folder / f"{build.id}.json"
        with contextlib.suppress(OutputError):  # a record is a convenience, never a failure
            atomic.write_bytes(record, json.dumps(asdict(build)).encode())

    def _notify(self, build_id: str) -> None:
        if self.changed is not None:
            self.changed(build_id)


@contextlib.contextmanager
def _worker(folder: Path) -> Iterator[tuple[subprocess.Popen[bytes], IO[bytes]]]:
    """A worker process in `folder` (so the reader names the article as it was uploaded),
    and the read end of its event channel."""
    read_end, write_end = os.pipe()
    try:
        worker = subprocess.Popen(
            [sys.executable, "-m", "briefing.page.worker"],
            cwd=folder, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, pass_fds=(write_end,),
            # Its own session: Ctrl-C at the server's terminal is the server's to handle.
            start_new_session=True,
            env={**os.environ, "BRIEFING_EVENTS_FD": str(write_end)},
        )
    except OSError:
        os.close(read_end)
        raise
    finally:
        os.close(write_end)
    events = os.fdopen(read_end, "rb")
    try:
        yield worker, events
    finally:
        events.close()
        if worker.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                worker.send_signal(signal.SIGTERM)
        worker.wait()
        if worker.stdin is not None:
            with contextlib.suppress(OSError):
                worker.stdin.close()


def _event(line: bytes) -> dict[str, Any]:
    try:
        event = json.loads(line)
    except ValueError:
        return {}
    return event if isinstance(event, dict) else {}


def _planned(target: str) -> list[str]:
    stem = target.rsplit(".", 1)[0]
    return [target, *(stem + suffix for suffix in SIDE_SUFFIXES),
            manifest_path(Path(target)).name]


def _stem(text: str) -> str:
    """A file name stem from a title or file name: lower-case words joined by dashes."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower().removeprefix("https://")
                       .removeprefix("http://"))
    stem = "-".join(words)[:60].strip("-")
    return stem or "briefing"


def _article_name(filename: str) -> str:
    """The name an upload is kept under: its own, made safe (the reader picks the format by
    its suffix, and names it in messages), or "pasted.txt" for pasted text."""
    base = Path(filename.replace("\\", "/")).name
    safe = re.sub(r"[^\w.-]+", "-", base).strip(".-")[-80:].lstrip(".-")
    return safe or "pasted.txt"


def _from_record(record: dict[str, Any]) -> Build:
    spec = BuildSpec(**record.pop("spec"))
    return Build(spec=spec, **record)


def list_voices(folder: Path) -> list[dict[str, str]]:
    """The default engine's voices (`briefing voices`), asked of a worker process so that
    the server itself never loads the engine."""
    with _worker(folder) as (worker, events):
        assert worker.stdin is not None
        worker.stdin.write(b'{"voices": true}\n')
        worker.stdin.flush()
        for line in events:
            event = _event(line)
            if event.get("type") == "voices":
                return [voice for voice in event.get("voices", []) if isinstance(voice, dict)]
    return []
