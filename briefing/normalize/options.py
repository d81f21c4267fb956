"""How to normalize: the settings a build carries to the normalizer.

Apart from `normalizer`, whose rules compile at import (~50 ms): a build's options name them
before anything is normalized, and a command line whose script is made in another process
(`read.ahead`) never loads the rules at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefing.normalize.lexicon import Lexicon


@dataclass(frozen=True)
class NormalizeOptions:
    """How to normalize. The defaults suit reading a news article aloud."""

    lexicon: Lexicon | None = None
    """The user's pronunciation lexicon, applied first, to whole words."""
    drop_urls: bool = False
    """Leave web and e-mail addresses out (by default they are read compactly)."""
    language: str = "en"
    """ISO 639 code; other languages than English use `normalize.lang`'s rules."""
