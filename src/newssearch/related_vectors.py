"""Topic vectors for related articles: latent semantic analysis (LSA) of the whole index.

Why: key terms and BM25F only see the words two articles share. A truncated SVD of the
corpus' TF-IDF matrix (pyvi words and syllables, title and lead counted twice, sublinear tf,
rows of unit length) learns, without labels, which words go together, so two articles on one
subject are near even with few words in common. Related articles mix the cosine of these
vectors into their final order (``related.py``); measured in bench/related_quality.py and
docs/related.md.

Fitting (``fit_vectors``, at index time, numpy only): the vocabulary comes from analyzing a
sample of the stored articles, the counts of every article from the index's flat postings
(no second segmentation), the SVD from a randomized range finder. ``save`` writes
``<build>/vectors/``: float16 unit document vectors, the ids they belong to, and the
term -> projection table (idf folded in) that places a posted text, or an article added by a
later update, in the same space (``fold``). Serving (``TopicVectors.of``) maps the files
read-only; an index without them gives None and related articles work as before.
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .analysis import analyze, stopwords
from .schema import PART_FIELDS, TEXT_PARTS
from .search.snapshot import Snapshot

DIR = "vectors"
EXTRA_KEY = "related_vectors"
FILES = ("meta.json", "terms.txt", "ids.txt", "proj.npy", "docs.npy")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class VectorConfig:
    """How the space is fitted (defaults measured in bench/related_quality.py)."""

    dims: int = 100
    head_weight: float = 2.0  # a title or lead occurrence counts as this many body ones
    min_df: int = 3
    max_df_share: float = 0.5
    sample: int = 8000  # articles analyzed for the vocabulary
    power_iters: int = 4  # of the randomized SVD
    seed: int = 0


@dataclass
class FitReport:
    docs: int
    terms: int
    dims: int
    seconds: float
    nnz: int


def text_counts(title: str, lead: str, body: str, head_weight: float) -> dict[str, float]:
    """Weighted term counts of a text, as the fit counts an indexed article."""
    counts: dict[str, float] = {}
    for text, w in ((f"{title}\n{lead}", head_weight), (body, 1.0)):
        for t in analyze(text):
            counts[t.text] = counts.get(t.text, 0.0) + w
    return counts


class TopicVectors:
    """A fitted space: the projection of terms and the vectors of the indexed articles."""

    def __init__(self, terms: list[str] | Path, proj: np.ndarray, docs: np.ndarray,
                 ids: list[str] | Path, meta: dict):
        """``terms`` and ``ids`` may be the files holding them, read on first use: a worker
        whose space was saved for its generation and that folds in nothing never needs them
        (7 MB of Python strings on the full corpus)."""
        self.proj, self.docs, self.meta = proj, docs, meta
        self._lists: dict[str, list[str] | Path] = {"terms": terms, "ids": ids}
        self.head_weight = float(meta["head_weight"])
        self._index: dict[str, int] | None = None

    @property
    def terms(self) -> list[str]:
        return self._list("terms")

    @property
    def ids(self) -> list[str]:
        return self._list("ids")

    def _list(self, name: str) -> list[str]:
        value = self._lists[name]
        if isinstance(value, Path):
            value = self._lists[name] = value.read_text("utf-8", "surrogatepass").split("\n")
        return value

    # -- files -----------------------------------------------------------------------------
    def save(self, build_path: Path) -> int:
        """Write ``<build>/vectors/`` (each file via a temporary name); returns its bytes."""
        out = Path(build_path) / DIR
        out.mkdir(exist_ok=True)
        payload = {"meta.json": json.dumps(self.meta).encode(),
                   "terms.txt": "\n".join(self.terms).encode("utf-8", "surrogatepass"),
                   "ids.txt": "\n".join(self.ids).encode("utf-8", "surrogatepass")}
        for name, arr in (("proj.npy", self.proj), ("docs.npy", self.docs)):
            with open(out / f"{name}.tmp", "wb") as fh:
                np.save(fh, arr)
        for name, data in payload.items():
            (out / f"{name}.tmp").write_bytes(data)
        for name in FILES:
            (out / f"{name}.tmp").replace(out / name)
        return sum((out / n).stat().st_size for n in FILES)

    @classmethod
    def load(cls, build_path: Path) -> TopicVectors | None:
        """The space saved beside a build, mapped read-only; None when there is none."""
        d = Path(build_path) / DIR
        if not all((d / n).is_file() for n in FILES):
            return None
        meta = json.loads((d / "meta.json").read_text())
        return cls(d / "terms.txt", np.load(d / "proj.npy", mmap_mode="r"),
                   np.load(d / "docs.npy", mmap_mode="r"), d / "ids.txt", meta)

    @classmethod
    def of(cls, snap: Snapshot) -> SnapshotVectors | None:
        """The space of ``snap``'s build with its docnum map, loaded once per generation."""
        with snap.extras_lock:
            slot = snap.extras.setdefault(EXTRA_KEY, _Once())
        return slot.get(lambda: cls.bind(snap))

    @classmethod
    def bind(cls, snap: Snapshot) -> SnapshotVectors | None:
        space = cls.load(snap.build.path)
        return SnapshotVectors(snap, space) if space is not None else None

    # -- folding in --------------------------------------------------------------------------
    def fold(self, title: str, lead: str, body: str) -> np.ndarray:
        """The unit vector of a text not in the fit (zero when it has no known term)."""
        if self._index is None:
            self._index = {t: i for i, t in enumerate(self.terms)}
        rows, tf = [], []
        for term, c in text_counts(title, lead, body, self.head_weight).items():
            j = self._index.get(term)
            if j is not None:
                rows.append(j)
                tf.append(1 + math.log(c))
        if not rows:
            return np.zeros(self.proj.shape[1], dtype=np.float32)
        v = np.asarray(tf, dtype=np.float32) @ self.proj[rows].astype(np.float32)
        return unit(v)


class _Once:
    """A value made once under its own lock (not the snapshot's: binding reads the ids)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.done = False
        self.value: SnapshotVectors | None = None

    def get(self, make) -> SnapshotVectors | None:
        if not self.done:
            with self.lock:
                if not self.done:
                    self.value = make()
                    self.done = True
        return self.value


class SnapshotVectors:
    """A space bound to one generation: docnum -> vector, folding in articles it lacks."""

    def __init__(self, snap: Snapshot, space: TopicVectors):
        self.snap, self.space = snap, space
        self.row = np.full(snap.n, -1, dtype=np.int64)
        live = np.flatnonzero(snap.live)
        if space.meta.get("version") == snap.version and len(live) == space.meta.get("docs"):
            self.row[live] = np.arange(len(live))  # saved for this very generation
        else:  # docnums moved (updates, merges): map by id; articles added later fold in
            for i, aid in enumerate(space.ids):
                d = snap.docnum(aid)
                if d is not None:
                    self.row[d] = i
        self.folded = snap.memo_cache("related_folded", 20_000)

    def of_doc(self, d: int) -> np.ndarray:
        """Indexed article ``d``'s unit vector (folded in from its text if the fit lacks it)."""
        r = self.row[d]
        if r >= 0:
            return self.space.docs[r].astype(np.float32)

        def make() -> np.ndarray:
            a = self.snap.article(d)
            return self.space.fold(a.title, a.lead, "\n".join([*a.captions, *a.body]))
        return self.folded.get_or_make(d, make)

    def cosines(self, q: np.ndarray, cand: np.ndarray) -> np.ndarray:
        """Cosine of unit vector ``q`` with each docnum of ``cand``."""
        rows = self.row[cand]
        out = np.zeros(len(cand), dtype=np.float32)
        have = rows >= 0
        if have.any():
            out[have] = self.space.docs[rows[have]].astype(np.float32) @ q
        for k in np.flatnonzero(~have):
            out[k] = float(self.of_doc(int(cand[k])) @ q)
        return out


def mix(scores: np.ndarray, cosines: np.ndarray, cand: np.ndarray, weight: float) -> np.ndarray:
    """``(1 - weight) * score / best + weight * max(cosine, 0)`` on ``cand``, 0 elsewhere."""
    out = np.zeros_like(scores)
    best = float(scores[cand].max()) if len(cand) else 0.0
    if best <= 0:
        return scores
    mixed = (1 - weight) * scores[cand] / best + weight * np.maximum(cosines, 0)
    out[cand] = np.maximum(mixed, np.float32(1e-6))  # still candidates, in their new order
    return out


def unit(v: np.ndarray) -> np.ndarray:
    n = float(np.linalg.norm(v))
    return (v / n).astype(np.float32) if n > 0 else v.astype(np.float32)


# -- fitting -------------------------------------------------------------------------------
class _Sparse:
    """A sparse matrix kept in row order and in column order: the two products the
    randomized SVD needs, each summing sorted runs (no scipy in the product)."""

    CHUNK = 200_000  # nonzeros gathered at once (times the dense side's columns, float32)

    def __init__(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
                 shape: tuple[int, int]):
        self.shape = shape
        rows, cols = rows.astype(np.int32), cols.astype(np.int32)
        by_row = np.lexsort((cols, rows))
        self.r = (rows[by_row], cols[by_row], vals[by_row])
        by_col = np.lexsort((rows, cols))
        self.c = (cols[by_col], rows[by_col], vals[by_col])

    def dot(self, b: np.ndarray) -> np.ndarray:
        """self @ b."""
        return _spmm(*self.r, b, self.shape[0], self.CHUNK)

    def tdot(self, b: np.ndarray) -> np.ndarray:
        """self.T @ b."""
        return _spmm(*self.c, b, self.shape[1], self.CHUNK)


def _spmm(out_idx: np.ndarray, in_idx: np.ndarray, vals: np.ndarray, b: np.ndarray,
          n_out: int, chunk: int) -> np.ndarray:
    """Sum of vals * b[in_idx] into rows out_idx (sorted ascending) of an (n_out, k) result."""
    out = np.zeros((n_out, b.shape[1]), dtype=np.float32)
    for a in range(0, len(vals), chunk):
        o = out_idx[a : a + chunk]
        part = vals[a : a + chunk, None] * b[in_idx[a : a + chunk]]
        starts = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
        out[o[starts]] += np.add.reduceat(part, starts, axis=0)
    return out


def randomized_svd(x: _Sparse, k: int, iters: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(x @ V, V): the first ``k`` right singular vectors V (terms x k) of ``x`` and the
    documents' coordinates on them (U S), by a randomized range finder (Halko et al.)."""
    rng = np.random.default_rng(seed)
    over = min(k + 10, min(x.shape))
    q = x.dot(rng.standard_normal((x.shape[1], over), dtype=np.float32))
    q, _ = np.linalg.qr(q)
    for _ in range(iters):
        q, _ = np.linalg.qr(x.tdot(q))
        q, _ = np.linalg.qr(x.dot(q))
    small = x.tdot(q).T  # (over x terms) = Q^T X
    _, _, vt = np.linalg.svd(small, full_matrices=False)
    v = np.ascontiguousarray(vt[:k].T, dtype=np.float32)
    return x.dot(v), v


def vocabulary(snap: Snapshot, cfg: VectorConfig) -> list[str]:
    """Terms of a sample of the stored articles: letters, no stopword."""
    live = [int(d) for d in np.flatnonzero(snap.live)]
    sample = random.Random(cfg.seed).sample(live, min(cfg.sample, len(live)))
    stops = stopwords()
    seen: set[str] = set()
    for d in sample:
        a = snap.article(d)
        for t in analyze("\n".join([a.title, a.lead, *a.captions, *a.body])):
            seen.add(t.text)
    return sorted(t for t in seen if t not in stops and _LETTER.search(t))


def doc_terms(snap: Snapshot, terms: list[str], cfg: VectorConfig):
    """Sparse (doc, term, weighted count) triples of the live articles, from the postings of
    the exact text fields; the terms kept (df within bounds) and their document frequency."""
    n_live = snap.doc_count
    max_df = cfg.max_df_share * n_live
    weights = {PART_FIELDS[p][0]: (cfg.head_weight if p != "body" else 1.0) for p in TEXT_PARTS}
    rows, cols, vals, kept, dfs = [], [], [], [], []
    for term in terms:
        docs, tfs = [], []
        for f, w in weights.items():  # read past the snapshot's cache: each term once
            for dd, tf in snap.flat.get(f, term.encode("utf-8", "surrogatepass")):
                docs.append(dd)
                tfs.append(tf.astype(np.float32) * w)
        if not docs:
            continue
        d = np.concatenate(docs)
        tf = np.concatenate(tfs)
        alive = snap.live[d]
        d, tf = d[alive], tf[alive]
        uniq, inv = np.unique(d, return_inverse=True)
        if not cfg.min_df <= len(uniq) <= max_df:
            continue
        rows.append(uniq.astype(np.int32))
        cols.append(np.full(len(uniq), len(kept), dtype=np.int32))
        vals.append(np.bincount(inv, weights=tf).astype(np.float32))
        kept.append(term)
        dfs.append(len(uniq))
    return (np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), kept,
            np.asarray(dfs, dtype=np.float64))


def fit_vectors(snap: Snapshot, cfg: VectorConfig | None = None
                ) -> tuple[TopicVectors, FitReport]:
    """Fit the space on every live article of ``snap`` (unsupervised: text only)."""
    cfg = cfg or VectorConfig()
    t0 = time.perf_counter()
    rows, cols, vals, terms, dfs = doc_terms(snap, vocabulary(snap, cfg), cfg)
    nnz = len(vals)
    live = np.flatnonzero(snap.live)
    pos = np.cumsum(snap.live) - 1  # docnum -> row among the live
    idf = (np.log((len(live) + 1) / (dfs + 1)) + 1).astype(np.float32)
    vals = (1 + np.log(vals)) * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=snap.n))
    vals = (vals / norms[rows]).astype(np.float32)
    x = _Sparse(pos[rows], cols, vals, (len(live), len(terms)))
    del rows, cols, vals
    dims = min(cfg.dims, len(live) - 1, len(terms) - 1)
    coords, v = randomized_svd(x, dims, cfg.power_iters, cfg.seed)
    docs = coords / np.maximum(np.linalg.norm(coords, axis=1, keepdims=True), 1e-12)
    proj = (v * idf[:, None]).astype(np.float16)  # tf-idf -> space; scale cancels in unit()
    ids = [snap.article(int(d)).id for d in live]
    meta = {**asdict(cfg), "dims": dims, "docs": len(live), "terms": len(terms),
            "version": snap.version}
    space = TopicVectors(terms, proj, docs.astype(np.float16), ids, meta)
    return space, FitReport(len(live), len(terms), dims, time.perf_counter() - t0, nnz)


def write_vectors(snap: Snapshot, cfg: VectorConfig | None = None) -> FitReport:
    """Fit on ``snap`` and save beside its build: what the indexer calls after a rebuild."""
    space, report = fit_vectors(snap, cfg)
    space.save(snap.build.path)
    return report


def refresh_vectors(snap: Snapshot, changed: Iterable[str] = ()) -> int:
    """After an update or delete: save the space again aligned with ``snap``'s live articles,
    folding in those it lacks and the ``changed`` ids (their text was replaced); deleted ones
    drop out. The projection is kept (refit at the next rebuild). Returns how many articles
    were folded in; 0 and nothing written when the build has no space."""
    space = TopicVectors.load(snap.build.path)
    if space is None:
        return 0
    row = SnapshotVectors(snap, space).row
    for aid in changed:
        d = snap.docnum(aid)
        if d is not None:
            row[d] = -1
    live = np.flatnonzero(snap.live)
    docs = np.zeros((len(live), space.docs.shape[1]), dtype=np.float16)
    ids: list[str] = []
    folded = 0
    for i, d in enumerate(live):
        if row[d] >= 0:
            docs[i] = space.docs[row[d]]
            ids.append(space.ids[row[d]])
            continue
        a = snap.article(int(d))
        docs[i] = space.fold(a.title, a.lead, "\n".join([*a.captions, *a.body]))
        ids.append(a.id)
        folded += 1
    meta = {**space.meta, "version": snap.version, "docs": len(live),
            "folded": int(space.meta.get("folded", 0)) + folded}
    TopicVectors(space.terms, np.asarray(space.proj), docs, ids, meta).save(snap.build.path)
    return folded
