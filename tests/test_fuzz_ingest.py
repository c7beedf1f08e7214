"""Fuzzing the raw-page and JSON Lines readers: random bytes, mutated real pages, odd records.

Whatever a scrape or a feed holds, ingest never raises, reports every input that gave no
article (never through its catch-all "unexpected error"), and every article it yields can
be turned into index fields (the indexer must not be the one to fail on it).
"""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import pytest
from conftest import SAMPLE_DIR, SHARED_DATA
from fuzzing import examples
from hypothesis import example, given
from hypothesis import strategies as st

from newssearch.errors import PageError
from newssearch.index.schema import doc_fields
from newssearch.ingest import IngestReport, iter_articles
from newssearch.ingest.jsonl import Parsed, Rejected, parse_line
from newssearch.ingest.rawpage import parse_page
from newssearch.model import Article

SEED_PAGE = SAMPLE_DIR / "seed_phong_tho.txt"
# A few real scrapes; the bundled seed page alone when ../shared is absent.
REAL_PAGES = [SEED_PAGE.read_bytes()] + [
    p.read_bytes() for p in sorted((SHARED_DATA / "raw_pages").glob("page_*.txt"))[:12]
]
with gzip.open(SAMPLE_DIR / "dantri.jsonl.gz", "rt", encoding="utf-8") as _f:
    REAL_RECORD = json.loads(_f.readline())


def indexable(a: Article) -> None:
    """What the indexer needs of an article: a title, text that encodes, dates that convert."""
    assert a.id and a.title.strip()
    fields = doc_fields(a)
    json.dumps(fields["doc"]).encode("utf-8")
    for v in fields.values():
        if isinstance(v, str):
            v.encode("utf-8")


def ingest(path: Path) -> IngestReport:
    report = IngestReport()
    for a in iter_articles([str(path)], report):
        indexable(a)
    for s in report.skipped:
        assert s.reason and not s.reason.startswith("unexpected error"), s
    return report


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fuzz_ingest")


# ------------------------------------------------------------------------- mutations
@st.composite
def mutated(draw, pages: list[bytes]) -> bytes:
    """A real page with a few byte-level edits: cuts, insertions, repeats, swapped lines."""
    data = bytearray(draw(st.sampled_from(pages)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "insert", "repeat", "swap", "truncate", "flip"]))
        i = draw(st.integers(0, len(data)))
        j = draw(st.integers(i, min(len(data), i + 400)))
        if op == "cut":
            del data[i:j]
        elif op == "insert":
            data[i:i] = draw(st.one_of(
                st.binary(max_size=40),
                st.sampled_from([b"\n", b"\r\n", b"\xc2\xa0\n", b"\x00", b"\xef\xbb\xbf",
                                 "Tin đăng lúc 31-02-2020\n".encode(),
                                 "Tin đăng lúc 01-01-0001 00:00 GMT-12\n".encode(),
                                 b"Tag: ,,,\n", b"| M\xc3\xa3 Kh\xc3\xa1c\n",
                                 "Tin liên quan:\n".encode(), "Chủ Nhật, 99/99/9999 99:99\n"
                                 .encode()]),
            ))
        elif op == "repeat":
            data[i:i] = data[i:j] * draw(st.integers(1, 3))
        elif op == "swap":
            lines = bytes(data).split(b"\n")
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            data = bytearray(b"\n".join(lines))
        elif op == "truncate":
            del data[i:]
        elif data:
            k = min(i, len(data) - 1)
            data[k] ^= 1 << draw(st.integers(0, 7))
    return bytes(data)


@examples(0.6)
@given(mutated(REAL_PAGES))
@example(b"")
@example("Tin đăng lúc 01-01-0001 00:00 GMT-12\nTitle\nLead\nBody".encode())
@example("Tin đăng lúc 31-12-9999 23:59 GMT+14\nTitle\nLead\nBody".encode())
def test_mutated_pages_parse_or_say_why(data: bytes) -> None:
    text = data.decode("utf-8", "replace")
    try:
        a = parse_page(text, "fuzz.txt")
    except PageError as e:
        assert e.reason
        return
    indexable(a)


@examples(0.3)
@given(
    st.one_of(st.binary(max_size=2000), mutated(REAL_PAGES)),
    st.sampled_from(["x.txt", "x.jsonl", "x.jsonl.gz", "x", "x.ndjson"]),
    st.booleans(),
)
@example(b"\x1f\x8b\x08\x00", "x.jsonl.gz", False)
@example(b"\x00\x01", "x.txt", False)
def test_random_files_are_ingested_or_reported(workdir: Path, data: bytes, name: str,
                                               gz: bool) -> None:
    path = workdir / name
    path.write_bytes(gzip.compress(data) if gz else data)
    report = ingest(path)
    if name.endswith(".txt"):
        assert report.ingested + len(report.skipped) == 1


# ------------------------------------------------------------------------- JSON Lines
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True),
    st.text(max_size=30), st.text(alphabet=st.characters(codec=None, exclude_categories=()),
                                  max_size=10),
    st.sampled_from(["2020-10-25", "2020-02-30", "0001-01-01", "9999-12-31T23:59:59-12:00",
                     "0001-01-01T00:00:00+14:00", "25/10/2020", "  ", "<script>"]),
)
values = st.recursive(scalars, lambda c: st.one_of(st.lists(c, max_size=4),
                                                    st.dictionaries(st.text(max_size=5), c,
                                                                    max_size=3)),
                      max_leaves=8)
FIELDS = ["id", "title", "lead", "body", "published", "crawled_at", "author", "tags",
          "category", "url", "source", "captions", "related_titles"]
records = st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)).map(
    lambda d: {**REAL_RECORD, **d}
)


def _line(obj) -> str:
    # NaN and Infinity as Python writes them (not JSON, but feeds produced by Python do it).
    return json.dumps(obj, ensure_ascii=False)


@examples()
@given(st.one_of(records.map(_line), records.map(lambda r: json.dumps(r)),
                 st.text(max_size=200), values.map(_line)))
@example('{"title": "a\\ud800b", "body": "x"}')  # a lone surrogate as a JSON escape
@example('{"id": "\\udfff", "title": "t", "body": "x"}')
@example('{"title": "t", "body": "x", "published": "0001-01-01"}')
@example('{"title": "t", "body": "x", "published": "9999-12-31T23:59:59-12:00"}')
@example("[" * 100_000)
@example('{"title": "t", "body": "x", "published": NaN}')
def test_jsonl_lines_parse_or_say_why(line: str) -> None:
    item = parse_line(line, 1, "fuzz.jsonl")
    if item is None:
        assert not line.strip()
    elif isinstance(item, Rejected):
        assert item.reason and item.line == 1
    else:
        assert isinstance(item, Parsed)
        indexable(item.article)
        assert not any(isinstance(v, float) and math.isnan(v) for v in item.article.tags)
