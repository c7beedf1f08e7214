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

from newssearch.index.flat.files import runs, term_key
from newssearch.index.schema import PART_FIELDS, TEXT_PARTS
from newssearch.index.snapshot import Snapshot
from newssearch.index.store import BuildInfo
from newssearch.index.vectors import SnapshotVectors, TopicVectors
from newssearch.text.analysis import stopwords

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


def field_weights(head_weight: float) -> dict[str, float]:
    """The exact text fields an article's counts come from, and what an occurrence in each
    counts (title and lead ``head_weight``, body 1), for the fit and for folding in alike."""
    return {PART_FIELDS[p][0]: (head_weight if p != "body" else 1.0) for p in TEXT_PARTS}


def doc_terms(snap: Snapshot, terms: list[str], cfg: VectorConfig):
    """Sparse (doc, term, weighted count) triples of the live articles, from the postings of
    the exact text fields; the terms kept (df within bounds) and their document frequency."""
    n_live = snap.doc_count
    max_df = cfg.max_df_share * n_live
    weights = field_weights(cfg.head_weight)
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    kept: list[str] = []
    dfs: list[int] = []
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
    ids = snap.live_ids()
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


def fold_indexed(snap: Snapshot, space: TopicVectors, docs: np.ndarray) -> np.ndarray:
    """Unit vectors of the indexed articles ``docs`` (docnums) in ``space``, their counts read
    from the flat postings of the exact text fields as the fit reads them: an update's new
    articles fold in without their text being segmented again (1,000 articles: about 0.5 s
    instead of 6 s)."""
    n_terms, dims = len(space.terms), space.proj.shape[1]
    out = np.zeros((len(docs), dims), dtype=np.float32)
    if not len(docs):
        return out
    fields = field_weights(space.head_weight)
    keys = np.array([term_key(f, t.encode("utf-8", "surrogatepass"))
                     for f in fields for t in space.terms], dtype=np.uint64)
    col = np.tile(np.arange(n_terms, dtype=np.int64), len(fields))
    weight = np.repeat(np.array(list(fields.values()), dtype=np.float32), n_terms)
    order = np.argsort(keys)
    keys, col, weight = keys[order], col[order], weight[order]
    slot = np.full(snap.n, -1, dtype=np.int64)
    slot[docs] = np.arange(len(docs))
    bounds = [off for off, _ in snap.flat.parts[1:]] + [snap.n]
    cells, counts = [], []
    for (off, fs), end in zip(snap.flat.parts, bounds):
        if not (slot[off:end] >= 0).any():
            continue  # none of ``docs`` in this set (the merged set, usually)
        set_keys = np.asarray(fs.keys)
        at = np.minimum(np.searchsorted(set_keys, keys), max(len(set_keys) - 1, 0))
        hit = np.flatnonzero(set_keys[at] == keys) if len(set_keys) else at[:0]
        starts = np.asarray(fs.starts)
        lens = starts[at[hit] + 1] - starts[at[hit]]
        idx = runs(starts[at[hit]], lens)
        row = slot[off + np.asarray(fs.docs)[idx]]
        mine = row >= 0
        cells.append(row[mine] * n_terms + np.repeat(col[hit], lens)[mine])
        counts.append(np.asarray(fs.tfs)[idx][mine] * np.repeat(weight[hit], lens)[mine])
    if not cells:
        return out
    cell, inv = np.unique(np.concatenate(cells), return_inverse=True)
    tf = (1 + np.log(np.bincount(inv, weights=np.concatenate(counts)))).astype(np.float32)
    row, term = np.divmod(cell, n_terms)
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    out[row[starts]] = np.add.reduceat(tf[:, None] * np.asarray(space.proj[term], np.float32),
                                       starts, axis=0)
    return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


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
    have = row[live] >= 0
    docs = np.zeros((len(live), space.docs.shape[1]), dtype=np.float16)
    docs[have] = space.docs[row[live[have]]]
    new = live[~have]
    docs[~have] = fold_indexed(snap, space, new)
    ids = snap.live_ids()
    folded = len(new)
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
