"""Load test of the web app as ``newssearch serve`` runs it: gunicorn with the package's config
on loopback over an index, /api/search driven by wrk with a Lua script that rotates the dev
queries (each wrk connection walks the list from its own offset).

Runs, in order: 200 sequential requests right after boot (the first ones land on fresh
workers: compare them with the later ones), a first wrk pass, a warm pass at the same concurrency, then
each further concurrency. Prints requests/s, p50/p95/p99/max latency, error counts, and each
worker's memory from /proc/PID/smaps_rollup (anonymous vs file-backed, resident and
proportional; "private" is Private_Dirty: pages the worker wrote itself, i.e. not shared with
the master it was forked from). The app's result cache is off unless ``--result-cache on``;
when on, each run also prints its hit rate, counted from the access log (``rc=HIT``).
``--worker-class``/``--threads`` run the same load on another gunicorn worker model.

    .venv/bin/python bench/web_load.py --index /tmp/nsbench/index --duration 30 -c 8 -c 32

Needs wrk (apt-get install -y wrk) and ../shared/data/dev_queries.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from newssearch.web.serve import gunicorn_argv

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT.parent / "shared" / "data" / "dev_queries.jsonl"
LUA = r"""
local paths = {}
for line in io.lines("%(paths)s") do paths[#paths + 1] = line end
local nthreads = 0
function setup(thread)
  thread:set("start", nthreads * 643)
  nthreads = nthreads + 1
end
function init(args) i = tonumber(start) or 0 end
function request()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %%d, "seconds": %%.3f, "p50_ms": %%.2f, "p95_ms": %%.2f, '
    .. '"p99_ms": %%.2f, "max_ms": %%.2f, "errors": {"connect": %%d, "read": %%d, '
    .. '"write": %%d, "status": %%d, "timeout": %%d}}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""
SMAPS_KEYS = ("Rss", "Pss", "Pss_Anon", "Pss_File", "Anonymous", "Shared_Clean", "Private_Dirty")


def smaps(pid: int) -> dict[str, int]:
    """MB per key of /proc/PID/smaps_rollup."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        if key in SMAPS_KEYS:
            out[key] = round(int(rest.split()[0]) / 1024)
    return out


def workers_of(master: int) -> list[int]:
    kids = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(k) for k in kids)


def memory(master: int) -> dict:
    return {"master": smaps(master), "workers": {p: smaps(p) for p in workers_of(master)}}


def cache_counts(log: Path) -> tuple[int, int]:
    """(hits, misses) of the result cache so far, from the access log."""
    text = log.read_text(errors="replace")
    return text.count(" rc=HIT "), text.count(" rc=MISS ")


def wrk(url: str, lua: Path, connections: int, duration: int, threads: int) -> dict:
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
           "-s", str(lua), url]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT "))
    res = json.loads(line[len("RESULT "):])
    res["rps"] = round(res["requests"] / res["seconds"], 1)
    res["command"] = " ".join(cmd)
    return res


def sequential(base: str, paths: list[str], n: int) -> list[float]:
    """Milliseconds of n requests sent one after another (the first ones hit fresh workers)."""
    out = []
    for path in paths[:n]:
        t0 = time.perf_counter()
        with urllib.request.urlopen(base + path, timeout=30) as r:
            r.read()
        out.append(round((time.perf_counter() - t0) * 1000, 2))
    return out


def wait_ready(base: str, proc: subprocess.Popen, limit: float = 300) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
                if r.status == 200:
                    return time.monotonic() - t0
        except OSError:
            time.sleep(0.2)
    raise SystemExit("server not ready")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--queries", default=str(QUERIES))
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("-c", "--concurrency", type=int, action="append")
    ap.add_argument("--workers", type=int, default=None, help="default: the config's")
    ap.add_argument("--result-cache", choices=["on", "off"], default="off")
    ap.add_argument("--worker-class", help="default: the config's (newssearch's worker)")
    ap.add_argument("--threads", type=int, help="default: the config's")
    ap.add_argument("--port", type=int, default=5099)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--drop-caches", action="store_true",
                    help="drop the kernel page cache before boot (root; truly cold files)")
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    conc = args.concurrency or [8, 32]
    lines = Path(args.queries).read_text(encoding="utf-8").splitlines()
    queries = [json.loads(ln)["query"] for ln in lines if ln.strip()]
    tmp = Path(tempfile.mkdtemp(prefix="web_load_"))
    paths = tmp / "paths.txt"
    paths.write_text("".join("/api/search?" + urlencode({"q": q}) + "\n" for q in queries))
    lua = tmp / "rotate.lua"
    lua.write_text(LUA % {"paths": paths})
    if args.drop_caches:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    # One load generator is one client: the per-client rate limit (web/limits.py) is off here.
    env = {**os.environ, "NEWSSEARCH_INDEX": args.index, "NEWSSEARCH_ACCESS_LOG": "-",
           "NEWSSEARCH_RATE_LIMIT_ENABLED": "0",
           "NEWSSEARCH_RESULT_CACHE": "1" if args.result_cache == "on" else "0"}
    argv = gunicorn_argv("127.0.0.1", args.port, args.workers)
    if args.worker_class:
        argv[-1:-1] = ["--worker-class", args.worker_class]
    if args.threads:
        argv[-1:-1] = ["--threads", str(args.threads)]
    log_path = tmp / "gunicorn.log"
    log = log_path.open("wb")
    t_start = time.monotonic()
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    report: dict = {"index": args.index, "queries": len(queries), "server": " ".join(argv),
                    "result_cache": args.result_cache}
    try:
        report["ready_seconds"] = round(wait_ready(base, proc), 2)
        report["memory_at_boot"] = memory(proc.pid)
        seq = sequential(base, paths.read_text().splitlines(), 200)
        report["sequential_ms"] = {"first_5": seq[:5], "median_100_200": statistics.median(
            seq[100:200]), "median_first_20": statistics.median(seq[:20])}
        print(f"sequential after boot: first 5 {seq[:5]} ms, median of the first 20 "
              f"{statistics.median(seq[:20]):.1f} ms, of requests 100-200 "
              f"{statistics.median(seq[100:200]):.1f} ms", flush=True)
        runs = [("first pass after boot", conc[0]), ("warm", conc[0])]
        runs += [("warm", c) for c in conc[1:]]
        report["runs"] = []
        for label, c in runs:
            hits0, misses0 = cache_counts(log_path)
            res = wrk(base, lua, c, args.duration, args.wrk_threads)
            res.update(label=label, concurrency=c, memory=memory(proc.pid))
            hits, misses = cache_counts(log_path)
            hits, misses = hits - hits0, misses - misses0
            if hits + misses:
                res["cache_hit_rate"] = round(hits / (hits + misses), 3)
                print(f"{'':>26}result cache: {hits} hits, {misses} misses "
                      f"({res['cache_hit_rate']:.1%})", flush=True)
            report["runs"].append(res)
            print(f"{label:>22} c={c:<3} {res['rps']:7.1f} req/s  p50 {res['p50_ms']:.1f} "
                  f"p95 {res['p95_ms']:.1f} p99 {res['p99_ms']:.1f} max {res['max_ms']:.1f} ms"
                  f"  errors {sum(res['errors'].values())}", flush=True)
            for pid, m in res["memory"]["workers"].items():
                print(f"{'':>26}worker {pid}: anon {m['Anonymous']} MB (pss {m['Pss_Anon']},"
                      f" private {m['Private_Dirty']}), file pss {m['Pss_File']} MB,"
                      f" rss {m['Rss']} MB", flush=True)
    finally:
        proc.terminate()
        proc.wait(30)
        report["total_seconds"] = round(time.monotonic() - t_start, 1)
    print(f"ready after {report['ready_seconds']} s; log {tmp / 'gunicorn.log'}")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
