"""Build one briefing per article, several at once; one failure never stops the rest.

Each article is built in a child process of its own (see `isolation`), so a crash or an
error in one is reported for that article while the others finish. The Dask back end
(`cluster`) shares everything here but the pool: finding and planning the articles, and
`build_article`, the build of one article that never raises for a bad one.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from briefing import atomic, pipeline
from briefing.errors import BriefingError, InputError
from briefing.model import Article, Document
from briefing.publish import fileset
from briefing.read.document import parse_bytes, read_bytes, read_fetched, to_json
from briefing.read.feeds import FeedState, item_slug
from briefing.read.fetch import Fetched, Validators
from briefing.read.sources import FEED_SUFFIXES, ReadOptions, is_url
from briefing.read.web import Warn, read_feed_for_batch
from briefing.speech.isolation import Task, run_concurrently

ARTICLE_SUFFIXES = (".txt", ".md", ".markdown", ".json", ".html", ".htm")


def read_article(article: Path | Document) -> Article:
    """The article at `article`'s path (InputError if it cannot be read); a feed's item, read
    already, as briefing's JSON."""
    if isinstance(article, Document):
        data = json.dumps(to_json(article), ensure_ascii=False).encode("utf-8")
        return Article(str(article_name(article)), data, suffix=".json")
    return Article(str(article), read_bytes(str(article)))


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

    article: Path | str
    """The article read: its file, or its address (a feed item's link, or the feed's)."""
    target: Path
    """The audio file it was (or would have been) built into."""
    error: str | None
    """Why it failed; None when it was built."""
    seconds: float
    """How long it took."""


@dataclass(frozen=True)
class WebArticle:
    """An article of a batch read from the web (a feed's item, or a page) in the parent."""

    name: str
    """How to name it in reports: its address, or the feed and the item's title."""
    target: Path
    """The audio file to build."""
    document: Document | None
    """The article; None when it could not be read."""
    error: str | None
    """Why it could not be read."""
    feed: str | None = None
    """The feed it came from (its URL or path), to record in the state when built."""
    item_id: str | None = None
    """Its id in that feed."""


@dataclass(frozen=True)
class FeedPlan:
    """What a batch does with its feeds: their new items, and the state to keep afterwards."""

    articles: tuple[WebArticle, ...]
    """Every item to build (or report as unreadable), feed by feed."""
    state: FeedState
    """The output folder's feed state, updated as items are built (`record_built`)."""
    unchanged: tuple[str, ...]
    """Feeds that had nothing new (unchanged since the last run, or every item built)."""


def is_web_source(name: str) -> bool:
    """Whether a batch source is read in the parent: a URL or a feed file."""
    if is_url(name):
        return True
    path = Path(name)
    return path.is_file() and path.suffix.lower() in FEED_SUFFIXES


def plan_feeds(sources: list[str], output: Path, suffix: str, options: ReadOptions,
               warn: Warn | None = None) -> FeedPlan:
    """Read every web source's new articles, fetching at most `limits.concurrent` at once.

    A feed's items already built into `output` (its state file says) are skipped unfetched;
    a URL feed is asked for conditionally. A page URL is one article. A source that cannot
    be read at all raises (InputError: one line); an item that cannot is kept as its error.
    """
    state = FeedState.load(output)
    articles: list[WebArticle] = []
    unchanged: list[str] = []
    taken: set[str] = set()
    for source in sources:
        etag, modified = state.validators(source)
        validators = Validators(etag, modified) if (etag or modified) else None
        read = read_feed_for_batch(source, options, state.seen(source), validators, warn)
        if read.page is not None:
            articles.append(_page_article(read.page, output, suffix, options, warn, taken))
            continue
        if not read.items:
            unchanged.append(source)
        for item, result in zip(read.items, read.results, strict=True):
            name = item_slug(item)
            taken.add(name)
            target = output / f"{name}{suffix}"
            label = item.link or f"{source} item {item.title or item.id!r}"
            if isinstance(result, BriefingError):
                articles.append(WebArticle(label, target, None, str(result), source, item.id))
            else:
                articles.append(WebArticle(label, target, result, None, source, item.id))
        if read.fetched is not None and all(isinstance(r, Document) for r in read.results):
            state.remember(source, read.fetched.etag, read.fetched.last_modified)
    return FeedPlan(tuple(articles), state, tuple(unchanged))


def _page_article(page: Fetched, output: Path, suffix: str, options: ReadOptions,
                  warn: Warn | None, taken: set[str]) -> WebArticle:
    from urllib.parse import urlsplit

    url = page.url
    stem = Path(urlsplit(url).path).stem or urlsplit(url).hostname or "page"
    while stem in taken:
        stem += "-2"
    taken.add(stem)
    target = output / f"{stem}{suffix}"
    try:
        documents = read_fetched(page, warn, options)
    except BriefingError as error:
        return WebArticle(url, target, None, str(error))
    return WebArticle(url, target, documents[0], None)


def check_web_targets(articles: list[WebArticle], options: pipeline.BuildOptions,
                      force: bool) -> None:
    """Refuse to overwrite files at the web articles' targets that briefing did not write."""
    for article in articles:
        pipeline.check_targets(pipeline.planned_files(article.target, options, []), [], force)


def record_built(plan: FeedPlan, results: list[ArticleResult]) -> None:
    """Note in the state every feed item built without error, and write the state file."""
    from briefing.atomic import write_bytes

    built = {str(result.target) for result in results if result.error is None}
    for article in plan.articles:
        if article.feed and article.item_id and str(article.target) in built:
            plan.state.record(article.feed, article.item_id, article.target.name)
    if plan.state.feeds:
        write_bytes(plan.state.path, plan.state.to_json().encode("utf-8"))


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
    articles: list[Path | Document],
    targets: list[Path],
    options: pipeline.BuildOptions,
    jobs: int,
    on_result: Callable[[ArticleResult], None] | None = None,
    force: bool = False,
) -> list[ArticleResult]:
    """Build every article (a file to read, or a Document read already) into its target,
    `jobs` at a time; results in article order."""
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
                    result = ArticleResult(article_name(articles[index]), targets[index],
                                           outcome.error, 0.0)
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
    article: Article | Path | Document, target: Path, options: pipeline.BuildOptions,
    voices: pipeline.Voices | None = None, force: bool = False,
) -> Attempt:
    """Build `article` (read from its path first, if given one; a feed's item comes read)
    into `target`.

    A bad article is this article's failure, not the batch's: whatever goes wrong comes back
    as the attempt's error, never as an exception. `voices`: engines prepared already.
    """
    started = time.perf_counter()
    try:
        if isinstance(article, Document):
            documents = [article]
        else:
            if isinstance(article, Path):
                article = read_article(article)
            documents = parse_bytes(article.data, article.name, suffix=article.suffix)
        files = pipeline.build(documents, target, options, voices=voices,
                               force=force).files
        error = None
    except Exception as failure:  # reported per article; the batch goes on
        files, error = (), str(failure) or type(failure).__name__
    return Attempt(files, error, time.perf_counter() - started)


def _build_one(article: Path | Document, target: Path, options: pipeline.BuildOptions,
               force: bool) -> ArticleResult:
    attempt = build_article(article, target, options, force=force)
    return ArticleResult(article_name(article), target, attempt.error, attempt.seconds)


def article_name(article: Path | Document) -> Path | str:
    """How to name an article in messages: its path, or a feed item's address."""
    return article.url or article.source if isinstance(article, Document) else article
