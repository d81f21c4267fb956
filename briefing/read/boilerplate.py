"""Named rules for what a listener must never hear, applied around the main-text extractor.

The extractor (trafilatura) finds the story; these rules remove what extractors still keep
and a listener must not hear. Each rule has a name, shown by `briefing read --show-dropped`
beside what it removed, and listed in the README. Element rules run on the page before
extraction (they can see markup: a `<figcaption>`, a `class="byline"`); text rules run on
each extracted paragraph (they see only words: "Advertisement", "Read more: …").

Precision over recall: a sentence of boilerplate read aloud is worse than a sentence missed,
but a rule only fires on short blocks or on exact shapes, so prose survives.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import html as lxml_html

# --- Element rules -----------------------------------------------------------------------
# A class or id is split into words at "-", "_" and case changes; a rule fires when one of
# its words is among them ("ad-slot" -> ad, slot). Words that mark content ("article-body",
# "paywall-teaser") protect an element from every class rule.

_CONTENT_WORDS = frozenset({"article", "body", "content", "story", "text", "teaser", "entry",
                            "entries", "post", "main", "prose", "copy"})


@dataclass(frozen=True)
class ElementRule:
    """Remove elements by tag, attribute or class word, before extraction."""

    name: str
    """Shown beside what the rule removed."""
    tags: frozenset[str] = frozenset()
    """Elements removed by tag name alone."""
    class_words: frozenset[str] = frozenset()
    """Words of a class or id that mark an element for removal."""
    test: Callable[[lxml_html.HtmlElement], bool] | None = None
    """A further test for elements that neither tag nor class words decide."""


def _is_footnote_marker(element: lxml_html.HtmlElement) -> bool:
    if element.tag not in ("sup", "a"):
        return False
    text = (element.text_content() or "").strip()
    href = element.get("href", "") if element.tag == "a" else ""
    links = [href] + [a.get("href", "") for a in element.iter("a")]
    to_note = any(re.match(r"#(fn|note|ref|cite|footnote|endnote)", link, re.I) for link in links)
    if element.tag == "a":
        return to_note and bool(re.fullmatch(r"\[?\d{1,3}\]?|[*†‡]", text))
    return to_note or bool(re.fullmatch(r"\[?\d{1,3}\]?|[*†‡]+|[a-z]", text))


def _is_data_table(element: lxml_html.HtmlElement) -> bool:
    """A table of data (headers, a caption, or short cells); not an old page's layout."""
    if element.tag != "table":
        return False
    if element.find(".//th") is not None or element.find(".//caption") is not None:
        return True
    paragraphs = element.findall(".//p")
    cells = element.findall(".//td")
    return not paragraphs and bool(cells) and all(
        len((cell.text_content() or "").split()) <= 12 for cell in cells)


def _is_embedded_post(element: lxml_html.HtmlElement) -> bool:
    if element.tag not in ("blockquote", "div"):
        return False
    words = _class_words(element)
    return bool(words & {"tweet", "twitter", "instagram", "tiktok", "bluesky", "mastodon",
                         "embed", "oembed"})


def _is_time_outside_prose(element: lxml_html.HtmlElement) -> bool:
    if element.tag != "time":
        return False
    parent = element.getparent()
    return parent is None or parent.tag not in ("p", "li", "blockquote", "span", "em", "a")


ELEMENT_RULES: tuple[ElementRule, ...] = (
    ElementRule("cookie banner", class_words=frozenset({"cookie", "cookies", "consent", "gdpr"})),
    ElementRule("caption", tags=frozenset({"figcaption"}),
                class_words=frozenset({"caption", "captions", "wp-caption-text"})),
    ElementRule("photo credit", class_words=frozenset({"credit", "credits", "copyright"})),
    ElementRule("image alt text", tags=frozenset({"img", "picture", "svg", "video",
                                                  "audio", "canvas", "map", "object"})),
    ElementRule("code block", tags=frozenset({"pre"})),
    ElementRule("table", test=_is_data_table),
    ElementRule("footnote marker", test=_is_footnote_marker),
    ElementRule("footnotes", class_words=frozenset({"footnote", "footnotes", "endnotes",
                                                    "endnote", "references"}),
                test=lambda e: e.get("role", "") in ("doc-endnotes", "doc-footnote")),
    ElementRule("byline", class_words=frozenset({"byline", "author", "authors", "auteur",
                                                 "contributor", "contributors", "writer"}),
                test=lambda e: e.get("itemprop", "") == "author" or e.get("rel") == "author"),
    ElementRule("dateline", class_words=frozenset({"dateline", "timestamp", "published",
                                                   "updated", "date", "meta", "pubdate"}),
                test=_is_time_outside_prose),
    ElementRule("share prompt", class_words=frozenset({"share", "sharing", "social",
                                                       "sharebar", "share-tools"})),
    ElementRule("advertisement", class_words=frozenset({"ad", "ads", "advert", "advertisement",
                                                        "adslot", "sponsor", "sponsored",
                                                        "promo", "dfp", "gpt", "outbrain",
                                                        "taboola", "pub"})),
    ElementRule("newsletter prompt", class_words=frozenset({"newsletter", "signup", "subscribe",
                                                            "subscription", "optin"})),
    ElementRule("related links", class_words=frozenset({"related", "recommended", "readnext",
                                                        "more-stories", "most-read", "mostread",
                                                        "trending", "breadcrumbs",
                                                        "breadcrumb", "tags", "topics"})),
    ElementRule("paywall prompt", class_words=frozenset({"paywall", "regwall", "piano",
                                                        "meter", "login"})),
    ElementRule("comments", class_words=frozenset({"comments", "comment", "disqus",
                                                   "discussion"})),
    ElementRule("form", tags=frozenset({"form", "button", "input", "select", "textarea",
                                        "label", "dialog"})),
    ElementRule("embedded post", tags=frozenset({"iframe", "embed"}), test=_is_embedded_post),
)

_WORD_SPLIT = re.compile(r"[-_\s]+|(?<=[a-z])(?=[A-Z])")


def _class_words(element: lxml_html.HtmlElement) -> frozenset[str]:
    names = f"{element.get('class', '')} {element.get('id', '')}"
    words = {word.lower() for word in _WORD_SPLIT.split(names) if word}
    # Whole tokens count too ("more-stories"), so a rule can name a compound.
    words |= {token.lower() for token in names.split()}
    return frozenset(words)


def element_rule_for(element: lxml_html.HtmlElement) -> str | None:
    """The name of the first element rule that removes `element`, or None to keep it."""
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in ("html", "body", "main", "article"):
        return None
    words = _class_words(element)
    protected = bool(words & _CONTENT_WORDS)
    for rule in ELEMENT_RULES:
        if tag in rule.tags:
            return rule.name
        if rule.class_words and not protected and words & rule.class_words:
            return rule.name
        if rule.test is not None and rule.test(element):
            return rule.name
    return None


# --- Text rules --------------------------------------------------------------------------

SHORT = 30
"""Words: a block longer than this is prose, and only the exact-shape rules apply to it."""


@dataclass(frozen=True)
class TextRule:
    """Drop an extracted paragraph whose text matches, when it is short enough."""

    name: str
    """Shown beside what the rule removed."""
    pattern: re.Pattern[str]
    """Searched in the paragraph's text."""
    max_words: int = SHORT
    """Longer paragraphs are left alone by this rule."""


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


TEXT_RULES: tuple[TextRule, ...] = (
    TextRule("advertisement", _rx(r"^\W*(advertisement|advertising|sponsored( content)?|"
                                  r"paid (content|post)|publicité|anzeige|ad)\W*$")),
    TextRule("read more", _rx(r"^\W*(read more|continue reading|keep reading|read the full "
                              r"(story|article)|see also|more from)\b")),
    TextRule("related", _rx(r"^\W*(related( stories| coverage| articles| content| reading)?|"
                            r"more on this (story|topic)|further reading|read next|"
                            r"recommended( for you)?|most read|you may also like)\s*([:|»›]|$)")),
    TextRule("watch or listen", _rx(r"^\W*(watch|listen|video|audio|podcast|gallery|"
                                    r"in pictures)\s*[:|–—]")),
    TextRule("newsletter prompt", _rx(r"\b(sign up|newsletters?|subscribe (to our|now|for free)|"
                                      r"delivered to your inbox|in your inbox|"
                                      r"breaking news alerts)\b")),
    TextRule("originally published", _rx(
        r"^\W*(this (article|story|piece|post) (was|is|first) (originally |first )?"
        r"(published|appeared|posted)|a version of this (article|story) |"
        r"this (story|article) originally|republished (from|with)|"
        r"originally published)"), max_words=60),
    TextRule("share prompt", _rx(r"^\W*(share (this|on|it)|follow (us|me|him|her|\w+) on|"
                                 r"click to share|tweet this|enjoyed this|copy link)\b")),
    TextRule("social handle", _rx(r"(^|\s)@\w{2,}\b"), max_words=15),
    # Case matters: a name is capitalised ("By Maria Okafor"), the words of "By the end of
    # the year" are not; a sentence ends with a full stop, a byline does not.
    TextRule("byline", re.compile(r"^\W*(By|BY|by|Par|Von|Por)\s+[A-Z][\w.'’-]*"
                                  r"(\s+[A-Z][\w.'’-]*){0,3}"
                                  r"(\s*(,|and|&|und|et|y)\s*[A-Z][\w.'’-]*(\s+[A-Z][\w.'’-]*)"
                                  r"{0,3})*(\s*[,|·—–]\s*[^.!?]*)?$"), max_words=16),
    TextRule("credit line", _rx(r"^\W*(additional )?(reporting|writing|editing|compiled|"
                                r"research|graphics) by\b")),
    TextRule("dateline", _rx(r"^\W*(published|updated|posted|last updated|first published)\b"
                             r"|\b\d+ (min|minute)s? read\b|\b\d+ (hours?|minutes?|days?) ago"
                             r"\b"), max_words=16),
    TextRule("photo credit", _rx(r"^\W*(photo(graph)?|image|picture|illustration|credit|"
                                 r"image source)s?\s*(:|by|,)|\((photo|image):? [^)]*\)\s*$|"
                                 r"/(getty images|ap|reuters|afp|shutterstock)\)?\s*$")),
    TextRule("cookie notice", _rx(r"\b(we use cookies|this (site|website) uses cookies|"
                                  r"cookie (policy|settings|preferences)|accept (all )?"
                                  r"cookies)\b")),
    TextRule("paywall prompt", _rx(r"\b(subscribe to (continue|read|keep)|already a "
                                   r"(subscriber|member)|log ?in to (read|continue)|"
                                   r"sign in to (read|continue)|you have reached your|"
                                   r"free (articles|trial)|create a free account|"
                                   r"forgot your password|not a (member|subscriber))\b")),
    TextRule("legal notice", _rx(r"^\W*(our standards|purchase licensing|all rights reserved|"
                                 r"©|copyright ©?\s*\d{4}|terms (of (service|use)|and "
                                 r"conditions))")),
    TextRule("topic tags", _rx(r"^\W*(topics|tags|filed under|more about|categories)\s*:")),
    TextRule("comments", _rx(r"^\W*(\d+\s+)?comments?\s*(\(\d+\))?\W*$|^\W*(show|view|load) "
                             r"(all )?comments\b")),
    TextRule("footnote", _rx(r"^\s*(\[\d{1,3}\]|\d{1,3}[.)]\s|[*†‡]\s?)\s*\S"), max_words=40),
)

FOOTNOTE_MARKER = re.compile(r"(?<=\S)\[\d{1,3}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+")
"""A footnote marker left inside a sentence: "cautious.[1]", "cautious.¹"."""

# A wire or newsroom dateline before the first paragraph's story: "PORTHAVEN — ",
# "FRANKFURT, Nov 26 (Global Wire) - ", "KYIV, Ukraine (AP) — ".
DATELINE_PREFIX = re.compile(
    r"^\s*[A-Z][A-Z'’.]{2,}(?:[ -][A-Z][A-Z'’.]+)*"      # the city, in capitals
    r"(?:,\s*[A-Za-z][\w .]{0,30}?)?"                   # ", Ukraine" or ", Nov 26"
    r"(?:\s*\([^)]{1,40}\))?"                           # "(Reuters)"
    r"\s*[—–-]{1,2}\s+(?=\S)")


def text_rule_for(text: str) -> str | None:
    """The name of the first text rule that drops the paragraph `text`, or None to keep it."""
    words = len(text.split())
    for rule in TEXT_RULES:
        if words <= rule.max_words and rule.pattern.search(text):
            return rule.name
    return None
