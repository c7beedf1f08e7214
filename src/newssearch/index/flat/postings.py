"""The flat postings of an index: which sets cover which segments, and term lookup.

Why: the text fields' postings live only in flat sets (``flatset.py``), one per Whoosh
segment as it is written, loaded as memory maps so a term's list is a slice. After a
rebuild the segments' sets are merged into ``<build>/postings/_merged/`` (docnums global,
one slice per term); it stays in use while the index's first segments are the ones it
lists, and later segments keep their own sets, merged after each update into one tail set
(``_tail``, docnums from its first segment) so that a term stays two lookups. Segments are
immutable in Whoosh (deletions are kept apart), which is what makes the sets safe to keep;
search masks deleted documents.
"""

from __future__ import annotations

import heapq
import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from newssearch.index.flat.files import FlatSet, merge_files, term_key
from newssearch.index.schema import PART_FIELDS, SHINGLE_PARTS
from newssearch.index.whoosh_compat import open_index

log = logging.getLogger(__name__)
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
EXACT_OF = {f + "_f": f for f in (*PART_FIELDS, "author")}  # folded field -> exact field


class FlatPostings:
    """Term lookup across the segments of one index generation.

    The flat sets in use (the merged set written after a rebuild, covering the first
    segments; the tail set covering the segments updates added; one set per later segment)
    have their sorted keys merged once at open, so a term costs one binary search; after a
    rebuild it is one slice, after updates two.
    """

    def __init__(self, leaves: list[tuple[object, int]], build_path: Path):
        ids = _segment_ids(leaves)
        base = build_path / DIRNAME
        # (docnum offset, set): merged docnums are already global.
        self.parts: list[tuple[int, FlatSet]] = []
        covered = 0
        merged = _load_cover(base / MERGED, ids)
        if merged is not None:
            covered = len(merged[1])
            self.parts.append((0, merged[0]))
        tail = _load_cover(base / TAIL, ids[covered:]) if covered < len(ids) else None
        if tail is not None:  # docnums from the tail's first segment on
            self.parts.append((leaves[covered][1], tail[0]))
            covered += len(tail[1])
        for li in range(covered, len(leaves)):
            fs = FlatSet.load(base / ids[li][0], ids[li][1])
            if fs is None:
                log.error("segment %s of %s has no flat postings: its %d articles cannot be "
                          "found by their text until the index is rebuilt", ids[li][0],
                          build_path, ids[li][1])
            else:
                self.parts.append((leaves[li][1], fs))
        keys = [fs.keys for _, fs in self.parts]
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

    def _rows(self, key: np.uint64) -> Iterator[tuple[int, FlatSet, int]]:
        """(docnum offset, set, row) of each part holding ``key``, in docnum order."""
        i = int(np.searchsorted(self.keys, key))
        while i < len(self.keys) and self.keys[i] == key:
            if self.row is None or self.part_of is None:
                (off, fs), r = self.parts[0], i
            else:
                off, fs = self.parts[self.part_of[i]]
                r = int(self.row[i])
            yield off, fs, r
            i += 1

    def get(self, fieldname: str, term: bytes) -> list[tuple[np.ndarray, np.ndarray]]:
        """(docnums, tfs) pieces of the term's postings, in docnum order."""
        out = []
        for off, fs, r in self._rows(np.uint64(term_key(fieldname, term))):
            a, b = int(fs.starts[r]), int(fs.starts[r + 1])
            docs = fs.docs[a:b] if off == 0 else fs.docs[a:b] + np.int32(off)
            out.append((docs, fs.tfs[a:b]))
        return out

    def positions(self, fieldname: str, term: bytes
                  ) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(docnums, tfs, positions) pieces of a syllable in a text field: each posting's
        positions (tf of them) follow one another. In a folded field, the pieces of every
        exact syllable that folds to ``term``."""
        exact = EXACT_OF.get(fieldname)
        if exact is None:
            keys = [np.uint64(term_key(fieldname, term))]
        else:
            fkey = np.uint64(term_key(fieldname, term))
            keys = list(dict.fromkeys(k for _, fs in self.parts for k in fs.variants(fkey)))
        out = []
        for key in keys:
            for off, fs, r in self._rows(key):
                pos = fs.positions(r)
                if pos is not None:
                    a, b = int(fs.starts[r]), int(fs.starts[r + 1])
                    out.append((fs.docs[a:b] + np.int32(off), fs.tfs[a:b], pos))
        return out

    def terms(self, fieldname: str, prefix: bytes = b"") -> Iterator[bytes]:
        """The field's terms starting with ``prefix``, each once, in byte order."""
        its = [fs.terms(fieldname, prefix) for _, fs in self.parts]
        if len(its) == 1:
            yield from its[0]
            return
        last = None
        for t in heapq.merge(*its):
            if t != last:
                yield t
                last = t


def _segment_ids(leaves) -> list[tuple[str, int]]:
    """(segment id, documents including deleted) of each leaf reader, in docnum order: what
    a set of flat files is checked against."""
    return [(seg.segment().segment_id(), seg.doc_count_all()) for seg, _ in leaves]


def _load_cover(path: Path, ids: list[tuple[str, int]]
                ) -> tuple[FlatSet, list[tuple[str, int]]] | None:
    """The merged set at ``path`` (``_merged`` or ``_tail``), if the segments it covers are
    the first of ``ids``, unchanged."""
    try:
        meta = json.loads((path / "meta.json").read_text())
    except (OSError, ValueError):
        return None
    covers = [tuple(x) for x in meta.get("segments", [])]
    if not covers or covers != ids[: len(covers)]:
        return None
    fs = FlatSet.load(path, meta.get("doc_count"))
    return (fs, covers) if fs is not None else None


def _index_ids(build_path: Path) -> list[tuple[str, int]]:
    ix = open_index(build_path)
    with ix.reader() as r:
        return _segment_ids(r.leaf_readers())


def write_merged(build_path: Path) -> None:
    """After a rebuild: all segments' flat postings as one set with global docnums, so a
    term is one slice instead of one per segment. The per-segment sets it replaces are
    removed; segments added later keep their own."""
    base = build_path / DIRNAME
    ids = _index_ids(build_path)
    sets = [fs for segid, n in ids if (fs := FlatSet.load(base / segid, n)) is not None]
    if len(ids) < 2 or len(sets) < len(ids):
        return
    _merge_into(base, ids, sets, base / MERGED)
    for segid, _ in ids:
        shutil.rmtree(base / segid, ignore_errors=True)
    shutil.rmtree(base / TAIL, ignore_errors=True)


def write_tail(build_path: Path) -> bool:
    """After an update: the flat sets of the segments after the merged set, merged into one
    (``_tail``, docnums from its first segment), so a term is two lookups however many
    updates ran. The per-segment sets stay: the tail is rebuilt from them after the next
    update or segment merge. Returns whether a tail now covers them."""
    base = build_path / DIRNAME
    ids = _index_ids(build_path)
    merged = _load_cover(base / MERGED, ids)
    rest = ids[len(merged[1]) if merged else 0:]
    have = _load_cover(base / TAIL, rest)
    if have is not None and len(have[1]) == len(rest):
        return True  # no segment added or merged since the last one
    sets = [fs for segid, n in rest if (fs := FlatSet.load(base / segid, n)) is not None]
    if len(rest) < 2 or len(sets) < len(rest):
        shutil.rmtree(base / TAIL, ignore_errors=True)
        return False
    _merge_into(base, rest, sets, base / TAIL)
    return True


def _merge_into(base: Path, ids: list[tuple[str, int]], sets: list[FlatSet],
                out: Path) -> None:
    """The per-segment sets ``sets`` of ``ids`` (consecutive segments) as one set at
    ``out``, docnums counted from the first of them."""
    offsets = np.cumsum([0] + [n for _, n in ids])[:-1]
    merge_files([(base / segid, fs, int(off)) for (segid, _), fs, off in zip(ids, sets, offsets)],
                out, int(sum(n for _, n in ids)), {"segments": ids})


def segment_set(build_path: Path, segid: str, doc_count: int) -> FlatSet | None:
    """The flat set written for one segment (None: none, or covered by the merged set)."""
    return FlatSet.load(build_path / DIRNAME / segid, doc_count)


def sync(build_path: Path) -> None:
    """Remove the flat sets of segments that are gone (merged away) and of killed writes."""
    base = build_path / DIRNAME
    base.mkdir(exist_ok=True)
    ids = _index_ids(build_path)
    merged = _load_cover(base / MERGED, ids)
    covered = {segid for segid, _ in merged[1]} if merged else set()
    keep = {segid for segid, _ in ids} - covered | ({MERGED} if merged else set()) | {TAIL}
    for p in base.iterdir():
        if p.name not in keep:  # merged away, covered by the merged set, or a killed write
            shutil.rmtree(p, ignore_errors=True)


def merged_segments(build_path: Path) -> set[str]:
    """Ids of the segments the merged set of ``build_path`` covers (empty when none)."""
    try:
        meta = json.loads((build_path / DIRNAME / MERGED / "meta.json").read_text())
    except (OSError, ValueError):
        return set()
    return {segid for segid, _ in meta.get("segments", [])}
