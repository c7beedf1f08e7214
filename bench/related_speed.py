"""Related-articles speed over the full shared corpus index.

    python bench/related_speed.py [--index /tmp/nsbench/index] [--n 1000] [--load]
                                  [--no-consensus] [--no-vectors]

1. The duplicate detector's build time (once per index generation, at warm start), and the
   topic vectors' load time when the build has them (``vectors/``, bench/related_vectors_fit.py).
2. ``related`` for 1,000 random indexed articles (seed 0): p50/p95/max in ms. Each id is
   asked once, so no answer comes from the related cache (postings caches warm up as usual).
3. A posted text of 5,000 characters (title + lead + the start of the body of 200 random
   articles with long bodies, seed 0): p50/p95/max.
4. ``--load``: the widget's JSON under ``newssearch serve`` (gunicorn, the package's config,
   rate limits off: capacity, not the per-client limit) on loopback, wrk 30 s, 32
   connections: (a) rotating over 100 ids without If-None-Match (full JSON answers, from each
   worker's answer cache after a 20 s warm-up pass), (b) one id with If-None-Match (304).
``--no-consensus``/``--no-vectors``: the library figures without the neighbour consensus or
the topic vectors (what each costs).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
from web_load import LUA, wait_ready, wrk

from newssearch.index.vectors import TopicVectors
from newssearch.related.config import RelatedConfig
from newssearch.related.engine import RelatedRequest, SeedText, related
from newssearch.search import SearchEngine
from newssearch.search.duplicates import DuplicateIndex
from newssearch.web.serve import gunicorn_argv

ROTATE = 100  # widget traffic: ids a page's readers keep asking for


def pct(ms: list[float]) -> str:
    a = np.array(ms)
    return (f"p50 {np.percentile(a, 50):.1f} ms, p95 {np.percentile(a, 95):.1f} ms, "
            f"max {a.max():.1f} ms (n={len(a)})")


def library(engine: SearchEngine, n: int, cfg: RelatedConfig) -> list[str]:
    snap = engine.snapshot()
    t0 = time.perf_counter()
    DuplicateIndex.of(snap)
    print(f"duplicate detector: {time.perf_counter() - t0:.1f} s for {snap.doc_count} articles")
    t0 = time.perf_counter()
    vec = TopicVectors.of(snap)
    print(f"topic vectors: {'none' if vec is None else vec.space.docs.shape} loaded in "
          f"{time.perf_counter() - t0:.2f} s; used: {cfg.vector_weight > 0 and vec is not None}")
    related(engine, RelatedRequest(article_id=snap.article(0).id))  # pyvi model loaded
    live = [d for d in range(snap.n) if snap.live[d]]
    ids = [snap.article(d).id for d in random.Random(0).sample(live, min(n, len(live)))]
    times = []
    for aid in ids:
        t = time.perf_counter()
        related(engine, RelatedRequest(article_id=aid, k=5), cfg)
        times.append((time.perf_counter() - t) * 1000)
    print(f"related by id, {len(ids)} random articles: {pct(times)}")
    rng = random.Random(0)
    long = [d for d in rng.sample(live, min(5000, len(live)))
            if len("\n".join(snap.article(d).body)) >= 5000][:200]
    times = []
    for d in long:
        a = snap.article(d)
        body = "\n".join(a.body)[: max(0, 5000 - len(a.title) - len(a.lead))]
        seed = SeedText(title=a.title, lead=a.lead, body=body)
        t = time.perf_counter()
        related(engine, RelatedRequest(text=seed, k=5), cfg)
        times.append((time.perf_counter() - t) * 1000)
    print(f"related for a posted 5,000-character text, {len(long)} texts: {pct(times)}")
    return ids


def load(index: str, ids: list[str], port: int, duration: int, conc: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="related_load_"))
    paths = tmp / "paths.txt"
    paths.write_text("".join(f"/api/articles/{i}/related?k=5\n" for i in ids[:ROTATE]))
    lua = tmp / "rotate.lua"
    lua.write_text(LUA % {"paths": paths})
    env = {**os.environ, "NEWSSEARCH_INDEX": index, "NEWSSEARCH_ACCESS_LOG": "",
           "NEWSSEARCH_RATE_LIMIT_ENABLED": "0"}
    argv = gunicorn_argv("127.0.0.1", port, None)
    log = (tmp / "gunicorn.log").open("wb")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        print(f"server ready after {wait_ready(base, proc):.1f} s: {' '.join(argv)}")
        wrk(base, lua, conc, 20, 2)  # every worker computes each list once
        res = wrk(base, lua, conc, duration, 2)
        print(f"(a) rotating {min(ROTATE, len(ids))} ids, full JSON: {res['rps']} req/s, p50 "
              f"{res['p50_ms']} ms, p95 {res['p95_ms']} ms, errors {res['errors']}\n"
              f"    {res['command']}")
        url = f"{base}/api/articles/{ids[0]}/related?k=5"
        etag = subprocess.run(["curl", "-sI", url], capture_output=True, text=True,
                              check=True).stdout
        tag = next(ln.split(":", 1)[1].strip() for ln in etag.splitlines()
                   if ln.lower().startswith("etag:"))
        cmd = ["wrk", "-t2", f"-c{conc}", f"-d{duration}s", "--latency",
               "-H", f"If-None-Match: {tag}", url]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        rps = next(ln for ln in out.splitlines() if ln.startswith("Requests/sec"))
        bad = [ln.strip() for ln in out.splitlines() if "Non-2xx" in ln or "Socket errors" in ln]
        print(f"(b) one id with If-None-Match (304): {rps.split(':')[1].strip()} req/s; "
              f"{'; '.join(bad) or 'no socket errors'} (304 counts as non-2xx in wrk)\n"
              f"    {' '.join(cmd)}")
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--load", action="store_true")
    ap.add_argument("--port", type=int, default=5097)
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("-c", "--concurrency", type=int, default=32)
    ap.add_argument("--no-consensus", action="store_true",
                    help="library figures with the neighbour consensus off (what it costs)")
    ap.add_argument("--no-vectors", action="store_true",
                    help="library figures with the topic vectors off (what they cost)")
    args = ap.parse_args()
    off = {"consensus_weight": 0.0} if args.no_consensus else {}
    cfg = replace(RelatedConfig(), **off, **({"vector_weight": 0.0} if args.no_vectors else {}))
    ids = library(SearchEngine(args.index), args.n, cfg)
    if args.load:
        load(args.index, ids, args.port, args.duration, args.concurrency)


if __name__ == "__main__":
    main()
