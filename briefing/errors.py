"""The package's own exceptions: one base class, one subclass per kind of failure.

Engine, encoder and OS errors are converted into these where they enter the package, so the
command line can print one clear line and choose the exit code.
"""

from __future__ import annotations


class BriefingError(Exception):
    """Anything that stops a briefing from being built. The message is for the user."""

    exit_code = 1


class InputError(BriefingError):
    """The article (or an option) cannot be used as given; the user must change it."""

    exit_code = 2


class EngineError(BriefingError):
    """The speech engine failed, is missing, or produced unusable audio."""


class EncoderError(BriefingError):
    """The audio encoder (ffmpeg) failed or is missing."""


class OutputError(BriefingError):
    """The result could not be written (permissions, disk full, bad target path)."""
