"""The search and home pages on the shared real index, via Flask's test client."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from conftest import CRAFTED_SOURCE

from newssearch.web import create_app

SEED = "seed_phong_tho.txt"


@pytest.fixture
def client(web_app):
    return web_app.test_client()


def hrefs(page: str) -> list[str]:
    return [html.unescape(h) for h in re.findall(r'href="([^"]*)"', page)]


def query_of(href: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(href).query)


def text_of(page: str) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def hit_blocks(page: str) -> list[str]:
    return page.split('<article class="hit">')[1:]


def total_of(page: str) -> int:
    m = re.search(r'<strong class="total">([\d.]+)</strong> kết quả', page)
    return int(m.group(1).replace(".", ""))


# ------------------------------------------------------------------ results
def test_search_page_renders_results_with_marks(client, search_engine):
    r = client.get("/?q=phong+tho")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert total_of(page) == search_engine.search("phong tho").total
    first = hit_blocks(page)[0]
    assert "Huyện <mark>Phong Thổ</mark>: Đoàn kết" in first
    # The title opens our article page (the seed page has no URL of its own).
    assert f'href="/article/{SEED}?q=' in first.split("</h2>")[0]  # keeps the query
    assert "25/10/2020" in first and "2020-10-25<" not in first
    assert len(hit_blocks(page)) == min(10, total_of(page))
    assert re.search(r"\(\d+,\d{3} giây\)", page)  # time with a decimal comma


def test_search_page_escapes_articles(client):
    r = client.get("/?q=" + quote("mã độc"))
    page = r.get_data(as_text=True)
    assert "&lt;script&gt;alert(&quot;<mark>mã độc</mark>&quot;)&lt;/script&gt;" in page
    # The only script is our own static file; no article markup gets through.
    assert re.findall(r"<script[^>]*>", page) == [
        '<script src="/static/suggest.js" defer>']
    assert "<b>" not in page and "javascript:" not in page
    tags = set(re.findall(r"<(/?[a-z0-9]+)", page))
    assert tags <= {
        "html", "/html", "head", "/head", "meta", "title", "/title", "link", "script", "/script",
        "body", "/body", "header", "/header", "form", "/form", "input", "button", "/button",
        "p", "/p", "main", "/main", "a", "/a", "strong", "/strong", "article", "/article",
        "h2", "/h2", "h3", "/h3", "div", "/div", "mark", "/mark", "nav", "/nav", "aside",
        "/aside", "ul", "/ul", "ol", "/ol", "li", "/li", "label", "/label", "section",
        "/section", "time", "/time", "span", "/span", "footer", "/footer", "br", "code",
        "/code"}, tags


@pytest.mark.parametrize("q", ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>',
                               "'><svg onload=alert(1)>", "</title><script>x</script>",
                               "from:<script>"])
def test_search_page_escapes_the_query_echo(client, q):
    r = client.get("/", query_string={"q": q})
    assert r.status_code in (200, 400)
    page = r.get_data(as_text=True)
    assert page.count("<script") == 1 and "<img" not in page and "<svg" not in page
    assert "</title><" not in page.split("<title>", 1)[1].split("</title>", 1)[0]
    value = re.search(r'<input id="q" type="search" name="q" value="([^"]*)"', page).group(1)
    assert html.unescape(value) == q


# Every bad parameter of the search page, with the Vietnamese sentence the reader gets.
BAD_PAGE_PARAMS = [
    ({"q": "from:bad-date"}, "Từ khóa có ngày không hợp lệ sau from: hoặc to:"),
    ({"q": "a" * 1001}, "Từ khóa quá dài: tối đa 1.000 ký tự"),
    ({"q": "bão", "tag": "t" * 1001}, "Thẻ quá dài"),
    ({"q": "bão", "page": "0"}, "Số trang (page) phải là số nguyên từ 1 đến 100.000"),
    ({"page": "x"}, "Số trang (page) phải là số nguyên từ 1 đến 100.000; bạn đã nhập “x”"),
    ({"q": "bão", "per_page": "1000"}, "mỗi trang (per_page) phải là số nguyên từ 1 đến 100"),
    ({"q": "bão", "sort": "oldest"}, "(sort) chỉ nhận relevance (liên quan nhất) hoặc newest"),
    ({"q": "bão", "from": "2020-13-01"}, "Ngày bắt đầu (from) “2020-13-01” không phải một ngày"),
    ({"q": "bão", "to": "hôm qua"}, "(to) “hôm qua” không phải một ngày hợp lệ: hãy viết dạng"),
    ({"q": "bão", "match": "some"}, "Kiểu khớp (match) chỉ nhận all (khớp đủ) hoặc any"),
    ({"q": "bão", "recency": "nan"}, "Mức ưu tiên bài mới (recency) phải là một số từ 0 đến 10"),
    ({"q": "bão", "facets": "colour"}, "Nhóm lọc (facets) chỉ nhận tags (thẻ), names (người, nơi chốn, tổ chức), category"),
    ({"q": "bão", "literal": "maybe"}, "Tìm chính xác (literal) chỉ nhận 1 (có) hoặc 0 (không)"),
    ({"q": "bão", "fold": "2"}, "Gộp bài trùng (fold) chỉ nhận 1 (có) hoặc 0 (không)"),
    ({"q": "bão", "snippets": "x"}, "Đoạn trích (snippets) chỉ nhận 1"),
    ({"q": "bão", "suggest": "x"}, "Gợi ý (suggest) chỉ nhận 1"),
    ({"q": "bão", "fragment_chars": "39"}, "(fragment_chars) phải là số nguyên từ 40 đến 1.000"),
    ({"q": "bão", "max_fragments": "11"}, "(max_fragments) phải là số nguyên từ 0 đến 10"),
]
# Words of the library's and the API's English messages that must not reach a page.
ENGLISH = re.compile(r"\b(must|between|expects|whole number|characters|not found|method|"
                     r"allowed|too long|too many|request|error|index|unavailable|URL)\b", re.IGNORECASE)


def assert_vietnamese_error(r, status: int, *phrases: str) -> str:
    assert r.status_code == status and r.mimetype == "text/html", r.status_code
    page = r.get_data(as_text=True)
    text = text_of(page)
    for phrase in phrases:
        assert phrase in text, (phrase, text[-400:])
    assert not ENGLISH.search(text.replace("newssearch", "")), ENGLISH.search(text)
    assert 'name="q"' in page  # a search box to go on from
    return page


@pytest.mark.parametrize(("params", "sentence"), BAD_PAGE_PARAMS,
                         ids=[max(p, key=lambda k: k != "q") for p, _ in BAD_PAGE_PARAMS])
def test_bad_parameters_are_400_with_a_vietnamese_sentence(client, params, sentence):
    r = client.get("/", query_string=params)
    page = assert_vietnamese_error(r, 400, "Yêu cầu không hợp lệ", sentence)
    if len(params.get("q", "")) <= 1000:  # the box keeps the query
        assert f'value="{html.escape(params.get("q", ""))}"' in page
    bad = max(params, key=lambda k: k != "q")
    if bad != "q":  # a new search from the box leaves the refused value out; a link drops it
        assert f'type="hidden" name="{bad}"' not in page
        retry = html.unescape(re.search(r'href="([^"]*)">Tìm lại, bỏ tham số này', page)[1])
        assert bad not in query_of(retry) and client.get(retry).status_code == 200
    # The API answers the same request with its English message for developers.
    api = client.get("/api/search", query_string=params)
    assert api.status_code == 400 and api.get_json()["error"]["code"] == "bad_request"


def test_every_error_page_is_vietnamese(client, search_index):
    assert_vietnamese_error(client.get("/nothing"), 404, "Không tìm thấy trang")
    assert_vietnamese_error(client.get("/article/nope%3Cb%3E"), 404, "Không tìm thấy trang",
                            "Không có bài viết nào mang mã “nope<b>”")
    assert_vietnamese_error(client.post("/", data={"q": "x"}), 405,
                            "Phương thức không được hỗ trợ")
    assert_vietnamese_error(client.get("/?q=" + "a" * 5000), 414, "Địa chỉ quá dài")
    assert_vietnamese_error(client.get(f"/widget/related/{SEED}?k=99"), 400,
                            "Số bài liên quan (k) phải là số nguyên từ 1 đến 10")
    # Rate limits apply to /api and /widget: the widget's pages are HTML.
    app = create_app({"INDEX_DIR": str(search_index.root), "TESTING": True, "WARM": False,
                      "RATE_LIMIT_ENABLED": True, "RATE_LIMIT": "1/minute"})
    limited = app.test_client()
    assert limited.get("/widget/demo?q=bão").status_code == 200
    r = limited.get("/widget/demo?q=bão")
    assert_vietnamese_error(r, 429, "Quá nhiều yêu cầu", "Xin chờ một lát")
    assert int(r.headers["Retry-After"]) > 0
    # 413 comes only from request bodies, which no page reads; its page is ready anyway.
    from newssearch.web.errorpages import error_page

    with app.test_request_context("/"):
        for status, headline in ((413, "Dữ liệu gửi lên quá lớn"), (431, "Yêu cầu không hợp lệ"),
                                 (500, "Lỗi máy chủ"), (502, "Lỗi máy chủ")):
            assert_vietnamese_error(error_page(status), status, headline)


# ------------------------------------------------------------------ home page
def test_home_page_has_name_hint_and_latest_articles(client, search_engine):
    page = client.get("/").get_data(as_text=True)
    text = text_of(page)
    assert "newssearch" in text and "Tìm kiếm tin tức tiếng Việt" in text
    assert "Gõ có dấu hoặc không dấu" in text and "kết quả" not in text
    latest = search_engine.search("", sort="newest", per_page=8, facets=())
    section = page.split('id="latest-h"', 1)[1]
    got = re.findall(r'<a href="/article/([^"]+)">', section)
    assert got == [quote(h.article.id) for h in latest.hits] and len(got) == 8
    # Every hint is a search with results.
    for h in hrefs(page.split('class="hint"', 1)[1].split("</p>", 1)[0]):
        assert total_of(client.get(h).get_data(as_text=True)) > 0, h


# ------------------------------------------------------------------ facets and chips
def test_facet_links_add_a_filter_to_the_same_query(client):
    page = client.get("/?q=hoc+sinh").get_data(as_text=True)
    links = hrefs(page)
    assert any(query_of(h).get("q") == ["học sinh"] for h in links)  # accent suggestion
    cat = [h for h in links if "category" in query_of(h)]
    assert cat and all(query_of(h)["q"] == ["hoc sinh"] for h in cat)
    assert ">Tháng 10/2020</a>" in page
    month = [h for h in links if "from" in query_of(h)]
    assert any(query_of(h)["from"] == ["2020-10-01"] and query_of(h)["to"] == ["2020-10-31"]
               for h in month)


def _facet_entries(page: str, name: str) -> list[tuple[str, bool, int, str]]:
    """(label, selected, count, href) of one facet's entries in the sidebar."""
    block = page.split(f'class="facet facet-{name}"', 1)[1].split("</section>", 1)[0]
    out = []
    for li in re.findall(r"<li(.*?)</li>", block, flags=re.DOTALL):
        href = html.unescape(re.search(r'href="([^"]*)"', li).group(1))
        label = html.unescape(re.search(r">(?:✓ )?([^<>]*)</a>", li).group(1))
        count = int(re.search(r'class="count">([\d.]+)<', li).group(1).replace(".", ""))
        out.append((label, 'class="on"' in li, count, href))
    return out


def test_chosen_category_is_marked_others_stay_and_chip_removes_it(client):
    page = client.get("/?q=" + quote("bóng đá")).get_data(as_text=True)
    before = _facet_entries(page, "category")
    total = total_of(page)
    _, _, count, href = next(e for e in before if e[0] == "Thể thao")
    assert query_of(href)["category"] == ["Thể thao"]
    page = client.get(href).get_data(as_text=True)
    assert total_of(page) == count < total
    after = _facet_entries(page, "category")
    # Same values and counts as before (counted without the category filter), one marked.
    assert [(e[0], e[2]) for e in after] == [(e[0], e[2]) for e in before]
    assert [e[0] for e in after if e[1]] == ["Thể thao"]
    assert "category" not in query_of(next(e[3] for e in after if e[1]))  # click: unselect
    # Picking a second category widens the result (categories combine with OR).
    other = next(e for e in after if not e[1])
    both = client.get(other[3]).get_data(as_text=True)
    assert total_of(both) == count + other[2]
    # The chip removes its filter.
    chip = re.search(r'<li class="chip">Chuyên mục: Thể thao <a href="([^"]*)"', page)
    back = client.get(html.unescape(chip.group(1))).get_data(as_text=True)
    assert total_of(back) == total and 'class="chip"' not in back


def test_filters_round_trip_through_the_form(client, search_index):
    page = client.get("/", query_string={"q": "", "category": "Thể thao"}).get_data(
        as_text=True)
    sport = [a for a in search_index.articles if a.category == "Thể thao"]
    assert total_of(page) == len(sport)
    assert '<input type="hidden" name="category" value="Thể thao">' in page
    page = client.get("/", query_string={"q": "bóng đá", "category": "Thể thao",
                                         "source": CRAFTED_SOURCE}).get_data(as_text=True)
    assert total_of(page) == 1 and "Giải <mark>bóng đá</mark> thiếu niên" in page


def test_month_facet_selects_that_month_and_shows_a_date_chip(client):
    page = client.get("/?q=" + quote("bóng đá")).get_data(as_text=True)
    months = _facet_entries(page, "month")
    assert months and all(re.fullmatch(r"Tháng \d{1,2}/\d{4}", m[0]) for m in months)
    for label, _, count, href in months:
        sub = client.get(href).get_data(as_text=True)
        assert total_of(sub) == count, (label, href)
        chosen = [m for m in _facet_entries(sub, "month") if m[1]]
        assert [m[0] for m in chosen] == [label]
        assert re.search(r"Thời gian: \d\d/\d\d/\d{4} – \d\d/\d\d/\d{4}", text_of(sub))


def test_date_range_form(client):
    page = client.get("/?q=" + quote("bóng đá") + "&from=2020-10-01&to=2020-12-31").get_data(
        as_text=True)
    assert 'name="from" value="2020-10-01"' in page and 'name="to" value="2020-12-31"' in page
    assert "Thời gian: 01/10/2020 – 31/12/2020" in text_of(page)
    for block in hit_blocks(page):
        d = re.search(r"<time[^>]*>(\d\d)/(\d\d)/(\d{4})</time>", block).groups()
        assert "2020-10-01" <= f"{d[2]}-{d[1]}-{d[0]}" <= "2020-12-31"


def test_reversed_date_range_says_so_and_offers_the_swap(client):
    page = client.get("/?q=" + quote("bóng đá") + "&from=2021-01-01&to=2020-10-01").get_data(
        as_text=True)
    assert total_of(page) == 0
    assert ("Ngày bắt đầu (01/01/2021) sau ngày kết thúc (01/10/2020). Tìm từ 01/10/2020 "
            "đến 01/01/2021") in text_of(page)
    swap = next(h for h in hrefs(page) if query_of(h).get("from") == ["2020-10-01"])
    assert query_of(swap)["to"] == ["2021-01-01"] and query_of(swap)["q"] == ["bóng đá"]
    assert total_of(client.get(swap).get_data(as_text=True)) > 0


# ------------------------------------------------------------------ sort and pages
def test_sort_newest(client):
    page = client.get("/?q=" + quote("người") + "&sort=newest").get_data(as_text=True)
    days = [re.search(r"<time datetime=\"([^\"]+)\"", b).group(1)[:10] for b in hit_blocks(page)]
    assert days == sorted(days, reverse=True) and len(days) == 10
    # A dantri hit links to its https URL as its source.
    assert any(h.startswith("https://dantri.com.vn/") for h in hrefs(page))
    assert '<strong aria-current="true">mới nhất</strong>' in page


def test_pager_shows_position_and_last_page(client):
    page = client.get("/?q=" + quote("người")).get_data(as_text=True)
    total = total_of(page)
    last = -(-total // 10)
    assert last > 3 and f"Trang 1/{last}" in text_of(page)
    nav = page.split('<nav class="pages"', 1)[1].split("</nav>", 1)[0]
    assert f"Trang cuối ({last})" in nav
    nxt = html.unescape(re.search(r'<a href="([^"]*)" rel="next">', nav).group(1))
    assert query_of(nxt) == {"q": ["người"], "page": ["2"]}
    page2 = client.get(nxt).get_data(as_text=True)
    assert 'rel="prev"' in page2 and '<strong aria-current="page">2</strong>' in page2
    assert f"Trang 2/{last}" in text_of(page2)


def test_page_past_the_end_keeps_the_true_total_and_links_back(client):
    page = client.get("/?q=" + quote("người") + "&page=98").get_data(as_text=True)
    total = total_of(page)
    last = -(-total // 10)
    text = text_of(page)
    assert "Trang 98 vượt quá số trang" in text and "Không tìm thấy bài nào" not in text
    back = [h for h in hrefs(page) if query_of(h).get("page") == [str(last)]]
    assert back and 'rel="next"' not in page


# ------------------------------------------------------------------ empty results
def test_empty_page_helps(client):
    page = client.get("/?q=Quenzelox").get_data(as_text=True)
    text = text_of(page)
    assert total_of(page) == 0 and "Có phải bạn muốn tìm" in text
    assert any(query_of(h).get("q", [""])[0].lower() == "quenzelo" for h in hrefs(page))
    assert "Mẹo tìm kiếm" in text


def test_empty_page_offers_the_query_without_filters(client, search_engine):
    page = client.get("/", query_string={"q": "Quenzelo", "category": "Thể thao"}).get_data(
        as_text=True)
    assert total_of(page) == 0
    link = next(h for h in hrefs(page) if h.endswith("?q=Quenzelo"))
    n = search_engine.search("Quenzelo").total
    assert f"({n} kết quả)" in text_of(page) and total_of(client.get(link).get_data(
        as_text=True)) == n


# ------------------------------------------------------------------ no index
def test_pages_without_index_are_503_in_vietnamese(tmp_path):
    app = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True})
    c = app.test_client()
    for url in ("/", "/?q=bão", "/article/x"):
        assert_vietnamese_error(c.get(url), 503, "Dịch vụ tạm thời chưa sẵn sàng",
                                "Chỉ mục tìm kiếm chưa được nạp")


def test_vietnamese_display_formats():
    from datetime import UTC, datetime

    from newssearch.web import fmt

    assert fmt.number(1234) == "1.234" and fmt.number(1234567) == "1.234.567"
    assert fmt.number(7) == "7" and fmt.number(0.5) == "0,5"
    assert fmt.month_vi("2020-10") == "Tháng 10/2020" and fmt.month_vi("2021-04") == "Tháng 4/2021"
    assert fmt.date_vi("2021-04-20T08:30:00+07:00") == "20/04/2021"
    # Late in the UTC evening is already the next day in Vietnam.
    assert fmt.date_vi(datetime(2021, 4, 19, 20, 0, tzinfo=UTC)) == "20/04/2021"
    assert fmt.datetime_vi("2021-04-20T08:30:00+07:00") == "20/04/2021 08:30"
    assert fmt.datetime_vi("2021-04-20T00:00:00+07:00") == "20/04/2021"
    assert fmt.date_vi(None) == "" and fmt.seconds_vi(5.0) == "0,005 giây"


def test_partial_match_link_only_when_it_adds_results_and_below_the_list(client, search_engine):
    html = client.get("/?q=hoc+sinh").get_data(as_text=True)
    assert "khớp một phần" not in html  # match=any adds nothing here
    q = "phong thổ bóng"
    strict = search_engine.search(q).total
    wider = search_engine.search(q, match="any").total
    html = client.get("/?q=" + q).get_data(as_text=True)
    if wider > strict:
        link = html.index("kết quả khớp một phần")
        assert html.index('<ol class="hits"') < link
        assert f"Xem thêm {wider - strict}" in html
    else:
        assert "Xem thêm" not in html


def test_small_items_month_newest_first_source_names_no_page_past_the_end(client):
    html = client.get("/?q=b%C3%A3o").get_data(as_text=True)
    months = re.findall(r"Tháng (\d+)/(\d{4})", html)
    assert months == sorted(months, key=lambda m: (int(m[1]), int(m[0])), reverse=True)
    assert "Dân trí" in html and ">dantri.com.vn<" not in html
    past = client.get("/?q=b%C3%A3o&page=99").get_data(as_text=True)
    assert "Trang 99/" not in past


@pytest.mark.parametrize("typed", ["25/10/2020", "25-10-2020", "2020-10-25", "25.10.2020"])
def test_dates_are_read_as_readers_type_them_and_shown_day_first(client, typed):
    html = client.get(f"/?q=b%C3%A3o&from={typed}").get_data(as_text=True)
    assert 'value="25/10/2020"' in html and 'type="date"' not in html


def test_looser_matches_under_their_heading_with_ranks_going_on(client):
    page = client.get("/?q=" + quote("ô tô điện")).get_data(as_text=True)
    before, sep, after = page.partition('<h2 class="related-head">Kết quả liên quan khác</h2>')
    assert sep and hit_blocks(before) and hit_blocks(after)
    start = re.search(r'<ol class="hits related" start="(\d+)">', after)
    assert start and int(start.group(1)) == len(hit_blocks(before)) + 1
    assert total_of(page) == len(hit_blocks(page))  # what is listed is what is counted
    # one exact match only: no heading
    assert "related-head" not in client.get("/?q=phong+tho").get_data(as_text=True)
