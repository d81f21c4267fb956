"""The page's routes, on Starlette: the library, a briefing's page, the form, builds, files.

Reading is open to whoever can reach the server (podcast apps need the feed and the audio);
every request that acts (build, cancel, delete) must carry the page's token and come from
the page's own origin, so a page from another site cannot drive the server; and, when the
server listens beyond loopback, a client on another host must also hold the access token
printed at start (kept in a cookie once the printed link is opened).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import ipaddress
import json
import re
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from briefing.errors import BriefingError
from briefing.page import views
from briefing.page.builds import STATE_FOLDER, UPLOAD_LIMIT, BuildQueue, BuildSpec, list_voices
from briefing.page.library import LibraryReader
from briefing.publish.feed import render_feed
from briefing.publish.fileset import manifest_path
from briefing.publish.formats import AUDIO_TYPES
from briefing.speech.engines import ENGINES

STATIC = Path(__file__).with_name("static")
STATIC_FILES = {"page.css": "text/css; charset=utf-8",
                "page.js": "text/javascript; charset=utf-8"}

CONTENT_TYPES: dict[str, str] = {
    **AUDIO_TYPES,
    ".xml": "application/xml; charset=utf-8",
    ".json": "application/json",
    ".srt": "application/x-subrip; charset=utf-8",
    ".vtt": "text/vtt; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}

FORM_OVERHEAD = 64 * 1024
"""Room for the form's other fields and multipart boundaries beside the article."""

ACCESS_COOKIE = "briefing-access"
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}

# A range start or end past 10**18 bytes lies beyond any file; parsing a number of thousands
# of digits would only cost time (and raised in the old server), so such a range is 416.
_HUGE_NUMBER = re.compile(r"\d{19,}")

Log = Callable[[str], None]


@dataclass
class Page:
    """One server's state: its folder, tokens, library reader and build queue."""

    directory: Path
    """The folder of briefings being served."""
    loopback_only: bool = True
    """Listening on loopback only: requests naming another host are refused (this defeats
    DNS rebinding), and no access token is needed."""
    at_once: int = 1
    """Builds run at the same time."""
    on_log: Log | None = None
    """Receives one escaped line per request, and errors."""
    token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    """The page's own token, in every form it serves; required on every action."""
    access_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    """Lets another host act (only asked of clients beyond loopback)."""

    def __post_init__(self) -> None:
        self.library = LibraryReader(self.directory)
        self.queue = BuildQueue(self.directory, self.at_once, changed=self._changed,
                                on_log=self.on_log)
        self._voices: list[views.Voice] | None = None
        self._voices_lock = threading.Lock()
        # Piper is an optional extra: offered only when it is installed.
        self.engines = [name for name in ENGINES
                        if name != "piper" or importlib.util.find_spec("piper")]
        self._loop: asyncio.AbstractEventLoop | None = None
        self._events: dict[str, asyncio.Event] = {}
        self.closing = False
        self.ready = threading.Event()

    def start(self) -> None:
        """Called on the server's event loop as it starts: progress can now be streamed."""
        self._loop = asyncio.get_running_loop()
        self.ready.set()

    def close(self) -> None:
        """Stop the builds (their files are removed) and end every progress stream."""
        self.closing = True
        self.queue.stop()
        for build in self.queue.builds():
            self._changed(build.id)

    def form_voices(self) -> list[views.Voice]:
        """The voices the form offers: asked of a worker process once, when the form is
        first shown (not at start, where it would compete with a first build)."""
        with self._voices_lock:
            if self._voices is None:
                self._voices = []
                with contextlib.suppress(OSError, ValueError):
                    found = list_voices(self.directory / STATE_FOLDER)
                    self._voices = [views.Voice(str(voice.get("id", "")),
                                                str(voice.get("name", ""))) for voice in found]
            return self._voices

    def _changed(self, build_id: str) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._fire, build_id)

    def _fire(self, build_id: str) -> None:
        event = self._events.pop(build_id, None)
        if event is not None:
            event.set()

    async def wait_change(self, build_id: str, seen: int, timeout: float) -> bool:
        """Wait until build `build_id` has a version other than `seen` (True), or until
        `timeout` passes (False)."""
        event = self._events.setdefault(build_id, asyncio.Event())
        if self.queue.get(build_id).version != seen or self.closing:
            return True
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return False
        return True


def make_app(page: Page) -> _Guard:
    """The ASGI application serving `page`."""

    async def library(request: Request) -> Response:
        if _grant_access(request, page):
            return _with_access_cookie(RedirectResponse(request.url.path, 303), page)
        found = page.library.read(page.queue.reserved())
        feed_url = f"{_base_url(request)}feed.xml"
        return HTMLResponse(views.library_page(found.briefings, page.queue.builds(), feed_url))

    async def new(request: Request) -> Response:
        if _grant_access(request, page):
            return _with_access_cookie(RedirectResponse(request.url.path, 303), page)
        error = page.queue.unwritable or ("" if _may_act(request, page) else NO_ACCESS)
        voices = await asyncio.to_thread(page.form_voices)
        return HTMLResponse(views.new_page(page.token, voices, page.engines, error,
                                           UPLOAD_LIMIT // (1024 * 1024)))

    async def create_build(request: Request) -> Response:
        refused = _refusal(request, page)
        if refused:
            return refused
        length = request.headers.get("content-length", "")
        if length and (not length.isdigit() or len(length) > 12
                       or int(length) > UPLOAD_LIMIT + FORM_OVERHEAD):
            return _form_error(page, TOO_LARGE, 413)
        try:
            form = await request.form(max_files=1, max_fields=20,
                                      max_part_size=UPLOAD_LIMIT + FORM_OVERHEAD)
        except _TooLarge:
            return _form_error(page, TOO_LARGE, 413)
        except Exception:  # a malformed body: python-multipart's own errors vary
            return _form_error(page, "the form could not be read: send it again", 400)
        if not secrets.compare_digest(str(form.get("token", "")), page.token):
            return _form_error(page, NO_TOKEN, 403)
        try:
            spec = BuildSpec(title=str(form.get("title", "")).strip()[:200],
                             engine=str(form.get("engine", "pyttsx3")),
                             voice=str(form.get("voice", "")).strip(),
                             rate=_rate(str(form.get("rate", "") or "175")))
            upload, filename, url = await _article(form)
            build = page.queue.submit(spec, upload=upload, filename=filename, url=url)
        except BriefingError as error:
            return _form_error(page, str(error), 400)
        finally:
            await form.close()
        return RedirectResponse(f"/builds/{build.id}", 303)

    async def show_build(request: Request) -> Response:
        build = _build(request, page)
        if build is None:
            return _not_found()
        if build.state == "done":
            # What the page's script does when the build ends; a page loaded after that (a
            # reload, the no-script refresh) goes straight to the briefing too.
            return RedirectResponse(f"/b/{quote(build.target)}", 303)
        return HTMLResponse(views.build_page(build, page.token))

    async def build_events(request: Request) -> Response:
        build = _build(request, page)
        if build is None:
            return _not_found()
        build_id = build.id

        async def stream() -> AsyncIterator[str]:
            seen = -1
            while True:
                current = page.queue.get(build_id)
                if current.version != seen:
                    seen = current.version
                    yield f"event: progress\ndata: {json.dumps(current.event())}\n\n"
                if current.finished or page.closing:
                    return
                if not await page.wait_change(build_id, seen, timeout=15):
                    yield ": still here\n\n"  # lets a gone client be noticed

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    async def cancel_build(request: Request) -> Response:
        refused = await _checked_action(request, page)
        if refused:
            return refused
        build = _build(request, page)
        if build is None:
            return _not_found()
        page.queue.cancel(build.id)
        return RedirectResponse(f"/builds/{build.id}", 303)

    async def show_briefing(request: Request) -> Response:
        found = page.library.read(page.queue.reserved())
        item = found.briefing(request.path_params["name"])
        if item is None:
            return _not_found()
        vtt = next((side.path for side in item.transcripts if side.path.suffix == ".vtt"), None)
        cues = views.read_cues(vtt) if vtt is not None and vtt.name in found.files else []
        chapters = views.read_chapters(item.chapters.path if item.chapters else None)
        return HTMLResponse(views.briefing_page(item, chapters, cues, page.token))

    async def delete_briefing(request: Request) -> Response:
        refused = await _checked_action(request, page)
        if refused:
            return refused
        found = page.library.read(page.queue.reserved())
        item = found.briefing(request.path_params["name"])
        if item is None:
            return _not_found()
        sides = [*item.transcripts, *([item.chapters] if item.chapters else [])]
        for path in [*(side.path for side in sides), item.audio]:
            if path.name in found.files:
                path.unlink(missing_ok=True)
        manifest_path(item.audio).unlink(missing_ok=True)  # the set's record goes with it
        return RedirectResponse("/", 303)

    async def cover_art(request: Request) -> Response:
        found = page.library.read(page.queue.reserved())
        item = found.briefing(request.path_params["name"])
        cover = page.library.cover_of(item) if item is not None else None
        if cover is None:
            return _not_found()
        return Response(cover.data, media_type=cover.mime,
                        headers={"Cache-Control": "max-age=60"})

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC_FILES:
            return _not_found()
        return Response((STATIC / name).read_bytes(), media_type=STATIC_FILES[name],
                        headers={"Cache-Control": "no-cache"})

    async def file(request: Request) -> Response:
        name = request.path_params["name"]
        found = page.library.read(page.queue.reserved())
        if name == "feed.xml":
            base = _base_url(request)
            artwork = page.library.feed_cover(found)
            cover = page.directory / artwork[0] if artwork else None
            xml = render_feed(found.briefings, base, page.directory, cover)
            return Response(xml, media_type=CONTENT_TYPES[".xml"],
                            headers={"Cache-Control": "no-cache"})
        path = found.files.get(name)
        if path is None and name in ("cover.png", "cover.jpg"):
            artwork = page.library.feed_cover(found)
            if artwork and artwork[0] == name and artwork[1] is not None:
                return Response(artwork[1].data, media_type=artwork[1].mime)
        if path is None:
            return _not_found()
        try:
            info = path.lstat()
        except OSError:
            return _not_found()
        suffix = ".json" if name.endswith(".json") else path.suffix.lower()
        range_header = request.headers.get("range", "")
        if _HUGE_NUMBER.search(range_header):
            return Response(status_code=416, headers={"Content-Range": f"bytes */{info.st_size}"})
        return FileResponse(path, stat_result=info,
                            media_type=CONTENT_TYPES.get(suffix, "application/octet-stream"))

    routes = [
        Route("/", library),
        Route("/new", new),
        Route("/builds", create_build, methods=["POST"]),
        Route("/builds/{build_id}", show_build),
        Route("/builds/{build_id}/events", build_events),
        Route("/builds/{build_id}/cancel", cancel_build, methods=["POST"]),
        Route("/b/{name}", show_briefing),
        Route("/b/{name}/delete", delete_briefing, methods=["POST"]),
        Route("/art/{name}", cover_art),
        Route("/static/{name}", static),
        Route("/{name}", file),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        page.start()
        yield
        await asyncio.to_thread(page.close)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.router.redirect_slashes = False  # "/sub/" names nothing: 404, never a redirect
    app.add_exception_handler(404, _on_not_found)
    app.add_exception_handler(405, _on_not_allowed)
    return _Guard(app, page)


NO_TOKEN = ("refused: this request lacks the page's token (reload the page, "
            "then try again)")
NO_ORIGIN = "refused: this request does not come from this page (Origin check)"
NO_ACCESS = ("building from another computer needs the access link printed when the "
             "server started")
TOO_LARGE = f"the article is too large: the page takes articles up to {UPLOAD_LIMIT // 2**20} MB"
WRONG_HOST = "refused: this server answers to its loopback address only (Host check)"


class _TooLarge(Exception):
    """The request body went past the upload limit."""


class _Guard:
    """Around the app: the Host check, the body limit and the escaped request log."""

    def __init__(self, app: Starlette, page: Page) -> None:
        self.app = app
        self.page = page

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[[], Awaitable[Any]],
                       send: Callable[[Any], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        logged = False

        def log(status: object) -> None:
            nonlocal logged
            if self.page.on_log is None or logged:
                return
            logged = True
            client = scope.get("client") or ("-", 0)
            target = scope.get("raw_path", b"").decode("latin-1")
            if scope.get("query_string"):
                # The access token is a secret: the log shows that one was given, not it.
                target += "?" + re.sub(r"(^|&)token=[^&]*", r"\1token=…",
                                       scope["query_string"].decode("latin-1"))
            self.page.on_log(printable(f'{client[0]} "{scope["method"]} {target}" {status}'))

        async def logging_send(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                log(message["status"])  # before the client can see the answer
            await send(message)

        received = 0

        async def limited_receive() -> Any:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > UPLOAD_LIMIT + FORM_OVERHEAD:
                raise _TooLarge
            return message

        try:
            if self.page.loopback_only and not _loopback_host(scope):
                await PlainTextResponse(WRONG_HOST + "\n", 403)(scope, receive, logging_send)
            else:
                await self.app(scope, limited_receive, logging_send)
        finally:
            log("-")  # no answer was sent


def printable(text: str) -> str:
    """`text` with control characters written as escapes, safe to print on a terminal."""
    return "".join(char if char.isprintable() else char.encode("unicode_escape").decode("ascii")
                   for char in text)


async def _article(form: Any) -> tuple[bytes | None, str, str]:
    """The article from the form: an uploaded file, else pasted text, else a URL."""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(UPLOAD_LIMIT + 1)
        return data, upload.filename, ""
    text = str(form.get("text", ""))
    if text.strip():
        return text.encode("utf-8"), "", ""
    url = str(form.get("url", "")).strip()
    return None, "", url


def _rate(value: str) -> int:
    from briefing.errors import InputError

    if not value.strip().isdigit() or len(value.strip()) > 4:
        raise InputError(f"rate {value!r} is not a number of words per minute: use 80-450")
    return int(value)


def _build(request: Request, page: Page) -> Any:
    try:
        return page.queue.get(request.path_params["build_id"])
    except KeyError:
        return None


def _refusal(request: Request, page: Page) -> Response | None:
    """Why an action must be refused before its body is read (Origin, access), or None."""
    if _origin(request) != _base_url(request).rstrip("/"):
        return _form_error(page, NO_ORIGIN, 403)
    if not _may_act(request, page):
        return _form_error(page, NO_ACCESS, 403)
    return None


async def _checked_action(request: Request, page: Page) -> Response | None:
    refused = _refusal(request, page)
    if refused:
        return refused
    token = request.headers.get("x-briefing-token", "")
    if not token:
        try:
            form = await request.form(max_files=0, max_fields=5, max_part_size=4096)
        except Exception:
            return _form_error(page, NO_TOKEN, 403)
        token = str(form.get("token", ""))
    if not secrets.compare_digest(token, page.token):
        return _form_error(page, NO_TOKEN, 403)
    return None


def _origin(request: Request) -> str:
    origin = request.headers.get("origin")
    if origin is None:  # some browsers leave it out of same-origin requests; Referer stays
        referer = request.headers.get("referer", "")
        match = re.match(r"^(https?://[^/?#]+)", referer)
        origin = match.group(1) if match else ""
    return origin


def _may_act(request: Request, page: Page) -> bool:
    if page.loopback_only or _is_local_client(request.client.host if request.client else ""):
        return True
    return secrets.compare_digest(request.cookies.get(ACCESS_COOKIE, ""), page.access_token)


def _grant_access(request: Request, page: Page) -> bool:
    token = request.query_params.get("token")
    return (token is not None and not page.loopback_only
            and secrets.compare_digest(token, page.access_token))


def _with_access_cookie(response: Response, page: Page) -> Response:
    response.set_cookie(ACCESS_COOKIE, page.access_token, httponly=True, samesite="strict")
    return response


def _base_url(request: Request) -> str:
    host = request.headers.get("host") or "127.0.0.1"
    return f"{request.url.scheme}://{host}/"


def _loopback_host(scope: MutableMapping[str, Any]) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"host":
            host = value.decode("latin-1").lower()
            host = host[1:host.index("]")] if host.startswith("[") and "]" in host \
                else host.rsplit(":", 1)[0] if host.count(":") == 1 else host
            return host in LOOPBACK_NAMES or _is_loopback(host)
    return True  # HTTP/1.0 without Host: nothing to be rebound


def _is_local_client(host: str) -> bool:
    """Whether a client is on this machine (it may build without the access token)."""
    return _is_loopback(host)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _form_error(page: Page, message: str, status: int) -> Response:
    return HTMLResponse(views.message_page("Not built", message), status_code=status)


def _not_found() -> Response:
    return HTMLResponse(views.message_page("Not found", "There is no such page or file here."),
                        status_code=404)


async def _on_not_found(request: Request, exc: Exception) -> Response:
    return _not_found()


async def _on_not_allowed(request: Request, exc: Exception) -> Response:
    return PlainTextResponse("method not allowed\n", 405)
