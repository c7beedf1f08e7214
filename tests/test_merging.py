"""Indexing at scale, on the small real corpus: the memory budget (``--memory``) bounds the
segments and changes nothing a search sees; daily updates merge their segments by the
tiered policy (never the rebuild's); ``optimize`` rewrites everything as one fresh build."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from flat_reference import check_against_analysis

from newssearch.cli.app import main
from newssearch.index import bulk, merging
from newssearch.index.bulk import Budget
from newssearch.index.flat import postings
from newssearch.index.merging import FANOUT, plan_merges
from newssearch.index.store import current_build, open_build
from newssearch.index.writer import optimize, rebuild, update
from newssearch.search import SearchEngine

QUERIES = ["phong tho", "giáo dục", '"Lai Châu"', "bóng đá -Hà Nội", "title:học sinh"]


def _segments(root: Path) -> list[tuple[str, int, int]]:
    _, ix = open_build(root)
    with ix.reader() as r:
        return [(seg.segment().segment_id(), seg.doc_count_all(), seg.doc_count())
                for seg, _ in r.leaf_readers()]


def _results(root: Path) -> list[list[str]]:
    eng = SearchEngine(root)
    out = [[h.article.id for h in eng.search(q, per_page=20, snippets=False, suggest=False).hits]
           for q in QUERIES]
    eng.snapshot().close()
    return out


def _matches(root: Path) -> list[set[str]]:
    """What each query matches, whatever the order (its best tier: the looser matches listed
    after it weigh the query's words by df, which deleted copies change)."""
    eng = SearchEngine(root)
    out = [{h.article.id for h in eng.search(q, per_page=100, snippets=False,
                                            suggest=False).hits if not h.related}
           for q in QUERIES]
    eng.snapshot().close()
    return out


def test_budget_splits_memory_between_workers_and_segments():
    big, small = Budget(1400, 2), Budget(300, 2)
    assert big.workers == 2 and small.workers == 1  # too little room for two workers
    assert Budget(1400, 8).workers <= 6
    assert big.segment_bytes > Budget(900, 2).segment_bytes > 0
    assert Budget(64, 4).segment_bytes == bulk.MIN_SEGMENT_MB * 2**20  # a floor, not a failure


@pytest.mark.heavy
def test_small_memory_budget_means_more_segments_same_results(sample_index: Path,
                                                              sample_articles, tmp_path: Path,
                                                              monkeypatch):
    monkeypatch.setattr(bulk, "MIN_SEGMENT_MB", 0.5)
    root = tmp_path / "index"
    rebuild(root, iter(sample_articles), procs=1, memory_mb=64)  # a stream, not a list
    segs = _segments(root)
    assert len(segs) >= 2 and sum(n for _, n, _ in segs) == len(sample_articles)
    assert postings.merged_segments(current_build(root).path) == {s for s, _, _ in segs}
    assert _results(root) == _results(sample_index)


def test_plan_merges_by_tier_never_the_rebuilds_segments():
    base = {"r1", "r2"}
    sizes = [("r1", 50_000, 49_000), ("r2", 40_000, 40_000)]
    daily = [(f"d{i}", 550, 550) for i in range(FANOUT - 1)]
    assert plan_merges(sizes + daily, base) == []  # a tier waits until it is full
    full = daily + [("d7", 550, 500)]
    assert sorted(plan_merges(sizes + full, base)) == sorted(s for s, _, _ in full)
    # An emptied segment is dropped; a big tier-1 segment waits for its peers.
    assert plan_merges(sizes + [("gone", 300, 0), ("t1", 4000, 4000)], base) == ["gone"]
    assert merging.tier(550) == 0 and merging.tier(4400) == 1 and merging.tier(9000) == 2


@pytest.mark.heavy
def test_daily_updates_keep_segments_bounded_then_optimize(sample_index_copy: Path,
                                                           sample_articles, monkeypatch):
    root = sample_index_copy
    monkeypatch.setattr(merging, "TIER_BASE", 20)
    monkeypatch.setattr(merging, "FANOUT", 3)  # the same policy, in fewer days
    rebuilt = {s for s, _, _ in _segments(root)}
    days = merging.FANOUT + 2
    for day in range(days):
        new = [dataclasses.replace(a, id=f"day{day}-{a.id}")
               for a in sample_articles[day * 6:(day + 1) * 6]]
        changed = [dataclasses.replace(sample_articles[-1 - day], title=f"Tin sửa ngày {day}")]
        if day:  # and one of yesterday's: a deletion inside a segment that gets merged
            changed.append(dataclasses.replace(sample_articles[(day - 1) * 6],
                                               id=f"day{day - 1}-{sample_articles[(day - 1) * 6].id}",
                                               title=f"Tin cập nhật ngày {day}"))
        res = update(root, [*new, *changed], procs=1)
        assert (res.added, res.updated) == (6, len(changed))
        segs = _segments(root)
        assert rebuilt <= {s for s, _, _ in segs}  # the rebuild's segments are never merged
        assert len(segs) <= len(rebuilt) + merging.FANOUT  # tier 0 merged once it is full
    total = len(sample_articles) + 6 * days
    assert sum(live for _, _, live in _segments(root)) == total
    # Merged segments took their text postings from their flat sets, deleted copies dropped.
    assert check_against_analysis(root) > 10_000
    eng = SearchEngine(root)
    hits = eng.search(f'"Tin sửa ngày {days - 1}"', snippets=False, suggest=False).hits
    assert [h.article.id for h in hits] == [sample_articles[-days].id]
    eng.snapshot().close()
    before = _matches(root)
    out = CliRunner().invoke(main, ["optimize", "--index", str(root), "--procs", "1"])
    assert out.exit_code == 0, out.output
    segs = _segments(root)
    assert len(segs) == 1 and segs[0][1] == segs[0][2] == total  # one segment, no deletions
    assert _matches(root) == before  # (the order may move: deleted copies no longer count in df)


def test_optimize_without_an_index_fails_cleanly(tmp_path: Path):
    out = CliRunner().invoke(main, ["optimize", "--index", str(tmp_path / "none")])
    assert out.exit_code == 1 and "No index" in out.output
    with pytest.raises(Exception, match="No index"):
        optimize(tmp_path / "none")
