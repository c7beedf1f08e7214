"""Where a full search page's time goes: each stage of ``SearchEngine.search_on`` timed over
the dev queries (after a warm-up on the set, as ``../shared/tools/anchors.sh`` warms).

Stages (as ``search/engine.py`` calls them): reading the query as Telex/VNI, parsing, the
query plan (pyvi on the query, units), typo neighbours, candidate matching and scoring
(``evaluate``), recency, ranking and story folding (``fold_page``, which loads the candidates'
stored fields), title marks, snippets, suggestions (did-you-mean), facets. Prints ms per query
(mean and p95 of each stage's share of a query) and each stage's part of the total; the rest is
the page's own glue. ``--cprofile N`` also prints cProfile's top N functions.

    .venv/bin/python bench/page_profile.py --index /tmp/nsbench/index [--queries FILE]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import time
from collections import defaultdict
from pathlib import Path

from query_latency import pct

from newssearch.search import SearchEngine, highlight
from newssearch.search import engine as engine_mod

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
STAGES = {  # stage -> (module, name) of the function search_on calls
    "telex/vni reading": (engine_mod, "read_as_vietnamese"),
    "parse": (engine_mod, "parse"),
    "plan (pyvi, units)": (engine_mod, "build_plan"),
    "typo neighbours": (engine_mod, "add_neighbours"),
    "match + score": (engine_mod, "evaluate"),
    "recency": (engine_mod, "apply_recency"),
    "rank + fold (stored fields)": (engine_mod, "fold_page"),
    "title marks": (highlight, "mark_text"),
    "snippets": (highlight, "snippets"),
    "suggestions": (engine_mod, "suggestions"),
    "facets": (engine_mod, "count_facets"),
}
spent: dict[str, float] = defaultdict(float)


def timed(stage: str, fn):
    def wrapper(*args, **kwargs):
        t0 = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            spent[stage] += time.perf_counter() - t0
    return wrapper


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--queries", default=str(DATA / "dev_queries.jsonl"))
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--cprofile", type=int, default=0)
    args = ap.parse_args()
    lines = Path(args.queries).read_text(encoding="utf-8").splitlines()
    queries = [json.loads(ln)["query"] for ln in lines if ln.strip()]
    engine = SearchEngine(args.index)
    for i in range(args.warmup):
        engine.search(queries[i % len(queries)])
    for stage, (mod, name) in STAGES.items():
        setattr(mod, name, timed(stage, getattr(mod, name)))
    per_stage: dict[str, list[float]] = defaultdict(list)
    totals = []
    prof = cProfile.Profile() if args.cprofile else None
    for q in queries:
        before = dict(spent)
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        engine.search(q)
        if prof:
            prof.disable()
        totals.append((time.perf_counter() - t0) * 1000)
        for stage in STAGES:
            per_stage[stage].append((spent[stage] - before.get(stage, 0.0)) * 1000)
    total = sum(totals)
    print(f"{len(queries)} queries, full page: mean {total / len(queries):.2f} ms, "
          f"p50 {pct(totals, 50):.2f}, p95 {pct(totals, 95):.2f}, p99 {pct(totals, 99):.2f}")
    print(f"{'stage':<30}{'mean ms':>9}{'p95 ms':>9}{'share':>8}")
    for stage in STAGES:
        xs = per_stage[stage]
        print(f"{stage:<30}{sum(xs) / len(xs):9.3f}{pct(xs, 95):9.3f}"
              f"{sum(xs) / total:8.1%}")
    rest = total - sum(sum(xs) for xs in per_stage.values())
    print(f"{'(rest: glue, hits, result)':<30}{rest / len(queries):9.3f}{'':>9}"
          f"{rest / total:8.1%}")
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.cprofile)


if __name__ == "__main__":
    main()
