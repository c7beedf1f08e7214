"""Query latency over the dev queries, in process, each timed once after a warm-up, on a fresh engine per mode.

    python bench/query_latency.py --index /tmp/nsbench/index [--warmup 200] [--repeat 3]

(a) top 10 with snippets; (b) the full call a search page makes: snippets, facets, exact
total and suggestions. The warm-up runs titles of other corpus articles (not the dev
queries), so no dev query is answered from anything it warmed itself. There is no result
cache; the postings cache is per index generation. ``--repeat N`` runs the whole protocol N
times (the modes alternating, a fresh engine each time) and also prints the median of each
figure over the runs: this machine's run-to-run spread is about +-20 %.
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
    ap.add_argument("--repeat", type=int, default=1)
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
    runs: dict[str, list[tuple[float, float, float, float]]] = {name: [] for name in modes}
    for _ in range(args.repeat):
        for name, kw in modes.items():
            runs[name].append(run_mode(args.index, name, kw, warm, queries))
    if args.repeat > 1:
        for name, rows in runs.items():
            med = [statistics.median(col) for col in zip(*rows)]
            print(f"{name}: median of {len(rows)} runs: p50={med[0]:.1f} p95={med[1]:.1f} "
                  f"p99={med[2]:.1f} mean={med[3]:.1f} ms")


def run_mode(index: str, name: str, kw: dict, warm: list[str],
             queries: list[dict]) -> tuple[float, float, float, float]:
    # A fresh engine per run: nothing a previous run read is cached.
    eng = SearchEngine(index)
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
    row = (pct(allt, 50), pct(allt, 95), pct(allt, 99), statistics.mean(allt))
    print(f"{name}: n={len(allt)} p50={row[0]:.1f} p95={row[1]:.1f} p99={row[2]:.1f} "
          f"mean={row[3]:.1f} ms")
    for t, v in sorted(times.items()):
        print(f"   {t:18s} p50={pct(v, 50):6.1f} p95={pct(v, 95):6.1f} p99={pct(v, 99):6.1f}")
    eng.snapshot().close()
    return row


if __name__ == "__main__":
    main()
