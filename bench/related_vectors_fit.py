"""Fit the related articles' topic vectors (LSA) on an index and save them beside its build.

    python bench/related_vectors_fit.py --index DIR [--dims 100] [--skip 1] [--seed 0] [--dry-run]

Prints the time of each step, the vocabulary and matrix sizes, the files' bytes, the peak
RSS and how long a loaded space takes to fold in a 5,000-character text. The index must be
writable (it writes ``<build>/vectors/``): fit a copy of a shared index, never the shared one.
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import time

import numpy as np

from newssearch.index.vectors import TopicVectors
from newssearch.related.fit import VectorConfig, fit_vectors
from newssearch.search import SearchEngine


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", required=True)
    ap.add_argument("--dims", type=int, default=VectorConfig.dims)
    ap.add_argument("--skip", type=int, default=VectorConfig.skip,
                    help="leading SVD components left out (0: keep the common direction)")
    ap.add_argument("--seed", type=int, default=VectorConfig.seed, help="of ARPACK's start vector")
    ap.add_argument("--dry-run", action="store_true", help="fit and report, write nothing")
    args = ap.parse_args()
    cfg = dataclasses.replace(VectorConfig(), dims=args.dims, skip=args.skip, seed=args.seed)
    snap = SearchEngine(args.index).snapshot()
    print(f"index {args.index}: {snap.doc_count} articles; {cfg}")
    fitted = fit_vectors(snap, cfg)
    if fitted is None:
        raise SystemExit("too few articles or shared terms to fit")
    space, report = fitted
    print(f"fit: {report.docs} articles x {report.terms} terms ({report.nnz} nonzeros), "
          f"{report.dims} dims in {report.seconds:.1f} s; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if args.dry_run:
        return
    size = space.save(snap.build.path)
    print(f"saved {snap.build.path}/vectors: {size / 1e6:.1f} MB")
    loaded = TopicVectors.load(snap.build.path)
    a = snap.article(int(np.flatnonzero(snap.live)[0]))
    body = ("\n".join(a.body) * 10)[:5000]
    times = []
    for _ in range(20):
        t = time.perf_counter()
        loaded.fold(a.title, a.lead, body)
        times.append((time.perf_counter() - t) * 1000)
    print(f"fold-in of a 5,000-character text: median {np.median(times):.1f} ms "
          f"(the first, with the term table: {times[0]:.1f} ms)")


if __name__ == "__main__":
    main()
