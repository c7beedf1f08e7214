"""The same story syndicated under several ids is listed once: the first hit of each story
stays, the others fold under it ("và N bài tương tự").

The detector is the one related articles use (``duplicates.py``): when its index for this
generation is built (the web app builds it at start), same title or near-identical text;
otherwise, without waiting seconds for a build, the same normalized title.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from newssearch.index.snapshot import Snapshot
from newssearch.model import Article
from newssearch.search.duplicates import DuplicateIndex
from newssearch.text.storykey import title_key

FETCH_EXTRA = 5  # ranked documents read beyond the page, for the copies folded away
MAX_FETCH = 2000  # bounded work: at most this many ranked documents are folded


@dataclass
class Story:
    docnum: int
    article: Article
    copies: list[Article] = field(default_factory=list)  # same story, folded under it


class Folder:
    def __init__(self, snap: Snapshot, mask: np.ndarray):
        self.snap = snap
        self.mask = mask
        self.dups = DuplicateIndex.built(snap)
        self._articles: dict[int, Article] = {}

    def article(self, d: int) -> Article:
        a = self._articles.get(d)
        if a is None:
            a = self._articles[d] = self.snap.article(d)
        return a

    def key(self, d: int):
        if self.dups is not None:
            return self.dups.cluster_of(d)
        return title_key(self.article(d).title) or ("doc", d)

    def fold(self, ranked: list[int]) -> list[list[int]]:
        """The ranked docnums grouped by story, in rank order: [first, copies...]. Only
        docnums: a stored article is read for the page's stories alone (reading each ranked
        one cost about a seventh of a page)."""
        stories: dict = {}
        for d in ranked:
            stories.setdefault(self.key(d), []).append(d)
        return list(stories.values())

    def story(self, docnums: list[int]) -> Story:
        """The page entry of a story: its first hit, and every copy among the documents
        found when the detector knows the clusters (else the copies ranked so far)."""
        first = docnums[0]
        copies = docnums[1:]
        if self.dups is not None:
            copies = [] if self.dups.size[first] < 2 else [
                d for d in self.dups.members(first) if d != first and self.mask[d]]
        return Story(first, self.article(first), [self.article(d) for d in copies])


def fold_page(snap: Snapshot, mask: np.ndarray, rank_first, offset: int,
              per_page: int) -> list[Story]:
    """The page's stories: ``rank_first(k)`` gives the first ``k`` ranked docnums; as many are
    read as it takes to fill the page with distinct stories (or to run out)."""
    folder = Folder(snap, mask)
    want = offset + per_page
    k = want + FETCH_EXTRA
    while True:
        ranked = rank_first(k)
        stories = folder.fold(ranked)
        if len(stories) >= want or len(ranked) < k or k >= MAX_FETCH:
            break
        k = min(MAX_FETCH, k * 2)
    return [folder.story(st) for st in stories[offset:want]]
