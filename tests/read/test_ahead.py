"""Reading in a child while the caller imports: the same articles, warnings and errors as
reading in place, from a child that is never left behind."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from briefing.errors import BriefingError, EngineError, FetchError, InputError
from briefing.read.ahead import start_reading
from briefing.read.document import read_documents
from tests.web_server import WebServer

WEB = Path(__file__).resolve().parents[1] / "fixtures" / "web"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ukraine-north-korea.txt"


def _children() -> set[int]:
    """This process's child processes, zombies included (read, not reaped: other fixtures'
    processes are theirs to wait for)."""
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {int(pid) for task in tasks.iterdir()
            for pid in (task / "children").read_text().split()}


@pytest.mark.parametrize("page", ["news-story.html", "takeaways.html", "legacy-charset.html"])
def test_a_page_read_ahead_is_the_page_read_in_place(page: str) -> None:
    source = str(WEB / page)
    before = _children()
    assert start_reading([source]).documents() == read_documents([source])
    assert _children() == before


def test_the_extractor_is_imported_in_the_child_only() -> None:
    """The point of reading ahead: the caller never pays for the extractor's import; a text
    article is read in place, at once."""
    probe = textwrap.dedent(f"""
        import sys
        from briefing.read.ahead import start_reading
        page = start_reading([{str(WEB / "news-story.html")!r}]).documents()
        text = start_reading([{str(EXAMPLE)!r}])
        print(page[0].title, "trafilatura" in sys.modules, "lxml" in sys.modules,
              len(text.documents()))
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out[-3:] == ["False", "False", "1"]
    assert out[0] == "Harbour"


def test_warnings_come_back_in_order() -> None:
    source = str(WEB / "legacy-undeclared.html")
    in_place: list[str] = []
    ahead: list[str] = []
    read_documents([source], warn=in_place.append)
    start_reading([source], warn=ahead.append).documents()
    assert ahead == in_place and ahead


def test_an_error_comes_back_as_itself() -> None:
    """Its class (so its exit code) and its message, as reading in place raises them."""
    source = str(WEB / "login-wall.html")
    with pytest.raises(InputError) as in_place:
        read_documents([source])
    before = _children()
    reading = start_reading([source])
    with pytest.raises(InputError) as ahead:
        reading.documents()
    assert type(ahead.value) is type(in_place.value)
    assert str(ahead.value) == str(in_place.value)
    assert _children() == before


def test_a_fetch_error_comes_back_as_itself(web: WebServer) -> None:
    with pytest.raises(FetchError, match="404"):
        start_reading([web.url("status/404")]).documents()


def test_html_on_standard_input_is_read_by_the_child() -> None:
    data = (WEB / "news-story.html").read_bytes()
    documents = start_reading(["-"], stdin=io.BytesIO(data)).documents()
    assert documents == read_documents(["-"], stdin=io.BytesIO(data))


def test_cancel_stops_a_reader_still_waiting(web: WebServer) -> None:
    """A caller stopped while the child waits on a server that never answers leaves no
    process behind."""
    before = _children()
    reading = start_reading([web.url("hang")])
    assert len(_children() - before) == 1
    reading.cancel()
    assert _children() == before
    with pytest.raises(RuntimeError, match="cancelled"):
        reading.documents()


def test_the_callers_steps_are_taken_while_the_child_reads(web: WebServer) -> None:
    """The server holds the page until the last step lets it go: every step ran while the
    child read. A step's own error (which the build meets again, later) is not raised."""
    taken: list[str] = []

    def failing() -> None:
        taken.append("failing")
        raise EngineError("no engine")

    def release() -> None:
        taken.append("release")
        web.release.set()

    reading = start_reading([web.url("held/news-story.html")])
    documents = reading.documents(meanwhile=[lambda: taken.append("first"), failing, release])
    assert taken == ["first", "failing", "release"]
    assert documents[0].title.startswith("Harbour flood barrier")


def test_steps_are_not_taken_when_reading_in_place() -> None:
    taken: list[str] = []
    start_reading([str(EXAMPLE)]).documents(meanwhile=[lambda: taken.append("step")])
    assert taken == []


def test_a_reader_that_dies_is_one_clear_error(web: WebServer) -> None:
    """Killed (or crashed in a parser) mid-read: a BriefingError that says so, and no
    child left behind."""
    before = _children()
    reading = start_reading([web.url("held/news-story.html")])
    (reader,) = _children() - before
    os.kill(reader, signal.SIGKILL)
    with pytest.raises(BriefingError, match=r"the reader stopped \(crashed \(SIGKILL\)\)"):
        reading.documents()
    assert _children() == before
