"""Feeds: every RSS and Atom dialect parsed, items chosen, malformed and empty feeds refused,
the batch state kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from briefing.errors import InputError
from briefing.read.document import read_documents
from briefing.read.feeds import FeedState, item_slug, parse_feed, select_items
from briefing.read.sources import ReadOptions
from tests.web_server import WebServer

FEEDS = Path(__file__).resolve().parent.parent / "fixtures" / "feeds"
BASE = "http://127.0.0.1:9"


def feed_bytes(name: str, base: str = BASE) -> bytes:
    return (FEEDS / name).read_bytes().replace(b"{base}", base.encode())


@pytest.mark.parametrize(("name", "title", "count", "first_link"), [
    ("rss2.xml", "Coastline News", 3, "/ferry.html"),
    ("atom.xml", "Metro Science Desk", 2, "/takeaways.html"),
    ("rss1.rdf", "The Ops Review", 1, "/tech-explainer.html"),
    ("rss091.xml", "Global Wire", 1, "/wire-story.html"),
])
def test_every_dialect_parses(name: str, title: str, count: int, first_link: str) -> None:
    feed = parse_feed(feed_bytes(name), name)
    assert feed.title == title
    assert len(feed.items) == count
    assert (feed.items[0].link or "").endswith(first_link)


def test_items_carry_full_content_only_when_the_feed_has_it() -> None:
    feed = parse_feed(feed_bytes("rss2.xml"), "rss2.xml")
    ferry, barrier, schools = feed.items
    assert ferry.content and "winter timetable" in ferry.content
    assert barrier.content is None  # a one-line description: the page must be read
    assert schools.content
    assert ferry.id == "coastline-ferry-2026-11-23"
    assert barrier.id.endswith("/news-story.html")
    assert ferry.author == "Tom Reyes"
    assert ferry.published == dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


def test_choice_of_items_newest_first() -> None:
    feed = parse_feed(feed_bytes("rss2.xml"), "rss2.xml")
    titles = [item.title for item in select_items(feed)]
    assert titles == ["Harbour flood barrier opens two years late",
                      "Ferry operator cancels winter timetable",
                      "School closures announced after storm damage"]
    assert len(select_items(feed, latest=2)) == 2
    since = select_items(feed, since=dt.date(2026, 11, 23))
    assert [item.title for item in since][-1] == "Ferry operator cancels winter timetable"
    seen = frozenset({"coastline-ferry-2026-11-23"})
    assert all(item.id not in seen for item in select_items(feed, seen=seen))


@pytest.mark.parametrize(("name", "message"), [
    ("malformed.xml", "not a well-formed feed"),
    ("no-items.xml", "no items"),
])
def test_bad_feeds_are_refused_in_one_line(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(feed_bytes(name))
    with pytest.raises(InputError, match=message):
        read_documents([str(path)])


def test_a_feed_file_of_full_content_reads_offline_through_the_rules(tmp_path: Path) -> None:
    # Only the items that carry their text: nothing is fetched (the links point nowhere).
    text = feed_bytes("rss2.xml").decode()
    start = text.index("<item>", text.index("</item>"))
    text = text[:start] + text[text.index("</item>", start) + len("</item>"):]
    path = tmp_path / "today.rss"
    path.write_text(text)
    documents = read_documents([str(path)])
    assert len(documents) == 2
    ferry = next(d for d in documents if d.title == "Ferry operator cancels winter timetable")
    text = " ".join([*ferry.points, *ferry.paragraphs])
    assert "replacement engine had been ordered" in text
    assert "Advertisement" not in text and "Read more" not in text
    assert ferry.author == "Tom Reyes" and ferry.site == "Coastline News"
    assert ferry.date == "2026-11-23"
    schools = next(d for d in documents if d.title and d.title.startswith("School closures"))
    assert "A tree fell across the playground" not in " ".join(schools.paragraphs)


def test_feed_url_reads_content_and_pages(web: WebServer) -> None:
    documents = read_documents([web.url("feeds/rss2.xml")], options=ReadOptions(latest=2))
    assert [d.title for d in documents] == ["Harbour flood barrier opens two years late",
                                            "Ferry operator cancels winter timetable"]
    barrier = documents[0]
    assert "swung shut for the first time" in " ".join(barrier.paragraphs)
    assert barrier.author == "Maria Okafor"
    assert "/ferry.html" not in web.paths()  # full content: its page is never fetched


def test_state_remembers_built_items(tmp_path: Path) -> None:
    state = FeedState.load(tmp_path)
    state.record("https://x/rss", "id-1", "one.mp3")
    state.remember("https://x/rss", '"abc"', None)
    (tmp_path / ".briefing-feeds.json").write_text(state.to_json())
    again = FeedState.load(tmp_path)
    assert again.seen("https://x/rss") == {"id-1"}
    assert again.validators("https://x/rss") == ('"abc"', None)


def test_a_broken_state_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / ".briefing-feeds.json").write_text("{not json")
    with pytest.raises(InputError, match="remove it to start afresh"):
        FeedState.load(tmp_path)


def test_item_names_are_stable_and_distinct() -> None:
    feed = parse_feed(feed_bytes("rss2.xml"), "rss2.xml")
    names = [item_slug(item) for item in feed.items]
    assert len(set(names)) == 3
    assert names[0].startswith("ferry-operator-cancels-winter-timetable-")
    assert names == [item_slug(item) for item in parse_feed(feed_bytes("rss2.xml"), "x").items]
