"""Daily updates into a large index: one big add while searches run, then N simulated days.

    python bench/daily_updates.py --index DIR [--work /tmp/nsbench/daily] [--days 30]
        [--new 500] [--replaced 50] [--add 1000] [--no-related-vectors]

DIR is a fresh full rebuild (read-only: it is copied to --work first). Prints:
1. ``newssearch index`` of --add new articles (made by ``synth.py``) into the copy, in
   process, while a thread searches the dev queries without pause on its own engine
   (which reopens each new generation): seconds, searches done, search errors.
2. Each of --days days: --new new articles and --replaced edited ones in one update:
   seconds, Whoosh segments and flat-postings sets after it (the merge policy at work).
3. Full-page search p50/p95 (facets, snippets, suggestions) over the dev queries on the
   fresh rebuild and on the updated copy, after the same warm-up, and ``optimize`` time.
Every update and ``optimize`` keep the topic vectors aligned as ``newssearch index`` does
(``related_fit.maintain``; a no-op when DIR has none), unless --no-related-vectors.
Asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import threading
import time
from pathlib import Path

from synth import edited, variants

from newssearch.index.flat import postings
from newssearch.index.store import current_build, open_build
from newssearch.index.writer import optimize, update
from newssearch.ingest import IngestReport, iter_articles
from newssearch.related import fit as related_fit
from newssearch.search import SearchEngine

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ["corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz"]


def queries() -> list[str]:
    with open(DATA / "dev_queries.jsonl", encoding="utf-8") as f:
        return [json.loads(x)["query"] for x in f if x.strip()]


def shape(root: Path) -> str:
    _, ix = open_build(root)
    with ix.reader() as r:
        segs = r.leaf_readers()
    flat = [p.name for p in (current_build(root).path / postings.DIRNAME).iterdir()]
    return f"{len(segs)} segments, {len(flat)} flat sets"


def page_latency(root: Path, qs: list[str]) -> tuple[float, float]:
    eng = SearchEngine(root)
    for q in qs[::7]:  # warm-up: every 7th query, then all of them timed
        eng.search(q)
    times = []
    for q in qs:
        t = time.perf_counter()
        eng.search(q)
        times.append(time.perf_counter() - t)
    eng.snapshot().close()
    times.sort()
    return 1000 * times[len(times) // 2], 1000 * times[int(0.95 * (len(times) - 1))]


class Searcher(threading.Thread):
    def __init__(self, root: Path, qs: list[str]):
        super().__init__(daemon=True)
        self.root, self.qs = root, qs
        self.done = self.errors = 0
        self.stop = threading.Event()

    def run(self) -> None:
        eng = SearchEngine(self.root)
        for q in itertools.cycle(self.qs):
            if self.stop.is_set():
                return
            try:
                eng.search(q, snippets=False)
            except Exception as e:  # noqa: BLE001 - counted: the point of the benchmark
                self.errors += 1
                print(f"  search error: {e!r}", file=sys.stderr)
            self.done += 1


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--work", default="/tmp/nsbench/daily")
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--new", type=int, default=500)
    ap.add_argument("--replaced", type=int, default=50)
    ap.add_argument("--add", type=int, default=1000)
    ap.add_argument("--no-optimize", action="store_true", help="skip timing optimize")
    ap.add_argument("--no-related-vectors", action="store_true",
                    help="updates leave the topic vectors alone (the library's default)")
    args = ap.parse_args()
    hook = None if args.no_related_vectors else related_fit.maintain
    src, root = Path(args.index), Path(args.work)
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(src, root, ignore=shutil.ignore_patterns(".lock"))
    paths = [str(DATA / c) for c in CORPORA]
    real = iter_articles(paths, IngestReport())
    qs = queries()
    print(f"start: {shape(root)}")
    searcher = Searcher(root, qs)
    searcher.start()
    time.sleep(2)
    batch = list(variants(itertools.islice(real, args.add), "add"))
    t = time.perf_counter()
    res = update(root, batch, maintain=hook)
    dt = time.perf_counter() - t
    time.sleep(2)  # let the searcher reopen the new generation
    searcher.stop.set()
    searcher.join()
    print(f"add {res.added} new articles: {dt:.1f}s; {searcher.done} searches meanwhile, "
          f"{searcher.errors} errors; {shape(root)}")
    pool = iter_articles(paths, IngestReport())
    for day in range(1, args.days + 1):
        new = list(variants(itertools.islice(real, args.new), f"d{day}"))
        old = [edited(a, day) for a in itertools.islice(pool, args.replaced)]
        t = time.perf_counter()
        res = update(root, [*new, *old], maintain=hook)
        print(f"day {day}: +{res.added} new, {res.updated} replaced in "
              f"{time.perf_counter() - t:.1f}s; {shape(root)}", flush=True)
    p50, p95 = page_latency(src, qs)
    print(f"full-page search, fresh rebuild: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    p50u, p95u = page_latency(root, qs)
    print(f"full-page search, after {args.days} days: p50 {p50u:.1f} ms, p95 {p95u:.1f} ms "
          f"({p95u / p95:.2f}x p95)")
    if args.no_optimize:
        return
    t = time.perf_counter()
    optimize(root, maintain=hook)
    print(f"optimize: {time.perf_counter() - t:.1f}s; {shape(root)}")


if __name__ == "__main__":
    main()
