"""Quoted phrases: adjacency checked with Whoosh's stored positions.

Why two ways: for a few candidates the positions of just those documents are read (a phrase
of common words over the whole index costs 100s of ms); for many, one index-wide phrase query
runs and is cached for the generation.
"""

from __future__ import annotations

import numpy as np
from whoosh import query as wq

from .snapshot import Snapshot

PHRASE_AMONG_MAX = 200  # more candidates than this: one index-wide phrase query, cached
PHRASE_CACHE = 5000  # cached index-wide phrase results per generation


def phrase_docs(snap: Snapshot, fields: tuple[str, ...], words: tuple[str, ...]) -> np.ndarray:
    """Docnums where ``words`` occur adjacently in any of ``fields`` (Whoosh positions)."""
    cache = snap.memo_cache("phrases", PHRASE_CACHE)

    def make() -> np.ndarray:
        q = wq.Or([wq.Phrase(f, list(words)) for f in fields])
        return np.fromiter(q.docs(snap.searcher), dtype=np.int64)

    return cache.get_or_make((fields, words), make)


def phrase_among(snap: Snapshot, fields: tuple[str, ...], words: tuple[str, ...],
                 cand: np.ndarray) -> np.ndarray:
    """Which of the (sorted) candidates hold ``words`` adjacently in one of ``fields``: the
    same test as Whoosh's phrase query (consecutive positions)."""
    if len(cand) > PHRASE_AMONG_MAX:
        hit = np.zeros(snap.n, dtype=bool)
        hit[phrase_docs(snap, fields, words)] = True
        return hit[cand]
    out = np.zeros(len(cand), dtype=bool)
    starts = np.array([off for _, off in snap.leaves], dtype=np.int64)
    for f in fields:
        todo = ~out  # candidates still unmatched that hold every word in this field
        for w in set(words):
            p = snap.postings(f, w)
            todo &= p.contains(cand) if p is not None else False
        if not todo.any():
            continue
        found = np.flatnonzero(todo)
        docs = cand[found].astype(np.int64)
        leaf_of = np.searchsorted(starts, docs, side="right") - 1
        positions: dict[int, list[set[int]]] = {}
        for li in np.unique(leaf_of):
            seg, off = snap.leaves[li]
            local = [int(d) - off for d in docs[leaf_of == li]]
            for w in words:
                m = seg.postings(f, w.encode("utf-8", "surrogatepass"))
                for d in local:
                    m.skip_to(d)  # docs ascending: the matcher only moves forward
                    positions.setdefault(d + off, []).append(set(m.value_as("positions")))
        for i, d in zip(found, docs):
            first, *rest = positions[int(d)]
            if any(all(p + k in later for k, later in enumerate(rest, 1)) for p in first):
                out[i] = True
    return out
