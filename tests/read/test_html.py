"""Reading web pages: every fixture's must-read sentences are read and its must-never ones
are not; each named rule removes what it names and leaves prose alone."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from briefing.errors import InputError
from briefing.read.html import decode_page, looks_like_html, read_html

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "web"
PAGES = sorted(path.stem for path in FIXTURES.glob("*.toml"))


def spoken(document: object) -> str:
    parts = [document.title or "", *document.points, *document.paragraphs]  # type: ignore[attr-defined]
    return " ".join(" ".join(parts).split())


@pytest.mark.parametrize("name", PAGES)
def test_fixture_reads_every_must_read_and_no_must_not(name: str) -> None:
    spec = tomllib.loads((FIXTURES / f"{name}.toml").read_text())
    data = (FIXTURES / f"{name}.html").read_bytes()
    if spec.get("error"):
        with pytest.raises(InputError, match=spec["error"]):
            read_html(data, name)
        return
    document = read_html(data, name)
    text = spoken(document)
    assert [s for s in spec["must_read"] if " ".join(s.split()) not in text] == []
    assert [s for s in spec["must_not"] if " ".join(s.split()) in text] == []
    for key in ("title", "author", "date", "site", "url"):
        if key in spec:
            assert getattr(document, key) == spec[key] or (
                key == "author" and spec[key] in (document.author or "")), key
    if "language" in spec:
        assert (document.language or "").lower().startswith(spec["language"])
    if "points" in spec:
        assert list(document.points) == spec["points"]


def test_every_point_is_a_sentence_of_the_article() -> None:
    import lxml.html

    for name in PAGES:
        spec = tomllib.loads((FIXTURES / f"{name}.toml").read_text())
        if spec.get("error"):
            continue
        data = (FIXTURES / f"{name}.html").read_bytes()
        document = read_html(data, name)
        page = lxml.html.document_fromstring(decode_page(data, name))
        words = " ".join(" ".join(page.itertext()).split())
        assert document.points, name
        for point in document.points:
            assert point in words, (name, point)  # never a word that is not on the page


# One row per rule: a page holding the thing the rule names, beside prose that must stay.
BEFORE = ("<p>The council approved the new budget on Tuesday after a long debate about the "
          "cost of repairing the harbour wall and the city's three oldest bridges.</p>")
AFTER = ("<p>Officials said the work would start in the spring and take about two years, "
         "with most of the money coming from a national infrastructure fund.</p>")
PROSE = BEFORE + AFTER
RULES = [
    ("cookie banner",
     '<div class="cookie-consent"><p>We use cookies to make this site work.</p></div>',
     "We use cookies"),
    ("caption", "<figure><figcaption>The mayor at the vote on Tuesday.</figcaption></figure>",
     "The mayor at the vote"),
    ("photo credit", '<p class="photo-credit">Photograph: Ana Lim for the Herald</p>', "Ana Lim"),
    ("image alt text", '<img src="a.jpg" alt="A crowd outside the town hall">', "A crowd outside"),
    ("code block", "<pre><code>SELECT * FROM budget;</code></pre>", "SELECT"),
    ("table",
     "<table><tr><th>Item</th><th>Cost</th></tr><tr><td>Wall</td><td>£4m</td></tr></table>",
     "Wall"),
    ("footnote marker", '<p>The wall is a hundred years old.<sup><a href="#fn1">1</a></sup> It '
     "was last repaired in 1987 by the county.</p>", "old.1"),
    ("footnotes", '<ol class="footnotes"><li id="fn1">Council records, 2026.</li></ol>',
     "Council records"),
    ("byline", '<div class="byline">By Ana Lim, City Hall reporter</div>', "By Ana Lim"),
    ("dateline", '<p class="dateline">Updated 2 hours ago</p>', "2 hours ago"),
    ("share prompt", '<div class="share-tools">Share on Facebook</div>', "Share on Facebook"),
    ("advertisement", '<div class="ad-slot"><p>Advertisement</p></div>', "Advertisement"),
    ("newsletter prompt", '<div class="newsletter-box"><p>Get our daily newsletter in your '
     "inbox.</p></div>", "daily newsletter"),
    ("related links",
     '<aside class="related"><a href="/x">Bridges to close for repairs</a></aside>',
     "Bridges to close"),
    ("paywall prompt", '<div class="paywall"><p>Subscribe to continue reading.</p></div>',
     "Subscribe to continue"),
    ("comments", '<section class="comments"><p>What a waste of money, honestly.</p></section>',
     "waste of money"),
    ("embedded post", '<blockquote class="twitter-tweet"><p>Huge news for the harbour! '
     "@citycouncil</p></blockquote>", "Huge news"),
    ("form", "<form><label>Email address</label><button>Send</button></form>", "Email address"),
    # Text rules: what is left when the markup says nothing.
    ("advertisement", "<p>ADVERTISEMENT</p>", "ADVERTISEMENT"),
    ("read more", "<p>Read more: Why the wall is crumbling</p>", "Why the wall"),
    ("related", "<p>Related: Harbour tolls to rise next year</p>", "Harbour tolls"),
    ("watch or listen", "<p>Watch: The harbour wall from the air</p>", "from the air"),
    ("newsletter prompt", "<p>Sign up for our morning newsletter.</p>", "Sign up"),
    ("originally published", "<p>This article was originally published by the Harbour "
     "Times.</p>", "originally published"),
    ("share prompt", "<p>Follow us on Mastodon for more local news.</p>", "Follow us"),
    ("social handle", "<p>Ana Lim is on X at @analim.</p>", "@analim"),
    ("byline", "<p>By Ana Lim and Tom Reyes</p>", "By Ana Lim"),
    ("credit line", "<p>Reporting by Ana Lim; Editing by Tom Reyes</p>", "Editing by"),
    ("dateline", "<p>Published 24 November 2026</p>", "Published 24"),
    ("photo credit", "<p>Photo: Getty Images</p>", "Getty"),
    ("cookie notice", "<p>This site uses cookies to improve your experience.</p>", "uses cookies"),
    ("paywall prompt", "<p>Already a subscriber? Log in to read more.</p>", "Already a"),
    ("legal notice", "<p>© 2026 Harbour Times Ltd. All rights reserved.</p>", "All rights"),
    ("topic tags", "<p>Topics: Council, Harbour, Budget</p>", "Topics:"),
    ("comments", "<p>Comments (12)</p>", "Comments (12)"),
    ("footnote", "<p>[2] Figures from the council's own audit.</p>", "Figures from the"),
]


@pytest.mark.parametrize(("rule", "snippet", "gone"), RULES,
                         ids=[f"{rule}-{i}" for i, (rule, _, _) in enumerate(RULES)])
def test_each_rule_drops_what_it_names_and_keeps_the_story(rule: str, snippet: str,
                                                           gone: str) -> None:
    page = (f"<html><head><title>Budget approved</title></head><body><article>"
            f"<h1>Budget approved</h1>{BEFORE}{snippet}{AFTER}</article></body></html>")
    document = read_html(page.encode(), "page.html")
    text = spoken(document)
    assert "The council approved the new budget on Tuesday" in text
    assert "take about two years" in text
    assert gone not in text
    assert rule in {item.rule for item in document.dropped}, document.dropped


PROSE_KEPT = [
    # Shapes close to a rule's that are the story, not boilerplate.
    "By the end of the year, the council expects to have spent £40m on the wall.",
    "Readers who subscribe to the paper's print edition will get a map of the works.",
    "Related costs, such as traffic diversions, are not in the budget yet.",
    "Watch crews will patrol the harbour wall during the highest tides this winter.",
]


@pytest.mark.parametrize("sentence", PROSE_KEPT)
def test_prose_shaped_like_a_rule_is_kept(sentence: str) -> None:
    page = (f"<html><body><article><h1>Budget approved</h1>{PROSE}<p>{sentence}</p>"
            "</article></body></html>")
    assert sentence in spoken(read_html(page.encode(), "page.html"))


def test_the_wire_dateline_is_cut_from_the_first_paragraph_only() -> None:
    page = ("<html><body><article><h1>Rates held</h1><p>FRANKFURT (Global Wire) - The bank "
            "held rates on Wednesday and said it would wait for more data before it acts.</p>"
            "<p>NATO - the alliance - was not mentioned by the bank at any point in its long "
            "statement on Wednesday afternoon.</p></article></body></html>")
    document = read_html(page.encode(), "page.html")
    assert document.paragraphs[0].startswith("The bank held rates")
    assert document.paragraphs[1].startswith("NATO - the alliance")


@pytest.mark.parametrize(("data", "declared", "expected"), [
    ("café".encode("cp1252"), "windows-1252", "café"),
    ("café".encode("iso-8859-1"), "iso-8859-1", "café"),
    ("€".encode("cp1252"), "iso-8859-1", "€"),  # browsers read latin-1 as windows-1252
    (b'<meta charset="windows-1252"><p>caf\xe9</p>', None, "café"),
    ("café".encode(), None, "café"),
    ("\ufeffcafé".encode(), "iso-8859-1", "café"),  # a BOM wins over the header
])
def test_charset_from_header_bom_or_page(data: bytes, declared: str | None,
                                         expected: str) -> None:
    assert expected in decode_page(data, "page", declared)


def test_undeclared_legacy_page_is_guessed_with_a_warning() -> None:
    warnings: list[str] = []
    data = (FIXTURES / "legacy-undeclared.html").read_bytes()
    text = decode_page(data, "page", None, warnings.append)
    assert "François Lefebvre" in text and "€2,000" in text
    assert warnings and "a guess" in warnings[0]


@pytest.mark.parametrize(("data", "is_html"), [
    (b"<!DOCTYPE html><html><body>x</body></html>", True),
    (b"\xef\xbb\xbf<html lang='en'>", True),
    (b"<!-- saved from url=(0014)about:internet -->\n<html>", True),
    (b"Storm closes the coast road.\n\n<p>tags in text</p>", False),
    (b'{"title": "<html>"}', False),
])
def test_looks_like_html(data: bytes, is_html: bool) -> None:
    assert looks_like_html(data) is is_html
