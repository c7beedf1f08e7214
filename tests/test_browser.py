"""The pages in real headless Chromium (Debian's, driven by Playwright) against a real gunicorn
over the session's small index: autocomplete by keyboard, facets and chips, pages, the
article page, JavaScript off, a phone viewport. Screenshots go to the test's tmp dir."""

from __future__ import annotations

import re

import pytest

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def errors(page):
    """Console errors and failed requests of the page (a CSP violation shows up here)."""
    seen: list[str] = []
    page.on("console", lambda m: seen.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen.append(str(e)))
    return seen


def total(page) -> int:
    return int(page.locator("strong.total").inner_text().replace(".", ""))


def shot(page, tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


def test_autocomplete_by_keyboard_finds_the_seed_article(page, live_server, errors, tmp_path):
    page.goto(live_server.url + "/")
    box = page.locator("#q")
    box.click()
    page.keyboard.type("phong tho", delay=30)
    options = page.locator("#q-suggest [role=option]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert page.locator("#q-suggest").get_attribute("role") == "listbox"
    texts = options.all_inner_texts()
    want = next(i for i, t in enumerate(texts) if t.casefold() == "phong thổ")
    # Escape closes the list; typing opens it again.
    page.keyboard.press("Escape")
    assert page.locator("#q-suggest").is_hidden() and box.get_attribute("aria-expanded") == "false"
    page.keyboard.type(" ")
    page.keyboard.press("Backspace")
    options.first.wait_for()
    for _ in range(want + 1):
        page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert page.locator(f"#{active}").get_attribute("aria-selected") == "true"
    shot(page, tmp_path, "autocomplete-desktop")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert re.search(r"[?&]q=phong\+th%E1%BB%95", page.url, flags=re.IGNORECASE)
    first = page.locator("article.hit").first
    assert "<mark>Phong Thổ</mark>" in first.locator("h2").inner_html()
    assert first.locator("h2 a").get_attribute("href").startswith("/article/seed_phong_tho.txt?q=")
    shot(page, tmp_path, "results-desktop")
    assert errors == []


def test_facet_click_shrinks_the_count_and_the_chip_removes_it(page, live_server, errors):
    page.goto(live_server.url + "/?q=b%C3%B3ng+%C4%91%C3%A1")
    before = total(page)
    entry = page.locator("section.facet-category li:not(.on)").first
    name = entry.locator("a").inner_text().strip()
    count = int(entry.locator(".count").inner_text().replace(".", ""))
    with page.expect_navigation():
        entry.locator("a").click()
    assert total(page) == count < before
    chip = page.locator("li.chip")
    assert chip.count() == 1 and name in chip.inner_text()
    assert page.locator("section.facet-category li.on a").inner_text().strip() == f"✓ {name}"
    with page.expect_navigation():
        chip.locator("a").click()
    assert total(page) == before and page.locator("li.chip").count() == 0
    assert errors == []


def test_paginate_and_open_an_article(page, live_server, errors):
    page.goto(live_server.url + "/?q=ng%C6%B0%E1%BB%9Di")
    assert re.search(r"Trang 1/\d+", page.locator("p.summary").inner_text())
    first_page = page.locator("article.hit h2").all_inner_texts()
    with page.expect_navigation():
        page.locator("nav.pages a[rel=next]").click()
    assert page.locator("nav.pages [aria-current=page]").inner_text() == "2"
    assert re.search(r"Trang 2/\d+", page.locator("p.summary").inner_text())
    second_page = page.locator("article.hit h2").all_inner_texts()
    assert second_page and not set(first_page) & set(second_page)
    title = second_page[0]
    with page.expect_navigation():
        page.locator("article.hit h2 a").first.click()
    assert "/article/" in page.url and page.locator("h1").inner_text() == title
    if page.locator("section.related").count():  # filled by the related-articles module
        assert "Tin liên quan" in page.locator("section.related h2").inner_text()
    assert errors == []


def test_search_works_with_javascript_off(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280,
                                                                        "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        page.fill("#q", "phong tho")
        with page.expect_navigation():
            page.press("#q", "Enter")
        assert "Phong Thổ" in page.locator("article.hit h2").first.inner_text()
        page.fill("#q", "bóng đá")
        with page.expect_navigation():
            page.press("#q", "Enter")
        with page.expect_navigation():
            page.locator("section.facet-category li a").first.click()
        assert page.locator("li.chip").count() == 1
    finally:
        context.close()


def test_phone_layout_has_no_horizontal_scroll_and_filters_open_from_the_top(
        browser, live_server, tmp_path):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2)
    try:
        page = context.new_page()
        for url in ("/", "/?q=phong+tho", "/article/seed_phong_tho.txt", "/khong-co",
                    "/api/docs", "/widget/demo"):
            page.goto(live_server.url + url)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], (url, width)
        page.goto(live_server.url + "/?q=b%C3%B3ng+%C4%91%C3%A1&category=Th%E1%BB%83+thao")
        assert page.locator("#q").bounding_box()["width"] <= PHONE["width"]
        shot(page, tmp_path, "results-phone")
        # "Bộ lọc" sits in the first screen and opens the filters there (no script needed).
        opener = page.locator(".filter-open a")
        assert opener.bounding_box()["y"] < PHONE["height"]
        assert page.locator("aside.facets").is_hidden()
        opener.click()
        facets = page.locator("aside.facets")
        facets.wait_for()
        page.evaluate("window.scrollTo(0, 0)")
        box = page.locator("section.facet-category").bounding_box()
        assert box["y"] + box["height"] / 2 < PHONE["height"]
        shot(page, tmp_path, "filters-phone")
    finally:
        context.close()


def test_phone_filters_open_without_javascript(browser, live_server):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server.url + "/?q=b%C3%B3ng+%C4%91%C3%A1")
        page.locator(".filter-open a").click()
        assert page.locator("section.facet-category").is_visible()
        with page.expect_navigation():
            page.locator("section.facet-category li a").first.click()
        assert page.locator("li.chip").count() == 1
    finally:
        context.close()


def test_autocomplete_shows_searches_and_articles_with_the_completion_bold(
        page, live_server, errors, tmp_path):
    page.goto(live_server.url + "/")
    page.locator("#q").click()
    page.keyboard.type("phong th", delay=30)
    first = page.locator("#q-suggest .suggest-searches [role=option]").first
    first.wait_for()
    assert first.inner_text() == "Phong Thổ"
    assert first.locator("b").inner_text() == "ổ"  # typed "phong th": plain; "ổ" bold
    articles = page.locator("#q-suggest .suggest-articles [role=option]")
    articles.first.wait_for()
    assert "Phong Thổ" in articles.first.inner_text()
    shot(page, tmp_path, "autocomplete-groups")
    with page.expect_navigation():
        articles.first.click()
    assert page.url.endswith("/article/seed_phong_tho.txt")
    assert errors == []


def test_hoc_sinh_marks_only_the_whole_word(page, live_server, errors):
    page.goto(live_server.url + "/?q=hoc+sinh")
    marks = page.locator("article.hit mark").all_inner_texts()
    assert marks and all(m.casefold() == "học sinh" for m in marks), marks
    assert errors == []


def test_dates_show_day_first_under_an_english_locale(browser, live_server):
    context = browser.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.goto(live_server.url + "/?q=b%C3%A3o&from=2020-10-25&to=30-11-2020")
        start, end = page.locator("form.range input[name=from]"), page.locator(
            "form.range input[name=to]")
        assert (start.input_value(), end.input_value()) == ("25/10/2020", "30/11/2020")
        assert start.get_attribute("placeholder") == "dd/mm/yyyy"
        end.fill("1-11-2020")  # what a reader types is read day first
        with page.expect_navigation():
            page.locator("form.range button").click()
        assert page.locator("form.range input[name=to]").input_value() == "01/11/2020"
        end = page.locator("form.range input[name=to]")
        end.fill("31/02/2020")
        with page.expect_navigation():
            page.locator("form.range button").click()
        assert "không phải một ngày hợp lệ" in page.locator(".err").inner_text()
    finally:
        context.close()


def test_article_page_keeps_the_query_and_links_back(page, live_server, errors):
    page.goto(live_server.url + "/?q=phong+tho&page=1")
    with page.expect_navigation():
        page.locator("article.hit h2 a").first.click()
    assert page.locator("#q").input_value() == "phong tho"
    with page.expect_navigation():
        page.locator("p.back a").click()
    assert page.url.endswith("/?q=phong+tho&page=1")
    assert errors == []
