"""MANIFEST, verify and publish on real indexes of sample/ (copies; the shared one stays
read-only), including an interrupted copy and the HOST:PATH form through real rsync."""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from syspkg import require

from newssearch.cli.app import main
from newssearch.index.manifest import MANIFEST_FILE, generation, read_manifest
from newssearch.index.store import WriteLock, current_build
from newssearch.index.writer import update
from newssearch.ops.publish import STAGING, frozen_build, published_name
from newssearch.search import SearchEngine

MARKER = "Quzzelbrock"  # a made-up word only the added article holds


def cli(*args: str):
    return CliRunner().invoke(main, list(args))


def live(root: Path) -> Path:
    build = current_build(root)
    assert build is not None
    return build.path


def add_article(root: Path, sample_articles) -> None:
    a = dataclasses.replace(sample_articles[0], id="publish-test-1",
                            title=f"Lễ hội {MARKER} ở Lai Châu")
    res = update(root, [a], procs=1)
    assert res.added == 1


def finds_marker(root: Path) -> bool:
    return SearchEngine(root).search(MARKER).total == 1


def test_rebuild_writes_a_manifest_of_every_file(sample_index):
    build = live(sample_index)
    m = read_manifest(build)
    on_disk = {p.relative_to(build).as_posix() for p in build.rglob("*") if p.is_file()}
    assert {f.path for f in m.files} == on_disk - {MANIFEST_FILE, "MAIN_WRITELOCK"}
    for f in m.files:
        data = (build / f.path).read_bytes()
        assert (f.size, f.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert m.build == build.name and m.generation == generation(build)


def test_update_rewrites_the_manifest_and_hashes_only_new_files(sample_index_copy,
                                                                 sample_articles):
    before = {f.path: f for f in read_manifest(live(sample_index_copy)).files}
    add_article(sample_index_copy, sample_articles)
    after = read_manifest(live(sample_index_copy))
    assert after.generation == 2 == generation(live(sample_index_copy))
    # The autocomplete phrase table is rewritten whole by every update (index/phrases.py):
    # new content under its old names, hashed anew; everything else of generation 1 is kept.
    rewritten = {f.path for f in after.files if f.path.startswith("phrases/")}
    assert rewritten
    kept = [f for f in after.files if f.path in before and f.path != "newssearch.json"
            and f.path not in rewritten]
    assert kept and all(before[f.path] == f for f in kept)  # segments of generation 1
    assert len(after.files) > len(kept) + 1  # the new segment, its postings, the new TOC
    assert cli("verify", "--index", str(sample_index_copy)).exit_code == 0


def test_verify_names_every_damaged_missing_and_unlisted_file(sample_index_copy):
    build = live(sample_index_copy)
    ok = cli("verify", "--index", str(sample_index_copy))
    assert ok.exit_code == 0 and ": OK" in ok.output
    m = read_manifest(build)
    seg = max(m.files, key=lambda f: f.size).path
    with open(build / seg, "r+b") as f:  # same size, one byte different
        f.seek(f.seek(0, os.SEEK_END) // 2)
        b = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([b[0] ^ 0xFF]))
    gone = next(f.path for f in m.files if f.path.startswith("postings/") and f.path != seg)
    (build / gone).unlink()
    (build / "stray.bin").write_bytes(b"x")
    bad = cli("verify", "--index", str(sample_index_copy))
    assert bad.exit_code == 1
    assert f"checksum: {seg}" in bad.output
    assert f"missing: {gone}" in bad.output
    assert "unlisted: stray.bin" in bad.output
    assert "FAILED, 3 problems" in bad.output


def test_publish_to_two_replicas_serves_the_same_index(sample_index_copy, tmp_path):
    src = sample_index_copy
    r1, r2 = tmp_path / "r1", tmp_path / "r2"
    res = cli("publish", "--index", str(src), "--to", str(r1), "--to", str(r2))
    assert res.exit_code == 0, res.output
    name = published_name(read_manifest(live(src)))
    assert name == live(src).name + "-g1"
    for r in (r1, r2):
        assert (r / "CURRENT").read_text().strip() == name
        assert cli("verify", "--index", str(r)).exit_code == 0
        assert not any((r / STAGING).iterdir())
    assert not any((src / "snapshots").iterdir())  # the frozen copy is gone
    engines = [SearchEngine(p) for p in (src, r1, r2)]
    tops = [[h.article.id for h in e.search("phong tho").hits] for e in engines]
    assert tops[0] and tops[0] == tops[1] == tops[2]
    assert engines[1].index_version == engines[2].index_version == name + ".1"
    again = cli("publish", "--index", str(src), "--to", str(r1))
    assert again.exit_code == 0 and "already serves" in again.output
    # A MANIFEST written again over the same files describes the same build.
    assert cli("verify", "--write-manifest", "--index", str(src)).exit_code == 0
    again = cli("publish", "--index", str(src), "--to", str(r1))
    assert again.exit_code == 0 and "already serves" in again.output


def test_an_interrupted_or_damaged_copy_never_becomes_current(sample_index_copy,
                                                               sample_articles, tmp_path):
    src, replica = sample_index_copy, tmp_path / "replica"
    assert cli("publish", "--index", str(src), "--to", str(replica)).exit_code == 0
    old = (replica / "CURRENT").read_text()
    add_article(src, sample_articles)
    with frozen_build(src) as frozen:
        m = read_manifest(frozen)
        # What a copy killed half-way leaves: every file there, the biggest cut short.
        staging = replica / STAGING / published_name(m)
        shutil.copytree(frozen, staging)
        big = max(m.files, key=lambda f: f.size).path
        with open(staging / big, "r+b") as f:
            f.truncate(f.seek(0, os.SEEK_END) // 2)
        cut = cli("publish", "--build", str(staging), "--to", str(replica))
        assert cut.exit_code == 1 and "does not match the MANIFEST" in cut.output
        assert (replica / "CURRENT").read_text() == old and not staging.exists()
        # A MANIFEST that is not the source's is refused before anything is copied.
        forged = cli("publish", "--build", str(frozen), "--to", str(replica),
                     "--expect-manifest", "0" * 64)
        assert forged.exit_code == 1 and (replica / "CURRENT").read_text() == old
    assert not finds_marker(replica)
    res = cli("publish", "--index", str(src), "--to", str(replica))
    assert res.exit_code == 0, res.output
    assert "linked from the previous build" in res.output  # only the update's files copied
    assert SearchEngine(replica).index_version.endswith("-g2.2")
    assert finds_marker(replica)
    assert len(list((replica / "builds").iterdir())) == 2  # the live one and the previous


def test_a_build_without_manifest_is_not_published(sample_index_copy, tmp_path):
    (live(sample_index_copy) / MANIFEST_FILE).unlink()
    res = cli("publish", "--index", str(sample_index_copy), "--to", str(tmp_path / "r"))
    assert res.exit_code == 1 and "no MANIFEST" in res.output
    assert not (tmp_path / "r" / "CURRENT").exists()
    assert cli("verify", "--write-manifest", "--index", str(sample_index_copy)).exit_code == 0
    res = cli("publish", "--index", str(sample_index_copy), "--to", str(tmp_path / "r"))
    assert res.exit_code == 0, res.output


def test_publish_to_host_path_through_rsync(sample_index_copy, sample_articles, tmp_path):
    """The HOST:PATH form with real rsync; the remote shell is a stand-in for ssh that runs
    the command here, as sshd would on the replica."""
    require("rsync")
    shim = tmp_path / "fake-ssh"
    shim.write_text('#!/bin/sh\nshift\nexec sh -c "$*"\n')
    shim.chmod(0o755)
    replica = tmp_path / "remote-root"
    args = ("publish", "--index", str(sample_index_copy), "--to", f"replica-host:{replica}",
            "--rsh", str(shim), "--remote-cmd", f"{sys.executable} -m newssearch.cli")
    res = cli(*args)
    assert res.exit_code == 0, res.output
    assert f"to replica-host:{replica}" in res.output
    assert (replica / "CURRENT").read_text().strip() == live(sample_index_copy).name + "-g1"
    assert cli("verify", "--index", str(replica)).exit_code == 0
    # After an update, the files it did not touch are linked on the replica, not sent again.
    add_article(sample_index_copy, sample_articles)
    assert cli(*args).exit_code == 0
    new = live(replica)
    assert new.name.endswith("-g2") and cli("verify", "--index", str(replica)).exit_code == 0
    seg = max((f for f in read_manifest(new).files if f.path.endswith(".seg")),
              key=lambda f: f.size).path  # the first generation's segment
    assert (new / seg).stat().st_nlink == 2  # shared with the previous build


@pytest.mark.parametrize("dest,remote", [("host:/srv/idx", ("host", "/srv/idx")),
                                         ("/srv/a:b", None), ("./x:y", None), ("idx", None)])
def test_split_remote(dest, remote):
    from newssearch.ops.publish import split_remote

    assert split_remote(dest) == remote


def test_a_frozen_copy_left_by_a_killed_publish_is_removed(sample_index_copy, tmp_path):
    gone = subprocess.Popen(["true"])
    gone.wait()
    left = sample_index_copy / "snapshots" / f"old-g1.{gone.pid}"
    (left / "postings").mkdir(parents=True)
    res = cli("publish", "--index", str(sample_index_copy), "--to", str(tmp_path / "r"))
    assert res.exit_code == 0, res.output
    assert not left.exists()


def test_publish_waits_for_a_running_write_only_when_asked(sample_index_copy, tmp_path):
    src, dest = sample_index_copy, tmp_path / "r"
    writer = WriteLock(src).__enter__()  # as a running `newssearch index` holds it
    try:
        res = cli("publish", "--index", str(src), "--to", str(dest))
        assert res.exit_code == 1 and "is writing to the index" in res.output
        threading.Timer(1.0, writer.__exit__, (None, None, None)).start()
        res = cli("publish", "--wait", "--index", str(src), "--to", str(dest))
        assert res.exit_code == 0, res.output
    finally:
        writer.__exit__(None, None, None)
    assert (dest / "CURRENT").is_file()
