"""Neighbour consensus: re-rank a seed's best candidates by how much its own nearest
neighbours agree with them (pseudo-relevance feedback at the level of documents).

Why: a seed's key terms pull in articles that share one strand of it (a business story on
quarantine costs finds quarantine stories); the articles nearest to the seed say which strand
it is mostly about. Each of the ``voters`` best candidates (one per story) scores the pool
with its own key terms; its scores are divided by their largest (its own excluded), and a
candidate's consensus is the mean over the voters other than itself. The new score is
``(1 - weight) * score / best score + weight * consensus``, on the pool only, so the work is
bounded (a few more key-term lists, scored on ``pool`` articles). Measured in
bench/related_quality.py and docs/related.md.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

# similarity(voter docnum, sorted int32 pool docnums) -> float32 score of each pool article
Similarity = Callable[[int, np.ndarray], np.ndarray]


def top_docs(scores: np.ndarray, n: int) -> np.ndarray:
    """The ``n`` best docnums with a positive score, best first (ties: lower docnum)."""
    n = min(n, int(np.count_nonzero(scores > 0)))
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    top = np.argpartition(-scores, n - 1)[:n]
    return top[np.lexsort((top, -scores[top]))]


def consensus(scores: np.ndarray, pool: int, voters: int, weight: float,
              cluster_of: Callable[[int], int], similarity: Similarity) -> np.ndarray:
    """New scores: the ``pool`` best re-ranked by their voters' consensus, the rest 0."""
    top = top_docs(scores, pool)
    if len(top) < 3 or weight <= 0:
        return scores
    chosen: list[int] = []
    stories: set[int] = set()
    for d in top:
        story = cluster_of(int(d))
        if story not in stories:  # two copies of one story would vote twice
            stories.add(story)
            chosen.append(int(d))
            if len(chosen) == voters:
                break
    cand = np.sort(top).astype(np.int32)  # the postings' dtype (see Postings.locate)
    votes = np.zeros(len(cand), dtype=np.float32)
    count = np.zeros(len(cand), dtype=np.float32)
    for v in chosen:
        sim = similarity(v, cand)
        me = cand == v
        sim[me] = 0
        best = float(sim.max())
        if best > 0:
            votes += sim / np.float32(best)
            count += ~me
    agree = np.where(count > 0, votes / np.maximum(count, 1), 0)
    out = np.zeros_like(scores)
    mixed = (1 - weight) * scores[cand] / scores[top[0]] + weight * agree
    out[cand] = np.maximum(mixed, np.float32(1e-6))  # still candidates, in their new order
    return out
