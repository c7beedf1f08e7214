"""Whoosh reads segment files without copying them into memory.

Why: whoosh-reloaded 2.7.5 opens every file inside a segment as ``BufferFile``, which wraps
the memory-mapped bytes in ``io.BytesIO`` -- and ``BytesIO`` copies them. Opening a reader on
the full shared corpus so copied 850 MB into each process (each gunicorn worker, each index
generation kept open during its grace period) and took most of a second. Reading straight
from the map instead keeps the pages in the shared page cache, where every process uses the
same copy. Imported by ``store`` before any index is opened; behaviour is otherwise Whoosh's.
"""

from __future__ import annotations

import io

from whoosh.filedb import structfile


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


structfile.BufferFile.__init__ = _buffer_file_init
