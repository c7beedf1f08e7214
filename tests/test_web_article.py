"""The article page /article/<id> on the shared real index: the article as ingested, links to
filtered searches, a Vietnamese 404 with a search box, and the "Tin liên quan" slot."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from conftest import SPACE_ID

from newssearch.web import create_app

SEED = "seed_phong_tho.txt"


@pytest.fixture
def client(web_app):
    return web_app.test_client()


def test_article_page_shows_the_article_as_ingested(client, search_index):
    a = search_index.by_id["dantri-news_sport_001"]
    r = client.get("/article/" + quote(a.id))
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert f"<h1>{html.escape(a.title, quote=True)}</h1>" in page
    for para in a.body:
        assert f"<p>{html.escape(para, quote=True)}</p>" in page
    for c in a.captions:
        assert f"<li>{html.escape(c, quote=True)}</li>" in page
    assert a.published.strftime("%d/%m/%Y") in page
    assert f'href="{html.escape(a.url, quote=True)}"' in page and 'rel="noopener' in page
    # Category and tags link to filtered searches that find this article.
    links = [html.unescape(h) for h in re.findall(r'href="(/\?[^"]*)"', page)]
    assert {"category": [a.category]} in [parse_qs(urlsplit(h).query) for h in links]
    for t in a.tags:
        link = next(h for h in links if parse_qs(urlsplit(h).query) == {"tag": [t]})
        assert f'href="/article/{a.id}"' in client.get(link).get_data(as_text=True)


def test_article_ids_with_slash_and_space_and_hostile_content(client):
    page = client.get("/article/" + quote(SPACE_ID)).get_data(as_text=True)
    assert "<h1>Quenzelo mở cửa đón khách</h1>" in page
    page = client.get("/article/x-script").get_data(as_text=True)
    assert "&lt;script&gt;" in page and page.count("<script") == 1
    assert "javascript:" not in page  # its URL is not a safe link


def test_seed_page_without_url_has_no_source_link(client):
    page = client.get("/article/" + SEED).get_data(as_text=True)
    assert "Phong Thổ" in page and "25/10/2020" in page and "Đọc bài gốc" not in page


def test_unknown_article_is_a_vietnamese_404_with_a_search_box(client):
    r = client.get("/article/khong-co-bai-nay")
    assert r.status_code == 404 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "Không tìm thấy trang" in page and '<form class="search"' in page
    assert 'lang="vi"' in page


def test_related_box_is_hidden_without_a_provider(search_index):
    app = create_app({"INDEX_DIR": str(search_index.root), "TESTING": True, "WARM": False,
                      "RELATED_PROVIDER": None})
    page = app.test_client().get("/article/" + SEED).get_data(as_text=True)
    assert "Tin liên quan" not in page and 'class="related"' not in page


def test_related_box_shows_what_a_provider_gives(search_index, search_engine):
    def same_category(article):  # a real provider over the same index: newest of the category
        res = search_engine.search("", sort="newest", per_page=4, facets=(),
                                   snippets=False, suggest=False)
        return [{"id": h.article.id, "title": h.article.title,
                 "published": h.article.published} for h in res.hits if h.article.id != article.id]

    app = create_app({"INDEX_DIR": str(search_index.root), "TESTING": True, "WARM": False,
                      "RELATED_PROVIDER": same_category})
    page = app.test_client().get("/article/" + SEED).get_data(as_text=True)
    box = page.split('<section class="related"', 1)[1].split("</section>", 1)[0]
    assert "Tin liên quan" in box
    assert len(re.findall(r'<a href="/article/', box)) >= 3


def test_article_page_keeps_the_query_and_links_back_to_the_results(client):
    page = client.get("/article/seed_phong_tho.txt?q=phong+tho&back=/%3Fq%3Dphong%2Btho%26page%3D2"
                      ).get_data(as_text=True)
    assert 'value="phong tho"' in page
    assert 'href="/?q=phong+tho&amp;page=2"' in page and "Quay lại kết quả tìm kiếm" in page
    # Only a path of our search page is followed; otherwise a search for the query.
    for back in ("https://evil.example/", "//evil.example/", "/article/x"):
        page = client.get("/article/seed_phong_tho.txt", query_string={"q": "phong tho",
                                                                     "back": back}).get_data(
            as_text=True)
        assert "evil" not in page and 'href="/?q=phong+tho"' in page
    plain = client.get("/article/seed_phong_tho.txt").get_data(as_text=True)
    assert "Quay lại kết quả" not in plain
