"""The near-duplicate detector on a real index: copies of one story form one cluster named by
its earliest dated member; unrelated articles stay alone; posted texts find their copies."""

from __future__ import annotations

import dataclasses

import pytest

from newssearch.index import writer as indexer
from newssearch.index.schema import build_schema
from newssearch.index.whoosh_compat import read_column
from newssearch.search import SearchEngine
from newssearch.search.duplicates import DuplicateIndex
from newssearch.text.storykey import (
    COLUMN,
    MIN_JACCARD,
    article_text,
    signature,
    similarity,
    story_key,
    title_key,
)


@pytest.fixture(scope="module")
def snap(related_index):
    return SearchEngine(related_index.root).snapshot()


@pytest.fixture(scope="module")
def dups(snap):
    return DuplicateIndex.of(snap)


def test_title_key_ignores_case_punctuation_and_unicode_form_but_not_accents():
    import unicodedata

    assert title_key("Hà Nội: mưa LỚN, ngập sâu!") == title_key("hà nội mưa lớn ngập sâu")
    assert title_key(unicodedata.normalize("NFD", "Hoà bình lập lại")) == title_key(
        "hòa bình lập lại")  # NFD and the old tone placement are the same title
    assert title_key("Lá thư gửi mẹ") != title_key("Lá thu gửi mẹ")  # other words
    assert title_key("Tin vắn") is None  # too short to name a story


def test_signatures_tell_near_identical_from_different_text(related_index):
    a = related_index.original
    text = " ".join(a.body)
    edited = text.replace(",", "")
    other = " ".join(related_index.by_id(related_index.story[0]).body)
    assert similarity(signature(text), signature(edited)) >= MIN_JACCARD
    assert similarity(signature(text), signature(other)) < 0.2
    assert signature("quá ngắn") is None


def test_copies_form_one_cluster_named_by_the_dated_original(related_index, snap, dups):
    orig = snap.docnum(related_index.original.id)
    copies = [snap.docnum(i) for i in related_index.copies]
    for c in copies:
        assert dups.cluster_of(c) == orig and dups.same_story(orig, c)
    assert dups.members(orig) == [orig, *sorted(copies)]
    assert dups.clusters() == [[orig, *sorted(copies)]]  # nothing else in the index is a copy


def test_unrelated_articles_are_their_own_cluster(related_index, snap, dups):
    story = [snap.docnum(i) for i in related_index.story]
    assert [dups.cluster_of(d) for d in story] == story
    assert not dups.same_story(story[0], story[1])


def test_a_posted_text_finds_the_indexed_copies(related_index, snap, dups):
    a = related_index.original
    text = "\n".join([a.lead, *a.body])
    found = dups.matching("Một tiêu đề hoàn toàn khác hẳn", text)
    assert snap.docnum(a.id) in found and snap.docnum("copy-same-text") in found
    assert dups.matching(a.title, "") == sorted(
        snap.docnum(i) for i in (a.id, "copy-same-title", "copy-undated"))
    assert dups.matching("Một tiêu đề hoàn toàn khác hẳn", "ngắn") == []


def test_built_once_per_generation(snap, dups):
    assert DuplicateIndex.of(snap) is dups


def test_story_keys_are_written_while_indexing(snap):
    """Every article's key is in the index, so opening a generation reads no stored text."""
    keys = read_column(snap.leaves, snap.n, COLUMN)
    assert len(keys) == snap.n
    for d in range(snap.n):
        a = snap.article(d)
        assert keys[d] == story_key(a.title, article_text(a.lead, a.body)), a.id


def test_an_index_without_the_column_reads_keys_from_stored_text(
        related_index, dups, tmp_path, monkeypatch):
    """An index written before the column existed (its schema travels with it) gets the same
    clusters, and updates into it keep its own field set."""
    old = build_schema()
    old.remove(COLUMN)
    monkeypatch.setattr(indexer, "build_schema", lambda: old)  # what an earlier version wrote
    root = tmp_path / "index"
    indexer.rebuild(root, related_index.articles, procs=1)
    monkeypatch.undo()
    snap = SearchEngine(root).snapshot()
    assert COLUMN not in snap.ix.schema
    legacy = DuplicateIndex.of(snap)
    assert legacy.rep.tolist() == dups.rep.tolist()  # same docnums: same articles, same order
    assert legacy.clusters() == dups.clusters() != []

    extra = related_index.by_id(related_index.copies[0])
    res = indexer.update(root, [dataclasses.replace(extra, id="late-copy")])
    assert res.added == 1
    snap2 = SearchEngine(root).snapshot()
    assert COLUMN not in snap2.ix.schema
    late = snap2.docnum("late-copy")
    assert DuplicateIndex.of(snap2).same_story(late, snap2.docnum(related_index.original.id))
