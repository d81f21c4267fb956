"""A podcast feed (RSS 2.0 + iTunes + Podcasting 2.0) of the briefings in one directory.

Every audio file in the directory is one episode; its tags (title, recording date, summary
points, cover) and the transcript and chapter files beside it fill in the item. The feed is
rewritten from scratch each time, so it must come out the same for unchanged files: podcast
apps key episodes on the guid and would show duplicates if it drifted.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import re
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from briefing import __version__
from briefing.atomic import write_bytes
from briefing.errors import InputError, OutputError
from briefing.publish.cover import IMAGE_SUFFIXES, Cover, parse_cover
from briefing.publish.formats import AUDIO_TYPES
from briefing.publish.tagging import read_tags

FEED_NAME = "feed.xml"


# Sidecar suffix -> (MIME type, rel). rel="captions" tells apps the file is timed and can be
# shown as captions; the plain transcript is only readable text.
TRANSCRIPT_TYPES: dict[str, tuple[str, str | None]] = {
    ".vtt": ("text/vtt", "captions"),
    ".srt": ("application/x-subrip", "captions"),
    ".txt": ("text/plain", None),
}
CHAPTERS_SUFFIX = ".chapters.json"
CHAPTERS_TYPE = "application/json+chapters"

# A cover copied in by the user wins over one extracted from a briefing.
COVER_NAMES = ("cover.png", "cover.jpg", "cover.jpeg")

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"

# Fixed by the Podcasting 2.0 spec, so any tool derives the same podcast:guid from a feed URL.
_PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
# Our own namespace for item guids; changing it would make every app re-download everything.
_ITEM_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "briefing:feed-item")

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")

for _prefix, _uri in (
    ("itunes", ITUNES_NS),
    ("podcast", PODCAST_NS),
    ("atom", ATOM_NS),
    ("content", CONTENT_NS),
):
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class Sidecar:
    """A file beside a briefing that the feed links to (transcript or chapters)."""

    path: Path
    mime: str
    rel: str | None = None


@dataclass(frozen=True)
class Briefing:
    """One episode as read from its audio file and the files beside it."""

    audio: Path
    mime: str
    size: int
    title: str
    artist: str | None
    album: str | None
    published: datetime  # always timezone-aware
    duration: float  # seconds
    points: tuple[str, ...]
    guid: str
    transcripts: tuple[Sidecar, ...]
    chapters: Sidecar | None
    mtime: float
    misdated: bool = False  # its date tag could not be read: dated by its modification time
    language: str | None = None  # ISO 639-1, from the language tag (ID3 TLAN); None if none


@dataclass(frozen=True)
class Channel:
    """What the feed says of the podcast as a whole."""

    base: str
    """Where the folder is published, with one trailing slash; every link is under it."""
    feed_url: str
    """The feed's own address."""
    title: str
    """The podcast's title."""
    description: str
    """The podcast's description."""
    author: str
    """The podcast's author."""
    language: str
    """Its language, as a language tag ("en")."""
    cover: Path | None
    """The artwork file in the folder; None for none."""

    def url(self, path: Path) -> str:
        """The absolute address of a file of the folder."""
        return self.base + quote(path.name, safe="")


@dataclass(frozen=True)
class FeedSummary:
    """What write_feed did, for the command line to report."""

    path: Path
    url: str
    items: int
    cover: Path | None  # None: no cover anywhere, the feed has no artwork
    skipped: tuple[Path, ...]  # audio files mutagen could not read
    misdated: tuple[Path, ...] = ()  # date tag unusable: dated by modification time instead


def write_feed(
    directory: Path,
    base_url: str,
    title: str | None = None,
    *,
    description: str | None = None,
    author: str | None = None,
    language: str | None = None,
) -> FeedSummary:
    """Write DIRECTORY/feed.xml listing every briefing in it, newest first.

    base_url is where DIRECTORY is published (e.g. "http://127.0.0.1:8000/"); every link in
    the feed is absolute under it. title and author default to the album and artist tags of
    the newest briefing; language to the language most of the briefings are tagged with
    (English when none is).
    """
    base = _check_base_url(base_url)
    directory = _check_directory(directory)
    try:
        briefings, skipped = read_briefings(directory)
    except OSError as exc:
        raise InputError(f"Cannot read {directory}: {exc.strerror or exc}") from exc
    if not briefings:
        kinds = ", ".join(AUDIO_TYPES)
        raise InputError(
            f"No briefings ({kinds}) in {directory}: make some there first, "
            "then write the feed again."
        )
    cover = find_cover(directory, briefings)
    feed_path = directory / FEED_NAME
    feed_url = base + quote(FEED_NAME)
    xml = render_feed(briefings, base, directory, cover, title=title, description=description,
                      author=author, language=language)
    _check_well_formed(xml, feed_path)
    write_bytes(feed_path, xml)
    return FeedSummary(
        path=feed_path, url=feed_url, items=len(briefings), cover=cover, skipped=skipped,
        misdated=tuple(briefing.audio for briefing in briefings if briefing.misdated),
    )


def render_feed(
    briefings: Sequence[Briefing],
    base_url: str,
    directory: Path,
    cover: Path | None,
    *,
    title: str | None = None,
    description: str | None = None,
    author: str | None = None,
    language: str | None = None,
) -> bytes:
    """The feed of `briefings` (newest first) published at `base_url`, as bytes.

    The same XML that write_feed writes; the web page renders it on every request, so the
    feed it serves is always current. An empty list gives a channel with no items. title
    and author default to the album and artist tags of the newest briefing; language to the
    language most of the briefings are tagged with (English when none is).
    """
    base = _check_base_url(base_url)
    newest = briefings[0] if briefings else None
    channel = Channel(
        base=base,
        feed_url=base + quote(FEED_NAME),
        title=title or (newest and newest.album) or directory.resolve().name or "Briefings",
        description=description or "Spoken news briefings, made offline.",
        # A briefing of a web article carries its byline as artist: that names the item,
        # not the podcast.
        author=author or "briefing",
        language=language or _main_language(briefings),
        cover=cover,
    )
    return _render(channel, briefings)


def _main_language(briefings: Sequence[Briefing]) -> str:
    tagged = Counter(b.language for b in briefings if b.language)
    return tagged.most_common(1)[0][0] if tagged else "en"


def read_briefings(directory: Path) -> tuple[list[Briefing], tuple[Path, ...]]:
    """Every briefing in directory (newest first) and the audio files that could not be read."""
    briefings: list[Briefing] = []
    skipped: list[Path] = []
    for path in sorted(directory.iterdir()):
        # Dot files include our own half-written temporary files.
        if path.name.startswith(".") or path.suffix.lower() not in AUDIO_TYPES:
            continue
        if not path.is_file():
            continue
        briefing = read_briefing(path)
        if briefing is None:
            skipped.append(path)
        else:
            briefings.append(briefing)
    # The file name breaks ties so equal dates still give the same order on every rewrite.
    briefings.sort(key=lambda b: (b.published, b.mtime, b.audio.name), reverse=True)
    return briefings, tuple(skipped)


def read_briefing(path: Path) -> Briefing | None:
    """The briefing in one audio file, or None if mutagen cannot read it."""
    tags = read_tags(path)
    if tags is None:
        return None
    try:
        stat = path.stat()
        guid = _item_guid(path, tags.date)
    except OSError:
        return None
    published = _parse_date(tags.date) if tags.date else None
    misdated = bool(tags.date) and published is None
    if published is None:
        published = datetime.fromtimestamp(stat.st_mtime, tz=UTC)
    points = tuple(line.strip() for line in (tags.comment or "").splitlines() if line.strip())
    return Briefing(
        audio=path,
        mime=AUDIO_TYPES[path.suffix.lower()],
        size=stat.st_size,
        title=tags.title or path.stem,
        artist=tags.artist,
        album=tags.album,
        published=published,
        duration=tags.duration,
        points=points,
        guid=guid,
        transcripts=_transcripts(path),
        chapters=_chapters(path),
        mtime=stat.st_mtime,
        misdated=misdated,
        language=tags.language,
    )


def find_cover(directory: Path, briefings: Sequence[Briefing]) -> Path | None:
    """The feed's artwork: a cover file in directory, else the newest embedded picture.

    The embedded picture is written out as DIRECTORY/cover.png or .jpg because directories
    want the artwork at its own URL, not inside an episode.
    """
    for name in COVER_NAMES:
        candidate = directory / name
        if candidate.is_file():
            return candidate
    for briefing in briefings:
        cover = embedded_cover(briefing.audio)
        if cover is not None:
            target = directory / f"cover{IMAGE_SUFFIXES[cover.mime]}"
            write_bytes(target, cover.data)
            return target
    return None


def embedded_cover(path: Path) -> Cover | None:
    """The front cover embedded in an audio file, if it is a well-formed PNG or JPEG."""
    tags = read_tags(path)
    for data in tags.pictures if tags is not None else ():
        with contextlib.suppress(InputError):
            return parse_cover(data, str(path))
    return None


def _check_base_url(base_url: str) -> str:
    """The base URL with exactly one trailing slash, or InputError if it is unusable."""
    text = base_url.strip()
    try:
        parts = urlsplit(text)
        _ = parts.port  # raises ValueError for a non-numeric or out-of-range port
    except ValueError:
        raise InputError(f"Bad base URL {base_url!r}: give e.g. http://127.0.0.1:8000/") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(
            f"Bad base URL {base_url!r}: it must start with http:// or https:// and name a host."
        )
    if parts.query or parts.fragment or re.search(r"\s", text) or _UNSAFE_TEXT.search(text):
        raise InputError(
            f"Bad base URL {base_url!r}: no spaces, control characters, '?' or '#'; give the "
            "directory's address."
        )
    if parts.username is not None or parts.password is not None:
        raise InputError(
            "Bad base URL: it holds a user name or password, which the feed would publish; "
            "give the address without them."
        )
    # Published as a URL must be: non-ASCII letters and the like percent-encoded (and "%"
    # sequences already there kept), the host in its ASCII (IDNA) form.
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise InputError(f"Bad base URL {base_url!r}: the host name is not valid.") from None
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    path = quote(parts.path, safe="/%:@!$&'()*+,;=~")
    return f"{parts.scheme}://{netloc}{path}".rstrip("/") + "/"


def _check_directory(directory: Path) -> Path:
    if not directory.exists():
        raise InputError(
            f"{directory} does not exist: make briefings into it first, then write the feed."
        )
    if not directory.is_dir():
        raise InputError(f"{directory} is not a directory: give the folder of briefings.")
    return directory


def _parse_date(text: str) -> datetime | None:
    """A tag date as an aware datetime; dates without a zone are the local time they were made."""
    try:
        try:
            value = datetime.fromisoformat(text.strip())
        except ValueError:
            match = _PARTIAL_DATE.match(text.strip())
            if match is None:
                return None
            value = datetime(int(match[1]), int(match[2] or 1), 1)  # "2024-13", "0000": odd
        if value.tzinfo is None:
            value = value.astimezone()
        # Years a podcast date can name: RFC 822 dates and apps start at 1970.
        if not 1970 <= value.astimezone(UTC).year <= 9999:
            return None
        return value
    except (ValueError, OverflowError):  # a year 1 date shifted out of range by its zone
        return None


def _item_guid(path: Path, date_tag: str | None) -> str:
    """A guid that stays the same while the episode does.

    The file name plus the recording date identify an episode: rewriting tags keeps the guid,
    a briefing regenerated under the same name gets a new date and so a new guid. Without a
    date, the content hash stands in. The base URL is left out so moving the feed to another
    host does not make apps download every episode again.
    """
    identity = date_tag.strip() if date_tag else _content_hash(path)
    return str(uuid.uuid5(_ITEM_GUID_NAMESPACE, f"{path.name}\n{identity}"))


def _content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _transcripts(audio: Path) -> tuple[Sidecar, ...]:
    found = []
    for suffix, (mime, rel) in TRANSCRIPT_TYPES.items():
        candidate = audio.with_suffix(suffix)
        if candidate.is_file():
            found.append(Sidecar(path=candidate, mime=mime, rel=rel))
    return tuple(found)


def _chapters(audio: Path) -> Sidecar | None:
    candidate = audio.with_name(audio.stem + CHAPTERS_SUFFIX)
    return Sidecar(path=candidate, mime=CHAPTERS_TYPE) if candidate.is_file() else None


def _format_duration(seconds: float) -> str:
    # Whole seconds: the form Apple recommends, and every app parses it.
    return str(max(1, round(seconds)))


def _render(channel: Channel, briefings: Sequence[Briefing]) -> bytes:
    rss = ET.Element("rss", {"version": "2.0"})
    element = ET.SubElement(rss, "channel")
    _add(element, "title", channel.title)
    _add(element, "link", channel.base)
    _add(element, "description", channel.description)
    _add(element, "language", channel.language)
    _add(element, "generator", f"briefing {__version__}")
    # The newest episode's date rather than now, so an unchanged directory gives an identical
    # file (and HTTP caches and conditional requests keep working).
    if briefings:
        _add(element, "lastBuildDate", format_datetime(briefings[0].published))
    _add(element, f"{{{ATOM_NS}}}link", href=channel.feed_url, rel="self",
         type="application/rss+xml")
    _add(element, f"{{{ITUNES_NS}}}author", channel.author)
    _add(element, f"{{{ITUNES_NS}}}summary", channel.description)
    _add(element, f"{{{ITUNES_NS}}}type", "episodic")
    _add(element, f"{{{ITUNES_NS}}}explicit", "false")
    # "text" is an attribute here, which _add's keyword arguments cannot express.
    ET.SubElement(element, f"{{{ITUNES_NS}}}category", {"text": "News"})
    if channel.cover is not None:
        _add(element, f"{{{ITUNES_NS}}}image", href=channel.url(channel.cover))
        image = ET.SubElement(element, "image")
        _add(image, "url", channel.url(channel.cover))
        _add(image, "title", channel.title)
        _add(image, "link", channel.base)
    _add(element, f"{{{PODCAST_NS}}}guid", _podcast_guid(channel.feed_url))
    for briefing in briefings:
        _add_item(element, channel, briefing)
    ET.indent(rss, space="  ")
    document: bytes = ET.tostring(rss, encoding="utf-8", xml_declaration=True)
    return document + b"\n"


def _add_item(parent: ET.Element, channel: Channel, briefing: Briefing) -> None:
    item = ET.SubElement(parent, "item")
    _add(item, "title", briefing.title)
    # RSS readers take a description as HTML: escaped once more, "Point <b>" stays text.
    _add(item, "description",
         html.escape("\n".join(briefing.points) or briefing.title, quote=False))
    if briefing.points:
        listing = "".join(f"<li>{html.escape(point)}</li>" for point in briefing.points)
        _add(item, f"{{{CONTENT_NS}}}encoded", f"<ul>{listing}</ul>")
    if briefing.artist and briefing.artist != channel.author:
        _add(item, f"{{{ITUNES_NS}}}author", briefing.artist)  # the article's byline
    _add(item, "guid", briefing.guid, isPermaLink="false")
    _add(item, "pubDate", format_datetime(briefing.published))
    _add(item, "enclosure", url=channel.url(briefing.audio), length=str(briefing.size),
         type=briefing.mime)
    _add(item, f"{{{ITUNES_NS}}}duration", _format_duration(briefing.duration))
    _add(item, f"{{{ITUNES_NS}}}episodeType", "full")
    for transcript in briefing.transcripts:
        attrs = {"url": channel.url(transcript.path), "type": transcript.mime,
                 "language": briefing.language or channel.language}
        if transcript.rel:
            attrs["rel"] = transcript.rel
        _add(item, f"{{{PODCAST_NS}}}transcript", **attrs)
    if briefing.chapters is not None:
        _add(item, f"{{{PODCAST_NS}}}chapters", url=channel.url(briefing.chapters.path),
             type=briefing.chapters.mime)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """A child element; its text and attributes cleaned of what XML 1.0 cannot hold."""
    element = ET.SubElement(parent, tag, {key: _xml_text(value) for key, value in attrs.items()})
    if text is not None:
        element.text = _xml_text(text)
    return element


# What an XML 1.0 document cannot hold (C0 controls but tab and newlines, lone surrogates,
# U+FFFE/U+FFFF), and the C1 controls no reader wants either. A title tag with BEL or ESC
# in one third-party file would otherwise make the feed unreadable to every subscriber.
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _UNSAFE_TEXT.sub("", text)


def _check_well_formed(xml: bytes, target: Path) -> None:
    """Refuse to publish a feed that an XML parser rejects: the old one stays in place."""
    try:
        ET.fromstring(xml)
    except ET.ParseError as error:
        raise OutputError(f"the feed for {target} came out malformed ({error}); the old "
                          "feed was left in place") from None


def _podcast_guid(feed_url: str) -> str:
    parts = urlsplit(feed_url)
    return str(uuid.uuid5(_PODCAST_GUID_NAMESPACE, (parts.netloc + parts.path).rstrip("/")))
