"""Where indexes live on disk, and how a new build replaces the old one.

Layout of an index root (default ``index/``)::

    CURRENT              name of the live build (replaced atomically by rename)
    builds/<name>/       one Whoosh index per build, plus newssearch.json (format versions)
    .lock                flock held by the one process writing

A full rebuild writes a new build and then switches CURRENT, so readers keep the old build
until they reopen and a rebuild killed at any point leaves the old one serving.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from newssearch.errors import (
    IndexLockedError,
    IndexUnreadableError,
    IndexWriteError,
    NoIndexError,
    RebuildNeededError,
)
from newssearch.index.schema import FORMAT_VERSION, READ_FORMATS
from newssearch.index.whoosh_compat import open_index
from newssearch.text.analysis import ANALYZER_VERSION

META_FILE = "newssearch.json"
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
KEEP_BUILDS = 2  # the live build and the one before it (open searchers may still read it)


def _reason(e: BaseException) -> str:
    if isinstance(e, OSError) and e.strerror:
        return f"{e.strerror}: {e.filename}" if e.filename else e.strerror
    return f"{type(e).__name__}: {e}"[:300]


@contextmanager
def writing(path: Path, after: str, remove: bool = False) -> Iterator[None]:
    """Turn a failed write under ``path`` into an IndexWriteError saying what state the index
    is in (``after``); ``remove``: delete ``path``, a half-written build, to free the space."""
    try:
        yield
    except OSError as e:
        if remove:
            shutil.rmtree(path, ignore_errors=True)
        raise IndexWriteError(f"Writing to {path} failed ({_reason(e)}). {after}") from e


@dataclass(frozen=True)
class BuildInfo:
    root: Path
    name: str

    @property
    def path(self) -> Path:
        return self.root / "builds" / self.name


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_build(root: Path) -> BuildInfo | None:
    try:
        name = (root / "CURRENT").read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise IndexUnreadableError(f"Cannot read the index at {root} ({_reason(e)}).") from e
    if not name or not (root / "builds" / name).is_dir():
        return None
    return BuildInfo(root, name)


def new_build(root: Path) -> BuildInfo:
    # Microseconds: two rebuilds by one process within a second need different names.
    now = time.time()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    name = f"{stamp}-{int(now % 1 * 1_000_000):06d}-{os.getpid()}"
    info = BuildInfo(root, name)
    info.path.mkdir(parents=True, exist_ok=False)
    return info


def write_meta(build: BuildInfo, **extra) -> None:
    # An update keeps the format its build was written in (see READ_FORMATS).
    meta = {"format": FORMAT_VERSION, "analyzer": ANALYZER_VERSION, **read_meta(build), **extra}
    tmp = build.path / (META_FILE + ".tmp")
    tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, build.path / META_FILE)


def read_meta(build: BuildInfo) -> dict:
    try:
        return json.loads((build.path / META_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}


def switch_to(build: BuildInfo) -> None:
    """Point CURRENT at ``build`` atomically (write temp, fsync, rename, fsync dir)."""
    root = build.root
    tmp = root / f".CURRENT.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(build.name + "\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, root / "CURRENT")
    fsync_dir(root)


def prune_builds(root: Path, keep: int = KEEP_BUILDS) -> list[str]:
    """Remove abandoned and old builds; the live one and the newest others up to ``keep`` stay."""
    cur = current_build(root)
    builds = root / "builds"
    if not builds.is_dir():
        return []
    names = sorted((p.name for p in builds.iterdir() if p.is_dir()), reverse=True)
    live = cur.name if cur else None
    kept = [live] if live else []
    removed = []
    for n in names:
        if n == live:
            continue
        complete = (builds / n / META_FILE).exists() and n < (live or "~")
        if complete and len(kept) < keep:
            kept.append(n)
            continue
        shutil.rmtree(builds / n, ignore_errors=True)
        removed.append(n)
    for tmp in root.glob(".CURRENT.*"):
        tmp.unlink(missing_ok=True)
    return removed


def open_build(root: Path, build: BuildInfo | None = None):
    """Open the live Whoosh index (or ``build`` of ``root``, e.g. one not yet switched to),
    checking that this code can read it."""
    build = build or current_build(root)
    if build is None:
        raise NoIndexError(
            f"No index at {root}. Build one with: newssearch index --index {root} PATH..."
        )
    try:
        meta = read_meta(build)
    except OSError as e:
        raise IndexUnreadableError(f"Cannot read the index at {build.path} ({_reason(e)}).") from e
    if meta.get("format") not in READ_FORMATS or meta.get("analyzer") != ANALYZER_VERSION:
        raise RebuildNeededError(
            f"The index at {root} was built by an incompatible version of newssearch "
            f"(index format {meta.get('format')}, analyzer {meta.get('analyzer')}; this version "
            f"reads format {FORMAT_VERSION}, analyzer {ANALYZER_VERSION}). A rebuild is needed: "
            f"newssearch index --rebuild --index {root} PATH..."
        )
    try:
        ix = open_index(build.path)
        ix.reader().close()  # segment files are opened here: damage shows now, with the path
    except Exception as e:  # any failure to read is this one problem
        raise IndexUnreadableError(
            f"The index build at {build.path} cannot be read ({_reason(e)}). Rebuild it: "
            f"newssearch index --rebuild --index {root} PATH..."
        ) from e
    return build, ix


# fd -> pid of the write locks this process holds; see _after_fork_in_child.
_held_locks: dict[int, int] = {}


def _die_with_parent(parent: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux prctl)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: workers then end when their queue closes
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _after_fork_in_child() -> None:
    """A process forked by a writer (Whoosh's writer tasks, the postings pool) never outlives
    it: killed with its parent, and never holding the lock it inherited."""
    if not _held_locks:
        return
    parent = next(iter(_held_locks.values()))
    for fd in _held_locks:
        os.close(fd)
    _held_locks.clear()
    _die_with_parent(parent)


os.register_at_fork(after_in_child=_after_fork_in_child)


class WriteLock:
    """One writer per index root; a second one waits (``wait=True``) or gets a clear message
    naming the holder, never a corrupt index.

    flock is released by the kernel when the holder dies, and the processes a writer forks die
    with it and close their inherited copy, so a killed build never leaves a lock behind.
    """

    def __init__(self, root: Path, wait: bool = False,
                 on_wait: Callable[[str], None] | None = None):
        self.root = root
        self.path = root / ".lock"
        self.fd: int | None = None
        self.wait = wait
        self.on_wait = on_wait

    def __enter__(self) -> Self:
        self.root.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "?"
            if not self.wait:
                os.close(fd)
                raise IndexLockedError(
                    f"Another newssearch process (pid {holder}) is writing to the index at "
                    f"{self.root}. Wait for it to finish (or pass --wait), then try again."
                ) from None
            if self.on_wait:
                self.on_wait(f"waiting for pid {holder}, which is writing to {self.root}")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd
        _held_locks[fd] = os.getpid()
        return self

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            _held_locks.pop(self.fd, None)
            os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
