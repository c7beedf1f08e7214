"""The engine over an index of many segments, as a big build makes them (chunked commits),
including segments where no article has a category, tags or a date (so those columns are
missing from the segment)."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest
from conftest import copy_index

from newssearch.index import bulk, snapshot
from newssearch.index import writer as indexer
from newssearch.index.snapshot import ENTRY_BYTES
from newssearch.model import LOCAL_TZ
from newssearch.search import SearchEngine


@pytest.fixture(scope="module")
def multi(tmp_path_factory, sample_articles):
    # The first 60 articles lose category, tags and date: their segments lack those columns.
    arts = [dataclasses.replace(a, category=None, tags=[], published=None) if i < 60 else a
            for i, a in enumerate(sample_articles)]
    root = tmp_path_factory.mktemp("multi") / "index"
    mp = pytest.MonkeyPatch()
    mp.setattr(bulk, "MIN_SEGMENT_MB", 0.12)  # a tiny memory budget: segments of ~35 articles
    try:
        indexer.rebuild(root, arts, procs=1, memory_mb=64)
    finally:
        mp.undo()
    return SearchEngine(root), arts


def test_index_has_many_segments(multi):
    eng, arts = multi
    snap = eng.snapshot()
    assert len(snap.leaves) >= 7
    assert snap.doc_count == len(arts)


def test_facets_count_every_segment(multi):
    eng, arts = multi
    res = eng.search("", facets=True)
    assert res.total == len(arts)
    want_cat = Counter(a.category for a in arts if a.category)
    assert {f.value: f.count for f in res.facets["category"]} == dict(want_cat)
    want_month = Counter(a.published.astimezone(LOCAL_TZ).strftime("%Y-%m")
                         for a in arts if a.published)
    assert {f.value: f.count for f in res.facets["month"]} == dict(want_month)


def test_date_filter_and_newest_across_segments(multi):
    eng, arts = multi
    dated = [a for a in arts if a.published]
    in_dec = {a.id for a in dated
              if a.published.astimezone(LOCAL_TZ).strftime("%Y-%m") == "2020-12"}
    res = eng.search("from:2020-12-01 to:2020-12-31", per_page=100)
    assert {h.article.id for h in res.hits} == in_dec and res.total == len(in_dec)
    newest = eng.search("", sort="newest", per_page=5)
    assert newest.hits[0].article.published == max(dated, key=lambda a: a.published).published


def test_search_finds_articles_in_every_segment(multi):
    eng, arts = multi
    for a in (arts[0], arts[100], arts[-2]):
        assert eng.search(f'"{a.title}"', per_page=3).hits[0].article.id == a.id


def test_postings_cache_counts_only_memory_of_its_own(multi):
    """The cache budget is each worker's private memory: a term's docnums and frequencies
    sliced from the mapped flat files are shared page cache, and normalized frequencies are
    computed at the candidates scoring reads, so a cached list costs its objects only."""
    eng, _ = multi
    snap = eng.snapshot()
    p = snap.postings("body", "của")
    assert p is not None and p.df > 50 and len(p.pieces) == 1  # one merged set
    docs, tf = p.pieces[0]
    assert not docs.flags.owndata and not tf.flags.owndata  # views of the map
    assert p.nbytes == ENTRY_BYTES
    cand = np.array([docs[0], docs[0] + 1, docs[-1]], dtype=np.int32)
    w, there = p.weights(cand)
    want = [snap.inv_norm["body"][d] * tf[list(docs).index(d)] if d in docs else 0.0
            for d in cand]
    assert w.tolist() == pytest.approx(want) and there.tolist() == [x > 0 for x in want]
    assert p.contains(cand).tolist() == there.tolist()


@pytest.mark.parametrize("join_max", [0, snapshot.JOIN_MAX])
def test_a_list_over_several_flat_sets_stays_in_pieces(multi, tmp_path, monkeypatch, join_max):
    """After an update the new segment has its own flat set: a long term's list is the
    merged view plus the new piece, scored and counted as one list, not joined into a copy
    (here every list is short: join_max 0 makes them count as long); a short one is one
    array."""
    eng, arts = multi
    root = copy_index(eng.root, tmp_path)
    extra = [dataclasses.replace(a, id=f"{a.id}-again") for a in arts[:3]]
    indexer.update(root, extra, procs=1)
    monkeypatch.setattr(snapshot, "JOIN_MAX", join_max)
    snap = SearchEngine(root).snapshot()
    if join_max:
        p = snap.postings("body", "của")
        assert len(p.pieces) == 1 and p.df <= join_max and p.docs.flags.owndata
        assert p.nbytes == ENTRY_BYTES + p.docs.nbytes + p.pieces[0][1].nbytes
        return
    term = next(s for s in ("của", "và", "các") if snap.postings("body", s).df > 3)
    p = snap.postings("body", term)
    assert len(p.pieces) == 2 and not p.pieces[0][0].flags.owndata
    assert p.df == len(p.docs) and np.all(np.diff(p.docs) > 0)
    new_docs, new_tf = p.pieces[1]  # docnums moved by the segment's offset: a small copy
    assert new_docs.flags.owndata and not new_tf.flags.owndata
    assert p.nbytes == ENTRY_BYTES + new_docs.nbytes
    new = np.array(sorted(snap.docnum(a.id) for a in extra), dtype=np.int32)
    holds = [term in " ".join([*a.captions, *a.body]).lower().split() for a in extra]
    assert p.contains(new).tolist() == holds
    w, there = p.weights(np.sort(np.r_[p.docs[:2], new]).astype(np.int32))
    assert there.sum() == 2 + sum(holds) and (w[there] > 0).all() and (w[~there] == 0).all()
