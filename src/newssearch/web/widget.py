"""The embeddable "Tin liên quan" widget, and the related box of our own article pages.

- ``/widget.js``: the script partners embed (``<script src=".../widget.js"
  data-article="ID" data-count="5" async></script>``); it calls
  ``/api/articles/<id>/related`` and draws the box in a Shadow DOM (static/widget.js).
- ``/widget/related/<id>?k=5&link=local&title=``: the same list as a small HTML page for an
  iframe, framable by any origin (``frame-ancestors *``, set in ``limits.security_headers``),
  no cookies; its one script posts the list's height to the host (``widget-host.js`` fits
  the iframe to it). An unknown id answers 404 with an empty page, so a host shows nothing.
- Both link each article's original page (its ``url``) by default, ours with ``local`` or
  when it has none, and show sources by name (``text/sources.py``).
- ``/widget/demo?q=&id=``: a live widget on load (the newest article), pick another, copy the
  snippets.

``install(app)`` registers the blueprint and the article page's related provider.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for

from newssearch.model import Article
from newssearch.related import DEFAULT_K, RelatedRequest, related
from newssearch.search import SearchRequest
from newssearch.web.links import external
from newssearch.web.params import int_arg
from newssearch.web.searching import engine

MAX_WIDGET_K = 10
CACHE_CONTROL = "public, max-age=300"
FRAME_CSP = ("default-src 'none'; style-src 'self'; script-src 'self'; base-uri 'none'; "
             "form-action 'none'")
DEFAULT_TITLE = "Tin liên quan"
MAX_TITLE = 80
# The iframe's documented size: five items at 300 px wide (titles of three lines) fit.
FRAME_WIDTH, FRAME_HEIGHT = 300, 620
DEMO_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            "frame-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'")

bp = Blueprint("widget", __name__)


@bp.get("/widget.js")
def script() -> Response:
    return _partner_script("widget.js")


@bp.get("/widget-host.js")
def host_script() -> Response:
    """For hosts of the iframe variant: fits each iframe to the height its list posts."""
    return _partner_script("widget-host.js")


def _partner_script(name: str) -> Response:
    """A static script partner pages load from their own origin."""
    resp = current_app.send_static_file(name)
    resp.headers["Cache-Control"] = "public, max-age=3600"
    resp.headers["Access-Control-Allow-Origin"] = "*"
    resp.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return resp


@bp.get("/widget/related/<path:article_id>")
def frame(article_id: str) -> Response:
    k = int_arg(request.args, "k", 5, 1, MAX_WIDGET_K)
    result = related(engine(), RelatedRequest(article_id=article_id, k=k))
    if result is None or not result.items:
        resp = Response("", status=404 if result is None else 200, mimetype="text/html")
    else:
        title = request.args.get("title", "").strip()[:MAX_TITLE] or DEFAULT_TITLE
        local = request.args.get("link") == "local"
        resp = Response(render_template(
            "widget_frame.html", title=title,
            items=[(i.article, _link(i.article, local)) for i in result.items]),
            mimetype="text/html")
        resp.headers["Cache-Control"] = CACHE_CONTROL
    resp.headers["Content-Security-Policy"] = FRAME_CSP
    return resp


def _link(article: Article, local: bool) -> str:
    """Where a widget item leads: the original page unless ``local`` or it has none."""
    ours = url_for("article.article_page", article_id=article.id, _external=True)
    return ours if local else external(article.url) or ours


@bp.get("/widget/demo")
def demo() -> Response:
    q = request.args.get("q", "").strip()[:200]
    chosen = request.args.get("id", "").strip()[:300]
    hits = engine().search(SearchRequest(q, per_page=8, snippets=False,
                                         suggest=False, facets=())).hits if q else []
    if chosen:
        article = engine().article(chosen)
    else:  # something to see on load: the newest article
        newest = engine().search(SearchRequest(sort="newest", per_page=1, snippets=False,
                                               suggest=False, facets=())).hits
        article = newest[0].article if newest else None
    html = render_template(
        "widget_demo.html", q=q, hits=hits, article=article,
        script_url=url_for("widget.script", _external=True),
        host_url=url_for("widget.host_script", _external=True),
        frame_width=FRAME_WIDTH, frame_height=FRAME_HEIGHT,
        frame_url=url_for("widget.frame", article_id=article.id, _external=True)
        if article else None)
    resp = Response(html, mimetype="text/html")
    resp.headers["Content-Security-Policy"] = DEMO_CSP
    return resp


def article_box(article: Article) -> list[dict]:
    """The article page's "Tin liên quan" list: the same engine as the widget."""
    result = related(engine(), RelatedRequest(article_id=article.id, k=DEFAULT_K))
    if result is None:
        return []
    return [{"id": i.article.id, "title": i.article.title, "reason": i.reason.text(),
             "published": i.article.published.isoformat() if i.article.published else None}
            for i in result.items]


def install(app: Flask) -> None:
    app.config.setdefault("RELATED_PROVIDER", article_box)
