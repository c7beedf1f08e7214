"""Closeness in topic: the cosine of articles with the centroid of a query's best results.

Why: words alone cannot tell ``phòng ... thơ`` from ``Phong Thổ``, or an article on
electricity infrastructure that mentions a price once from one on the price of electricity.
The build's topic vectors (LSA, index/vectors.py) place articles on one subject near each
other even with few words in common; the best-scored results of the strict match say what
the query's subject is (pseudo-relevance feedback). An index without vectors gives None and
search works on words alone.
"""

from __future__ import annotations

import numpy as np

from newssearch.index.snapshot import Snapshot
from newssearch.index.vectors import TopicVectors, unit


def centroid(snap: Snapshot, docs: np.ndarray, scores: np.ndarray, k: int) -> np.ndarray | None:
    """Unit centroid of the ``k`` best-scored of ``docs`` (None without vectors)."""
    space = TopicVectors.of(snap)
    if space is None or not len(docs):
        return None
    top = docs[np.argsort(-scores, kind="stable")[:k]]
    return unit(np.sum([space.of_doc(int(d)) for d in top], axis=0))


def centroid_cosines(snap: Snapshot, docs: np.ndarray, scores: np.ndarray, cand: np.ndarray,
                     k: int) -> np.ndarray | None:
    """Cosine of each of ``cand`` with the centroid of the ``k`` best of ``docs``."""
    c = centroid(snap, docs, scores, k)
    if c is None:
        return None
    return TopicVectors.of(snap).cosines(c, cand)
