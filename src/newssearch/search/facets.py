"""Facet counts over the documents found: one ``bincount`` per facet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from newssearch.index.columns import Columns


@dataclass(frozen=True)
class Facet:
    value: str
    count: int


def count_facets(col: Columns, n: int, docs: np.ndarray,
                 want: Iterable[str]) -> dict[str, list[Facet]]:
    """Counts per facet value of ``docs`` (names already validated by the request)."""
    out: dict[str, list[Facet]] = {}
    want = set(want)
    for name, ids, labels in (("category", col.cat_ids, col.cat_labels),
                              ("source", col.src_ids, col.src_labels)):
        if name in want:
            sel = ids[docs]
            out[name] = _counts(labels, np.bincount(sel[sel >= 0], minlength=len(labels)))
    hit = None
    for name, pair_docs, vals, labels in (
            ("tags", col.tag_docs, col.tag_vals, col.tag_labels),
            ("names", col.name_docs, col.name_vals, col.name_labels)):
        if name in want:
            if hit is None:
                hit = np.zeros(n, dtype=bool)  # a dense mask: no sort, unlike np.isin
                hit[docs] = True
            c = np.bincount(vals[hit[pair_docs]], minlength=len(labels))
            out[name] = _counts(labels, c)
    if "month" in want:
        m = col.month[docs]
        vals, counts = np.unique(m[m > 0], return_counts=True)
        out["month"] = [Facet(f"{v // 100:04d}-{v % 100:02d}", int(c))
                        for v, c in zip(vals, counts)]
    return out


def _counts(labels: list[str], counts: np.ndarray, limit: int = 50) -> list[Facet]:
    nz = np.flatnonzero(counts)
    order = sorted(nz, key=lambda i: (-counts[i], labels[i]))[:limit]
    return [Facet(labels[i], int(counts[i])) for i in order]
