"""Pick an article's most central sentences as its summary points, word for word.

LexRank's idea, small: sentences are TF-IDF vectors over the article's own words; a
sentence's centrality is the sum of its cosine similarities to the others (a sentence that
shares the article's main words with many others states the story). Ties go to the earlier
sentence, the chosen ones are returned in reading order, and nothing is random, so the same
article always gives the same points. No words are invented: every point is a sentence of
the article.

Why not a library: sumy (LexRank, TextRank) tokenizes with NLTK, whose sentence models are
downloaded at run time (impossible offline, and on this project's machines), and it brings
NLTK, breadability, requests and pycountry (0.8 s of imports) for what is 40 lines here.
"""

from __future__ import annotations

import math
import re
from collections import Counter

DEFAULT_POINTS = 3

_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_STOP_WORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own said same says she should so some such than that the their theirs
them themselves then there these they this those through to too under until up very was we
were what when where which while who whom why will with would you your yours yourself
yourselves one two new last year years
""".split())
MIN_WORDS = 6
"""Shorter sentences ("He agreed.") make poor points on their own."""


def central_sentences(sentences: list[str], count: int = DEFAULT_POINTS) -> list[str]:
    """The `count` most central of `sentences` (fewer for a short article), in reading order."""
    candidates = [i for i, sentence in enumerate(sentences)
                  if len(sentence.split()) >= MIN_WORDS and sentence.rstrip()[-1:] in ".!?\"”’"]
    # A short article gives at most a third of its sentences as points: its points and its
    # body should not be the same few sentences read twice.
    count = min(count, max(1, len(sentences) // 3)) if sentences else 0
    if count <= 0 or not candidates:
        return []
    bags = [_terms(sentences[i]) for i in candidates]
    documents = Counter(term for bag in bags for term in set(bag))
    total = len(bags)
    vectors = [_tfidf(bag, documents, total) for bag in bags]
    scores = []
    for a, vector in enumerate(vectors):
        score = sum(_cosine(vector, other) for b, other in enumerate(vectors) if b != a)
        scores.append((-round(score, 9), a))
    chosen = sorted(candidates[a] for _, a in sorted(scores)[:count])
    return [sentences[i] for i in chosen]


def _terms(sentence: str) -> list[str]:
    words = (word.lower().strip("'’-") for word in _WORD.findall(sentence))
    return [_stem(word) for word in words if word and word not in _STOP_WORDS]


def _stem(word: str) -> str:
    # Plurals and simple verb forms, so "barrier" and "barriers" count as one term.
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _tfidf(bag: list[str], documents: Counter[str], total: int) -> dict[str, float]:
    counts = Counter(bag)
    vector = {term: n * math.log((1 + total) / (1 + documents[term])) + n * 1e-3
              for term, n in counts.items()}
    norm = math.sqrt(sum(value * value for value in vector.values())) or 1.0
    return {term: value / norm for term, value in vector.items()}


def _cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(value * b.get(term, 0.0) for term, value in a.items())
