"""Fitting the related articles' topic vectors (LSA) on an index, and keeping them aligned
with it after updates (the space itself, its files and serving: ``related_vectors``).

Why here and numpy only: the fit runs where the index is written, and neither the writer nor
the web workers import SciPy or scikit-learn (memory). The vocabulary is the flat postings'
term strings and every article's counts come from their postings of the exact text fields
(nothing is segmented again); the SVD is a randomized range finder over a sparse matrix kept
in row and column order.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .analysis import stopwords
from .related_vectors import SnapshotVectors, TopicVectors
from .schema import PART_FIELDS, TEXT_PARTS
from .search.snapshot import Snapshot
from .store import BuildInfo

_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class VectorConfig:
    """How the space is fitted (defaults measured in bench/related_quality.py)."""

    dims: int = 100
    head_weight: float = 2.0  # a title or lead occurrence counts as this many body ones
    min_df: int = 3
    max_df_share: float = 0.5
    power_iters: int = 4  # of the randomized SVD
    seed: int = 0
    # Leading components left out: the first is the direction every article shares (the
    # corpus' common vocabulary) and pulls articles of any section together.
    skip: int = 1


@dataclass
class FitReport:
    docs: int
    terms: int
    dims: int
    seconds: float
    nnz: int


class _Sparse:
    """A sparse matrix kept in column order (as ``doc_terms`` makes it) and in row order: the
    two products the randomized SVD needs, each summing sorted runs (no SciPy)."""

    CHUNK = 200_000  # nonzeros gathered at once (times the dense side's columns, float32)

    def __init__(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray,
                 shape: tuple[int, int]):
        """``cols`` ascending (rows in any order within a column)."""
        self.shape = shape
        rows = rows.astype(np.int32)
        self.c = (cols.astype(np.int32), rows, vals)
        by_row = np.argsort(rows, kind="stable")
        self.r = (rows[by_row], self.c[0][by_row], vals[by_row])

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


def vocabulary(snap: Snapshot) -> list[str]:
    """Every term of the exact text fields (the flat postings' term strings) with a letter,
    not a stopword: nothing is analyzed again."""
    stops = stopwords()
    seen: set[str] = set()
    for part in TEXT_PARTS:
        seen.update(snap.terms(PART_FIELDS[part][0]))
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
        if sum(len(d) for d in docs) < cfg.min_df:  # most terms: rare, no unique needed
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
    rows, cols, vals, terms, dfs = doc_terms(snap, vocabulary(snap), cfg)
    nnz = len(vals)
    live = np.flatnonzero(snap.live)
    pos = np.cumsum(snap.live) - 1  # docnum -> row among the live
    idf = (np.log((len(live) + 1) / (dfs + 1)) + 1).astype(np.float32)
    vals = (1 + np.log(vals)) * idf[cols]
    norms = np.sqrt(np.bincount(rows, weights=vals * vals, minlength=snap.n))
    vals = (vals / norms[rows]).astype(np.float32)
    x = _Sparse(pos[rows], cols, vals, (len(live), len(terms)))
    del rows, cols, vals
    skip = min(cfg.skip, max(min(len(live), len(terms)) - 2, 0))
    dims = min(cfg.dims, len(live) - 1 - skip, len(terms) - 1 - skip)
    coords, v = randomized_svd(x, dims + skip, cfg.power_iters, cfg.seed)
    coords, v = coords[:, skip:], np.ascontiguousarray(v[:, skip:])
    docs = coords / np.maximum(np.linalg.norm(coords, axis=1, keepdims=True), 1e-12)
    proj = (v * idf[:, None]).astype(np.float16)  # tf-idf -> space; scale cancels in a unit vector
    ids = [snap.article(int(d)).id for d in live]
    meta = {**asdict(cfg), "dims": dims, "skip": skip, "docs": len(live), "terms": len(terms),
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
        docs[i] = space.fold_article(a)
        ids.append(a.id)
        folded += 1
    meta = {**space.meta, "version": snap.version, "docs": len(live),
            "folded": int(space.meta.get("folded", 0)) + folded}
    TopicVectors(space.terms, np.asarray(space.proj), docs, ids, meta).save(snap.build.path)
    return folded


def maintain(root: Path, build: BuildInfo, changed: list[str] | None) -> None:
    """The indexer's hook (``indexer.Maintain``): after a rebuild (``changed`` None) fit the
    space into the new build; after an update or delete realign it, if the build has one."""
    if changed is not None and TopicVectors.load(build.path) is None:
        return
    snap = Snapshot(root, build=build)
    try:
        if changed is None:
            write_vectors(snap)
        else:
            refresh_vectors(snap, changed)
    finally:
        snap.close()
