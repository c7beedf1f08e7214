"""The result cache of ``web/searching.py`` through Flask's test client: a repeated request is
a hit (``X-Result-Cache``), any other parameter a miss, an index update starts an empty cache
(no stale answer), and ``RESULT_CACHE=0`` turns it off."""

from __future__ import annotations

import time
from dataclasses import replace

from newssearch.index.writer import update
from newssearch.web import create_app

SEARCH = "/api/search?q=b%C3%B3ng%20%C4%91%C3%A1"


def test_a_repeated_request_is_a_hit_with_the_same_answer(web_app):
    client = web_app.test_client()
    url = SEARCH + "&per_page=7"
    first = client.get(url)
    again = client.get(url)
    assert first.headers["X-Result-Cache"] == "MISS"
    assert again.headers["X-Result-Cache"] == "HIT"
    assert first.get_json() == again.get_json()
    assert client.get(url + "&page=2").headers["X-Result-Cache"] == "MISS"
    page = client.get("/?q=b%C3%B3ng%20%C4%91%C3%A1")
    assert page.status_code == 200 and page.headers["X-Result-Cache"] in ("HIT", "MISS")
    assert "X-Result-Cache" not in client.get("/api/health").headers  # no search, no header


def test_off_computes_every_search(search_index):
    app = create_app({"INDEX_DIR": str(search_index.root), "TESTING": True,
                      "RESULT_CACHE": False, "WARM": False})
    client = app.test_client()
    for _ in range(2):
        r = client.get(SEARCH)
        assert r.status_code == 200 and "X-Result-Cache" not in r.headers


def test_an_index_update_is_never_answered_from_the_old_cache(sample_index_copy,
                                                              sample_articles):
    app = create_app({"INDEX_DIR": str(sample_index_copy), "TESTING": True})
    client = app.test_client()
    url = "/api/search?q=Quenzelo"
    before = client.get(url).get_json()
    assert client.get(url).headers["X-Result-Cache"] == "HIT"
    update(sample_index_copy, [replace(sample_articles[0], id="x-new",
                                       title="Quenzelo mở thêm chi nhánh")], procs=1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # the new generation is warmed, then swapped in
        r = client.get(url)
        if r.get_json()["index_version"] != before["index_version"]:
            break
        time.sleep(0.2)
    assert r.headers["X-Result-Cache"] == "MISS"
    assert r.get_json()["total"] == before["total"] + 1
