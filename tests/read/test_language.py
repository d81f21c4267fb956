"""Which language an article is in: declared, else detected, else English."""

from __future__ import annotations

import pytest

from briefing.model import Document
from briefing.read.language import article_language, canonical_code, detect_language


@pytest.mark.parametrize(("text", "language"), [
    ("Die Bundesregierung hat am Mittwoch neue Hilfen für die Landwirtschaft beschlossen.",
     "de"),
    ("Le gouvernement a annoncé mercredi de nouvelles aides pour les agriculteurs.", "fr"),
    ("El Gobierno aprobó el miércoles nuevas ayudas para los agricultores.", "es"),
    ("The government approved new aid for farmers on Wednesday.", "en"),
    ("Il governo ha approvato mercoledì nuovi aiuti per gli agricoltori.", "it"),
])
def test_detects_the_language_of_a_news_sentence(text: str, language: str) -> None:
    found = detect_language(text)
    assert found is not None and found[0] == language


def test_no_letters_no_language() -> None:
    assert detect_language("12 34 !!") is None


def test_a_declared_language_wins_over_detection() -> None:
    document = Document(None, ("The government approved new aid.",), (), "t", language="de-AT")
    assert article_language([document]) == ("de", "declared")


def test_undetectable_text_falls_back_to_english() -> None:
    document = Document(None, ("12 34.",), (), "t")
    assert article_language([document]) == ("en", "default")


@pytest.mark.parametrize(("tag", "code"), [("de-DE", "de"), ("pt_BR", "pt"), ("FR", "fr"),
                                           ("not a tag", None), ("", None)])
def test_canonical_code(tag: str, code: str | None) -> None:
    assert canonical_code(tag) == code
