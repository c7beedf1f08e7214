"""Limits and defaults of the web app (web/limits.py): per-client rate limits on /api and the
widget, caps on bodies, queries and page sizes, security headers on every response, error
bodies without traces or paths, logs without POSTed text."""

from __future__ import annotations

import logging
import re

import pytest

from newssearch.web import create_app
from newssearch.web.limits import FRAMABLE_PREFIXES


def app_for(root, **config):
    return create_app({"INDEX_DIR": str(root), "WARM": False, **config})


@pytest.fixture(scope="module")
def app(search_index):
    a = app_for(search_index.root, RATE_LIMIT_ENABLED=False)

    @a.get(FRAMABLE_PREFIXES[0] + "<path:article_id>")  # stands in for the widget route
    def _widget_stand_in(article_id):
        return "<!doctype html><p>widget</p>"

    return a


def get_routes(app, method: str = "GET") -> list[str]:
    return sorted(re.sub(r"<[^>]+>", "x-script", r.rule) for r in app.url_map.iter_rules()
                  if method in r.methods)


# ------------------------------------------------------------------------- headers
def test_security_headers_on_every_response(app) -> None:
    c = app.test_client()
    paths = get_routes(app) + ["/nope", "/api/nope", "/api/search?page=-1",
                               "/api/articles/nope", "/?q=" + "a" * 5000]
    for path in paths:
        for resp in (c.get(path), c.post(path, data=b"x")):
            h = resp.headers
            assert h["X-Content-Type-Options"] == "nosniff", path
            assert h["Referrer-Policy"] and h["Permissions-Policy"], path
            csp = h["Content-Security-Policy"]
            scripts = re.search(r"script-src ([^;]*)", csp) or re.search(r"default-src ([^;]*)",
                                                                       csp)
            assert "unsafe-inline" not in scripts.group(1), (path, csp)
            frame = re.search(r"frame-ancestors ([^;]*)", csp).group(1).strip()
            if path.startswith(FRAMABLE_PREFIXES):
                assert frame == "*" and "X-Frame-Options" not in h, (path, csp)
            else:
                assert frame == "'none'" and h["X-Frame-Options"] == "DENY", (path, csp)


# ------------------------------------------------------------------------- rate limits
def test_rate_limit_per_client_on_the_api(search_index) -> None:
    app = app_for(search_index.root, RATE_LIMIT_ENABLED=True, RATE_LIMIT="5/minute")
    c = app.test_client()
    a = {"REMOTE_ADDR": "192.0.2.1"}
    assert all(c.get("/api/search?q=phong", environ_base=a).status_code == 200
               for _ in range(5))
    resp = c.get("/api/search?q=phong", environ_base=a)
    assert resp.status_code == 429
    assert resp.json["error"]["code"] == "rate_limited" and resp.json["error"]["message"]
    assert int(resp.headers["Retry-After"]) > 0
    # Another client has its own allowance; pages and health checks are not limited.
    assert c.get("/api/search?q=phong", environ_base={"REMOTE_ADDR": "192.0.2.2"}
                 ).status_code == 200
    assert c.get("/api/health", environ_base=a).status_code in (200, 503)
    assert c.get("/api/health", environ_base=a).status_code != 429
    assert c.get("/?q=phong", environ_base=a).status_code == 200


def test_rate_limit_off_by_config_and_env(search_index, monkeypatch) -> None:
    app = app_for(search_index.root, RATE_LIMIT_ENABLED=False, RATE_LIMIT="1/minute")
    c = app.test_client()
    assert all(c.get("/api/suggest?q=ph").status_code == 200 for _ in range(5))
    monkeypatch.setenv("NEWSSEARCH_RATE_LIMIT_ENABLED", "1")
    monkeypatch.setenv("NEWSSEARCH_RATE_LIMIT", "2/minute")
    c = app_for(search_index.root).test_client()
    assert [c.get("/api/suggest?q=ph").status_code for _ in range(3)] == [200, 200, 429]


# ------------------------------------------------------------------------- caps
def test_caps_on_body_query_and_page_size(app) -> None:
    c = app.test_client()
    big = c.post("/api/search", data=b"x" * (2 << 20))
    assert big.status_code in (405, 413) and big.is_json
    assert c.get("/api/search?q=" + "a" * 1001).status_code == 400
    assert c.get("/api/search?per_page=101").status_code == 400
    assert c.get("/api/search?q=" + "a" * 10_000).status_code == 414
    assert c.get("/api/search?page=100001").status_code == 400
    for path in get_routes(app, "POST"):
        resp = c.post(path, data=b"{" * (2 << 20), content_type="application/json")
        assert resp.status_code == 413 and resp.is_json, (path, resp.status_code)


# ------------------------------------------------------------------------- error bodies
def test_error_bodies_hold_no_trace_or_path(tmp_path) -> None:
    missing = tmp_path / "no-index-here"
    c = app_for(missing, RATE_LIMIT_ENABLED=False).test_client()
    for path in ("/api/search?q=phong", "/api/stats", "/api/health", "/?q=phong",
                 "/api/articles/x", "/article/x"):
        resp = c.get(path)
        body = resp.get_data(as_text=True)
        assert resp.status_code == 503, (path, resp.status_code)
        assert str(tmp_path) not in body and "no-index-here" not in body, (path, body)
        assert "Traceback" not in body and ".py" not in body, (path, body)


def test_logs_never_hold_posted_text(app, caplog) -> None:
    marker = "Zorbaland-bí-mật-" + "x" * 50
    c = app.test_client()
    with caplog.at_level(logging.DEBUG):
        for path in get_routes(app, "POST"):  # the related-texts API takes an article
            c.post(path, json={"title": marker, "lead": marker, "body": marker})
            c.post(path, json={"title": marker, "body": marker * 5000})  # too large
            c.post(path, data=marker.encode() * 30_000)  # over the body cap
        for path in get_routes(app):
            for method in ("POST", "PUT", "PATCH"):
                c.open(path, method=method, data=f"title={marker}&body={marker}",
                       content_type="application/x-www-form-urlencoded")
            c.post(path, json={"title": marker, "body": [marker]})
    assert marker not in caplog.text
