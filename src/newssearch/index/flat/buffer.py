"""The postings of a segment being written, packed in arrays instead of Whoosh's pool.

Why: Whoosh's ``PostingPool`` keeps every posting as a tuple of five Python objects (about
200 bytes each) and sorts the tuples; a writer of 24,000 news articles peaked at 2.6 GB.
Here a posting costs about 32 bytes (term id, docnum, weight, two offsets into one byte
buffer of values), the sort is one numpy argsort, and the same sorted arrays give the flat set of the
text fields (``flatset.py``: their only copy) and the Whoosh segment's postings of the
other fields (through the codec's field writer). ``nbytes`` lets a writer flush a segment
when its share of the memory budget is used.
"""

from __future__ import annotations

from array import array
from pathlib import Path

import numpy as np

from newssearch.index.flat import postings
from newssearch.index.flat.files import Terms, combine, lex_entry, runs, term_key
from newssearch.index.flat.files import write as write_flat
from newssearch.text.analysis import fold

# Bytes a distinct term costs beside its postings: the dict entry, the bytes object and
# the (field, term) tuple, measured with tracemalloc on news text (about 150).
TERM_BYTES = 160
POSTING_BYTES = 32  # term id, docnum, weight (4 bytes each) and value offsets (8 + 8)
FEED_CHUNK = 1 << 16  # postings turned into Python lists at a time when writing
SCORED = frozenset(postings.SCORED_FIELDS)  # fields whose postings go to flat sets only


class PostingBuffer:
    """Collects ``(fieldname, term bytes, docnum, weight, value bytes)`` postings, the items
    Whoosh's ``SegmentWriter`` gives its pool, and writes them out sorted."""

    def __init__(self, flat_dir: Path | None = None):
        self.flat_dir = flat_dir  # where the flat postings of the segment go (None: nowhere)
        self._reset()

    def _reset(self) -> None:
        self.fieldnames: set[str] = set()
        self._terms: dict[str, dict[bytes, int]] = {}
        self._term_list: list[tuple[str, bytes]] = []
        self._tids = array("I")
        self._docs = array("I")
        self._weights = array("f")
        self._vals = bytearray()
        self._vstarts = array("Q")
        self._vends = array("Q")
        self._flat: list[Terms] = []  # text postings of segments merged into this one

    def add_flat(self, terms: Terms) -> None:
        """Text postings to write with this segment's (docnums already this segment's):
        a merged segment's, whose only copy is its flat set."""
        self._flat.append(terms)

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
            if fieldname in SCORED and len(self._vals) & 1:
                self._vals.append(0)  # positions are read back as aligned uint16s
            self._vstarts.append(len(self._vals))
            self._vals += vbytes
        else:
            self._vstarts.append(len(self._vals))
        self._vends.append(len(self._vals))

    def cleanup(self) -> None:
        """Drop everything (Whoosh calls this when a segment is closed or cancelled)."""
        self._reset()

    def write(self, fieldwriter, schema, segment_id: str, doc_count: int) -> None:
        """Write the postings, sorted by field, term and docnum, through a Whoosh codec field
        writer, then the scored fields' flat postings under ``flat_dir/segment_id``."""
        if not self._term_list:
            if self.flat_dir is not None:
                write_flat(self.flat_dir / segment_id,
                           combine([Terms.empty(), *self._flat]), doc_count)
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
        s_vstarts = np.frombuffer(self._vstarts, dtype=np.uint64)[order].astype(np.int64)
        # Term boundaries in the sorted postings.
        bounds = np.flatnonzero(np.diff(s_tids)) + 1
        first = np.concatenate([[0], bounds])
        last = np.concatenate([bounds, [len(s_tids)]])
        term_scored = np.array([f in SCORED for f, _ in self._term_list], dtype=bool)
        lengths = self._field_lengths(names, s_tids, s_docs, s_weights, doc_count, schema)
        self._feed(fieldwriter, schema, first, last, s_tids, s_docs, s_weights,
                   s_vstarts, s_vends, lengths, ~term_scored)
        if self.flat_dir is not None:
            t = self._text_terms(term_scored, first, last, s_tids, s_docs, s_weights,
                                 s_vstarts, s_vends)
            write_flat(self.flat_dir / segment_id, combine([t, *self._flat]), doc_count)

    def _field_lengths(self, names, s_tids, s_docs, s_weights, doc_count, schema
                       ) -> dict[str, list[int]]:
        """Per scorable field Whoosh gets postings of, each document's length (the sum of its
        term frequencies, as Whoosh counts it); the codec records the shortest and longest
        per block."""
        fids = {n: i for i, n in enumerate(sorted(self.fieldnames))}
        field_of = np.array([fids[n] for n in names], dtype=np.int16)[s_tids]
        out = {}
        for name, fid in fids.items():
            if schema[name].scorable and name not in SCORED:
                m = field_of == fid
                out[name] = np.bincount(s_docs[m], weights=s_weights[m],
                                        minlength=doc_count).astype(np.int64).tolist()
        return out

    def _feed(self, fw, schema, first, last, s_tids, s_docs, s_weights, s_vstarts, s_vends,
              lengths, to_whoosh) -> None:
        """Give Whoosh the postings of the terms ``to_whoosh`` (by term id) selects."""
        keep = to_whoosh[s_tids[first]]
        first, last = first[keep], last[keep]
        if not len(first):
            return
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

    def _text_terms(self, term_scored, first, last, s_tids, s_docs, s_weights, s_vstarts,
                    s_vends) -> Terms:
        """The scored fields' postings as flat :class:`Terms`; an exact syllable's value
        holds its positions (uint16, see ``schema.position_bytes``)."""
        keep = term_scored[s_tids[first]]
        tids = s_tids[first[keep]].tolist()
        entries = [self._term_list[t] for t in tids]
        keys = np.array([term_key(f, t) for f, t in entries], dtype=np.uint64)
        sel = np.flatnonzero(term_scored[s_tids])  # still grouped by term, docnums ascending
        vstart = s_vstarts[sel]
        vlen = (s_vends[sel] - vstart) // 2
        vals = np.frombuffer(self._vals, dtype=np.uint8)
        pos = vals[: len(vals) // 2 * 2].view(np.uint16)[runs(vstart // 2, vlen)]
        sizes = (last - first)[keep]
        term_of = np.repeat(np.arange(len(tids)), sizes)
        psizes = np.bincount(term_of, weights=vlen, minlength=len(tids)).astype(np.int64)
        vpairs = [(term_key(f + "_f", fold(t.decode("utf-8")).encode("utf-8")), k)
                  for (f, t), k, n in zip(entries, keys.tolist(), psizes.tolist())
                  if n and f + "_f" in self.fieldnames]
        return Terms(keys, sizes.astype(np.int64), s_docs[sel].astype(np.int32),
                     np.minimum(np.rint(s_weights[sel]), 255).astype(np.uint8), psizes, pos,
                     sorted(lex_entry(f, t) for f, t in entries),
                     np.array(vpairs, dtype=np.uint64).reshape(-1, 2))
