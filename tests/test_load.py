"""A short load test against a real gunicorn on loopback: steady load, a rebuild with its swap
and an incremental update under load, and a worker killed under load.

Bounded in count and in time, and stops by itself. Asserts failures only (0, or at most the
requests the killed worker held); latency figures are printed, not asserted (the machine is
shared): ``pytest -s tests/test_load.py`` shows them.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest
from browser_fixtures import start_gunicorn, stop
from conftest import SAMPLE_DIR, copy_index

THREADS = 4
MAX_SECONDS = 120  # per phase, whatever happens


@dataclass
class Tally:
    ok: int = 0
    failed: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    versions: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def figures(self, label: str, seconds: float) -> str:
        lat = sorted(self.latencies) or [0.0]
        pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
        n = self.ok + len(self.failed)
        return (f"{label}: {n} requests in {seconds:.1f}s ({n / seconds:.0f}/s), "
                f"{len(self.failed)} failed, p50 {pick(0.5):.0f} ms, p99 {pick(0.99):.0f} ms, "
                f"max {lat[-1] * 1000:.0f} ms, index versions seen {len(self.versions)}")


def paths_for(articles) -> list[str]:
    """Searches with the first words of titles, suggestions, article pages, the search page."""
    out = []
    for a in articles[:60]:
        words = " ".join(a.title.split()[:2])
        out += [f"/api/search?q={quote(words)}", f"/api/suggest?q={quote(words[:4])}",
                f"/api/articles/{quote(a.id, safe='')}", f"/?q={quote(words)}"]
    return out


def load(port: int, paths: list[str], count: int, tally: Tally,
         until: threading.Event | None = None, pause: float = 0.0) -> float:
    """``count`` requests from THREADS threads (or until ``until`` is set), each thread
    waiting ``pause`` seconds between its requests; returns seconds."""
    it = itertools.cycle(paths)
    left = [count]
    lock = threading.Lock()
    deadline = time.monotonic() + MAX_SECONDS

    def worker() -> None:
        while time.monotonic() < deadline:
            with lock:
                if (until is None and left[0] <= 0) or (until is not None and until.is_set()):
                    return
                left[0] -= 1
                path = next(it)
            t0 = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path)
                resp = conn.getresponse()
                resp.read()
                conn.close()
                status, version = resp.status, resp.getheader("X-Index-Version")
            except (OSError, http.client.HTTPException) as e:
                status, version = f"{type(e).__name__}", None
            dt = time.perf_counter() - t0
            with tally.lock:
                if isinstance(status, int) and status < 500:
                    tally.ok += 1
                    tally.latencies.append(dt)
                    if version:
                        tally.versions.add(version)
                else:
                    tally.failed.append(f"{path} -> {status}")
            time.sleep(pause)

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.monotonic() - t0


def workers_of(master: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


@pytest.fixture(scope="module")
def server(search_index, tmp_path_factory):
    root = copy_index(search_index.root, tmp_path_factory.mktemp("load"))
    srv = start_gunicorn(root, root.parent / "gunicorn.log", workers=2)
    srv.root = root
    yield srv
    stop(srv)


def port_of(server) -> int:
    return int(server.url.rsplit(":", 1)[1])


def test_steady_load_has_no_errors(server, search_index) -> None:
    tally = Tally()
    secs = load(port_of(server), paths_for(search_index.articles), 1500, tally)
    print("\n" + tally.figures("steady", secs))
    assert tally.ok == 1500 and not tally.failed, tally.failed[:5]


def test_rebuild_swap_and_update_under_load(server, search_index, tmp_path) -> None:
    """Readers see no failure while a full rebuild swaps the index and an update commits."""
    root = server.root
    extra = tmp_path / "extra.jsonl"
    extra.write_text("".join(json.dumps({
        "id": f"load-{i}", "title": f"Bài kiểm tra tải số {i}", "body": "Nội dung kiểm tra.",
        "published": f"2021-01-0{i + 1}", "source": "kiemthu.vn"}, ensure_ascii=False)
        + "\n" for i in range(5)), encoding="utf-8")
    cmd = [sys.executable, "-m", "newssearch.cli", "index", "-q", "--procs", "1",
           "--index", str(root)]
    done = threading.Event()
    results: list[subprocess.CompletedProcess] = []

    def writer() -> None:
        try:
            time.sleep(1.0)  # under load first
            results.append(subprocess.run([*cmd, "--rebuild", str(SAMPLE_DIR)], check=False,
                                          capture_output=True, text=True, timeout=300))
            results.append(subprocess.run([*cmd, str(extra)], check=False,
                                          capture_output=True, text=True, timeout=300))
            time.sleep(3.0)  # workers reopen the index after their refresh interval
        finally:
            done.set()

    w = threading.Thread(target=writer)
    w.start()
    tally = Tally()
    secs = load(port_of(server), paths_for(search_index.articles), 0, tally, until=done,
                pause=0.05)  # a steady stream, not thousands more requests on 2 cores
    w.join()
    print("\n" + tally.figures("rebuild+update under load", secs))
    assert [r.returncode for r in results] == [0, 0], [r.stderr[-500:] for r in results]
    assert not tally.failed, tally.failed[:5]
    assert len(tally.versions) >= 2  # the swap was seen by readers, under load
    with server.get("/api/articles/load-3") as r:
        assert json.load(r)["title"] == "Bài kiểm tra tải số 3"
    # Each worker said in gunicorn's error log that it warmed the new generation.
    assert "warmed new index" in (server.root.parent / "gunicorn.log").read_text()


def test_worker_killed_under_load(server, search_index) -> None:
    """The master replaces a killed worker; clients lose at most what that worker held."""
    master = server.proc.pid
    before = workers_of(master)
    assert len(before) == 2
    tally = Tally()
    killer_done = threading.Event()

    def killer() -> None:
        time.sleep(1.0)
        os.kill(before[0], signal.SIGKILL)
        killer_done.set()

    k = threading.Thread(target=killer)
    k.start()
    secs = load(port_of(server), paths_for(search_index.articles), 800, tally)
    k.join()
    print("\n" + tally.figures("worker killed under load", secs))
    assert killer_done.is_set()
    assert len(tally.failed) <= THREADS, tally.failed  # the killed worker held one per client
    deadline = time.monotonic() + 30
    while (len(workers_of(master)) < 2 or before[0] in workers_of(master)) \
            and time.monotonic() < deadline:
        time.sleep(0.2)
    after = workers_of(master)
    assert len(after) == 2 and before[0] not in after, (before, after)
    again = Tally()
    load(port_of(server), paths_for(search_index.articles), 300, again)
    assert again.ok == 300 and not again.failed, again.failed[:5]


def test_access_log_holds_no_posted_text(server) -> None:
    marker = "Zorbaland-noi-dung-bi-mat"
    conn = http.client.HTTPConnection("127.0.0.1", port_of(server), timeout=30)
    conn.request("POST", "/api/search", body=f"title={marker}&body={marker}",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert conn.getresponse().status == 405
    conn.close()
    time.sleep(0.5)
    assert marker not in Path(server.log).read_text(encoding="utf-8", errors="replace")
