"""Postings of the scored fields as flat numpy arrays, one set of files per Whoosh segment.

Why: Whoosh keeps postings as zlib-compressed pickles (positions included), so the first
read of a common term costs about half a millisecond per segment, and a query touches
dozens of terms. Search only needs docnums and term frequencies; written once per segment
after each commit, they load as memory maps and a term's list is a slice.

Layout: ``<build>/postings/<segment id>/`` holds ``keys.npy`` (sorted 64-bit hashes of
field and term), ``starts.npy`` (where each term's postings begin), ``docs.npy``
(segment-local docnums) and ``tfs.npy`` (term frequencies), plus ``meta.json``. After a
rebuild the segments' sets are merged into ``<build>/postings/_merged/`` (docnums global, one
slice per term); it stays in use while the index's first segments are the ones it lists, and
later segments get their own sets, merged after each update into one tail set
(``_tail``, docnums from its first segment) so that a term stays two lookups. A segment
without any (an index written by an older version, or a moment after an update commit) is
read from Whoosh instead, so the files are
an accelerator, never the truth. Segments are immutable in Whoosh (deletions are kept
apart), which is what makes this cache safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .schema import PART_FIELDS, SHINGLE_PARTS
from .whoosh_compat import open_index, read_postings

SIDECAR_VERSION = 1
DIRNAME = "postings"
MERGED = "_merged"  # one set for the segments of a fresh rebuild (see write_merged)
TAIL = "_tail"  # one set for the segments updates added after it (see write_tail)
# Everything search scores on: exact and folded text, author, title and lead shingles.
SCORED_FIELDS = (
    *(f for pair in PART_FIELDS.values() for f in pair),
    "author",
    "author_f",
    *(p + "_sh" for p in SHINGLE_PARTS),
)
MAX_TF = np.iinfo(np.uint16).max
MERGE_CHUNK = 4_000_000  # postings merged at a time by write_merged


def term_key(fieldname: str, term: bytes) -> int:
    """A 64-bit key for (field, term). Two of a million terms share one with probability
    about 3e-8; the cost of that would be one term scored with another's postings."""
    h = hashlib.blake2b(fieldname.encode("utf-8") + b"\x00" + term, digest_size=8)
    return int.from_bytes(h.digest(), "little")


@dataclass
class SegmentPostings:
    """The flat postings of one segment (memory-mapped)."""

    keys: np.ndarray
    starts: np.ndarray
    docs: np.ndarray
    tfs: np.ndarray

    @classmethod
    def load(cls, path: Path, doc_count: int) -> SegmentPostings | None:
        """The files at ``path`` if they are complete and belong to a segment of
        ``doc_count`` documents; None otherwise (the caller reads Whoosh instead)."""
        try:
            meta = json.loads((path / "meta.json").read_text())
            if meta.get("version") != SIDECAR_VERSION or meta.get("doc_count") != doc_count:
                return None
            # Plain ndarray views of the maps: slicing a np.memmap costs a Python-level hook.
            arrays = [np.asarray(np.load(path / f"{n}.npy", mmap_mode="r"))
                      for n in ("keys", "starts", "docs", "tfs")]
        except (OSError, ValueError):
            return None
        return cls(*arrays)


class FlatPostings:
    """Term lookup across the segments of one index generation.

    The flat files in use (the merged set written after a rebuild, covering the first
    segments; the tail set covering the segments updates added; one set per later segment)
    have their sorted keys merged once at open, so a term costs one binary search; after a
    rebuild it is one slice, after updates two. Segments without flat files are read from
    Whoosh.
    """

    def __init__(self, leaves: list[tuple[object, int]], build_path: Path):
        self.leaves = leaves
        ids = _segment_ids(leaves)
        base = build_path / DIRNAME
        # (first leaf, docnum offset, arrays): merged docnums are already global.
        self.parts: list[tuple[int, int, SegmentPostings]] = []
        covered = 0
        merged = _load_cover(base / MERGED, ids)
        if merged is not None:
            covered = len(merged[1])
            self.parts.append((0, 0, merged[0]))
        tail = _load_cover(base / TAIL, ids[covered:]) if covered < len(ids) else None
        if tail is not None:  # docnums from the tail's first segment on
            self.parts.append((covered, leaves[covered][1], tail[0]))
            covered += len(tail[1])
        self.missing = []
        for li in range(covered, len(leaves)):
            sp = SegmentPostings.load(base / ids[li][0], ids[li][1])
            if sp is None:
                self.missing.append(li)
            else:
                self.parts.append((li, leaves[li][1], sp))
        keys = [sp.keys for _, _, sp in self.parts]
        if len(keys) == 1:  # a fresh rebuild: the map itself, no copy in each process
            self.keys = keys[0]
            self.part_of = self.row = None
            return
        allkeys = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
        order = np.argsort(allkeys, kind="stable")  # merges the sorted runs, parts in order
        self.keys = allkeys[order]
        self.part_of = np.repeat(np.arange(len(keys), dtype=np.int16),
                                 [len(k) for k in keys])[order]
        self.row = np.concatenate([np.arange(len(k), dtype=np.int64) for k in keys]
                                  or [np.zeros(0, dtype=np.int64)])[order]

    def get(self, fieldname: str, term: bytes) -> list[tuple[np.ndarray, np.ndarray]]:
        """(docnums, tfs) pieces of the term's postings, in docnum order."""
        out = []
        if fieldname in SCORED_FIELDS:
            key = np.uint64(term_key(fieldname, term))
            i = int(np.searchsorted(self.keys, key))
            while i < len(self.keys) and self.keys[i] == key:
                if self.row is None:
                    (first, off, sp), r = self.parts[0], i
                else:
                    first, off, sp = self.parts[self.part_of[i]]
                    r = int(self.row[i])
                a, b = int(sp.starts[r]), int(sp.starts[r + 1])
                docs = sp.docs[a:b] if off == 0 else sp.docs[a:b] + np.int32(off)
                out.append((first, docs, sp.tfs[a:b]))
                i += 1
            leaves = self.missing
        else:
            leaves = range(len(self.leaves))
        for li in leaves:
            got = read_postings(self.leaves[li][0], fieldname, term)
            if got is not None:
                out.append((li, got[0] + np.int32(self.leaves[li][1]), got[1]))
        if len(out) > 1:
            out.sort(key=lambda x: x[0])
        return [(docs, tfs) for _, docs, tfs in out]


def _segment_ids(leaves) -> list[tuple[str, int]]:
    """(segment id, documents including deleted) of each leaf reader, in docnum order: what
    a set of flat files is checked against."""
    return [(seg.segment().segment_id(), seg.doc_count_all()) for seg, _ in leaves]


def _load_cover(path: Path, ids: list[tuple[str, int]]
                ) -> tuple[SegmentPostings, list[tuple[str, int]]] | None:
    """The merged set at ``path`` (``_merged`` or ``_tail``), if the segments it covers are
    the first of ``ids``, unchanged."""
    try:
        meta = json.loads((path / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    covers = [tuple(x) for x in meta.get("segments", [])]
    if not covers or covers != ids[: len(covers)] or meta.get("version") != SIDECAR_VERSION:
        return None
    sp = SegmentPostings.load(path, meta.get("doc_count"))
    return (sp, covers) if sp is not None else None


def write_merged(build_path: Path) -> None:
    """After a rebuild: all segments' flat postings as one set with global docnums, so a
    term is one slice instead of one per segment. The per-segment sets it replaces are
    removed; segments added later get their own again (``sync``).

    Streamed: the key space (uniform hashes) is cut into ranges of about MERGE_CHUNK
    postings, each range read from every segment's files, merged and appended to the
    output, so memory stays bounded whatever the corpus size.
    """
    base = build_path / DIRNAME
    ix = open_index(build_path)
    with ix.reader() as r:
        ids = _segment_ids(r.leaf_readers())
    segs = [SegmentPostings.load(base / segid, n) for segid, n in ids]
    if len(ids) < 2 or any(sp is None for sp in segs):
        return
    _merge_into(base, ids, segs, base / MERGED)
    for segid, _ in ids:
        shutil.rmtree(base / segid, ignore_errors=True)
    shutil.rmtree(base / TAIL, ignore_errors=True)


def write_tail(build_path: Path) -> bool:
    """After an update: the flat sets of the segments after the merged set, merged into one
    (``_tail``, docnums from its first segment), so a term is two lookups however many
    updates ran. The per-segment sets stay: the tail is rebuilt from them after the next
    update or segment merge. Returns whether a tail now covers them."""
    base = build_path / DIRNAME
    ix = open_index(build_path)
    with ix.reader() as r:
        ids = _segment_ids(r.leaf_readers())
    merged = _load_cover(base / MERGED, ids)
    rest = ids[len(merged[1]) if merged else 0:]
    have = _load_cover(base / TAIL, rest)
    if have is not None and len(have[1]) == len(rest):
        return True  # no segment added or merged since the last one
    segs = [SegmentPostings.load(base / segid, n) for segid, n in rest]
    if len(rest) < 2 or any(sp is None for sp in segs):
        shutil.rmtree(base / TAIL, ignore_errors=True)
        return False
    _merge_into(base, rest, segs, base / TAIL)
    return True


def _merge_into(base: Path, ids: list[tuple[str, int]], segs: list[SegmentPostings],
                out: Path) -> None:
    """The per-segment sets ``segs`` of ``ids`` (consecutive segments) as one set at ``out``,
    docnums counted from the first of them."""
    files = [(_NpyFile(base / segid / "docs.npy"), _NpyFile(base / segid / "tfs.npy"))
             for segid, _ in ids]
    offsets = np.cumsum([0] + [n for _, n in ids])[:-1]
    total = sum(len(sp.docs) for sp in segs)
    nparts = max(1, -(-total // MERGE_CHUNK))
    cuts = [np.uint64(i * (2**64 // nparts)) for i in range(1, nparts)]
    rows = [[0, *(int(np.searchsorted(sp.keys, c)) for c in cuts), len(sp.keys)]
            for sp in segs]
    tmp = base / f".{out.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    nterms = 0
    for k in range(nparts):  # first pass: distinct keys, for the output headers
        keys = np.concatenate([sp.keys[rw[k]:rw[k + 1]] for sp, rw in zip(segs, rows)])
        nterms += len(np.unique(keys))
    tfs_dtype = segs[0].tfs.dtype
    with _NpyWriter(tmp / "keys.npy", np.uint64, nterms) as out_keys, \
            _NpyWriter(tmp / "starts.npy", np.int64, nterms + 1) as out_starts, \
            _NpyWriter(tmp / "docs.npy", np.int32, total) as out_docs, \
            _NpyWriter(tmp / "tfs.npy", tfs_dtype, total) as out_tfs:
        out_starts.write(np.zeros(1, dtype=np.int64))
        done = 0
        for k in range(nparts):
            keys, sizes, docs, tfs = [], [], [], []
            for sp, rw, (fd, ft), off in zip(segs, rows, files, offsets):
                a, b = rw[k], rw[k + 1]
                if a == b:
                    continue
                p0, p1 = int(sp.starts[a]), int(sp.starts[b])
                keys.append(np.asarray(sp.keys[a:b]))
                sizes.append(np.diff(np.asarray(sp.starts[a:b + 1])))
                docs.append(fd.read(p0, p1) + np.int32(off))
                tfs.append(ft.read(p0, p1))
            if not keys:
                continue
            # Stable: a term's runs stay in segment order, so its docnums stay ascending.
            key = np.concatenate(keys)
            order = np.argsort(key, kind="stable")
            size = np.concatenate(sizes)
            gather = _gather(size, order)
            skey = key[order]
            first = np.concatenate([[True], skey[1:] != skey[:-1]])
            ends = np.cumsum(size[order])[np.append(np.flatnonzero(first)[1:] - 1,
                                                     len(skey) - 1)]
            out_keys.write(skey[first])
            out_starts.write(ends + done)
            out_docs.write(np.concatenate(docs)[gather])
            out_tfs.write(np.concatenate(tfs)[gather])
            done += int(size.sum())
    (tmp / "meta.json").write_text(json.dumps(
        {"version": SIDECAR_VERSION, "doc_count": int(sum(n for _, n in ids)), "segments": ids,
         "terms": nterms, "postings": total}))
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)


def _gather(sizes: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Indexes that lay runs of ``sizes`` (stored end to end) out in ``order``."""
    src = np.zeros(len(sizes), dtype=np.int64)
    np.cumsum(sizes[:-1], out=src[1:])
    s = sizes[order]
    dst = np.zeros(len(s), dtype=np.int64)
    np.cumsum(s[:-1], out=dst[1:])
    return np.arange(int(s.sum()), dtype=np.int64) + np.repeat(src[order] - dst, s)


class _NpyFile:
    """Reads slices of a 1-d .npy file with plain reads (a map would keep what it touched
    resident, and a merge touches everything)."""

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as f:
            fmt = np.lib.format
            read = (fmt.read_array_header_1_0 if fmt.read_magic(f) == (1, 0)
                    else fmt.read_array_header_2_0)
            _, _, self.dtype = read(f)
            self.offset = f.tell()

    def read(self, a: int, b: int) -> np.ndarray:
        with open(self.path, "rb") as f:
            f.seek(self.offset + a * self.dtype.itemsize)
            return np.fromfile(f, dtype=self.dtype, count=b - a)


class _NpyWriter:
    """Appends to a 1-d .npy file whose length is known in advance."""

    def __init__(self, path: Path, dtype, length: int):
        self.path = path
        self.dtype = np.dtype(dtype)
        self.length = length

    def write(self, arr: np.ndarray) -> None:
        self.f.write(np.ascontiguousarray(arr, dtype=self.dtype).tobytes())

    def __enter__(self):
        self.f = self.path.open("wb")
        np.lib.format.write_array_header_1_0(self.f, {
            "descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
            "shape": (self.length,)})
        return self

    def __exit__(self, *exc) -> None:
        self.f.close()


def write_set(out: Path, keys: np.ndarray, sizes: np.ndarray, docs: np.ndarray,
              tfs: np.ndarray, doc_count: int) -> int:
    """Write one set of flat postings: terms ``keys`` (any order) with ``sizes`` postings
    each, laid end to end in ``docs``/``tfs`` in that order; returns the postings count.
    Written under a temporary name and renamed, so readers never see half of it."""
    order = np.argsort(keys, kind="stable")
    gather = _gather(sizes.astype(np.int64), order)
    starts = np.zeros(len(keys) + 1, dtype=np.int64)
    np.cumsum(sizes[order], out=starts[1:])
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    np.save(tmp / "keys.npy", keys[order].astype(np.uint64))
    np.save(tmp / "starts.npy", starts)
    np.save(tmp / "docs.npy", docs[gather].astype(np.int32))
    np.save(tmp / "tfs.npy", np.minimum(np.rint(tfs[gather]), MAX_TF).astype(np.uint16))
    (tmp / "meta.json").write_text(json.dumps(
        {"version": SIDECAR_VERSION, "doc_count": doc_count, "terms": len(keys),
         "postings": int(starts[-1])}))
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    return int(starts[-1])


def write_segment(seg, out: Path) -> int:
    """Write the flat postings of one segment reader (read back from Whoosh) under ``out``;
    returns the postings count. New segments get theirs from ``postpool`` as they are
    written; this serves indexes and segments written without."""
    keys: list[int] = []
    lists: list[tuple[np.ndarray, np.ndarray]] = []
    for f in SCORED_FIELDS:
        if f not in seg.schema:
            continue
        for term in seg.lexicon(f):
            got = read_postings(seg, f, term)
            if got is not None:
                keys.append(term_key(f, term))
                lists.append(got)
    sizes = np.array([len(d) for d, _ in lists], dtype=np.int64)
    docs = (np.concatenate([d for d, _ in lists]) if lists else np.zeros(0, dtype=np.int32))
    tfs = (np.concatenate([t for _, t in lists]) if lists else np.zeros(0, dtype=np.float32))
    return write_set(out, np.array(keys, dtype=np.uint64), sizes, docs, tfs,
                     seg.doc_count_all())


def _write_one(build_path: str, segid: str) -> int:
    ix = open_index(build_path)
    with ix.reader() as r:
        for seg, _ in r.leaf_readers():
            if seg.segment().segment_id() == segid:
                return write_segment(seg, Path(build_path) / DIRNAME / segid)
    return 0


def sync(build_path: Path, procs: int = 1) -> list[str]:
    """Write flat postings for every segment of the index at ``build_path`` that lacks
    them and remove those of segments that are gone; returns the segment ids written."""
    ix = open_index(build_path)
    base = build_path / DIRNAME
    base.mkdir(exist_ok=True)
    with ix.reader() as r:
        leaves = _segment_ids(r.leaf_readers())
    merged = _load_cover(base / MERGED, leaves)
    covered = {segid for segid, _ in merged[1]} if merged else set()
    todo = [segid for segid, n in leaves
            if segid not in covered and SegmentPostings.load(base / segid, n) is None]
    if procs > 1 and len(todo) > 1:
        with ProcessPoolExecutor(max_workers=min(procs, len(todo))) as pool:
            list(pool.map(_write_one, [str(build_path)] * len(todo), todo))
    else:
        for segid in todo:
            _write_one(str(build_path), segid)
    keep = {segid for segid, _ in leaves} - covered | ({MERGED} if merged else set()) | {TAIL}
    for p in base.iterdir():
        if p.name not in keep:  # merged away, covered by the merged set, or a killed write
            shutil.rmtree(p, ignore_errors=True)
    return todo


def merged_segments(build_path: Path) -> set[str]:
    """Ids of the segments the merged set of ``build_path`` covers (empty when none)."""
    try:
        meta = json.loads((build_path / DIRNAME / MERGED / "meta.json").read_text())
    except (OSError, ValueError):
        return set()
    return {segid for segid, _ in meta.get("segments", [])}
