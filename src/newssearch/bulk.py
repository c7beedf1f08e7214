"""Writing many articles into segments, on all cores, within a memory budget.

How the budget is kept: every writer (a worker process, or the caller itself for small
batches) buffers postings compactly (``postpool.PostingBuffer``) and finishes its segment
as soon as the buffer reaches its share of the budget, then starts a new one; articles
reach workers in small batches through a bounded queue, so the parent never holds more
than a few batches. The budget is split as: one process's base size for the parent, and for
each worker its base size plus a buffer that, with the temporary arrays of sorting it when
the segment is written (``FLUSH_FACTOR`` times its size), fits the rest. Corpus size does
not enter: a bigger corpus means more segments, not bigger ones. Too small a budget for the
requested workers lowers their number; below the floor a rebuild still runs, one process,
small segments.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh.codec.whoosh3 import W3Codec

from .analysis import warm_up
from .model import Article
from .postings import DIRNAME
from .postpool import PostingBuffer
from .schema import doc_fields
from .whoosh_compat import BufferedSegmentWriter, finish_segment, open_index

DEFAULT_MEMORY_MB = 1400  # peak RSS of a whole rebuild, parent and workers (target 1.5 GB)
BASE_MB = 150  # RSS of a process with Whoosh, numpy and pyvi's model loaded (measured 133)
FLUSH_FACTOR = 4  # peak of writing a segment / its buffered postings (sort, Whoosh blocks)
MIN_SEGMENT_MB = 16
BATCH = 32  # articles per queue item
QUEUE_BATCHES = 2  # batches waiting per worker


INLINE_LIMIT = 8


def segment_codec() -> W3Codec:
    """How segments are written: terms with few postings keep them inline in the term table
    (Whoosh's default writes each its own compressed block, about 100 bytes of overhead)."""
    return W3Codec(inlinelimit=INLINE_LIMIT)


class IndexingError(Exception):
    """A worker process failed; the message carries its traceback."""


@dataclass(frozen=True)
class Budget:
    """How a memory budget (MB, whole process tree) is spent: workers and segment size."""

    memory_mb: int = DEFAULT_MEMORY_MB
    procs: int = 1

    @property
    def workers(self) -> int:
        """Worker processes that fit (each needs its base size and a minimal buffer)."""
        per = BASE_MB + MIN_SEGMENT_MB * FLUSH_FACTOR
        return max(1, min(self.procs, (self.memory_mb - BASE_MB) // per))

    @property
    def segment_bytes(self) -> int:
        """Buffered postings at which a writer finishes its segment."""
        room = (self.memory_mb - BASE_MB) / self.workers - BASE_MB
        return int(max(MIN_SEGMENT_MB, room / FLUSH_FACTOR) * 2**20)


Docs = Iterable[tuple[Article, str | None]]


def fill_segments(ix, flat_dir: Path, docs: Docs, limit: int,
                  progress: Callable[[int], None] | None = None) -> Iterator:
    """Write ``docs`` (article, content hash) into new segments of ``ix``, each finished
    when its buffered postings reach ``limit`` bytes; yields the finished segments."""
    # On failure nothing is cancelled here: a writer's cancel removes the temporary directory
    # all writers of the index share; the committing writer's cancel cleans up.
    w = buf = None
    for a, h in docs:
        if w is None:
            buf = PostingBuffer(flat_dir)
            w = BufferedSegmentWriter(ix, buf, _lk=False, codec=segment_codec())
        w.add_document(**doc_fields(a, h, ix.schema))
        if progress:
            progress(1)
        if buf.nbytes() >= limit:
            seg, w = finish_segment(w), None
            yield seg
    if w is not None:
        yield finish_segment(w)


def write_parallel(build_path: Path, docs: Docs, budget: Budget,
                   progress: Callable[[int], None] | None = None) -> list:
    """Write ``docs`` into new segments on ``budget.workers`` processes; returns the
    finished segments (not yet committed), worker by worker."""
    warm_up()  # load pyvi's model once, before the fork, so its pages are shared
    ctx = mp.get_context("fork")
    jobs = ctx.Queue(budget.workers * QUEUE_BATCHES)
    results = ctx.Queue()
    procs = [ctx.Process(target=_worker, daemon=True,
                         args=(build_path, jobs, results, budget.segment_bytes))
             for _ in range(budget.workers)]
    for p in procs:
        p.start()
    out: list = []
    try:
        batch: list[tuple[Article, str | None]] = []
        for item in docs:
            batch.append(item)
            if len(batch) >= BATCH:
                _put(jobs, batch, procs, results)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            _put(jobs, batch, procs, results)
            if progress:
                progress(len(batch))
        for _ in procs:
            _put(jobs, None, procs, results)
        for _ in procs:
            out.extend(_result(results, procs))
        for p in procs:
            p.join()
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join()
    return out


def _put(jobs, item, procs, results) -> None:
    while True:
        try:
            jobs.put(item, timeout=1)
            return
        except queue.Full:
            _check(procs, results)


def _check(procs, results) -> None:
    if any(p.exitcode is not None for p in procs):
        try:
            kind, payload = results.get(timeout=1)
        except queue.Empty:
            raise IndexingError("an indexing worker process died (killed, or out of memory?)"
                                ) from None
        if kind == "error":
            raise IndexingError(payload)
        results.put((kind, payload))


def _result(results, procs) -> list:
    while True:
        try:
            kind, payload = results.get(timeout=1)
        except queue.Empty:
            if all(p.exitcode is not None for p in procs):
                raise IndexingError("an indexing worker process died before reporting"
                                    ) from None
            continue
        if kind == "error":
            raise IndexingError(payload)
        return payload


def _worker(build_path: Path, jobs, results, limit: int) -> None:
    try:
        ix = open_index(build_path)

        def docs() -> Iterator[tuple[Article, str | None]]:
            while (batch := jobs.get()) is not None:
                yield from batch

        segs = list(fill_segments(ix, build_path / DIRNAME, docs(), limit))
        results.put(("ok", segs))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        results.put(("error", traceback.format_exc()))
