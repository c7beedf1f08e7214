"""Flat postings beside each segment (postings.py): same lists as Whoosh, same search results,
and an accelerator only: missing, stale or broken files fall back to Whoosh. A rebuild with
several segments gets one merged set, which stays in use while its segments do."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import copy_index
from whoosh import index as windex

from newssearch import bulk, postings
from newssearch.indexer import delete, rebuild, update
from newssearch.search import SearchEngine
from newssearch.store import current_build
from newssearch.whoosh_compat import read_postings

QUERIES = ["phong tho", "Phong Thổ", "giáo dục", "UBND tỉnh", "bóng đá -Hà Nội",
           "kinh te xa hoi", '"Lai Châu"', "title:học sinh", "thu"]


def _segments(build: Path) -> dict[str, int]:
    ix = windex.open_dir(str(build))
    with ix.reader() as r:
        return {seg.segment().segment_id(): seg.doc_count_all() for seg, _ in r.leaf_readers()}


def _results(root: Path) -> list[list[tuple[str, float]]]:
    eng = SearchEngine(root)
    out = []
    for q in QUERIES:
        res = eng.search(q, per_page=20, snippets=False, suggest=False)
        out.append([(h.article.id, h.score) for h in res.hits] + [("total", res.total)])
    eng.snapshot().close()
    return out


@pytest.fixture(scope="module")
def multi_index(tmp_path_factory, sample_articles) -> Path:
    """sample/ rebuilt with a tiny memory budget: segments of about 100 articles, one merged
    flat set."""
    root = tmp_path_factory.mktemp("multi") / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bulk, "MIN_SEGMENT_MB", 0.4)
        rebuild(root, sample_articles, procs=1, memory_mb=1)
    return root


@pytest.fixture
def multi_index_copy(multi_index: Path, tmp_path: Path) -> Path:
    return copy_index(multi_index, tmp_path)


def _flat_dirs(root: Path) -> list[str]:
    return sorted(p.name for p in (current_build(root).path / postings.DIRNAME).iterdir())


@pytest.mark.parametrize("which", ["sample_index", "multi_index"])
def test_rebuild_writes_flat_postings_equal_to_whoosh(which: str, request):
    root = request.getfixturevalue(which)
    build = current_build(root).path
    segs = _segments(build)
    if which == "multi_index":
        assert len(segs) >= 3 and _flat_dirs(root) == [postings.MERGED]
    else:
        assert _flat_dirs(root) == sorted(segs)
    ix = windex.open_dir(str(build))
    checked = 0
    with ix.reader() as r:
        leaves = list(r.leaf_readers())
        flat = postings.FlatPostings(leaves, build)
        assert flat.missing == [] and len(flat.parts) == 1
        for f in postings.SCORED_FIELDS:
            for term in r.lexicon(f):
                got = flat.get(f, term)
                want = [(p[0] + off, p[1]) for seg, off in leaves
                        if (p := read_postings(seg, f, term)) is not None]
                docs = np.concatenate([d for d, _ in got])
                assert np.array_equal(docs, np.concatenate([d for d, _ in want])), (f, term)
                assert np.array_equal(np.concatenate([t for _, t in got]),
                                      np.concatenate([t for _, t in want]).astype(np.uint16))
                checked += 1
        assert flat.get("title", "không có từ này".encode()) == []
    assert checked > 10_000  # every term of every scored field of the sample corpus


def test_merged_and_per_segment_sets_search_alike(multi_index_copy: Path, sample_index: Path):
    merged = _results(multi_index_copy)
    assert merged == _results(sample_index)  # same articles, same order: same results
    build = current_build(multi_index_copy).path
    shutil.rmtree(build / postings.DIRNAME)
    postings.sync(build)  # per-segment sets only
    assert _flat_dirs(multi_index_copy) == sorted(_segments(build))
    assert _results(multi_index_copy) == merged


def test_update_keeps_the_merged_set_for_the_segments_it_covers(multi_index_copy: Path,
                                                                  sample_articles):
    root = multi_index_copy
    old_segs = set(_segments(current_build(root).path))
    changed = dataclasses.replace(sample_articles[5], title="Zorbaland mở hội chợ",
                                  lead="", body=["Hội chợ Zorbaland kéo dài ba ngày."])
    update(root, [changed], procs=1)
    new_segs = set(_segments(current_build(root).path)) - old_segs
    assert len(new_segs) == 1
    assert _flat_dirs(root) == sorted([postings.MERGED, *new_segs])
    eng = SearchEngine(root)
    flat = eng.snapshot().flat
    assert flat.missing == [] and len(flat.parts) == 2
    assert [h.article.id for h in eng.search("zorbaland").hits] == [changed.id]
    old = eng.search(f'"{sample_articles[5].title}"')
    assert changed.id not in [h.article.id for h in old.hits]
    eng.snapshot().close()
    # A merged set whose segments changed is not used (and sync replaces it).
    build = current_build(root).path
    meta = json.loads((build / postings.DIRNAME / postings.MERGED / "meta.json").read_text())
    meta["segments"][0][1] += 1
    (build / postings.DIRNAME / postings.MERGED / "meta.json").write_text(json.dumps(meta))
    expected = _results(root)
    postings.sync(build)
    assert _flat_dirs(root) == sorted(_segments(build))
    assert _results(root) == expected


def test_search_is_the_same_without_flat_postings(sample_index_copy: Path):
    with_flat = _results(sample_index_copy)
    assert any(len(r) > 1 for r in with_flat)
    shutil.rmtree(current_build(sample_index_copy).path / postings.DIRNAME)
    assert _results(sample_index_copy) == with_flat


def test_broken_or_stale_files_are_ignored(sample_index_copy: Path):
    expected = _results(sample_index_copy)
    base = current_build(sample_index_copy).path / postings.DIRNAME
    seg = next(base.iterdir())
    # A segment id reused with another document count (cannot be this segment's).
    meta = json.loads((seg / "meta.json").read_text())
    (seg / "meta.json").write_text(json.dumps({**meta, "doc_count": meta["doc_count"] + 1}))
    assert _results(sample_index_copy) == expected
    # Half-written arrays.
    (seg / "meta.json").write_text(json.dumps(meta))
    (seg / "docs.npy").write_bytes((seg / "docs.npy").read_bytes()[:20])
    assert _results(sample_index_copy) == expected


def test_update_and_delete_keep_flat_postings_in_step(sample_index_copy: Path,
                                                      sample_articles):
    root = sample_index_copy
    build = current_build(root).path
    leftover = build / postings.DIRNAME / ".MAIN_x.tmp-1"  # a killed write's leftovers
    leftover.mkdir()
    changed = dataclasses.replace(sample_articles[0], title="Zorbaland mở hội chợ",
                                  lead="", body=["Hội chợ Zorbaland kéo dài ba ngày."])
    update(root, [changed], procs=1)
    segs = _segments(build)
    assert len(segs) >= 2  # one set per segment, and the tail set covering them
    assert sorted(p.name for p in (build / postings.DIRNAME).iterdir()) == sorted(
        [*segs, postings.TAIL])
    eng = SearchEngine(root)
    assert [h.article.id for h in eng.search("zorbaland").hits] == [changed.id]
    # The replaced version is deleted in a segment that was not merged away.
    assert eng.snapshot().live.sum() == len(sample_articles) < eng.snapshot().n
    old = eng.search(f'"{sample_articles[0].title}"')
    assert changed.id not in [h.article.id for h in old.hits]
    eng.snapshot().close()
    with_flat = _results(root)
    delete(root, [changed.id, sample_articles[1].id])
    segs = _segments(build)
    tail = [postings.TAIL] if len(segs) > 1 else []
    assert sorted(p.name for p in (build / postings.DIRNAME).iterdir()) == sorted(
        [*segs, *tail])
    eng = SearchEngine(root)
    assert eng.search("zorbaland").total == 0
    assert eng.stats().articles == len(sample_articles) - 2
    eng.snapshot().close()
    after = _results(root)
    gone = {changed.id, sample_articles[1].id}
    assert all(i not in gone for r in after for i, _ in r)
    assert with_flat != after or not any(i in gone for r in with_flat for i, _ in r)


@pytest.mark.parametrize("procs", [1, 2])
def test_sync_is_idempotent(sample_index_copy: Path, procs: int):
    build = current_build(sample_index_copy).path
    assert postings.sync(build, procs=procs) == []  # everything is already written
    shutil.rmtree(build / postings.DIRNAME)
    written = postings.sync(build, procs=procs)
    assert sorted(written) == sorted(_segments(build))


def test_updates_after_a_rebuild_are_one_tail_set(tmp_path: Path, sample_articles):
    """A rebuild's segments are one merged set; the segments updates add after it are merged
    into one tail set after each update, so a term is two lookups. Search reads the same
    postings as from Whoosh itself, and a stale tail (segments merged since) is ignored."""
    root = tmp_path / "index"
    mp = pytest.MonkeyPatch()
    mp.setattr(bulk, "MIN_SEGMENT_MB", 0.12)  # a tiny budget: a rebuild of many segments
    try:
        rebuild(root, sample_articles[:120], procs=1, memory_mb=64)
    finally:
        mp.undo()
    for i in range(3):  # three updates: three more segments
        batch = [dataclasses.replace(a, id=f"{a.id}-u{i}")
                 for a in sample_articles[120 + 20 * i : 140 + 20 * i]]
        update(root, batch, procs=1)
    build = current_build(root).path
    base = build / postings.DIRNAME
    meta = json.loads((base / postings.TAIL / "meta.json").read_text())
    segs = list(_segments(build))
    assert [s for s, _ in meta["segments"]] == segs[-3:]
    eng = SearchEngine(root)
    snap = eng.snapshot()
    assert len(snap.flat.parts) == 2 and not snap.flat.missing  # merged + tail
    for term in ("của", "và", "phong", "thổ", "hà_nội"):
        for field in ("body", "title_f"):
            p = snap.postings(field, term)
            want = [int(d) + off for seg, off in snap.leaves
                    for got in [read_postings(seg, field, term.encode())] if got is not None
                    for d in got[0]]
            assert (p.docs.tolist() if p else []) == want, (field, term)
            assert p is None or len(p.pieces) <= 2
    snap.close()
    # A stale tail (here: covering segments that no longer follow the merged set) is ignored.
    meta["segments"] = meta["segments"][:-1] + [["MAIN_gone", 1]]
    (base / postings.TAIL / "meta.json").write_text(json.dumps(meta))
    assert len(SearchEngine(root).snapshot().flat.parts) == 4  # merged + one set per segment
