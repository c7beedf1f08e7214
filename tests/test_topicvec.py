"""Topic-vector closeness for search (search/topicvec.py) on the sample's real vectors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from newssearch.index.ranking import RankingConfig
from newssearch.search import SearchEngine
from newssearch.search.topicvec import centroid_cosines, rerank


def first_ids(engine: SearchEngine, q: str) -> list[str]:
    res = engine.search(q, per_page=100, facets=False, snippets=False, suggest=False)
    return [h.article.id for h in res.hits]


@pytest.fixture(scope="module")
def engine(sample_vectors_index):
    return SearchEngine(sample_vectors_index)


def test_centroid_cosines_rank_the_centroids_own_articles_closest(engine):
    snap = engine.snapshot()
    docs = np.array([snap.docnum("dantri-news_health_020")])
    others = np.arange(snap.n)[snap.live]
    cos = centroid_cosines(snap, docs, np.ones(1, dtype=np.float32), others, 10)
    assert cos is not None and others[int(np.argmax(cos))] == docs[0]
    assert float(cos.max()) > 0.99 and float(np.median(cos)) < 0.5


def test_rerank_reorders_only_the_first_results_and_keeps_them_first(sample_vectors_index):
    q = "Covid"
    plain = first_ids(SearchEngine(sample_vectors_index), q)
    cfg = dataclasses.replace(RankingConfig(), prf_weight=1.0, prf_top_n=5)
    mixed = first_ids(SearchEngine(sample_vectors_index, config=cfg), q)
    assert len(plain) > 5 and set(mixed[:5]) == set(plain[:5]) and mixed[5:] == plain[5:]
    assert mixed[:5] != plain[:5]  # by topic alone the order of the first five changes


def test_no_weight_no_change(engine):
    snap = engine.snapshot()
    scores = np.arange(snap.n, dtype=np.float32)
    assert rerank(snap, scores, np.arange(snap.n)) is scores
