"""When segments are merged: a tiered policy for updates, and ``optimize`` for everything.

Why a policy: each update commits at least one new segment, and a daily cron job would pile
up hundreds, each one more place for a phrase, a prefix or a stored document to be looked up.
Merging is done by Whoosh for stored fields and keyword postings (``add_reader``) and from
each segment's flat set for the text postings, so it never touches the big segments of a
rebuild: the merged set (``postings._merged``) covers them, their own sets are gone. The
segments updates add are grouped in tiers by size (tier k: up to ``TIER_BASE * FANOUT**k`` articles); when a tier
holds ``FANOUT`` segments they become one of the next tier. So at most ``FANOUT - 1``
segments wait per tier, tiers grow logarithmically with the articles added, and each added
article is re-written about once per tier. Segments whose articles were all deleted are
dropped. ``optimize`` rebuilds the live index from its own stored articles into a new build
(one merged set, no deletions), switched atomically like a rebuild.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
from whoosh.reading import SegmentReader

from newssearch.index.flat import postings
from newssearch.index.flat.files import read_terms
from newssearch.index.whoosh_compat import live_docs

FANOUT = 8
TIER_BASE = 1000  # articles: segments up to this size are tier 0


def tier(doc_count: int) -> int:
    if doc_count <= TIER_BASE:
        return 0
    return math.ceil(math.log(doc_count / TIER_BASE, FANOUT))


def plan_merges(sizes: list[tuple[str, int, int]], protected: set[str]) -> list[str]:
    """Segment ids to merge now, from (id, documents, live documents) in index order."""
    todo: list[str] = []
    by_tier: dict[int, list[str]] = {}
    for segid, n, live in sizes:
        if segid in protected:
            continue
        if live == 0:
            todo.append(segid)  # nothing left to keep: dropped, not re-written
            continue
        by_tier.setdefault(tier(n), []).append(segid)
    for ids in by_tier.values():
        if len(ids) >= FANOUT:
            todo += ids
    return todo


def merge_policy(build_path: Path) -> Callable:
    """A Whoosh merge function (``mergetype``) applying :func:`plan_merges` to the index at
    ``build_path``; the segments of its merged flat postings are protected."""
    protected = postings.merged_segments(build_path)

    def policy(writer, segments: list) -> list:
        sizes = [(s.segment_id(), s.doc_count_all(), s.doc_count()) for s in segments]
        chosen = set(plan_merges(sizes, protected))
        keep = []
        for seg in segments:
            if seg.segment_id() not in chosen:
                keep.append(seg)
            elif seg.doc_count() > 0:
                reader = SegmentReader(writer.storage, writer.schema, seg)
                try:
                    _add_segment(writer, reader, build_path)
                finally:
                    reader.close()
        return keep

    return policy


def _add_segment(writer, reader: SegmentReader, build_path: Path) -> None:
    """Merge one segment into ``writer``'s: Whoosh copies its stored fields, columns and
    keyword postings; its text postings come from its flat set (their only copy), with
    docnums mapped the way Whoosh's ``add_reader`` numbers the live documents."""
    n = reader.doc_count_all()
    fs = postings.segment_set(build_path, reader.segment().segment_id(), n)
    if fs is None:
        raise RuntimeError(f"segment {reader.segment().segment_id()} of {build_path} has no "
                           "flat postings to merge; rebuild the index")
    live = live_docs(reader)
    docmap = np.where(live, writer.docnum + np.cumsum(live) - 1, -1)
    writer.add_reader(reader)
    writer.pool.add_flat(read_terms(fs, docmap=docmap))

