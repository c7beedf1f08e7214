"""The search page as readers type and read it (issue 13): the Telex/VNI line with a link to
the literal query, the link to partial matches, folded copies of a story."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

SEED = "seed_phong_tho.txt"


@pytest.fixture
def client(web_app):
    return web_app.test_client()


def page(client, url: str) -> str:
    r = client.get(url)
    assert r.status_code == 200
    return r.get_data(as_text=True)


def link(text: str, label: str) -> str:
    m = re.search(r'<a href="([^"]+)">' + re.escape(label), text)
    assert m, label
    return html.unescape(m.group(1))


def test_telex_line_links_to_the_literal_query(client):
    text = page(client, "/?q=phong+thoor")
    assert "Đang hiển thị kết quả cho: <strong>phong thổ</strong>" in text
    assert "<mark>Phong Thổ</mark>" in text
    href = link(text, "Tìm chính xác")
    assert parse_qs(urlsplit(href).query) == {"q": ["phong thoor"], "literal": ["1"]}
    literal = page(client, href)
    assert "Đang hiển thị kết quả cho" not in literal
    assert "khớp một phần" in literal  # as typed, nothing has "thoor"


def test_partial_matches_on_request(client):
    text = page(client, "/?q=phong+tho")
    total = int(re.search(r'class="total">([\d.]+)<', text).group(1).replace(".", ""))
    found = re.search(r'<a href="([^"]+)">Xem thêm ([\d.]+) kết quả khớp một phần', text)
    assert found and text.index('<ol class="hits"') < found.start()  # below the list
    href = html.unescape(found.group(1))
    assert parse_qs(urlsplit(href).query)["match"] == ["any"]
    more = page(client, href)
    more_total = int(re.search(r'class="total">([\d.]+)<', more).group(1).replace(".", ""))
    assert more_total > total >= 1
    assert int(found.group(2).replace(".", "")) == more_total - total  # what it adds
    assert "kết quả khớp một phần</a>" not in more


def test_api_says_tier_match_and_correction(client):
    data = client.get("/api/search?q=phong+thoor").get_json()
    assert data["corrected_query"] == "phong thổ" and data["hits"][0]["id"] == SEED
    data = client.get("/api/search?q=phong+thoor&literal=1").get_json()
    assert data["corrected_query"] is None and data["relaxed"]
    data = client.get("/api/search?q=phong+tho&match=any").get_json()
    assert data["match"] == "any" and data["relaxed"] and data["hits"][0]["id"] == SEED
    assert client.get("/api/search?q=x&match=some").status_code == 400
    assert client.get("/api/search?q=x&fold=maybe").status_code == 400


def test_copies_of_a_story_fold_under_it_on_the_page(client):
    """The two crafted "Lá thư/thu gửi mẹ" articles have the same text but for one accent: the
    duplicate detector (built by the app at start) takes them for one story."""
    text = page(client, "/?q=la+thu+gui+me+Zorbaland")
    assert text.count('class="hit"') == 1
    assert "và 1 bài tương tự" in text
    unfolded = client.get("/api/search?q=la+thu+gui+me+Zorbaland&fold=0").get_json()
    assert {h["id"] for h in unfolded["hits"]} == {"x-acc-exact", "x-acc-folded"}
