"""Hostile content: articles whose every field carries markup, script, event handlers,
javascript:/data: URLs, entities, </textarea>, RTL overrides and zero-width characters (one
with a 2 MB body) come out as inert text on every surface.

Two levels: the Flask test client parses each surface (no script element with inline code, no
on* attribute, no javascript:/data: link, the payload's text shown escaped; JSON lossless and
without a literal ``<``), and a real Chromium loads each surface from a live gunicorn, hovers
and types, and checks that the global flag every payload would set stays unset and that no
dialog opens.

``SURFACES`` lists the pages and endpoints; another surface (the widget's script and iframe)
is one more entry: a path template filled with ``word`` (a query that finds every hostile
article), ``id`` (a hostile article's id, URL-quoted) and ``prefix`` (a few letters of word).
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from newssearch.index.writer import rebuild
from newssearch.ingest import IngestReport, iter_articles

WORD = "Xquzhostile"
FLAG = "__pwned"
PAYLOADS = [
    f"<script>window.{FLAG}=1</script>",
    f"<img src=x onerror=\"window.{FLAG}=1\">",
    f"\" onmouseover=\"window.{FLAG}=1\" x=\"",
    f"' onfocus='window.{FLAG}=1' autofocus='",
    f"</textarea><script>window.{FLAG}=1</script>",
    f"</title><svg onload=window.{FLAG}=1>",
    f"&lt;script&gt;window.{FLAG}=1&lt;/script&gt; &amp;amp; &#x3C;b&#x3E;",
    f"</script><script>window.{FLAG}=1</script>",
    f"javascript:window.{FLAG}=1",
    f"data:text/html,<script>window.{FLAG}=1</script>",
    "\u202egnp.exe\u202c and zero\u200bwidth\u200d\ufeff joiners",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    f"<a href=\"javascript:window.{FLAG}=1\">bấm vào đây</a>",
    f"<iframe src=\"data:text/html,<script>parent.{FLAG}=1</script>\"></iframe>",
]
URL_PAYLOADS = [f"javascript:window.{FLAG}=1", f"data:text/html,<script>window.{FLAG}=1</script>",
                f"JaVaScRiPt:window.{FLAG}=1", f" javascript:window.{FLAG}=1",
                f"https://example.invalid/\"><script>window.{FLAG}=1</script>"]
BIG_BODY_BYTES = 2_000_000

# Surfaces: path templates (see the module docstring). The widget's engineer adds theirs.
SURFACES = [
    "/?q={word}",
    "/?q={word}&page=2&per_page=5",
    "/?q={prefix}",
    "/article/{id}",
    "/api/search?q={word}",
    "/api/articles/{id}",
    "/api/suggest?q={prefix}",
    "/api/articles/{id}/related",
    "/widget/related/{id}",
    "/widget/demo?q={word}&id={id}",
]
HTML_SURFACES = [s for s in SURFACES if not s.startswith("/api/")]


def hostile_records() -> list[dict]:
    recs = []
    for i, p in enumerate(PAYLOADS):
        recs.append({
            "id": f"hostile-{i}-{p[:20]}",
            "title": f"{WORD} tiêu đề {p}",
            "lead": f"{WORD} sapo {p}",
            "body": f"{WORD} đoạn một {p}\nĐoạn hai {p} {WORD}",
            "author": p, "category": f"Mục {p}", "tags": [p, f"{WORD} {p}"],
            "source": f"nguồn {p}", "url": URL_PAYLOADS[i % len(URL_PAYLOADS)],
            "captions": [f"Ảnh {p}"], "related_titles": [f"Liên quan {p}"],
            "published": f"2020-0{i % 9 + 1}-1{i % 9}",
        })
    # Markup characters without a word among them, last: 2 MB to store, escape and send,
    # without minutes of word segmentation in every test run.
    filler = "<>\u200b\u202e&;\"' \t" * (BIG_BODY_BYTES // 10)
    recs.append({"id": "hostile-big", "title": f"{WORD} bài rất dài {PAYLOADS[0]}",
                 "lead": PAYLOADS[1], "body": f"{WORD} {PAYLOADS[0]}\n{PAYLOADS[4]}\n{filler}",
                 "published": "2020-12-31", "url": URL_PAYLOADS[0]})
    return recs


@pytest.fixture(scope="session")
def hostile_index(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("hostile")
    jsonl = d / "hostile.jsonl"
    jsonl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n"
                             for r in hostile_records()), encoding="utf-8")
    report = IngestReport()
    articles = list(iter_articles([str(jsonl)], report))
    assert not report.skipped and len(articles) == len(PAYLOADS) + 1, report.summary_lines()
    assert len(articles[-1].body[-1].encode()) >= BIG_BODY_BYTES
    rebuild(d / "index", articles, procs=1)
    return d / "index"


def surface_urls() -> list[str]:
    ids = [r["id"] for r in hostile_records()]
    out = []
    for s in SURFACES:
        for i in (ids if "{id}" in s else ids[:1]):
            out.append(s.format(word=WORD, prefix=WORD[:4], id=quote(i, safe="")))
    return out


# Elements whose data: URL would open or run a document (an icon's data: URL cannot).
NAVIGABLE = ("a", "area", "iframe", "form", "button", "object", "embed", "script", "base")


class Inspector(HTMLParser):
    """Collects what could execute: inline scripts, on* attributes, script-capable URLs."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        src = dict(attrs).get("src") or ""
        ours = urlsplit(src).scheme in ("", "http", "https") and \
            urlsplit(src).path.startswith("/widget/")
        if tag in ("object", "embed", "svg", "base") or (tag == "iframe" and not ours):
            self.problems.append(f"<{tag}> element")  # (the demo page frames our widget)
        if tag == "script":
            self._in_script = True
            if not src.startswith("/"):
                self.problems.append(f"script from {src!r}")
        for name, value in attrs:
            v = (value or "").strip().lower()
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            v = v.replace("\t", "").replace("\n", "")
            runs = v.startswith("javascript:") or (v.startswith("data:") and tag in NAVIGABLE)
            if name in ("href", "src", "action", "formaction", "xlink:href") and runs:
                self.problems.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append(f"inline script {data[:60]!r}")
        self.text.append(data)


@pytest.fixture(scope="module")
def client(hostile_index):
    from newssearch.web import create_app

    return create_app({"INDEX_DIR": str(hostile_index), "WARM": False}).test_client()


@pytest.mark.parametrize("url", surface_urls())
def test_surface_shows_hostile_content_as_inert_text(client, url: str) -> None:
    resp = client.get(url)
    assert resp.status_code == 200, (url, resp.status_code)
    body = resp.get_data(as_text=True)
    if resp.is_json:
        assert "<" not in body and ">" not in body  # escaped even inside strings
        json.loads(body)
        return
    page = Inspector()
    page.feed(body)
    assert not page.problems, (url, page.problems[:5])
    text = "".join(page.text)
    if "{{7*7}}" in text or "/?q=" in url:  # shown as typed: no template evaluated it
        assert "49" not in text.replace("2049", "")


def test_api_returns_hostile_fields_unchanged(client) -> None:
    recs = {r["id"]: r for r in hostile_records()}
    for rid, rec in recs.items():
        a = client.get(f"/api/articles/{quote(rid, safe='')}").get_json()
        assert a["title"] == rec["title"] and a["lead"] == rec["lead"]
        if rid != "hostile-big":
            assert a["author"] == rec["author"] and a["tags"] == rec["tags"]


def test_snippets_mark_only_matches(client) -> None:
    hits = client.get(f"/api/search?q={WORD}&per_page=50").get_json()["hits"]
    assert len(hits) == len(PAYLOADS) + 1
    for h in hits:
        for s in [h.get("title_html", ""), *h.get("snippets", [])]:
            check = Inspector()
            check.feed(s)
            assert not check.problems
            stripped = s.replace("<mark>", "").replace("</mark>", "")
            assert "<" not in stripped, s[:200]


# ------------------------------------------------------------------------- real browser
# Fire the events an injected handler would wait for, on every element of the page.
POKE = """() => { for (const el of document.querySelectorAll('*')) {
  for (const t of ['mouseover', 'mouseenter', 'focus', 'load', 'error', 'animationstart']) {
    el.dispatchEvent(new Event(t, {bubbles: true}));
  } } }"""


@pytest.fixture(scope="module")
def hostile_server(hostile_index, tmp_path_factory):
    from browser_fixtures import start_gunicorn, stop

    server = start_gunicorn(hostile_index, tmp_path_factory.mktemp("hostile_gunicorn") / "log")
    yield server
    stop(server)


def test_no_script_runs_in_a_real_browser(browser, hostile_server) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    dialogs: list[str] = []
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        for url in surface_urls():
            page.goto(hostile_server.url + url, wait_until="load")
            page.evaluate(POKE)
            page.wait_for_timeout(100)
            assert page.evaluate(f"window.{FLAG}") is None, url
        page.goto(hostile_server.url + "/")
        box = page.locator("input[name=q]").first
        box.type(WORD[:5], delay=30)  # the autocomplete list shows hostile titles
        page.wait_for_timeout(800)
        assert page.locator("[role=option]").count() > 0  # hostile titles were offered
        page.evaluate(POKE)
        page.keyboard.press("ArrowDown")
        assert page.evaluate(f"window.{FLAG}") is None
        assert not dialogs, dialogs
    finally:
        context.close()
