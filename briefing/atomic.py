"""Temporary files and folders, named so that leftovers can be told from work in progress.

Every temporary name carries the id of the process that made it. A build killed with
SIGKILL cannot clean up after itself, so the next build sweeps away whatever belongs to a
process that no longer exists, and never touches what a running build is using.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
from pathlib import Path

PART_SUFFIX = ".part"
SCRATCH_PREFIX = "briefing-"

_PART = re.compile(rf"^\..+\.(\d+)-[0-9a-f]{{8}}{re.escape(PART_SUFFIX)}$")
_SCRATCH = re.compile(rf"^{SCRATCH_PREFIX}(\d+)-")


def create_part(folder: Path, name: str) -> Path:
    """A new, empty, hidden file beside `folder/name`, with the permissions a normal new
    file gets (the umask applies, unlike `mkstemp`'s 0600)."""
    while True:
        part = folder / f".{name}.{os.getpid()}-{secrets.token_hex(4)}{PART_SUFFIX}"
        try:
            os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            return part
        except FileExistsError:
            continue


def scratch_folder() -> tempfile.TemporaryDirectory[str]:
    """A private temporary folder, removed when its `with` block ends."""
    return tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")


def sweep(folder: Path) -> int:
    """Remove the temporary files and folders in `folder` left by processes now gone."""
    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    for entry in entries:
        owner = _PART.match(entry.name) or _SCRATCH.match(entry.name)
        if owner is None or _alive(int(owner.group(1))):
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
