"""One build in its own process: `python -m briefing.page.worker`, driven by the server.

The server writes one JSON line (the build's spec) to stdin and reads JSON lines from a pipe
whose descriptor it names in BRIEFING_EVENTS_FD, the event channel: progress, then `done` or
`error`. Events do not use stdout, because the speech engine's child processes share it.
SIGTERM (Cancel, or the server stopping) is raised as an exception so the pipeline's cleanup
runs and no temporary file is left; so is the end of stdin, which means the server is gone.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
from types import FrameType
from typing import IO, Any

from briefing.errors import BriefingError

EXIT_TERMINATED = 143


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so every cleanup block still runs."""


def main() -> int:
    # As in the CLI: parallelism is ours, by process (must precede numpy's import).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    descriptor = int(os.environ.pop("BRIEFING_EVENTS_FD"))
    os.set_inheritable(descriptor, False)  # the engine's children must not hold it open
    events = os.fdopen(descriptor, "w", encoding="utf-8", buffering=1)

    def emit(kind: str, **fields: Any) -> None:
        events.write(json.dumps({"type": kind, **fields}) + "\n")

    signal.signal(signal.SIGTERM, _on_sigterm)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when we stop
    emit("progress", stage="start", done=0, total=0)
    line = sys.stdin.readline()
    threading.Thread(target=_stop_when_server_goes, args=(sys.stdin,), daemon=True).start()
    try:
        spec = json.loads(line)
        if spec.get("voices"):
            emit("voices", voices=_voices())
            return 0
        return _build(spec, emit)
    except Terminated:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once is enough: finish the message
        emit("cancelled")
        return EXIT_TERMINATED


def _build(spec: dict[str, Any], emit: Any) -> int:
    from pathlib import Path

    from briefing import pipeline
    from briefing.model import VoiceSettings
    from briefing.read.document import read_documents

    try:
        documents = read_documents([spec["source"]], spec.get("title") or None,
                                   warn=lambda message: emit("warning", message=message))
        emit("progress", stage="read", done=0, total=0)
        options = pipeline.BuildOptions(
            engine=spec.get("engine") or "pyttsx3",
            voice=VoiceSettings(spec.get("voice") or None, int(spec.get("rate") or 175)),
        )
        result = pipeline.build(
            documents, Path(spec["target"]), options,
            progress=lambda stage, done, total: emit("progress", stage=stage, done=done,
                                                     total=total),
        )
    except BriefingError as error:
        emit("error", message=worded(error))
        return error.exit_code
    emit("done", files=[path.name for path in result.files],
         seconds=result.programme.duration_ms / 1000)
    return 0


def _voices() -> list[dict[str, str]]:
    from briefing.model import VoiceSettings
    from briefing.speech.engines import DEFAULT_ENGINE, make_engine

    engine = make_engine(DEFAULT_ENGINE, VoiceSettings())
    return [{"id": voice.id, "name": voice.name} for voice in engine.voices()]


# How the page names what an error is about (`BriefingError.setting`): by the form's field,
# as the command line names its flag; the message itself is the library's, word for word.
FIELDS = {"rate": "Rate", "voice": "Voice", "engine": "Engine", "title": "Title"}


def worded(error: BriefingError) -> str:
    """The error's message as the page says it: naming the form's field it is about."""
    field = FIELDS.get(error.setting or "")
    return f"{field}: {error}" if field else str(error)


def _stop_when_server_goes(stdin: IO[str]) -> None:
    stdin.read()  # returns at end of file: the server closed the pipe, or died
    os.kill(os.getpid(), signal.SIGTERM)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated


if __name__ == "__main__":
    sys.exit(main())
