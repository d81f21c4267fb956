"""Reading in a child while the caller imports: the same articles, warnings and errors as
reading in place, from a child that is never left behind."""

from __future__ import annotations

import io
import os
import select
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefing.errors import BriefingError, EngineError, FetchError, InputError
from briefing.read.ahead import discard_early, start_early, start_reading
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
        from briefing.read.ahead import discard_early, start_early, start_reading
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


# The early reader: forked before the command line is parsed, given its articles after.

@pytest.fixture
def early() -> Iterator[None]:
    try:
        yield
    finally:
        discard_early()


@pytest.mark.parametrize(("arguments", "forks"), [
    (["build", "page.html", "-o", "out.mp3"], True),
    (["script", "https://example.org/story"], True),
    (["build", "-"], True),
    (["build", "feed.xml", "--latest", "5"], True),
    (["build", "article.txt", "-o", "out.mp3"], False),
    (["build", "a.md", "b.json"], False),
    (["read", "page.html"], False),  # reads in place
    (["batch", "https://example.org/rss", "-o", "site/"], False),
    ([], False),
])
def test_only_a_build_or_script_that_may_read_the_web_forks_early(
        early: None, arguments: list[str], forks: bool) -> None:
    before = _children()
    start_early(arguments)
    assert len(_children() - before) == (1 if forks else 0)
    discard_early()
    assert _children() == before


def test_the_early_reader_reads_what_it_is_given(early: None) -> None:
    source = str(WEB / "news-story.html")
    before = _children()
    start_early(["build", source])
    (reader,) = _children() - before
    reading = start_reading([source])
    assert _children() - before == {reader}  # given the articles, not forked again
    assert reading.documents() == read_documents([source])
    assert _children() == before


def test_a_text_article_stops_the_early_reader(early: None) -> None:
    before = _children()
    start_early(["build", "-"])
    assert start_reading([str(EXAMPLE)]).documents() == read_documents([str(EXAMPLE)])
    assert _children() == before


def test_standard_input_is_read_by_the_early_reader() -> None:
    """The early child reads the program's own standard input, which the parent never
    touched (the command line then says "-")."""
    probe = textwrap.dedent("""
        import sys
        from briefing.read.ahead import start_early, start_reading
        start_early(["script", "-"])
        documents = start_reading(["-"], stdin=sys.stdin.buffer).documents()
        print(documents[0].title)
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         input=(WEB / "news-story.html").read_text(), check=True).stdout
    assert out.startswith("Harbour flood barrier")


def test_an_early_reader_never_given_articles_ends_with_its_parent() -> None:
    """A parent that dies before it parses its command line (killed, or os._exit) leaves
    no reader waiting: the pipe it would have sent the articles on closes."""
    probe = textwrap.dedent("""
        import os, sys
        from briefing.read.ahead import start_early
        start_early(["build", "page.html"])
        print(open(f"/proc/{os.getpid()}/task/{os.getpid()}/children").read(), flush=True)
        os._exit(0)
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    (reader,) = map(int, out.split())
    try:
        watch = os.pidfd_open(reader)
    except ProcessLookupError:
        return  # gone already
    readable, _, _ = select.select([watch], [], [], 60)
    os.close(watch)
    assert readable, "the early reader outlived its parent by a minute"
