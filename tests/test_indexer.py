"""Writing the index for real: rebuilds, incremental updates, deletes, the write lock, format
checks, and the promise that a killed rebuild leaves the previous index serving."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from whoosh.query import Phrase, Term

from newssearch.errors import IndexLockedError, NoIndexError, RebuildNeededError
from newssearch.index.flat.postings import SCORED_FIELDS
from newssearch.index.schema import FORMAT_VERSION, article_from_stored
from newssearch.index.store import META_FILE, WriteLock, current_build, open_build, read_meta
from newssearch.index.writer import delete, rebuild, update
from newssearch.model import Article
from newssearch.search import SearchEngine
from newssearch.search.phrases import phrase_docs
from newssearch.text.analysis import ANALYZER_VERSION, is_folded, normalize

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample"
SAMPLE_COUNT = 188  # 187 dantri articles + the seed page
SEED_ID = "seed_phong_tho.txt"


def doc_count(root: Path) -> int:
    _, ix = open_build(root)
    with ix.searcher() as s:
        return s.doc_count()


def ids_for(root: Path, query: Term | Phrase) -> list[str]:
    """Ids of the live articles matching a term or phrase: text fields through the flat
    postings (their only copy), other fields through Whoosh."""
    if query.fieldname not in SCORED_FIELDS:
        _, ix = open_build(root)
        with ix.searcher() as s:
            return sorted(s.stored_fields(d)["id"] for d in s.docs_for_query(query))
    snap = SearchEngine(root).snapshot()
    if isinstance(query, Phrase):
        docs = phrase_docs(snap, (query.fieldname,), tuple(query.words))
    else:
        p = snap.postings(query.fieldname, query.text)
        docs = [] if p is None else [d for d in p.docs.tolist() if snap.live[d]]
    ids = sorted(snap.article(int(d)).id for d in docs)
    snap.close()
    return ids


def builds(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "builds").iterdir() if p.is_dir())


def run_python(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *args], text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


# --- a full build --------------------------------------------------------------------------


def test_rebuild_writes_one_complete_build(sample_index: Path):
    cur = current_build(sample_index)
    assert cur is not None and builds(sample_index) == [cur.name]
    assert (sample_index / "CURRENT").read_text(encoding="utf-8").strip() == cur.name
    meta = json.loads((cur.path / META_FILE).read_text(encoding="utf-8"))
    assert meta["format"] == FORMAT_VERSION and meta["analyzer"] == ANALYZER_VERSION
    assert meta["articles"] == SAMPLE_COUNT
    assert doc_count(sample_index) == SAMPLE_COUNT
    assert not list(sample_index.glob(".CURRENT.*"))


def test_stored_doc_round_trips_to_the_article(sample_index: Path, sample_articles):
    _, ix = open_build(sample_index)
    with ix.searcher() as s:
        for a in sample_articles:
            docnum = s.document_number(id=a.id)
            assert docnum is not None, a.id
            # As ingested, plus the tags found at index time (tests/test_tagging.py).
            stored = article_from_stored(s.stored_fields(docnum))
            assert dataclasses.replace(stored, extracted_tags=[]) == a
    seed = next(a for a in sample_articles if a.id == SEED_ID)
    assert seed.published is not None and seed.author == "Xuân Trường" and seed.captions


def test_exact_and_folded_fields_hold_what_the_design_says(sample_index: Path):
    # Exact fields: normalized accented syllables, pyvi words, composites, stopwords too.
    for field, term in [("title", "phong_thổ"), ("title", "thổ"), ("title", "phong"),
                        ("title", "kt-xh"), ("title", "kt"), ("title", "các"),
                        ("lead", "lai_châu"), ("body", "8.848"), ("body", "20,49"),
                        ("body", "dũng")]:  # the caption is indexed with the body
        assert SEED_ID in ids_for(sample_index, Term(field, term)), (field, term)
    # Folded twins: the same terms without diacritics.
    for field, term in [("title_f", "phong_tho"), ("title_f", "tho"), ("title_f", "kt-xh"),
                        ("title_f", "cac"), ("lead_f", "lai_chau"), ("body_f", "dung")]:
        assert SEED_ID in ids_for(sample_index, Term(field, term)), (field, term)
    assert ids_for(sample_index, Term("title", "phong_tho")) == []
    assert ids_for(sample_index, Term("title_f", "phong_thổ")) == []
    assert SEED_ID in ids_for(sample_index, Phrase("title", ["phong", "thổ"]))
    assert SEED_ID in ids_for(sample_index, Phrase("title_f", ["huyen", "phong", "tho"]))
    snap = SearchEngine(sample_index).snapshot()
    for part in ("title", "lead", "body"):
        exact = list(snap.terms(part))
        folded = list(snap.terms(part + "_f"))
        assert exact and folded
        assert all(t == normalize(t) for t in exact), part
        assert all(is_folded(t) for t in folded), part
        assert any(not is_folded(t) for t in exact), part
    snap.close()


# --- incremental update and delete ---------------------------------------------------------


def test_update_skips_unchanged_replaces_changed_adds_new(sample_index: Path,
                                                          sample_index_copy: Path,
                                                          sample_articles):
    root = sample_index_copy
    before = current_build(root)
    changed = dataclasses.replace(sample_articles[5],
                                  title="Voọc mũi hếch xuất hiện ở Hà Giang")
    assert ids_for(root, Term("title", "voọc")) == []
    new = [
        Article(id="new-1", title="Tuyết rơi ở Sa Pa", body=["Sáng nay tuyết rơi dày."]),
        Article(id="new-2", title="Lũ lớn ở miền Trung", body=["Nước lên nhanh."]),
    ]
    articles = [*sample_articles[:5], changed, *sample_articles[6:], *new]
    res = update(root, articles, procs=1)
    assert (res.unchanged, res.updated, res.added, res.total) == (
        SAMPLE_COUNT - 1, 1, 2, SAMPLE_COUNT + 2)
    assert res.duplicates == [] and res.build == before.name
    assert current_build(root) == before  # updates commit into the live build
    assert doc_count(root) == SAMPLE_COUNT + 2
    assert read_meta(before)["articles"] == SAMPLE_COUNT + 2
    # The changed article is replaced by id: one doc, new title searchable, old one gone.
    assert ids_for(root, Term("id", changed.id)) == [changed.id]
    assert ids_for(root, Term("title", "voọc")) == [changed.id]
    assert ids_for(root, Phrase("title_f", ["vooc", "mui", "hech"])) == [changed.id]
    # Old title: “Bão” bất ngờ nổi lên tại cổ phiếu công ty bà Thanh Phượng
    assert changed.id in ids_for(sample_index, Phrase("title", ["cổ", "phiếu", "công"]))
    assert changed.id not in ids_for(root, Phrase("title", ["cổ", "phiếu", "công"]))
    assert changed.id in ids_for(root, Phrase("body_f", ["co", "phieu"]))  # body unchanged
    assert ids_for(root, Phrase("title", ["tuyết", "rơi", "ở", "sa", "pa"])) == ["new-1"]
    assert ids_for(root, Term("id", "new-2")) == ["new-2"]
    # Running the same update again changes nothing.
    again = update(root, articles, procs=1)
    assert (again.unchanged, again.updated, again.added) == (SAMPLE_COUNT + 2, 0, 0)


def test_update_reports_duplicate_ids(sample_index_copy: Path, sample_articles):
    a = sample_articles[0]
    res = update(sample_index_copy, [a, dataclasses.replace(a, title="Khác")], procs=1)
    assert res.duplicates == [a.id] and res.unchanged == 1 and res.updated == 0


def test_update_creates_a_missing_index(tmp_path: Path, sample_articles):
    root = tmp_path / "fresh"
    res = update(root, sample_articles[:3], procs=1)
    assert res.added == 3 and current_build(root) is not None and doc_count(root) == 3


def test_delete_by_id_reports_missing(sample_index_copy: Path, sample_articles):
    root = sample_index_copy
    gone = sample_articles[10].id
    done, missing = delete(root, [gone, "no-such-id", SEED_ID, gone])
    assert done == [gone, SEED_ID] and missing == ["no-such-id"]
    assert doc_count(root) == SAMPLE_COUNT - 2
    assert ids_for(root, Term("id", gone)) == []
    assert ids_for(root, Term("title_f", "phong_tho")) == []
    assert read_meta(current_build(root))["articles"] == SAMPLE_COUNT - 2
    # Deleting again: everything missing, nothing changes.
    assert delete(root, [gone]) == ([], [gone])
    assert doc_count(root) == SAMPLE_COUNT - 2
    # An update sees the deletions: the two come back as new, the rest are unchanged.
    res = update(root, sample_articles, procs=1)
    assert (res.added, res.updated, res.unchanged, res.total) == (2, 0, SAMPLE_COUNT - 2,
                                                                  SAMPLE_COUNT)
    assert doc_count(root) == SAMPLE_COUNT


def test_delete_without_index(tmp_path: Path):
    with pytest.raises(NoIndexError, match="nothing to delete"):
        delete(tmp_path / "none", ["x"])
    with pytest.raises(NoIndexError, match="newssearch index --index"):
        open_build(tmp_path / "none")


# --- rebuild details -----------------------------------------------------------------------


def test_rebuild_keeps_the_first_of_duplicate_ids(tmp_path: Path, sample_articles):
    first = sample_articles[:4]
    dup = dataclasses.replace(first[1], title="Bản trùng mã số, không được giữ")
    res = rebuild(tmp_path / "ix", [*first, dup], procs=1)
    assert res.added == 4 and res.total == 4 and res.duplicates == [first[1].id]
    _, ix = open_build(tmp_path / "ix")
    with ix.searcher() as s:
        assert s.doc_count() == 4
        stored = article_from_stored(s.stored_fields(s.document_number(id=first[1].id)))
    assert dataclasses.replace(stored, extracted_tags=[]) == first[1]


def test_rebuilds_in_quick_succession(tmp_path: Path, sample_articles):
    """Back-to-back rebuilds in one process (well under a second apart) each get a build."""
    root = tmp_path / "ix"
    names = [rebuild(root, sample_articles[:1], procs=1).build for _ in range(3)]
    assert len(set(names)) == 3
    assert current_build(root).name == names[-1]
    assert builds(root) == sorted(names[-2:])  # the live one and the one before it


def test_incompatible_format_needs_a_rebuild(sample_index_copy: Path, sample_articles):
    root = sample_index_copy
    build = current_build(root)
    meta_path = build.path / META_FILE
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    meta_path.write_text(json.dumps({**meta, "format": 999}), encoding="utf-8")
    with pytest.raises(RebuildNeededError) as e:
        open_build(root)
    msg = str(e.value)
    assert "rebuild is needed" in msg and "format 999" in msg
    assert f"newssearch index --rebuild --index {root}" in msg
    # A writer refuses too, instead of writing into an index it cannot read.
    with pytest.raises(RebuildNeededError):
        update(root, sample_articles[:1], procs=1)
    with pytest.raises(RebuildNeededError):
        SearchEngine(root).search("phong tho")
    # The advertised fix works.
    rebuild(root, sample_articles[:2], procs=1)
    assert doc_count(root) == 2


def test_analyzer_version_mismatch_needs_a_rebuild(sample_index_copy: Path):
    build = current_build(sample_index_copy)
    meta = read_meta(build)
    (build.path / META_FILE).write_text(json.dumps({**meta, "analyzer": 0}), encoding="utf-8")
    with pytest.raises(RebuildNeededError, match="analyzer 0"):
        open_build(sample_index_copy)


# --- one writer at a time ------------------------------------------------------------------

LOCKED_UPDATE = """
import sys
from pathlib import Path
from newssearch.index.writer import update
from newssearch.model import Article
from newssearch.index.store import IndexLockedError
try:
    update(Path(sys.argv[1]), [Article(id="locked-out", title="Không được ghi", body=["x"])],
           procs=1)
except IndexLockedError as e:
    print(e)
    sys.exit(7)
"""


def test_second_writer_is_refused_while_the_lock_is_held(sample_index_copy: Path):
    root = sample_index_copy
    with WriteLock(root):
        proc = run_python(LOCKED_UPDATE, str(root))
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 7, err
        assert f"pid {os.getpid()}" in out and str(root) in out
        assert "Wait for it to finish" in out
        second = WriteLock(root)
        with pytest.raises(IndexLockedError, match=f"pid {os.getpid()}"):
            second.__enter__()
        assert second.fd is None
        with pytest.raises(IndexLockedError):
            delete(root, [SEED_ID])
    # Intact, and writable again once the lock is released.
    assert doc_count(root) == SAMPLE_COUNT
    assert ids_for(root, Term("id", "locked-out")) == []
    assert ids_for(root, Term("id", SEED_ID)) == [SEED_ID]
    proc = run_python(LOCKED_UPDATE, str(root))
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert doc_count(root) == SAMPLE_COUNT + 1


# --- readers during rebuilds ---------------------------------------------------------------


def test_open_searcher_survives_a_rebuild(sample_index_copy: Path, sample_articles):
    root = sample_index_copy
    eng = SearchEngine(root)
    r1 = eng.search("phong tho")
    assert r1.hits[0].article.id == SEED_ID
    old_snap = eng.snapshot()
    old_build = current_build(root)
    t0 = time.monotonic()
    others = [dataclasses.replace(a, id="v2-" + a.id) for a in sample_articles[:3]]
    res = rebuild(root, others, procs=1)
    r2 = eng.search("phong tho")
    if time.monotonic() - t0 < 0.9:  # still within the engine's refresh interval
        assert r2.index_version == r1.index_version and r2.hits[0].article.id == SEED_ID
    assert current_build(root).name == res.build != old_build.name
    assert old_build.path.is_dir()  # kept for searchers still reading it
    # The old snapshot keeps reading the old build.
    docnum = old_snap.searcher.document_number(id=SEED_ID)
    assert old_snap.article(docnum).id == SEED_ID
    time.sleep(1.1)
    assert eng.index_version.startswith(res.build + ".")
    r3 = eng.search("phong tho")
    assert SEED_ID not in [h.article.id for h in r3.hits]
    assert eng.stats().articles == 3
    first = others[0]
    assert eng.search(first.title).hits[0].article.id == first.id
    old_snap.close()


KILLED_REBUILD = """
import dataclasses, sys
from pathlib import Path
from newssearch.index.writer import rebuild
from newssearch.ingest import IngestReport, iter_articles

root, sample, marker, after = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
base = list(iter_articles([sample], IngestReport()))
articles = [dataclasses.replace(a, id=f"{a.id}#{k}") for k in range(3) for a in base]
done = 0

def progress(n):
    global done
    done += n
    if done == after:
        marker.write_text(str(done))

rebuild(root, articles, procs=1, progress=progress)
print("finished")
"""


def test_rebuild_killed_midway_leaves_the_previous_index_serving(sample_index_copy: Path,
                                                                 sample_articles, tmp_path):
    root = sample_index_copy
    old = current_build(root)
    marker = tmp_path / "marker"
    proc = run_python(KILLED_REBUILD, str(root), str(SAMPLE_DIR), str(marker), "60")
    deadline = time.monotonic() + 180
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the rebuild never reached the marker"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL and "finished" not in out
    # The abandoned build is on disk, incomplete; CURRENT still names the old one.
    abandoned = [n for n in builds(root) if n != old.name]
    assert len(abandoned) == 1
    assert not (root / "builds" / abandoned[0] / META_FILE).exists()
    assert current_build(root) == old
    assert doc_count(root) == SAMPLE_COUNT
    eng = SearchEngine(root)
    assert eng.stats().articles == SAMPLE_COUNT
    assert eng.stats().build == old.name
    assert eng.search("phong tho").hits[0].article.id == SEED_ID
    # The kernel released the lock: a new rebuild runs and clears the abandoned build away.
    res = rebuild(root, sample_articles[:3], procs=1)
    assert abandoned[0] not in builds(root)
    assert builds(root) == sorted([old.name, res.build])
    assert doc_count(root) == 3


@pytest.mark.heavy
def test_replaced_snapshots_are_closed_after_a_grace_period(sample_index_copy: Path,
                                                             sample_articles):
    """A long-running server must not keep every old generation's files open."""
    root = sample_index_copy
    eng = SearchEngine(root, retire_seconds=0.5)
    eng.search("phong tho")
    first = eng.snapshot()
    update(root, [dataclasses.replace(sample_articles[0], id="grace-1")], procs=1)
    time.sleep(1.1)
    second = eng.snapshot()
    assert second is not first
    assert not first.searcher.is_closed  # still within its grace period
    update(root, [dataclasses.replace(sample_articles[1], id="grace-2")], procs=1)
    time.sleep(1.1)
    third = eng.snapshot()
    assert third is not second
    assert first.searcher.is_closed  # older than the grace period: closed
    assert eng.search("phong tho").hits[0].article.id == SEED_ID
