"""Related articles on a real index: the story's articles come first with their shared terms
and tags; never the seed or its copies, one article per story; filters; posted texts; CLI."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import copy_index
from related_fixtures import STORY

from newssearch.cli.app import main
from newssearch.errors import QueryError
from newssearch.index.vectors import TopicVectors, read_meta
from newssearch.index.writer import rebuild, update
from newssearch.related.config import MAX_TEXT_CHARS, RelatedConfig
from newssearch.related.engine import RelatedRequest, SeedText, related
from newssearch.related.fit import (
    VectorConfig,
    fit_vectors,
    fold_indexed,
    maintain,
    refresh_vectors,
)
from newssearch.search import SearchEngine
from newssearch.search.duplicates import DuplicateIndex


@pytest.fixture(scope="module")
def engine(related_index):
    return SearchEngine(related_index.root)


def ids(result) -> list[str]:
    return [i.article.id for i in result.items]


def test_the_story_comes_first_with_reasons(related_index, engine):
    r = related(engine, RelatedRequest(article_id="story-1", k=5))
    assert set(ids(r)[:2]) == {"story-2", "story-3"}
    first = {i.article.id: i for i in r.items}
    assert STORY.lower() in first["story-2"].reason.terms
    # Shared tags as the article writes them: the publisher's, then the extracted ones.
    assert first["story-3"].reason.tags == ("Lumiro", STORY)
    assert "Cùng nói về:" in first["story-3"].reason.text()
    assert r.index_version == engine.index_version and r.terms


def test_never_the_seed_nor_copies_and_one_per_story(related_index, engine):
    dups = DuplicateIndex.of(engine.snapshot())
    snap = engine.snapshot()
    cluster = {related_index.original.id, *related_index.copies}
    shown_from_cluster = []
    for a in related_index.articles:
        res = related(engine, RelatedRequest(article_id=a.id, k=20))
        got = ids(res)
        assert a.id not in got and len(got) == len(set(got))
        reps = [dups.cluster_of(snap.docnum(i)) for i in got]
        assert len(reps) == len(set(reps)), (a.id, got)
        if a.id in cluster:
            assert not cluster & set(got), (a.id, got)
            assert set(res.excluded) == cluster - {a.id}
        shown_from_cluster += [i for i in got if i in cluster]
    # The story with copies is shown by its representative, the dated original.
    assert shown_from_cluster and set(shown_from_cluster) == {related_index.original.id}


def test_filters_source_category_and_dates(related_index, engine):
    seed = related_index.original
    same = related(engine, RelatedRequest(article_id=seed.id, k=10, same_source=True))
    assert same.items and all(i.article.source == seed.source for i in same.items)
    cat = related(engine, RelatedRequest(article_id="story-1", k=10, categories=("du lịch",)))
    assert cat.items and {i.article.category for i in cat.items} == {"Du lịch"}
    window = related(engine, RelatedRequest(article_id="story-1", k=10,
                                            date_from=date(2021, 3, 15),
                                            date_to=date(2021, 3, 25)))
    assert ids(window) == ["story-2"]
    assert len(related(engine, RelatedRequest(article_id="story-1", k=1)).items) == 1


def test_boosts_switch_off(engine):
    raw = RelatedConfig(consensus_weight=0)  # scores on one scale (consensus rescales them)
    on = related(engine, RelatedRequest(article_id="story-1", k=5), raw)
    off = related(engine, RelatedRequest(article_id="story-1", k=5, boosts=False), raw)
    by_id_on = {i.article.id: i.score for i in on.items}
    by_id_off = {i.article.id: i.score for i in off.items}
    assert by_id_on["story-3"] > by_id_off["story-3"]  # shared tag Lumiro


def coherence(engine, articles, cfg: RelatedConfig) -> float:
    """Share of the top 3 in the seed's own category, boosts off (content and time only)."""
    hits = total = 0
    for a in articles:
        r = related(engine, RelatedRequest(article_id=a.id, k=3, boosts=False), cfg)
        hits += sum(i.article.category == a.category for i in r.items)
        total += len(r.items)
    return hits / total


def test_neighbour_consensus_makes_lists_more_coherent(related_index, engine):
    # The 60 real sample articles, six per category: with the neighbours' consensus more of
    # each list shares the seed's category than with key terms alone (0.63 against 0.58 when
    # this was written); the consensus only re-orders the first pass's best (here its 20 best).
    sample = [a for a in related_index.articles if a.id.startswith("dantri-")]
    assert len(sample) == 60
    without = RelatedConfig(consensus_weight=0)
    assert coherence(engine, sample, RelatedConfig()) > coherence(engine, sample, without)
    for a in sample[:10]:
        first = related(engine, RelatedRequest(article_id=a.id, k=20), replace(without, pool=30))
        pool = set(ids(first))
        assert set(ids(related(engine, RelatedRequest(article_id=a.id, k=5)))) <= pool


def test_posted_text_excludes_the_indexed_copies(related_index, engine):
    a = related_index.original
    text = SeedText(title=a.title, lead=a.lead, body="\n".join(a.body))
    r = related(engine, RelatedRequest(text=text, k=20))
    cluster = {a.id, *related_index.copies}
    assert r.seed_id is None and r.items and not cluster & set(ids(r))
    assert set(r.excluded) == cluster
    story = related(engine, RelatedRequest(text=SeedText(
        title="Cầu treo Quenzelo-Varn", body="Sông Lumiro và bản Kestrava"), k=3))
    assert set(ids(story)) == set(related_index.story)


@pytest.mark.parametrize("kwargs", [
    {}, {"article_id": "a", "text": SeedText("t")}, {"article_id": "a", "k": 0},
    {"article_id": "a", "k": 21}, {"article_id": "a", "k": True}, {"text": SeedText(" ")},
    {"text": SeedText("t", body="x" * MAX_TEXT_CHARS)},
])
def test_bad_requests_are_query_errors(kwargs):
    with pytest.raises(QueryError):
        RelatedRequest(**kwargs)


def test_a_window_ending_before_it_starts_holds_nothing(engine, related_index):
    """As in search: an empty list, not an error (the API documents dates, not their order)."""
    res = related(engine, RelatedRequest(article_id=related_index.original.id,
                                         date_from=date(2021, 2, 1), date_to=date(2021, 1, 1)))
    assert res is not None and res.items == []


def test_unknown_id_is_none_and_results_are_cached(engine):
    assert related(engine, RelatedRequest(article_id="no-such-id")) is None
    req = RelatedRequest(article_id="story-2", k=3)
    assert related(engine, req) is related(engine, replace(req))


def test_cli_related_by_id_and_from_file(related_index, tmp_path):
    root = str(related_index.root)
    run = CliRunner().invoke
    r = run(main, ["related", "story-1", "--k", "2", "--index", root])
    assert r.exit_code == 0, r.output
    assert "story-2" in r.output and "Cùng nói về" in r.output
    r = run(main, ["related", "story-1", "--json", "--index", root])
    assert r.exit_code == 0 and json.loads(r.output)["seed"] == "story-1"
    page = tmp_path / "bai.json"
    page.write_text(json.dumps({"id": "p", "title": "Cầu treo Quenzelo-Varn",
                                "body": "Sông Lumiro và bản Kestrava."}), encoding="utf-8")
    r = run(main, ["related", "--text", str(page), "--k", "3", "--json", "--index", root])
    assert r.exit_code == 0, r.output
    assert {i["id"] for i in json.loads(r.output)["items"]} == set(related_index.story)
    assert run(main, ["related", "nope", "--index", root]).exit_code == 1
    assert run(main, ["related", "--index", root]).exit_code == 2
    assert run(main, ["related", "story-1", "--k", "0", "--index", root]).exit_code == 2
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert run(main, ["related", "--text", str(bad), "--index", root]).exit_code == 2


# -- topic vectors (LSA) ------------------------------------------------------------------
@pytest.fixture(scope="module")
def fitted(related_index, tmp_path_factory):
    """A copy of the related index with topic vectors fitted and saved beside its build."""
    root = copy_index(related_index.root, tmp_path_factory.mktemp("vectors"))
    snap = SearchEngine(root).snapshot()
    space, report = fit_vectors(snap, VectorConfig(dims=20))
    size = space.save(snap.build.path)
    return root, report, size


def test_fit_save_load(related_index, fitted, tmp_path):
    root, report, size = fitted
    live = len(related_index.articles)
    assert report.docs == live and report.dims == 20 and report.terms > 1000
    vdir = SearchEngine(root).snapshot().build.path / "vectors"
    names = read_meta(vdir)["files"]
    assert sorted(p.name for p in vdir.iterdir()) == sorted(["meta.json", *names.values()])
    assert size == sum(p.stat().st_size for p in vdir.iterdir())
    space = TopicVectors.load(vdir.parent)
    assert space.docs.shape == (live, 20) and space.docs.dtype == np.float16
    assert space.proj.shape == (report.terms, 20) and len(space.ids) == live
    assert np.allclose(np.linalg.norm(space.docs.astype(np.float32), axis=1), 1, atol=1e-2)
    assert TopicVectors.load(related_index.root / "nowhere") is None
    # Saving again switches sets by renaming meta.json last and removes the others: a
    # reader of the first set still folds in after two more saves (its files are mapped).
    copy = copy_index(root, tmp_path) / "builds"
    build = next(copy.iterdir())
    first = TopicVectors.load(build)
    first.save(build)
    first.save(build)
    assert len(list((build / "vectors").iterdir())) == 1 + 4  # meta and one set
    assert not (build / "vectors" / names["terms"]).exists()
    a = related_index.original
    assert np.linalg.norm(first.fold(a.title, a.lead, "\n".join(a.body))) > 0.99


def test_the_story_is_nearest_in_the_space(related_index, fitted):
    # Learned from the texts alone: the two other articles of the made-up story are the
    # nearest to its first one, and a posted copy of an article folds in next to it.
    snap = SearchEngine(fitted[0]).snapshot()
    vec = TopicVectors.of(snap)
    everyone = np.flatnonzero(snap.live)
    cos = vec.cosines(vec.of_doc(snap.docnum("story-1")), everyone)
    order = [snap.article(int(everyone[i])).id for i in np.argsort(-cos)]
    assert order[0] == "story-1" and set(order[1:3]) == {"story-2", "story-3"}
    a = related_index.original
    folded = vec.space.fold(a.title, a.lead, "\n".join([*a.captions, *a.body]))
    assert float(folded @ vec.of_doc(snap.docnum(a.id))) > 0.98


def test_vectors_make_lists_more_coherent(related_index, fitted, engine):
    # The 60 real sample articles: with the vectors mixed in, more of each top 3 shares the
    # seed's category than without them (on the full corpus: 0.712 against 0.675).
    sample = [a for a in related_index.articles if a.id.startswith("dantri-")]
    with_vectors = SearchEngine(fitted[0])
    off = RelatedConfig(vector_weight=0)
    assert coherence(with_vectors, sample, RelatedConfig()) > coherence(
        with_vectors, sample, off)
    # Without vector files the result is today's (the lexical order).
    assert TopicVectors.of(engine.snapshot()) is None
    for a in sample[:5]:
        req = RelatedRequest(article_id=a.id, k=5)
        assert ids(related(engine, req)) == ids(related(with_vectors, req, off))


def test_folding_in_from_the_postings_is_the_fit(related_index, fitted):
    # An update folds its articles in from their flat postings (no second segmentation):
    # the same vectors as the fit's and as folding in their stored text.
    snap = SearchEngine(fitted[0]).snapshot()
    space = TopicVectors.load(snap.build.path)
    live = np.flatnonzero(snap.live)
    got = fold_indexed(snap, space, live)
    assert np.all((got * space.docs.astype(np.float32)).sum(axis=1) > 0.999)
    text = np.stack([space.fold_article(snap.article(int(d))) for d in live[:10]])
    assert np.all((got[:10] * text).sum(axis=1) > 0.999)
    assert fold_indexed(snap, space, live[:0]).shape == (0, space.proj.shape[1])


def test_posted_text_and_articles_added_after_the_fit(related_index, fitted, tmp_path):
    root = copy_index(fitted[0], tmp_path)
    story = related_index.by_id("story-2")
    added = replace(story, id="story-4", title=story.title + " (cập nhật)")
    update(root, [added], procs=1)
    eng = SearchEngine(root)
    vec = TopicVectors.of(eng.snapshot())
    d = eng.snapshot().docnum("story-4")
    assert vec.row[d] == -1  # not in the fit: folded in from its stored text
    assert float(vec.of_doc(d) @ vec.of_doc(eng.snapshot().docnum("story-2"))) > 0.9
    got = related(eng, RelatedRequest(article_id="story-1", k=5))
    assert "story-3" in ids(got)
    posted = related(eng, RelatedRequest(text=SeedText(
        "Cầu treo trên sông Lumiro", "", "Người dân bản Kestrava đi đò qua sông Lumiro."), k=3))
    assert set(ids(posted)) & {"story-1", "story-2", "story-3", "story-4"}
    # The indexer's step after an update: the files realigned with the new generation.
    snap = eng.snapshot()
    assert refresh_vectors(snap, changed=["story-3"]) == 2  # story-4 new, story-3 replaced
    again = TopicVectors.of(SearchEngine(root).snapshot())
    assert again.row[d] >= 0 and len(again.space.ids) == snap.doc_count
    assert np.allclose(again.of_doc(d), vec.of_doc(d), atol=1e-2)


def test_web_warm_up_binds_the_vectors(fitted, engine):
    """A worker's warm-up (web.warm) loads the build's vectors, so its first related request
    costs what later ones do; a build without them warms as before."""
    from newssearch.index.vectors import EXTRA_KEY
    from newssearch.web.warm import warm

    with_vectors = SearchEngine(fitted[0])
    assert warm(with_vectors) is not None
    assert with_vectors.snapshot().made(EXTRA_KEY) is not None
    assert warm(engine) is not None and engine.snapshot().made(EXTRA_KEY) is None


def test_the_common_direction_is_left_out(related_index):
    # The first SVD component is the vocabulary every article shares: kept, it makes
    # articles of different sections look alike (on the full corpus, coherence 0.701 with
    # it, 0.713 without: docs/related.md).
    snap = SearchEngine(related_index.root).snapshot()
    sample = [snap.docnum(a.id) for a in related_index.articles if a.id.startswith("dantri-")]
    cats = np.array([snap.article(d).category for d in sample])
    other = cats[:, None] != cats[None, :]
    across = {}
    for skip in (0, 1):
        space, report = fit_vectors(snap, VectorConfig(dims=20, skip=skip))
        assert report.dims == 20 and space.meta["skip"] == skip
        vec = space.docs[np.searchsorted(np.flatnonzero(snap.live), sample)].astype(np.float32)
        across[skip] = float((vec @ vec.T)[other].mean())
    assert across[1] < across[0] - 0.1  # 0.20 with it, -0.04 without


def test_too_few_articles_for_a_space(related_index, tmp_path):
    # Two articles share no term held by three: nothing to fit, no files, and related
    # articles still answer from the key terms.
    root = tmp_path / "ix"
    rebuild(root, related_index.articles[:2], procs=1, maintain=maintain)
    snap = SearchEngine(root).snapshot()
    assert fit_vectors(snap) is None
    assert TopicVectors.load(snap.build.path) is None
    a = related_index.articles[0]
    got = related(SearchEngine(root), RelatedRequest(article_id=a.id, k=5))
    assert a.id not in ids(got)


def test_an_extracted_tag_on_too_many_articles_gives_no_boost(engine):
    raw = RelatedConfig(consensus_weight=0)
    base = related(engine, RelatedRequest(article_id="story-1", k=5), raw)
    only_names = [i for i in base.items if STORY in i.reason.tags and "Lumiro" not in i.reason.tags]
    assert only_names  # shares the extracted tag (the story's name) and no publisher's tag
    common = replace(raw, max_name_share=0.0, name_floor=0)  # every name common
    again = {i.article.id: i.score
             for i in related(engine, RelatedRequest(article_id="story-1", k=5), common).items}
    assert again[only_names[0].article.id] < only_names[0].score
