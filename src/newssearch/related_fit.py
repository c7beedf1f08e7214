"""Fitting the related articles' topic vectors (LSA) on an index, and keeping them aligned
with it after updates (the space itself, its files and serving: ``related_vectors``).

Why here: the fit runs where the index is written, after the writers are done, and only it
imports SciPy (its sparse SVD); the web workers and the writers never do (memory). The
vocabulary is the flat postings' term strings and every article's counts come from their
postings of the exact text fields (nothing is segmented again).
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
    seed: int = 0  # of ARPACK's start vector
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


def lsa(x, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(x @ V, V): the first ``k`` right singular vectors V (terms x k) of sparse ``x``, largest
    first, and the documents' coordinates on them (U S). ARPACK through SciPy (pyvi's
    scikit-learn brings it): 10 s on the full corpus where numpy products took 35 s."""
    from scipy.sparse.linalg import svds  # here only: the web workers never load SciPy

    _, sv, vt = svds(x, k=k, random_state=seed)
    v = np.ascontiguousarray(vt[np.argsort(-sv)].T, dtype=np.float32)
    return np.asarray(x @ v, dtype=np.float32), v


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
    if not kept:  # no term in enough articles
        rows = cols = [np.zeros(0, dtype=np.int32)]
        vals = [np.zeros(0, dtype=np.float32)]
    return (np.concatenate(rows), np.concatenate(cols), np.concatenate(vals), kept,
            np.asarray(dfs, dtype=np.float64))


def fit_vectors(snap: Snapshot, cfg: VectorConfig | None = None
                ) -> tuple[TopicVectors, FitReport] | None:
    """Fit the space on every live article of ``snap`` (unsupervised: text only); None when
    there are too few articles or shared terms for one dimension."""
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
    skip = min(cfg.skip, max(min(len(live), len(terms)) - 2, 0))
    dims = min(cfg.dims, len(live) - 1 - skip, len(terms) - 1 - skip)
    if dims < 1:  # a handful of articles: nothing to learn, related lists stay lexical
        return None
    from scipy.sparse import csr_matrix

    x = csr_matrix((vals, (pos[rows], cols)), shape=(len(live), len(terms)))
    del rows, cols, vals
    coords, v = lsa(x, dims + skip, cfg.seed)
    coords, v = coords[:, skip:], np.ascontiguousarray(v[:, skip:])
    docs = coords / np.maximum(np.linalg.norm(coords, axis=1, keepdims=True), 1e-12)
    proj = (v * idf[:, None]).astype(np.float16)  # tf-idf -> space; scale cancels in a unit vector
    ids = [snap.article(int(d)).id for d in live]
    meta = {**asdict(cfg), "dims": dims, "skip": skip, "docs": len(live), "terms": len(terms),
            "version": snap.version}
    space = TopicVectors(terms, proj, docs.astype(np.float16), ids, meta)
    return space, FitReport(len(live), len(terms), dims, time.perf_counter() - t0, nnz)


def write_vectors(snap: Snapshot, cfg: VectorConfig | None = None) -> FitReport | None:
    """Fit on ``snap`` and save beside its build: what the indexer calls after a rebuild.
    None, and nothing written, when there is nothing to fit."""
    fitted = fit_vectors(snap, cfg)
    if fitted is None:
        return None
    space, report = fitted
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
