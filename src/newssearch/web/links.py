"""URLs of the search page derived from the current request: add or remove a filter, change
the page. Every change of filter goes back to page 1; empty parameters are dropped."""

from __future__ import annotations

import calendar
from datetime import date
from urllib.parse import urlencode, urlsplit

from flask import request, url_for
from werkzeug.datastructures import MultiDict

FILTER_PARAMS = {"tags": "tag", "names": "tag", "category": "category", "source": "source"}


def search_url(args: MultiDict | dict | None = None) -> str:
    base = url_for("pages.search_page")
    items = args.items(multi=True) if isinstance(args, MultiDict) else (args or {}).items()
    pairs = [(k, v) for k, v in items if v != ""]
    return base + ("?" + urlencode(pairs) if pairs else "")


def _args() -> MultiDict:
    args = MultiDict(request.args)
    args.pop("page", None)
    return args


def with_(**changes) -> str:
    """This page's URL with some parameters replaced (None removes); back to page 1."""
    args = _args()
    for k, v in changes.items():
        k = k.rstrip("_")  # from_ -> from
        args.pop(k, None)
        if v is not None:
            args[k] = str(v)
    return search_url(args)


def page_url(page: int) -> str:
    args = MultiDict(request.args)
    args["page"] = str(page)
    return search_url(args)


def add(param: str, value: str) -> str:
    args = _args()
    if value not in args.getlist(param):
        args.add(param, value)
    return search_url(args)


def remove(param: str, value: str) -> str:
    args = _args()
    args.setlist(param, [v for v in args.getlist(param) if v != value])
    return search_url(args)


def month_range(value: str) -> tuple[date, date]:
    """A month facet value ``2020-10`` as its first and last day."""
    y, m = (int(x) for x in value.split("-"))
    return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])


def month_url(value: str) -> str:
    first, last = month_range(value)
    return with_(from_=first.isoformat(), to=last.isoformat())


def without_filters() -> str:
    """The same query with no filter at all."""
    return search_url({"q": request.args.get("q", "")})


def filter_url(param: str, value: str) -> str:
    """A search for everything with this tag, category or source (from the article page)."""
    return search_url({param: value})


def external(url: str | None) -> str | None:
    """The article's URL when it is safe to link (http or https only), else None."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None
