"""The index-side commands (index, parse, stats, delete) through click, with their exit
statuses: 0 all good, 1 failed, 2 usage, 3 some inputs skipped or ids not found."""

from __future__ import annotations

import gzip
import json
import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from newssearch.cli.app import main
from newssearch.index.store import WriteLock, current_build

SAMPLE_DIR = Path(__file__).resolve().parents[1] / "sample"
SEED = SAMPLE_DIR / "seed_phong_tho.txt"
SAMPLE_COUNT = 188


def run(*args: str) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """``newssearch index --index <tmp> sample/``, run once for the module."""
    root = tmp_path_factory.mktemp("cli") / "index"
    return root, run("index", "--index", root, "--procs", "1", SAMPLE_DIR)


def test_index_sample_prints_the_summary(indexed):
    root, res = indexed
    assert res.exit_code == 0, res.output
    assert f"ingested {SAMPLE_COUNT}, skipped 0" in res.stderr
    summary = res.stdout.strip().splitlines()[-1]
    assert summary.startswith(f"index {root} (build ")
    assert f"{SAMPLE_COUNT} added, 0 updated, 0 unchanged, 0 duplicate ids ignored" in summary
    assert f"{SAMPLE_COUNT} articles in the index" in summary
    assert (root / "CURRENT").is_file()


def test_index_again_skips_unchanged(indexed, tmp_path: Path):
    root = tmp_path / "index"
    shutil.copytree(indexed[0], root, ignore=shutil.ignore_patterns(".lock"))
    res = run("index", "--index", root, "-q", SAMPLE_DIR)
    assert res.exit_code == 0, res.output
    assert f"0 added, 0 updated, {SAMPLE_COUNT} unchanged" in res.stdout
    assert f"{SAMPLE_COUNT} articles in the index" in res.stdout
    # A file named directly gets its path as id: a new article, not the seed page again.
    res = run("index", "--index", root, "-q", SEED)
    assert res.exit_code == 0, res.output
    assert "1 added, 0 updated, 0 unchanged" in res.stdout
    assert f"{SAMPLE_COUNT + 1} articles in the index" in res.stdout


def test_index_with_a_broken_file_exits_3_and_names_it(tmp_path: Path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(SEED, src / "good.txt")
    (src / "broken.txt").write_text("Không phải một trang tin.\nChỉ có hai dòng.\n",
                                    encoding="utf-8")
    root = tmp_path / "index"
    res = run("index", "--index", root, src)
    assert res.exit_code == 3, res.output
    assert f"skipped {src / 'broken.txt'}: not a raw page" in res.stderr
    assert "ingested 1, skipped 1" in res.stderr
    assert "1 added" in res.stdout and "1 articles in the index" in res.stdout


def test_parse_prints_json_lines_with_iso_dates():
    res = run("parse", SEED)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert len(lines) == 1
    d = json.loads(lines[0])
    assert d["id"] == str(SEED)
    assert d["title"].startswith("Huyện Phong Thổ: Đoàn kết")
    assert d["published"] == "2020-10-25T00:00:00+07:00"
    assert datetime.fromisoformat(d["crawled_at"]).utcoffset().total_seconds() == 7 * 3600
    assert d["author"] == "Xuân Trường"
    assert "ingested 1, skipped 0" in res.stderr


def test_parse_of_the_sample_directory_is_one_line_per_article():
    res = run("parse", "-q", SAMPLE_DIR)
    assert res.exit_code == 0
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    assert len(docs) == SAMPLE_COUNT and len({d["id"] for d in docs}) == SAMPLE_COUNT
    for d in docs:
        if d.get("published"):
            assert datetime.fromisoformat(d["published"]).tzinfo is not None


def test_stats_prints_the_article_count(indexed):
    root, _ = indexed
    res = run("stats", "--index", root)
    assert res.exit_code == 0, res.output
    assert f"articles:  {SAMPLE_COUNT}" in res.stdout
    assert "source:    dantri.com.vn: 187" in res.stdout
    js = json.loads(run("stats", "--index", root, "--json").stdout)
    assert js["articles"] == SAMPLE_COUNT
    # The first run fitted the related-article vectors (the default) over every article.
    assert js["related_vectors"]["articles"] == SAMPLE_COUNT
    assert f"related:   topic vectors, 100 dims, {SAMPLE_COUNT} articles (0 folded in" in res.stdout


def test_stats_prints_the_published_span(indexed):
    res = run("stats", "--index", indexed[0])
    # The seed page is from 2020-10-25; the dantri sample runs Oct 2020 - May 2021.
    assert re.search(r"published: 2020-(09-30|10-01) \.\. 2021-(04-30|05-01)", res.stdout)


def test_delete_of_a_missing_id_exits_3(indexed):
    root, _ = indexed
    res = run("delete", "--index", root, "no-such-article")
    assert res.exit_code == 3
    assert "not found: no-such-article" in res.stderr
    assert "deleted 0, not found 1" in res.stdout
    assert f"articles:  {SAMPLE_COUNT}" in run("stats", "--index", root).stdout


def test_delete_an_existing_id(indexed, tmp_path: Path):
    root = tmp_path / "index"
    shutil.copytree(indexed[0], root, ignore=shutil.ignore_patterns(".lock"))
    res = run("delete", "--index", root, "seed_phong_tho.txt")
    assert res.exit_code == 0, res.output
    assert "deleted 1, not found 0" in res.stdout


def test_commands_without_an_index_fail_with_a_message(tmp_path: Path):
    root = tmp_path / "none"
    for args in (("stats",), ("delete", "x")):
        res = run(*args, "--index", root)
        assert res.exit_code == 1, args
        assert f"error: No index at {root}" in res.stderr


@pytest.mark.parametrize("args", [
    ("index",),  # PATHS missing
    ("index", "--procs", "many", "sample"),
    ("delete",),
    ("stats", "--bogus"),
    ("no-such-command",),
])
def test_usage_errors_exit_2(args):
    res = run(*args)
    assert res.exit_code == 2, res.output
    assert "Usage:" in res.stderr


def test_rebuild_from_nothing_leaves_the_index_alone(indexed, tmp_path: Path):
    root = tmp_path / "index"
    shutil.copytree(indexed[0], root, ignore=shutil.ignore_patterns(".lock"))
    before = (root / "CURRENT").read_text(encoding="utf-8")
    res = run("index", "--rebuild", "--index", root, tmp_path / "no-such-dir")
    assert res.exit_code == 1, res.output
    assert f"skipped {tmp_path / 'no-such-dir'}: no such file" in res.stderr
    assert "was not rebuilt" in res.stderr
    assert (root / "CURRENT").read_text(encoding="utf-8") == before
    assert f"articles:  {SAMPLE_COUNT}" in run("stats", "--index", root).stdout
    # Without --rebuild, a missing path is just a skip (status 3) and nothing changes.
    res = run("index", "--index", root, tmp_path / "no-such-dir")
    assert res.exit_code == 3, res.output
    assert f"0 added, 0 updated, 0 unchanged, 0 duplicate ids ignored; {SAMPLE_COUNT} articles" \
        in res.stdout


def test_rebuild_replaces_the_index(indexed, tmp_path: Path):
    root = tmp_path / "index"
    shutil.copytree(indexed[0], root, ignore=shutil.ignore_patterns(".lock"))
    res = run("index", "--rebuild", "--index", root, SEED)
    assert res.exit_code == 0, res.output
    assert "1 added" in res.stdout and "1 articles in the index" in res.stdout
    assert "articles:  1" in run("stats", "--index", root).stdout


def test_a_locked_index_fails_with_status_1(indexed, tmp_path: Path):
    root = tmp_path / "index"
    shutil.copytree(indexed[0], root, ignore=shutil.ignore_patterns(".lock"))
    with WriteLock(root):
        for args in (("index", SEED), ("delete", "seed_phong_tho.txt")):
            res = run(args[0], "--index", root, *args[1:])
            assert res.exit_code == 1, args
            assert "error: Another newssearch process (pid" in res.stderr
    assert f"articles:  {SAMPLE_COUNT}" in run("stats", "--index", root).stdout


@pytest.mark.heavy
def test_rebuild_fits_related_vectors_keeps_them_aligned_and_published(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """By default a rebuild fits the topic vectors into the new build before it is published
    (listed in its manifest, bound to its generation); an update and a delete realign them
    with their generation; ``--no-related-vectors`` or NEWSSEARCH_RELATED_VECTORS=0 builds
    without them."""
    from newssearch.index.manifest import read_manifest
    from newssearch.index.store import current_build
    from newssearch.index.vectors import TopicVectors
    from newssearch.search import SearchEngine

    root = tmp_path / "index"
    res = run("index", "--rebuild", "--index", root, "--procs", "1", SAMPLE_DIR)
    assert res.exit_code == 0, res.output

    def aligned() -> bool:
        build = current_build(root).path
        space = TopicVectors.load(build)
        snap = SearchEngine(root).snapshot()
        listed = {f.path for f in read_manifest(build).files}
        ok = (space is not None and space.meta["version"] == snap.version
              and space.meta["docs"] == int(snap.live.sum())
              and "vectors/meta.json" in listed)
        snap.close()
        return ok

    assert aligned()
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"id": "vec-new", "title": "Mưa lớn ở Lai Châu",
                               "body": ["Mưa lớn gây sạt lở ở huyện Phong Thổ."]},
                              ensure_ascii=False) + "\n", encoding="utf-8")
    assert run("index", "--index", root, new).exit_code == 0
    assert aligned()
    assert "(1 folded in since the fit" in run("stats", "--index", root).stdout
    assert run("delete", "--index", root, "vec-new").exit_code == 0
    assert aligned()
    assert run("verify", "--index", root).exit_code == 0
    plain = tmp_path / "plain"
    assert run("index", "--no-related-vectors", "--index", plain, "--procs", "1",
               SAMPLE_DIR).exit_code == 0
    assert TopicVectors.load(current_build(plain).path) is None
    assert "related:   key terms only" in run("stats", "--index", plain).stdout
    monkeypatch.setenv("NEWSSEARCH_RELATED_VECTORS", "0")
    assert run("optimize", "--index", root).exit_code == 0
    assert TopicVectors.load(current_build(root).path) is None


DYING_WORKER = """
import os, signal, sys
from newssearch.index import bulk
real = bulk.doc_fields
def doc_fields(article, *args, **kwargs):
    if article.id == sys.argv[1]:
        if sys.argv[2] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        raise RuntimeError("cannot index this one")
    return real(article, *args, **kwargs)
bulk.doc_fields = doc_fields
from newssearch.cli import main
main(sys.argv[3:])
"""


@pytest.mark.heavy
@pytest.mark.parametrize("how", ["kill", "raise"])
def test_a_dying_indexing_worker_exits_1_naming_its_article(indexed, tmp_path: Path, how):
    """A worker process killed (out of memory, say) or failing ends the command with exit 1
    and one line naming the article it was on; the live index is left as it was."""
    import subprocess
    import sys

    root, _ = indexed
    copy = tmp_path / "index"
    shutil.copytree(root, copy, symlinks=True)
    before = current_build(copy)
    lines = SAMPLE_DIR / "dantri.jsonl.gz"
    with gzip.open(lines, "rt", encoding="utf-8") as f:
        victim = json.loads(f.readline())["id"]
    proc = subprocess.run(
        [sys.executable, "-c", DYING_WORKER, victim, how, "index", "--index", str(copy),
         "--rebuild", "--procs", "2", "--quiet", "--no-related-vectors", str(lines)],
        check=False, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 1, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"article {victim!r}" in errors[0], proc.stderr
    assert ("killed by signal 9" if how == "kill" else "cannot index this one") in errors[0]
    assert "Traceback" not in proc.stderr
    assert current_build(copy) == before
