"""Reading articles: splitting points from body, formats, encodings, bad input."""

from __future__ import annotations

import codecs
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from briefing.errors import InputError
from briefing.read.document import decode, parse_text, read_document, read_documents
from tests.conftest import EXAMPLE

ONE = "Prices rose again in March."
TWO = "Prices rose again in March. Wages did not keep up."


@pytest.mark.parametrize(
    ("text", "points", "paragraphs"),
    [
        # The reference shape: one-sentence lines, then multi-sentence lines.
        (f"{ONE}\nRents climbed too.\n{TWO}\n{TWO}", [ONE, "Rents climbed too."], [TWO, TWO]),
        # Points and body separated by a blank line; one-sentence body lines stay body.
        (f"{ONE}\nRents climbed too.\n\nIt was a cold spring.\n{TWO}",
         [ONE, "Rents climbed too."], ["It was a cold spring.", TWO]),
        # Points only.
        (f"{ONE}\nRents climbed too.", [ONE, "Rents climbed too."], []),
        # Body only: the first line already has several sentences.
        (f"{TWO}\n{ONE}", [], [TWO, ONE]),
        # A hard-wrapped paragraph is joined back into one.
        (f"{ONE}\n\nPrices rose again\nin March. Wages did not keep up.", [ONE], [TWO]),
        # CRLF and CR line endings parse like LF.
        (f"{ONE}\r\nRents climbed too.\r\n{TWO}", [ONE, "Rents climbed too."], [TWO]),
        # Control characters and NUL are dropped, the words kept.
        (f"Prices\x00 rose\x07 again in March.\n{TWO}", [ONE], [TWO]),
        # An abbreviation does not make a point look like two sentences.
        (f"Dr. Smith met U.S. officials at 9 a.m. today.\n{TWO}",
         ["Dr. Smith met U.S. officials at 9 a.m. today."], [TWO]),
        # Markup and eSpeak syntax are text like any other.
        (f"<speak>Hello</speak> [[h@l'oU]] <break/>.\n{TWO}",
         ["<speak>Hello</speak> [[h@l'oU]] <break/>."], [TWO]),
    ],
)
def test_plain_text_split(text: str, points: list[str], paragraphs: list[str]) -> None:
    document = parse_text(text, markdown=False)
    assert list(document.points) == points
    assert list(document.paragraphs) == paragraphs
    assert document.title is None


@pytest.mark.parametrize(
    ("text", "title", "points", "paragraphs"),
    [
        (f"# Spring prices\n\n- {ONE}\n- Rents climbed too.\n\n{TWO}\n\n{TWO}",
         "Spring prices", [ONE, "Rents climbed too."], [TWO, TWO]),
        (f"# Title #\n* {ONE}\n1. Rents climbed too.\n2) Food too.\n\n{TWO}",
         "Title", [ONE, "Rents climbed too.", "Food too."], [TWO]),
        # Inline markup is dropped, its words kept; a link keeps its text.
        (f"# T\n- **Prices** rose again in [March](http://x.test).\n\n{TWO}",
         "T", [ONE], [TWO]),
        # A sub-heading is read as a line of its own, not lost.
        (f"# T\n- {ONE}\n\n## Background\n\n{TWO}", "T", [ONE], ["Background", TWO]),
        # A bullet continued on an indented line.
        ("- Prices rose\n  again in March.\n\nBody. Text.", None, [ONE], ["Body. Text."]),
    ],
)
def test_markdown(text: str, title: str | None, points: list[str],
                  paragraphs: list[str]) -> None:
    document = parse_text(text)
    assert (document.title, list(document.points), list(document.paragraphs)) == (
        title, points, paragraphs)


def test_reference_example() -> None:
    document = read_document(str(EXAMPLE))
    assert len(document.points) == 6
    assert len(document.paragraphs) == 2
    assert document.points[0].startswith("The use of North Korean troops")
    assert document.paragraphs[1].endswith("protect civilian lives.")


def test_title_option_and_json(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(json.dumps([
        {"title": "One", "points": [ONE], "body": [TWO]},
        {"points": ["Rents climbed too."], "body": TWO},
    ]))
    first, second = read_documents([str(path)])
    assert (first.title, first.points, first.paragraphs) == ("One", (ONE,), (TWO,))
    assert (second.title, second.name) == (None, "Rents climbed too.")
    with pytest.raises(InputError, match="a title names one article"):
        read_documents([str(path)], title="X")
    single = tmp_path / "b.txt"
    single.write_text(f"{ONE}\n{TWO}")
    assert read_document(str(single), title="  My   title ").title == "My title"


def test_stdin_is_the_stream_the_front_end_gives() -> None:
    document = read_document("-", stdin=io.BytesIO(f"{ONE}\n{TWO}".encode()))
    assert (document.points, document.source) == ((ONE,), "<stdin>")
    with pytest.raises(InputError, match="no standard input"):
        read_document("-")


@pytest.mark.parametrize(
    "data",
    [
        codecs.BOM_UTF8 + "Café prices rose.".encode(),
        "Café prices rose.".encode(),
        codecs.BOM_UTF16_LE + "Café prices rose.".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "Café prices rose.".encode("utf-16-be"),
    ],
)
def test_decodes_unicode(data: bytes) -> None:
    warnings: list[str] = []
    assert decode(data, "x", warnings.append) == "Café prices rose."
    assert warnings == []


def test_legacy_encoding_is_named() -> None:
    warnings: list[str] = []
    assert decode("Café “prices” rose.".encode("cp1252"), "x", warnings.append) == (
        "Café “prices” rose.")
    assert len(warnings) == 1 and "Windows-1252" in warnings[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        (b"", "is empty"),
        (b"  \n\t \r\n", "is empty"),
        (bytes(range(256)) * 8, "binary data"),
        (b"!!! ... --- ???\n***", "no sentences"),
        (b'{"points": "not a list"}', "expected an object"),
    ],
)
def test_bad_input(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / ("a.json" if content and content.startswith(b"{") else "a.txt")
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_document(str(path))


def test_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        read_document(str(tmp_path))


@pytest.mark.parametrize("nesting", ["[" * 10_000 + "]" * 10_000,
                                     '{"points": ' + "[" * 10_000 + "]" * 10_000 + "}"])
def test_deeply_nested_json_is_one_clear_error(tmp_path: Path, nesting: str) -> None:
    path = tmp_path / "deep.json"
    path.write_text(nesting)
    with pytest.raises(InputError, match="nested too deeply"):
        read_document(str(path))


def test_an_oversized_article_is_refused_while_reading(tmp_path: Path) -> None:
    from briefing.read.limits import MAX_ARTICLE_BYTES

    path = tmp_path / "huge.txt"
    path.write_bytes(b"Words. " * (MAX_ARTICLE_BYTES // 7 + 1))
    with pytest.raises(InputError, match=r"huge.txt is larger than 4 MB"):
        read_document(str(path))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**a** and *b* and _c_ and `d` and __e__.", "a and b and c and d and e."),
        ("snake_case_name stays.", "snake_case_name stays."),
        ("a * b * c stays.", "a * b * c stays."),
        ("**half open stays.", "**half open stays."),
        ("*outer _inner_ outer*.", "outer _inner_ outer."),
    ],
)
def test_emphasis(text: str, expected: str) -> None:
    assert parse_text(f"- {text}\n\nBody. Text.", markdown=True).points == (expected,)


@pytest.mark.parametrize(("line", "title"), [("# Title #", "Title"), ("# C#", "C#"),
                                             ("#   Spaced   ##  ", "Spaced"), ("# ###", "###")])
def test_heading_closing_marks(line: str, title: str) -> None:
    assert parse_text(f"{line}\n- A point.\n").title == title


def test_a_text_article_loads_none_of_the_web_readers() -> None:
    """HTTP, HTML and feeds are for web sources: a text, Markdown or JSON build never pays
    for their imports."""
    probe = (f"import sys\nfrom briefing.read.document import read_documents\n"
             f"read_documents([{str(EXAMPLE)!r}])\n"
             "print([m for m in ('briefing.read.web', 'briefing.read.fetch', "
             "'briefing.read.html', 'briefing.read.feeds') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
