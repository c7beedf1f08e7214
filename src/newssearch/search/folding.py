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

    def fold(self, ranked: list[int]) -> list[Story]:
        stories: list[Story] = []
        by_key: dict = {}
        for d in ranked:
            k = self.key(d)
            if k in by_key:
                by_key[k].copies.append(self.article(d))
            else:
                by_key[k] = Story(d, self.article(d))
                stories.append(by_key[k])
        return stories

    def copies_found(self, story: Story) -> list[Article]:
        """Every copy of the story among the documents found (not only those ranked so far),
        when the detector knows the clusters."""
        if self.dups is None or self.dups.size[story.docnum] < 2:
            return story.copies
        return [self.article(d) for d in self.dups.members(story.docnum)
                if d != story.docnum and self.mask[d]]


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
    page = stories[offset:want]
    for st in page:
        st.copies = folder.copies_found(st)
    return page
