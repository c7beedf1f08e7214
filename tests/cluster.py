"""Replicas behind nginx on loopback, for tests/test_replicas.py and bench/replicas.py.

Each replica is a real ``newssearch serve`` (gunicorn) over its own index root; nginx is
Debian's binary with the configuration of docs/scaling.md (passive health checks and
``proxy_next_upstream`` retries, a short ETag-revalidated cache for article and widget JSON).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from procs import stop_process

NGINX_CONF = """\
worker_processes @WORKERS@;
pid @PREFIX@/nginx.pid;
error_log @PREFIX@/error.log warn;
@USER@
events { worker_connections 1024; }
http {
    log_format replicas '$remote_addr [$time_local] "$request" $status '
                        'up=$upstream_addr upstatus=$upstream_status '
                        'cache=$upstream_cache_status v=$sent_http_x_index_version '
                        't=$request_time';
    access_log @PREFIX@/access.log replicas;
    client_body_temp_path @PREFIX@/tmp/body;
    proxy_temp_path @PREFIX@/tmp/proxy;
    fastcgi_temp_path @PREFIX@/tmp/fastcgi;
    uwsgi_temp_path @PREFIX@/tmp/uwsgi;
    scgi_temp_path @PREFIX@/tmp/scgi;
    proxy_cache_path @PREFIX@/cache levels=1:2 keys_zone=newssearch:10m max_size=256m
                     inactive=10m use_temp_path=off;

    upstream newssearch {
        # Passive health checks: a replica that refuses or fails a request is skipped
        # for fail_timeout; the request itself is retried on the next one.
@SERVERS@
        keepalive 16;
    }

    server {
        listen 127.0.0.1:@PORT@;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        proxy_connect_timeout 1s;
        proxy_read_timeout 30s;
        proxy_next_upstream error timeout http_502 http_503 http_504;
        proxy_next_upstream_tries 3;
        proxy_next_upstream_timeout 10s;

        location = /api/health {
            proxy_pass http://newssearch;
        }
        # Article, related and widget JSON: cached for 1 s, then revalidated with the
        # cached ETag (If-None-Match); the ETag is derived from the index version, so a
        # replica answers 304 while its version is unchanged and the new body once not.
        location ~ ^/(api/articles/|widget/) {
            proxy_pass http://newssearch;
            proxy_cache newssearch;
            proxy_cache_key $request_method$request_uri;
            proxy_cache_valid 200 404 1s;
            proxy_cache_revalidate on;
            proxy_cache_lock on;
            proxy_ignore_headers Cache-Control Expires Set-Cookie;
            add_header X-Cache $upstream_cache_status always;
        }
        location / {
            proxy_pass http://newssearch;
        }
    }
}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, timeout: float = 10.0) -> tuple[int, dict, bytes]:
    """One GET on loopback: (status, lower-cased headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


@dataclass
class Replica:
    """``newssearch serve`` over ``root`` on a loopback port."""

    root: Path
    port: int
    log: Path
    workers: int = 2
    proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "NEWSSEARCH_ACCESS_LOG": ""}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "newssearch.cli", "serve", "--index", str(self.root),
                 "--host", "127.0.0.1", "--port", str(self.port),
                 "--workers", str(self.workers)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)

    def stop(self) -> None:
        """Graceful stop (gunicorn finishes the requests it has)."""
        if self.proc:
            stop_process(self.proc, signal.SIGTERM, 30)
        self.proc = None

    def version(self) -> str | None:
        """The index version /api/health reports, or None while not serving."""
        try:
            status, _, body = get(self.port, "/api/health", timeout=2)
        except OSError:
            return None
        return json.loads(body).get("index_version") if status == 200 else None

    def wait_version(self, want: str | None = None, timeout: float = 60,
                     polls: int = 1) -> str:
        """Wait until the replica serves (``want``, if given) on ``polls`` health checks in a
        row (each may reach another worker, and each worker switches on its own)."""
        end = time.monotonic() + timeout
        streak = 0
        while time.monotonic() < end:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"replica on {self.port} exited; see {self.log}")
            v = self.version()
            streak = streak + 1 if v and (want is None or v == want) else 0
            if streak >= polls:
                return v
            time.sleep(0.05 if streak else 0.1)
        raise TimeoutError(f"replica on {self.port} not serving {want or 'anything'}; "
                           f"see {self.log}")


@dataclass
class Nginx:
    binary: str
    prefix: Path
    port: int
    upstreams: list[int]
    workers: int = 1
    proc: subprocess.Popen | None = None

    def config(self) -> str:
        servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=2s;"
                            for p in self.upstreams)
        return (NGINX_CONF.replace("@PREFIX@", str(self.prefix))
                .replace("@USER@", "user root;" if os.geteuid() == 0 else "")
                .replace("@SERVERS@", servers).replace("@PORT@", str(self.port))
                .replace("@WORKERS@", str(self.workers)))

    def start(self) -> None:
        for d in ("tmp", "cache"):
            (self.prefix / d).mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(self.config(), encoding="utf-8")
        args = [self.binary, "-p", str(self.prefix), "-e", str(self.prefix / "error.log"),
                "-c", str(conf)]
        subprocess.run([*args, "-t"], check=True, capture_output=True)
        self.proc = subprocess.Popen([*args, "-g", "daemon off;"], stdin=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while time.monotonic() < end:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"nginx did not listen on {self.port}; see {self.prefix}/error.log")

    def retried(self) -> int:
        """Requests nginx sent to more than one replica (from its access log)."""
        with open(self.prefix / "access.log", encoding="utf-8", errors="replace") as f:
            return sum(1 for line in f if " up=" in line and ", " in line.split(" up=")[1]
                       .split(" upstatus=")[0])

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc, signal.SIGQUIT, 10)  # graceful
        self.proc = None


@dataclass
class Sample:
    start: float
    seconds: float
    path: str
    status: int  # 0: no HTTP answer (connection refused, reset, timeout)
    version: str
    cache: str
    error: str = ""


@dataclass
class Load:
    """Threads sending GETs round-robin over ``paths`` through one port, each on its own
    keep-alive connection (reopened after an error), recording every request."""

    port: int
    paths: list[str]
    threads: int = 4
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def _run(self, offset: int) -> None:
        conn = None
        i = offset
        out = []
        while not self._stop.is_set():
            path = self.paths[i % len(self.paths)]
            i += self.threads
            t0 = time.monotonic()
            try:
                conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", path)
                r = conn.getresponse()
                r.read()
                out.append(Sample(t0, time.monotonic() - t0, path, r.status,
                                  r.getheader("X-Index-Version", ""), r.getheader("X-Cache", "")))
            except (OSError, http.client.HTTPException) as e:
                out.append(Sample(t0, time.monotonic() - t0, path, 0, "", "", repr(e)))
                if conn:
                    conn.close()
                conn = None
        if conn:
            conn.close()
        self.samples.extend(out)

    def start(self) -> None:
        for k in range(self.threads):
            t = threading.Thread(target=self._run, args=(k,), daemon=True)
            t.start()
            self._workers.append(t)

    def stop(self) -> list[Sample]:
        self._stop.set()
        for t in self._workers:
            t.join(60)
        return sorted(self.samples, key=lambda s: s.start)
