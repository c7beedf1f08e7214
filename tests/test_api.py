"""The JSON API on the shared real index, via Flask's test client: shapes, parameters, errors
(one shape: {"error": {"code", "message"}}), caching headers, CORS and health."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date
from urllib.parse import quote

import pytest
from click.testing import CliRunner
from conftest import CRAFTED_SOURCE, MARKER, SPACE_ID, copy_index

from newssearch.cli.app import main
from newssearch.search import Filters
from newssearch.web import create_app

SEED = "seed_phong_tho.txt"


@pytest.fixture
def client(web_app):
    return web_app.test_client()


def get_json(client, url: str, status: int = 200, **kw) -> dict:
    r = client.get(url, **kw)
    assert r.status_code == status, (url, r.status_code, r.get_data(as_text=True)[:300])
    assert r.mimetype == "application/json"
    return r.get_json()


def error_of(data: dict) -> dict:
    """The error object of an error response, checked for the one shape."""
    assert set(data) == {"error"} and set(data["error"]) == {"code", "message"}, data
    assert data["error"]["code"] and data["error"]["message"]
    return data["error"]


def test_api_search_shape(client, search_engine):
    data = get_json(client, "/api/search?q=phong+tho&per_page=3")
    assert set(data) >= {"query", "total", "page", "per_page", "hits", "facets", "suggestions",
                         "relaxed", "elapsed_ms", "index_version"}
    assert data["query"] == "phong tho" and data["page"] == 1 and data["per_page"] == 3
    assert data["total"] == search_engine.search("phong tho").total
    assert [h["id"] for h in data["hits"]] == [h.article.id for h in search_engine.search(
        "phong tho", per_page=3).hits]
    hit = data["hits"][0]
    assert set(hit) == {"id", "title", "url", "published", "category", "tags", "source",
                        "author", "lead", "score", "title_html", "snippets", "similar",
                        "tier", "related"}
    assert hit["tier"] == "exact" and hit["related"] is False
    assert hit["id"] == SEED and "<mark>Phong Thổ</mark>" in hit["title_html"]
    assert set(data["facets"]) == {"tags", "names", "category", "source", "month"}
    assert all(set(f) == {"value", "count"} for v in data["facets"].values() for f in v)
    assert data["suggestions"] == {"accented": ["Phong Thổ"]}


def test_api_json_never_contains_raw_html(client):
    r = client.get("/api/search?q=" + quote("mã độc"))
    raw = r.get_data(as_text=True)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    data = json.loads(raw)
    hit = next(h for h in data["hits"] if h["id"] == "x-script")
    assert hit["title"].startswith("Cảnh báo <script>")  # the value itself is unchanged
    assert "<script" not in hit["title_html"] and "&lt;script&gt;" in hit["title_html"]
    assert all("<script" not in s for s in hit["snippets"])


def test_api_search_filters(client, search_engine, search_index):
    def api_ids(**params):  # every article, copies of one story included (fold=0)
        params.setdefault("fold", "0")
        return [h["id"] for h in get_json(client, "/api/search", query_string=params)["hits"]]

    assert set(api_ids(tag=[MARKER, "bóng đá"])) == {"x-bongda"}
    assert set(api_ids(category="Đời sống")) == {"x-bong-split", "x-acc-exact", "x-acc-folded"}
    assert set(api_ids(q=MARKER, source=CRAFTED_SOURCE, category=["Đời sống", "Thể thao"],
                       per_page=20)) == {"x-bong-split", "x-acc-exact", "x-acc-folded",
                                          "x-bongda"}
    assert api_ids(q="bóng đá", source="dantri.com.vn", category="Thể thao", per_page=100) == [
        h.article.id for h in search_engine.search(
            "bóng đá", per_page=100, fold=False, filters=Filters(sources=["dantri.com.vn"],
                                                                 categories=["Thể thao"])).hits]
    # Dates (both formats), sort and recency go to the engine as given.
    want = search_engine.search("bóng đá", per_page=50, sort="newest", recency=0.5,
                                filters=Filters(date_from=date(2020, 10, 1),
                                                date_to=date(2021, 4, 30)))
    got = api_ids(q="bóng đá", per_page=50, sort="newest", recency="0.5", **{
        "from": "1/10/2020", "to": "2021-04-30"})
    assert got == [h.article.id for h in want.hits]


def test_api_search_paging_and_facet_selection(client):
    full = get_json(client, "/api/search?q=bóng+đá&per_page=12&facets=")
    assert full["facets"] == {}
    p2 = get_json(client, "/api/search?q=bóng+đá&per_page=4&page=2&facets=category,month")
    assert set(p2["facets"]) == {"category", "month"}
    assert [h["id"] for h in p2["hits"]] == [h["id"] for h in full["hits"][4:8]]
    assert p2["page"] == 2 and p2["total"] == full["total"]


def test_api_snippets_and_suggestions_can_be_turned_off(client):
    on = get_json(client, "/api/search?q=phong+tho&per_page=3")
    assert on["hits"][0]["snippets"] and on["suggestions"] == {"accented": ["Phong Thổ"]}
    off = get_json(client, "/api/search?q=phong+tho&per_page=3&snippets=0&suggest=no")
    assert [h["id"] for h in off["hits"]] == [h["id"] for h in on["hits"]]
    assert [h["title_html"] for h in off["hits"]] == [h["title_html"] for h in on["hits"]]
    assert all(h["snippets"] == [] for h in off["hits"]) and off["suggestions"] == {}
    # Explicitly on is the default.
    same = get_json(client, "/api/search?q=phong+tho&per_page=3&snippets=1&suggest=true")
    assert same["hits"] == on["hits"] and same["suggestions"] == on["suggestions"]


def test_api_fragment_size_and_count_go_to_the_engine(client, search_engine):
    def snippets(**params) -> list[list[str]]:
        data = get_json(client, "/api/search", query_string={
            "q": "bóng đá tuyển", "per_page": 8, "facets": "", **params})
        return [h["snippets"] for h in data["hits"]]

    short = snippets(fragment_chars=40, max_fragments=1)
    assert short == [h.snippets for h in search_engine.search(
        "bóng đá tuyển", per_page=8, facets=(), fragment_chars=40, max_fragments=1).hits]
    assert short and all(len(s) == 1 for s in short)
    assert max(map(len, snippets(fragment_chars=40, max_fragments=3))) > 1  # words apart
    long = snippets(fragment_chars=600)
    longest = max(len(f) for fragments in long for f in fragments)
    assert longest > 3 * max(len(f) for fragments in short for f in fragments)
    seed = get_json(client, "/api/search?q=phong+tho&max_fragments=0&facets=")["hits"][0]
    assert seed["id"] == SEED and seed["snippets"] == []
    # None either for hits whose text holds no query word (the opening used to be shown).
    loose = get_json(client, "/api/search", query_string={
        "q": "bóng đá", "match": "any", "max_fragments": "0", "per_page": "100", "facets": ""})
    assert loose["total"] > 20 and all(h["snippets"] == [] for h in loose["hits"])


BAD_PARAMS = [
    {"q": "from:bad-date"}, {"q": "a" * 1001}, {"from": "2020-13-01"}, {"to": "hôm qua"},
    {"page": "0"}, {"page": "x"}, {"page": "1e3"}, {"page": "99999999999999999999"},
    {"per_page": "0"}, {"per_page": "101"}, {"per_page": "-1"}, {"sort": "oldest"},
    {"facets": "colour"}, {"facets": "tags,,x"}, {"recency": "nan"}, {"recency": "inf"},
    {"recency": "-1"}, {"recency": "abc"}, {"q": "x", "tag": "t" * 2000}, {"match": "some"},
    {"literal": "x"}, {"fold": "2"}, {"snippets": "maybe"}, {"suggest": "-"},
    {"fragment_chars": "39"}, {"fragment_chars": "1001"}, {"fragment_chars": "x"},
    {"max_fragments": "-1"}, {"max_fragments": "11"},
]


@pytest.mark.parametrize("params", BAD_PARAMS, ids=range(len(BAD_PARAMS)))
def test_api_bad_requests_are_400_json(client, params):
    data = get_json(client, "/api/search", status=400, query_string=params)
    assert error_of(data)["code"] == "bad_request"


# The CLI's spelling of each search parameter, with values refused and accepted by both.
CLI_PARITY = [
    ("fragment_chars", "--fragment-chars", ["39", "1001", "40", "1000"]),
    ("max_fragments", "--max-fragments", ["-1", "11", "0", "10"]),
    ("per_page", "--limit", ["0", "101", "100"]),
    ("page", "--page", ["0", "100001", "100000"]),
    ("recency", "--recency", ["nan", "11", "0.5"]),
    ("facets", "--facets", ["colour", "tags,x", "", "month"]),
    ("sort", "--sort", ["oldest", "newest"]),
    ("match", "--match", ["some", "any"]),
]


@pytest.mark.parametrize(("param", "option", "values"), CLI_PARITY,
                         ids=[p for p, _, _ in CLI_PARITY])
def test_cli_and_api_refuse_the_same_values(client, search_index, param, option, values):
    runner = CliRunner()
    for v in values:
        api = client.get("/api/search", query_string={"q": "bão", "facets": "", param: v})
        cli = runner.invoke(main, ["search", "--index", str(search_index.root), "--json",
                                   f"{option}={v}", "bão"])
        assert api.status_code in (200, 400) and cli.exit_code in (0, 2), (v, cli.output)
        assert (api.status_code == 400) == (cli.exit_code == 2), (param, v, cli.output)


def test_cli_search_takes_every_api_parameter(client, search_index):
    """The same request through both layers gives the same hits, snippets and suggestions."""
    params = {"q": "bong da tuyen", "per_page": "5", "facets": "category,month",
              "fragment_chars": "60", "max_fragments": "2", "snippets": "1", "suggest": "0",
              "sort": "newest", "match": "any", "fold": "0", "literal": "1", "recency": "0.5",
              "from": "2020-01-01", "to": "31/12/2021", "page": "1"}
    api = get_json(client, "/api/search", query_string=params)
    cli = CliRunner().invoke(main, [
        "search", "--index", str(search_index.root), "--json", "--limit=5",
        "--facets=category,month", "--fragment-chars=60", "--max-fragments=2", "--no-suggest",
        "--sort=newest", "--match=any", "--no-fold", "--literal", "--recency=0.5",
        "--from=2020-01-01", "--to=31/12/2021", "--page=1", params["q"]])
    assert cli.exit_code == 0, cli.output
    out = json.loads(cli.output)
    assert api["total"] == out["total"] > 0 and api["suggestions"] == out["suggestions"] == {}
    for key in ("hits", "facets"):
        assert api[key] == out[key], key
    no_snippets = CliRunner().invoke(main, ["search", "--index", str(search_index.root),
                                            "--json", "--no-snippets", "phong tho"])
    assert json.loads(no_snippets.output)["hits"][0]["snippets"] == []


ODD_QUERIES = ["", "-", "OR", '"', '-"a b"', "title:", "tag:", "😀", "Lưu ý:", "http://x",
               "\u200b", "%00", "\\", "<script>", "-5", "a" * 1000, "x " * 500, "và của là",
               "from:2021-01-01 to:2020-01-01", "KT-XH TP.HCM"]


@pytest.mark.parametrize("q", ODD_QUERIES, ids=range(len(ODD_QUERIES)))
def test_api_odd_queries_never_500(client, q):
    r = client.get("/api/search", query_string={"q": q, "per_page": 3})
    assert r.status_code in (200, 400), r.get_data(as_text=True)[:200]
    assert r.mimetype == "application/json"
    if r.status_code == 400:
        assert error_of(r.get_json())["code"] == "bad_request"


@pytest.mark.parametrize("q", ["author:Xuân", "from:0001-01-01", "to:9999-12-31"])
def test_api_engine_crashes_are_not_500(client, q):
    assert client.get("/api/search", query_string={"q": q}).status_code in (200, 400)


@pytest.mark.parametrize("q", ["author:Xuân", "from:0001-01-01"])
def test_api_errors_of_any_kind_are_json(client, q):
    r = client.get("/api/search", query_string={"q": q})
    if r.status_code >= 400:
        assert r.mimetype == "application/json"
        error_of(r.get_json())
        assert "Traceback" not in r.get_data(as_text=True)


def test_api_missing_index_is_503_json(tmp_path):
    app = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True})
    c = app.test_client()
    for url in ["/api/search?q=bão", "/api/suggest?q=ph", "/api/articles/x", "/api/stats"]:
        err = error_of(get_json(c, url, status=503))
        assert err["code"] == "no_index" and "not available" in err["message"]
        assert str(tmp_path) not in err["message"]  # server paths stay in the log
    assert c.get("/api/nothing").status_code == 404


def test_api_404_and_405_are_json(client):
    for url in ["/api/nothing", "/api/", "/api", "/api/articles/", "/api/search/x"]:
        assert error_of(get_json(client, url, status=404))["code"] == "not_found"
    r = client.post("/api/search", data={"q": "x"})
    assert r.status_code == 405 and r.mimetype == "application/json"
    assert error_of(r.get_json())["code"] == "method_not_allowed"
    assert "GET" in r.headers["Allow"]
    # Outside /api, error pages are HTML in Vietnamese, with a search box.
    r = client.get("/nothing")
    assert r.status_code == 404 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "Không tìm thấy trang" in page and 'name="q"' in page
    r = client.post("/", data={"q": "x"})
    assert r.status_code == 405 and "Phương thức không được hỗ trợ" in r.get_data(as_text=True)


def test_too_long_urls_are_414(client):
    r = client.get("/api/search?q=" + "a" * 5000)
    assert r.status_code == 414 and error_of(r.get_json())["code"] == "uri_too_long"
    r = client.get("/?q=" + "a" * 5000)
    assert r.status_code == 414 and "Địa chỉ quá dài" in r.get_data(as_text=True)


def test_api_suggest(client):
    data = get_json(client, "/api/suggest?q=phong+th")
    assert data["query"] == "phong th" and data["suggestions"][0] == "Phong Thổ"
    assert data["completions"][0] == {"text": "Phong Thổ", "typed": 8}
    assert data["articles"] == []
    arts = get_json(client, "/api/suggest?q=phong+th&articles=2")["articles"]
    assert arts[0] == {"id": "seed_phong_tho.txt", "title": arts[0]["title"]} and len(arts) <= 2
    error_of(get_json(client, "/api/suggest?q=ph&articles=6", status=400))
    assert len(get_json(client, "/api/suggest?q=ph&limit=3")["suggestions"]) == 3
    assert get_json(client, "/api/suggest?q=")["suggestions"] == []
    assert get_json(client, "/api/suggest")["suggestions"] == []
    assert get_json(client, "/api/suggest?q=" + "x" * 300)["suggestions"] == []
    for bad in ("0", "21", "x"):
        error_of(get_json(client, f"/api/suggest?q=ph&limit={bad}", status=400))
    # The documented maxLength of q holds here as in /api/search.
    error_of(get_json(client, "/api/suggest?q=" + "x" * 1001, status=400))


def test_api_article(client, search_index):
    for aid in (SPACE_ID, SEED, "x-nfd", "dantri-news_sport_001"):
        data = get_json(client, "/api/articles/" + quote(aid))
        # As ingested, plus the tags found at index time (tests/test_web_tagpage.py).
        assert isinstance(data.pop("extracted_tags"), list)
        want = search_index.by_id[aid].to_dict()
        want.pop("extracted_tags")
        assert data == want
    # A slash may also come unencoded.
    assert get_json(client, "/api/articles/kiemthu/bai%20viet%201")["id"] == SPACE_ID
    assert get_json(client, "/api/articles/" + quote(SPACE_ID, safe=""))["id"] == SPACE_ID
    err = error_of(get_json(client, "/api/articles/no-such-id", status=404))
    assert err["code"] == "not_found" and "no-such-id" in err["message"]
    error_of(get_json(client, "/api/articles/kiemthu", status=404))


def test_api_stats(client, search_index):
    data = get_json(client, "/api/stats")
    assert data["articles"] == len(search_index.articles)
    assert data["sources"] == {"dantri.com.vn": 187, CRAFTED_SOURCE: len(search_index.crafted)}
    assert "path" not in data  # no server paths in a public API
    assert data["index_version"]


# ------------------------------------------------------------------ caching headers
API_URLS = ["/api/search?q=bão", "/api/search?q=from:bad", "/api/suggest?q=ph", "/api/stats",
            "/api/articles/" + quote(SPACE_ID), "/api/articles/nope", "/api/nothing"]


@pytest.mark.parametrize("url", API_URLS)
def test_every_api_response_has_version_and_etag(client, url, search_engine):
    r = client.get(url)
    assert r.headers["X-Index-Version"] == search_engine.index_version
    tag, weak = r.get_etag()
    assert tag and weak
    assert client.get(url).get_etag() == (tag, weak)  # stable for the same request


def test_etag_differs_by_request(client):
    tags = {client.get(u).get_etag()[0] for u in API_URLS}
    assert len(tags) == len(API_URLS)
    a = client.get("/api/search?q=bão&page=1").get_etag()[0]
    b = client.get("/api/search?q=bão&page=2").get_etag()[0]
    assert a != b


def test_if_none_match_gives_304(client):
    url = "/api/search?q=" + quote("bóng đá")
    r = client.get(url)
    etag = r.headers["ETag"]
    r2 = client.get(url, headers={"If-None-Match": etag})
    assert r2.status_code == 304 and r2.data == b""
    assert r2.headers["ETag"] == etag and r2.headers["X-Index-Version"]
    r3 = client.get(url, headers={"If-None-Match": 'W/"other", ' + etag})
    assert r3.status_code == 304
    assert client.get(url, headers={"If-None-Match": 'W/"other"'}).status_code == 200
    # A tag of another request does not match.
    other = client.get("/api/stats").headers["ETag"]
    assert client.get(url, headers={"If-None-Match": other}).status_code == 200
    # Errors are not cached into 304s.
    bad = client.get("/api/search?q=from:bad")
    again = client.get("/api/search?q=from:bad", headers={"If-None-Match": bad.headers["ETag"]})
    assert again.status_code == 400


def test_etag_changes_with_the_index(tmp_path, search_index):
    from newssearch.index.writer import update

    root = copy_index(search_index.root, tmp_path)
    c = create_app({"INDEX_DIR": str(root), "TESTING": True}).test_client()
    r = c.get("/api/search?q=Quenzelo")
    assert r.get_json()["total"] == 1
    v1, etag = r.headers["X-Index-Version"], r.headers["ETag"]
    a = search_index.by_id["x-ubnd"]
    update(root, [replace(a, id="x-new", title="Quenzelo mở thêm chi nhánh")], procs=1)
    # The engine re-checks the index at most once a second, then warms the new generation
    # beside the live one: until it switches, the old answer (and its 304) stands.
    deadline = time.monotonic() + 30
    while True:
        r = c.get("/api/search?q=Quenzelo", headers={"If-None-Match": etag})
        if r.status_code != 304 or time.monotonic() > deadline:
            break
        assert r.headers["X-Index-Version"] == v1
        time.sleep(0.1)
    assert r.status_code == 200 and r.get_json()["total"] == 2
    assert r.headers["X-Index-Version"] != v1 and r.headers["ETag"] != etag


def test_head_request(client):
    r = client.head("/api/search?q=bão")
    assert r.status_code == 200 and r.headers["ETag"] and r.headers["X-Index-Version"]


def test_security_headers(client):
    r = client.get("/?q=bão")
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get("/api/stats").headers["X-Content-Type-Options"] == "nosniff"


def test_page_past_the_end_is_empty_with_the_true_total(client):
    full = get_json(client, "/api/search?q=phong+tho&facets=")
    far = get_json(client, "/api/search?q=phong+tho&facets=&page=500")
    assert far["hits"] == [] and far["total"] == full["total"] > 0 and far["page"] == 500


# ------------------------------------------------------------------ CORS
def test_cors_on_get_endpoints(client):
    for url in ("/api/search?q=b%C3%A3o", "/api/suggest?q=ph", "/api/stats", "/api/health",
                "/api/articles/" + SEED, "/api/nothing"):
        r = client.get(url, headers={"Origin": "https://example.org"})
        assert r.headers["Access-Control-Allow-Origin"] == "*", url
        assert "Access-Control-Allow-Credentials" not in r.headers
        assert "ETag" in r.headers["Access-Control-Expose-Headers"]
    r = client.options("/api/search", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match"})
    assert r.status_code == 200 and r.headers["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in r.headers["Access-Control-Allow-Headers"]
    # Pages are not opened to other origins.
    assert "Access-Control-Allow-Origin" not in client.get("/?q=x").headers


# ------------------------------------------------------------------ health
def test_health_reports_version_count_and_age(client, search_engine, search_index):
    r = client.get("/api/health")
    data = r.get_json()
    assert r.status_code == 200 and data["status"] == "ok"
    assert data["index_version"] == search_engine.index_version
    assert data["articles"] == len(search_index.articles)
    assert 0 <= data["index_age_seconds"] < 24 * 3600
    assert r.headers["Cache-Control"] == "no-store" and "ETag" not in r.headers


def test_health_is_503_until_an_index_appears(tmp_path, search_index):
    root = tmp_path / "index"
    c = create_app({"INDEX_DIR": str(root), "TESTING": True}).test_client()
    r = c.get("/api/health")
    data = r.get_json()
    assert r.status_code == 503 and data["status"] == "not_ready"
    assert data["error"]["code"] == "no_index"
    copy_index(search_index.root, tmp_path)  # the index shows up later: no restart needed
    time.sleep(1.1)
    r = c.get("/api/health")
    assert r.status_code == 200 and r.get_json()["articles"] == len(search_index.articles)
