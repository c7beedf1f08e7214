"""Flat postings beside each segment (postings.py): same lists as Whoosh, same search results,
and an accelerator only: missing, stale or broken files fall back to Whoosh."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as windex

from newssearch import postings
from newssearch.indexer import delete, update
from newssearch.search import SearchEngine
from newssearch.store import current_build

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
        out.append([(h.id, h.score) for h in res.hits] + [("total", res.total)])
    eng.snapshot().close()
    return out


def test_rebuild_writes_flat_postings_equal_to_whoosh(sample_index: Path):
    build = current_build(sample_index).path
    segs = _segments(build)
    assert sorted(p.name for p in (build / postings.DIRNAME).iterdir()) == sorted(segs)
    ix = windex.open_dir(str(build))
    checked = 0
    with ix.reader() as r:
        leaves = list(r.leaf_readers())
        flat = postings.FlatPostings(leaves, build)
        assert flat.missing == []
        for f in postings.SCORED_FIELDS:
            for term in r.lexicon(f):
                got = flat.get(f, term)
                want = [(li, *p) for li, (seg, _) in enumerate(leaves)
                        if (p := postings.read_whoosh(seg, f, term)) is not None]
                assert [li for li, _, _ in got] == [li for li, _, _ in want], (f, term)
                for (_, docs, tfs), (_, wdocs, wtfs) in zip(got, want):
                    assert np.array_equal(docs, wdocs), (f, term)
                    assert np.array_equal(tfs, wtfs.astype(np.uint16)), (f, term)
                checked += 1
        assert flat.get("title", "không có từ này".encode()) == []
    assert checked > 10_000  # every term of every scored field of the sample corpus


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
    assert sorted(p.name for p in (build / postings.DIRNAME).iterdir()) == sorted(segs)
    eng = SearchEngine(root)
    assert [h.id for h in eng.search("zorbaland").hits] == [changed.id]
    # The replaced version is deleted in a segment that was not merged away.
    assert eng.snapshot().live.sum() == len(sample_articles) < eng.snapshot().n
    old = eng.search(f'"{sample_articles[0].title}"')
    assert changed.id not in [h.id for h in old.hits]
    eng.snapshot().close()
    with_flat = _results(root)
    delete(root, [changed.id, sample_articles[1].id])
    segs = _segments(build)
    assert sorted(p.name for p in (build / postings.DIRNAME).iterdir()) == sorted(segs)
    eng = SearchEngine(root)
    assert eng.search("zorbaland").total == 0
    assert eng.stats()["articles"] == len(sample_articles) - 2
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
