"""Writing articles into the index: full rebuilds, incremental updates, deletes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh.writing import SegmentWriter

from . import postings
from .analysis import warm_up
from .manifest import write_manifest
from .model import Article
from .schema import build_schema, doc_fields
from .store import (
    BuildInfo,
    NoIndexError,
    WriteLock,
    current_build,
    new_build,
    open_build,
    prune_builds,
    switch_to,
    write_meta,
    writing,
)
from .whoosh_compat import create_index, open_index

# Progress callback: called with the number of articles just processed.
Progress = Callable[[int], None]
# Stage callback: told what a long step after the articles is doing ("writing postings").
Stage = Callable[[str], None]
# Wait for another writer's lock (told who holds it) instead of refusing; None: refuse.
WaitFor = Callable[[str], None] | None
# Below this many changed articles an update runs in-process; above it, on all cores.
PARALLEL_MIN = 2000
# Articles per commit. Each chunk's postings sort in memory (one pool for everything spills
# gigabytes of runs and merges them in Python); bigger chunks mean fewer segments, which
# search reads faster. 24,000 articles take about 3 GB per writer process.
CHUNK = 24_000
POOL_MB = 4096  # per writer process; a chunk stays below it, so nothing spills to disk


@dataclass
class IndexResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: list[str] = field(default_factory=list)
    seconds: float = 0.0
    build: str = ""
    total: int = 0


def default_procs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _write(ix, docs: Sequence[tuple[Article, str | None, bool]], procs: int,
           progress: Progress | None, stage: Stage | None = None) -> None:
    """Write (article, content hash, replaces an existing id) items into ``ix``.

    Big batches are written in chunks, each on all cores (every process segments and writes
    its own segment) and committed without merging: a chunk's postings then sort in memory,
    where one big pool would spill gigabytes of runs to disk and merge them in Python.
    """
    parallel = procs > 1 and len(docs) >= PARALLEL_MIN
    if parallel:
        warm_up()
    for start in range(0, len(docs), CHUNK):
        chunk = docs[start : start + CHUNK]
        if parallel:
            w = ix.writer(procs=procs, multisegment=True, limitmb=POOL_MB, batchsize=50)
        else:
            w = SegmentWriter(ix, limitmb=POOL_MB)
        try:
            for a, h, exists in chunk:
                if exists:
                    w.delete_by_term("id", a.id)
                w.add_document(**doc_fields(a, h))
                if progress:
                    progress(1)
            w.commit(merge=False)
        except BaseException:
            w.cancel()
            raise
    # Search reads scored postings from flat arrays written beside each new segment.
    if stage:
        stage("writing postings")
    postings.sync(Path(ix.storage.folder), procs if parallel else 1)


def rebuild(
    root: Path,
    articles: Sequence[Article],
    procs: int | None = None,
    progress: Progress | None = None,
    stage: Stage | None = None,
    wait: WaitFor = None,
) -> IndexResult:
    """Write all ``articles`` into a new build, then make it live in one atomic step."""
    t0 = time.perf_counter()
    res = IndexResult()
    with WriteLock(root, wait=wait is not None, on_wait=wait):
        prune_builds(root)  # leftovers of killed builds
        build = new_build(root)
        with writing(build.path, f"The live index at {root} is unchanged.", remove=True):
            ix = create_index(build.path, build_schema())
            todo = [(a, None, False) for a in _unique(articles, res, progress)]
            _write(ix, todo, procs or default_procs(), progress, stage)
            postings.write_merged(build.path)  # a fresh build: one set for all its segments
            res.added = res.total = len(todo)
            write_meta(build, articles=res.added, created=time.time())
            write_manifest(build.path)  # last: a build without one is never published
        with writing(root, f"The live index is unchanged; {build.name} is removed next run."):
            switch_to(build)
        prune_builds(root)
    res.build = build.name
    res.seconds = time.perf_counter() - t0
    return res


def _unique(articles: Iterable[Article], res: IndexResult,
            progress: Progress | None) -> Iterator[Article]:
    """The articles with ids not seen before in this run; repeats are recorded in ``res``."""
    seen: set[str] = set()
    for a in articles:
        if a.id in seen:
            res.duplicates.append(a.id)
            if progress:
                progress(1)
        else:
            seen.add(a.id)
            yield a


def _id_hashes(ix) -> dict[str, str]:
    """Current id -> content hash, read from columns (no stored-field loading)."""
    with ix.searcher() as s:
        r = s.reader()
        if r.doc_count_all() == 0:
            return {}
        ids = r.column_reader("id")
        hashes = r.column_reader("hash")
        return {
            ids[n]: hashes[n].decode("ascii")
            for n in r.all_doc_ids()
        }


def update(
    root: Path,
    articles: Iterable[Article],
    procs: int | None = None,
    progress: Progress | None = None,
    stage: Stage | None = None,
    wait: WaitFor = None,
) -> IndexResult:
    """Add new articles and replace changed ones by id; unchanged ones are skipped.

    Creates the index when there is none. Updates commit into the live build, which Whoosh
    does atomically (readers see the old generation until they reopen).
    """
    t0 = time.perf_counter()
    if current_build(root) is None:
        return rebuild(root, list(articles), procs=procs, progress=progress, stage=stage,
                       wait=wait)
    res = IndexResult()
    with WriteLock(root, wait=wait is not None, on_wait=wait):
        build, ix = open_build(root)
        known = _id_hashes(ix)
        todo: list[tuple[Article, str | None, bool]] = []
        for a in _unique(articles, res, progress):
            h = a.content_hash()
            old = known.get(a.id)
            if old == h:
                res.unchanged += 1
                if progress:
                    progress(1)
            else:
                todo.append((a, h, old is not None))
        if todo:
            res.updated = sum(1 for _, _, exists in todo if exists)
            res.added = len(todo) - res.updated
            with writing(build.path, "Articles of chunks already committed are updated; "
                         "run the same update again to finish."):
                _write(ix, todo, procs or default_procs(), progress, stage)
                _refresh_meta(build, ix)
        res.total = len(known) + res.added
    res.build = build.name
    res.seconds = time.perf_counter() - t0
    return res


def delete(root: Path, ids: Iterable[str]) -> tuple[list[str], list[str]]:
    """Delete articles by id. Returns (deleted, not found)."""
    if current_build(root) is None:
        raise NoIndexError(f"No index at {root}: nothing to delete.")
    done: list[str] = []
    missing: list[str] = []
    with WriteLock(root):
        build, ix = open_build(root)
        w = ix.writer()
        try:
            for i in dict.fromkeys(ids):  # an id given twice is deleted (and counted) once
                (done if w.delete_by_term("id", i) else missing).append(i)
            w.commit()
        except BaseException:
            w.cancel()
            raise
        postings.sync(build.path)  # a commit may merge segments into a new one
        _refresh_meta(build, ix)
    return done, missing


def _refresh_meta(build: BuildInfo, ix) -> None:
    ix = ix.refresh() if hasattr(ix, "refresh") else open_index(build.path)
    with ix.searcher() as s:
        n = s.doc_count()
    write_meta(build, articles=n, updated=time.time())
    write_manifest(build.path)  # last, still under the lock (see manifest.py)
