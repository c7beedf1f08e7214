"""The widget in real headless Chromium: a partner page on another origin (a second loopback
port) with a strict CSS reset embeds two script tags and an iframe; titles carrying HTML show
as text and no script runs; with our server stopped the partner page shows no broken box."""

from __future__ import annotations

import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from browser_fixtures import start_gunicorn, stop
from related_fixtures import XSS_TITLE

# A strict reset, plus rules that would wreck any box they reached.
RESET = ("*,*::before,*::after{all:unset!important}"
         "html,body,p,div,section{display:block!important}"
         "a,li,h2,section,small{color:rgb(255,0,0)!important;font-size:40px!important;"
         "border:9px solid lime!important}")


@pytest.fixture(scope="module")
def ours(related_index, tmp_path_factory):
    """Our gunicorn over the related index (the last test stops it)."""
    server = start_gunicorn(related_index.root, tmp_path_factory.mktemp("widget") / "log",
                            workers=1)
    yield server
    stop(server)


@pytest.fixture(scope="module")
def partner():
    """Another origin: a plain HTTP server on its own loopback port serving host pages."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = pages.get(self.path, "").encode("utf-8")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    httpd.pages = pages
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()


def host_page(body: str) -> str:
    return (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Đối tác</title>'
            f'<link rel="icon" href="data:,"><style>{RESET}</style></head>'
            f"<body><p>Bài của đối tác</p>{body}"
            "<p id=end>Hết bài</p></body></html>")


def scripts(base: str, *ids: str) -> str:
    return "".join(f'<script src="{base}/widget.js" data-article="{i}" data-count="5" async>'
                   "</script><p>đoạn giữa</p>" for i in ids)


@pytest.fixture
def watched(page):
    """The page, with what it reports: page errors, console errors and dialogs (alert)."""
    seen = {"errors": [], "console": [], "dialogs": []}
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("console", lambda m: seen["console"].append(m.text) if m.type == "error" else None)

    def dialog(d):
        seen["dialogs"].append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    return page, seen


def test_two_script_widgets_render_on_another_origin(ours, partner, watched, related_index):
    page, seen = watched
    partner.pages["/two.html"] = host_page(
        scripts(ours.url, "story-1", related_index.original.id, "no-such-article"))
    page.goto(partner.url + "/two.html")
    boxes = page.locator(".ns-related-widget")
    boxes.nth(1).wait_for()
    page.wait_for_load_state("networkidle")
    assert boxes.count() == 2  # the unknown id draws nothing
    first = boxes.nth(0)
    assert first.locator("h2").inner_text() == "Tin liên quan"
    hrefs = [a.get_attribute("href") for a in first.locator("a").all()]
    # The story's articles have no url of their own: they link to ours.
    assert {ours.url + "/article/story-2", ours.url + "/article/story-3"} <= set(hrefs)
    assert XSS_TITLE in first.locator("a").all_inner_texts()  # as text, whole
    assert page.locator("img").count() == 0  # (locators pierce open shadow roots)
    # The host's reset reaches neither the links nor the heading inside the shadow root.
    style = first.locator("a").first.evaluate(
        "a => { const s = getComputedStyle(a); return [s.color, s.fontSize, s.borderTopWidth] }")
    assert style == ["rgb(26, 26, 26)", "15px", "0px"]
    assert first.bounding_box()["height"] > 100
    assert len(boxes.nth(1).locator("a").all()) >= 1
    ours_hrefs = [h for h in hrefs if h.startswith(ours.url)]
    with urllib.request.urlopen(ours_hrefs[0], timeout=10) as r:  # the links lead to our pages
        assert r.status == 200
    assert not seen["errors"] and not seen["dialogs"]
    assert len(seen["console"]) <= 1  # the browser's own note of the unknown id's 404


def test_iframe_variant_renders_in_another_origin(ours, partner, watched):
    page, seen = watched
    partner.pages["/frame.html"] = host_page(
        f'<iframe src="{ours.url}/widget/related/story-1" title="Tin liên quan" width="320" '
        'height="400"></iframe>')
    page.goto(partner.url + "/frame.html")
    frame = page.frame_locator("iframe")
    links = frame.locator("a")
    links.first.wait_for()
    texts = links.all_inner_texts()
    assert XSS_TITLE in texts and frame.locator("img").count() == 0
    assert links.first.get_attribute("href").startswith(ours.url + "/article/")
    assert not seen["errors"] and not seen["dialogs"]


def test_widget_links_to_the_original_article_unless_asked_for_ours(ours, partner, watched,
                                                                   related_index):
    page, seen = watched
    urls = {a.id: a.url for a in related_index.articles}
    seed = related_index.original.id
    partner.pages["/links.html"] = host_page(
        f'<script src="{ours.url}/widget.js" data-article="{seed}" data-title="Đọc thêm" '
        'async></script><div id="local">'
        f'<script src="{ours.url}/widget.js" data-article="{seed}" data-link="local" '
        'async></script></div>')
    page.goto(partner.url + "/links.html")
    boxes = page.locator(".ns-related-widget")
    boxes.nth(1).wait_for()
    default, local = boxes.nth(0), boxes.nth(1)
    assert default.locator("h2").inner_text() == "Đọc thêm"
    assert local.locator("h2").inner_text() == "Tin liên quan"
    titles = {a.title: a.id for a in related_index.articles}
    for a in default.locator("a").all():
        want = urls[titles[a.inner_text()]] or f"{ours.url}/article/{titles[a.inner_text()]}"
        assert a.get_attribute("href") == want
    assert any(a.get_attribute("href").startswith("https://dantri.com.vn/")
               for a in default.locator("a").all())
    assert all(a.get_attribute("href").startswith(ours.url + "/article/")
               for a in local.locator("a").all())
    assert "Dân trí" in default.locator("small").first.inner_text()  # the source by name
    assert not seen["errors"] and not seen["dialogs"]


def test_iframe_in_a_300px_sidebar_shows_five_items(ours, partner, watched, related_index):
    """The documented size (widget.FRAME_WIDTH x FRAME_HEIGHT) holds five items; with
    widget-host.js the iframe takes the height its list posts."""
    from newssearch.web.widget import FRAME_HEIGHT, FRAME_WIDTH

    page, seen = watched
    seed = related_index.original.id

    def frame(attrs: str) -> str:
        return (f'<div style="width:300px"><iframe {attrs} src="{ours.url}/widget/related/'
                f'{seed}?k=5" title="Tin liên quan" width="{FRAME_WIDTH}" '
                f'height="{FRAME_HEIGHT}" style="border:0"></iframe></div>')

    # A plain page this time: the hostile reset of host_page unsets the iframe's size too.
    partner.pages["/side.html"] = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>Đối tác</title>'
        '<link rel="icon" href="data:,"></head><body>'
        + frame("id=fixed") + frame("id=fit data-ns-related")
        + f'<script src="{ours.url}/widget-host.js"></script></body></html>')
    page.goto(partner.url + "/side.html")
    items = page.frame_locator("#fixed").locator("li")
    items.nth(4).wait_for()
    box = page.locator("#fixed").bounding_box()
    last = items.nth(4).bounding_box()
    assert last["y"] + last["height"] <= box["y"] + box["height"], (last, box)
    # Fitted: the second iframe's height follows its content (posted by the frame).
    page.wait_for_function(
        "() => document.getElementById('fit').style.height !== ''", timeout=5000)
    fitted = page.locator("#fit").bounding_box()
    inner = page.frame_locator("#fit").locator("section").bounding_box()
    assert abs(fitted["height"] - inner["height"]) < 40, (fitted, inner)
    assert not seen["errors"] and not seen["dialogs"]


def test_demo_shows_a_widget_on_load_and_fits_a_phone(ours, browser, tmp_path):
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        context = browser.new_context(viewport=viewport, locale="vi-VN")
        try:
            page = context.new_page()
            page.goto(ours.url + "/widget/demo")
            page.locator(".ns-related-widget a").first.wait_for(timeout=2000)
            page.frame_locator("iframe").locator("a").first.wait_for(timeout=2000)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], width
            if viewport["width"] == 390:  # one column: the two variants stacked
                a, b = page.locator(".demo-grid > section").all()
                assert b.bounding_box()["y"] >= a.bounding_box()["y"] + a.bounding_box()["height"]
            page.screenshot(path=str(tmp_path / f"demo-{viewport['width']}.png"), full_page=True)
        finally:
            context.close()


def test_stopped_service_leaves_no_broken_box(ours, partner, watched):
    page, seen = watched
    partner.pages["/up.html"] = host_page(scripts(ours.url, "story-1"))
    page.goto(partner.url + "/up.html")
    page.locator(".ns-related-widget").first.wait_for()  # widget.js is now in the cache
    stop(ours)
    partner.pages["/down.html"] = host_page(scripts(ours.url, "story-2", "story-3"))
    page.goto(partner.url + "/down.html")
    page.wait_for_load_state("networkidle")
    assert page.locator("#end").inner_text() == "Hết bài"
    # The cached script ran for both tags; its calls to the stopped service failed silently.
    assert page.locator("script[data-ns-related]").count() == 2
    assert page.locator(".ns-related-widget").count() == 0
    assert not seen["errors"] and not seen["dialogs"]
    assert len(seen["console"]) <= 2  # at most the browser's own note per failed call
