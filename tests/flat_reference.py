"""The reference the flat postings are checked against: the stored articles analysed again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from whoosh import index as windex

from newssearch.index.flat import postings
from newssearch.index.schema import article_from_stored, doc_fields
from newssearch.index.store import current_build
from newssearch.search import SearchEngine


def expected_postings(root: Path) -> dict[tuple[str, bytes], list[tuple[int, int, tuple]]]:
    """What the flat sets must hold, from the stored articles analysed again: (field, term)
    -> [(docnum, tf capped at 255, positions)], deleted documents included."""
    build = current_build(root).path
    ix = windex.open_dir(str(build))
    schema = ix.schema
    out: dict = {}
    with ix.reader() as r:
        for docnum in range(r.doc_count_all()):
            d = doc_fields(article_from_stored(r.stored_fields(docnum)))
            for f in postings.SCORED_FIELDS:
                if f not in d:
                    continue
                for term, n, _, value in schema[f].index(d[f]):
                    pos = tuple(np.frombuffer(value, dtype=np.uint16).tolist())
                    out.setdefault((f, term), []).append((docnum, min(n, 255), pos))
    return out


def check_against_analysis(root: Path) -> int:
    """Every term of every text field: postings, positions and lexicon as analysed."""
    want = expected_postings(root)
    eng = SearchEngine(root)
    snap = eng.snapshot()
    flat = snap.flat
    for (f, term), rows in want.items():
        got = flat.get(f, term)
        assert np.concatenate([d for d, _ in got]).tolist() == [r[0] for r in rows], (f, term)
        assert np.concatenate([t for _, t in got]).tolist() == [r[1] for r in rows], (f, term)
        if rows[0][2]:  # an exact syllable: its positions, tf of them per posting
            pieces = [p for p in flat.positions(f, term)]
            assert [int(x) for d, _, _ in pieces for x in d] == [r[0] for r in rows]
            assert np.concatenate([p for _, _, p in pieces]).tolist() == [
                x for r in rows for x in r[2]], (f, term)
    for f in postings.SCORED_FIELDS:
        assert list(flat.terms(f)) == sorted(t for g, t in want if g == f), f
    with snap.ix.reader() as r:  # Whoosh keeps no postings of the text fields
        assert [f for f in postings.SCORED_FIELDS if list(r.lexicon(f))] == []
    snap.close()
    return len(want)
