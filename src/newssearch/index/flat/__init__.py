"""Flat postings: our own posting lists, written beside each Whoosh segment, read as numpy arrays.

One name for one idea: ``files`` is the on-disk format (lexicon and runs of one flat set, the
merge of several), ``buffer`` collects an indexing run's postings within its memory budget,
``postings`` opens the flat sets of a build for search.

Exports resolve on first use: the schema reads the format's limits from ``files`` while
``postings`` reads the schema's field names, so importing every module here would close a loop.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newssearch.index.flat.buffer import PostingBuffer
    from newssearch.index.flat.files import FlatSet
    from newssearch.index.flat.postings import FlatPostings

_HOMES = {"FlatPostings": "postings", "FlatSet": "files", "PostingBuffer": "buffer"}
__all__ = ["FlatPostings", "FlatSet", "PostingBuffer"]


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
