"""The same story under several ids is listed once, its copies folded under it (issue 13),
on a small real index: sample articles plus syndicated copies of some of them (new ids, the
same title, or the same text under another title, as an aggregator republishes them)."""

from __future__ import annotations

import dataclasses

import pytest

from newssearch.index.writer import rebuild
from newssearch.search import SearchEngine
from newssearch.search.duplicates import DuplicateIndex


@pytest.fixture(scope="module")
def syndicated(tmp_path_factory, sample_articles):
    originals = [a for a in sample_articles if a.source == "dantri.com.vn" and len(a.body) > 5]
    base = originals[:40]
    same_title = [dataclasses.replace(a, id=f"copy-title-{i}", source="baomoi.com", url=None,
                                      body=a.body[:-1])
                  for i, a in enumerate(base[:3])]
    same_text = [dataclasses.replace(a, id=f"copy-text-{i}", source="baomoi.com", url=None,
                                     title="Tin tổng hợp: " + a.title)
                 for i, a in enumerate(base[3:5])]
    root = tmp_path_factory.mktemp("syndicated") / "index"
    rebuild(root, [*base, *same_title, *same_text], procs=1)
    return root, base, same_title, same_text


def hit_ids(res) -> list[str]:
    return [h.article.id for h in res.hits]


def test_same_title_copies_fold_under_the_first(syndicated):
    root, base, same_title, _ = syndicated
    eng = SearchEngine(root)
    for orig, copy in zip(base[:3], same_title):
        res = eng.search(orig.title, per_page=20)
        ids = hit_ids(res)
        assert (orig.id in ids) != (copy.id in ids), "listed once"
        top = res.hits[ids.index(orig.id if orig.id in ids else copy.id)]
        assert [c.id for c in top.similar] == [copy.id if top.article.id == orig.id else orig.id]
        assert res.total >= 2  # both articles are still found and counted
        unfolded = eng.search(orig.title, per_page=20, fold=False)
        assert {orig.id, copy.id} <= set(hit_ids(unfolded))
        assert all(not h.similar for h in unfolded.hits)


def test_near_identical_text_folds_once_the_detector_is_built(syndicated):
    root, base, _, same_text = syndicated
    eng = SearchEngine(root)
    orig, copy = base[3], same_text[0]
    q = orig.title
    before = hit_ids(eng.search(q, per_page=20))
    assert orig.id in before and copy.id in before  # titles differ: not folded by title
    DuplicateIndex.of(eng.snapshot())  # what the web app builds at start
    after = eng.search(q, per_page=20)
    ids = hit_ids(after)
    assert (orig.id in ids) != (copy.id in ids)
    top = after.hits[ids.index(orig.id if orig.id in ids else copy.id)]
    assert {c.id for c in top.similar} == {orig.id, copy.id} - {top.article.id}


def test_pages_never_repeat_a_folded_story(syndicated):
    root, base, same_title, _ = syndicated
    eng = SearchEngine(root)
    q = " OR ".join(a.title.split()[0] for a in base[:3])  # broad: many pages
    seen, folded, page = [], set(), 1
    first = eng.search(q, per_page=5)
    while True:
        res = eng.search(q, per_page=5, page=page)
        if not res.hits:
            break
        for h in res.hits:
            seen.append(h.article.id)
            seen += [c.id for c in h.similar]
            folded |= {c.id for c in h.similar}
        page += 1
    assert len(seen) == len(set(seen)) and first.total >= len(set(seen)) > 5
    assert folded & ({a.id for a in base[:3]} | {a.id for a in same_title})
