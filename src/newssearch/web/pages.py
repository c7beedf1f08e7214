"""The home page (no query) and the search page. Jinja autoescaping covers every value; only
the engine's ``title_html`` and snippets (already escaped, with ``<mark>``) are marked safe."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from flask import Blueprint, current_app, render_template, request

from newssearch.errors import IndexProblem, ParamError, QueryError, classify
from newssearch.search import FACETS, SearchRequest, SearchResult
from newssearch.web import facets, links
from newssearch.web.messages import explain, page_text
from newssearch.web.params import search_params
from newssearch.web.searching import run

bp = Blueprint("pages", __name__)

FILTER_LABELS = {"tag": "Thẻ", "category": "Chuyên mục", "source": "Nguồn"}
PAGE_WINDOW = 2


@dataclass
class Pager:
    page: int
    last: int
    numbers: list[int | None]  # None: a gap (…)


def pager(page: int, per_page: int, total: int) -> Pager:
    """Pages around the current one, always with the first and the last."""
    last = max(1, math.ceil(total / per_page))
    shown = {1, last, *range(max(1, page - PAGE_WINDOW), min(last, page + PAGE_WINDOW) + 1)}
    numbers: list[int | None] = []
    for n in sorted(shown):
        if numbers and n - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(n)
    return Pager(page, last, numbers)


def _chips(p: SearchRequest) -> list[tuple[str, str, str]]:
    """(label, value, URL without it) for every filter in the request."""
    out = []
    for param, label in FILTER_LABELS.items():
        for v in request.args.getlist(param):
            if v.strip():
                out.append((label, v.strip(), links.remove(param, v)))
    f = p.filters
    if f.date_from or f.date_to:
        start = f.date_from.strftime("%d/%m/%Y") if f.date_from else "…"
        end = f.date_to.strftime("%d/%m/%Y") if f.date_to else "…"
        out.append(("Thời gian", f"{start} – {end}", links.with_(from_=None, to=None)))
    return out


def _suggestions(result, q: str) -> list[tuple[str, str, str]]:
    """(kind, suggested query, its URL), leaving out one equal to what was typed."""
    out = []
    shown = q.strip().casefold()
    for kind, values in result.suggestions.to_dict().items():
        for s in values:
            if s.casefold() != shown:
                out.append((kind, s, links.with_(q=s)))
    return out


def _search(p: SearchRequest) -> SearchResult:
    """``run(p)``: ``search_params`` checked every parameter, so a QueryError here is about
    the query text (a ``from:``/``to:`` date the reader typed)."""
    try:
        return run(p)
    except QueryError as e:
        raise ParamError(str(e), "q", "query") from None


def _more_partial(p: SearchRequest, result: SearchResult) -> int:
    """How many more articles partial matches would add (0: the link would add nothing)."""
    if not result.total or result.relaxed or p.match == "any" or not p.query.strip():
        return 0
    wider = run(replace(p, match="any"), page=1, per_page=1, facets=(), snippets=False,
                suggest=False).total
    return max(0, wider - result.total)


def _latest() -> list:
    n = current_app.config["LATEST"]
    return run(SearchRequest(), sort="newest", per_page=n, facets=(), snippets=False,
               suggest=False).hits


@bp.get("/")
def search_page():
    q = request.args.get("q", "")
    try:
        p = search_params(request.args, current_app.config["PER_PAGE"])
        if not (p.query.strip() or p.has_filters):
            return render_template("home.html", q=q, latest=_latest())
        p = replace(p, facets=FACETS)
        result = _search(p)
        groups = facets.sidebar(p, result)
        more_partial = _more_partial(p, result)
        unfiltered = None
        if result.total == 0 and p.has_filters and p.query.strip():
            unfiltered = run(replace(p, filters=type(p.filters)()), page=1, per_page=1,
                             facets=(), snippets=False, suggest=False).total
    except (QueryError, IndexProblem) as e:
        kind = classify(e)
        title, advice = page_text(kind.status)
        return render_template("search.html", q=q, result=None,
                               error=(title, advice, explain(e)), chips=[],
                               bad_param=getattr(e, "param", None)), kind.status
    return render_template(
        "search.html", q=q, p=p, result=result, error=None, groups=groups,
        chips=_chips(p), suggestions=_suggestions(result, q), unfiltered=unfiltered,
        more_partial=more_partial, back=request.full_path if q.strip() else None,
        pager=pager(result.page, result.per_page, result.total),
        first_rank=(result.page - 1) * result.per_page + 1,
    )
