"""Query latency over the dev queries, in process, each timed once after a warm-up, on a fresh engine per mode.

    python bench/query_latency.py --index /tmp/nsbench/index [--warmup 200]

(a) top 10 with snippets; (b) the full call a search page makes: snippets, facets, exact
total and suggestions. The warm-up runs titles of other corpus articles (not the dev
queries), so no dev query is answered from anything it warmed itself. There is no result
cache; the postings cache is per index generation.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import time
from pathlib import Path

from newssearch.search import SearchEngine

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--queries", default=str(DATA / "dev_queries.jsonl"))
    ap.add_argument("--warm-from", choices=["other", "set"], default="other",
                    help="warm up on titles of other articles (the issue's protocol), or on "
                         "the query set itself, cycled, as ../shared/tools/anchors.sh does")
    args = ap.parse_args()
    with open(args.queries, encoding="utf-8") as f:
        queries = [json.loads(x) for x in f if x.strip()]
    with open(DATA / "dev_qrels.tsv", encoding="utf-8") as f:
        qrels_ids = {ln.split()[1] for ln in f}
    rng = random.Random(0)
    warm = []
    with gzip.open(DATA / "corpus_vietnews.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            if d["id"] not in qrels_ids:
                warm.append(d["title"])
    warm = rng.sample(warm, args.warmup)
    if args.warm_from == "set":
        warm = [queries[i % len(queries)]["query"] for i in range(args.warmup)]
    modes = {
        "a_top10_snippets": {"facets": False, "suggest": False, "snippets": True},
        "b_full_page": {"facets": True, "suggest": True, "snippets": True},
    }
    for name, kw in modes.items():
        # A fresh engine per mode: nothing the previous mode read is cached.
        eng = SearchEngine(args.index)
        t0 = time.perf_counter()
        eng.snapshot()
        print(f"open: {(time.perf_counter() - t0) * 1000:.0f} ms")
        for q in warm:
            eng.search(q)
        times: dict[str, list[float]] = {}
        for q in queries:
            t = time.perf_counter()
            eng.search(q["query"], per_page=10, **kw)
            times.setdefault(q["type"], []).append((time.perf_counter() - t) * 1000)
        allt = [x for v in times.values() for x in v]
        print(f"{name}: n={len(allt)} p50={pct(allt, 50):.1f} p95={pct(allt, 95):.1f} "
              f"p99={pct(allt, 99):.1f} mean={statistics.mean(allt):.1f} ms")
        for t, v in sorted(times.items()):
            print(f"   {t:18s} p50={pct(v, 50):6.1f} p95={pct(v, 95):6.1f} p99={pct(v, 99):6.1f}")


if __name__ == "__main__":
    main()
