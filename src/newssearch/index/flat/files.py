"""One set of flat postings on disk: the only copy of the text fields' postings.

Why: Whoosh kept every text posting twice over (zlib-pickled blocks and a term table of about
160 bytes a term per segment: 830 MB of 1,152 on the shared corpus), while search read numpy
copies of them. Since format 4 the text fields' postings live here only; Whoosh keeps the
stored articles, columns, per-document lengths, the small keyword fields (id, tags,
category, source, date) and deletions.

Files of a set (all 1-d ``.npy`` except ``lex.bin``), terms in the order of their keys:

- ``keys`` (uint64 hash of field and term), ``starts`` (int64, where each term's postings
  begin), ``docs`` (int32 docnums, ascending per term), ``tfs`` (uint8 term frequencies,
  capped at 255: BM25 saturates long before);
- ``pstarts``/``pos``: positions (uint16) of syllables in the exact text fields, per term in
  posting order, as many per posting as its tf (at most the first 255). Phrases are matched
  on these; an accent-free phrase reads the positions of the syllables that fold to it,
  found through ``vkeys``/``vexact`` (folded key -> exact keys);
- ``lex.bin``/``lexoff``: every term as ``field NUL term``, sorted, for did-you-mean
  vocabularies and completions.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

VERSION = 2
MAX_TF = 255
MAX_POS = np.iinfo(np.uint16).max  # later positions are stored as this (past any news text)
ARRAYS = ("keys", "starts", "docs", "tfs", "pstarts", "pos", "lexoff", "vkeys", "vexact")
DTYPES = {"keys": np.uint64, "starts": np.int64, "docs": np.int32, "tfs": np.uint8,
          "pstarts": np.int64, "pos": np.uint16, "lexoff": np.int64, "vkeys": np.uint64,
          "vexact": np.uint64}


def term_key(fieldname: str, term: bytes) -> int:
    """A 64-bit key for (field, term). Two of a million terms share one with probability
    about 3e-8; the cost of that would be one term scored with another's postings."""
    h = hashlib.blake2b(fieldname.encode("utf-8") + b"\x00" + term, digest_size=8)
    return int.from_bytes(h.digest(), "little")


def lex_entry(fieldname: str, term: bytes) -> bytes:
    return fieldname.encode("utf-8") + b"\x00" + term


@dataclass
class FlatSet:
    """A set of flat postings, memory-mapped (see the module docstring)."""

    keys: np.ndarray
    starts: np.ndarray
    docs: np.ndarray
    tfs: np.ndarray
    pstarts: np.ndarray
    pos: np.ndarray
    lexoff: np.ndarray
    vkeys: np.ndarray
    vexact: np.ndarray
    lex: memoryview

    @classmethod
    def load(cls, path: Path, doc_count: int) -> FlatSet | None:
        """The set at ``path`` if it is complete and belongs to ``doc_count`` documents."""
        try:
            meta = json.loads((path / "meta.json").read_text())
            if meta.get("version") != VERSION or meta.get("doc_count") != doc_count:
                return None
            # Plain ndarray views of the maps: slicing a np.memmap costs a Python-level hook.
            arrays = {n: np.asarray(np.load(path / f"{n}.npy", mmap_mode="r")) for n in ARRAYS}
            lex = (memoryview(np.asarray(np.memmap(path / "lex.bin", mode="r", dtype=np.uint8)))  # type: ignore[arg-type]
                   if (path / "lex.bin").stat().st_size else memoryview(b""))
        except (OSError, ValueError):
            return None
        return cls(**arrays, lex=lex)

    def positions(self, row: int) -> np.ndarray | None:
        """The term's positions, postings end to end (None: a term kept without)."""
        a, b = int(self.pstarts[row]), int(self.pstarts[row + 1])
        return self.pos[a:b] if b > a else None

    def variants(self, folded_key: np.uint64) -> np.ndarray:
        """Keys of the exact syllables that fold to the folded term ``folded_key``."""
        i = int(np.searchsorted(self.vkeys, folded_key, side="left"))
        j = int(np.searchsorted(self.vkeys, folded_key, side="right"))
        return self.vexact[i:j]

    def entry(self, i: int) -> bytes:
        return bytes(self.lex[int(self.lexoff[i]):int(self.lexoff[i + 1])])

    def entries(self) -> list[bytes]:
        """The whole lexicon (``field NUL term``, sorted)."""
        return [self.entry(i) for i in range(len(self.lexoff) - 1)]

    def variant_pairs(self) -> np.ndarray:
        """The folded -> exact table as (folded key, exact key) rows."""
        return np.stack([np.asarray(self.vkeys), np.asarray(self.vexact)], axis=1)

    def terms(self, fieldname: str, prefix: bytes = b"") -> Iterator[bytes]:
        """The field's terms starting with ``prefix``, in byte order."""
        head = lex_entry(fieldname, prefix)
        n = len(self.lexoff) - 1
        i = bisect.bisect_left(_Entries(self), head, 0, n)
        cut = len(fieldname.encode("utf-8")) + 1
        while i < n:
            e = self.entry(i)
            if not e.startswith(head):
                return
            yield e[cut:]
            i += 1


class _Entries:
    """The sorted lexicon as a sequence, for ``bisect``."""

    def __init__(self, s: FlatSet):
        self.s = s

    def __getitem__(self, i: int) -> bytes:
        return self.s.entry(i)

    def __len__(self) -> int:
        return len(self.s.lexoff) - 1


@dataclass
class Terms:
    """Postings to write: terms in any order, each with ``sizes`` postings laid end to end
    in ``docs``/``tfs`` and ``psizes`` positions in ``pos`` (in posting order)."""

    keys: np.ndarray
    sizes: np.ndarray
    docs: np.ndarray
    tfs: np.ndarray
    psizes: np.ndarray
    pos: np.ndarray
    lex: list[bytes]  # sorted, unique
    vpairs: np.ndarray  # (folded key, exact key) rows, shape (n, 2)

    @classmethod
    def empty(cls) -> Terms:
        z64 = np.zeros(0, dtype=np.int64)
        return cls(np.zeros(0, dtype=np.uint64), z64, np.zeros(0, dtype=np.int32),
                   np.zeros(0, dtype=np.uint8), z64, np.zeros(0, dtype=np.uint16), [],
                   np.zeros((0, 2), dtype=np.uint64))


def runs(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Indexes of the runs ``[starts[i], starts[i] + lengths[i])``, one after another."""
    lengths = np.asarray(lengths, dtype=np.int64)
    dst = np.zeros(len(lengths), dtype=np.int64)
    np.cumsum(lengths[:-1], out=dst[1:])
    return (np.arange(int(lengths.sum()), dtype=np.int64)
            + np.repeat(np.asarray(starts, dtype=np.int64) - dst, lengths))


def gather(sizes: np.ndarray, order: np.ndarray) -> np.ndarray:
    """Indexes that lay runs of ``sizes`` (stored end to end) out in ``order``."""
    sizes = np.asarray(sizes, dtype=np.int64)
    src = np.zeros(len(sizes), dtype=np.int64)
    np.cumsum(sizes[:-1], out=src[1:])
    return runs(src[order], sizes[order])


def write(out: Path, t: Terms, doc_count: int) -> int:
    """Write ``t`` as the set at ``out`` (under a temporary name, then renamed, so readers
    never see half of it); returns the postings count. Terms sharing a key must be given
    in docnum order (a stable sort keeps them so)."""
    order = np.argsort(t.keys, kind="stable")
    keys, starts, pstarts = _collapse(t.keys[order], t.sizes[order], t.psizes[order])
    tmp = _staging(out)
    g = gather(t.sizes, order)
    arrays = {"keys": keys, "starts": starts, "docs": t.docs[g],
              "tfs": np.minimum(t.tfs, MAX_TF)[g], "pstarts": pstarts,
              "pos": t.pos[gather(t.psizes, order)]}
    for name, arr in arrays.items():
        np.save(tmp / f"{name}.npy", np.ascontiguousarray(arr, dtype=DTYPES[name]))
    _save_tables(tmp, t.lex, t.vpairs)
    _publish(tmp, out, {"doc_count": doc_count, "terms": len(keys),
                        "postings": int(starts[-1]), "positions": int(pstarts[-1])})
    return int(starts[-1])


def _staging(out: Path) -> Path:
    """An empty temporary directory beside ``out`` to write a set into."""
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    return tmp


def _save_tables(tmp: Path, lex: list[bytes], vpairs: np.ndarray) -> None:
    """The lexicon (sorted, unique entries) and the folded -> exact table (any order)."""
    lexoff = np.zeros(len(lex) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in lex], out=lexoff[1:])
    np.save(tmp / "lexoff.npy", lexoff)
    (tmp / "lex.bin").write_bytes(b"".join(lex))
    vp = np.unique(vpairs, axis=0) if len(vpairs) else vpairs
    np.save(tmp / "vkeys.npy", np.ascontiguousarray(vp[:, 0], dtype=np.uint64))
    np.save(tmp / "vexact.npy", np.ascontiguousarray(vp[:, 1], dtype=np.uint64))


def _publish(tmp: Path, out: Path, meta: dict) -> None:
    """Write the meta and rename the set into place: readers never see half of one."""
    (tmp / "meta.json").write_text(json.dumps({"version": VERSION, **meta}))
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)


def _collapse(skeys: np.ndarray, sizes: np.ndarray, psizes: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(keys, starts, pstarts) of terms given sorted by key (runs of one key laid out
    consecutively), each key once: a term is one slice whatever the parts it came from."""
    first = np.ones(len(skeys), dtype=bool)
    first[1:] = skeys[1:] != skeys[:-1]
    starts = np.zeros(len(skeys) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    pstarts = np.zeros(len(skeys) + 1, dtype=np.int64)
    np.cumsum(psizes, out=pstarts[1:])
    cut = np.append(np.flatnonzero(first), len(skeys))
    return skeys[first], starts[cut], pstarts[cut]


def read_terms(s: FlatSet, docmap: np.ndarray) -> Terms:
    """Everything in ``s`` as :class:`Terms`, docnums through ``docmap`` (old -> new, -1:
    dropped, with its positions)."""
    sizes = np.diff(np.asarray(s.starts))
    psizes = np.diff(np.asarray(s.pstarts))
    tfs = np.asarray(s.tfs)
    pos = np.asarray(s.pos)
    new = docmap[np.asarray(s.docs)]
    keep = new >= 0
    if not keep.all():
        term_of = np.repeat(np.arange(len(sizes)), sizes)
        has_pos = (psizes > 0)[term_of]
        pos = pos[np.repeat(keep, np.where(has_pos, tfs, 0).astype(np.int64))]
        psizes = np.bincount(term_of[has_pos], weights=np.where(keep, tfs, 0)[has_pos],
                             minlength=len(sizes)).astype(np.int64)
        sizes = np.bincount(term_of[keep], minlength=len(sizes)).astype(np.int64)
        tfs = tfs[keep]
    return Terms(np.asarray(s.keys), sizes, new[keep].astype(np.int32), tfs, psizes, pos,
                 s.entries(), s.variant_pairs())


def combine(parts: list[Terms]) -> Terms:
    """The terms of ``parts`` (docnums already final, parts in docnum order) as one."""
    if len(parts) == 1:
        return parts[0]
    lex = sorted(set().union(*(p.lex for p in parts)))
    return Terms(np.concatenate([p.keys for p in parts]),
                 np.concatenate([p.sizes for p in parts]),
                 np.concatenate([p.docs for p in parts]),
                 np.concatenate([p.tfs for p in parts]),
                 np.concatenate([p.psizes for p in parts]),
                 np.concatenate([p.pos for p in parts]), lex,
                 np.concatenate([p.vpairs for p in parts]))


MERGE_CHUNK = 4_000_000  # postings merged at a time by merge_files


def merge_files(sets: list[tuple[Path, FlatSet, int]], out: Path, doc_count: int,
                meta: dict) -> None:
    """The sets ``(path, set, docnum offset)`` of consecutive segments as one set at
    ``out`` (``meta`` added to its meta.json).

    Streamed: the key space (uniform hashes) is cut into ranges of about MERGE_CHUNK
    postings, each range read from every set's files, merged and appended to the output, so
    memory stays bounded whatever the corpus size.
    """
    total = sum(len(s.docs) for _, s, _ in sets)
    ptotal = sum(len(s.pos) for _, s, _ in sets)
    nparts = max(1, -(-total // MERGE_CHUNK))
    cuts = [np.uint64(i * (2**64 // nparts)) for i in range(1, nparts)]
    rows = [[0, *(int(np.searchsorted(s.keys, c)) for c in cuts), len(s.keys)]
            for _, s, _ in sets]
    files = [{n: _NpyFile(path / f"{n}.npy") for n in ("docs", "tfs", "pos")}
             for path, _, _ in sets]
    nterms = 0
    for k in range(nparts):  # first pass: distinct keys, for the output headers
        nterms += len(np.unique(np.concatenate(
            [s.keys[rw[k]:rw[k + 1]] for (_, s, _), rw in zip(sets, rows)])))
    tmp = _staging(out)
    with _NpyWriter(tmp / "keys.npy", np.uint64, nterms) as o_keys, \
            _NpyWriter(tmp / "starts.npy", np.int64, nterms + 1) as o_starts, \
            _NpyWriter(tmp / "docs.npy", np.int32, total) as o_docs, \
            _NpyWriter(tmp / "tfs.npy", np.uint8, total) as o_tfs, \
            _NpyWriter(tmp / "pstarts.npy", np.int64, nterms + 1) as o_pstarts, \
            _NpyWriter(tmp / "pos.npy", np.uint16, ptotal) as o_pos:
        o_starts.write(np.zeros(1, dtype=np.int64))
        o_pstarts.write(np.zeros(1, dtype=np.int64))
        done = pdone = 0
        for k in range(nparts):
            got = [_chunk(s, rw[k], rw[k + 1], f, off)
                   for (_, s, off), rw, f in zip(sets, rows, files) if rw[k] < rw[k + 1]]
            if not got:
                continue
            key, sizes, docs, tfs, psizes, pos = (np.concatenate(x) for x in zip(*got))
            # Stable: a term's runs stay in set order, so its docnums stay ascending.
            order = np.argsort(key, kind="stable")
            keys, starts, pstarts = _collapse(key[order], sizes[order], psizes[order])
            o_keys.write(keys)
            o_starts.write(starts[1:] + done)
            o_pstarts.write(pstarts[1:] + pdone)
            o_docs.write(docs[gather(sizes, order)])
            o_tfs.write(tfs[gather(sizes, order)])
            o_pos.write(pos[gather(psizes, order)])
            done += int(starts[-1])
            pdone += int(pstarts[-1])
    _save_tables(tmp, sorted(set().union(*(s.entries() for _, s, _ in sets))),
                 np.concatenate([s.variant_pairs() for _, s, _ in sets]))
    _publish(tmp, out, {"doc_count": doc_count, "terms": nterms, "postings": total,
                        "positions": ptotal, **meta})


def _chunk(s: FlatSet, a: int, b: int, files: dict, off: int) -> tuple[np.ndarray, ...]:
    """Rows ``[a, b)`` of ``s``: keys, sizes, docs (+ ``off``), tfs, position sizes, positions."""
    p0, p1 = int(s.starts[a]), int(s.starts[b])
    q0, q1 = int(s.pstarts[a]), int(s.pstarts[b])
    return (np.asarray(s.keys[a:b]), np.diff(np.asarray(s.starts[a:b + 1])),
            files["docs"].read(p0, p1) + np.int32(off), files["tfs"].read(p0, p1),
            np.diff(np.asarray(s.pstarts[a:b + 1])), files["pos"].read(q0, q1))


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
