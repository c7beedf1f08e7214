"""More articles made from the real ones, for growth and daily-update benchmarks.

How: each copy gets a new id (``<id>~<tag>``) and lightly shuffled text: within the body,
each sentence trades places with its neighbour with probability 1/3, and the lead's and
title's words are kept. Every word is real and in real company, so the vocabulary grows the
way a bigger archive's does in its pyvi words and adjacent pairs (new sentence boundaries make
new pairs) while the syllable vocabulary saturates, as it does in real news. Deterministic
(seeded by tag).
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Iterable, Iterator

from newssearch.model import Article

_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def variant(a: Article, tag: str, rng: random.Random) -> Article:
    body = []
    for para in a.body:
        parts = _SENTENCE.split(para)
        for i in range(len(parts) - 1):
            if rng.random() < 1 / 3:
                parts[i], parts[i + 1] = parts[i + 1], parts[i]
        body.append(" ".join(parts))
    if len(body) > 1 and rng.random() < 0.5:
        i = rng.randrange(len(body) - 1)
        body[i], body[i + 1] = body[i + 1], body[i]
    return dataclasses.replace(a, id=f"{a.id}~{tag}", body=body)


def variants(articles: Iterable[Article], tag: str) -> Iterator[Article]:
    rng = random.Random(tag)
    for a in articles:
        yield variant(a, tag, rng)


def edited(a: Article, day: int) -> Article:
    """The same article, corrected: what a daily run re-sends with a new hash."""
    return dataclasses.replace(a, title=f"{a.title} (cập nhật {day})")
