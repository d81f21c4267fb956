"""Build one briefing per article, several at once; one failure never stops the rest.

Each article is built in a child process of its own (see `isolation`), so a crash or an
error in one is reported for that article while the others finish. The Dask back end
(`cluster`) shares everything here but the pool: finding and planning the articles, and
`build_article`, the build of one article that never raises for a bad one.
"""

from __future__ import annotations

import contextlib
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from briefing import atomic, pipeline
from briefing.errors import InputError
from briefing.model import Article
from briefing.publish import fileset
from briefing.read.document import parse_bytes, read_bytes
from briefing.speech.isolation import Task, run_concurrently

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".json")


def read_article(path: Path) -> Article:
    """The article at `path` (InputError if it cannot be read)."""
    return Article(str(path), read_bytes(str(path)))


@dataclass(frozen=True)
class Attempt:
    """How the build of one article went."""

    files: tuple[Path, ...]
    """Every file written, the audio first; empty when it failed."""
    error: str | None
    """Why it failed, in one line; None when it was built."""
    seconds: float
    """How long it took."""


@dataclass(frozen=True)
class ArticleResult:
    """How one article of a batch went."""

    article: Path
    """The article read."""
    target: Path
    """The audio file it was (or would have been) built into."""
    error: str | None
    """Why it failed; None when it was built."""
    seconds: float
    """How long it took."""


def find_articles(paths: list[str]) -> list[Path]:
    """The articles named: files as given, folders by their article files (not recursive).

    Transcripts and chapters that briefing wrote into a folder (as its manifests record)
    are its output, never input.
    """
    articles: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            ours = fileset.ours_in(path)  # a batch into its own folder, run again
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
                           and not p.name.startswith(".") and p not in ours)
            if not found:
                raise InputError(f"{name} holds no articles (*{', *'.join(ARTICLE_SUFFIXES)})")
            articles += found
        elif path.is_file():
            articles.append(path)
        else:
            raise InputError(f"{name} does not exist: check the path")
    return articles


def plan(articles: list[Path], output: Path, options: pipeline.BuildOptions,
         force: bool) -> list[Path]:
    """The target of each article in `output`; refuses clashes and files not ours."""
    suffix = "." + options.encoding.format.name
    targets = [output / f"{article.stem}{suffix}" for article in articles]
    seen: dict[Path, Path] = {}
    for article, target in zip(articles, targets, strict=True):
        if target in seen:
            raise InputError(f"{seen[target]} and {article} would both be built into "
                             f"{target}: rename one of them")
        seen[target] = article
        files = pipeline.planned_files(target, options, [str(article)])
        pipeline.check_targets(files, [str(a) for a in articles], force)
    return targets


def run_batch(
    articles: list[Path],
    targets: list[Path],
    options: pipeline.BuildOptions,
    jobs: int,
    on_result: Callable[[ArticleResult], None] | None = None,
    force: bool = False,
) -> list[ArticleResult]:
    """Build every article into its target, `jobs` at a time; results in article order."""
    # Parallel over articles, one synthesis job inside each: a whole build per core keeps
    # both the engine and the encoder busy, where segment parallelism would leave the
    # encoder's turn single-threaded.
    inner = replace(options, jobs=1)
    queue = deque(Task(_build_one, (article, target, inner, force), key=i)
                  for i, (article, target) in enumerate(zip(articles, targets, strict=True)))
    results: list[ArticleResult | None] = [None] * len(articles)
    try:
        with contextlib.closing(run_concurrently(queue, jobs)) as outcomes:
            for task, outcome in outcomes:
                index = task.key
                if outcome.ok:
                    result = outcome.value
                else:
                    result = ArticleResult(articles[index], targets[index], outcome.error, 0.0)
                results[index] = result
                if on_result is not None:
                    on_result(result)
    finally:
        # Closing the outcomes killed any build still running (Ctrl-C, SIGTERM, an error
        # here): what those builds had half-written goes now, not at some later build.
        for folder in {*(target.parent for target in targets), Path(tempfile.gettempdir())}:
            atomic.sweep(folder)
    return [result for result in results if result is not None]


def build_article(
    article: Article | Path, target: Path, options: pipeline.BuildOptions,
    voices: pipeline.Voices | None = None, force: bool = False,
) -> Attempt:
    """Build `article` (read from its path first, if given one) into `target`.

    A bad article is this article's failure, not the batch's: whatever goes wrong comes back
    as the attempt's error, never as an exception. `voices`: engines prepared already.
    """
    started = time.perf_counter()
    try:
        if isinstance(article, Path):
            article = read_article(article)
        documents = parse_bytes(article.data, article.name)
        files = pipeline.build(documents, target, options, voices=voices,
                               force=force).files
        error = None
    except Exception as failure:  # reported per article; the batch goes on
        files, error = (), str(failure) or type(failure).__name__
    return Attempt(files, error, time.perf_counter() - started)


def _build_one(article: Path, target: Path, options: pipeline.BuildOptions,
               force: bool) -> ArticleResult:
    attempt = build_article(article, target, options, force=force)
    return ArticleResult(article, target, attempt.error, attempt.seconds)
