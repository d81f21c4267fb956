"""The package's own exceptions: one base class, one subclass per kind of failure.

Engine, encoder and OS errors are converted into these where they enter the package, so the
command line can print one clear line and choose the exit code.
"""

from __future__ import annotations


class BriefingError(Exception):
    """Anything that stops a briefing from being built. The message is for the user.

    The message speaks the library's terms ("the rate", "the voice model"), never one front
    end's (a flag, a form field): `setting` names what it is about, so the command line can
    point at its flag and a web form at its field.
    """

    exit_code = 1

    def __init__(self, message: str, *, setting: str | None = None) -> None:
        super().__init__(message)
        self.setting = setting
        """The setting or input the error is about (a `BuildOptions` field such as "rate",
        "voice_model", or "output", "title", "force"); None when it is about none."""


class InputError(BriefingError):
    """The article (or an option) cannot be used as given; the user must change it."""

    exit_code = 2


class EngineError(BriefingError):
    """The speech engine failed, is missing, or produced unusable audio."""


class EncoderError(BriefingError):
    """The audio encoder (ffmpeg) failed or is missing."""


class OutputError(BriefingError):
    """The result could not be written (permissions, disk full, bad target path)."""


class FetchError(InputError):
    """A web address could not be read within the limits: refused, missing, too big, too
    slow, not a page. The user must change the address (or save the page and pass the file)."""


class ClusterError(BriefingError):
    """A Dask cluster cannot run the batch: Dask missing, the scheduler unreachable or lost."""
