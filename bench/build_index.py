"""Full build benchmark over the shared corpora: wall time, articles/s, peak RSS, size.

    python bench/build_index.py [--out DIR] [--procs N] [--memory MB] [--limit N]
                                [--related-vectors]

Articles are streamed from the files into the rebuild (as ``newssearch index --rebuild``
does), so the parent holds no corpus. Peak RSS is the sampled sum over the process tree
(``rss.py``) next to the kernel's per-process maxima. Also times a re-run over the unchanged
corpus (incremental update that skips everything). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import resource
import shutil
import sys
import time
from pathlib import Path

from rss import TreePeak

from newssearch.index.bulk import DEFAULT_MEMORY_MB
from newssearch.index.writer import rebuild, update
from newssearch.ingest import IngestReport, iter_articles
from newssearch.related import fit as related_fit

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ["corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz"]


def rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def cpu_seconds() -> float:
    """User + system time of this process and its finished children (the workers)."""
    me, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def articles(paths: list[str], limit: int):
    report = IngestReport()
    it = iter_articles(paths, report)
    return itertools.islice(it, limit) if limit else it


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="/tmp/nsbench/index")
    ap.add_argument("--procs", type=int, default=None)
    ap.add_argument("--memory", type=int, default=DEFAULT_MEMORY_MB, help="budget, MB")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--no-rerun", action="store_true")
    ap.add_argument("--related-vectors", action="store_true",
                    help="fit the topic vectors into the build (as the CLI's default)")
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"{DATA} not found: this benchmark needs ../shared/data beside the project")
    paths = [str(DATA / c) for c in CORPORA]
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    cpu0 = cpu_seconds()
    with TreePeak() as peak:
        res = rebuild(out, articles(paths, args.limit), procs=args.procs,
                      memory_mb=args.memory,
                      maintain=related_fit.maintain if args.related_vectors else None)
    dt = time.perf_counter() - t0
    cpu = cpu_seconds() - cpu0
    print(f"build: {res.added} articles in {dt:.1f}s = {res.added / dt:.1f} articles/s "
          f"(reading and parsing the corpus included)")
    print(f"CPU: {cpu:.0f} s, {1000 * cpu / res.added:.1f} ms per article = "
          f"{2 * res.added / cpu:.0f} articles/s on two otherwise idle cores")
    print(f"peak RSS, whole process tree (sampled sum): {peak.peak_mb:.0f} MB "
          f"(budget --memory {args.memory}); per process: parent {rss_mb(resource.RUSAGE_SELF):.0f} MB, "
          f"largest worker {rss_mb(resource.RUSAGE_CHILDREN):.0f} MB")
    build = next((out / "builds").iterdir())
    segs = len(list(build.glob("*.seg")))
    print(f"index size: {dir_mb(out):.0f} MB at {out} (Whoosh segments {segs}: "
          f"{sum(p.stat().st_size for p in build.glob('*.seg')) / 1e6:.0f} MB, "
          f"flat postings {dir_mb(build / 'postings'):.0f} MB)")
    if not args.no_rerun:
        t0 = time.perf_counter()
        res = update(out, articles(paths, args.limit))
        dt = time.perf_counter() - t0
        print(f"re-run over unchanged input (read + hash + skip): {res.unchanged} unchanged, "
              f"{res.added + res.updated} changed, {dt:.1f}s = {res.unchanged / dt:.0f} articles/s")


if __name__ == "__main__":
    main()
