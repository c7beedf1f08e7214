"""Latency under load while the index changes underneath a real server, at full scale: an
incremental update, then a swap to another build, each under wrk load against gunicorn as
``newssearch serve`` runs it (issue 10: 0 failed requests, none slower than 1 s).

    .venv/bin/python bench/swap_load.py --index /tmp/nsbench/full3 \\
        --swap-from /tmp/nsbench/daily --out /tmp/nsbench/swap_load.json

Steps: ``cp -a`` --index (read-only) to --work; --add new articles made by ``synth.variants``
from the shared corpus into a JSON Lines file; gunicorn over the copy (rate limits off, the
package config) warmed by a short wrk pass (not reported); then each phase under wrk at -c:
  update: 5 s of load, ``newssearch index --index WORK new.jsonl``, load until every
          worker answers the new version (/api/health, 12 in a row), --settle s more;
  swap:   (with --swap-from) the same around ``newssearch publish --index SRC --to WORK``.
SRC is a ``cp -a`` of --swap-from made before the phase (publish freezes its source by
hard-linking into SRC/snapshots/, and --swap-from may be another bench's work directory), so
the phase times the product's swap: copy into WORK/staging, verify every checksum, switch
CURRENT; each worker then opens and warms the new build (the engine's warm hook).

One wrk run covers a whole phase (web_load's Lua script, rotating the dev queries), ended by
SIGINT, on which wrk stops and prints its summary: max latency and errors span the phase.
Per phase: seconds of the index command and until every worker switched, requests, req/s,
p50/p95/p99/max (wrk), errors by kind, statuses in the access log, the index versions from
/api/health before and after and per access-log line (X-Index-Version), and the access
log's slowest requests (server-side time, which excludes time queued in the listen backlog). Asserts nothing. Needs wrk (apt-get install -y wrk) and ../shared/data.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

from synth import variants
from web_load import LUA, QUERIES, wait_ready, wrk

from newssearch.ingest import IngestReport, iter_articles
from newssearch.web.serve import gunicorn_argv

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
CORPORA = ["corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz"]
# gunicorn_conf's access_log_format: ... "request" status bytes 123us v=VERSION "agent"
ACCESS = re.compile(r'"(?P<req>[^"]*)" (?P<status>\d{3}) \S+ (?P<us>\d+)us v=(?P<v>\S*)')


def load1() -> float:
    return os.getloadavg()[0]


def make_articles(n: int, out: Path) -> int:
    """n synthetic new articles (new ids, shuffled sentences) as JSON Lines."""
    real = iter_articles([str(DATA / c) for c in CORPORA], IngestReport())
    with out.open("w", encoding="utf-8") as f:
        for a in variants(itertools.islice(real, n), "swapload"):
            f.write(json.dumps(a.to_dict(), ensure_ascii=False) + "\n")
    return n


def health_versions(base: str, n: int = 12) -> list[str]:
    """Index versions answered by n health checks (each lands on some worker)."""
    seen = []
    for _ in range(n):
        with urllib.request.urlopen(base + "/api/health", timeout=30) as r:
            seen.append(json.load(r).get("index_version"))
    return sorted(set(seen))


def wait_switched(base: str, before: list[str], cap: float) -> float | None:
    """Seconds until 12 health checks in a row answer one version that is not ``before``
    (every worker has switched); None if that did not happen within ``cap`` seconds."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < cap:
        seen = health_versions(base)
        if len(seen) == 1 and seen[0] not in before:
            return round(time.monotonic() - t0, 1)
        time.sleep(0.5)
    return None


def access_lines(log: Path, start: int, end: int) -> list[dict]:
    with log.open("rb") as f:
        f.seek(start)
        text = f.read(end - start).decode("utf-8", "replace")
    out = []
    for line in text.splitlines():
        m = ACCESS.search(line)
        if m and m["req"].startswith("GET /api/search"):  # wrk's, not the health checks
            out.append({"req": m["req"], "status": int(m["status"]),
                        "ms": int(m["us"]) / 1000, "version": m["v"], "line": line})
    return out


def wrk_until(base: str, lua: Path, args, done: threading.Event) -> dict:
    """wrk until ``done`` is set (then SIGINT: wrk stops and prints its summary)."""
    cmd = ["wrk", f"-t{args.wrk_threads}", f"-c{args.concurrency}", f"-d{args.max_seconds}s",
           "--timeout", "10s", "-s", str(lua), base]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    done.wait(args.max_seconds)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    line = next((ln for ln in out.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk gave no summary (exit {p.returncode}): {err.strip()[-300:]}")
    res = json.loads(line[len("RESULT "):])
    res["rps"] = round(res["requests"] / res["seconds"], 1)
    res["command"] = " ".join(cmd)
    return res


def phase(name: str, base: str, lua: Path, log: Path, args, command: list[str]) -> dict:
    """wrk at -c from --lead s before ``command`` until --settle s after every worker has
    switched to the version it made."""
    before = health_versions(base)
    log_start = log.stat().st_size
    res: dict = {"phase": name, "load_1min_at_start": round(load1(), 2),
                 "versions_before": before, "command": " ".join(command)}
    out: dict = {}
    done = threading.Event()

    def run_command() -> None:
        try:
            time.sleep(args.lead)
            t0 = time.perf_counter()
            p = subprocess.run(command, capture_output=True, text=True, check=False,
                               stdin=subprocess.DEVNULL)
            out.update(seconds=round(time.perf_counter() - t0, 1), returncode=p.returncode,
                       tail=(p.stdout + p.stderr).strip()[-600:])
            out["switch_seconds"] = wait_switched(base, before, args.max_seconds)
            time.sleep(args.settle)
        finally:
            done.set()

    t = threading.Thread(target=run_command)
    t.start()
    load = wrk_until(base, lua, args, done)
    t.join()
    res["load_1min_at_end"] = round(load1(), 2)
    res.update(command_seconds=out.get("seconds"), returncode=out.get("returncode"),
               switch_seconds=out.get("switch_seconds"),
               command_output=out.get("tail"), wrk=load)
    res["versions_after"] = health_versions(base)
    lines = access_lines(log, log_start, log.stat().st_size)
    res["access_log"] = {
        "lines": len(lines),
        "status": dict(Counter(x["status"] for x in lines)),
        "by_version": dict(Counter(x["version"] for x in lines)),
        "server_max_ms": max((x["ms"] for x in lines), default=0),
        "slowest": [x["line"] for x in sorted(lines, key=lambda x: -x["ms"])[:5]],
    }
    return res


def show(r: dict) -> None:
    w, a = r["wrk"], r["access_log"]
    errs = sum(w["errors"].values())
    print(f"\n== {r['phase']}: {r['command']}\n"
          f"   exit {r['returncode']} after {r['command_seconds']} s, every worker on the "
          f"new version {r['switch_seconds']} s later; "
          f"1-min load {r['load_1min_at_start']} -> {r['load_1min_at_end']}\n"
          f"   {w['requests']} requests in {w['seconds']:.1f} s ({w['rps']} req/s), "
          f"p50 {w['p50_ms']:.0f} p95 {w['p95_ms']:.0f} p99 {w['p99_ms']:.0f} "
          f"max {w['max_ms']:.0f} ms; errors {errs} {w['errors']}\n"
          f"   access log: {a['lines']} lines, status {a['status']}, server-side max "
          f"{a['server_max_ms']:.0f} ms, per version {a['by_version']}\n"
          f"   versions before {r['versions_before']} after {r['versions_after']}",
          flush=True)
    if r["returncode"]:
        print(f"   command output: {r['command_output']}")
    for line in a["slowest"][:3]:
        print(f"   slow: {line[:200]}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--index", default="/tmp/nsbench/full3",
                    help="full-corpus index root, read-only (copied)")
    ap.add_argument("--work", default="/tmp/nsbench/swapwork",
                    help="where the served copy goes (replaced)")
    ap.add_argument("--add", type=int, default=1000, help="new articles in the update")
    ap.add_argument("--swap-from", help="index root whose live build is published to --work")
    ap.add_argument("-c", "--concurrency", type=int, default=8)
    ap.add_argument("--lead", type=float, default=5.0, help="seconds of load before a command")
    ap.add_argument("--settle", type=float, default=10.0,
                    help="seconds of load after every worker is on the new version")
    ap.add_argument("--max-seconds", type=int, default=900, help="a phase's cap (wrk -d)")
    ap.add_argument("--warm-seconds", type=int, default=10)
    ap.add_argument("--workers", type=int, default=None, help="default: the config's")
    ap.add_argument("--port", type=int, default=5098)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    if not DATA.is_dir():
        raise SystemExit(f"{DATA} is missing: the shared data must be beside the project")
    src, work = Path(args.index), Path(args.work)
    report: dict = {"index": str(src), "work": str(work), "add": args.add,
                    "concurrency": args.concurrency, "load_1min_at_start": round(load1(), 2)}
    print(f"1-min load average at start: {report['load_1min_at_start']}", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    subprocess.run(["cp", "-a", str(src), str(work)], check=True)
    tmp = Path(tempfile.mkdtemp(prefix="swap_load_"))
    new = tmp / "new.jsonl"
    make_articles(args.add, new)
    queries = [json.loads(ln)["query"] for ln in QUERIES.read_text(encoding="utf-8").splitlines()
               if ln.strip()]
    paths = tmp / "paths.txt"
    paths.write_text("".join("/api/search?" + urlencode({"q": q}) + "\n" for q in queries))
    lua = tmp / "rotate.lua"
    lua.write_text(LUA % {"paths": paths})
    env = {**os.environ, "NEWSSEARCH_INDEX": str(work), "NEWSSEARCH_ACCESS_LOG": "-",
           "NEWSSEARCH_RATE_LIMIT_ENABLED": "0"}
    argv = gunicorn_argv("127.0.0.1", args.port, args.workers)
    log = tmp / "gunicorn.log"
    proc = subprocess.Popen(argv, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    cli = [sys.executable, "-m", "newssearch.cli.app"]
    report["server"] = " ".join(argv)
    report["phases"] = []
    try:
        report["ready_seconds"] = round(wait_ready(base, proc), 1)
        wrk(base, lua, args.concurrency, args.warm_seconds, args.wrk_threads)
        r = phase("update", base, lua, log, args, [*cli, "index", "--index", str(work), str(new)])
        show(r)
        report["phases"].append(r)
        if args.swap_from:
            copy = Path(f"{work}-swapsrc")
            shutil.rmtree(copy, ignore_errors=True)
            subprocess.run(["cp", "-a", args.swap_from, str(copy)], check=True)
            r = phase("swap", base, lua, log, args,
                      [*cli, "publish", "--index", str(copy), "--to", str(work)])
            r["swap_from"] = args.swap_from
            show(r)
            report["phases"].append(r)
            shutil.rmtree(copy, ignore_errors=True)
    finally:
        proc.terminate()
        proc.wait(60)
    print(f"\nserver ready after {report.get('ready_seconds')} s; gunicorn log {log}")
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False))
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
