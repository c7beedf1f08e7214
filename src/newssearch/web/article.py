"""The article page ``/article/<id>``: the article as ingested, with links to filtered searches.

"Tin liên quan": the box is filled by a provider the related-articles module registers as
``app.config["RELATED_PROVIDER"]``, a callable ``(article) -> list[dict]`` whose dicts have
``id``, ``title`` and optionally ``published`` (ISO). Without a provider the box is not
rendered at all (tests/test_web_article.py checks both).
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from newssearch.model import Article
from newssearch.web import links
from newssearch.web.errorpages import error_page
from newssearch.web.searching import engine

bp = Blueprint("article", __name__)
MAX_Q = 1000
MAX_BACK = 2000


def related_for(article: Article) -> list[dict]:
    provider = current_app.config.get("RELATED_PROVIDER")
    return list(provider(article)) if provider else []


@bp.get("/article/<path:article_id>")
def article_page(article_id: str):
    a = engine().article(article_id)  # IndexProblem -> the app's 503 page
    if a is None:
        return error_page(404, f"Không có bài viết nào mang mã “{article_id[:200]}”.")
    q = request.args.get("q", "")[:MAX_Q].strip()
    return render_template("article.html", a=a.to_dict(), q=q, back=back_url(q),
                           related=related_for(a), source_url=links.external(a.url),
                           filter_url=links.filter_url)


def back_url(q: str) -> str | None:
    """The results page the reader came from (``back``, only a path of our search page), or
    a search for ``q``; None when the reader came from elsewhere."""
    back = request.args.get("back", "")
    if back.startswith("/?") and len(back) <= MAX_BACK and "\\" not in back:
        return back
    return links.search_url({"q": q}) if q else None
