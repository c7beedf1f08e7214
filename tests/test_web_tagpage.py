"""Extracted tags on the web (web/tagpage.py and the search page's facet): the facet with
counts and a chip, tag pages linked from the article page, ``tag:`` over both kinds, the API."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from newssearch.search import Filters, SearchEngine

FACET_TITLE = "Người, nơi chốn, tổ chức"


@pytest.fixture
def client(web_app):
    return web_app.test_client()


def _untagged_with_names(search_index) -> list:
    """Stored articles whose source gives no tags but that got extracted ones."""
    eng = SearchEngine(search_index.root)
    out = [eng.article(a.id) for a in search_index.articles if not a.tags]
    return [a for a in out if a.extracted_tags]


def test_search_page_has_the_facet_with_counts_and_a_chip(client):
    page = client.get("/?q=bão").get_data(as_text=True)
    assert FACET_TITLE in page
    sidebar = page[page.index(FACET_TITLE):]
    first = re.search(r'href="(/\?[^"]*tag=[^"]*)"[^>]*>([^<]+)<', sidebar)
    url, value = html.unescape(first.group(1)), html.unescape(first.group(2)).strip()
    chosen = client.get(url).get_data(as_text=True)
    assert f"Thẻ: {html.escape(value)}" in chosen  # the chip
    # Chosen, it is marked once: in its own group, not also among the publisher's tags.
    assert chosen.count(f"✓ {html.escape(value)}<") == 1
    assert parse_qs(urlsplit(url).query)["tag"] == [value]


def test_tag_query_finds_extracted_and_publisher_tags(client, search_index):
    a = _untagged_with_names(search_index)[0]
    name = a.extracted_tags[0]
    got = client.get("/api/search", query_string={"q": f'tag:"{name}"', "per_page": 100,
                                                  "facets": "names"}).get_json()
    assert a.id in {h["id"] for h in got["hits"]}
    assert any(f["value"] == name for f in got["facets"]["names"])
    # A publisher's tag still filters as before (crafted article tagged "Lai Châu").
    pub = client.get("/api/search", query_string={"q": 'tag:"Lai Châu"'}).get_json()
    assert "x-laichau" in {h["id"] for h in pub["hits"]}


def test_api_article_returns_extracted_tags(client, search_index):
    a = _untagged_with_names(search_index)[0]
    got = client.get("/api/articles/" + quote(a.id)).get_json()
    assert got["tags"] == [] and got["extracted_tags"] == a.extracted_tags


def test_article_page_links_to_tag_pages_that_list_it(client, search_index):
    a = _untagged_with_names(search_index)[0]
    page = client.get("/article/" + quote(a.id)).get_data(as_text=True)
    assert FACET_TITLE in page
    # Its rarest tag: a page lists ten, and a name on most of the sample lists others first.
    engine = SearchEngine(search_index.root)
    rarest = min(a.extracted_tags,
                 key=lambda t: engine.search("", filters=Filters(tags=[t])).total)
    link = "/tag/" + quote(rarest)
    assert f'href="{link}"' in page
    tag_page = client.get(link)
    assert tag_page.status_code == 200
    body = tag_page.get_data(as_text=True)
    assert "Mới nhất" in body and "Liên quan nhất" in body
    assert f'href="/article/{quote(a.id)}"' in body


def test_tag_page_errors_are_pages_not_500(client):
    assert client.get("/tag/" + quote("Không có thẻ này Qxzw")).status_code == 404
    assert client.get("/tag/" + "t" * 1001).status_code == 400
    r = client.get("/tag/" + quote('<script>alert("x")</script>'))
    assert r.status_code == 404 and "<script>alert" not in r.get_data(as_text=True)
