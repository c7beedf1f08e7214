"""Quoted phrases: adjacency checked on the syllable positions of the flat postings.

How: the documents holding every syllable are found from the postings; for those, each
syllable's (document, position - its place in the phrase) pairs are packed into one integer
and the sets intersected, so a phrase is a few numpy set operations whatever its length.
An accent-free phrase reads the positions of every accented syllable that folds to each of
its syllables. Index-wide results are cached for the generation.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from newssearch.index.flat.files import runs
from newssearch.index.snapshot import Snapshot, find

PHRASE_CACHE = 5000  # cached index-wide phrase results per generation
# Syllables whose position pieces are kept per generation (views of the map, and for an
# accent-free syllable the lookup of its accented forms).
POSITIONS_CACHE = 20_000
SHIFT = 20  # bits of a packed pair below the document: positions < 2**16, plus the offset


def phrase_docs(snap: Snapshot, fields: tuple[str, ...], words: tuple[str, ...]) -> np.ndarray:
    """Live docnums (ascending) where ``words`` occur adjacently in any of ``fields``."""
    cache = snap.memo_cache("phrases", PHRASE_CACHE)
    return cache.get_or_make((fields, words), lambda: _phrase(snap, fields, words, None))


def phrase_among(snap: Snapshot, fields: tuple[str, ...], words: tuple[str, ...],
                 cand: np.ndarray) -> np.ndarray:
    """Which of the (sorted) candidates hold ``words`` adjacently in one of ``fields``."""
    found = _phrase(snap, fields, words, np.asarray(cand, dtype=np.int64))
    return np.isin(cand, found, assume_unique=True)


def _phrase(snap: Snapshot, fields: tuple[str, ...], words: tuple[str, ...],
            cand: np.ndarray | None) -> np.ndarray:
    out = []
    for f in fields:
        cache = snap.memo_cache("positions", POSITIONS_CACHE)
        lists = [cache.get_or_make((f, w), partial(snap.flat.positions, f,
                                                   w.encode("utf-8", "surrogatepass")))
                 for w in words]
        if not all(lists):
            continue
        docs = _holding_all(snap, lists, cand)
        keys = None
        for j, pieces in enumerate(lists):
            if not len(docs):
                break
            k = _pairs(pieces, docs, len(words) - j)
            keys = k if keys is None else np.intersect1d(keys, k, assume_unique=True)
            docs = np.unique(keys >> SHIFT)
        if len(docs) and keys is not None:
            out.append(docs)
    if not out:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(out))


def _holding_all(snap: Snapshot, lists: list, cand: np.ndarray | None) -> np.ndarray:
    """Live docnums (of ``cand``, when given) holding a syllable of each list."""
    if cand is None:
        every = snap.live.copy()
        for pieces in lists:
            m = np.zeros(snap.n, dtype=bool)
            for d, _, _ in pieces:
                m[d] = True
            every &= m
        return np.flatnonzero(every)
    docs = cand[snap.live[cand]]
    for pieces in lists:
        there = np.zeros(len(docs), dtype=bool)
        for d, _, _ in pieces:
            there |= find(d, docs)[1]
        docs = docs[there]
    return docs


def _pairs(pieces: list[tuple[np.ndarray, np.ndarray, np.ndarray]], docs: np.ndarray,
           shift: int) -> np.ndarray:
    """Unique ``doc << SHIFT | position + shift`` of a syllable's occurrences in ``docs``."""
    got = []
    for d, tf, pos in pieces:
        idx, hit = find(d, docs)
        idx = idx[hit]
        if not len(idx):
            continue
        n = tf[idx].astype(np.int64)
        # Where each posting's positions begin: the tfs before it (summed up to the last).
        first = np.cumsum(tf[: int(idx[-1]) + 1], dtype=np.int64)[idx] - n
        p = pos[runs(first, n)].astype(np.int64)
        got.append(np.repeat(d[idx].astype(np.int64), n) << SHIFT | (p + shift))
    if not got:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(got))
