"""Points chosen from the body: verbatim sentences, in reading order, deterministic."""

from __future__ import annotations

from briefing.read.summary import central_sentences

ARTICLE = [
    "The city council approved a new flood barrier for the harbour on Tuesday.",
    "The weather was mild.",
    "The flood barrier will protect about 3,000 homes near the harbour from storm tides.",
    "A local bakery won a prize for its bread at the county show last week.",
    "Engineers said the harbour flood barrier could close fifty times a year.",
    "The council will pay for the barrier with a loan from the national infrastructure fund.",
    "Residents of the harbour said they hoped the barrier would end years of flooding.",
    "The mayor thanked the engineers.",
    "Tickets for the winter concert go on sale on Friday morning at the town hall.",
]


def test_points_are_the_central_sentences_word_for_word_in_reading_order() -> None:
    points = central_sentences(ARTICLE, 3)
    assert len(points) == 3
    assert all(point in ARTICLE for point in points)
    assert points == sorted(points, key=ARTICLE.index)
    assert all("barrier" in point for point in points)  # the story, not the bakery


def test_the_same_article_gives_the_same_points() -> None:
    assert central_sentences(ARTICLE, 3) == central_sentences(list(ARTICLE), 3)


def test_a_short_article_gives_at_most_a_third_of_its_sentences() -> None:
    assert len(central_sentences(ARTICLE[:3], 5)) == 1
    assert central_sentences([], 3) == []
    assert central_sentences(["Too short.", "Also short."], 3) == []


def test_the_count_is_respected() -> None:
    assert len(central_sentences(ARTICLE, 1)) == 1
    assert len(central_sentences(ARTICLE, 2)) == 2
