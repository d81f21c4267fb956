"""The page's HTML: plain, escaped, server-rendered; listening and downloading need no script.

Everything a person sees is here, as small functions returning text. `page.js` only adds
to it: progress that streams, chapters and transcript lines that seek, the sentence being
spoken highlighted and kept in view.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

from briefing.page.builds import Build
from briefing.publish.feed import Briefing


@dataclass(frozen=True)
class TimedText:
    """A span of the programme: a chapter, or one cue (a sentence) of the transcript."""

    start: float
    """Start, in seconds."""
    end: float
    """End, in seconds."""
    text: str
    """Its title or words."""


@dataclass(frozen=True)
class Voice:
    """One voice the form offers (`briefing voices`)."""

    id: str
    """What the engine takes."""
    name: str
    """What a person reads."""


_CUE_TIME = re.compile(r"^(\d+):(\d{2}):(\d{2})\.(\d{3}) --> (\d+):(\d{2}):(\d{2})\.(\d{3})")


def read_cues(vtt: Path) -> list[TimedText]:
    """The cues of a WebVTT file as briefing writes it (one line of text per cue)."""
    try:
        lines = vtt.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    cues = []
    for index, line in enumerate(lines):
        match = _CUE_TIME.match(line)
        if match and index + 1 < len(lines):
            numbers = [int(part) for part in match.groups()]
            # Whole milliseconds first, then one division: 29.798 s, not 29.798000000000002
            # (which the page would show and compare as another time than the file's).
            start = ((numbers[0] * 60 + numbers[1]) * 60 + numbers[2]) * 1000 + numbers[3]
            end = ((numbers[4] * 60 + numbers[5]) * 60 + numbers[6]) * 1000 + numbers[7]
            text = lines[index + 1].replace("&lt;", "<").replace("&gt;", ">")
            cues.append(TimedText(start / 1000, end / 1000, text.replace("&amp;", "&")))
    return cues


def read_chapters(path: Path | None) -> list[TimedText]:
    """The chapters of a Podcasting 2.0 JSON chapters file."""
    if path is None:
        return []
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return [TimedText(float(item["startTime"]), float(item.get("endTime") or 0),
                          str(item.get("title", ""))) for item in document["chapters"]]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def layout(title: str, body: str, *, head: str = "") -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · briefing</title>
<link rel="stylesheet" href="/static/page.css">{head}
<script src="/static/page.js" defer></script>
</head><body>
<header><a class="home" href="/">briefing</a>
<nav><a href="/">Library</a> <a href="/new">New briefing</a> <a href="/feed.xml">Feed</a></nav>
</header>
<main>
{body}
</main>
</body></html>
"""


def library_page(briefings: tuple[Briefing, ...], builds: list[Build], feed_url: str) -> str:
    cards = "\n".join(_card(item) for item in briefings) or (
        '<p class="empty">No briefings here yet. <a href="/new">Make the first one</a>.</p>')
    active = [build for build in builds if not build.finished]
    building = ""
    if active:
        items = "".join(f'<li><a href="/builds/{build.id}">{escape(_build_title(build))}</a>: '
                        f'{escape(build.label)}</li>' for build in active)
        building = f'<section class="builds"><h2>Building</h2><ul>{items}</ul></section>'
    return layout("Library", f"""<h1>Library</h1>
<p class="feed">Podcast feed: <input id="feed-url" readonly value="{escape(feed_url)}">
<button type="button" data-copy="feed-url" hidden>Copy</button></p>
{building}
<ul class="library">
{cards}
</ul>""")


def _card(item: Briefing) -> str:
    name = quote(item.audio.name)
    return (f'<li><a href="/b/{name}"><img src="/art/{name}" alt="" width="72" height="72" '
            f'loading="lazy"><span class="title">{escape(item.title)}</span></a>'
            f'<span class="meta">{_date(item.published)} · {_duration(item.duration)}</span>'
            "</li>")


def new_page(token: str, voices: list[Voice], engines: list[str], error: str = "",
             limit_mb: int = 5) -> str:
    options = "".join(f'<option value="{escape(voice.id)}">{escape(voice.id)} · '
                      f"{escape(voice.name)}</option>" for voice in voices)
    engine_options = "".join(f'<option value="{escape(name)}">{escape(name)}</option>'
                             for name in engines)
    shown_error = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return layout("New briefing", f"""<h1>New briefing</h1>
{shown_error}
<form class="new" method="post" action="/builds" enctype="multipart/form-data">
<input type="hidden" name="token" value="{escape(token)}">
<label>Paste the article<textarea name="text" rows="10"
 placeholder="Summary points, one sentence a line; then the story."></textarea></label>
<div class="drop" data-drop>or drop a file here (.txt, .md, .json, .html), or
<input type="file" name="file" accept=".txt,.md,.markdown,.json,.html,.htm,text/*"></div>
<label>or give its address<input type="url" name="url" placeholder="https://…"></label>
<label>Title<input name="title" maxlength="200" placeholder="the article's own"></label>
<div class="row"><label>Engine<select name="engine">{engine_options}</select></label>
<label>Voice<select name="voice"><option value="">the engine's default</option>{options}
</select></label>
<label>Rate<input type="number" name="rate" value="175" min="80" max="450"> words/min</label>
</div>
<p class="hint">Articles up to {limit_mb} MB.</p>
<button type="submit">Build</button>
</form>""")


def build_page(build: Build, token: str) -> str:
    """A build's progress (a done build's page redirects to the briefing instead)."""
    if build.state == "failed":
        status = f'<p class="error" role="alert">{escape(build.message)}</p>'
    elif build.state == "cancelled":
        status = '<p class="error">Cancelled; nothing was written.</p>'
    else:
        status = f'<p class="warning">{escape(build.message)}</p>' if build.message else ""
    cancel = "" if build.finished else f"""<form method="post" action="/builds/{build.id}/cancel">
<input type="hidden" name="token" value="{escape(token)}">
<button type="submit" class="cancel">Cancel</button></form>"""
    fraction = build.done / build.total if build.total else 0
    # Without script, the page reloads itself until the build ends.
    head = ("" if build.finished
            else '\n<noscript><meta http-equiv="refresh" content="2"></noscript>')
    stage = build.label if not build.finished else build.state.capitalize()
    return layout(f"Building {_build_title(build)}", f"""<h1>{escape(_build_title(build))}</h1>
<section class="progress" data-build="{build.id}" data-state="{build.state}">
<p class="stage" aria-live="polite">{escape(stage)}</p>
<progress max="1" value="{fraction:.3f}"></progress>
<div class="status">{status}</div>
{cancel}
</section>
<p class="hint">The briefing opens here when it is ready. You can leave this page: the build
goes on, and the library links back to it.</p>""", head=head)


def briefing_page(item: Briefing, chapters: list[TimedText], cues: list[TimedText],
                  token: str) -> str:
    name = quote(item.audio.name)
    vtt = next((side for side in item.transcripts if side.path.suffix == ".vtt"), None)
    track = (f'<track kind="captions" src="/{quote(vtt.path.name)}" srclang="en" '
             'label="Transcript" default>') if vtt else ""
    chapter_items = "".join(
        f'<li><a href="/{name}#t={chapter.start:.3f}" data-start="{chapter.start:.3f}">'
        f'{escape(chapter.text)}</a> <span class="meta">{_clock(chapter.start)}</span></li>'
        for chapter in chapters)
    transcript = "".join(
        f"<h3>{escape(heading)}</h3><p>" + "".join(
            f'<span class="cue" data-start="{cue.start:.3f}" data-end="{cue.end:.3f}">'
            f"{escape(cue.text)}</span> " for cue in part) + "</p>"
        for heading, part in _by_chapter(cues, chapters))
    points = "".join(f"<li>{escape(point)}</li>" for point in item.points)
    downloads = [(item.audio.name, f"Audio ({item.audio.suffix[1:].upper()}, "
                  f"{item.size / 1e6:.1f} MB)")]
    downloads += [(side.path.name, side.path.suffix[1:].upper()) for side in item.transcripts]
    if item.chapters is not None:
        downloads.append((item.chapters.path.name, "Chapters (JSON)"))
    download_items = "".join(f'<li><a href="/{quote(file)}" download>{escape(label)}</a></li>'
                             for file, label in downloads)
    return layout(item.title, f"""<h1>{escape(item.title)}</h1>
<p class="meta">{_date(item.published)} · {_duration(item.duration)}</p>
<audio controls preload="metadata" src="/{name}" data-duration="{item.duration:.3f}">{track}
<a href="/{name}">Download the audio</a></audio>
<div class="columns"><div>
{f'<h2>Chapters</h2><ol class="chapters">{chapter_items}</ol>' if chapters else ""}
{f'<h2>Summary</h2><ul class="points">{points}</ul>' if points else ""}
<h2>Downloads</h2><ul class="downloads">{download_items}</ul>
<form method="post" action="/b/{name}/delete" class="delete">
<input type="hidden" name="token" value="{escape(token)}">
<button type="submit" data-confirm="Delete this briefing and its files?">Delete</button></form>
</div>
{_section("transcript", "Transcript", f'<div class="scroll">{transcript}</div>') if cues else ""}
</div>""")


def _section(kind: str, heading: str, content: str) -> str:
    return f'<section class="{kind}"><h2>{escape(heading)}</h2>{content}</section>'


def _by_chapter(cues: list[TimedText],
                chapters: list[TimedText]) -> list[tuple[str, list[TimedText]]]:
    """The cues in one paragraph per chapter, under its title (one untitled paragraph when
    there are no chapters)."""
    if not chapters:
        return [("", cues)] if cues else []
    parts: list[tuple[str, list[TimedText]]] = [(chapter.text, []) for chapter in chapters]
    starts = [chapter.start for chapter in chapters]
    for cue in cues:
        index = max(0, bisect.bisect_right(starts, cue.start + 0.0005) - 1)
        parts[index][1].append(cue)
    return [(title, part) for title, part in parts if part]


def message_page(title: str, message: str) -> str:
    return layout(title, f'<h1>{escape(title)}</h1><p class="error" role="alert">'
                         f'{escape(message)}</p><p><a href="/">Back to the library</a></p>')


def _build_title(build: Build) -> str:
    return build.spec.title or build.target.rsplit(".", 1)[0]


def _date(moment: datetime) -> str:
    return moment.astimezone().strftime("%d %b %Y, %H:%M")


def _duration(seconds: float) -> str:
    return _clock(seconds)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    minutes, rest = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"
