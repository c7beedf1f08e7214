"""The postings of a segment being written, packed in arrays instead of Whoosh's pool.

Why: Whoosh's ``PostingPool`` keeps every posting as a tuple of five Python objects (about
200 bytes each) and sorts the tuples; a writer of 24,000 news articles peaked at 2.6 GB.
Here a posting costs about 24 bytes (term id, docnum, weight, offset into one byte buffer of
values), the sort is one numpy argsort, and the same sorted arrays give both the Whoosh
segment (through the codec's field writer) and the flat postings search reads
(``postings.py``), so nothing is read back after a commit. ``nbytes`` lets a writer flush a
segment when its share of the memory budget is used.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

from . import postings

# Bytes a distinct term costs beside its postings: the dict entry, the bytes object and
# the (field, term) tuple, measured with tracemalloc on news text (about 150).
TERM_BYTES = 160
POSTING_BYTES = 24  # term id, docnum, weight (4 bytes each) and a value offset (8)
FEED_CHUNK = 1 << 16  # postings turned into Python lists at a time when writing


class PostingBuffer:
    """Collects ``(fieldname, term bytes, docnum, weight, value bytes)`` postings, the items
    Whoosh's ``SegmentWriter`` gives its pool, and writes them out sorted."""

    def __init__(self, flat_dir: Path | None = None):
        self.flat_dir = flat_dir  # where the flat postings of the segment go (None: nowhere)
        self.fieldnames: set[str] = set()
        self._terms: dict[str, dict[bytes, int]] = {}
        self._term_list: list[tuple[str, bytes]] = []
        self._tids = array("I")
        self._docs = array("I")
        self._weights = array("f")
        self._vals = bytearray()
        self._vends = array("Q")

    def __len__(self) -> int:
        return len(self._tids)

    def nbytes(self) -> int:
        """About how much memory the buffer holds (what a writer's budget is checked against)."""
        return (POSTING_BYTES * len(self._tids) + len(self._vals)
                + TERM_BYTES * len(self._term_list))

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self._terms.get(fieldname)
        if terms is None:
            terms = self._terms[fieldname] = {}
            self.fieldnames.add(fieldname)
        tid = terms.get(tbytes)
        if tid is None:
            tid = terms[tbytes] = len(self._term_list)
            self._term_list.append((fieldname, tbytes))
        self._tids.append(tid)
        self._docs.append(docnum)
        self._weights.append(weight)
        if vbytes:
            self._vals += vbytes
        self._vends.append(len(self._vals))

    def cleanup(self) -> None:
        """Drop everything (Whoosh calls this when a segment is closed or cancelled)."""
        self.__init__(self.flat_dir)

    def write(self, fieldwriter, schema, segment_id: str, doc_count: int) -> None:
        """Write the postings, sorted by field, term and docnum, through a Whoosh codec field
        writer, then the scored fields' flat postings under ``flat_dir/segment_id``."""
        if not self._term_list:
            if self.flat_dir is not None:
                postings.write_set(self.flat_dir / segment_id, *_no_terms(), doc_count)
            return
        names = [f for f, _ in self._term_list]
        trank = np.empty(len(self._term_list), dtype=np.int64)
        trank[sorted(range(len(self._term_list)), key=self._term_list.__getitem__)] = \
            np.arange(len(self._term_list))
        tids = np.frombuffer(self._tids, dtype=np.uint32)
        docs = np.frombuffer(self._docs, dtype=np.uint32)
        order = np.argsort((trank[tids] << 32) | docs)
        s_tids = tids[order]
        s_docs = docs[order]
        s_weights = np.frombuffer(self._weights, dtype=np.float32)[order]
        vends = np.frombuffer(self._vends, dtype=np.uint64)
        s_vends = vends[order].astype(np.int64)
        s_vstarts = np.concatenate([[0], vends[:-1]]).astype(np.int64)[order]
        # Term boundaries in the sorted postings.
        bounds = np.flatnonzero(np.diff(s_tids)) + 1
        first = np.concatenate([[0], bounds])
        last = np.concatenate([bounds, [len(s_tids)]])
        lengths = self._field_lengths(names, s_tids, s_docs, s_weights, doc_count, schema)
        self._feed(fieldwriter, schema, first, last, s_tids, s_docs, s_weights,
                   s_vstarts, s_vends, lengths)
        if self.flat_dir is not None:
            self._write_flat(segment_id, doc_count, first, last, s_tids, s_docs, s_weights)

    def _field_lengths(self, names, s_tids, s_docs, s_weights, doc_count, schema
                       ) -> dict[str, list[int]]:
        """Per scorable field, each document's length (the sum of its term frequencies, as
        Whoosh counts it); the codec records the shortest and longest per block."""
        fids = {n: i for i, n in enumerate(sorted(self.fieldnames))}
        field_of = np.array([fids[n] for n in names], dtype=np.int16)[s_tids]
        out = {}
        for name, fid in fids.items():
            if schema[name].scorable:
                m = field_of == fid
                out[name] = np.bincount(s_docs[m], weights=s_weights[m],
                                        minlength=doc_count).astype(np.int64).tolist()
        return out

    def _feed(self, fw, schema, first, last, s_tids, s_docs, s_weights, s_vstarts, s_vends,
              lengths) -> None:
        vals = memoryview(self._vals)
        cur_field = None
        flen: list[int] | None = None
        # Python lists a group of terms at a time: whole lists would cost ~140 bytes a posting.
        cuts = np.searchsorted(last, np.arange(FEED_CHUNK, int(last[-1]), FEED_CHUNK))
        for g0, g1 in zip([0, *cuts.tolist()], [*cuts.tolist(), len(first)]):
            if g0 == g1:
                continue
            base, end = int(first[g0]), int(last[g1 - 1])
            doc_l = s_docs[base:end].tolist()
            w_l = s_weights[base:end].tolist()
            vs_l = s_vstarts[base:end].tolist()
            ve_l = s_vends[base:end].tolist()
            for a, b, tid in zip((first[g0:g1] - base).tolist(), (last[g0:g1] - base).tolist(),
                                 s_tids[first[g0:g1]].tolist()):
                fieldname, tbytes = self._term_list[tid]
                if fieldname != cur_field:
                    if cur_field is not None:
                        fw.finish_field()
                    fw.start_field(fieldname, schema[fieldname])
                    cur_field = fieldname
                    flen = lengths.get(fieldname)
                fw.start_term(tbytes)
                add = fw.add
                for i in range(a, b):
                    d = doc_l[i]
                    add(d, w_l[i], bytes(vals[vs_l[i]:ve_l[i]]), flen[d] if flen else None)
                fw.finish_term()
        if cur_field is not None:
            fw.finish_field()

    def _write_flat(self, segment_id, doc_count, first, last, s_tids, s_docs, s_weights) -> None:
        scored = set(postings.SCORED_FIELDS)
        term_scored = np.array([f in scored for f, _ in self._term_list], dtype=bool)
        keep = term_scored[s_tids[first]]
        keys = np.array([postings.term_key(*self._term_list[t])
                         for t in s_tids[first[keep]].tolist()], dtype=np.uint64)
        sel = np.flatnonzero(term_scored[s_tids])  # still grouped by term, docnums ascending
        postings.write_set(self.flat_dir / segment_id, keys, (last - first)[keep],
                           s_docs[sel].astype(np.int32), s_weights[sel], doc_count)


def _no_terms() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
