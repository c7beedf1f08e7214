"""Topic vectors: latent semantic analysis (LSA) of the whole index, for related articles and
for topical search (both read them through here; fitting is ``related.fit``).

Why: key terms and BM25F only see the words two articles share. A truncated SVD of the
corpus' TF-IDF matrix (pyvi words and syllables, title and lead counted twice, sublinear tf,
rows of unit length) learns, without labels, which words go together, so two articles on one
subject are near even with few words in common. Related articles mix the cosine of these
vectors into their final order (``related.py``); measured in bench/related_quality.py and
docs/related.md.

This module is the space and its serving: ``save`` writes ``<build>/vectors/`` (float16 unit
document vectors, the ids they belong to, and the term -> projection table, idf folded in,
that places a posted text or an article added by a later update in the same space:
``fold``); ``TopicVectors.of`` maps the files read-only, once per generation; an index
without them gives None and related articles work as before. Fitting is in
``related_fit`` (numpy only, at index time).
"""

from __future__ import annotations

import json
import math
import mmap
import os
import secrets
from pathlib import Path

import numpy as np

from newssearch.index.schema import indexed_body
from newssearch.index.snapshot import Snapshot
from newssearch.model import Article
from newssearch.text.analysis import analyze

DIR = "vectors"
EXTRA_KEY = "related_vectors"
META = "meta.json"  # names the current set of files: renamed into place last
PARTS = {"terms": "txt", "ids": "txt", "proj": "npy", "docs": "npy"}


def read_meta(vectors_dir: Path) -> dict | None:
    """The current set's settings and file names; None when there is no space."""
    try:
        return json.loads((vectors_dir / META).read_text())
    except FileNotFoundError:
        return None


def _mapped(path: Path) -> bytes | mmap.mmap:
    """A file's bytes mapped read-only: they stay readable after the file is removed."""
    with open(path, "rb") as fh:
        if os.fstat(fh.fileno()).st_size == 0:
            return b""
        return mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)


def text_counts(title: str, lead: str, body: str, head_weight: float) -> dict[str, float]:
    """Weighted term counts of a text, as the fit counts an indexed article."""
    counts: dict[str, float] = {}
    for text, w in ((f"{title}\n{lead}", head_weight), (body, 1.0)):
        for t in analyze(text):
            counts[t.text] = counts.get(t.text, 0.0) + w
    return counts


class TopicVectors:
    """A fitted space: the projection of terms and the vectors of the indexed articles."""

    def __init__(self, terms: list[str] | bytes | mmap.mmap, proj: np.ndarray,
                 docs: np.ndarray, ids: list[str] | bytes | mmap.mmap, meta: dict):
        """``terms`` and ``ids`` may be their files' mapped bytes, split on first use: a worker
        whose space was saved for its generation and that folds in nothing never needs them
        (13 MB with the term dict on the full corpus)."""
        self.proj, self.docs, self.meta = proj, docs, meta
        self._lists: dict[str, list[str] | bytes | mmap.mmap] = {"terms": terms, "ids": ids}
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
        if not isinstance(value, list):
            value = self._lists[name] = bytes(value).decode("utf-8", "surrogatepass").split("\n")
        return value

    # -- files -----------------------------------------------------------------------------
    def save(self, build_path: Path) -> int:
        """Write a new set of files into ``<build>/vectors/`` and switch to it by renaming
        ``meta.json`` last, so a reader always opens one consistent set; the other sets are
        removed (a reader maps all its files when it loads, so they stay readable to it, and
        a load that loses the race to a removal reads ``meta.json`` again). Returns the new
        set's bytes."""
        out = Path(build_path) / DIR
        out.mkdir(exist_ok=True)
        stamp = secrets.token_hex(4)
        names = {k: f"{k}-{stamp}.{ext}" for k, ext in PARTS.items()}
        for key, arr in (("proj", self.proj), ("docs", self.docs)):
            with open(out / names[key], "wb") as fh:
                np.save(fh, arr)
        for key in ("terms", "ids"):
            (out / names[key]).write_bytes("\n".join(self._list(key)).encode("utf-8",
                                                                              "surrogatepass"))
        meta = {**self.meta, "files": names}
        (out / f"{META}.tmp").write_text(json.dumps(meta))
        (out / f"{META}.tmp").replace(out / META)
        for f in out.iterdir():
            if f.name not in {META, *names.values()}:
                f.unlink()
        return sum((out / n).stat().st_size for n in (META, *names.values()))

    @classmethod
    def load(cls, build_path: Path) -> TopicVectors | None:
        """The space saved beside a build, mapped read-only; None when there is none."""
        d = Path(build_path) / DIR
        for _ in range(3):  # a writer may switch sets and remove this one meanwhile
            meta = read_meta(d)
            names = (meta or {}).get("files")
            if not names or meta is None:
                return None
            try:
                return cls(_mapped(d / names["terms"]),
                           np.load(d / names["proj"], mmap_mode="r"),
                           np.load(d / names["docs"], mmap_mode="r"),
                           _mapped(d / names["ids"]), meta)
            except FileNotFoundError:
                continue
        return None

    @classmethod
    def of(cls, snap: Snapshot) -> SnapshotVectors | None:
        """The space of ``snap``'s build with its docnum map, loaded once per generation."""
        return snap.once(EXTRA_KEY, lambda: cls.bind(snap))

    @classmethod
    def bind(cls, snap: Snapshot) -> SnapshotVectors | None:
        space = cls.load(snap.build.path)
        return SnapshotVectors(snap, space) if space is not None else None

    # -- folding in --------------------------------------------------------------------------
    def fold_article(self, a: Article) -> np.ndarray:
        """An indexed article's vector from its text, as the fit saw it (byline included)."""
        return self.fold(a.title, a.lead or "", indexed_body(a))

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


class SnapshotVectors:
    """A space bound to one generation: docnum -> vector, folding in articles it lacks."""

    def __init__(self, snap: Snapshot, space: TopicVectors):
        self.snap, self.space = snap, space
        self.row = np.full(snap.n, -1, dtype=np.int64)
        live = np.flatnonzero(snap.live)
        if space.meta.get("version") == snap.version and len(live) == space.meta.get("docs"):
            self.row[live] = np.arange(len(live))  # saved for this very generation
        else:  # docnums moved (updates, merges): map by id; articles added later fold in
            docnum = dict(zip(snap.live_ids(), live.tolist()))
            for i, aid in enumerate(space.ids):
                d = docnum.get(aid)
                if d is not None:
                    self.row[d] = i
        self.folded = snap.memo_cache("related_folded", 20_000)

    def of_doc(self, d: int) -> np.ndarray:
        """Indexed article ``d``'s unit vector (folded in from its text if the fit lacks it)."""
        r = self.row[d]
        if r >= 0:
            return self.space.docs[r].astype(np.float32)

        return self.folded.get_or_make(d, lambda: self.space.fold_article(self.snap.article(d)))

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
