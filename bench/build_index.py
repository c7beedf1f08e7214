"""Full build benchmark over the shared corpora: wall time, articles/s, peak RSS, size.

    python bench/build_index.py [--out DIR] [--procs N] [--limit N]

Also times a re-run over the unchanged corpus (incremental update that skips everything).
Prints figures; asserts nothing (speed is measured here, never in tests).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import time
from pathlib import Path

from newssearch.indexer import rebuild, update
from newssearch.ingest import IngestReport, iter_articles

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ["corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz"]


def rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/nsbench/index")
    ap.add_argument("--procs", type=int, default=None)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-rerun", action="store_true")
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"{DATA} not found: this benchmark needs ../shared/data beside the project")
    paths = [str(DATA / c) for c in CORPORA]
    t0 = time.perf_counter()
    report = IngestReport()
    articles = list(iter_articles(paths, report))
    if args.limit:
        articles = articles[: args.limit]
    t_read = time.perf_counter() - t0
    print(f"read {len(articles)} articles ({len(report.skipped)} skipped) in {t_read:.1f}s")
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    res = rebuild(out, articles, procs=args.procs)
    dt = time.perf_counter() - t0
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"build: {res.added} articles in {dt:.1f}s = {res.added / dt:.1f} articles/s")
    print(f"peak RSS: parent {rss_mb(resource.RUSAGE_SELF):.0f} MB, "
          f"largest child {rss_mb(resource.RUSAGE_CHILDREN):.0f} MB")
    print(f"index size: {size / 1e6:.0f} MB at {out}")
    if not args.no_rerun:
        t0 = time.perf_counter()
        report = IngestReport()
        again = iter_articles(paths, report)
        if args.limit:
            again = (a for i, a in zip(range(args.limit), again))
        res = update(out, again)
        dt = time.perf_counter() - t0
        print(f"re-run over unchanged input (read + hash + skip): {res.unchanged} unchanged, "
              f"{res.added + res.updated} changed, {dt:.1f}s = {res.unchanged / dt:.0f} articles/s")


if __name__ == "__main__":
    main()
