"""Shipping a build to a replica's index root: copy, verify every checksum, then switch.

Why this order: a replica must never serve a half-copied build. Files go to
``<replica>/staging/<name>/`` (outside ``builds/``, so nothing opens or prunes them), every
file is checked against the source's MANIFEST, and only then is the directory renamed into
``builds/`` and CURRENT switched with ``store.switch_to``. A copy interrupted at any point
leaves the replica on its old build.

What is shipped: the live build as of its last finished write. An incremental update
changes the live build in place (new Whoosh segments and a new MANIFEST), so the source is
frozen first: under the source's write lock, the files the MANIFEST lists are hard-linked
into ``<source>/snapshots/`` (files are never rewritten in place, so the links keep that
generation's bytes), and the lock is released before the slow copy. A replica's build is
named ``<source build>-g<generation>``, the same on every replica, so the index version (and
the ETags derived from it) agree across replicas that serve the same data.

Remote replicas (``HOST:PATH``): rsync (over ssh) into the same staging directory, then
``newssearch publish --build PATH/staging/NAME --to PATH`` on the replica verifies and switches.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from newssearch.errors import ManifestError, NoIndexError, PublishError
from newssearch.index.manifest import MANIFEST_FILE, Manifest, generation, read_manifest, verify
from newssearch.index.store import (
    BuildInfo,
    WriteLock,
    current_build,
    fsync_dir,
    prune_builds,
    switch_to,
)

STAGING = "staging"
SNAPSHOTS = "snapshots"


@dataclass(frozen=True)
class PublishResult:
    target: str
    build: str  # the build's name on the replica
    files: int
    bytes: int
    copy_seconds: float
    verify_seconds: float
    already_current: bool = False
    linked_bytes: int = 0  # unchanged files hard-linked from the replica's previous build


def published_name(m: Manifest) -> str:
    """The replica-side name: the source build and its generation (kept when re-published)."""
    suffix = f"-g{m.generation}"
    return m.build if m.build.endswith(suffix) else m.build + suffix


def _content(m: Manifest) -> list[tuple[str, int, str]]:
    """What a build holds, whenever and by whom its MANIFEST was written."""
    return [(f.path, f.size, f.sha256) for f in m.files]


def manifest_digest(build_path: Path) -> str:
    return hashlib.sha256((build_path / MANIFEST_FILE).read_bytes()).hexdigest()


@contextmanager
def frozen_build(root: Path, wait: bool = False) -> Iterator[Path]:
    """A hard-linked copy of the live build of ``root`` as its MANIFEST describes it.

    Taken under the write lock (milliseconds), so a concurrent update waits for nothing
    but the linking; removed on exit. ``wait``: wait for a running write instead of failing.
    """
    with WriteLock(root, wait=wait):
        build = current_build(root)
        if build is None:
            raise NoIndexError(f"No index at {root}: nothing to publish.")
        m = read_manifest(build.path)
        gen = generation(build.path)
        if m.generation != gen:
            raise ManifestError(
                f"The MANIFEST of {build.path} describes generation {m.generation}, but the "
                f"index is at generation {gen}: it was written by an older version. Run "
                f"newssearch verify --write-manifest --index {root}, then publish again."
            )
        _remove_abandoned(root / SNAPSHOTS)
        snap = root / SNAPSHOTS / f"{published_name(m)}.{os.getpid()}"
        for rel in [f.path for f in m.files] + [MANIFEST_FILE]:
            dst = snap / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(build.path / rel, dst)
            except OSError:  # a file system without hard links: copy, still under the lock
                shutil.copy2(build.path / rel, dst)
    try:
        yield snap
    finally:
        shutil.rmtree(snap, ignore_errors=True)


def _remove_abandoned(snapshots: Path) -> None:
    """Frozen copies left by killed publishes (their links would pin deleted files)."""
    for d in snapshots.glob("*.*"):
        pid = d.name.rsplit(".", 1)[1]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(d, ignore_errors=True)
        except (ValueError, PermissionError):
            continue


def _copy_files(src: Path, dst: Path, m: Manifest, previous: BuildInfo | None) -> int:
    """Copy the build's files into ``dst``; a file the replica's previous build holds with
    the same size and sha256 is hard-linked from it instead (replica builds are never
    written once current, and an incremental update leaves most files as they were).
    Returns the bytes linked."""
    same: dict[str, tuple[int, str]] = {}
    if previous is not None:
        try:
            same = {f.path: (f.size, f.sha256) for f in read_manifest(previous.path).files}
        except ManifestError:
            same = {}
    dst.mkdir(parents=True)
    linked = 0
    for f in [*m.files, None]:
        rel = f.path if f else MANIFEST_FILE
        target = dst / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if f and previous is not None and same.get(rel) == (f.size, f.sha256):
            try:
                os.link(previous.path / rel, target)
                linked += f.size
                continue
            except OSError:
                pass  # gone, or no hard links here: copy it
        shutil.copyfile(src / rel, target)
        with open(target, "rb+") as fh:  # on disk before CURRENT can point at it
            os.fsync(fh.fileno())
    return linked


def publish_local(src: Path, dest_root: Path, expect_digest: str | None = None,
                  wait: bool = False) -> PublishResult:
    """Copy the build directory ``src`` into the index root ``dest_root`` and make it current.

    ``src`` may already be ``dest_root/staging/<name>`` (the remote case: rsync put it there).
    ``expect_digest`` is the sha256 of the source's MANIFEST file, so a damaged manifest is
    caught as well as a damaged file.
    """
    digest = manifest_digest(src)
    if expect_digest and digest != expect_digest:
        raise PublishError(f"{src / MANIFEST_FILE} differs from the source's MANIFEST.")
    m = read_manifest(src)
    name = published_name(m)
    with WriteLock(dest_root, wait=wait):
        cur = current_build(dest_root)
        if cur is not None and cur.name == name:
            if _content(read_manifest(cur.path)) == _content(m):
                return PublishResult(str(dest_root), name, len(m.files), m.total_bytes, 0, 0,
                                     already_current=True)
            raise PublishError(f"{dest_root} serves a different build named {name}.")
        staging = dest_root / STAGING / name
        t0 = time.perf_counter()
        linked = 0
        if src.resolve() != staging.resolve():
            shutil.rmtree(staging, ignore_errors=True)  # a copy interrupted earlier
            linked = _copy_files(src, staging, m, cur)
        t1 = time.perf_counter()
        report = verify(staging, m)
        if not report.ok:
            shutil.rmtree(staging, ignore_errors=True)
            shown = "; ".join(f"{p.path}: {p.what}" for p in report.problems[:5])
            raise PublishError(
                f"The copy for {dest_root} does not match the MANIFEST ({len(report.problems)} "
                f"problems: {shown}); the replica still serves its previous build."
            )
        target = BuildInfo(dest_root, name)
        target.path.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(target.path, ignore_errors=True)  # a stale, not-current copy of it
        os.rename(staging, target.path)
        fsync_dir(target.path.parent)
        switch_to(target)
        prune_builds(dest_root)
    return PublishResult(str(dest_root), name, len(m.files), m.total_bytes, t1 - t0,
                         report.seconds, linked_bytes=linked)


def split_remote(dest: str) -> tuple[str, str] | None:
    """``HOST:PATH`` -> (HOST, PATH); None for a local path (``./a:b`` and ``/x:y`` stay local)."""
    head, sep, tail = dest.partition(":")
    if not sep or not head or "/" in head:
        return None
    return head, tail


def publish_remote(src: Path, host: str, path: str, rsh: str = "ssh",
                   remote_cmd: str = "newssearch") -> PublishResult:
    """rsync ``src`` into the replica's staging directory, then let the replica's own
    ``newssearch publish`` verify and switch. Needs rsync on both ends and ssh access."""
    if shutil.which("rsync") is None:
        raise PublishError("rsync is not installed (Debian: apt-get install rsync).")
    m = read_manifest(src)
    staging = f"{path.rstrip('/')}/{STAGING}/{published_name(m)}"
    t0 = time.perf_counter()
    root = path.rstrip("/")
    # Unchanged files are hard-linked from the replica's live build instead of sent again.
    live = _run([*shlex.split(rsh), host, f"cat {shlex.quote(root + '/CURRENT')} || true"])
    link = [f"--link-dest={root}/builds/{live.strip()}"] if live.strip() else []
    # --partial and a fixed staging name: a retried publish resumes where a broken one stopped.
    _run(["rsync", "-a", "--delete", "--partial", "--mkpath", *link, "-e", rsh,
          f"{src}/", f"{host}:{staging}/"])
    t1 = time.perf_counter()
    _run([*shlex.split(rsh), host, shlex.join([
        *shlex.split(remote_cmd), "publish", "--build", staging, "--to", path,
        "--expect-manifest", manifest_digest(src)])])
    return PublishResult(f"{host}:{path}", published_name(m), len(m.files), m.total_bytes,
                         t1 - t0, time.perf_counter() - t1)


def _run(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    if proc.returncode != 0:
        raise PublishError(f"{shlex.join(cmd[:2])} ... failed ({proc.returncode}): "
                           f"{(proc.stderr or proc.stdout).strip()[-500:]}")
    return proc.stdout


def publish(src: Path, dest: str, rsh: str = "ssh", remote_cmd: str = "newssearch",
            expect_digest: str | None = None, wait: bool = False) -> PublishResult:
    """Publish the build directory ``src`` to ``dest`` (a local index root or HOST:PATH)."""
    remote = split_remote(dest)
    if remote is None:
        return publish_local(src, Path(dest), expect_digest, wait)
    return publish_remote(src, *remote, rsh=rsh, remote_cmd=remote_cmd)
