"""MANIFEST: every file of a build with its size and sha256, written last by every write.

Why: replicas receive a build as a copy of its files, and a copy is trusted (made current)
only when every file matches what the writer recorded. Each writer (rebuild, update, delete)
rewrites the MANIFEST as its last step under the index lock, so a build whose MANIFEST is
missing or older than its Whoosh generation is one a writer has not finished, and
``publish`` refuses it. Files never change in place (Whoosh writes new segment and TOC files,
newssearch.json is replaced by rename), so an entry whose size and mtime are unchanged keeps
its checksum and an update hashes only the files it wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from whoosh import index as windex

from newssearch.errors import ManifestError

MANIFEST_FILE = "MANIFEST"
MANIFEST_VERSION = 1
# Not part of a build's content: Whoosh's lock file and temporary files of a running write.
IGNORED = frozenset({MANIFEST_FILE, "MAIN_WRITELOCK"})
CHUNK = 1 << 20


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the build directory, with "/" separators
    size: int
    sha256: str
    mtime_ns: int  # lets the next write skip rehashing an unchanged file; never verified


@dataclass(frozen=True)
class Manifest:
    build: str
    generation: int  # the Whoosh generation the files belong to
    created: float
    files: tuple[FileEntry, ...]

    @property
    def total_bytes(self) -> int:
        return sum(f.size for f in self.files)

    def to_json(self) -> str:
        d = {"manifest": MANIFEST_VERSION, "build": self.build, "generation": self.generation,
             "created": self.created, "files": [asdict(f) for f in self.files]}
        return json.dumps(d, indent=0, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        d = json.loads(text)
        if d.get("manifest") != MANIFEST_VERSION:
            raise ValueError(f"manifest version {d.get('manifest')!r}")
        return cls(d["build"], int(d["generation"]), float(d["created"]),
                   tuple(FileEntry(**f) for f in d["files"]))


@dataclass(frozen=True)
class Problem:
    path: str
    what: str  # "missing", "size", "checksum", "unlisted"
    detail: str = ""


@dataclass(frozen=True)
class VerifyReport:
    manifest: Manifest
    problems: tuple[Problem, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems


def _ignored(name: str) -> bool:
    return name in IGNORED or name.endswith(".tmp")


def build_files(build_path: Path) -> list[str]:
    """Relative paths of the files that make up the build at ``build_path``, sorted."""
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(build_path):
        dirnames[:] = sorted(d for d in dirnames if not _ignored(d))
        rel = Path(dirpath).relative_to(build_path)
        out.extend((rel / f).as_posix() for f in filenames if not _ignored(f))
    return sorted(out)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def generation(build_path: Path) -> int:
    return windex.open_dir(str(build_path), readonly=True).latest_generation()


def read_manifest(build_path: Path) -> Manifest:
    try:
        text = (build_path / MANIFEST_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(
            f"The build at {build_path} has no {MANIFEST_FILE}: it was not finished, or was "
            f"written before manifests existed. Write one with: newssearch verify "
            f"--write-manifest --index ROOT (or rebuild)."
        ) from None
    try:
        return Manifest.from_json(text)
    except (ValueError, KeyError, TypeError) as e:
        raise ManifestError(f"{build_path / MANIFEST_FILE} is unreadable ({e}).") from None


def write_manifest(build_path: Path) -> Manifest:
    """Record every file of the build; call last, while holding the index's write lock."""
    try:
        old = {f.path: f for f in read_manifest(build_path).files}
    except ManifestError:
        old = {}
    entries = []
    for rel in build_files(build_path):
        st = (build_path / rel).stat()
        prev = old.get(rel)
        if prev is not None and prev.size == st.st_size and prev.mtime_ns == st.st_mtime_ns:
            entries.append(prev)
        else:
            entries.append(FileEntry(rel, st.st_size, sha256_file(build_path / rel),
                                     st.st_mtime_ns))
    m = Manifest(build_path.name, generation(build_path), time.time(), tuple(entries))
    tmp = build_path / (MANIFEST_FILE + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(m.to_json())
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, build_path / MANIFEST_FILE)
    return m


def verify(build_path: Path, manifest: Manifest | None = None) -> VerifyReport:
    """Check every file of ``build_path`` against ``manifest`` (default: its own MANIFEST):
    present, same size, same sha256, and no file the manifest does not list."""
    t0 = time.perf_counter()
    m = manifest or read_manifest(build_path)
    problems = []
    listed = set()
    for e in m.files:
        listed.add(e.path)
        p = build_path / e.path
        try:
            size = p.stat().st_size
        except FileNotFoundError:
            problems.append(Problem(e.path, "missing"))
            continue
        if size != e.size:
            problems.append(Problem(e.path, "size", f"{size} bytes, expected {e.size}"))
        elif sha256_file(p) != e.sha256:
            problems.append(Problem(e.path, "checksum", "sha256 differs"))
    problems.extend(Problem(rel, "unlisted") for rel in build_files(build_path)
                    if rel not in listed)
    return VerifyReport(m, tuple(problems), time.perf_counter() - t0)
