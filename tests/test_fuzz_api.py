"""Fuzzing every GET route of the web app through the Flask test client.

Routes are read from the app's URL map, so a route added later is fuzzed too. Whatever the
query string or path holds (random Unicode, operators, unbalanced quotes, huge or empty
values, invalid dates, negative or enormous numbers, repeated parameters, broken
percent-encoding), the answer is below 500, API answers are JSON, and no body shows a
stack trace or a server path.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fuzzing import examples
from hypothesis import example, given
from hypothesis import strategies as st

from newssearch.web import create_app

PARAMS = ["q", "tag", "category", "source", "from", "to", "sort", "page", "per_page",
          "facets", "recency", "limit", "id", "n", "k", "callback", "format", "lang"]
WEIRD = ["", " ", '"', '"phong', "-", "OR", "-tag:", "title:", "\x00", "%", "%zz", "%ED%A0%80",
         "nan", "NaN", "inf", "-inf", "1e309", "-1", "0", "00", "+5", "1_000", "٣", "１",
         "99999999999999999999999", "-99999999999999999999", "2020-02-30", "31/12/0000",
         "0001-01-01", "9999-12-31", "2020-13-01", "relevance", "newest", "tags,month",
         "tags,,nope", "<script>alert(1)</script>", "phong tho", "Phong Thổ", "\u202e",
         "\ud800", "😀", "a" * 1001, "x" * 5000]
values = st.one_of(st.sampled_from(WEIRD), st.text(max_size=40),
                   st.integers(-10**12, 10**12).map(str),
                   st.text(alphabet=st.characters(codec=None, exclude_categories=()),
                           max_size=10))
pairs = st.lists(st.tuples(st.one_of(st.sampled_from(PARAMS), st.text(max_size=8)), values),
                 max_size=8)


def encode(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='', errors='surrogatepass')}="
                    f"{quote(v, safe='', errors='surrogatepass')}" for k, v in pairs)


raw_queries = st.one_of(
    pairs.map(encode),
    st.text(alphabet="q=&%;+ab0\"'#?/", max_size=60),  # malformed query strings as sent
)


@pytest.fixture(scope="module")
def client(search_index):
    app = create_app({"INDEX_DIR": str(search_index.root), "TESTING": False,
                      "RATE_LIMIT_ENABLED": False, "WARM": False})
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash must show as a 500, not a raise
    return app.test_client()


def _get_routes() -> list[str]:
    app = create_app({"INDEX_DIR": "/nonexistent"})
    return sorted(r.rule for r in app.url_map.iter_rules()
                  if "GET" in r.methods and not r.rule.startswith("/static"))


ROUTES = _get_routes()
path_args = st.one_of(st.sampled_from(["x-script", "kiemthu/bai viet 1", "..", "../..", "%00",
                                       "a" * 3000, "nope", "%2e%2e/etc/passwd"]),
                      st.text(min_size=1, max_size=30))


def check(resp, path: str) -> None:
    body = resp.get_data()
    assert resp.status_code < 500, (path, resp.status_code, body[:300])
    assert b"Traceback" not in body and b"site-packages" not in body
    assert b"/work/" not in body and b"/tmp/" not in body
    if path.startswith("/api/") and resp.status_code >= 400:
        assert resp.is_json, (path, resp.status_code, resp.mimetype)


def _url(rule: str, arg: str) -> str:
    import re

    return re.sub(r"<[^>]+>", quote(arg, safe="/", errors="surrogatepass"), rule)


@examples()
@given(st.sampled_from(ROUTES), path_args, raw_queries)
@example("/api/search", "x", "q=phong+tho&recency=nan")
@example("/api/search", "x", "page=99999999999999999999&per_page=-1")
@example("/api/search", "x", "q=%ED%A0%80")  # a lone surrogate, percent-encoded
@example("/api/search", "x", "q=" + "a" * 20000)
@example("/api/search", "x", "q=phong&q=tho&page=1&page=2&tag=&tag=a")
@example("/", "x", "q=%22phong&from=2020-02-30")
@example("/api/suggest", "x", "q=%00&limit=1e3")
def test_no_request_gets_a_500(client, rule: str, arg: str, query: str) -> None:
    path = _url(rule, arg)
    resp = client.get(f"{path}?{query}")  # as sent: the client must not re-encode it
    check(resp, path)


@examples(0.3)
@given(st.sampled_from(["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
       st.sampled_from(ROUTES), st.binary(max_size=200))
def test_other_methods_and_bodies_get_no_500(client, method: str, rule: str,
                                             data: bytes) -> None:
    path = _url(rule, "x-script")
    check(client.open(path, method=method, data=data), path)
