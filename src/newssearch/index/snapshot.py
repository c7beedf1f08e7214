"""One open index generation and everything search reads from it, loaded once.

Why: scoring runs over numpy arrays of docnums and length-normalized term frequencies, read
from the flat postings written beside each segment (``postings.py``). Whoosh's pure-Python
matchers cost hundreds of milliseconds on multi-word news queries; array arithmetic over
cached postings costs a few. A snapshot never changes: a new generation is a new snapshot.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
from whoosh.codec.whoosh3 import byte_to_length

from newssearch.index.cache import BoundedCache
from newssearch.index.columns import load_columns
from newssearch.index.flat.postings import FlatPostings
from newssearch.index.generation import Once
from newssearch.index.ranking import RankingConfig
from newssearch.index.schema import TEXT_PARTS, article_from_stored
from newssearch.index.store import BuildInfo, open_build
from newssearch.index.whoosh_compat import length_bytes, live_docs
from newssearch.model import Article

# Memory the postings cache may hold of its own (each web worker's anonymous memory), in
# bytes. After updates a long list is kept in two pieces, a view of the mapped merged set and
# the updates' part (a short list is joined: little memory, one look instead of two). On
# the full corpus the dev queries' lists take about 27 MB after a rebuild (their objects
# only) and 95 MB after 30 days of updates; joined whole they took about 240 MB, and
# a budget below a working set empties the cache every few hundred queries.
CACHE_POSTINGS_BYTES = 128 * 2**20
ENTRY_BYTES = 500  # the Python objects of one cached list
JOIN_MAX = 2000  # postings up to which a list spanning several flat sets is one array

V = TypeVar("V")


@dataclass
class Postings:
    """One term's postings in one field: pieces of (docnums ascending, term frequencies) in
    docnum order (tf is uint8 from the flat files)."""

    pieces: list[tuple[np.ndarray, np.ndarray]]
    norm: np.ndarray  # the field's length normalization per docnum (float32, whole index)
    idf: float

    @property
    def df(self) -> int:
        return sum(len(d) for d, _ in self.pieces)

    @property
    def docs(self) -> np.ndarray:
        """All docnums as one array (joined on each use when there are several pieces)."""
        if len(self.pieces) == 1:
            return self.pieces[0][0]
        return np.concatenate([d for d, _ in self.pieces])

    @property
    def nbytes(self) -> int:
        """The memory this list holds of its own (slices of the mapped flat files are shared
        page cache, not counted)."""
        return sum(a.nbytes for pc in self.pieces for a in pc if a.flags.owndata) + ENTRY_BYTES

    def mark(self, mask: np.ndarray, value: bool) -> None:
        """Set ``mask`` at this term's docnums."""
        for d, _ in self.pieces:
            mask[d] = value

    def ntf(self) -> np.ndarray:
        """float32 tf/(1-b+b*dl/avgdl) of every posting, in docnum order."""
        return np.concatenate([self.norm.take(d) * tf for d, tf in self.pieces])

    def weights(self, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For sorted int32 candidates: the normalized tf at each (0 where absent) and where
        the term is. Computed here, at the candidates, never stored per list: stored, a
        worker's cache of a few thousand queries' terms weighed over 100 MB.

        (Candidates of another dtype would make numpy convert the whole list per call.)"""
        out = np.zeros(len(cand), dtype=np.float32)
        there = np.zeros(len(cand), dtype=bool)
        norm = self.norm.take(cand)
        for d, tf in self.pieces:
            idx, hit = find(d, cand)
            out += norm * tf.take(idx) * hit
            there |= hit
        return out, there

    def contains(self, cand: np.ndarray) -> np.ndarray:
        """Which of the sorted int32 candidates hold the term."""
        there = np.zeros(len(cand), dtype=bool)
        for d, _ in self.pieces:
            there |= find(d, cand)[1]
        return there


def find(docs: np.ndarray, cand: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For sorted candidates: where each would sit in ``docs`` (clipped), and whether it is
    there."""
    idx = docs.searchsorted(cand)
    np.minimum(idx, len(docs) - 1, out=idx)
    return idx, docs.take(idx) == cand


class Snapshot:
    """Everything search needs from one index generation."""

    def __init__(self, root: Path, config: RankingConfig | None = None,
                 build: BuildInfo | None = None):
        self.config = config or RankingConfig()
        self.build, self.ix = open_build(root, build)
        self.generation = self.ix.latest_generation()
        self.version = f"{self.build.name}.{self.generation}"
        self.searcher = self.ix.searcher()
        r = self.reader = self.searcher.reader()
        n = self.n = r.doc_count_all()
        self.leaves = list(r.leaf_readers())
        self.live = np.ones(n, dtype=bool)
        for seg, off in self.leaves:  # Whoosh's readers cannot list their deletions
            if seg.has_deletions():
                self.live[off : off + seg.doc_count_all()] = live_docs(seg)
        self.doc_count = int(self.live.sum())
        # Flat postings written beside each segment, where present (see postings.py).
        self.flat = FlatPostings(self.leaves, self.build.path)
        self.inv_norm = self._length_norms()
        self.columns = load_columns(self.leaves, n)
        self.cache: BoundedCache[Postings | None] = BoundedCache(
            CACHE_POSTINGS_BYTES, lambda p: p.nbytes if p is not None else ENTRY_BYTES)
        self._state: dict[str, Once] = {}  # per-generation structures and caches, by name
        self._state_lock = threading.Lock()

    def _length_norms(self) -> dict[str, np.ndarray]:
        """BM25's length normalization per field and doc, so reading a term is one multiply."""
        b = self.config.b
        table = np.array([byte_to_length(i) for i in range(256)], dtype=np.float32)
        out: dict[str, np.ndarray] = {}
        self.avglen: dict[str, float] = {}
        for part in (*TEXT_PARTS, "author"):
            for f in (part, part + "_f", part + "_sh"):
                if f not in self.ix.schema:
                    continue
                arr = np.zeros(self.n, dtype=np.float32)
                for seg, off in self.leaves:
                    col = length_bytes(seg, f)
                    if col is not None:
                        vals = np.fromiter(col, dtype=np.uint8, count=seg.doc_count_all())
                        arr[off : off + len(vals)] = table[vals]
                live_lengths = arr[self.live]
                self.avglen[f] = float(live_lengths.mean()) if len(live_lengths) else 1.0
                avg = self.avglen[f] or 1.0  # (a field no document has, such as author)
                out[f] = (1 / (1 - b + b * arr / avg)).astype(np.float32)
        return out

    def close(self) -> None:
        self.searcher.close()

    def once(self, name: str, make: Callable[[], V]) -> V:
        """The generation's ``name`` (a detector, a vocabulary, vectors, a cache), made by
        ``make`` on first use, once, while other callers wait for it. The one way state lives
        per generation: a new generation starts empty, so nothing is ever stale."""
        with self._state_lock:
            slot = self._state.setdefault(name, Once())
        return slot.get(make)

    def made(self, name: str) -> object | None:
        """What ``once(name, ...)`` made if something asked already, else None (never waits)."""
        slot = self._state.get(name)
        return slot.value if slot is not None else None

    def memo_cache(self, name: str, budget: int) -> BoundedCache:
        """A named per-generation bounded cache (phrases, surfaces, ...)."""
        return self.once("cache:" + name, lambda: BoundedCache(budget))

    def postings(self, fieldname: str, term: str) -> Postings | None:
        key = (fieldname, term)
        hit = self.cache.get(key, self)
        if hit is not self:
            return hit
        return self.cache.put(key, self._read_postings(fieldname, term))

    def df(self, fields: Iterable[str], term: str) -> int:
        """The largest document frequency of ``term`` over ``fields`` (deleted ones included)."""
        return max((p.df for f in fields if (p := self.postings(f, term))), default=0)

    def terms(self, fieldname: str, prefix: str = "") -> Iterator[str]:
        """The field's terms starting with ``prefix``, in byte order."""
        for t in self.flat.terms(fieldname, prefix.encode("utf-8", "surrogatepass")):
            yield t.decode("utf-8", "surrogatepass")

    def _read_postings(self, fieldname: str, term: str) -> Postings | None:
        pieces = self.flat.get(fieldname, term.encode("utf-8", "surrogatepass"))
        if not pieces:
            return None
        # A long list keeps the mapped merged set as a view and joins the pieces of the
        # segments added since (small), so scoring looks in at most two pieces; a short list
        # is joined whole (little memory, one look instead of two).
        df = sum(len(d) for d, _ in pieces)
        head = 1 if not pieces[0][0].flags.owndata and df > JOIN_MAX else 0
        if len(pieces) > head + 1:
            tail = pieces[head:]
            pieces = [*pieces[:head], (np.concatenate([d for d, _ in tail]),
                                       np.concatenate([t for _, t in tail]))]
        idf = math.log(1 + (self.doc_count - df + 0.5) / (df + 0.5))
        return Postings(pieces, self.inv_norm[fieldname], idf)

    def docnum(self, article_id: str) -> int | None:
        return self.searcher.document_number(id=article_id)

    def live_ids(self) -> list[str]:
        """The live articles' ids in docnum order, read from the id column: 0.05 s on the
        full corpus, where reading each stored article or asking ``docnum`` for each id
        takes about 2 s."""
        ids = self.reader.column_reader("id")
        return [ids[int(d)] for d in np.flatnonzero(self.live)]

    def article(self, docnum: int) -> Article:
        return article_from_stored(self.searcher.stored_fields(docnum))
