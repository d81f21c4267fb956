"""Run a function in a forked child process, with a deadline.

eSpeak NG keeps state between calls in one process (the same text comes out slightly
different the second time) and can crash or hang on bad input. A child per call, forked from
a parent that has loaded the library but never spoken with it, gives every call the same
pristine state, contains crashes, and makes timeouts enforceable by killing the child.

Plain `os.fork` rather than `multiprocessing`: it costs less per call, and it works inside
any process, including a worker of a process pool.
"""

from __future__ import annotations

import contextlib
import faulthandler
import math
import os
import pickle
import select
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

CAN_FORK = hasattr(os, "fork")
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


@dataclass(frozen=True)
class Outcome:
    """How one isolated call ended."""

    value: Any = None
    """The function's return value, when it returned."""
    error: str | None = None
    """Why it failed: its exception's message, a crash or a timeout; None on success."""

    @property
    def ok(self) -> bool:
        return self.error is None


class Child:
    """One function call running in a forked child process."""

    def __init__(self, function: Callable[..., Any], *args: Any) -> None:
        read_end, write_end = os.pipe()
        # A signal handled during fork would run inside a Python at-fork hook (logging has
        # one), where CPython reports the handler's exception and swallows it: Ctrl-C or
        # SIGTERM would be lost. Blocked, it waits for the line after the fork instead.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read_end)
            _run_child(write_end, function, args, mask)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(write_end)
        self.pid = pid
        self._read_end = read_end
        self._received: list[bytes] = []

    def fileno(self) -> int:
        """The pipe the result arrives on: readable once the child has sent it or died."""
        return self._read_end

    def result(self) -> Outcome:
        """The outcome, once the child is `ready` (this then blocks only briefly)."""
        while chunk := os.read(self._read_end, 1 << 16):
            self._received.append(chunk)
        status = self._reap()
        try:
            kind, payload = pickle.loads(b"".join(self._received))
        except Exception:  # no message, or a cut one: the child died
            if os.WIFSIGNALED(status):
                name = signal.Signals(os.WTERMSIG(status)).name
                return Outcome(error=f"the engine process crashed ({name})")
            return Outcome(error=f"the engine process exited with code "
                                 f"{os.waitstatus_to_exitcode(status)}")
        return Outcome(value=payload) if kind == "ok" else Outcome(error=payload)

    def kill(self, reason: str) -> Outcome:
        """Stop the child now; the outcome is a failure for `reason`."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        self._reap()
        return Outcome(error=reason)

    def _reap(self) -> int:
        os.close(self._read_end)
        _, status = os.waitpid(self.pid, 0)
        return status


def ready(children: Sequence[Child], timeout: float | None) -> list[Child]:
    """The children whose results are available, waiting at most `timeout` seconds."""
    readable, _, _ = select.select(list(children), [], [], timeout)
    return readable


@dataclass(frozen=True)
class Task:
    """A call to run in a child process."""

    function: Callable[..., Any]
    """What to call (in the child)."""
    args: tuple[Any, ...]
    """Its arguments."""
    timeout: float | None = None
    """Seconds before the child is killed; None waits for ever."""
    key: Any = None
    """The caller's own tag, to recognise the task when its outcome comes back."""


def run_concurrently(queue: deque[Task], jobs: int
                     ) -> Generator[tuple[Task, Outcome], None, None]:
    """Run the queued tasks, `jobs` children at a time; yield each outcome as it comes.

    The caller may append to `queue` while iterating (to retry a task, say). Children still
    running when the iteration stops, for whatever reason, are killed.
    """
    running: dict[Child, tuple[Task, float]] = {}

    def start_more() -> None:
        while queue and len(running) < max(1, jobs):
            task = queue.popleft()
            limit = math.inf if task.timeout is None else task.timeout
            running[Child(task.function, *task.args)] = (task, time.monotonic() + limit)

    try:
        while queue or running:
            start_more()
            next_deadline = min(deadline for _, deadline in running.values())
            wait = None if next_deadline == math.inf else max(0.0, next_deadline - time.monotonic())
            finished = ready(list(running), wait)
            now = time.monotonic()
            ended = []
            for child, (task, deadline) in list(running.items()):
                if child in finished:
                    outcome = child.result()
                elif now >= deadline:
                    outcome = child.kill(f"timed out after {task.timeout:.0f} s")
                else:
                    continue
                del running[child]
                ended.append((task, outcome))
            # The next children start before the caller handles these outcomes (reads and
            # stores a WAV, say), so no core waits on that.
            start_more()
            yield from ended
    finally:
        for child in running:
            child.kill("stopped")


def run_isolated(
    function: Callable[..., Any], *args: Any, timeout: float = 30, isolated: bool = True
) -> Outcome:
    """Call `function(*args)` in a child process (or here, if not `isolated`); say how it ended."""
    if not isolated or not CAN_FORK:
        try:
            return Outcome(value=function(*args))
        except Exception as error:  # reported like a child's failure
            return Outcome(error=str(error) or type(error).__name__)
    child = Child(function, *args)
    if not ready([child], timeout):
        return child.kill(f"timed out after {timeout:g} s")
    return child.result()


def _run_child(
    write_end: int, function: Callable[..., Any], args: tuple[Any, ...], mask: set[int]
) -> None:
    code = 0
    try:
        # The parent's handlers (SIGTERM → clean-up) are not the child's business: the
        # parent stops a child by killing it.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        # Engines print to stdout (pyttsx3 announces every file it saves) and a crashing one
        # dumps a traceback on stderr; the terminal belongs to the command line, and failures
        # reach it through the pipe, as one clear line.
        faulthandler.disable()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.close(devnull)
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives till _exit
        try:
            message = pickle.dumps(("ok", function(*args)))
        except BaseException as error:  # all is reported to the parent
            message = pickle.dumps(("error", str(error) or type(error).__name__))
        view = memoryview(message)
        while view:
            view = view[os.write(write_end, view):]
    except BaseException:  # the parent sees no message
        code = 1
    finally:
        os._exit(code)  # never run the parent's clean-up or flush its buffers twice
