"""Writing articles into the index: full rebuilds, incremental updates, deletes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from newssearch.errors import NoIndexError
from newssearch.index import phrases, tagging
from newssearch.index.bulk import (
    DEFAULT_MEMORY_MB,
    Budget,
    fill_segments,
    segment_codec,
    write_parallel,
)
from newssearch.index.flat import postings
from newssearch.index.flat.buffer import PostingBuffer
from newssearch.index.manifest import write_manifest
from newssearch.index.merging import merge_policy
from newssearch.index.schema import article_from_stored, build_schema
from newssearch.index.store import (
    BuildInfo,
    WriteLock,
    current_build,
    new_build,
    open_build,
    prune_builds,
    switch_to,
    write_meta,
    writing,
)
from newssearch.index.whoosh_compat import (
    BufferedSegmentWriter,
    commit_with_segments,
    create_index,
    open_index,
)
from newssearch.model import Article
from newssearch.text.tags import NameStats

# Progress callback: called with the number of articles just processed.
Progress = Callable[[int], None]
# Stage callback: told what a long step after the articles is doing ("writing postings").
Stage = Callable[[str], None]
# Wait for another writer's lock (told who holds it) instead of refusing; None: refuse.
WaitFor = Callable[[str], None] | None
# Derived data kept beside a build (the related articles' topic vectors): called with the
# root, the build, and None after a rebuild (everything new, the build not yet live) or the
# ids whose text changed or went after an update; before the build's manifest is written,
# so what it adds is published with it.
Maintain = Callable[[Path, BuildInfo, list[str] | None], None] | None
# Below this many changed articles an update runs in-process; above it, on all cores (a
# worker costs a fork and an index open, about 0.1 s).
PARALLEL_MIN = 500


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


def _write(ix, build_path: Path, docs: Iterable[tuple[Article, str | None, bool]],
           budget: Budget, parallel: bool, progress: Progress | None,
           stage: Stage | None = None, counts: NameStats | None = None) -> None:
    """Write (article, content hash, replaces an existing id) items into ``ix`` and commit.

    New segments are written by ``bulk`` (on ``budget.workers`` processes when ``parallel``),
    each with its flat postings, and added to the index in one commit together with the
    deletions of replaced articles and the merges the policy asks for (``merging.py``).
    """
    w = BufferedSegmentWriter(ix, PostingBuffer(build_path / postings.DIRNAME),
                              codec=segment_codec())

    def items() -> Iterator[tuple[Article, str | None]]:
        for a, h, exists in docs:
            if exists:
                w.delete_by_term("id", a.id)
            yield a, h

    try:
        if parallel:
            segs = write_parallel(build_path, items(), budget, progress, counts)
        else:
            segs = list(fill_segments(ix, build_path / postings.DIRNAME, items(),
                                      budget.segment_bytes, progress, counts))
        if stage:
            stage("committing")
        commit_with_segments(w, segs, merge_policy(build_path))
    except BaseException:
        w.cancel()
        raise
    postings.sync(build_path)  # drops the flat sets of segments merged away


def rebuild(
    root: Path,
    articles: Iterable[Article],
    procs: int | None = None,
    progress: Progress | None = None,
    stage: Stage | None = None,
    wait: WaitFor = None,
    memory_mb: int = DEFAULT_MEMORY_MB,
    maintain: Maintain = None,
) -> IndexResult:
    """Write all ``articles`` (any iterable: they are streamed, never all in memory) into a
    new build, then make it live in one atomic step."""
    t0 = time.perf_counter()
    res = IndexResult()
    with WriteLock(root, wait=wait is not None, on_wait=wait):
        prune_builds(root)  # leftovers of killed builds
        live = current_build(root)
        build = new_build(root)
        with writing(build.path, f"The live index at {root} is unchanged.", remove=True):
            ix = create_index(build.path, build_schema())
            budget = Budget(memory_mb, procs or default_procs())
            tagging.carry(live.path if live else None, build.path)
            counts = NameStats()

            def todo() -> Iterator[tuple[Article, None, bool]]:
                for a in _unique(articles, res, progress):
                    res.added += 1
                    yield a, None, False

            _write(ix, build.path, todo(), budget, budget.workers > 1, progress, stage, counts)
            tagging.save(build.path, counts)  # the next rebuild's and every update's statistics
            if stage:
                stage("merging postings")
            postings.write_merged(build.path)  # a fresh build: one set for all its segments
            if stage:
                stage("search-box phrases")
            phrases.write(build.path)
            res.total = res.added
            write_meta(build, articles=res.added, created=time.time())
            if maintain:
                if stage:
                    stage("related vectors")
                maintain(root, build, None)
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
    memory_mb: int = DEFAULT_MEMORY_MB,
    maintain: Maintain = None,
) -> IndexResult:
    """Add new articles and replace changed ones by id; unchanged ones are skipped.

    Creates the index when there is none. Updates commit into the live build, which Whoosh
    does atomically (readers see the old generation until they reopen).
    """
    t0 = time.perf_counter()
    if current_build(root) is None:
        return rebuild(root, articles, procs=procs, progress=progress, stage=stage,
                       wait=wait, memory_mb=memory_mb, maintain=maintain)
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
                budget = Budget(memory_mb, procs or default_procs())
                _write(ix, build.path, todo, budget,
                       budget.workers > 1 and len(todo) >= PARALLEL_MIN, progress, stage)
                postings.write_tail(build.path)  # the added segments' sets as one
                phrases.write(build.path)  # rewritten whole: counts span all articles
                if maintain:
                    maintain(root, build, [a.id for a, _, exists in todo if exists])
                _refresh_meta(build, ix)
        res.total = len(known) + res.added
    res.build = build.name
    res.seconds = time.perf_counter() - t0
    return res


def delete(root: Path, ids: Iterable[str], maintain: Maintain = None
           ) -> tuple[list[str], list[str]]:
    """Delete articles by id. Returns (deleted, not found)."""
    if current_build(root) is None:
        raise NoIndexError(f"No index at {root}: nothing to delete.")
    done: list[str] = []
    missing: list[str] = []
    with WriteLock(root):
        build, ix = open_build(root)
        w = BufferedSegmentWriter(ix, PostingBuffer(build.path / postings.DIRNAME),
                                  codec=segment_codec())
        try:
            for i in dict.fromkeys(ids):  # an id given twice is deleted (and counted) once
                (done if w.delete_by_term("id", i) else missing).append(i)
            commit_with_segments(w, [], merge_policy(build.path))
        except BaseException:
            w.cancel()
            raise
        postings.sync(build.path)  # drops the flat sets of segments merged away
        postings.write_tail(build.path)
        if done:
            phrases.write(build.path)
        if maintain and done:
            maintain(root, build, done)
        _refresh_meta(build, ix)
    return done, missing


def _refresh_meta(build: BuildInfo, ix) -> None:
    ix = ix.refresh() if hasattr(ix, "refresh") else open_index(build.path)
    with ix.searcher() as s:
        n = s.doc_count()
    write_meta(build, articles=n, updated=time.time())
    write_manifest(build.path)  # last, still under the lock (see manifest.py)


def stored_articles(root: Path) -> Iterator[Article]:
    """The live articles of the index at ``root``, from its stored fields, in docnum order
    (opened on first use, so a caller holding the write lock reads a settled generation)."""
    _, ix = open_build(root)
    with ix.reader() as r:
        for docnum in r.all_doc_ids():
            yield article_from_stored(r.stored_fields(docnum))


def optimize(root: Path, procs: int | None = None,
             memory_mb: int = DEFAULT_MEMORY_MB, maintain: Maintain = None) -> IndexResult:
    """Rebuild the live index from its own stored articles into a new build and switch to
    it: one merged set of segments, no deletions. Updates wait for the lock meanwhile."""
    if current_build(root) is None:
        raise NoIndexError(f"No index at {root}: nothing to optimize.")
    return rebuild(root, stored_articles(root), procs=procs, memory_mb=memory_mb,
                   maintain=maintain)
