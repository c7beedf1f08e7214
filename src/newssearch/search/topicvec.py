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
    vectors = TopicVectors.of(snap)
    if c is None or vectors is None:
        return None
    return vectors.cosines(c, cand)


def rerank(snap: Snapshot, scores: np.ndarray, docs: np.ndarray) -> np.ndarray:
    """Scores with the ``prf_top_n`` best of ``docs`` reordered by their score mixed with their
    closeness to the centroid of the ``centroid_k`` best (``prf_weight``): articles about the
    subject most of the first results share move up, strays that hold the words move down.
    The reordered ones stay above the rest. Unchanged without vectors or weight (the shipped
    weight is 0: measured in docs/relevance.md#issue-20, it costs known-item searches)."""
    cfg = snap.config
    if cfg.prf_weight <= 0 or len(docs) < 2:
        return scores
    top = docs[np.argsort(-scores[docs], kind="stable")[: cfg.prf_top_n]]
    cos = centroid_cosines(snap, top, scores[top], top, cfg.centroid_k)
    if cos is None:
        return scores
    s = scores[top]
    best, floor = float(s.max()), float(s.min())
    if best <= 0:
        return scores
    mixed = (1 - cfg.prf_weight) * s / best + cfg.prf_weight * np.maximum(cos, 0)
    out = scores.copy()
    out[top] = np.float32(floor) + np.float32(best) * mixed.astype(np.float32) + np.float32(1e-3)
    return out
