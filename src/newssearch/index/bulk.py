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

import logging
import multiprocessing as mp
import queue
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from whoosh.codec.whoosh3 import W3Codec

from newssearch.errors import IndexingError
from newssearch.index.flat.buffer import PostingBuffer
from newssearch.index.flat.postings import DIRNAME
from newssearch.index.schema import doc_fields
from newssearch.index.tagging import extractor, tag
from newssearch.index.whoosh_compat import BufferedSegmentWriter, finish_segment, open_index
from newssearch.model import Article
from newssearch.settings import BY_NAME
from newssearch.text.analysis import warm_up
from newssearch.text.tags import NameStats

DEFAULT_MEMORY_MB = BY_NAME["MEMORY_MB"].default  # peak RSS of a whole rebuild, parent and workers (target 1.5 GB)
BASE_MB = 150  # RSS of a process with Whoosh, numpy and pyvi's model loaded (measured 133)
FLUSH_FACTOR = 4  # peak of writing a segment / its buffered postings (sort, Whoosh blocks)
MIN_SEGMENT_MB = 16
BATCH = 32  # articles per queue item
log = logging.getLogger(__name__)
SLOT_BYTES = 256  # of an article id, to name a dead worker's input
QUEUE_BATCHES = 2  # batches waiting per worker


INLINE_LIMIT = 8


def segment_codec() -> W3Codec:
    """How segments are written: terms with few postings keep them inline in the term table
    (Whoosh's default writes each its own compressed block, about 100 bytes of overhead)."""
    return W3Codec(inlinelimit=INLINE_LIMIT)


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
                  progress: Callable[[int], None] | None = None,
                  counts: NameStats | None = None) -> Iterator:
    """Write ``docs`` (article, content hash) into new segments of ``ix``, each finished
    when its buffered postings reach ``limit`` bytes; yields the finished segments. Each
    article gets its extracted tags here, under the build's name statistics; a rebuild
    passes ``counts`` to count its corpus for the next statistics."""
    # On failure nothing is cancelled here: a writer's cancel removes the temporary directory
    # all writers of the index share; the committing writer's cancel cleans up.
    w = None
    buf: PostingBuffer | None = None
    ex = extractor(flat_dir.parent)
    for a, h in docs:
        if w is None:
            buf = PostingBuffer(flat_dir)
            w = BufferedSegmentWriter(ix, buf, _lk=False, codec=segment_codec())
        w.add_document(**doc_fields(tag(ex, a, counts), h, ix.schema))
        if progress:
            progress(1)
        if buf is not None and buf.nbytes() >= limit:
            seg, w = finish_segment(w), None
            yield seg
    if w is not None:
        yield finish_segment(w)


def write_parallel(build_path: Path, docs: Docs, budget: Budget,
                   progress: Callable[[int], None] | None = None,
                   counts: NameStats | None = None) -> list:
    """Write ``docs`` into new segments on ``budget.workers`` processes; returns the
    finished segments (not yet committed), worker by worker. With ``counts``, the workers'
    name counts are added to it."""
    warm_up()  # load pyvi's model once, before the fork, so its pages are shared
    extractor(build_path)  # and the name statistics (each worker would parse them again)
    ctx = mp.get_context("fork")
    jobs = ctx.Queue(budget.workers * QUEUE_BATCHES)
    results = ctx.Queue()
    # Each worker writes the id of the article it is on here: a worker that dies is named
    # with its input, not only "a worker died".
    slots = [ctx.Array("c", SLOT_BYTES, lock=False) for _ in range(budget.workers)]
    procs = [ctx.Process(target=_worker, daemon=True,
                         args=(build_path, jobs, results, budget.segment_bytes, i, slot,
                               counts is not None))
             for i, slot in enumerate(slots)]
    watch = _Workers(procs, slots, results)
    for p in procs:
        p.start()
    out: list = []
    try:
        batch: list[tuple[Article, str | None]] = []
        for item in docs:
            batch.append(item)
            if len(batch) >= BATCH:
                _put(jobs, batch, watch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            _put(jobs, batch, watch)
            if progress:
                progress(len(batch))
        for _ in procs:
            _put(jobs, None, watch)
        for _ in procs:
            segs, worker_counts = watch.result()
            out.extend(segs)
            if counts is not None and worker_counts is not None:
                counts.merge(worker_counts)
        for p in procs:
            p.join()
    except BaseException:
        # Jobs nobody will read: without this the process would wait for them at exit.
        jobs.cancel_join_thread()
        raise
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join()
    return out


def _put(jobs, item, watch: _Workers) -> None:
    while True:
        try:
            jobs.put(item, timeout=1)
            return
        except queue.Full:
            watch.check()


class _Workers:
    """The parent's view of its workers: their results, and which input a dead one was on."""

    def __init__(self, procs: list, slots: list, results) -> None:
        self.procs, self.slots, self.results = procs, slots, results

    def on(self, i: int) -> str:
        aid = self.slots[i].value.decode("utf-8", "replace")
        return f"article {aid!r}" if aid else "its first article"

    def failed(self, payload: tuple[int, str]) -> IndexingError:
        i, trace = payload
        last = trace.strip().splitlines()[-1] if trace.strip() else "unknown error"
        log.debug("indexing worker %d failed:\n%s", i, trace)
        return IndexingError(f"indexing worker {i} failed on {self.on(i)}: {last}")

    def died(self) -> IndexingError:
        ended = [(i, p) for i, p in enumerate(self.procs) if p.exitcode is not None]
        i, p = next(((i, p) for i, p in ended if p.exitcode != 0), ended[0])
        how = f"killed by signal {-p.exitcode}" if p.exitcode < 0 else f"exit {p.exitcode}"
        return IndexingError(f"indexing worker {i} died ({how}; out of memory?) on {self.on(i)}")

    def check(self) -> None:
        if any(p.exitcode is not None for p in self.procs):
            try:
                kind, payload = self.results.get(timeout=1)
            except queue.Empty:
                raise self.died() from None
            if kind == "error":
                raise self.failed(payload)
            self.results.put((kind, payload))

    def result(self) -> list:
        while True:
            try:
                kind, payload = self.results.get(timeout=1)
            except queue.Empty:
                if all(p.exitcode is not None for p in self.procs):
                    raise self.died() from None
                continue
            if kind == "error":
                raise self.failed(payload)
            return payload


def _worker(build_path: Path, jobs, results, limit: int, number: int, slot,
            count: bool) -> None:
    try:
        ix = open_index(build_path)

        def docs() -> Iterator[tuple[Article, str | None]]:
            while (batch := jobs.get()) is not None:
                for item in batch:
                    slot.value = item[0].id.encode("utf-8")[: SLOT_BYTES - 1]
                    yield item

        counts = NameStats() if count else None
        segs = list(fill_segments(ix, build_path / DIRNAME, docs(), limit, counts=counts))
        results.put(("ok", (segs, counts)))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        results.put(("error", (number, traceback.format_exc())))
