"""Soak: a long steady load on gunicorn as ``newssearch serve`` runs it, watching for errors
and memory growth in the workers.

Starts gunicorn on a free loopback port over ``--index``, then sends /api/search requests
rotating the dev queries (plus suggestions and article pages) from ``--threads`` threads for
``--seconds`` (default 600). Prints, once a minute and at the end: requests, requests/s,
errors; and each worker's resident memory (RSS and its anonymous part, from
/proc/PID/smaps_rollup) at the start (after one warm-up pass) and at the end, with growth.
Rate limits are off (the load comes from one client). Stops by itself.

    .venv/bin/python bench/soak.py --index /tmp/nsbench/index --seconds 600

Needs ../shared/data/dev_queries.jsonl (else the sample's titles are used as queries).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

from newssearch.web.serve import gunicorn_argv

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT.parent / "shared" / "data" / "dev_queries.jsonl"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mb(pid: int) -> dict[str, int]:
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        key, _, rest = line.partition(":")
        if key in ("Rss", "Anonymous"):
            out[key] = round(int(rest.split()[0]) / 1024)
    return out


def workers_of(master: int) -> list[int]:
    return sorted(int(k) for k in Path(f"/proc/{master}/task/{master}/children").read_text()
                  .split())


def paths() -> list[str]:
    if QUERIES.is_file():
        qs = [json.loads(line)["query"] for line in QUERIES.read_text("utf-8").splitlines()]
    else:
        qs = ["phong tho", "Hà Nội", "bóng đá", "thời tiết", "giá vàng", "covid"]
    out = []
    for q in qs:
        out.append(f"/api/search?q={quote(q)}")
        if len(out) % 10 == 0:
            out.append(f"/api/suggest?q={quote(q[:5])}")
    return out


class Load:
    """Threads sending requests until ``stop`` is set; counts successes and failures."""

    def __init__(self, port: int, threads: int):
        self.port, self.ok, self.errors = port, 0, 0
        self.first_errors: list[str] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.it = itertools.cycle(paths())
        self.threads = [threading.Thread(target=self._run, daemon=True) for _ in range(threads)]

    def _run(self) -> None:
        while not self.stop.is_set():
            with self.lock:
                path = next(self.it)
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                failed = resp.status >= 500 and f"{path} -> {resp.status}"
            except (OSError, http.client.HTTPException) as e:
                failed = f"{path} -> {type(e).__name__}"
            with self.lock:
                if failed:
                    self.errors += 1
                    if len(self.first_errors) < 5:
                        self.first_errors.append(failed)
                else:
                    self.ok += 1

    def start(self) -> None:
        for t in self.threads:
            t.start()

    def finish(self) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def wait_ready(port: int, proc: subprocess.Popen, limit: float = 600) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/health")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    sys.exit("gunicorn did not become ready")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", required=True, help="index root to serve (read only)")
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    args.seconds = max(10, min(args.seconds, 3600))  # bounded, whatever is asked
    port = free_port()
    env = {**os.environ, "NEWSSEARCH_INDEX": args.index, "NEWSSEARCH_ACCESS_LOG": "",
           "NEWSSEARCH_RATE_LIMIT_ENABLED": "0"}
    log = Path(tempfile.mkdtemp(prefix="soak-")) / "gunicorn.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(gunicorn_argv("127.0.0.1", port, args.workers), env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        wait_ready(port, proc)
        warm = Load(port, args.threads)  # one pass over the queries' postings first
        warm.start()
        time.sleep(min(30, args.seconds / 10))
        warm.finish()
        start_mem = {p: memory_mb(p) for p in workers_of(proc.pid)}
        load = Load(port, args.threads)
        t0 = time.monotonic()
        load.start()
        while (elapsed := time.monotonic() - t0) < args.seconds:
            time.sleep(min(60, args.seconds - elapsed))
            n = load.ok + load.errors
            print(f"{time.monotonic() - t0:6.0f}s  {n} requests  "
                  f"{n / (time.monotonic() - t0):.0f}/s  {load.errors} errors", flush=True)
        load.finish()
        secs = time.monotonic() - t0
        end_mem = {p: memory_mb(p) for p in workers_of(proc.pid)}
        n = load.ok + load.errors
        print(f"\nsoak: {n} requests in {secs:.0f}s = {n / secs:.1f} requests/s, "
              f"{load.errors} errors {load.first_errors or ''}")
        for pid in sorted(set(start_mem) | set(end_mem)):
            a, b = start_mem.get(pid), end_mem.get(pid)
            if a and b:
                growth = 100 * (b["Rss"] - a["Rss"]) / max(a["Rss"], 1)
                print(f"worker {pid}: RSS {a['Rss']} -> {b['Rss']} MB ({growth:+.1f}%), "
                      f"anonymous {a['Anonymous']} -> {b['Anonymous']} MB")
            else:
                print(f"worker {pid}: start {a}, end {b} (replaced during the soak)")
        print(f"gunicorn log: {log}")
    finally:
        proc.terminate()
        proc.wait(timeout=60)


if __name__ == "__main__":
    main()
