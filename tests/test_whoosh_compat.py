"""whoosh_compat: one test per Whoosh internal newssearch relies on, so an upgrade of Whoosh
fails here, by name, rather than somewhere in search."""

from __future__ import annotations

import io
import random

import pytest
from whoosh.filedb.structfile import BufferFile

from newssearch.index.store import open_build
from newssearch.index.whoosh_compat import ViewReader, length_bytes


def test_view_reader_behaves_like_bytesio():
    rng = random.Random(5)
    data = bytes(rng.randrange(256) for _ in range(5000)) + b"line one\nline two\n"
    ours, ref = ViewReader(memoryview(data)), io.BytesIO(data)
    for _ in range(3000):
        op = rng.choice(["read", "read_all", "seek", "seek_cur", "seek_end", "readline"])
        if op == "read":
            n = rng.randrange(-1, 300)
            assert ours.read(n) == ref.read(n)
        elif op == "read_all":
            assert ours.read() == ref.read()
        elif op == "seek":
            p = rng.randrange(0, len(data) + 50)
            assert ours.seek(p) == ref.seek(p)
        elif op == "seek_cur":
            d = rng.randrange(0, 100)
            assert ours.seek(d, io.SEEK_CUR) == ref.seek(d, io.SEEK_CUR)
        elif op == "seek_end":
            d = -rng.randrange(0, 100)
            assert ours.seek(d, io.SEEK_END) == ref.seek(d, io.SEEK_END)
        else:
            assert ours.readline() == ref.readline()
        assert ours.tell() == ref.tell()
    with pytest.raises(ValueError):
        ours.seek(-1)
    with pytest.raises(io.UnsupportedOperation):
        ours.write(b"x")


def test_segment_files_are_views_of_the_map_not_copies(sample_index):
    _, ix = open_build(sample_index)
    with ix.searcher() as s:
        segment = s.reader().leaf_readers()[0][0].segment()
        cstore = segment.open_compound_file(ix.storage)
        name = cstore.list()[0]
        f = cstore.open_file(name)
        assert isinstance(f, BufferFile) and isinstance(f.file, ViewReader)
        assert isinstance(f._buf, memoryview)  # a window on the map, not a bytes copy
        first = f.read(16)
        assert first == bytes(f._buf[:16])
        f.close()
        cstore.close()
        # And the index reads as before: every stored article comes back.
        assert sum(1 for _ in s.all_stored_fields()) == s.doc_count_all()


def test_length_bytes_are_the_field_lengths(sample_index):
    """``_perdoc._cached_reader``/``_lenfield`` give the encoded lengths Whoosh scores with."""
    from whoosh.codec.whoosh3 import byte_to_length

    _, ix = open_build(sample_index)
    with ix.reader() as r:
        for seg, _ in r.leaf_readers():
            for field in ("title", "body_f"):
                got = [byte_to_length(b) for b in length_bytes(seg, field)]
                want = [seg.doc_field_length(d, field, 0) for d in range(seg.doc_count_all())]
                assert got == want and any(want)
            assert length_bytes(seg, "no_such_field") is None


def _all_postings(ix) -> dict:
    """Every posting of every field Whoosh keeps postings of (not the text fields):
    (field, term) -> [(docnum, weight, value bytes)]."""
    from newssearch.index.flat.postings import SCORED_FIELDS

    out = {}
    with ix.reader() as r:
        for field in ix.schema.names():
            if not ix.schema[field].indexed or field in SCORED_FIELDS:
                continue
            for term in r.lexicon(field):
                m = r.postings(field, term)
                rows = []
                while m.is_active():
                    rows.append((m.id(), m.weight(), m.value()))
                    m.next()
                out[(field, term)] = rows
    return out


@pytest.mark.heavy
def test_buffered_writer_writes_what_whoosh_would(sample_articles, tmp_path):
    """The compact pool (postpool) and its feed into the codec give the same segment as
    Whoosh's own pool for the fields Whoosh keeps postings of (same terms, docnums, weights
    and values), none for the text fields (the flat sets hold those), same lengths."""
    from whoosh.writing import SegmentWriter

    from newssearch.index.bulk import segment_codec
    from newssearch.index.flat.buffer import PostingBuffer
    from newssearch.index.schema import build_schema, doc_fields
    from newssearch.index.whoosh_compat import (
        BufferedSegmentWriter,
        commit_with_segments,
        create_index,
        finish_segment,
    )

    docs = [doc_fields(a) for a in sample_articles[:60]]
    for d in ("ref", "ours/postings"):
        (tmp_path / d).mkdir(parents=True)
    ref = create_index(tmp_path / "ref", build_schema())
    w = SegmentWriter(ref, codec=segment_codec())
    for d in docs:
        w.add_document(**d)
    w.commit()
    ours = create_index(tmp_path / "ours", build_schema())
    sub = BufferedSegmentWriter(ours, PostingBuffer(tmp_path / "ours" / "postings"), _lk=False,
                                codec=segment_codec())
    for d in docs:
        sub.add_document(**d)
    seg = finish_segment(sub)
    commit_with_segments(BufferedSegmentWriter(ours, PostingBuffer(None)), [seg])
    a, b = _all_postings(ref), _all_postings(ours)
    assert len(a) > 200 and a == b
    with ours.reader() as r:
        assert [f for f in ("title", "body_f", "lead_sh") if list(r.lexicon(f))] == []
    with ref.reader() as ra, ours.reader() as rb:
        for f in ("title", "body_f", "lead_sh"):
            assert [ra.doc_field_length(d, f) for d in range(60)] == \
                   [rb.doc_field_length(d, f) for d in range(60)]
