"""Ingest front door: JSON Lines reading, directory walks, stdin, ids, and the report of
everything that was skipped (bad inputs must be named, never crash, never cost good ones)."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import time
import unicodedata
import zlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newssearch.ingest import IngestReport, Skip, iter_articles
from newssearch.model import LOCAL_TZ, Article

SAMPLE = Path(__file__).resolve().parents[1] / "sample"
SAMPLE_GZ = SAMPLE / "dantri.jsonl.gz"
SEED = SAMPLE / "seed_phong_tho.txt"
CORPORA = ("corpus_baomoi.jsonl.gz", "corpus_dantri.jsonl.gz", "corpus_vietnews.jsonl.gz")


def ingest(paths: list[Path | str], **kw: Any) -> tuple[list[Article], IngestReport]:
    report = IngestReport()
    return list(iter_articles([str(p) for p in paths], report, **kw)), report


def where(report: IngestReport) -> set[tuple[str, int | None, str]]:
    return {(s.path, s.line, s.reason) for s in report.skipped}


def jl(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def sample_ids() -> list[str]:
    with gzip.open(SAMPLE_GZ, "rt", encoding="utf-8") as f:
        return [json.loads(line)["id"] for line in f]


def complete_lines_before_cut(data: bytes) -> list[bytes]:
    """Independent oracle: every full line zlib can recover from a cut gzip stream."""
    prefix = zlib.decompressobj(wbits=31).decompress(data)
    return prefix.split(b"\n")[:-1]


# --- the seeded directory ------------------------------------------------------------------


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    """A corpus directory holding good inputs next to one of each kind of bad input."""
    root = tmp_path / "corpus"
    (root / "pages").mkdir(parents=True)
    (root / "data" / "deeper").mkdir(parents=True)
    (root / ".git").mkdir()
    seed = SEED.read_text("utf-8")
    shutil.copy(SEED, root / "pages" / "good.txt")
    (root / "pages" / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20)
    # The same page in the legacy Windows Vietnamese code page: not UTF-8.
    (root / "pages" / "cp1258.txt").write_bytes(seed.encode("cp1258", errors="replace"))
    (root / "pages" / "untitled.txt").write_text(
        "Thứ Hai, 12/10/2020 15:22:57 GMT+7\n\nTin đăng lúc 02-10-2020\n\n\n\nTin liên quan:\n"
        "\nTag:\n\n| Mã Khác\n\nVề đầu trang\n", "utf-8")
    (root / "pages" / "bad_date.txt").write_text(
        seed.replace("Tin đăng lúc 25-10-2020", "Tin đăng lúc 31-02-2020"), "utf-8")
    lines = [
        jl({"id": "r1", "title": "Một", "body": "Thân bài một.", "extra": [1, 2]}),
        jl([1, 2]),
        jl({"url": "https://example.vn/hai.htm", "title": "Hai", "body": "Thân bài hai."}),
        jl({"id": "r4", "body": "Không có tiêu đề."}),
        jl({"id": "r5", "title": "Không có thân bài", "body": " \n  "}),
        '{"id": "r6", "title": "JSON hỏng",',
        jl({"title": "Bảy", "body": "Không id, không url."}),
        "",
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8") + b'{"id": "r9", "title": "caf\xe9", "body": "x"}\n'
    (root / "data" / "records.jsonl").write_bytes(data)
    gz = SAMPLE_GZ.read_bytes()
    (root / "data" / "deeper" / "cut.jsonl.gz").write_bytes(gz[: len(gz) // 2])
    (root / "data" / "notes.md").write_text("# not an input\n", "utf-8")
    (root / ".git" / "HEAD.txt").write_text("ref: refs/heads/main\n", "utf-8")
    return root


def test_seeded_directory(seeded: Path) -> None:
    seen: list[Skip] = []
    articles, report = ingest([seeded], on_skip=seen.append)
    gz = (seeded / "data" / "deeper" / "cut.jsonl.gz").read_bytes()
    full = complete_lines_before_cut(gz)
    assert 0 < len(full) < 187
    cut_ids = [json.loads(line)["id"] for line in full]

    p = str(seeded)
    assert where(report) == {
        (f"{p}/data/deeper/cut.jsonl.gz", len(full) + 1, "truncated gzip"),
        (f"{p}/data/records.jsonl", 2, "not a JSON object"),
        (f"{p}/data/records.jsonl", 4, "missing 'title'"),
        (f"{p}/data/records.jsonl", 5, "missing 'body'"),
        (f"{p}/data/records.jsonl", 6, "invalid JSON"),
        (f"{p}/data/records.jsonl", 9, "not UTF-8"),
        (f"{p}/pages/bad_date.txt", None, "unparseable date '31-02-2020'"),
        (f"{p}/pages/binary.txt", None, "binary file"),
        (f"{p}/pages/cp1258.txt", None, "not UTF-8"),
        (f"{p}/pages/untitled.txt", None, "no title"),
    }
    assert seen == report.skipped  # reported as they happen, same order

    # Sorted walk: data/ (deeper/ before records.jsonl), then pages/; ids per the id rules.
    assert [a.id for a in articles] == [
        *cut_ids, "r1", "https://example.vn/hai.htm", "data/records.jsonl#7", "pages/good.txt"]
    assert report.ingested == len(articles)
    good = articles[-1]
    assert good.title.startswith("Huyện Phong Thổ") and good.author == "Xuân Trường"

    summary = report.summary_lines()
    assert summary[0] == f"ingested {len(articles)}, skipped 10"
    assert f"  not UTF-8: 2 (first: {p}/data/records.jsonl:9)" in summary
    assert len(summary) == 1 + 9  # "not UTF-8" is one group, every other reason its own


def test_truncated_gzip_given_directly(tmp_path: Path) -> None:
    gz = SAMPLE_GZ.read_bytes()
    ids = sample_ids()
    for cut in (len(gz) // 5, len(gz) - 4000, len(gz) - 8, 10):
        path = tmp_path / f"cut{cut}.json.gz"
        path.write_bytes(gz[:cut])
        full = complete_lines_before_cut(gz[:cut])
        articles, report = ingest([path])
        assert [a.id for a in articles] == ids[: len(full)], cut
        assert where(report) == {(str(path), len(full) + 1, "truncated gzip")}
    # Only the 8-byte trailer lost: every line is complete and is kept.
    assert len(complete_lines_before_cut(gz[: len(gz) - 8])) == 187


def test_corrupt_gzip(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl.gz"
    path.write_bytes(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff" * 64)
    articles, report = ingest([path])
    assert articles == []
    assert where(report) == {(str(path), 1, "corrupt gzip")}


def test_missing_and_ignored_paths(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    articles, report = ingest([tmp_path / "nope.jsonl", tmp_path / "empty"])
    assert articles == []
    assert where(report) == {(str(tmp_path / "nope.jsonl"), None, "no such file")}


def test_sample_directory() -> None:
    """The bundled sample indexes cleanly: 187 JSONL articles plus the seed page."""
    articles, report = ingest([SAMPLE])
    assert report.skipped == []
    assert len(articles) == report.ingested == 188
    assert [a.id for a in articles[:187]] == sample_ids()
    assert articles[-1].id == "seed_phong_tho.txt"


# --- JSON Lines fields ----------------------------------------------------------------------


def test_jsonl_fields(tmp_path: Path) -> None:
    rec = {
        "id": "dantri-news_x_001", "title": "  Tiêu đề  ", "lead": "Sapo.",
        "body": "Đoạn 1.\n\n  Đoạn 2.  \n\u00a0\nTác giả", "published": "2020-10-01T11:11:48+07:00",
        "category": "Kinh doanh", "url": "https://dantri.com.vn/a.htm", "source": "dantri.com.vn",
        "captions": ["Ảnh 1", ""], "tags": ["a", "b"], "unknown": {"x": 1},
    }
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + (jl(rec) + "\r\n" + jl(
        {"id": "d2", "title": "T", "body": "B", "published": "2020-10-01"}) + "\r\n").encode())
    (a, b), report = ingest([path])
    assert report.skipped == []
    assert a.id == "dantri-news_x_001" and a.title == "Tiêu đề" and a.lead == "Sapo."
    assert a.body == ["Đoạn 1.", "Đoạn 2.", "Tác giả"]
    assert a.published == datetime.fromisoformat("2020-10-01T11:11:48+07:00")
    assert (a.category, a.url, a.source) == ("Kinh doanh", rec["url"], "dantri.com.vn")
    assert (a.captions, a.tags, a.author) == (["Ảnh 1"], ["a", "b"], None)
    assert b.published == datetime(2020, 10, 1, tzinfo=LOCAL_TZ)  # date-only: local midnight
    assert (b.tags, b.captions, b.lead) == ([], [], "")


def test_jsonl_bad_date_skipped(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text(jl({"id": "a", "title": "T", "body": "B", "published": "2020-02-31"}) + "\n"
                    + jl({"id": "b", "title": "T", "body": "B"}) + "\n", "utf-8")
    articles, report = ingest([path])
    assert [a.id for a in articles] == ["b"]
    assert where(report) == {(str(path), 1, "unparseable date '2020-02-31'")}


def test_binary_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\x00" * 100 + b"\n" * 1000)
    articles, report = ingest([path])
    assert (articles, where(report)) == ([], {(str(path), None, "binary file")})


def test_round_trip_of_parsed_page() -> None:
    """Our own output (body as a list, every Article field) can be ingested again unchanged."""
    (page,), _ = ingest([SEED])
    (again,), report = ingest(["-"], stdin=io.StringIO(jl(page.to_dict()) + "\n"))
    assert report.skipped == []
    assert again == page


# --- stdin and ids -------------------------------------------------------------------------


def test_stdin(tmp_path: Path) -> None:
    stdin = io.StringIO(
        jl({"id": "s1", "title": "A", "body": "B"}) + "\n"
        + "not json\n\n"
        + jl({"title": "C", "body": "D"}) + "\n")
    path = tmp_path / "f.jsonl"
    path.write_text(jl({"title": "E", "body": "F"}) + "\n", "utf-8")
    articles, report = ingest(["-", path], stdin=stdin)
    assert [a.id for a in articles] == ["s1", "<stdin>#4", f"{path}#1"]
    assert where(report) == {("<stdin>", 2, "invalid JSON")}
    assert [str(s) for s in report.skipped] == ["<stdin>:2: invalid JSON"]


def test_stdin_undecodable_line() -> None:
    raw = io.TextIOWrapper(io.BytesIO(b'{"id": "a", "title": "A", "body": "B"}\n\xff\xfe\n'),
                           encoding="utf-8", errors="surrogateescape")
    articles, report = ingest(["-"], stdin=raw)
    assert [a.id for a in articles] == ["a"]
    assert where(report) == {("<stdin>", 2, "not UTF-8")}


def test_id_rules(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    recs = [{"id": "given", "url": "https://u/1"}, {"url": "https://u/2"}, {"id": 42}, {}]
    (root / "sub" / "r.ndjson").write_text(
        "".join(jl({**r, "title": "T", "body": "B"}) + "\n" for r in recs), "utf-8")
    shutil.copy(SEED, root / "sub" / "page.txt")
    articles, _ = ingest([root])
    assert [a.id for a in articles] == ["sub/page.txt", "given", "https://u/2", "42",
                                        "sub/r.ndjson#4"]
    # A file named directly: its path as given, relative or absolute.
    direct = root / "sub" / "r.ndjson"
    articles, _ = ingest([direct])
    assert articles[-1].id == f"{direct}#4"
    articles, _ = ingest([root / "sub" / "page.txt"])
    assert articles[0].id == str(root / "sub" / "page.txt")


def test_duplicate_ids_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(jl({"id": "x", "title": "T1", "body": "B"}) + "\n"
                    + jl({"id": "x", "title": "T2", "body": "B"}) + "\n", "utf-8")
    articles, report = ingest([path])
    assert [a.title for a in articles] == ["T1"]
    assert where(report) == {(str(path), 2, "duplicate id 'x'")}


def test_summary_groups_by_leading_words() -> None:
    report = IngestReport(ingested=5, skipped=[
        Skip("a.txt", None, "unparseable date '31-02-2020'"),
        Skip("b.txt", None, "unparseable date '2020-13-01'"),
        Skip("c.jsonl", 3, "missing 'title'"),
        Skip("c.jsonl", 4, "missing 'body'"),
        Skip("c.jsonl", 7, "missing 'body'"),
    ])
    assert report.summary_lines() == [
        "ingested 5, skipped 5",
        "  missing 'body': 2 (first: c.jsonl:4)",
        "  unparseable date: 2 (first: a.txt)",
        "  missing 'title': 1 (first: c.jsonl:3)",
    ]


# --- the full shared corpora -------------------------------------------------------------------


@pytest.mark.slow
def test_full_corpora(shared_data: Path) -> None:
    paths = [shared_data / name for name in CORPORA]
    start = time.perf_counter()
    articles, report = ingest(paths)
    elapsed = time.perf_counter() - start
    assert report.skipped == []
    assert len(articles) == report.ingested == 46_756
    assert len({a.id for a in articles}) == 46_756
    assert elapsed < 60, f"ingest took {elapsed:.1f}s"

    # Text is not normalised: every record that is not NFC in the files stays exactly so.
    def nfc(s: str) -> bool:
        return unicodedata.is_normalized("NFC", s)

    raw_non_nfc: dict[str, dict[str, Any]] = {}
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            for line in f:
                rec = json.loads(line)
                if not all(nfc(rec.get(k, "")) for k in ("title", "lead", "body")):
                    raw_non_nfc[rec["id"]] = rec
    by_id = {a.id: a for a in articles}
    assert len(raw_non_nfc) > 500
    ingested_non_nfc = {a.id for a in articles
                        if not all(nfc(s) for s in (a.title, a.lead, *a.body))}
    assert ingested_non_nfc == set(raw_non_nfc)
    for doc_id, rec in raw_non_nfc.items():
        a = by_id[doc_id]
        assert a.title == rec["title"].strip() and a.lead == rec.get("lead", "").strip()
        assert a.body == [p.strip() for p in rec["body"].split("\n") if p.strip()]
