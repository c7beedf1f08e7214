"""The near-duplicate detector on a real index: copies of one story form one cluster named by
its earliest dated member; unrelated articles stay alone; posted texts find their copies."""

from __future__ import annotations

import pytest

from newssearch.duplicates import MIN_JACCARD, DuplicateIndex, signature, similarity, title_key
from newssearch.search import SearchEngine


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
