"""One results list on the sample: the best tier, then looser matches on the topic
(search/loose.py), with question words optional and synonyms both ways."""

from __future__ import annotations

import dataclasses

import pytest

from newssearch.index.ranking import RankingConfig
from newssearch.search import SearchEngine


def ids(engine: SearchEngine, q: str, **kw) -> list[str]:
    res = engine.search(q, per_page=100, facets=False, snippets=False, suggest=False, **kw)
    assert res.total <= 100
    return [h.article.id for h in res.hits]


@pytest.fixture(scope="module")
def vectors_engine(sample_vectors_index):
    """The sample with its topic vectors: the closeness test on top of coverage."""
    return SearchEngine(sample_vectors_index)


@pytest.fixture(params=["coverage", "vectors"])
def engine(request, search_engine, vectors_engine):
    return search_engine if request.param == "coverage" else vectors_engine


def test_phong_tho_lists_only_its_article(engine):
    res = engine.search("phong tho")
    assert res.total == 1 and res.hits[0].article.title.startswith(
        "Huyện Phong Thổ")
    assert not any(h.related for h in res.hits)  # no "phòng ... thơ" below it


@pytest.mark.parametrize("question, keywords", [
    ("vì sao giá vàng tăng", "giá vàng tăng"),
    ("tại sao bitcoin tăng giá", "bitcoin tăng giá"),
    ("giá vàng tăng như thế nào", "giá vàng tăng"),
])
def test_a_question_finds_what_its_keywords_find(engine, question, keywords):
    plain = ids(engine, keywords)
    asked = ids(engine, question)
    assert plain and asked[0] == plain[0]


@pytest.mark.parametrize("typed, other, article", [
    ("tự tử", "tự sát", "dantri-news_health_020"),  # prints "tự tử" only
    ("tự sát", "tự tử", "dantri-news_world_005"),  # prints "tự sát" only
])
def test_a_synonym_finds_what_the_word_finds_both_ways(engine, typed, other, article):
    assert article in ids(engine, typed)
    assert article in ids(engine, other)
    # ... weighted below the word typed: the article printing it comes first
    assert ids(engine, typed)[0] == article


def test_looser_matches_come_after_the_best_tier_and_are_counted(search_engine):
    q = "ô tô điện"
    res = search_engine.search(q, per_page=100)
    related = [h.related for h in res.hits]
    assert any(related) and not related[0]
    first = related.index(True)
    assert all(related[first:])  # one boundary: best tier, then the looser matches
    assert all(h.tier == res.tier for h in res.hits[:first])
    assert res.total == len(ids(search_engine, q, fold=False))
    # facets count what is listed: the looser matches' sources are there
    sources = {f.value: f.count for f in res.facets["source"]}
    assert all(h.article.source in sources for h in res.hits if h.article.source)
    hit = res.to_dict()["hits"][first]
    assert hit["related"] is True and hit["tier"] in ("whole", "all", "partial")


def test_looser_matches_follow_the_best_tier_in_newest_order_too(search_engine):
    res = search_engine.search("ô tô điện", per_page=100, sort="newest")
    related = [h.related for h in res.hits]
    assert any(related) and related == sorted(related)


def test_no_looser_matches_when_the_best_tier_is_long_enough(search_index):
    cfg = dataclasses.replace(RankingConfig(), loose_below=1)
    res = SearchEngine(search_index.root, config=cfg).search("ô tô điện", per_page=100)
    assert not any(h.related for h in res.hits)


def test_match_any_keeps_its_own_order(search_engine):
    res = search_engine.search("ô tô điện", match="any", per_page=100)
    assert not any(h.related for h in res.hits) and res.relaxed
