"""Extracted tags at index time (index/tagging.py) on the real sample index: every build
keeps its name statistics, an update tags new articles under them, a rebuild refreshes them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from newssearch.index import tagging
from newssearch.index.store import current_build
from newssearch.index.writer import optimize, stored_articles, update
from newssearch.model import Article
from newssearch.search import SearchEngine
from newssearch.text.tags import NameStats


def _stats(root: Path) -> NameStats:
    path = tagging.stats_path(current_build(root).path)
    return NameStats.from_lines(path.read_text(encoding="utf-8").splitlines())


def test_the_sample_articles_carry_extracted_tags_apart_from_the_publishers(sample_index,
                                                                            sample_articles):
    stored = {a.id: a for a in stored_articles(sample_index)}
    # dantri gives no tags: every tag here is extracted.
    assert all(not a.tags for a in sample_articles)
    tagged = [a for a in stored.values() if a.extracted_tags]
    assert len(tagged) >= 0.9 * len(stored)
    assert all(not a.tags for a in stored.values())
    assert _stats(sample_index).articles == len(sample_articles)


def test_an_update_tags_a_new_article_under_the_builds_statistics(sample_index_copy):
    before = tagging.stats_path(current_build(sample_index_copy).path).read_bytes()
    new = Article(id="x-new-tags", title="Thủ tướng Nguyễn Xuân Phúc thăm Đà Nẵng",
                  lead="Thủ tướng Nguyễn Xuân Phúc làm việc với lãnh đạo TP Đà Nẵng.",
                  body=["Tại Đà Nẵng, Thủ tướng đã thăm cảng Tiên Sa."], source="kiemthu.vn")
    res = update(sample_index_copy, [new], procs=1)
    assert res.added == 1
    got = SearchEngine(sample_index_copy).article("x-new-tags")
    assert {"Nguyễn Xuân Phúc", "Đà Nẵng"} <= set(got.extracted_tags) and got.tags == []
    # The statistics stay those of the build: only optimize or a rebuild counts again.
    assert tagging.stats_path(current_build(sample_index_copy).path).read_bytes() == before
    # The same article again is unchanged: extracted tags do not enter the content hash.
    assert update(sample_index_copy, [new], procs=1).unchanged == 1


@pytest.mark.heavy
def test_optimize_counts_the_live_articles_again(sample_index_copy, sample_articles):
    extra = replace(sample_articles[0], id="x-copy-for-count")
    update(sample_index_copy, [extra], procs=1)
    assert _stats(sample_index_copy).articles == len(sample_articles)
    optimize(sample_index_copy, procs=1)
    assert _stats(sample_index_copy).articles == len(sample_articles) + 1


def test_a_build_without_statistics_tags_under_the_baseline(tmp_path):
    ex = tagging.extractor(tmp_path)  # no tagnames.tsv: the shared corpora's table only
    a = tagging.tag(ex, Article(id="t", title="Hà Nội mưa lớn", lead="Mưa lớn ở Hà Nội."))
    assert a.extracted_tags == ["Hà Nội"]


def test_a_build_without_the_extracted_tags_column_still_opens(tmp_path, sample_articles,
                                                              monkeypatch):
    from newssearch.index import schema, writer

    def before_tags():  # the schema of builds made before extracted tags
        s = schema.build_schema()
        s.remove("nameset")
        return s

    monkeypatch.setattr(writer, "build_schema", before_tags)
    root = tmp_path / "old"
    writer.rebuild(root, sample_articles[:20], procs=1)
    res = SearchEngine(root).search("", sort="newest", per_page=5)
    assert res.total == 20 and res.facets.get("names", []) == []
