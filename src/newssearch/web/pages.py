"""The search page. Jinja autoescaping covers every value; only the engine's ``title_html`` and
snippets (already escaped, with ``<mark>``) are marked safe, in the template."""

from __future__ import annotations

import calendar
import math
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..querylang import QueryError
from ..search import FACETS
from ..store import IndexProblem
from . import engine
from .params import search_params

bp = Blueprint("pages", __name__)

FACET_LABELS = {"category": "Chuyên mục", "tags": "Thẻ", "source": "Nguồn", "month": "Tháng"}
FILTER_PARAMS = {"tags": "tag", "category": "category", "source": "source"}
FILTER_LABELS = {"tag": "Thẻ", "category": "Chuyên mục", "source": "Nguồn", "from": "Từ ngày",
                 "to": "Đến ngày"}
PAGE_WINDOW = 3


def _url(args: MultiDict) -> str:
    base = url_for("pages.search_page")
    pairs = [(k, v) for k, v in args.items(multi=True) if v != ""]
    return base + ("?" + urlencode(pairs) if pairs else "")


def _with(**changes) -> str:
    """This page's URL with some parameters replaced (None removes); back to page 1."""
    args = MultiDict(request.args)
    args.pop("page", None)
    for k, v in changes.items():
        k = k.rstrip("_")  # from_ -> from
        args.pop(k, None)
        if v is None:
            continue
        if isinstance(v, list):
            args.setlist(k, v)
        else:
            args[k] = str(v)
    return _url(args)


def _page_url(page: int) -> str:
    args = MultiDict(request.args)
    args["page"] = str(page)
    return _url(args)


def _add(param: str, value: str) -> str:
    args = MultiDict(request.args)
    args.pop("page", None)
    if value not in args.getlist(param):
        args.add(param, value)
    return _url(args)


def _remove(param: str, value: str) -> str:
    args = MultiDict(request.args)
    args.pop("page", None)
    args.setlist(param, [v for v in args.getlist(param) if v != value])
    return _url(args)


def _facet_url(name: str, value: str) -> str:
    if name == "month":  # YYYY-MM -> that month's first and last day
        y, m = (int(x) for x in value.split("-"))
        last = calendar.monthrange(y, m)[1]
        return _with(from_=f"{y:04d}-{m:02d}-01", to=f"{y:04d}-{m:02d}-{last:02d}")
    return _add(FILTER_PARAMS[name], value)


def _link(url: str | None) -> str | None:
    """The article's URL when it is safe to link (http or https only), else None."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def _pages(page: int, per_page: int, total: int) -> list[int]:
    last = max(1, math.ceil(total / per_page))
    lo, hi = max(1, page - PAGE_WINDOW), min(last, page + PAGE_WINDOW)
    return list(range(lo, hi + 1))


def _active_filters() -> list[tuple[str, str, str]]:
    """(label, value, URL without it) for every filter in the request."""
    out = []
    for param in ("tag", "category", "source"):
        for v in request.args.getlist(param):
            if v.strip():
                out.append((FILTER_LABELS[param], v, _remove(param, v)))
    for param in ("from", "to"):
        v = request.args.get(param, "").strip()
        if v:
            out.append((FILTER_LABELS[param], v, _with(**{param + "_": None})))
    return out


@bp.get("/")
def search_page():
    q = request.args.get("q", "")
    result, error, status = None, None, 200
    params = None
    try:
        params = search_params(request.args, current_app.config.get("PER_PAGE", 10))
        if params.q.strip() or params.has_filters:
            result = engine().search(
                params.q, filters=params.filters, facets=FACETS, sort=params.sort,
                page=params.page, per_page=params.per_page, recency=params.recency,
            )
    except QueryError as e:
        error, status = str(e), 400
    except IndexProblem as e:
        error, status = str(e), 503
    suggestions = []
    if result:
        shown = q.strip().casefold()
        for kind, values in result.suggestions.items():
            for s in values:
                if s.casefold() != shown:
                    suggestions.append((kind, s, _with(q=s)))
    return render_template(
        "search.html",
        q=q,
        result=result,
        error=error,
        sort=params.sort if params else "relevance",
        suggestions=suggestions,
        active_filters=_active_filters(),
        facet_labels=FACET_LABELS,
        facet_url=_facet_url,
        link=_link,
        pages=_pages(result.page, result.per_page, result.total) if result else [],
        last_page=max(1, math.ceil(result.total / result.per_page)) if result else 1,
        page_url=_page_url,
        with_=_with,
    ), status
