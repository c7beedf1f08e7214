"""The one home of everything newssearch relies on inside Whoosh (whoosh-reloaded 2.7.5).

Why one module: these are private names and behaviours no release promises to keep. Each is
used here only, and ``tests/test_whoosh_compat.py`` checks each one, so a Whoosh upgrade fails
loudly in one place instead of quietly somewhere in search.

- Segment files are read in place: whoosh-reloaded opens every file inside a segment as
  ``BufferFile``, which wraps the memory-mapped bytes in ``io.BytesIO`` -- and ``BytesIO``
  copies them. On the full shared corpus that copied 850 MB into each process (each gunicorn
  worker, each index generation kept open during its grace period). :func:`open_index` installs
  a reader over the map before opening, so the pages stay in the shared page cache.
- Per-document field lengths are read as a column (``_perdoc._cached_reader``, ``_lenfield``),
  and columns segment by segment (Whoosh's multi-segment column reader loses values).
- Writing: a segment writer's postings pool is replaced by a compact one (``postpool.py``),
  and segments written by worker processes are finished and committed the way Whoosh's own
  multi-process writer does it (``_finalize_segment``, ``_merge_segments``, ``_commit_toc``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
from whoosh import index as windex
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3TermInfo, _lenfield
from whoosh.filedb import structfile
from whoosh.writing import NO_MERGE, SegmentWriter


class ViewReader:
    """A read-only, seekable file over a buffer (a memoryview of a map, or bytes)."""

    def __init__(self, buf) -> None:
        self._buf = memoryview(buf)
        self._pos = 0

    def read(self, n: int | None = -1) -> bytes:
        size = len(self._buf)
        end = size if n is None or n < 0 else min(size, self._pos + n)
        out = bytes(self._buf[self._pos:end])
        self._pos = max(self._pos, end)
        return out

    def readline(self, limit: int = -1) -> bytes:
        out = bytearray()
        while limit < 0 or len(out) < limit:
            c = self.read(1)
            if not c:
                break
            out += c
            if c == b"\n":
                break
        return bytes(out)

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._buf)}[whence]
        if base + pos < 0:
            raise ValueError("negative seek position")
        self._pos = base + pos
        return self._pos

    def tell(self) -> int:
        return self._pos

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._buf = memoryview(b"")

    def write(self, data) -> int:
        raise io.UnsupportedOperation("segment files are read-only")

    def truncate(self, size: int | None = None) -> int:
        raise io.UnsupportedOperation("segment files are read-only")


def _buffer_file_init(self, buf, name=None, onclose=None) -> None:
    # BufferFile.__init__ as Whoosh has it, with ViewReader in place of io.BytesIO(buf).
    self._buf = buf
    self._name = name
    self.file = ViewReader(buf)
    self.onclose = onclose
    self.is_real = False
    self.is_closed = False


def install() -> None:
    """Make Whoosh read segment files from the map (idempotent), and let its codec write
    inlined postings (whoosh-reloaded 2.7.5 calls ``W3TermInfo.set_inline``, a method it
    names ``set_inlined``; see ``bulk.segment_codec``)."""
    structfile.BufferFile.__init__ = _buffer_file_init
    if not hasattr(W3TermInfo, "set_inline"):
        W3TermInfo.set_inline = W3TermInfo.set_inlined


def open_index(path) -> windex.Index:
    """Open the Whoosh index at ``path`` with segment files read in place."""
    install()
    return windex.open_dir(str(path))


def create_index(path, schema) -> windex.Index:
    """Create an empty Whoosh index at ``path`` (segments read in place once written)."""
    install()
    return windex.create_in(str(path), schema)


def live_docs(seg) -> np.ndarray:
    """Which of a segment reader's docnums are live (Whoosh's readers cannot list their
    deletions, only test them one by one)."""
    n = seg.doc_count_all()
    if not seg.has_deletions():
        return np.ones(n, dtype=bool)
    return np.fromiter((not seg.is_deleted(d) for d in range(n)), dtype=bool, count=n)


def read_column(leaves: list, n: int, name: str) -> list:
    """A column's raw values for every docnum (None where a segment lacks the column), read
    segment by segment (Whoosh's multi-segment column reader loses values when iterated)."""
    out: list = [None] * n
    for seg, off in leaves:
        if name in seg.schema and seg.has_column(name):  # a build before the field: None
            vals = list(seg.column_reader(name, translate=False))
            out[off : off + len(vals)] = vals
    return out


def length_bytes(seg, fieldname: str) -> Iterator[int] | None:
    """The segment's per-document length bytes of a field (Whoosh's encoded lengths, see
    ``whoosh.codec.whoosh3.byte_to_length``), or None when no document has the field."""
    col = seg._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    return None if col is None else iter(col)


class BufferedSegmentWriter(SegmentWriter):
    """A ``SegmentWriter`` whose postings go to ``buffer`` (a ``postpool.PostingBuffer``)
    instead of Whoosh's tuple pool, and are written from it when the segment is flushed.

    Internals used: the writer's ``pool`` attribute and ``_flush_segment`` step, and its
    ``perdocwriter``/``fieldwriter``/``newsegment``/``docnum`` (whoosh/writing.py).
    """

    def __init__(self, ix, buffer, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = buffer

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        self.pool.write(self.fieldwriter, self.schema, self.newsegment.segment_id(),
                        self.docnum - self.docbase)
        self.fieldwriter.close()


def finish_segment(writer: SegmentWriter):
    """Write ``writer``'s documents as a finished segment without committing it (the way
    Whoosh's multi-process writer hands segments to its parent); returns the segment."""
    return writer._finalize_segment()  # its temporary files share the committing writer's
    # directory (MAIN.tmp), which that writer removes when it commits


def commit_with_segments(writer: SegmentWriter, segments: list, mergetype=NO_MERGE) -> None:
    """Commit ``writer`` (its deletions, its own documents, ``mergetype``'s merges) with
    ``segments`` finished by other processes added to the index, in order after it."""
    try:
        final = writer._merge_segments(mergetype, False, True)
        if writer._added:
            final.append(writer._finalize_segment())
        else:
            writer._close_segment()
        writer._commit_toc([*final, *segments])
    except BaseException:
        writer.cancel()
        raise
    writer._finish()
