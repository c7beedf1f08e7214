"""The engine over an index of many segments, as a big build makes them (chunked commits),
including segments where no article has a category, tags or a date (so those columns are
missing from the segment)."""

from __future__ import annotations

import dataclasses
from collections import Counter

import numpy as np
import pytest

from newssearch import bulk, indexer
from newssearch.model import LOCAL_TZ
from newssearch.search import SearchEngine
from newssearch.search.snapshot import ENTRY_BYTES


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
    computed where scoring reads them, so a cached list costs its objects only."""
    eng, _ = multi
    snap = eng.snapshot()
    p = snap.postings("body", "của")
    assert p is not None and len(p.docs) > 50
    assert not p.docs.flags.owndata and not p.tf.flags.owndata  # views of the map
    assert p.nbytes == ENTRY_BYTES
    copied = dataclasses.replace(p, docs=p.docs.copy())
    assert copied.nbytes == ENTRY_BYTES + p.docs.nbytes
    idx = np.array([0, len(p.docs) // 2, len(p.docs) - 1])
    assert p.ntf(idx).tolist() == p.ntf()[idx].tolist()
    assert p.ntf()[0] == snap.inv_norm["body"][p.docs[0]] * p.tf[0] > 0
