"""Warm start: load the live index generation, the analyzer model and the lazily built caches
before a worker takes traffic, so its first request costs what its hundredth does.

``warm`` runs in ``create_app`` (under gunicorn's ``preload_app``, in the master before it
forks, so workers share the loaded pages). ``Refresher`` runs in each worker and warms a new
generation after an index swap; the swap itself is the engine's (see docs/deploy.md).
"""

from __future__ import annotations

import logging
import os
import threading
import time

from newssearch.errors import IndexProblem
from newssearch.index.snapshot import Snapshot
from newssearch.index.store import current_build
from newssearch.index.vectors import TopicVectors
from newssearch.search import SearchEngine
from newssearch.search.duplicates import DuplicateIndex
from newssearch.search.spelling import prepare

log = logging.getLogger(__name__)
# Accented, folded, phrase and did-you-mean paths, and the pyvi model on the way.
WARM_QUERIES = ("Phong Thổ", "phong tho", '"bão số 9" -lũ', "ubnd tinh", "Hà Nộii")


def _advise_files(engine: SearchEngine) -> int:
    """Ask the kernel to read the live build's files into the page cache (shared by every
    process mapping them); returns the bytes advised."""
    build = current_build(engine.root)
    total = 0
    if build is None:
        return 0
    for path in build.path.rglob("*"):
        if not path.is_file():
            continue
        fd = os.open(path, os.O_RDONLY)
        try:
            size = os.fstat(fd).st_size
            os.posix_fadvise(fd, 0, size, os.POSIX_FADV_WILLNEED)
            total += size
        finally:
            os.close(fd)
    return total


def _settle_threads(timeout: float = 10.0) -> None:
    """Wait for the engine's background preparation threads, so a fork never copies a lock
    that one of them holds."""
    for t in threading.enumerate():
        if t is not threading.current_thread() and t.daemon and t.is_alive():
            t.join(timeout)


def warm(engine: SearchEngine) -> float | None:
    """Load everything the live generation needs; seconds taken, or None without an index."""
    t0 = time.perf_counter()
    try:
        snap = engine.snapshot()
        advised = _advise_files(engine)
        prepare(snap)
        for q in WARM_QUERIES:
            engine.search(q, per_page=10)
        engine.suggest("phong th")
        engine.stats()
        DuplicateIndex.of(snap)  # related articles' copy detector: seconds on a full corpus
        TopicVectors.of(snap)  # their topic vectors, when the build has them
    except IndexProblem as e:
        log.warning("not warmed: %s", e)
        return None
    _settle_threads()
    took = time.perf_counter() - t0
    log.info("warmed index %s (%d MB advised) in %.2f s", snap.version, advised >> 20, took)
    return took


def warm_generation(engine: SearchEngine, snap: Snapshot) -> None:
    """The engine's hook for a new generation after a swap: its caches, the duplicate
    detector and the related articles' topic vectors are built, and a few searches run on
    it, before it replaces the live one (the old one answers meanwhile)."""
    t0 = time.perf_counter()
    prepare(snap)
    for q in WARM_QUERIES:
        engine.search_on(snap, q, per_page=10)
    DuplicateIndex.of(snap)
    TopicVectors.of(snap)
    log.info("warmed new index %s in %.2f s", snap.version, time.perf_counter() - t0)


class Refresher(threading.Thread):
    """Looks for a new index generation every ``interval`` seconds, so that the engine opens
    and warms it (``warm_generation``) here rather than on a reader's request."""

    def __init__(self, engine: SearchEngine, interval: float = 2.0):
        super().__init__(name="newssearch-refresher", daemon=True)
        self.engine = engine
        self.interval = interval
        self.version: str | None = None

    def run(self) -> None:
        problem = None
        while True:
            try:
                self.version = self.engine.index_version
                problem = None
            except IndexProblem as e:  # requests answer 503 meanwhile; say it once
                if str(e) != problem:
                    log.warning("no usable index: %s", e)
                problem = str(e)
            except Exception:  # keep checking; requests report the problem
                log.exception("index refresh check failed")
            time.sleep(self.interval)
