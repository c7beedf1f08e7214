"""Searches while idle and slow clients hold connections open, against gunicorn as
``newssearch serve`` runs it (issue 21: four idle connections stalled a sync worker's searches
for 30 s).

Opens ``--idle`` connections that send nothing and ``--slow`` clients that send part of a
request head and then one byte a second, then makes ``--searches`` searches one after another
(rotating the dev queries, each a new connection, as a browser's first request). Prints
p50/p95/p99/max of the searches, their errors, and how the held connections ended: closed by
the server (after how many seconds, with a 408 or without an answer) or still open when the
searches were over. ``--worker-class sync`` measures gunicorn's sync worker the same way.

    .venv/bin/python bench/slow_clients.py --index /tmp/nsbench/index --idle 50 --slow 20

Needs ../shared/data/dev_queries.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from query_latency import pct
from web_load import QUERIES, wait_ready

from newssearch.web.serve import gunicorn_argv


class Held:
    """One held connection and when (and how) the server ended it."""

    def __init__(self, port: int, head: bytes) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.opened = time.monotonic()
        self.closed_after: float | None = None
        self.answer = b""
        if head:
            self.sock.sendall(head)

    def watch(self, drip: bool, until: float) -> None:
        """Read until the server closes (dripping a byte a second when ``drip``)."""
        self.sock.settimeout(1.0)
        while time.monotonic() < until:
            try:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                self.answer += chunk
            except TimeoutError:
                if drip:
                    try:
                        self.sock.send(b"a")
                    except OSError:
                        break
                continue
            except OSError:
                break
        else:
            return
        self.closed_after = time.monotonic() - self.opened


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", default="/tmp/nsbench/index")
    ap.add_argument("--idle", type=int, default=50)
    ap.add_argument("--slow", type=int, default=20)
    ap.add_argument("--searches", type=int, default=200)
    ap.add_argument("--watch", type=float, default=40.0,
                    help="seconds to wait for the server to close the held connections")
    ap.add_argument("--worker-class", help="default: the config's (newssearch's worker)")
    ap.add_argument("--port", type=int, default=5098)
    ap.add_argument("--out", help="write the figures as JSON here")
    args = ap.parse_args()
    queries = [json.loads(ln)["query"] for ln in QUERIES.read_text(encoding="utf-8").splitlines()
               if ln.strip()]
    env = {**os.environ, "NEWSSEARCH_INDEX": args.index, "NEWSSEARCH_ACCESS_LOG": "",
           "NEWSSEARCH_RATE_LIMIT_ENABLED": "0"}
    argv = gunicorn_argv("127.0.0.1", args.port, None)
    if args.worker_class:
        argv[-1:-1] = ["--worker-class", args.worker_class]
    log = Path(tempfile.mkdtemp(prefix="slow_clients_")) / "gunicorn.log"
    proc = subprocess.Popen(argv, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{args.port}"
    report: dict = {"server": " ".join(argv), "idle": args.idle, "slow": args.slow}
    try:
        wait_ready(base, proc)
        for q in queries[:50]:  # every worker has searched before the clock starts
            urllib.request.urlopen(f"{base}/api/search?{urlencode({'q': q})}", timeout=60).read()
        head = b"GET /api/search?q=tin HTTP/1.1\r\nHost: bench\r\nX-Slow: "
        held = [Held(args.port, b"") for _ in range(args.idle)]
        held += [Held(args.port, head) for _ in range(args.slow)]
        until = time.monotonic() + args.watch
        watchers = [threading.Thread(target=h.watch, args=(i >= args.idle, until), daemon=True)
                    for i, h in enumerate(held)]
        for t in watchers:
            t.start()
        time.sleep(0.5)
        lat, errors = [], []
        for q in queries[100:100 + args.searches]:
            t0 = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{base}/api/search?{urlencode({'q': q})}",
                                            timeout=60) as r:
                    r.read()
                    if r.status != 200:
                        errors.append(r.status)
            except (OSError, urllib.error.HTTPError) as e:
                errors.append(getattr(e, "code", type(e).__name__))
            lat.append((time.perf_counter() - t0) * 1000)
        for t in watchers:
            t.join()
        closed = [h.closed_after for h in held if h.closed_after is not None]
        report.update(
            searches=len(lat), errors=errors, p50_ms=round(statistics.median(lat), 1),
            p95_ms=round(pct(lat, 95), 1), p99_ms=round(pct(lat, 99), 1),
            max_ms=round(max(lat), 1), held_closed=len(closed), held_open=len(held) - len(closed),
            closed_after_s=[round(min(closed), 1), round(max(closed), 1)] if closed else None,
            answered_408=sum(h.answer.startswith(b"HTTP/1.1 408") for h in held))
        print(json.dumps(report, indent=1))
    finally:
        proc.terminate()
        proc.wait(30)
    if args.out:
        Path(args.out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
