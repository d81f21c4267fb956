"""Files written whole or not at all, and temporary names that tell leftovers from work.

Every file is written under a temporary name in its target's folder and renamed onto the
target only when complete, so a reader (a player, a podcast app, another build) never sees a
half-written file, and a failed build never touches the file that was there.

Every temporary name carries the host and the id of the process that made it. A build killed
with SIGKILL cannot clean up after itself, so the next build sweeps away whatever belongs to a
process of this host that no longer exists, and never touches what a running build, or any
process of another machine sharing the folder, is using.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

from briefing.errors import OutputError

PART_SUFFIX = ".part"
SCRATCH_PREFIX = "briefing-"


def _host() -> str:
    """This machine's name, reduced to characters safe in a file name. (From `os.uname`,
    not `socket` and `secrets`: their imports were ~18 ms of every build's start.)"""
    name = os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")
    return re.sub(r"[^A-Za-z0-9-]", "-", name)[:40] or "host"


_HOST = _host()
# .NAME.HOST.PID-TOKEN.part  and  briefing-HOST.PID-…  (mkdtemp adds its own random tail)
_PART = re.compile(rf"^\..+\.([A-Za-z0-9-]+)\.(\d+)-[0-9a-f]{{8}}{re.escape(PART_SUFFIX)}$")
_SCRATCH = re.compile(rf"^{SCRATCH_PREFIX}([A-Za-z0-9-]+)\.(\d+)-")


def create_part(folder: Path, name: str) -> Path:
    """A new, empty, hidden file beside `folder/name`, with the permissions a normal new
    file gets (the umask applies, unlike `mkstemp`'s 0600)."""
    while True:
        part = folder / f".{name}.{_HOST}.{os.getpid()}-{os.urandom(4).hex()}{PART_SUFFIX}"
        try:
            os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return part
        except FileExistsError:
            continue


@contextlib.contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A temporary path beside `target`, renamed onto it only if the block completes.

    Raises OutputError (naming the file and the system's reason) if the folder cannot be
    written or the rename fails; the temporary file is gone either way.
    """
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        part = create_part(folder, target.name)
    except OSError as error:
        raise OutputError(f"cannot write to {folder}: {error.strerror or error}") from None
    try:
        yield part
        os.replace(part, target)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
    finally:
        part.unlink(missing_ok=True)


def write_bytes(target: Path, data: bytes) -> None:
    """Replace `target` with `data` in one step (see `replacing`)."""
    with replacing(target) as part:
        part.write_bytes(data)


def scratch_folder() -> tempfile.TemporaryDirectory[str]:
    """A private temporary folder, removed when its `with` block ends.

    Made with Ctrl-C and SIGTERM held back: one handled between the folder's creation and
    the registration of its clean-up (a few dozen bytecodes inside `tempfile`) left the
    folder behind, owned by a process still alive, so no sweep took it (seen twice in the
    fault tests). Held back, the signal is handled once the object exists, and its clean-up
    runs as the exception unwinds.
    """
    held = hasattr(signal, "pthread_sigmask")  # not on Windows
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM}) \
        if held else set()
    try:
        return tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{_HOST}.{os.getpid()}-")
    finally:
        if held:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)


def is_leftover(name: str) -> bool:
    """Whether `name` is a temporary file or folder of a dead process of this host."""
    owner = _PART.match(name) or _SCRATCH.match(name)
    return owner is not None and owner.group(1) == _HOST and not _alive(int(owner.group(2)))


def is_part(name: str) -> bool:
    """Whether `name` is a temporary file made by `create_part` (any host, any process)."""
    return _PART.match(name) is not None


def sweep(folder: Path) -> int:
    """Remove the temporary files and folders in `folder` left by processes now gone."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        if not is_leftover(entry.name):
            continue
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, and not ours to judge
    return True
