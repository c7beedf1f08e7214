"""Near-duplicate articles: one story syndicated under several ids (baomoi is an aggregator).

Two articles are *the same story* when

- their normalized titles are equal (syllables joined by spaces, accents kept, at least
  ``MIN_TITLE_SYLLABLES`` of them), or
- their texts (lead and body) are near-identical: MinHash over shingles of ``SHINGLE``
  consecutive folded syllables, candidate pairs from LSH bands, confirmed when the estimated
  Jaccard similarity is at least ``MIN_JACCARD``.

Same-story pairs are grouped transitively into clusters. A cluster is named by its
*representative*: the earliest dated member, or the lowest docnum when none has a date. That
is also the member a results list keeps. Folded syllables need no segmenter, so a story key
costs a regular expression and a few numpy operations per article.

Story keys (a title hash and the MinHash signature, :func:`story_key`) are computed while
indexing, in the writer processes, and kept in the ``dupsig`` column: opening a generation
then reads about 270 bytes per article instead of every stored article (seconds of CPU and
over 100 MB of allocator growth in each web worker on the full corpus). Documents without the
column (an index written before it existed) get their keys from their stored text.

Public API (one ``DuplicateIndex`` per index generation, cached on the snapshot)::

    dups = DuplicateIndex.of(snapshot)
    dups.cluster_of(docnum) -> int          # representative docnum; docnum itself if alone
    dups.same_story(a, b) -> bool
    dups.members(docnum) -> list[int]       # the whole cluster, representative first
    dups.clusters() -> list[list[int]]      # every cluster of two or more
    dups.matching(title, text) -> list[int] # indexed docs that are the same story as a text
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from newssearch.index.whoosh_compat import read_column
from newssearch.text.storykey import (
    BANDS,
    COLUMN,
    MIN_JACCARD,
    NUM_PERM,
    ROWS,
    article_text,
    signature,
    similarity,
    story_key,
    title_hash,
    title_key,
)

if TYPE_CHECKING:  # search folds its results with this module: no import cycle
    from newssearch.index.snapshot import Snapshot

MAX_RUN = 200  # an LSH bucket larger than this is degenerate text (boilerplate): skipped
EXTRA_KEY = "duplicates"
_EMPTY = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)


def _band_keys(sigs: np.ndarray) -> np.ndarray:
    """One uint64 per (doc, band): the band's ROWS values hashed together."""
    s = sigs.astype(np.uint64).reshape(len(sigs), BANDS, ROWS)
    out = np.zeros((len(sigs), BANDS), dtype=np.uint64)
    for r in range(ROWS):
        out = out * np.uint64(0x9E3779B97F4A7C15) + s[:, :, r]
    return out


class DuplicateIndex:
    """Clusters of same-story articles in one index generation (see the module doc)."""

    def __init__(self, n: int, live: np.ndarray, keys: Iterable[tuple[int, bytes]],
                 published: np.ndarray):
        """``keys``: (docnum, story_key) of the live articles."""
        self.n = n
        self.parent = np.arange(n, dtype=np.int64)
        self.sigs = np.tile(_EMPTY, (n, 1))
        self.has_sig = np.zeros(n, dtype=bool)
        title_h = np.zeros(n, dtype=np.uint64)
        for d, key in keys:
            title_h[d] = int.from_bytes(key[:8], "little")
            if len(key) > 8:
                self.sigs[d] = np.frombuffer(key, dtype=np.uint32, offset=8, count=NUM_PERM)
                self.has_sig[d] = True
        self.title_order = np.argsort(title_h, kind="stable")
        self.sorted_titles = title_h[self.title_order]
        bands = _band_keys(self.sigs)
        order = np.argsort(bands, axis=0, kind="stable")
        self.sorted_bands = np.take_along_axis(bands, order, axis=0)
        self.band_order = order.astype(np.int32)  # kept for every worker's lifetime: half size
        self._link_titles()
        self._link_texts()
        self._name_clusters(published, live)

    @classmethod
    def of(cls, snap: Snapshot) -> DuplicateIndex:
        """The detector of ``snap``'s generation, built on first use (once per generation)."""
        return snap.once(EXTRA_KEY, lambda: cls.build(snap))

    @classmethod
    def built(cls, snap: Snapshot) -> DuplicateIndex | None:
        """The detector of ``snap``'s generation if something built it already, else None
        (search folds results with it when it is there, without waiting for a build)."""
        made = snap.made(EXTRA_KEY)
        return made if isinstance(made, DuplicateIndex) else None

    @classmethod
    def build(cls, snap: Snapshot) -> DuplicateIndex:
        pub = snap.columns.published
        published = pub.copy() if len(pub) else np.full(snap.n, -1, dtype=np.int64)
        stored = read_column(snap.leaves, snap.n, COLUMN) if COLUMN in snap.ix.schema else None

        def keys():
            for d in np.flatnonzero(snap.live):
                key = stored[d] if stored is not None else None
                if key is None:  # a segment written before the column existed
                    a = snap.article(int(d))
                    key = story_key(a.title, article_text(a.lead, a.body))
                yield int(d), key

        return cls(snap.n, snap.live, keys(), published)

    # -- union-find ------------------------------------------------------------------------
    def _find(self, d: int) -> int:
        p = self.parent
        root = d
        while p[root] != root:
            root = int(p[root])
        while p[d] != root:
            p[d], d = root, int(p[d])
        return root

    def _union(self, a: int, b: int) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)

    def _link_titles(self) -> None:
        keys = self.sorted_titles
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
        ends = np.r_[starts[1:], len(keys)]
        for s, e in zip(starts, ends):
            if e - s > 1 and keys[s]:
                for d in self.title_order[s + 1 : e]:
                    self._union(int(self.title_order[s]), int(d))

    def _link_texts(self) -> None:
        """Pairs sharing a band bucket whose signatures agree enough."""
        for b in range(BANDS):
            order = self.band_order[:, b]
            keep = self.has_sig[order]
            order, keys = order[keep], self.sorted_bands[keep, b]
            starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
            ends = np.r_[starts[1:], len(keys)]
            for s, e in zip(starts[ends - starts > 1], ends[ends - starts > 1]):
                if e - s > MAX_RUN:
                    continue
                run = order[s:e]
                for i, a in enumerate(run[:-1]):
                    same = np.count_nonzero(self.sigs[run[i + 1:]] == self.sigs[a], axis=1)
                    for d in run[i + 1:][same >= MIN_JACCARD * NUM_PERM]:
                        self._union(int(a), int(d))

    def _name_clusters(self, published: np.ndarray, live: np.ndarray) -> None:
        """Each doc's cluster as its representative: earliest dated member, else lowest."""
        roots = np.array([self._find(d) for d in range(self.n)], dtype=np.int64)
        # Sort by (root, undated, date, docnum): the first of each root is the representative.
        undated = published < 0
        order = np.lexsort((np.arange(self.n), published, undated, ~live, roots))
        first = np.r_[True, roots[order][1:] != roots[order][:-1]]
        rep_of_root = np.zeros(self.n, dtype=np.int64)
        rep_of_root[roots[order][first]] = order[first]
        self.rep = rep_of_root[roots]
        self.size = np.bincount(self.rep, minlength=self.n)[self.rep]
        self.live = live

    # -- queries ---------------------------------------------------------------------------
    def cluster_of(self, docnum: int) -> int:
        """The cluster's representative docnum (``docnum`` itself when it has no copy)."""
        return int(self.rep[docnum])

    def same_story(self, a: int, b: int) -> bool:
        return bool(self.rep[a] == self.rep[b])

    def members(self, docnum: int) -> list[int]:
        rep = self.rep[docnum]
        others = np.flatnonzero((self.rep == rep) & self.live)
        return [int(rep)] + [int(d) for d in others if d != rep]

    def clusters(self) -> list[list[int]]:
        """Every cluster of two or more live articles, largest first."""
        multi = np.flatnonzero((self.size > 1) & self.live)
        by_rep: dict[int, list[int]] = defaultdict(list)
        for d in multi:
            by_rep[int(self.rep[d])].append(int(d))
        out = [sorted(ds, key=lambda d: (d != rep, d)) for rep, ds in by_rep.items()
               if len(ds) > 1]
        return sorted(out, key=lambda c: (-len(c), c[0]))

    def matching(self, title: str, text: str) -> list[int]:
        """Indexed articles that are the same story as an unindexed ``title`` and ``text``."""
        found: set[int] = set()
        h = title_hash(title_key(title))
        if h:
            col, key = self.sorted_titles, np.uint64(h)
            lo, hi = np.searchsorted(col, key), np.searchsorted(col, key, "right")
            found.update(int(d) for d in self.title_order[lo:hi])
        sig = signature(text)
        if sig is not None:
            keys = _band_keys(sig[None, :])[0]
            for b in range(BANDS):
                col = self.sorted_bands[:, b]
                lo, hi = np.searchsorted(col, keys[b]), np.searchsorted(col, keys[b], "right")
                for d in self.band_order[lo:hi, b][:MAX_RUN]:
                    if self.has_sig[d] and similarity(self.sigs[d], sig) >= MIN_JACCARD:
                        found.add(int(d))
        return sorted(d for d in found if self.live[d])
