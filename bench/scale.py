"""Growth curve: build time, peak memory, index size and search latency against corpus size.

    python bench/scale.py [--sizes 0.25,0.5,1,2,4] [--out /tmp/nsbench/scale] [--memory MB]

Size s is the first s x 46,756 articles of the shared corpus; beyond 1, copies made by
``synth.py`` (new ids, lightly shuffled sentences) are appended. Each size is a full
rebuild (streamed), then the dev queries' full-page latency after a warm-up. Prints one
table row per size and a linear projection to 1,000,000 articles from the largest two.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import time
from pathlib import Path

from build_index import CORPORA, DATA, cpu_seconds, dir_mb
from daily_updates import page_latency, queries
from rss import TreePeak
from synth import variants

from newssearch.index.bulk import DEFAULT_MEMORY_MB
from newssearch.index.writer import rebuild
from newssearch.ingest import IngestReport, iter_articles

FULL = 46_756


def corpus(n: int):
    paths = [str(DATA / c) for c in CORPORA]
    real = iter_articles(paths, IngestReport())
    out = itertools.islice(real, min(n, FULL))
    for copy in range(1, -(-n // FULL)):
        extra = min(FULL, n - copy * FULL)
        out = itertools.chain(out, variants(
            itertools.islice(iter_articles(paths, IngestReport()), extra), f"x{copy}"))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="0.25,0.5,1,2,4")
    ap.add_argument("--out", default="/tmp/nsbench/scale")
    ap.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB)
    args = ap.parse_args()
    qs = queries()
    rows = []
    print("| articles | build s | CPU ms/article | peak RSS MB (tree) | size MB | p50 ms | p95 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for s in (float(x) for x in args.sizes.split(",")):
        n = round(s * FULL)
        out = Path(args.out) / f"n{n}"
        shutil.rmtree(out, ignore_errors=True)
        t, c = time.perf_counter(), cpu_seconds()
        with TreePeak() as peak:
            res = rebuild(out, corpus(n), memory_mb=args.memory)
        dt, cpu = time.perf_counter() - t, cpu_seconds() - c
        p50, p95 = page_latency(out, qs)
        rows.append((res.added, dt, peak.peak_mb, dir_mb(out)))
        print(f"| {res.added} | {dt:.0f} | {1000 * cpu / res.added:.1f} | {peak.peak_mb:.0f} | "
              f"{dir_mb(out):.0f} | {p50:.1f} | {p95:.1f} |", flush=True)
        shutil.rmtree(out, ignore_errors=True)
    if len(rows) >= 2:
        (n1, t1, _, s1), (n2, t2, _, s2) = rows[-2], rows[-1]
        per_t, per_s = (t2 - t1) / (n2 - n1), (s2 - s1) / (n2 - n1)
        m = 1_000_000
        print(f"projection to {m:,} articles (slope of the last two sizes): build "
              f"{(t2 + per_t * (m - n2)) / 3600:.1f} h, size {(s2 + per_s * (m - n2)) / 1000:.1f} GB, "
              f"peak memory bounded by --memory {args.memory} MB")


if __name__ == "__main__":
    main()
