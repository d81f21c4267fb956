"""Run a function in a forked child process, with a deadline.

eSpeak NG keeps state between calls in one process (the same text comes out slightly
different the second time) and can crash or hang on bad input. A child per call, forked from
a parent that has loaded the library but never initialised it, gives every call the same
pristine state, contains crashes, and makes timeouts enforceable by killing the child.
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

_FORK = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
CAN_FORK = _FORK is not None


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
        if _FORK is None:
            raise RuntimeError("process isolation needs os.fork")
        self._receiver, sender = _FORK.Pipe(duplex=False)
        self._process = _FORK.Process(target=_run, args=(sender, function, args), daemon=True)
        self._process.start()
        sender.close()

    @property
    def connection(self) -> Connection:
        return self._receiver

    def result(self) -> Outcome:
        """The outcome, once `connection` is ready (the child sent a result or died)."""
        try:
            status, payload = self._receiver.recv()
        except (EOFError, OSError):
            self._process.join(5)
            code = self._process.exitcode
            reason = (f"crashed ({signal.Signals(-code).name})" if code and code < 0
                      else f"exited with code {code}")
            return self._finish(Outcome(error=f"the engine process {reason}"))
        self._process.join(5)
        return self._finish(Outcome(value=payload) if status == "ok" else Outcome(error=payload))

    def kill(self, reason: str) -> Outcome:
        self._process.kill()
        self._process.join(5)
        return self._finish(Outcome(error=reason))

    def _finish(self, outcome: Outcome) -> Outcome:
        self._receiver.close()
        if self._process.exitcode is not None:
            self._process.close()
        return outcome


def ready(children: Sequence[Child], timeout: float | None) -> list[Child]:
    """The children whose results are available, waiting at most `timeout` seconds."""
    by_connection = {child.connection: child for child in children}
    return [by_connection[c] for c in wait(list(by_connection), timeout)]  # type: ignore[index]


def run_isolated(
    function: Callable[..., Any], *args: Any, timeout: float = 30, isolated: bool = True
) -> Outcome:
    """Call `function(*args)` in a child process (or here, if not `isolated`); say how it ended."""
    if not isolated or not CAN_FORK:
        try:
            return Outcome(value=function(*args))
        except Exception as error:
            return Outcome(error=str(error) or type(error).__name__)
    child = Child(function, *args)
    if not ready([child], timeout):
        return child.kill(f"timed out after {timeout:g} s")
    return child.result()


def _run(sender: Connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    # Engines print to stdout (pyttsx3 announces every file it saves) and a crashing one dumps
    # a traceback on stderr; the terminal belongs to the command line, and failures reach it
    # through the pipe, as one clear line.
    faulthandler.disable()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)
    try:
        sender.send(("ok", function(*args)))
    except BaseException as error:
        sender.send(("error", str(error) or type(error).__name__))
    finally:
        sender.close()
