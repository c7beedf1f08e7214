"""Replicas on this machine: search throughput through nginx with two replicas beside one
replica alone, and a rolling publish under load.

    python bench/replicas.py --index /tmp/nsbench/index [--seconds 20] [--connections 8]

The index is copied (once) to a private source root under --work, where it gets a MANIFEST
and, for the rollout, one more article; replicas are published from it with the real
``newssearch publish``. Load: Debian's ``wrk`` (one connection per client, 2 threads)
rotating the 1,290 dev queries through ``/api/search`` (uncached at every layer). Scenarios,
each after a warm-up pass of the same length that is not counted:
  (1) one replica alone, wrk straight to gunicorn;  (2) one replica behind nginx;
  (3) two replicas behind nginx;  (4) two replicas behind nginx while a new build is
  published to each in turn: request count, failures, time from publish to both serving it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the replica/nginx harness the rollout test uses

from cluster import Nginx, Replica, free_port

from newssearch.errors import ManifestError
from newssearch.index.manifest import read_manifest, write_manifest
from newssearch.index.store import WriteLock, current_build
from newssearch.index.writer import update
from newssearch.ingest import IngestReport, iter_articles
from newssearch.ops.publish import frozen_build, publish, published_name

DATA = ROOT.parent / "shared" / "data"
WRK_LUA = r"""
local paths = {}
local i = 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  i = math.random(#paths)
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "socket_errors": %d, "non_2xx": %d, ' ..
    '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000))
end
"""


def start_wrk(port: int, work: Path, seconds: float, connections: int) -> subprocess.Popen:
    return subprocess.Popen(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds:.0f}s", "--timeout", "10s",
         "-s", str(work / "rotate.lua"), f"http://127.0.0.1:{port}", "--",
         str(work / "paths.txt")],
        stdout=subprocess.PIPE, text=True)


def wrk_result(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate()
    res = json.loads(out.strip().splitlines()[-1])
    res["rps"] = round(res["requests"] / res["seconds"], 1)
    return res


def wrk(port: int, work: Path, seconds: float, connections: int) -> dict:
    return wrk_result(start_wrk(port, work, seconds, connections))


def source_root(index: Path, work: Path) -> Path:
    """A private copy of ``index`` with a MANIFEST (the shared one stays untouched)."""
    src = work / "source"
    if current_build(src) is None:
        shutil.rmtree(src, ignore_errors=True)
        build = current_build(index)
        if build is None:
            sys.exit(f"no index at {index}")
        (src / "builds").mkdir(parents=True)
        shutil.copytree(build.path, src / "builds" / build.name)
        (src / "CURRENT").write_text(build.name + "\n")
    build = current_build(src)
    try:
        read_manifest(build.path)
    except ManifestError:  # an index built before manifests existed
        with WriteLock(src):
            write_manifest(build.path)
    return src


def version_of(src: Path) -> str:
    m = read_manifest(current_build(src).path)
    return f"{published_name(m)}.{m.generation}"


def scenario(name: str, port: int, work: Path, args) -> dict:
    wrk(port, work, args.seconds, args.connections)  # warm-up, not counted
    res = wrk(port, work, args.seconds, args.connections)
    print(f"{name:<34} {res['rps']:>7.1f} req/s  p50 {res['p50_ms']:>6.1f} ms  "
          f"p95 {res['p95_ms']:>6.1f} ms  p99 {res['p99_ms']:>6.1f} ms  "
          f"errors {res['socket_errors'] + res['non_2xx']}", flush=True)
    return res


def rollout(src: Path, replicas: list[Replica], port: int, work: Path, args) -> dict:
    """Publish a new build to each replica in turn while wrk runs through nginx; wrk is
    stopped (SIGINT: it prints its summary) 2 s after the last replica serves it."""
    report = IngestReport()
    extra = next(iter_articles([str(ROOT / "sample")], report))
    extra = dataclasses.replace(extra, id=f"bench-rollout-{time.time():.0f}")
    load = start_wrk(port, work, 3600, args.connections)
    t_start = time.monotonic()
    time.sleep(3)
    t0 = time.monotonic()
    update(src, [extra], procs=1)
    t1 = time.monotonic()
    new = version_of(src)
    steps = []
    with frozen_build(src) as frozen:
        for r in replicas:
            p = publish(frozen, str(r.root))
            r.wait_version(new, timeout=300)
            steps.append(f"{r.root.name}: copy {p.copy_seconds:.1f}s verify "
                         f"{p.verify_seconds:.1f}s, serving at {time.monotonic() - t1:.1f}s")
    t2 = time.monotonic()
    time.sleep(2)
    load.send_signal(signal.SIGINT)
    res = {**wrk_result(load), "update_s": round(t1 - t0, 1),
           "publish_to_all_s": round(t2 - t1, 1), "version": new, "steps": steps}
    print(f"rollout under load ({time.monotonic() - t_start:.0f}s of wrk): {res['requests']} "
          f"requests, {res['socket_errors']} socket errors, {res['non_2xx']} non-2xx; "
          f"update {res['update_s']}s, publish -> both replicas serving "
          f"{res['publish_to_all_s']}s ({'; '.join(steps)}); p95 {res['p95_ms']} ms",
          flush=True)
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=Path("/tmp/nsbench/index"))
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "nsreplicas")
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2, help="gunicorn workers per replica")
    ap.add_argument("--rounds", type=int, default=1,
                    help="run scenarios 1-3 this many times, interleaved (the machine's load "
                         "drifts; compare figures of one round)")
    ap.add_argument("--queries", type=Path, default=DATA / "dev_queries.jsonl")
    args = ap.parse_args()
    # Capacity is measured, not the per-client limit (one wrk client would get 20/s).
    os.environ["NEWSSEARCH_RATE_LIMIT_ENABLED"] = "0"
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool, path="/usr/bin:/usr/sbin:/bin:/sbin"):
            sys.exit(f"{tool} is missing: apt-get install -y {tool}")
    if not args.queries.is_file():
        sys.exit(f"{args.queries} not found (../shared/data)")
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    with open(args.queries, encoding="utf-8") as f:
        queries = [json.loads(x)["query"] for x in f if x.strip()]
    (work / "paths.txt").write_text(
        "".join(f"/api/search?q={quote(q)}\n" for q in queries), encoding="utf-8")
    (work / "rotate.lua").write_text(WRK_LUA, encoding="utf-8")
    src = source_root(args.index, work)
    roots = [work / "r1", work / "r2"]
    with frozen_build(src) as frozen:
        for r in roots:
            p = publish(frozen, str(r))
            done = "already served" if p.already_current else \
                f"copy {p.copy_seconds:.1f}s, verify {p.verify_seconds:.1f}s"
            print(f"published {p.build} ({p.bytes / 1e6:.0f} MB, {p.files} files) to {r}: "
                  f"{done}", flush=True)
    nginx_bin = shutil.which("nginx", path="/usr/sbin:/usr/bin")
    replicas = [Replica(r, free_port(), work / f"{r.name}.log", args.workers) for r in roots]
    one = Nginx(nginx_bin, work / "nginx1", free_port(), [replicas[0].port], workers=1)
    two = Nginx(nginx_bin, work / "nginx2", free_port(), [r.port for r in replicas], workers=1)
    print(f"{len(queries)} dev queries via /api/search, wrk -t2 -c{args.connections}, "
          f"{args.seconds:.0f}s per scenario after an equal warm-up; {args.workers} gunicorn "
          f"workers per replica", flush=True)
    try:
        for r in replicas:
            r.start()
        for r in replicas:
            r.wait_version(timeout=300)
        one.start()
        two.start()
        for _ in range(args.rounds):
            scenario("(1) one replica, direct", replicas[0].port, work, args)
            scenario("(2) one replica behind nginx", one.port, work, args)
            scenario("(3) two replicas behind nginx", two.port, work, args)
        rollout(src, replicas, two.port, work, args)
    finally:
        for n in (one, two):
            n.stop()
        for r in replicas:
            r.stop()


if __name__ == "__main__":
    main()
