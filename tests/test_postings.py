"""Flat postings (postings.py, flatset.py), the only copy of the text postings: exactly what
analysing the stored articles gives (docnums, tfs, positions, lexicon), after rebuilds,
updates, deletions and merges; a broken set is reported. A rebuild with several segments
gets one merged set, which stays in use while its segments do."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import copy_index
from flat_reference import check_against_analysis
from whoosh import index as windex

from newssearch.index import bulk
from newssearch.index.flat import postings
from newssearch.index.schema import article_from_stored, doc_fields
from newssearch.index.store import current_build
from newssearch.index.writer import delete, rebuild, update
from newssearch.model import Article
from newssearch.search import SearchEngine
from newssearch.text.analysis import analyze

QUERIES = ["phong tho", "Phong Thổ", "giáo dục", "UBND tỉnh", "bóng đá -Hà Nội",
           "kinh te xa hoi", '"Lai Châu"', "title:học sinh", "thu"]


def _segments(build: Path) -> dict[str, int]:
    ix = windex.open_dir(str(build))
    with ix.reader() as r:
        return {seg.segment().segment_id(): seg.doc_count_all() for seg, _ in r.leaf_readers()}


def _results(root: Path) -> list[list[tuple[str, float]]]:
    eng = SearchEngine(root)
    out = []
    for q in QUERIES:
        res = eng.search(q, per_page=20, snippets=False, suggest=False)
        out.append([(h.article.id, h.score) for h in res.hits] + [("total", res.total)])
    eng.snapshot().close()
    return out


@pytest.fixture(scope="module")
def multi_index(tmp_path_factory, sample_articles) -> Path:
    """sample/ rebuilt with a tiny memory budget: segments of about 100 articles, one merged
    flat set."""
    root = tmp_path_factory.mktemp("multi") / "index"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bulk, "MIN_SEGMENT_MB", 0.4)
        rebuild(root, sample_articles, procs=1, memory_mb=1)
    return root


@pytest.fixture
def multi_index_copy(multi_index: Path, tmp_path: Path) -> Path:
    return copy_index(multi_index, tmp_path)


def _flat_dirs(root: Path) -> list[str]:
    return sorted(p.name for p in (current_build(root).path / postings.DIRNAME).iterdir())


@pytest.mark.heavy
@pytest.mark.parametrize("which", ["sample_index", "multi_index"])
def test_flat_postings_are_the_analysis_of_the_stored_articles(which: str, request):
    root = request.getfixturevalue(which)
    segs = _segments(current_build(root).path)
    if which == "multi_index":
        assert len(segs) >= 3 and _flat_dirs(root) == [postings.MERGED]
    else:
        assert _flat_dirs(root) == sorted(segs)
    assert check_against_analysis(root) > 10_000  # every term of the sample corpus


@pytest.mark.heavy
def test_accent_free_positions_are_those_of_every_accented_form(sample_index: Path):
    """A folded syllable's positions are read from the exact syllables folding to it: the
    union equals the folded field's own analysis."""
    eng = SearchEngine(sample_index)
    snap = eng.snapshot()
    ix = snap.ix
    checked = 0
    with ix.reader() as r:
        for term in ("tho", "phong", "hoa", "thuy", "duong"):
            want: dict[int, set[int]] = {}
            for docnum in range(r.doc_count_all()):
                body = doc_fields(article_from_stored(r.stored_fields(docnum)))["body"]
                at = {t.pos for t in analyze(body) if t.kind == "syl" and t.folded == term}
                if at:
                    want[docnum] = at
            got: dict[int, set[int]] = {}
            for docs, tfs, pos in snap.flat.positions("body_f", term.encode()):
                at = np.cumsum(tfs.astype(np.int64)) - tfs
                for d, a, n in zip(docs.tolist(), at.tolist(), tfs.tolist()):
                    got.setdefault(d, set()).update(pos[a:a + n].tolist())
            assert got == want and want, term
            checked += len(want)
    assert checked > 50
    snap.close()


def test_merged_and_single_sets_search_alike(multi_index_copy: Path, sample_index: Path):
    assert _results(multi_index_copy) == _results(sample_index)  # same articles, results


def test_update_keeps_the_merged_set_for_the_segments_it_covers(multi_index_copy: Path,
                                                                  sample_articles):
    root = multi_index_copy
    old_segs = set(_segments(current_build(root).path))
    changed = dataclasses.replace(sample_articles[5], title="Zorbaland mở hội chợ",
                                  lead="", body=["Hội chợ Zorbaland kéo dài ba ngày."])
    update(root, [changed], procs=1)
    new_segs = set(_segments(current_build(root).path)) - old_segs
    assert len(new_segs) == 1
    assert _flat_dirs(root) == sorted([postings.MERGED, *new_segs])
    eng = SearchEngine(root)
    flat = eng.snapshot().flat
    assert len(flat.parts) == 2
    assert [h.article.id for h in eng.search("zorbaland").hits] == [changed.id]
    old = eng.search(f'"{sample_articles[5].title}"')
    assert changed.id not in [h.article.id for h in old.hits]
    eng.snapshot().close()


def test_missing_or_broken_sets_are_reported_not_guessed(sample_index_copy: Path, caplog):
    """The flat sets are the only copy of the text postings: a set that is missing, half
    written or belongs to another segment is reported by name; search still answers."""
    base = current_build(sample_index_copy).path / postings.DIRNAME
    seg = next(p for p in base.iterdir() if p.name.startswith("MAIN_"))
    meta = json.loads((seg / "meta.json").read_text())
    for breakage in ("count", "truncated", "gone"):
        if breakage == "count":  # a segment id reused with another document count
            (seg / "meta.json").write_text(json.dumps({**meta, "doc_count": meta["doc_count"] + 1}))
        elif breakage == "truncated":
            (seg / "meta.json").write_text(json.dumps(meta))
            (seg / "docs.npy").write_bytes((seg / "docs.npy").read_bytes()[:20])
        else:
            shutil.rmtree(seg)
        caplog.clear()
        with caplog.at_level("ERROR", logger="newssearch.index.flat.postings"):
            res = SearchEngine(sample_index_copy).search("phong tho")
        assert res.total == 0
        assert seg.name in caplog.text and "rebuilt" in caplog.text, breakage


@pytest.mark.heavy
def test_update_and_delete_keep_flat_postings_in_step(sample_index_copy: Path,
                                                      sample_articles):
    root = sample_index_copy
    build = current_build(root).path
    leftover = build / postings.DIRNAME / ".MAIN_x.tmp-1"  # a killed write's leftovers
    leftover.mkdir()
    changed = dataclasses.replace(sample_articles[0], title="Zorbaland mở hội chợ",
                                  lead="", body=["Hội chợ Zorbaland kéo dài ba ngày."])
    update(root, [changed], procs=1)
    segs = _segments(build)
    assert len(segs) >= 2  # one set per segment, and the tail set covering them
    assert sorted(p.name for p in (build / postings.DIRNAME).iterdir()) == sorted(
        [*segs, postings.TAIL])
    check_against_analysis(root)
    eng = SearchEngine(root)
    assert [h.article.id for h in eng.search("zorbaland").hits] == [changed.id]
    # The replaced version is deleted in a segment that was not merged away.
    assert eng.snapshot().live.sum() == len(sample_articles) < eng.snapshot().n
    old = eng.search(f'"{sample_articles[0].title}"')
    assert changed.id not in [h.article.id for h in old.hits]
    eng.snapshot().close()
    with_flat = _results(root)
    delete(root, [changed.id, sample_articles[1].id])
    segs = _segments(build)
    tail = [postings.TAIL] if len(segs) > 1 else []
    assert sorted(p.name for p in (build / postings.DIRNAME).iterdir()) == sorted(
        [*segs, *tail])
    eng = SearchEngine(root)
    assert eng.search("zorbaland").total == 0
    assert eng.stats().articles == len(sample_articles) - 2
    eng.snapshot().close()
    after = _results(root)
    gone = {changed.id, sample_articles[1].id}
    assert all(i not in gone for r in after for i, _ in r)
    assert with_flat != after or not any(i in gone for r in with_flat for i, _ in r)


def test_sync_removes_only_what_no_segment_uses(sample_index_copy: Path):
    build = current_build(sample_index_copy).path
    base = build / postings.DIRNAME
    before = _flat_dirs(sample_index_copy)
    for junk in (".MAIN_x.tmp-1", "MAIN_gone"):  # a killed write, a segment merged away
        (base / junk).mkdir()
    postings.sync(build)
    assert _flat_dirs(sample_index_copy) == before == sorted(_segments(build))


@pytest.mark.heavy
def test_updates_after_a_rebuild_are_one_tail_set(tmp_path: Path, sample_articles):
    """A rebuild's segments are one merged set; the segments updates add after it are merged
    into one tail set after each update, so a term is two lookups. Search reads the same
    postings as from Whoosh itself, and a stale tail (segments merged since) is ignored."""
    root = tmp_path / "index"
    mp = pytest.MonkeyPatch()
    mp.setattr(bulk, "MIN_SEGMENT_MB", 0.12)  # a tiny budget: a rebuild of many segments
    try:
        rebuild(root, sample_articles[:120], procs=1, memory_mb=64)
    finally:
        mp.undo()
    for i in range(3):  # three updates: three more segments
        batch = [dataclasses.replace(a, id=f"{a.id}-u{i}")
                 for a in sample_articles[120 + 20 * i : 140 + 20 * i]]
        update(root, batch, procs=1)
    build = current_build(root).path
    base = build / postings.DIRNAME
    meta = json.loads((base / postings.TAIL / "meta.json").read_text())
    segs = list(_segments(build))
    assert [s for s, _ in meta["segments"]] == segs[-3:]
    eng = SearchEngine(root)
    snap = eng.snapshot()
    assert len(snap.flat.parts) == 2  # merged + tail
    for term in ("của", "và", "phong", "thổ", "hà_nội"):
        for field in ("body", "title_f"):
            p = snap.postings(field, term)
            assert p is None or len(p.pieces) <= 2
    snap.close()
    check_against_analysis(root)
    # A stale tail (here: covering segments that no longer follow the merged set) is ignored.
    meta["segments"] = meta["segments"][:-1] + [["MAIN_gone", 1]]
    (base / postings.TAIL / "meta.json").write_text(json.dumps(meta))
    assert len(SearchEngine(root).snapshot().flat.parts) == 4  # merged + one set per segment


def test_term_frequencies_and_positions_past_the_caps(tmp_path: Path):
    """A syllable said 300 times keeps tf 255 and its first 255 positions; a phrase among
    them is still found, one only after them is not (documented limit)."""
    body = " ".join(["mưa"] * 300 + ["rào", "bão", "lũ"])
    root = tmp_path / "index"
    rebuild(root, [Article(id="a", title="Mưa", body=[body]),
                   Article(id="b", title="Bão lũ miền Trung", body=["Mưa rào rồi bão lũ."])],
            procs=1)
    eng = SearchEngine(root)
    snap = eng.snapshot()
    (docs, tfs, pos), = [p for p in snap.flat.positions("body", "mưa".encode())
                         if 0 in p[0].tolist()]
    assert tfs[docs.tolist().index(0)] == 255
    assert pos[:255].tolist() == list(range(255))
    assert [h.article.id for h in eng.search('"mưa mưa"').hits] == ["a"]
    assert [h.article.id for h in eng.search('"mưa rào"').hits] == ["b"]  # a's is at 299
    assert [h.article.id for h in eng.search('"mua rao"').hits] == ["b"]
    snap.close()
