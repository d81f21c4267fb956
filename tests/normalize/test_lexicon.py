"""Tests for the user pronunciation lexicon: loading, case rules, whole words, precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefing.errors import InputError
from briefing.normalize.lexicon import Lexicon, load_lexicon
from briefing.normalize.normalizer import NormalizeOptions, normalize


def _write(tmp_path: Path, text: str, name: str = "lexicon.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_loads_top_level_and_words_table(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        'Kharkiv = "Kharkeev"\n[words]\n"Volodymyr Zelensky" = "Voloddymir Zelensky"\n',
    )
    lexicon = load_lexicon(path)
    assert lexicon.apply("Volodymyr Zelensky visited Kharkiv.") == (
        "Voloddymir Zelensky visited Kharkeev."
    )


@pytest.mark.parametrize(
    ("entries", "text", "expected"),
    [
        # all-lower-case keys match any capitalisation
        ({"nato": "nay toe"}, "NATO, Nato and nato", "nay toe, nay toe and nay toe"),
        # a key with a capital letter matches exactly
        ({"US": "you ess"}, "US and us and Us", "you ess and us and Us"),
        # an exact key beats a lower-case key for the same word
        ({"US": "you ess", "us": "uss"}, "US us", "you ess uss"),
        # whole words only
        ({"Kyiv": "Keev"}, "Kyiv Kyivan Kyiv's", "Keev Kyivan Keev's"),
        ({"ion": "eye on"}, "union ion", "union eye on"),
        # longest phrase first
        ({"New York": "NY", "New York Times": "the Times"}, "New York Times in New York",
         "the Times in NY"),
        # white space in the text is flexible
        ({"New York": "Noo York"}, "New\n  York", "Noo York"),
        # keys with punctuation
        (
            {"Dr.": "Drive", "C++": "see plus plus"},
            "Elm Dr. uses C++",
            "Elm Drive uses see plus plus",
        ),
        ({}, "nothing to do", "nothing to do"),
    ],
)
def test_apply(entries: dict[str, str], text: str, expected: str) -> None:
    assert Lexicon(entries).apply(text) == expected


def test_lexicon_wins_over_built_in_rules() -> None:
    lexicon = Lexicon({"St.": "Stint", "NATO": "N A T O", "2024": "twenty four"})
    options = NormalizeOptions(lexicon=lexicon)
    assert normalize("St. Louis, NATO, 2024", options) == "Stint Louis, N A T O, twenty four"
    assert normalize("St. Louis, NATO, 2024") == "Saint Louis, NATO, twenty twenty-four"


def test_lexicon_is_whole_words_inside_normalize() -> None:
    options = NormalizeOptions(lexicon=Lexicon({"kg": "kilo"}))
    assert normalize("kgb and kg", options) == "kgb and kilo"


def test_lexicon_is_frozen_and_hashable() -> None:
    source = {"a": "b"}
    lexicon = Lexicon(source)
    source["a"] = "changed"
    assert lexicon.apply("a") == "b"
    assert hash(lexicon) == hash(Lexicon({"a": "b"}))
    assert hash(NormalizeOptions(lexicon=lexicon)) == hash(NormalizeOptions(lexicon=lexicon))
    assert lexicon == Lexicon({"a": "b"})


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Kharkiv = ", "not valid TOML"),
        ("Kharkiv = 5", "must be a string"),
        ("[other]\nx = 'y'", r"unexpected table \[other\]"),
        ('"  " = "x"', "empty word"),
        ('a = "b\\u0007"', "control characters"),
        ("[words]\nx = ['a']", "must be a string"),
    ],
)
def test_bad_file_raises_input_error(tmp_path: Path, content: str, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        load_lexicon(_write(tmp_path, content))
    assert "\n" not in str(caught.value)
    assert caught.value.exit_code == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        load_lexicon(tmp_path / "absent.toml")


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="directory"):
        load_lexicon(tmp_path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes('caf\xe9 = "kafay"'.encode("latin-1"))
    with pytest.raises(InputError):
        load_lexicon(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f'word = "{"a" * 201}"\n', "spoken form of 'word' is longer than 200 characters"),
        (f'"{"w" * 101}" = "x"\n', "is longer than 100 characters"),
        ("a = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
        ("[words]\n" + "".join(f'w{i} = "x"\n' for i in range(20_001)),
         "more than 20000 entries"),
    ],
)
def test_oversized_lexicons_are_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        load_lexicon(_write(tmp_path, text))


def test_a_lexicon_file_is_read_with_a_size_limit() -> None:
    with pytest.raises(InputError, match=r"lexicon file /dev/zero is larger than 1 MB"):
        load_lexicon(Path("/dev/zero"))
