"""The search-side CLI commands (search, run-queries, eval, stats) on the shared real index."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
from click.testing import CliRunner

from newssearch.cli.app import main
from newssearch.ops import evaluation
from newssearch.search import Filters

SEED = "seed_phong_tho.txt"


@pytest.fixture
def run(search_index):
    runner = CliRunner()

    def invoke(*args: str, index: bool = True):
        full = [args[0], "--index", str(search_index.root), *args[1:]] if index else list(args)
        return runner.invoke(main, full, catch_exceptions=False)

    return invoke


def json_hits(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [h["id"] for h in json.loads(result.stdout)["hits"]]


def test_search_human_output(run, search_engine):
    r = run("search", "phong", "tho")
    assert r.exit_code == 0, r.output
    out = r.stdout
    total = search_engine.search("phong tho").total
    assert re.match(rf"{total} results \(\d+\.\d ms\)\n", out)
    assert "With accents: Phong Thổ" in out
    first = out.split("\n  1. ", 1)[1]
    assert first.startswith("Huyện Phong Thổ: Đoàn kết")
    id_line = first.split("\n")[1]
    assert id_line.split()[:2] == [SEED, "2020-10-25"]
    assert "*Phong Thổ*" in first.split("\n")[2]  # the snippet, marks as *...*
    numbers = re.findall(r"^\s*(\d+)\. ", out, re.MULTILINE)
    assert numbers == [str(i) for i in range(1, min(10, total) + 1)]


def test_search_human_output_page_numbers_continue(run):
    r = run("search", "bóng", "đá", "--limit", "3", "--page", "2")
    assert re.findall(r"^\s*(\d+)\. ", r.stdout, re.MULTILINE) == ["4", "5", "6"]


def test_search_json_hits_in_rank_order(run, search_engine):
    r = run("search", "--json", "bóng đá", "--limit", "20")
    data = json.loads(r.stdout)
    expected = search_engine.search("bóng đá", per_page=20)
    assert [h["id"] for h in data["hits"]] == [h.article.id for h in expected.hits]
    assert data["total"] == expected.total and data["per_page"] == 20
    scores = [h["score"] for h in data["hits"]]
    assert scores == sorted(scores, reverse=True)
    assert {"query", "total", "page", "per_page", "hits", "facets", "suggestions", "relaxed",
            "elapsed_ms", "index_version"} <= set(data)
    assert {"id", "title", "url", "published", "title_html", "snippets", "score"} <= set(
        data["hits"][0])


def test_search_filters(run, search_index, search_engine):
    sport = {a.id for a in search_index.articles if a.category == "Thể thao"}
    got = json_hits(run("search", "--json", "", "--category", "Thể thao", "--limit", "100"))
    assert set(got) == sport
    got = json_hits(run("search", "--json", "bóng đá", "--category", "thể thao",
                        "--source", "kiemthu.vn"))
    assert got == ["x-bongda"]
    got = json_hits(run("search", "--json", "", "--tag", "Zorbaland", "--tag", "bóng đá"))
    assert got == ["x-bongda"]
    # Dates and sort are handed to the library as given.
    r = run("search", "--json", "bóng đá", "--from", "25/10/2020", "--to", "2021-04-30",
            "--sort", "newest", "--limit", "50")
    want = search_engine.search("bóng đá", per_page=50, sort="newest", filters=Filters(
        date_from=date(2020, 10, 25), date_to=date(2021, 4, 30)))
    assert json_hits(r) == [h.article.id for h in want.hits]


@pytest.mark.parametrize(
    "args, message",
    [
        (("from:bad-date",), "from: expects a date"),
        (("bão", "--from", "yesterday"), "--from: expects a date"),
        (("bão", "--to", "32/1/2020"), "--to: expects a date"),
        (("a" * 1001,), "limit is 1000"),
    ],
)
def test_search_bad_query_exits_2_with_message(run, args, message):
    r = run("search", *args)
    assert r.exit_code == 2
    assert r.stdout == ""
    assert r.stderr.startswith("error: ") and message in r.stderr


@pytest.mark.parametrize("args", [("bão", "--limit", "0"), ("bão", "--sort", "oldest"),
                                  ("bão", "--page", "0")])
def test_search_bad_options_are_usage_errors(run, args):
    r = run("search", *args)
    assert r.exit_code == 2 and "Invalid value" in r.stderr


def test_search_odd_queries_never_crash(run):
    for q in ['"', "-", "OR", "title:", "😀", "Lưu ý:", "http://x", '-"a b"', "\u200b"]:
        r = run("search", q, "--limit", "2")
        assert r.exit_code in (0, 2), (q, r.output)


def test_search_without_index_fails_cleanly(tmp_path):
    r = CliRunner().invoke(main, ["search", "--index", str(tmp_path / "none"), "bão"])
    assert r.exit_code == 1
    assert "No index at" in r.stderr and "Traceback" not in r.output


def test_stats_json(run, search_index):
    r = run("stats", "--json")
    assert r.exit_code == 0, r.output
    st = json.loads(r.stdout)
    assert st["articles"] == len(search_index.articles)


@pytest.fixture
def eval_files(tmp_path):
    queries = [
        {"qid": "D1-title", "query": "phong tho", "type": "title"},
        {"qid": "D2-title", "query": "lá thu Zorbaland", "type": "title"},
        {"qid": "D3-keywords", "query": "Quenzelo", "type": "keywords"},
        {"qid": "D4-keywords", "query": "bóng đá", "type": "keywords"},
    ]
    qrels = {"D1-title": SEED, "D2-title": "x-acc-exact",
             "D3-keywords": evaluation.trec_id("kiemthu/bai viet 1"), "D4-keywords": "x-ubnd"}
    qf, rf = tmp_path / "queries.jsonl", tmp_path / "qrels.tsv"
    qf.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries),
                  encoding="utf-8")
    rf.write_text("qid\tdoc_id\trelevance\n" + "".join(f"{q}\t{d}\t1\n" for q, d in qrels.items()),
                  encoding="utf-8")
    return qf, rf


def test_run_queries_writes_the_run_file(run, eval_files, tmp_path, search_engine):
    qf, _ = eval_files
    out = tmp_path / "run.txt"
    r = run("run-queries", str(qf), "--k", "5", "--out", str(out))
    assert r.exit_code == 0, r.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert f"wrote {len(lines)} lines for 4 queries to {out}" in r.stdout
    rows = [line.split(" ") for line in lines]
    assert all(len(p) == 6 and p[1] == "Q0" and p[5] == "newssearch" for p in rows)
    d1 = [p for p in rows if p[0] == "D1-title"]
    assert [p[3] for p in d1] == [str(i) for i in range(1, len(d1) + 1)] and len(d1) <= 5
    assert d1[0][2] == SEED
    assert [p[2] for p in rows if p[0] == "D3-keywords"] == ["kiemthu%2Fbai%20viet%201"]
    assert [p[2] for p in rows if p[0] == "D4-keywords"] == [
        h.article.id for h in search_engine.search("bóng đá", per_page=5).hits]


def test_eval_prints_the_table(run, eval_files, tmp_path):
    qf, rf = eval_files
    r = run("eval", str(qf), str(rf))
    assert r.exit_code == 0, r.output
    lines = r.stdout.strip().splitlines()
    assert lines[0] == "| type | queries | MRR@10 | success@1 | success@10 |"
    rows = {ln.split("|")[1].strip(): [c.strip() for c in ln.split("|")[2:-1]] for ln in lines[2:]}
    assert list(rows) == ["keywords", "title", "all"]
    assert rows["title"] == ["2", "0.7500", "0.5000", "1.0000"]  # D1 at 1, D2 at 2
    assert rows["keywords"][0] == "2" and rows["keywords"][3] == "0.5000"  # D3 found, D4 not
    assert rows["all"][0] == "4"
    # Scoring a run file written by run-queries gives the same table.
    out = tmp_path / "run.txt"
    run("run-queries", str(qf), "--out", str(out))
    r2 = run("eval", str(qf), str(rf), "--run", str(out))
    assert r2.exit_code == 0 and r2.stdout == r.stdout


def test_search_reads_telex_and_offers_the_literal_query(run):
    r = run("search", "phong", "thoor")
    assert r.exit_code == 0, r.output
    assert "Showing results for: phong thổ" in r.stdout and SEED in r.stdout
    r = run("search", "phong", "thoor", "--literal")
    assert "Showing results for" not in r.stdout and "partial matches" in r.stdout


def test_search_match_any_lists_partial_matches_too(run):
    exact = run("search", "phong", "tho", "--json")
    both = run("search", "phong", "tho", "--match", "any", "--json")
    a, b = json.loads(exact.stdout), json.loads(both.stdout)
    assert a["total"] < b["total"] and b["relaxed"] and a["hits"][0]["id"] == SEED


def test_search_rejects_nan_recency_as_a_usage_error(run):
    r = run("search", "phong", "tho", "--recency", "nan")
    assert r.exit_code == 2 and "recency" in r.stderr
