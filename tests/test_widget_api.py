"""Related-articles API, article page box, iframe, script and demo routes (Flask test client
over the small real ``related_index``)."""

from __future__ import annotations

import json
import re

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from newssearch.related.config import MAX_TEXT_CHARS
from newssearch.web import create_app

RELATED = "/api/articles/story-1/related"


@pytest.fixture(scope="module")
def client(related_index):
    app = create_app({"INDEX_DIR": str(related_index.root), "TESTING": True, "WARM": False,
                      "RATE_LIMIT_ENABLED": False})
    return app.test_client()


def valid(client, body: dict, name: str) -> list[str]:
    doc = client.get("/api/openapi.json").get_json()
    uri = "urn:openapi"
    reg = Registry().with_resource(uri, Resource.from_contents(
        doc, default_specification=DRAFT202012))
    v = Draft202012Validator({"$ref": f"{uri}#/components/schemas/{name}"}, registry=reg)
    return [e.message for e in v.iter_errors(body)]


def test_get_related_is_cacheable_json_with_cors(client):
    r = client.get(RELATED + "?k=2", headers={"Origin": "http://partner.example"})
    assert r.status_code == 200
    body = r.get_json()
    assert [i["id"] for i in body["items"]][:2] and not valid(client, body, "RelatedResult")
    assert {i["id"] for i in body["items"]} == {"story-2", "story-3"}
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Cache-Control"] == "public, max-age=300"
    etag = r.headers["ETag"]
    assert etag.startswith('W/"') and r.headers["X-Index-Version"] == body["index_version"]
    again = client.get(RELATED + "?k=2", headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.data
    assert again.headers["Cache-Control"] == "public, max-age=300"
    assert client.get(RELATED + "?k=3").headers["ETag"] != etag  # another request, another tag


@pytest.mark.parametrize("url,status,code", [
    ("/api/articles/nope/related", 404, "not_found"),
    (RELATED + "?k=0", 400, "bad_request"), (RELATED + "?k=x", 400, "bad_request"),
    (RELATED + "?from=31/02/2020", 400, "bad_request"),
    (RELATED + "?same_source=maybe", 400, "bad_request"),
])
def test_get_related_errors(client, url, status, code):
    r = client.get(url)
    assert r.status_code == status and r.get_json()["error"]["code"] == code


def test_post_related_for_an_unindexed_text(client, related_index):
    text = {"title": "Cầu treo Quenzelo-Varn", "lead": "Sông Lumiro dâng cao.",
            "body": "Bản Kestrava và Orlindo.", "k": 3, "published": "2021-03-03"}
    r = client.post("/api/related", json=text, headers={"Origin": "http://partner.example"})
    assert r.status_code == 200, r.data
    body = r.get_json()
    assert {i["id"] for i in body["items"]} == set(related_index.story)
    assert not valid(client, body, "RelatedResult") and body["seed"] is None
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert r.headers["Cache-Control"] == "no-store" and "ETag" not in r.headers
    pre = client.options("/api/related", headers={
        "Origin": "http://partner.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert "POST" in pre.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in pre.headers["Access-Control-Allow-Headers"]


@pytest.mark.parametrize("payload,status,code", [
    (b"not json", 400, "bad_request"), (b"[1, 2]", 400, "bad_request"),
    (json.dumps({"title": 5}).encode(), 400, "bad_request"),
    (json.dumps({"title": "a", "tags": "x"}).encode(), 400, "bad_request"),
    (json.dumps({"title": "a", "k": 99}).encode(), 400, "bad_request"),
    (json.dumps({"title": "a", "published": "hôm qua"}).encode(), 400, "bad_request"),
    (json.dumps({"title": "", "body": "   "}).encode(), 400, "bad_request"),
    (json.dumps({"title": "a", "body": "x" * MAX_TEXT_CHARS}).encode(), 413, "too_large"),
    (json.dumps({"body": "x" * 70_000}).encode(), 413, "too_large"),  # over the byte cap
])
def test_post_related_refuses_bad_bodies(client, payload, status, code):
    r = client.post("/api/related", data=payload, content_type="application/json")
    assert r.status_code == status, r.data[:300]
    assert r.get_json()["error"]["code"] == code


def test_article_page_shows_the_related_box(client, related_index):
    page = client.get("/article/story-1").get_data(as_text=True)
    box = page[page.index("Tin liên quan"):]
    assert 'href="/article/story-2"' in box and 'href="/article/story-3"' in box
    assert "&lt;img src=x onerror=alert(1)&gt;" in box and "<img src=x" not in page


def test_iframe_variant_is_framable_without_cookies_and_only_our_script(client):
    r = client.get("/widget/related/story-1?k=5")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and r.mimetype == "text/html"
    csp = r.headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp and "script-src 'self';" in csp and "unsafe" not in csp
    assert "X-Frame-Options" not in r.headers and "Set-Cookie" not in r.headers
    assert re.search(r'href="http://localhost/article/story-2" target="_blank"', html)
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert re.findall(r"<script[^>]*>", html) == [
        '<script src="/static/widget-frame.js" defer>']  # posts the list's height, no more
    assert "<h2>Tin liên quan</h2>" in html


def test_iframe_links_the_original_url_unless_local_and_takes_a_title(client, related_index):
    seed = related_index.original.id
    urls = {a.id: a.url for a in related_index.articles}
    html = client.get(f"/widget/related/{seed}?title=%C4%90%E1%BB%8Dc+th%C3%AAm").get_data(
        as_text=True)
    assert "<h2>Đọc thêm</h2>" in html
    hrefs = re.findall(r'<a href="([^"]+)"', html)
    assert hrefs and any(h.startswith("https://dantri.com.vn/") for h in hrefs)
    assert set(hrefs) <= {u for u in urls.values() if u} | {
        f"http://localhost/article/{i}" for i, u in urls.items() if not u}
    assert "Dân trí ·" in html  # the source by name
    local = client.get(f"/widget/related/{seed}?link=local").get_data(as_text=True)
    assert all(h.startswith("http://localhost/article/")
               for h in re.findall(r'<a href="([^"]+)"', local))
    missing = client.get("/widget/related/nope")
    assert missing.status_code == 404 and missing.data == b""
    assert "frame-ancestors 'none'" in client.get("/article/story-1").headers[
        "Content-Security-Policy"]


def test_script_and_demo(client):
    js = client.get("/widget.js")
    assert js.status_code == 200 and js.mimetype in ("text/javascript", "application/javascript")
    assert len(js.data) < 8000 and b"innerHTML" not in js.data
    demo = client.get("/widget/demo?q=Quenzelo&id=story-1")
    html = demo.get_data(as_text=True)
    assert demo.status_code == 200 and 'href="/widget/demo?q=Quenzelo&amp;id=story-2"' in html
    assert '&lt;script src="http://localhost/widget.js"\n  data-article="story-1"' in html
    assert '<iframe data-ns-related src="http://localhost/widget/related/story-1"' in html
    # On load, without a choice: the newest article's widget, live.
    first = client.get("/widget/demo").get_data(as_text=True)
    assert re.search(r'<script src="/widget.js" data-article="[^"]+"', first)
    host = client.get("/widget-host.js")
    assert host.status_code == 200 and host.headers["Access-Control-Allow-Origin"] == "*"
    assert "frame-src 'self'" in demo.headers["Content-Security-Policy"]
    assert "Không có bài viết" in client.get("/widget/demo?id=nope").get_data(as_text=True)
